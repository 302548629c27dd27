"""Seeing what the clients do: the ollama_lite logger, OLLAMA_LITE_LOG, event hooks and OpenTelemetry spans.

Against the emulator on 127.0.0.1 (and a real server that fails once, for retries), on both clients. The
span attribute names come from the opentelemetry-semantic-conventions package, never typed here.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from aiohttp import web

import ollama_lite
from ollama_lite import AsyncClient, Client, RequestView, ResponseError, ResponseView, Retry
from ollama_lite.testing import EmulatorURL, Reply, emulator
from tests._loops import run_async

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = [{'role': 'user', 'content': 'hi'}]


@pytest.fixture
def url() -> Iterator[EmulatorURL]:
    with emulator() as u:
        yield u


def _program(code: str, url: str, **env: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    environ = dict(os.environ, OLLAMA_HOST=url, PYTHONPATH=str(ROOT), **env)
    if 'OLLAMA_LITE_LOG' not in env:
        environ.pop('OLLAMA_LITE_LOG', None)
    return subprocess.run(
        [sys.executable, '-c', code], capture_output=True, text=True, timeout=60, env=environ, check=False
    )


_CALLS = (
    'import ollama_lite as ollama\n'
    "ollama.chat('llama3.2', [{'role': 'user', 'content': 'hi'}])\n"
    "for _ in ollama.generate('llama3.2', 'hi', stream=True): pass\n"
    "print('done')\n"
)


# --- logging ----------------------------------------------------------------------------------------------------


def test_the_logger_is_silent_unless_configured(url: EmulatorURL) -> None:
    done = _program(_CALLS, url)
    assert (done.returncode, done.stdout, done.stderr) == (0, 'done\n', '')


def test_ollama_lite_log_info_prints_one_line_per_request(url: EmulatorURL) -> None:
    done = _program(_CALLS, url, OLLAMA_LITE_LOG='info')
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 2, lines
    host = url.split('://', 1)[1]
    assert 'ollama_lite INFO POST /api/chat model=llama3.2 status=200 duration=' in lines[0]
    assert lines[0].endswith(f's retries=0 host={host}')
    assert 'POST /api/generate model=llama3.2 status=200' in lines[1]
    assert 'request body' not in done.stderr


def test_ollama_lite_log_debug_shows_bodies(url: EmulatorURL) -> None:
    done = _program(_CALLS, url, OLLAMA_LITE_LOG='debug')
    assert done.returncode == 0, done.stderr
    assert 'DEBUG POST /api/chat request body: {"model":"llama3.2","messages":[{"role":"user","content":"hi"}]' in (
        done.stderr
    )
    assert 'DEBUG POST /api/chat reply body: {"model":"llama3.2"' in done.stderr
    assert 'DEBUG POST /api/generate stream, as one reply: {"model": "llama3.2"' in done.stderr


def test_an_unknown_ollama_lite_log_value_warns(url: EmulatorURL) -> None:
    done = _program(_CALLS, url, OLLAMA_LITE_LOG='loud')
    assert done.returncode == 0
    assert '''OLLAMA_LITE_LOG='loud' is not "info" or "debug"''' in done.stderr
    assert 'POST /api/chat' not in done.stderr


def test_debug_bodies_are_redacted_and_cut(url: EmulatorURL, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger='ollama_lite')
    key = 'sk-test-0123456789abcdef'
    client = Client(url, headers={'Authorization': f'Bearer {key}'})
    client.generate('llama3.2', f'my key is {key} ' + 'x' * 5000)
    text = caplog.text
    assert key not in text and 'my key is <redacted>' in text
    request = next(r.getMessage() for r in caplog.records if 'request body' in r.getMessage())
    assert request.endswith(' bytes in all)') and len(request) < 2200


def test_info_counts_retries_and_names_failures(live: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger='ollama_lite')
    answers = [503, 200]

    @live.route('GET', '/api/tags')
    async def tags(request: web.Request) -> web.Response:
        status = answers.pop(0)
        return web.json_response({'models': []} if status == 200 else {'error': 'busy'}, status=status)

    live.json('POST', '/api/show', {'error': "model 'nope' not found"}, status=404)
    Client(live.url, retries=Retry(total=2, backoff=0.001)).list()
    assert caplog.records[-1].getMessage().startswith('GET /api/tags model=- status=200 duration=')
    assert ' retries=1 host=' in caplog.records[-1].getMessage()
    with pytest.raises(ResponseError):
        Client(live.url, retries=0).show('nope')
    assert caplog.records[-1].getMessage().startswith('POST /api/show model=nope status=404 duration=')
    with pytest.raises(ollama_lite.ConnectError):
        Client('http://127.0.0.1:9', retries=0).ps()
    assert 'GET /api/ps model=- status=ConnectError' in caplog.records[-1].getMessage()


def test_a_stream_closed_early_says_so(url: EmulatorURL, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger='ollama_lite')
    url.emulator.reply(Reply.text('a b c d e f g'))
    with Client(url).chat('llama3.2', MESSAGES, stream=True) as stream:
        next(stream)
    assert caplog.records[-1].getMessage().endswith('(stream closed early)')
    assert len([r for r in caplog.records if 'POST /api/chat' in r.getMessage()]) == 1


# --- event hooks ------------------------------------------------------------------------------------------------


def test_hooks_see_read_only_views_of_request_and_reply(url: EmulatorURL) -> None:
    seen: List[Any] = []
    client = Client(
        url,
        headers={'Authorization': 'Bearer sk-secret-123456'},
        event_hooks={'request': [seen.append], 'response': [seen.append]},
    )
    client.chat('llama3.2', MESSAGES)
    request, response = seen
    assert isinstance(request, RequestView) and isinstance(response, ResponseView)
    assert (request.method, request.url, request.endpoint, request.model, request.stream) == (
        'POST', f'{url}/api/chat', 'chat', 'llama3.2', False,
    )  # fmt: skip
    assert request.body == url.emulator.requests[-1].raw
    assert request.headers['authorization'] == '<redacted>' and request.headers['content-type'] == 'application/json'
    assert (response.status_code, response.retries, response.request) == (200, 0, request)
    assert response.headers['content-type'].startswith('application/json') and response.elapsed > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.url = 'x'  # type: ignore[misc]
    with pytest.raises(TypeError):
        response.headers['x'] = 'y'  # type: ignore[index]


def test_a_hook_that_raises_raises_to_the_caller(url: EmulatorURL) -> None:
    def refuse(view: RequestView) -> None:
        raise PermissionError(f'no {view.endpoint} today')

    with pytest.raises(PermissionError, match='no chat today'):
        Client(url, event_hooks={'request': [refuse]}).chat('llama3.2', MESSAGES)
    assert url.emulator.requests == []  # nothing was sent
    with pytest.raises(PermissionError, match='no chat today'):
        Client(url, event_hooks={'response': [lambda v: refuse(v.request)]}).chat('llama3.2', MESSAGES, stream=True)
    assert len(url.emulator.requests) == 1


def test_stream_hooks_and_every_call_are_seen(url: EmulatorURL) -> None:
    seen: List[str] = []
    client = Client(url, event_hooks={'response': [lambda v: seen.append(f'{v.request.endpoint} {v.status_code}')]})
    for _ in client.pull('gemma3:270m', stream=True):
        pass
    with pytest.raises(ResponseError):
        client.show('nope')
    client.ensure_model('llama3.2')
    assert seen == ['pull 200', 'show 404', 'show 200']


def test_async_hooks_may_be_coroutines(url: EmulatorURL) -> None:
    seen: List[str] = []

    async def on_request(view: RequestView) -> None:
        seen.append(f'async {view.endpoint}')

    async def main() -> None:
        hooks = {'request': [on_request, lambda v: seen.append(f'sync {v.endpoint}')], 'response': [on_response]}
        async with AsyncClient(url, event_hooks=hooks) as client:
            await client.chat('llama3.2', MESSAGES)
            async for _ in await client.generate('llama3.2', 'hi', stream=True):
                pass
            with pytest.raises(LookupError, match='refused'):
                await client.ps()

    async def on_response(view: ResponseView) -> None:
        seen.append(f'reply {view.status_code}')
        if view.request.endpoint == 'ps':
            raise LookupError('refused')

    run_async(main())
    assert seen == [
        'async chat', 'sync chat', 'reply 200', 'async generate', 'sync generate', 'reply 200',
        'async ps', 'sync ps', 'reply 200',
    ]  # fmt: skip


@pytest.mark.parametrize(
    ('hooks', 'error', 'words'),
    [
        ({'requests': []}, ValueError, "not 'requests'"),
        ({'request': print}, TypeError, 'wrap it as'),
        ({'response': [1]}, TypeError, 'cannot be called'),
        ([print], TypeError, 'must be a dict'),
    ],
)
def test_bad_event_hooks_are_refused(hooks: Any, error: type, words: str) -> None:
    for make in (Client, AsyncClient):
        with pytest.raises(error, match=words):
            make(event_hooks=hooks)


# --- OpenTelemetry ----------------------------------------------------------------------------------------------


def test_nothing_of_opentelemetry_is_imported_without_the_package(url: EmulatorURL) -> None:
    blocker = (
        'import sys, importlib.abc\n'
        'class Block(importlib.abc.MetaPathFinder):\n'
        '    def find_spec(self, name, path, target=None):\n'
        "        if name.split('.')[0] == 'opentelemetry': raise ImportError(name)\n"
        'sys.meta_path.insert(0, Block())\n'
    )
    check = "import sys\nassert not [m for m in sys.modules if m.startswith('opentelemetry')]\n"
    done = _program(blocker + _CALLS + check, url)
    assert (done.returncode, done.stderr) == (0, '')
    # With the package installed, importing ollama_lite does not import it either: only a first call does.
    done = _program("import sys, ollama_lite\nassert 'opentelemetry' not in sys.modules\n", url)
    assert (done.returncode, done.stderr) == (0, '')


class Spans:
    def __init__(self) -> None:
        trace = pytest.importorskip('opentelemetry.trace', reason='the otel tests need opentelemetry-api')
        sdk = pytest.importorskip('opentelemetry.sdk.trace', reason='the otel tests need opentelemetry-sdk')
        export = pytest.importorskip('opentelemetry.sdk.trace.export')
        memory = pytest.importorskip('opentelemetry.sdk.trace.export.in_memory_span_exporter')
        self.exporter = memory.InMemorySpanExporter()
        provider = trace.get_tracer_provider()
        if not isinstance(provider, sdk.TracerProvider):
            provider = sdk.TracerProvider()
            trace.set_tracer_provider(provider)  # the global provider, set once for the test session
        provider.add_span_processor(export.SimpleSpanProcessor(self.exporter))

    def take(self) -> List[Any]:
        spans = list(self.exporter.get_finished_spans())
        self.exporter.clear()
        return spans


@pytest.fixture
def spans() -> Iterator[Spans]:
    recorder = Spans()
    yield recorder
    recorder.exporter.shutdown()


def _conventions() -> Any:
    gen_ai = pytest.importorskip(
        'opentelemetry.semconv._incubating.attributes.gen_ai_attributes',
        reason='the otel tests need opentelemetry-semantic-conventions',
    )
    server = pytest.importorskip('opentelemetry.semconv.attributes.server_attributes')
    error = pytest.importorskip('opentelemetry.semconv.attributes.error_attributes')
    return gen_ai, server, error


def test_each_call_is_a_genai_span(url: EmulatorURL, spans: Spans) -> None:
    gen_ai, server, _ = _conventions()
    from opentelemetry.trace import SpanKind, StatusCode

    client = Client(url)
    reply = client.chat('llama3.2', MESSAGES)
    (span,) = spans.take()
    assert (span.name, span.kind, span.status.status_code) == ('chat llama3.2', SpanKind.CLIENT, StatusCode.UNSET)
    attributes = dict(span.attributes)
    host, port = url.split('://', 1)[1].split(':')
    assert attributes[gen_ai.GEN_AI_OPERATION_NAME] == gen_ai.GenAiOperationNameValues.CHAT.value
    assert attributes[gen_ai.GEN_AI_PROVIDER_NAME] == 'ollama'
    assert attributes[gen_ai.GEN_AI_REQUEST_MODEL] == 'llama3.2'
    assert attributes[gen_ai.GEN_AI_RESPONSE_MODEL] == 'llama3.2'
    assert (attributes[server.SERVER_ADDRESS], attributes[server.SERVER_PORT]) == (host, int(port))
    assert attributes[gen_ai.GEN_AI_USAGE_INPUT_TOKENS] == reply.prompt_eval_count
    assert attributes[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] == reply.eval_count
    assert attributes[gen_ai.GEN_AI_RESPONSE_FINISH_REASONS] == ('stop',)
    assert gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK not in attributes
    client.embed('nomic-embed-text', 'x')
    client.list()
    embed, listing = spans.take()
    assert embed.attributes[gen_ai.GEN_AI_OPERATION_NAME] == gen_ai.GenAiOperationNameValues.EMBEDDINGS.value
    assert listing.name == 'ollama list' and gen_ai.GEN_AI_OPERATION_NAME not in listing.attributes


def test_a_stream_span_has_time_to_first_chunk_and_usage(url: EmulatorURL, spans: Spans) -> None:
    gen_ai, _, _ = _conventions()
    url.emulator.reply(Reply.text('one two three'))
    stream = Client(url).generate('llama3.2', 'hi', stream=True)
    assert spans.take() == []  # the span lasts as long as the stream
    chunks = list(stream)
    (span,) = spans.take()
    attributes = dict(span.attributes)
    assert attributes[gen_ai.GEN_AI_OPERATION_NAME] == gen_ai.GenAiOperationNameValues.TEXT_COMPLETION.value
    assert attributes[gen_ai.GEN_AI_REQUEST_STREAM] is True
    assert attributes[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] == chunks[-1].eval_count
    first = attributes[gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]
    assert 0 < first <= (span.end_time - span.start_time) / 1e9


def test_errors_are_the_span_status(url: EmulatorURL, spans: Spans) -> None:
    _, _, error = _conventions()
    from opentelemetry.trace import StatusCode

    with pytest.raises(ResponseError):
        Client(url).chat('nope', MESSAGES)
    (span,) = spans.take()
    assert span.status.status_code == StatusCode.ERROR and "model 'nope' not found" in span.status.description
    assert span.attributes[error.ERROR_TYPE] == '404'
    assert [e.name for e in span.events] == ['exception']


def test_async_calls_and_streams_are_spans(url: EmulatorURL, spans: Spans) -> None:
    gen_ai, _, _ = _conventions()
    url.emulator.reply(Reply.text('a b c d e f'))

    async def main() -> None:
        async with AsyncClient(url) as client:
            await client.chat('llama3.2', MESSAGES)
            stream = await client.chat('llama3.2', MESSAGES, stream=True)
            async for _ in stream:
                break
            await stream.aclose()

    run_async(main())
    whole, partial = spans.take()
    assert whole.attributes[gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS] > 0
    assert gen_ai.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in partial.attributes
    assert gen_ai.GEN_AI_USAGE_OUTPUT_TOKENS not in partial.attributes  # closed before the counters came
