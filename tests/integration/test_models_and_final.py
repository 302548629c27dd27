"""load/unload/ensure_model, client defaults and stream.final(), on both clients against the emulator.

``final()`` is held to the emulator's own non-streamed reply for the same script: Ollama builds that reply
from the chunks it would have streamed, so the two must agree field for field (timings aside).
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import pytest

import ollama_lite
from ollama_lite import AsyncClient, ChatResponse, Client, GenerateResponse, ResponseError
from ollama_lite.testing import EmulatorURL, Reply, emulator
from tests._loops import run_async

MESSAGES = [{'role': 'user', 'content': 'Weather in Lisbon?'}]
#: What differs between two answers to the same script: when and how fast each was made.
_TIMINGS = ('created_at', 'total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration')


@pytest.fixture
def url() -> Iterator[EmulatorURL]:
    with emulator() as u:
        yield u


def _without_timings(reply: Any) -> Dict[str, Any]:
    return {k: v for k, v in reply.model_dump(exclude_none=True).items() if k not in _TIMINGS}


def _scripts() -> List[Reply]:
    return [
        Reply.text('Sunny and warm, about twenty-five degrees.', thinking='The user asks about Lisbon.'),
        Reply.tool_calls(
            [('get_weather', {'city': 'Lisbon'}), ('get_time', {'zone': 'Europe/Lisbon'})],
            content='Let me look.',
            thinking='Two tools.',
        ),
        Reply.text('No thinking here.'),
    ]


TOOLS = [
    {'type': 'function', 'function': {'name': 'get_weather', 'parameters': {'type': 'object', 'properties': {}}}},
    {'type': 'function', 'function': {'name': 'get_time', 'parameters': {'type': 'object', 'properties': {}}}},
]


@pytest.mark.parametrize('script', _scripts(), ids=['thinking', 'tool_calls', 'plain'])
def test_chat_final_is_the_non_streamed_reply(url: EmulatorURL, script: Reply) -> None:
    client = Client(url)
    url.emulator.reply(script, script)
    whole = client.chat('qwen3', MESSAGES, tools=TOOLS, think=True)
    stream = client.chat('qwen3', MESSAGES, tools=TOOLS, think=True, stream=True)
    chunks = list(stream)
    assert len(chunks) > 2  # the answer really came in pieces
    final = stream.final()
    assert isinstance(final, ChatResponse)
    assert _without_timings(final) == _without_timings(whole)
    # What users of the official client write by hand, for the parts they usually keep.
    assert final.message.content == ''.join(c.message.content or '' for c in chunks)
    assert final.message.thinking == (''.join(c.message.thinking or '' for c in chunks) or None)
    assert final.done is True and final.eval_count == chunks[-1].eval_count


@pytest.mark.parametrize('script', _scripts()[::2], ids=['thinking', 'plain'])
def test_generate_final_is_the_non_streamed_reply(url: EmulatorURL, script: Reply) -> None:
    client = Client(url)
    url.emulator.reply(script, script)
    whole = client.generate('qwen3', 'Weather in Lisbon?', think=True)
    stream = client.generate('qwen3', 'Weather in Lisbon?', think=True, stream=True)
    pieces = [c.response for c in stream]
    final = stream.final()
    assert isinstance(final, GenerateResponse)
    assert _without_timings(final) == _without_timings(whole)
    assert final.response == ''.join(pieces) and final.context == whole.context


def test_final_after_a_break_has_what_was_taken_and_done_false(url: EmulatorURL) -> None:
    client = Client(url)
    url.emulator.reply(Reply.text('one two three four five six seven eight', thinking='hmm'))
    stream = client.chat('qwen3', MESSAGES, think=True, stream=True)
    taken = []
    for chunk in stream:
        taken.append(chunk)
        if chunk.message.content:
            break
    stream.close()
    final = stream.final()
    assert final.done is False and final.done_reason is None and final.eval_count is None
    assert final.message.thinking == 'hmm'
    assert final.message.content == taken[-1].message.content
    assert 'eight' not in final.message.content


def test_final_before_any_chunk_is_an_empty_reply(url: EmulatorURL) -> None:
    with Client(url).generate('qwen3', 'hi', stream=True) as stream:
        final = stream.final()
    assert (final.response, final.done, final.model) == ('', False, None)


def test_a_pull_stream_final_is_its_last_status(url: EmulatorURL) -> None:
    stream = Client(url).pull('gemma3:270m', stream=True)
    last = list(stream)[-1]
    assert stream.final() is last and last.status == 'success'


def test_async_final_matches_the_non_streamed_reply(url: EmulatorURL) -> None:
    script = _scripts()[1]
    url.emulator.reply(script, script)

    async def main() -> Any:
        async with AsyncClient(url) as client:
            whole = await client.chat('qwen3', MESSAGES, tools=TOOLS, think=True)
            stream = await client.chat('qwen3', MESSAGES, tools=TOOLS, think=True, stream=True)
            async for _ in stream:
                pass
            url.emulator.reply(Reply.text('a b c d e f'))
            partial = await client.generate('qwen3', 'hi', stream=True)
            async for chunk in partial:
                if chunk.response:
                    break
            await partial.aclose()
            return whole, stream.final(), partial.final()

    whole, final, partial = run_async(main())
    assert _without_timings(final) == _without_timings(whole)
    assert final.message.tool_calls and len(final.message.tool_calls) == 2
    assert partial.done is False and partial.response and partial.response != 'a b c d e f'


# --- load, unload, ensure_model -------------------------------------------------------------------------------


def test_load_and_unload_send_what_the_ollama_cli_sends(url: EmulatorURL) -> None:
    client = Client(url)
    reply = client.load('llama3.2', keep_alive='1h')
    assert (reply.done, reply.done_reason) == (True, 'load')
    assert url.emulator.requests[-1].body == {'model': 'llama3.2', 'keep_alive': '1h'}
    assert url.emulator.loaded_model_names == ['llama3.2:latest']
    assert client.unload('llama3.2') is None
    show, unload = url.emulator.requests[-2:]
    assert (show.path, show.body) == ('/api/show', {'model': 'llama3.2'})
    assert (unload.path, unload.body) == ('/api/generate', {'model': 'llama3.2', 'keep_alive': '0s'})
    assert url.emulator.loaded_model_names == []
    with pytest.raises(ResponseError) as caught:
        client.unload('nowhere')
    assert caught.value.status_code == 404 and url.emulator.requests[-1].path == '/api/show'


def test_load_takes_the_clients_keep_alive_and_sends_none_without_it(url: EmulatorURL) -> None:
    Client(url, keep_alive=-1).load('llama3.2')
    assert url.emulator.requests[-1].body == {'model': 'llama3.2', 'keep_alive': -1}
    Client(url).load('llama3.2')
    assert url.emulator.requests[-1].body == {'model': 'llama3.2'}
    with pytest.raises(ResponseError) as caught:
        Client(url).load('nowhere')
    assert caught.value.status_code == 404


def test_ensure_model_pulls_only_what_is_missing(url: EmulatorURL) -> None:
    client = Client(url)
    shown = client.ensure_model('llama3.2')
    assert shown.context_length == 131072
    assert [r.path for r in url.emulator.requests] == ['/api/show']
    heard: List[str] = []
    shown = client.ensure_model('gemma3:270m', progress=lambda p: heard.append(p.status or ''))
    assert [r.path for r in url.emulator.requests][1:] == ['/api/show', '/api/pull', '/api/show']
    assert heard[0] == 'pulling manifest' and heard[-1] == 'success' and shown.details is not None
    assert 'gemma3:270m' in [m.model for m in client.list().models]


def test_ensure_model_without_pull_raises_the_servers_not_found(url: EmulatorURL) -> None:
    with pytest.raises(ResponseError) as caught:
        Client(url).ensure_model('gemma3:270m', pull=False)
    assert caught.value.status_code == 404 and "'gemma3:270m' not found" in caught.value.error
    assert [r.path for r in url.emulator.requests] == ['/api/show']


def test_async_load_unload_ensure(url: EmulatorURL) -> None:
    async def main() -> List[str]:
        async with AsyncClient(url) as client:
            await client.load('llama3.2')
            loaded = list(url.emulator.loaded_model_names)
            await client.unload('llama3.2')
            heard: List[str] = []
            await client.ensure_model('gemma3:270m', progress=lambda p: heard.append(p.status or ''))
            with pytest.raises(ResponseError):
                await client.ensure_model('nowhere', pull=False)
            return [*loaded, heard[-1], *url.emulator.loaded_model_names]

    assert run_async(main()) == ['llama3.2:latest', 'success']


def test_module_level_functions(url: EmulatorURL, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_HOST', url)
    monkeypatch.setattr(ollama_lite, '_default_client', None)
    ollama_lite.load('llama3.2')
    assert url.emulator.loaded_model_names == ['llama3.2:latest']
    ollama_lite.unload('llama3.2')
    assert url.emulator.loaded_model_names == []
    assert ollama_lite.ensure_model('llama3.2', pull=False).context_length == 131072


# --- defaults set once ----------------------------------------------------------------------------------------


def test_defaults_merge_under_each_call_and_are_never_changed(url: EmulatorURL) -> None:
    options = {'num_ctx': 8192, 'temperature': 0.2}
    client = Client(url, options=options, keep_alive='10m', think=False, format='json')
    options['num_ctx'] = 1  # the caller's dict: the client copied it
    url.emulator.reply(Reply.structured({'a': 1}), Reply.structured({'a': 1}))
    client.chat('qwen3', MESSAGES, options={'temperature': 0.9, 'seed': 7}, think=True)
    body = url.emulator.requests[-1].body
    assert body['options'] == {'num_ctx': 8192, 'temperature': 0.9, 'seed': 7}
    assert (body['keep_alive'], body['think'], body['format']) == ('10m', True, 'json')
    client.generate('qwen3', 'x', options=ollama_lite.Options(seed=3))
    body = url.emulator.requests[-1].body
    assert body['options'] == {'num_ctx': 8192, 'temperature': 0.2, 'seed': 3}
    assert (body['keep_alive'], body['think'], body['format']) == ('10m', False, 'json')
    client.embed('nomic-embed-text', 'x')
    body = url.emulator.requests[-1].body
    assert (body['options'], body['keep_alive'], 'think' in body) == (
        {'num_ctx': 8192, 'temperature': 0.2},
        '10m',
        False,
    )
    defaults = client.config.defaults
    assert dict(defaults.options) == {'num_ctx': 8192, 'temperature': 0.2}
    assert (defaults.keep_alive, defaults.think, defaults.format) == ('10m', False, 'json')
    with pytest.raises(TypeError):
        defaults.options['num_ctx'] = 2  # type: ignore[index]


def test_no_defaults_sends_exactly_what_the_call_gives(url: EmulatorURL) -> None:
    url.emulator.reply(Reply.text('hi'))
    Client(url).chat('qwen3', MESSAGES)
    assert url.emulator.requests[-1].body == {'model': 'qwen3', 'messages': MESSAGES, 'tools': [], 'stream': False}
    assert Client(url).config.defaults.empty


def test_async_client_takes_the_same_defaults(url: EmulatorURL) -> None:
    async def main() -> Dict[str, Any]:
        async with AsyncClient(url, options={'num_ctx': 8192}, keep_alive=0) as client:
            url.emulator.reply(Reply.text('hi'))
            await client.chat('qwen3', MESSAGES, options={'top_k': 5})
            return dict(url.emulator.requests[-1].body)

    body = run_async(main())
    assert (body['options'], body['keep_alive']) == ({'num_ctx': 8192, 'top_k': 5}, 0)


@pytest.mark.parametrize(
    ('kwargs', 'words'),
    [
        ({'options': 'fast'}, 'options must be a dict'),
        ({'keep_alive': True}, 'keep_alive must be'),
        ({'think': 'very'}, 'think must be'),
        ({'format': 3}, 'format must be'),
    ],
)
def test_bad_defaults_are_refused_when_the_client_is_made(kwargs: Dict[str, Any], words: str) -> None:
    for make in (Client, AsyncClient):
        with pytest.raises(ollama_lite.RequestError, match=words):
            make(**kwargs)


def test_defaults_and_final_with_several_hosts() -> None:
    with emulator() as a, emulator() as b:
        client = Client(hosts=[a, b], options={'num_ctx': 8192})
        stream = client.chat('llama3.2', MESSAGES, stream=True)
        text = ''.join(c.message.content or '' for c in stream)
        final = stream.final()
        assert final.done is True and final.message.content == text and text
        sent = [r.body for e in (a, b) for r in e.emulator.requests if r.path == '/api/chat']
        assert [body['options'] for body in sent] == [{'num_ctx': 8192}]


def _heard(view: Any) -> None:
    """A hook a pickled client can carry (a module-level function)."""


def test_a_pickled_client_keeps_its_defaults_and_hooks() -> None:
    import pickle

    for make in (Client, AsyncClient):
        copy = pickle.loads(
            pickle.dumps(make(options={'num_ctx': 8192}, keep_alive='1h', event_hooks={'request': [_heard]}))
        )
        assert (dict(copy.config.defaults.options), copy.config.defaults.keep_alive) == ({'num_ctx': 8192}, '1h')
        assert copy._observer.begin('chat', 'POST', 'http://h/api/chat', b'{}', False).request_hooks == (_heard,)
