"""The AsyncClient against a real HTTP server on 127.0.0.1: streaming, chunking, cuts, aborts, concurrency.

The twin of test_sync_live.py. Handlers run on the server's own loop in another thread, so the client's
loop (the test's) and the server's never wait on each other by accident.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import aiohttp
import pytest
from aiohttp import web

import ollama_lite as ollama
from tests._live import LiveServer, ndjson
from tests._loops import run_async

pytestmark = pytest.mark.usefixtures('no_leaks')

pytest_plugins = ['pytester']

ROOT = Path(__file__).resolve().parents[2]


def _chat_line(content: str, done: bool = False) -> Dict[str, Any]:
    return {'model': 'm', 'message': {'role': 'assistant', 'content': content}, 'done': done}


async def _disconnected(live: LiveServer) -> bool:
    # wait_disconnect blocks its thread; waiting here in the loop would stall the client under test.
    return await asyncio.get_running_loop().run_in_executor(None, live.wait_disconnect, 5)


async def test_stream_delivers_each_chunk_as_it_arrives(live: LiveServer) -> None:
    gate = threading.Event()

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(json.dumps(_chat_line('first')).encode() + b'\n')
        # The second chunk is only sent once the client has shown it received the first; a client
        # that waits for more bytes before yielding gets a cut connection instead.
        for _ in range(300):
            if gate.is_set():
                break
            await asyncio.sleep(0.01)
        else:
            assert request.transport is not None
            request.transport.close()
            return resp
        await resp.write(json.dumps(_chat_line('second', done=True)).encode() + b'\n')
        await resp.write_eof()
        return resp

    async with ollama.AsyncClient(live.url) as client:
        stream = await client.chat('m', [{'role': 'user', 'content': 'hi'}], stream=True)
        assert (await stream.__anext__()).message.content == 'first'
        gate.set()
        assert (await stream.__anext__()).message.content == 'second'
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()


async def test_chunks_with_delays_and_odd_boundaries(live: LiveServer) -> None:
    text = json.dumps(_chat_line('héllo wörld ✓')).encode() + b'\n'
    payload = text * 5 + json.dumps(_chat_line('', done=True)).encode() + b'\n'
    # Split at every 7th byte: lines and multi-byte characters are cut across writes.
    pieces = [payload[i : i + 7] for i in range(0, len(payload), 7)]

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, pieces, delay=0.001)

    async with ollama.AsyncClient(live.url) as client:
        chunks = [c async for c in await client.chat('m', stream=True)]
    assert [c.message.content for c in chunks] == ['héllo wörld ✓'] * 5 + ['']


async def test_multibyte_character_split_across_writes(live: LiveServer) -> None:
    line = json.dumps(_chat_line('日本語🦙'), ensure_ascii=False).encode() + b'\n'
    cut = line.index('🦙'.encode()) + 2  # in the middle of the 4-byte emoji

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        end = json.dumps(_chat_line('', done=True)).encode() + b'\n'
        return await live.stream_lines(request, [line[:cut], line[cut:], end], delay=0.02)

    async with ollama.AsyncClient(live.url) as client:
        chunks = [c async for c in await client.chat('m', stream=True)]
    assert chunks[0].message.content == '日本語🦙'


async def test_ten_megabyte_line(live: LiveServer) -> None:
    # Far past aiohttp's line reader limits (LineTooLong, "Chunk too big"): the client must not use it.
    context = list(range(1_500_000))  # about 10.9 MB of JSON
    big = json.dumps({'response': '', 'done': True, 'context': context}).encode() + b'\n'
    assert len(big) > 10_000_000

    @live.route('POST', '/api/generate')
    async def generate(request: web.Request) -> web.StreamResponse:
        pieces = [big[i : i + 65536] for i in range(0, len(big), 65536)]
        return await live.stream_lines(request, pieces)

    async with ollama.AsyncClient(live.url) as client:
        chunks = [c async for c in await client.generate('m', 'hi', stream=True)]
    assert chunks[0].context == context


async def test_ten_megabyte_non_streamed_reply(live: LiveServer) -> None:
    vectors = [[0.125] * 768 for _ in range(800)]
    live.json('POST', '/api/embed', {'model': 'e', 'embeddings': vectors})
    async with ollama.AsyncClient(live.url) as client:
        assert (await client.embed('e', ['x'] * 800)).embeddings == vectors


async def test_cut_stream_raises_incomplete(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(_chat_line('a'), _chat_line('b')), cut=True)

    got: List[str] = []
    async with ollama.AsyncClient(live.url) as client:
        with pytest.raises(ollama.IncompleteStreamError, match='broke off'):
            async for chunk in await client.chat('m', stream=True):
                got.append(chunk.message.content or '')
    assert got == ['a', 'b']


async def test_cut_non_streamed_reply_raises_incomplete(live: LiveServer) -> None:
    @live.route('POST', '/api/show')
    async def show(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={'Content-Type': 'application/json', 'Content-Length': '1000'})
        await resp.prepare(request)
        await resp.write(b'{"modelfile": "')
        assert request.transport is not None
        request.transport.close()
        return resp

    async with ollama.AsyncClient(live.url) as client:
        with pytest.raises(ollama.IncompleteStreamError, match='broke off'):
            await client.show('m')


async def test_clean_end_without_done_line(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(_chat_line('a')))

    # Ends quietly, as the official client does; strict_streams=True raises.
    async with ollama.AsyncClient(live.url) as client:
        assert [c.message.content async for c in await client.chat('m', stream=True)] == ['a']
    async with ollama.AsyncClient(live.url, strict_streams=True) as client:
        with pytest.raises(ollama.IncompleteStreamError, match='chat stream ended after 1 line'):
            [c async for c in await client.chat('m', stream=True)]


async def test_mid_stream_error_line(live: LiveServer) -> None:
    @live.route('POST', '/api/generate')
    async def generate(request: web.Request) -> web.StreamResponse:
        lines = ndjson({'response': 'a', 'done': False}, {'error': 'model runner crashed'})
        return await live.stream_lines(request, lines, delay=0.01)

    got = []
    async with ollama.AsyncClient(live.url) as client:
        with pytest.raises(ollama.ResponseError, match='model runner crashed'):
            async for chunk in await client.generate('m', 'hi', stream=True):
                got.append(chunk.response)
    assert got == ['a']


_BAD_GATEWAY = '<html><center>502 Bad Gateway</center></html>'


@pytest.mark.parametrize(
    ('status', 'body', 'content_type', 'error'),
    [
        (502, _BAD_GATEWAY.encode(), 'text/html', _BAD_GATEWAY),
        (503, b'upstream unavailable\n', 'text/plain', 'upstream unavailable'),
        (404, b'{"error":"model \'x\' not found"}', 'application/json', "model 'x' not found"),
    ],
)
async def test_non_json_and_json_error_bodies(
    live: LiveServer, status: int, body: bytes, content_type: str, error: str
) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, content_type=content_type)

    async with ollama.AsyncClient(live.url, retries=0) as client:
        with pytest.raises(ollama.ResponseError) as info:
            await client.chat('m', stream=True)
    assert (info.value.status_code, info.value.error) == (status, error)


async def _first_then_abort(client: ollama.AsyncClient, how: str) -> None:
    if how == 'aclose':
        stream = await client.chat('m', stream=True)
        await stream.__anext__()
        await stream.aclose()
        await stream.aclose()
    elif how == 'async-with':
        async with await client.chat('m', stream=True) as stream:
            await stream.__anext__()
    elif how == 'drop-after-break':
        async for _ in await client.chat('m', stream=True):
            break
        gc.collect()
    else:
        received = asyncio.Event()
        # Held outside the task, so that garbage collection cannot be what closes the connection.
        streams: List[ollama.AsyncStream[ollama.ChatResponse]] = []

        async def consume() -> None:
            streams.append(await client.chat('m', stream=True))
            async for _ in streams[0]:
                received.set()

        task = asyncio.create_task(consume())
        await received.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(StopAsyncIteration):
            await streams[0].__anext__()


@pytest.mark.parametrize('how', ['aclose', 'async-with', 'drop-after-break', 'cancel'])
async def test_early_exit_reaches_server(live: LiveServer, how: str) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(_chat_line('tok')), delay=0.01, forever=True)

    async with ollama.AsyncClient(live.url) as client:
        started = time.monotonic()
        await _first_then_abort(client, how)
        assert await _disconnected(live), 'the server never saw the client go away'
        assert time.monotonic() - started < 2
        # The client stays usable after an abort.
        live.json('GET', '/api/version', {'version': '1'})
        assert (await client.version()).version == '1'


async def test_redirects_are_followed_up_to_ten(live: LiveServer) -> None:
    hops = {'left': 10}

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        if hops['left']:
            hops['left'] -= 1
            raise web.HTTPTemporaryRedirect('/api/chat')  # 307: the POST and its body are sent again
        return web.json_response(_chat_line('there', done=True))

    async with ollama.AsyncClient(live.url) as client:
        assert (await client.chat('m')).message.content == 'there'
        assert len(live.requests) == 11
        hops['left'] = 11
        with pytest.raises(ollama.ProtocolError, match=r'too many redirects.*more than 10'):
            await client.chat('m')
        assert len(live.requests) == 22


async def test_read_timeout_between_chunks(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(json.dumps(_chat_line('a')).encode() + b'\n')
        await asyncio.sleep(3)
        return resp

    async with ollama.AsyncClient(live.url, timeout=(2, 0.3)) as client:
        stream = await client.chat('m', stream=True)
        assert (await stream.__anext__()).message.content == 'a'
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info:
            await stream.__anext__()
        assert isinstance(info.value, ollama.ReadTimeout)
        assert 'in the middle of the reply' in str(info.value)
        assert time.monotonic() - started < 2


async def test_slow_stream_within_read_timeout_is_fine(live: LiveServer) -> None:
    # The read timeout bounds each gap, not the whole reply: 6 gaps of 0.15 s outlast 0.5 s in all.
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        lines = ndjson(*[_chat_line(str(i)) for i in range(5)], _chat_line('', done=True))
        return await live.stream_lines(request, lines, delay=0.15)

    async with ollama.AsyncClient(live.url, timeout=(2, 0.5)) as client:
        chunks = [c async for c in await client.chat('m', stream=True)]
    assert len(chunks) == 6


async def test_read_timeout_before_headers(live: LiveServer) -> None:
    @live.route('GET', '/api/tags')
    async def tags(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(3)
        return web.json_response({'models': []})

    async with ollama.AsyncClient(live.url, timeout=(2, 0.3)) as client:
        started = time.monotonic()
        with pytest.raises(ollama.ReadTimeout):
            await client.list()
        assert time.monotonic() - started < 2


async def test_five_hundred_concurrent_streams_on_one_client(live: LiveServer) -> None:
    active = 0
    most = 0

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        nonlocal active, most
        body = await request.json()
        content = body['messages'][0]['content']
        if not body['stream']:
            return web.json_response(_chat_line(content, done=True))
        active += 1
        most = max(most, active)
        try:
            lines = ndjson(_chat_line(content), _chat_line('!'), _chat_line('', done=True))
            return await live.stream_lines(request, lines, delay=0.01)
        finally:
            active -= 1

    async def one(client: ollama.AsyncClient, i: int) -> str:
        messages = [{'role': 'user', 'content': str(i)}]
        if i % 5 == 0:
            return (await client.chat('m', messages)).message.content or ''
        return ''.join([c.message.content or '' async for c in await client.chat('m', messages, stream=True)])

    async with ollama.AsyncClient(live.url) as client:
        results = await asyncio.gather(*(one(client, i) for i in range(500)))
    assert results == [str(i) if i % 5 == 0 else f'{i}!' for i in range(500)]
    # The default pool serves ~100 at once; the others waited for a connection rather than failing.
    assert 50 <= most <= 100


async def test_callers_session_is_used_and_left_open(live: LiveServer) -> None:
    live.json('GET', '/api/tags', {'models': []})
    live.json('GET', '/api/ps', {'models': []})
    async with aiohttp.ClientSession(headers={'X-From-Session': 'yes'}) as session:
        async with ollama.AsyncClient(live.url, session=session) as client:
            await client.list()
        await client.close()
        assert not session.closed
        assert live.requests[0]['headers']['X-From-Session'] == 'yes'
        assert live.requests[0]['headers']['User-Agent'].startswith('ollama-lite/')
        async with session.get(live.url + '/api/ps') as r:
            assert await r.json() == {'models': []}


def test_built_and_used_outside_a_running_loop(live: LiveServer) -> None:
    live.json('GET', '/api/version', {'version': '9'})
    client = ollama.AsyncClient(live.url)

    async def use() -> str:
        async with client:
            return (await client.version()).version

    assert run_async(use()) == '9'


async def test_create_blob_streams_the_file(live: LiveServer, tmp_path: Path) -> None:
    path = tmp_path / 'weights.gguf'
    path.write_bytes(bytes(range(256)) * 20_000)  # 5 MB: several pieces
    digest = 'sha256:' + hashlib.sha256(path.read_bytes()).hexdigest()

    @live.route('HEAD', f'/api/blobs/{digest}')
    async def head(request: web.Request) -> web.StreamResponse:
        return web.Response(status=404)

    @live.route('POST', f'/api/blobs/{digest}')
    async def upload(request: web.Request) -> web.StreamResponse:
        return web.Response(status=201)

    async with ollama.AsyncClient(live.url) as client:
        assert await client.create_blob(path) == digest
    assert [r['method'] for r in live.requests] == ['HEAD', 'POST']
    sent = live.requests[1]
    assert hashlib.sha256(sent['body']).hexdigest() == digest.split(':')[1]
    # Sent as it is read, piece by piece, not as one bytes object built from the whole file.
    assert sent['headers'].get('Transfer-Encoding') == 'chunked'


def test_import_error_names_the_extra_when_aiohttp_is_missing() -> None:
    script = textwrap.dedent(
        """
        import sys
        sys.modules['aiohttp'] = None  # as if it were not installed
        import ollama_lite
        assert 'ollama_lite._async' not in sys.modules
        try:
            ollama_lite.AsyncClient
        except ImportError as exc:
            print(exc)
        """
    )
    out = subprocess.run(
        [sys.executable, '-c', script], check=False, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert 'pip install "ollama-lite[async]"' in out.stdout


def test_unclosed_sessions_fail_the_tests(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    # The checks this suite relies on, proved on tests that leak: setup.cfg's warning filters plus the
    # no_leaks fixture fail a test that leaves a session unclosed, however aiohttp reports it.
    monkeypatch.setenv('PYTHONPATH', str(ROOT))
    pytester.makefile('.cfg', setup=(ROOT / 'setup.cfg').read_text())
    pytester.makeconftest('from tests.conftest import no_leaks  # noqa: F401')
    pytester.makepyfile(
        test_leaks="""
        import warnings
        import aiohttp
        import pytest
        import ollama_lite

        pytestmark = pytest.mark.usefixtures('no_leaks')

        async def test_clean():
            async with aiohttp.ClientSession():
                pass

        async def test_leaked_session():
            aiohttp.ClientSession()

        async def test_leaked_in_a_cycle():
            holder = []
            holder.append((holder, aiohttp.ClientSession()))

        async def test_leaked_with_resource_warnings_ignored():
            warnings.simplefilter('ignore', ResourceWarning)
            aiohttp.ClientSession()

        async def test_unclosed_client_releases_its_session():
            # Not a leak: an AsyncClient never closed closes its own session when collected.
            client = ollama_lite.AsyncClient('http://127.0.0.1:9', retries=0)
            with pytest.raises(ConnectionError):
                await client.version()
        """
    )
    result = pytester.runpytest_subprocess('test_leaks.py', '-p', 'no:cacheprovider', f'--rootdir={pytester.path}')
    # A leak shows as a failed call, or as an error at teardown where the collector finds it.
    reported = re.findall(r'^(?:FAILED|ERROR) test_leaks\.py::(\w+)', result.stdout.str(), re.MULTILINE)
    assert sorted(reported) == [
        'test_leaked_in_a_cycle',
        'test_leaked_session',
        'test_leaked_with_resource_warnings_ignored',
    ]
