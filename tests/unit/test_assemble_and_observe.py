"""The pure core of stream.final(), client defaults, unload's cloud check and the watch policy: no server."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List

import pytest

from ollama_lite import _api, _observe
from ollama_lite._assemble import ChatAssembler, GenerateAssembler, assembler_for
from ollama_lite._codec import decode
from ollama_lite._types import ChatResponse, GenerateResponse, Options, ProgressResponse, ShowResponse

CALL = {'function': {'name': 'f', 'arguments': {}}}


def _chat(**fields: Any) -> ChatResponse:
    return decode(ChatResponse, {'model': 'm', 'created_at': 't', 'done': False, **fields})


def test_chat_chunks_join_as_the_servers_non_streamed_reply() -> None:
    assembler = ChatAssembler()
    chunks = [
        _chat(message={'role': 'assistant', 'content': '', 'thinking': 'Let me '}),
        _chat(message={'role': 'assistant', 'content': '', 'thinking': 'think.'}),
        _chat(message={'role': 'assistant', 'content': 'Hel'}, logprobs=[{'token': 'Hel', 'logprob': -0.1}]),
        _chat(message={'role': 'assistant', 'content': 'lo', 'tool_calls': [CALL]}, logprobs=[{'token': 'lo'}]),
        _chat(
            message={'role': 'assistant', 'content': ''}, done=True, done_reason='stop', eval_count=4,
            prompt_eval_count=2, new_field='kept',
        ),
    ]  # fmt: skip
    for chunk in chunks:
        assembler.feed(chunk)
    final = assembler.final()
    assert (final.message.content, final.message.thinking) == ('Hello', 'Let me think.')
    assert [c.function.name for c in final.message.tool_calls or []] == ['f']
    assert [lp.token for lp in final.logprobs or []] == ['Hel', 'lo']
    assert (final.done, final.done_reason, final.eval_count, final['new_field']) == (True, 'stop', 4, 'kept')
    assert chunks[-1].message.content == '' and chunks[-1].logprobs is None  # the chunks are not changed


def test_nothing_received_is_an_empty_reply_not_done() -> None:
    chat, generate = ChatAssembler().final(), GenerateAssembler().final()
    assert (chat.message.role, chat.message.content, chat.message.thinking, chat.done) == ('assistant', '', None, False)
    assert (generate.response, generate.thinking, generate.done) == ('', None, False)


def test_generate_chunks_keep_the_final_context() -> None:
    assembler = GenerateAssembler()
    for fields in (
        {'response': 'a', 'thinking': 'x'},
        {'response': 'b'},
        {'response': '', 'done': True, 'context': [1]},
    ):
        assembler.feed(decode(GenerateResponse, {'model': 'm', **fields}))
    final = assembler.final()
    assert (final.response, final.thinking, final.context, final.done) == ('ab', 'x', [1], True)


def test_other_streams_give_their_last_chunk() -> None:
    assembler = assembler_for(ProgressResponse)
    assert assembler.final() == ProgressResponse()
    last = ProgressResponse(status='success')
    assembler.feed(ProgressResponse(status='pulling'))
    assembler.feed(last)
    assert assembler.final() is last


# --- defaults ---------------------------------------------------------------------------------------------------


def _body(call: Any) -> Dict[str, Any]:
    return json.loads(call.body)  # type: ignore[no-any-return]


def test_defaults_merge_per_key_and_stand_in_for_none() -> None:
    defaults = _api.defaults(Options(num_ctx=8192, temperature=0.5), keep_alive='5m', think='low', format='json')
    assert dict(defaults.options) == {'num_ctx': 8192, 'temperature': 0.5}
    body = _body(_api.chat('m', [], options={'temperature': 0}, think=False, format='', defaults=defaults))
    assert (body['options'], body['keep_alive'], body['think'], body['format']) == (
        {'num_ctx': 8192, 'temperature': 0}, '5m', False, '',
    )  # fmt: skip
    body = _body(_api.embeddings('m', 'p', keep_alive=0, defaults=defaults))
    assert (body['options'], body['keep_alive']) == ({'num_ctx': 8192, 'temperature': 0.5}, 0)
    assert 'think' not in body and 'format' not in body
    caller = {'seed': 1}
    _api.generate('m', 'p', options=caller, defaults=defaults)
    assert caller == {'seed': 1} and dict(defaults.options) == {'num_ctx': 8192, 'temperature': 0.5}


def test_empty_defaults_change_no_body() -> None:
    empty = _api.defaults()
    assert empty.empty and repr(empty) == 'Defaults()'
    for with_, without in [
        (_api.chat('m', [], defaults=empty), _api.chat('m', [])),
        (_api.generate('m', 'p', options={'a': 1}, defaults=empty), _api.generate('m', 'p', options={'a': 1})),
        (_api.embed('m', 'x', defaults=empty), _api.embed('m', 'x')),
    ]:
        assert with_.body == without.body


def test_load_and_unload_bodies() -> None:
    assert _body(_api.load('m')) == {'model': 'm'}
    assert _body(_api.load('m', defaults=_api.defaults(keep_alive='1h'))) == {'model': 'm', 'keep_alive': '1h'}
    assert _body(_api.load('m', 30, _api.defaults(keep_alive='1h'))) == {'model': 'm', 'keep_alive': 30}
    assert _body(_api.unload('m')) == {'model': 'm', 'keep_alive': '0s'}
    with pytest.raises(_api.RequestError, match='keep_alive'):
        _api.load('m', keep_alive=[1])
    with pytest.raises(_api.RequestError, match='must provide a model'):
        _api.unload('')


@pytest.mark.parametrize(
    ('name', 'remote_host', 'remote'),
    [
        ('llama3.2', None, False),
        ('llama3.2', 'https://ollama.com:443', True),
        ('gpt-oss:120b-cloud', None, True),
        ('gpt-oss:cloud', None, True),
        ('gpt-oss:CLOUD ', None, True),
        ('registry.example.com:5000/cloud', None, False),
        ('my-cloud', None, False),
        ('qwen3:local', None, False),
    ],
)
def test_which_models_run_remotely(name: str, remote_host: Any, remote: bool) -> None:
    assert _api.runs_remotely(name, ShowResponse(remote_host=remote_host)) is remote


# --- the watch policy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('body', 'model'),
    [
        (b'{"model":"llama3.2","messages":[]}', 'llama3.2'),
        (b'{"model":"a\\"b"}', 'a"b'),
        (b'{"source":"a","destination":"b"}', None),
        (None, None),
        (b'{"model":"' + b'x' * 2000, None),
    ],
)
def test_the_model_is_read_from_the_front_of_the_body(body: Any, model: Any) -> None:
    assert _observe._model_of(body) == model


def test_unwatched_calls_get_no_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_observe, '_otel', None)
    observer = _observe.Observer(None, (), lambda url: {})
    assert observer.begin('chat', 'POST', 'http://h/api/chat', b'{}', False) is None
    logging.getLogger('ollama_lite').setLevel(logging.INFO)
    try:
        assert observer.begin('chat', 'POST', 'http://h/api/chat', b'{}', False) is not None
    finally:
        logging.getLogger('ollama_lite').setLevel(logging.NOTSET)
    hooked = _observe.Observer({'response': [print]}, (), lambda url: {})
    assert hooked.begin('chat', 'POST', 'http://h/api/chat', b'{}', False) is not None


def test_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger('ollama_lite')
    before = (logger.level, list(logger.handlers))
    try:
        assert _observe.configure_from_environment({}) is None
        handler = _observe.configure_from_environment({'OLLAMA_LITE_LOG': ' DEBUG '})
        assert handler in logger.handlers and logger.level == logging.DEBUG
        with pytest.warns(UserWarning, match='not "info" or "debug"'):
            assert _observe.configure_from_environment({'OLLAMA_LITE_LOG': 'verbose'}) is None
    finally:
        logger.setLevel(before[0])
        logger.handlers[:] = before[1]


def test_long_bodies_are_cut_after_redaction() -> None:
    secret = 'sk-abcdef0123456789'
    shown = _observe._shown(f'{secret} '.encode() + b'y' * 10_000, [secret])
    assert shown.startswith('<redacted> y') and secret not in shown
    assert shown == '<redacted> ' + 'y' * (_observe.BODY_LOG_LIMIT - 11) + '... (10020 bytes in all)'
    assert _observe._shown(b'{"a":1}', [secret]) == '{"a":1}'
    assert _observe._shown(None, []) == '(none)'
    hooks: List[Any] = []
    assert _observe.check_event_hooks({'request': hooks}) == ((), ())


def test_no_span_is_made_before_an_sdk_is_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    trace = pytest.importorskip('opentelemetry.trace', reason='needs opentelemetry-api')
    monkeypatch.setattr(_observe, '_otel', _observe._NOT_LOOKED)
    observer = _observe.Observer(None, (), lambda url: {})
    monkeypatch.setattr(trace, 'get_tracer_provider', trace.ProxyTracerProvider)
    assert observer.begin('chat', 'POST', 'http://h/api/chat', b'{}', False) is None
    sdk = pytest.importorskip('opentelemetry.sdk.trace', reason='needs opentelemetry-sdk')
    provider = sdk.TracerProvider()
    monkeypatch.setattr(trace, 'get_tracer_provider', lambda: provider)
    watch = observer.begin('chat', 'POST', 'http://h/api/chat', b'{"model":"m"}', False)
    assert watch is not None and watch._span is not None
    watch.failed(RuntimeError('x'))
