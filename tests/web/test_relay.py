"""``ollama_lite.web.relay`` between a real browser socket and the emulator, both on 127.0.0.1.

Disconnect tests script streams that would run for a minute or more and assert that the emulator sees the
relay leave within a bounded wait; the latency itself is measured by ``bench/web_disconnect.py``.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import subprocess
import sys
import warnings
from typing import Any, Awaitable, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import aiohttp
import pytest
from aiohttp import web

from ollama_lite import AsyncClient, RequestError
from ollama_lite.testing import Reply
from ollama_lite.web import CLIENT, client_context, relay
from tests.web._harness import (
    Browser,
    Relay,
    direct_lines,
    events,
    json_lines,
    running_relay,
    until_stalled,
    wait_for,
    without_time,
)

LONG_THINKING = Reply.text('Never said.', thinking=' '.join(['hmm'] * 1200)).paced(0.05)  # a minute of thinking
LOAD_PAUSE = Reply.text('Never said.').delayed(60)  # a model that takes a minute to load: no headers yet
MID_PAUSE = Reply.text('First then nothing for a minute').paced(60)
BIG_WORDS = 2000
BIG = Reply.text(' '.join(['x' * 8000] * BIG_WORDS))  # 16 MB of content, in 8 kB tokens


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        yield caplog


def assert_quiet_departure(logs: pytest.LogCaptureFixture) -> None:
    """No traceback anywhere, and exactly one debug line from the relay about the departure."""
    assert not [r for r in logs.records if r.exc_info or r.levelno >= logging.WARNING], logs.text
    relay_lines = [r for r in logs.records if r.name == 'ollama_lite.web']
    assert len(relay_lines) == 1, logs.text
    assert relay_lines[0].levelno == logging.DEBUG
    assert 'went away' in relay_lines[0].getMessage() or 'cancelled' in relay_lines[0].getMessage()


# --- framing ---------------------------------------------------------------------------------------------


async def test_text_is_the_content_tokens_one_chunk_each() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('Paris is lovely.', thinking='Easy one.'))
        browser = await Browser.get(r.port, '/ask?format=text')
        assert browser.status == 200
        assert browser.head['content-type'] == 'text/plain; charset=utf-8'
        assert browser.head['transfer-encoding'] == 'chunked'
        assert browser.head['cache-control'] == 'no-cache'
        assert browser.head['x-accel-buffering'] == 'no'
        assert await browser.chunks() == ([b'Paris', b' is', b' lovely.'], True)
        browser.leave()


async def test_text_of_a_generate_stream() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('Blue light scatters.'))
        browser = await Browser.get(r.port, '/ask?format=text&endpoint=generate')
        assert await browser.chunks() == ([b'Blue', b' light', b' scatters.'], True)
        browser.leave()


@pytest.mark.parametrize('endpoint', ['chat', 'generate'])
async def test_ndjson_is_each_chunk_as_ollama_sent_it(endpoint: str) -> None:
    async with running_relay() as r:
        reply = Reply.text('Paris is lovely.', thinking='Easy one.')
        r.emulator.reply(reply)
        browser = await Browser.get(r.port, f'/ask?format=ndjson&endpoint={endpoint}')
        assert browser.head['content-type'] == 'application/x-ndjson'
        pieces, complete = await browser.chunks()
        browser.leave()
        r.emulator.reply(reply)
        sent = await direct_lines(r.url, endpoint)
    assert complete
    assert all(piece.count(b'\n') == 1 and piece.endswith(b'\n') for piece in pieces)  # one line per chunk
    assert [without_time(line) for line in json_lines(b''.join(pieces))] == [without_time(s) for s in sent]


async def test_sse_of_a_generate_stream() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('Blue light.', thinking='Physics.'))
        browser = await Browser.get(r.port, '/ask?format=sse&endpoint=generate')
        pieces, _ = await browser.chunks()
        browser.leave()
    framed = events(b''.join(pieces))
    assert framed[1:-1] == [('thinking', '"Physics."'), ('content', '"Blue"'), ('content', '" light."')]
    assert json.loads(framed[-1][1])['done'] is True and framed[-1][0] == 'done'


async def test_sse_names_thinking_content_and_done() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('Paris\nis "lovely".', thinking='Easy one.'))
        browser = await Browser.get(r.port, '/ask?format=sse')
        assert browser.head['content-type'] == 'text/event-stream'
        pieces, complete = await browser.chunks()
        browser.leave()
    assert complete
    assert pieces[0] == b'retry: 5000\n\n'
    framed = events(b''.join(pieces))
    assert framed[:-1] == [
        ('', 'retry: 5000'),
        ('thinking', '"Easy"'),
        ('thinking', '" one."'),
        ('content', '"Paris"'),
        ('content', '"\\nis"'),  # JSON keeps the newline off the SSE line
        ('content', '" \\"lovely\\"."'),
    ]
    name, data = framed[-1]
    final = json.loads(data)
    assert name == 'done'
    assert final['done'] is True and final['done_reason'] == 'stop' and final['message']['content'] == ''


async def test_sse_tool_calls_event() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.tool_call('get_weather', {'city': 'Paris'}))
        browser = await Browser.get(r.port, '/ask?format=sse&model=llama3.2')
        pieces, _ = await browser.chunks()
        browser.leave()
    framed = events(b''.join(pieces))
    assert [name for name, _ in framed] == ['', 'tool_calls', 'done']
    calls = json.loads(framed[1][1])
    assert [call['function'] for call in calls] == [{'name': 'get_weather', 'arguments': {'city': 'Paris'}, 'index': 0}]


async def test_sse_keep_alive_comment_while_the_model_loads_and_pauses() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('One two').delayed(0.3).paced(0.3))
        browser = await Browser.get(r.port, '/ask?format=sse&keepalive=0.05')
        pieces, complete = await browser.chunks()
        browser.leave()
    assert complete
    framed = events(b''.join(pieces))
    names = [value if name == '' else name for name, value in framed]
    first, second = names.index('content'), len(names) - 2
    assert ': keep-alive' in names[1:first]  # before the first token, while the request waits for headers
    assert ': keep-alive' in names[first + 1 : second]  # during the pause between tokens
    assert [(n, d) for n, d in framed if n == 'content'] == [('content', '"One"'), ('content', '" two"')]


async def test_a_stream_the_handler_began_reading_is_relayed_from_where_it_stopped() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b c d'))
        browser = await Browser.get(r.port, '/ask?format=sse&opened=1&taken=2')
        pieces, complete = await browser.chunks()
        browser.leave()
    assert complete
    framed = events(b''.join(pieces))
    assert [(n, d) for n, d in framed if n == 'content'] == [('content', '" c"'), ('content', '" d"')]
    assert framed[-1][0] == 'done'


async def test_shape_replaces_what_each_chunk_becomes() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b'))
        browser = await Browser.get(r.port, '/ask?format=sse&count=1')
        pieces, _ = await browser.chunks()
        browser.leave()
        assert len(r.shaped) == 3
        r.emulator.reply(Reply.text('a b'))
        browser = await Browser.get(r.port, '/ask?format=ndjson&count=1')
        lines, _ = await browser.chunks()
        browser.leave()
    assert events(b''.join(pieces)) == [('', 'retry: 5000'), ('chunk', '"a"'), ('chunk', '" b"'), ('done', '""')]
    assert lines == [b'"a"\n', b'" b"\n', b'""\n']


# --- errors ----------------------------------------------------------------------------------------------


async def test_sse_error_event_mid_stream(logs: pytest.LogCaptureFixture) -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b c d').error_after(2, 'model runner crashed'))
        browser = await Browser.get(r.port, '/ask?format=sse')
        pieces, complete = await browser.chunks()
        browser.leave()
    assert complete
    assert events(b''.join(pieces))[1:] == [
        ('content', '"a"'),
        ('content', '" b"'),
        ('error', '{"error":"model runner crashed"}'),
    ]
    assert not [record for record in logs.records if record.exc_info], logs.text
    warned = [record.getMessage() for record in logs.records if record.levelno == logging.WARNING]
    assert len(warned) == 1 and 'model runner crashed' in warned[0]


async def test_ndjson_error_line_mid_stream() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b c d').error_after(1, 'model runner crashed'))
        browser = await Browser.get(r.port, '/ask?format=ndjson')
        pieces, complete = await browser.chunks()
        browser.leave()
    lines = json_lines(b''.join(pieces))
    assert complete
    assert lines[0]['message']['content'] == 'a'
    assert lines[1:] == [{'error': 'model runner crashed'}]


async def test_text_error_is_a_last_line_and_an_incomplete_body(logs: pytest.LogCaptureFixture) -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b c d').error_after(2, 'model runner crashed'))
        browser = await Browser.get(r.port, '/ask?format=text')
        pieces, complete = await browser.chunks()
        browser.leave()
    assert pieces == [b'a', b' b', b'\n[error] model runner crashed\n']
    assert not complete  # no terminating chunk: an HTTP client sees the answer is cut short
    assert not [record for record in logs.records if record.exc_info], logs.text


async def _refused(port: int, path: str) -> Tuple[int, Dict[str, str], Any]:
    browser = await Browser.get(port, path)
    pieces, complete = await browser.chunks()
    browser.leave()
    assert complete
    return browser.status, browser.head, json.loads(b''.join(pieces))


@pytest.mark.parametrize('format', ['sse', 'ndjson', 'text'])
async def test_an_unknown_model_is_the_browsers_404(format: str) -> None:
    async with running_relay() as r:
        status, head, body = await _refused(r.port, f'/ask?format={format}&model=missing')
    assert status == 404
    assert head['content-type'] == 'application/json'
    assert body == {'error': "model 'missing' not found"}


async def test_a_refused_request_is_the_browsers_status_even_after_a_wait() -> None:
    async with running_relay() as r:
        # Ollama refuses a model that does not fit only after trying to load it.
        r.emulator.reply(Reply.error('model requires more system memory', status=500).delayed(0.3))
        status, _, body = await _refused(r.port, '/ask?format=sse')
        r.emulator.reply(Reply.error('invalid options', status=400))
        bad, _, bad_body = await _refused(r.port, '/ask?format=text&endpoint=generate')
    assert (status, body) == (500, {'error': 'model requires more system memory'})
    assert (bad, bad_body) == (400, {'error': 'invalid options'})


async def test_an_sse_response_starts_while_the_model_loads_and_a_late_refusal_is_an_error_event() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.error('model failed to load', status=500).delayed(1.5))
        browser = await Browser.get(r.port, '/ask?format=sse')
        assert browser.status == 200
        pieces, complete = await browser.chunks()
        browser.leave()
    assert complete
    assert events(b''.join(pieces)) == [('', 'retry: 5000'), ('error', '{"error":"model failed to load"}')]


async def test_an_error_line_before_any_token_stays_in_the_stream() -> None:
    # Ollama answered 200 and opened the stream: its first line being an error is told in the stream, as Ollama did.
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b').error_after(0, 'model runner crashed'))
        browser = await Browser.get(r.port, '/ask?format=ndjson')
        pieces, complete = await browser.chunks()
        browser.leave()
    assert browser.status == 200 and complete
    assert json_lines(b''.join(pieces)) == [{'error': 'model runner crashed'}]


async def test_an_unreachable_server_is_a_502_named_without_its_address() -> None:
    async with running_relay() as r:
        status, _, body = await _refused(r.port, '/ask?format=ndjson&client=down')
    assert (status, body) == (502, {'error': 'the model server cannot be reached'})


async def test_a_broken_reply_and_a_timeout_are_named_without_the_address() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('a b c').cut_after(1), Reply.text('a b c').paced(2))
        browser = await Browser.get(r.port, '/ask?format=ndjson')
        broken, _ = await browser.chunks()
        browser.leave()
        browser = await Browser.get(r.port, '/ask?format=ndjson&client=impatient')
        slow, _ = await browser.chunks()
        browser.leave()
    assert json_lines(b''.join(broken))[1:] == [{'error': 'the model server sent an incomplete or invalid reply'}]
    assert json_lines(b''.join(slow))[1:] == [{'error': 'the model server did not answer in time'}]


async def test_unknown_format_raises_request_error_and_closes_the_stream() -> None:
    async with running_relay() as r:
        client = r.app[CLIENT]
        request: Any = object()
        pending = client.chat('qwen3', [{'role': 'user', 'content': 'Hi'}], stream=True)
        with pytest.raises(RequestError, match="format must be one of 'text', 'ndjson', 'sse', got 'xml'"):
            await relay(request, pending, format='xml')
        stream = await client.chat('qwen3', [{'role': 'user', 'content': 'Hi'}], stream=True)
        with pytest.raises(RequestError, match='keepalive must be a positive number of seconds, got 0'):
            await relay(request, stream, format='sse', keepalive=0)
        with pytest.raises(StopAsyncIteration):  # closed by relay
            await stream.__anext__()


# --- the browser leaves ------------------------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=['handler_cancellation_off', 'handler_cancellation_on'])
def cancellation(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


async def _thinking_streamed(r: Relay, browser: Browser) -> None:
    await browser.until(b'event: thinking')


async def _model_requested(r: Relay, browser: Browser) -> None:
    await wait_for(lambda: r.emulator.last_request, 'the model request')


async def _loading(r: Relay, browser: Browser) -> None:
    assert await browser.chunk() == b'retry: 5000\n\n'
    await _model_requested(r, browser)


async def _paused(r: Relay, browser: Browser) -> None:
    assert await browser.chunk() == b'First'


async def _write_blocked(r: Relay, browser: Browser) -> None:
    await wait_for(lambda: len(r.shaped) > 4, 'the relay to read some chunks')
    await until_stalled(r.shaped)


class Departure(NamedTuple):
    """The browser asks for ``path`` while the model sends ``reply``, and leaves once ``reached`` returns."""

    reply: Reply
    path: str
    reached: Callable[[Relay, Browser], Awaitable[None]]
    rcvbuf: Optional[int] = None


DEPARTURES = {
    # The text format writes nothing while the model thinks: the browser leaves once the model was asked.
    'thinking-text': Departure(LONG_THINKING, '/ask?format=text', _model_requested),
    'thinking-sse': Departure(LONG_THINKING, '/ask?format=sse', _thinking_streamed),
    'model-loading': Departure(LOAD_PAUSE, '/ask?format=sse', _loading),
    'long-pause': Departure(MID_PAUSE, '/ask?format=text&opened=1', _paused),
    'write-blocked': Departure(BIG, '/ask?format=text&count=1&sndbuf=1', _write_blocked, rcvbuf=4096),
}


@pytest.mark.parametrize('departure', DEPARTURES.values(), ids=DEPARTURES.keys())
async def test_leaving_stops_the_model(
    departure: Departure, cancellation: bool, logs: pytest.LogCaptureFixture
) -> None:
    async with running_relay(handler_cancellation=cancellation) as r:
        r.emulator.reply(departure.reply)
        browser = await Browser.get(r.port, departure.path, rcvbuf=departure.rcvbuf)
        await departure.reached(r, browser)
        browser.leave()
        disconnected = await r.wait_disconnect()
        assert len(r.shaped) < BIG_WORDS  # the relay stopped reading (only /ask?count=1 records chunks)
    assert disconnected.path == '/api/chat'
    assert_quiet_departure(logs)


async def test_code_after_relay_runs_unless_handler_cancellation_is_on(cancellation: bool) -> None:
    async with running_relay(handler_cancellation=cancellation) as r:
        r.emulator.reply(MID_PAUSE, Reply.text('done quickly'))
        browser = await Browser.get(r.port, '/ask?format=text&opened=1')
        assert await browser.chunk() == b'First'
        browser.leave()
        await r.wait_disconnect()
        browser = await Browser.get(r.port, '/ask?format=text&second=1')
        assert (await browser.chunks())[1]
        browser.leave()
        await wait_for(lambda: '/ask?format=text&second=1' in r.after, 'the second handler to finish')
    assert ('/ask?format=text&opened=1' in r.after) is not cancellation


def test_aiohttp_handler_cancellation_is_off_by_default() -> None:
    assert inspect.signature(web.run_app).parameters['handler_cancellation'].default is False
    assert inspect.signature(web.Server).parameters['handler_cancellation'].default is False


async def test_without_relay_a_handler_notices_a_departure_only_when_a_write_fails() -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text('Never said.', thinking=' '.join(['hmm'] * 24)).paced(0.05))  # 1.2 s of thinking
        browser = await Browser.get(r.port, '/naive')
        request = await wait_for(lambda: r.emulator.last_request, 'the model request')
        browser.leave()
        await asyncio.sleep(0.5)  # the relay notices within 25 ms; this handler writes nothing while it thinks
        assert not request.client_disconnected
        await r.wait_disconnect()  # the first content token's write failed


async def test_without_relay_aiohttp_logs_a_traceback_when_the_write_fails(logs: pytest.LogCaptureFixture) -> None:
    async with running_relay() as r:
        r.emulator.reply(Reply.text(' '.join(['word'] * 1000)).paced(0.02))
        browser = await Browser.get(r.port, '/naive')
        await browser.chunk()
        browser.leave()
        await r.wait_disconnect()
        await wait_for(lambda: [x for x in logs.records if x.name == 'aiohttp.server' and x.exc_info], 'a traceback')


async def test_one_browser_leaving_stops_only_its_own_stream() -> None:
    async with running_relay(token_delay=0.01) as r:
        r.emulator.reply(*[Reply.text(' '.join(['word'] * 40))] * 2, LONG_THINKING)
        staying = [await Browser.get(r.port, '/ask?format=sse') for _ in range(2)]
        leaving = await Browser.get(r.port, '/ask?format=sse')
        await wait_for(lambda: len(r.emulator.requests) == 3, 'three model requests')
        await leaving.until(b'event: thinking')
        leaving.leave()
        gone = await wait_for(lambda: [q for q in r.emulator.requests if q.client_disconnected], 'a departure')
        for browser in staying:
            pieces, complete = await browser.chunks()
            browser.leave()
            assert complete and events(b''.join(pieces))[-1][0] == 'done'
    assert len(gone) == 1 and not any(q.client_disconnected for q in r.emulator.requests if q is not gone[0])


# --- back-pressure -------------------------------------------------------------------------------------------


async def test_a_paused_browser_pauses_the_reading_from_ollama() -> None:
    async with running_relay() as r:
        r.emulator.reply(BIG)
        browser = await Browser.get(r.port, '/ask?format=text&count=1&sndbuf=1', rcvbuf=4096)
        stalled = await until_stalled(r.shaped)
        # What the relay took from Ollama while the browser read nothing: a few MB of socket buffers at most.
        assert stalled * 8000 < 2_000_000, stalled
        pieces, complete = await browser.chunks()  # the browser reads again: the rest flows, nothing lost
        browser.leave()
    assert complete
    assert len(r.shaped) == BIG_WORDS + 1
    assert sum(len(piece) for piece in pieces) == BIG_WORDS * 8000 + BIG_WORDS - 1


# --- app wiring --------------------------------------------------------------------------------------------


async def test_client_context_makes_one_client_per_app_under_an_app_key() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # NotAppKeyWarning included
        app = web.Application()
        app.cleanup_ctx.append(client_context('http://127.0.0.1:9', timeout=3))
        runner = web.AppRunner(app)
        await runner.setup()
        client = app[CLIENT]
        assert isinstance(client, AsyncClient) and client.config.timeout.read == 3
        await runner.cleanup()
    assert client._closed


async def test_client_context_shares_the_apps_session_and_leaves_it_open() -> None:
    session_key = web.AppKey('session', aiohttp.ClientSession)

    async def session_ctx(app: web.Application) -> Any:
        async with aiohttp.ClientSession() as session:
            app[session_key] = session
            yield

    open_after_client: List[bool] = []

    async def probe_ctx(app: web.Application) -> Any:
        yield
        open_after_client.append(not app[session_key].closed)

    app = web.Application()
    app.cleanup_ctx.extend([session_ctx, probe_ctx, client_context(session=session_key)])
    runner = web.AppRunner(app)
    await runner.setup()
    session = app[session_key]
    assert app[CLIENT]._current_session() is session
    await runner.cleanup()
    assert open_after_client == [True]
    assert session.closed  # by its own context


def test_import_ollama_lite_imports_neither_web_nor_aiohttp() -> None:
    code = 'import sys, ollama_lite; print([m for m in ("ollama_lite.web", "aiohttp") if m in sys.modules])'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'
