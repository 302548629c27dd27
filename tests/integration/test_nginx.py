"""Both clients behind a real nginx reverse proxy with a path prefix, as users run Ollama in production.

A fixture runs nginx (``tests._nginx``) with ``location /ollama/`` proxying to the live test server with
buffering off and ``location /down/`` to a port where nothing listens. Skipped only when nginx is not
installed.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List

import pytest
from aiohttp import web

import ollama_lite as ollama
from tests._faults import refused_port
from tests._live import LiveServer, ndjson
from tests._nginx import requires_nginx, running_nginx
from tests.fault_cases import MESSAGES, chat_line

pytestmark = requires_nginx

_LOCATIONS = """\
        location /ollama/ {{
            proxy_pass http://127.0.0.1:{upstream}/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 30s;
        }}
        location /down/ {{
            proxy_pass http://127.0.0.1:{down}/;
            proxy_http_version 1.1;
            proxy_connect_timeout 2s;
        }}"""


@dataclass
class Nginx:
    port: int
    dir: Path

    @property
    def url(self) -> str:
        """The Ollama host behind the proxy: a base URL with a path prefix."""
        return f'http://127.0.0.1:{self.port}/ollama'

    @property
    def down_url(self) -> str:
        """A prefix whose upstream refuses connections: nginx answers 502 with its HTML page."""
        return f'http://127.0.0.1:{self.port}/down'

    def logged(self, prefix: str) -> int:
        """How many requests under ``prefix`` nginx has logged so far."""
        log = self.dir / 'access.log'
        return sum(f' {prefix}/' in line for line in log.read_text().splitlines()) if log.exists() else 0

    def logged_after(self, prefix: str, before: int, expected: int, timeout: float = 2.0) -> int:
        """How many requests under ``prefix`` nginx logged since it had logged ``before``, waiting (bounded)
        for ``expected`` of them: nginx writes a log line only after the reply has gone out."""
        deadline = time.monotonic() + timeout
        while self.logged(prefix) - before < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.logged(prefix) - before


@pytest.fixture(scope='module')
def nginx(_live_server_session: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    directory = tmp_path_factory.mktemp('nginx')
    down_sock, down = refused_port()
    locations = _LOCATIONS.format(upstream=_live_server_session.port, down=down)
    try:
        with running_nginx(directory, locations) as port:
            yield Nginx(port, directory)
    finally:
        down_sock.close()


class Gate:
    """The second chunk leaves the server only after the client has shown it received the first; a proxy
    or client that holds chunks back gets a cut stream instead, and the test fails."""

    def __init__(self) -> None:
        self.open = threading.Event()

    def route(self, live: LiveServer) -> None:
        @live.route('POST', '/api/chat')
        async def chat(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            await resp.write(ndjson(chat_line('first'))[0])
            for _ in range(500):
                if self.open.is_set():
                    break
                await asyncio.sleep(0.01)
            else:
                assert request.transport is not None
                request.transport.close()
                return resp
            await resp.write(ndjson(chat_line('second', done=True))[0])
            await resp.write_eof()
            return resp


def _prefix_routes(live: LiveServer) -> None:
    live.json('GET', '/api/version', {'version': '0.13.0'})
    live.json('GET', '/api/tags', {'models': [{'name': 'llama3.2:latest', 'model': 'llama3.2:latest'}]})


def _forever(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(chat_line('tok')), delay=0.01, forever=True)


# --- sync ------------------------------------------------------------------------------------------


def test_sync_stream_arrives_chunk_by_chunk_through_nginx(nginx: Nginx, live: LiveServer) -> None:
    gate = Gate()
    gate.route(live)
    with ollama.Client(nginx.url) as client:
        stream = client.chat('m', MESSAGES, stream=True)
        assert next(stream).message.content == 'first'
        gate.open.set()
        assert [c.message.content for c in stream] == ['second']
    assert live.requests[0]['path'] == '/api/chat'  # the prefix was stripped by nginx, as configured


def test_sync_host_with_path_prefix(nginx: Nginx, live: LiveServer) -> None:
    _prefix_routes(live)
    with ollama.Client(nginx.url) as client:
        assert client.version().version == '0.13.0'
        assert [m.model for m in client.list().models] == ['llama3.2:latest']
    assert [r['path'] for r in live.requests] == ['/api/version', '/api/tags']


def test_sync_close_through_nginx_reaches_upstream(nginx: Nginx, live: LiveServer) -> None:
    _forever(live)
    with ollama.Client(nginx.url) as client:
        with client.chat('m', MESSAGES, stream=True) as stream:
            next(stream)
        assert live.wait_disconnect(5), 'nginx never passed the disconnect on to the upstream'


def test_sync_upstream_down_is_a_502_response_error(nginx: Nginx) -> None:
    before = nginx.logged('/down')
    with ollama.Client(nginx.down_url, retries=0) as client, pytest.raises(ollama.ResponseError) as info:
        client.version()
    assert info.value.status_code == 502
    assert '502 Bad Gateway' in info.value.error and 'nginx' in info.value.error
    assert nginx.logged_after('/down', before, 1) == 1


def test_sync_upstream_down_is_retried_then_raised(nginx: Nginx) -> None:
    before = nginx.logged('/down')
    waits: List[float] = []
    with ollama.Client(nginx.down_url, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ResponseError) as info:
            client.chat('m', MESSAGES, stream=True)
    assert info.value.status_code == 502
    assert len(waits) == 2
    assert nginx.logged_after('/down', before, 3) == 3


def test_sync_upstream_cut_mid_stream_through_nginx(nginx: Nginx, live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(chat_line('a')), cut=True)

    got: List[str] = []
    with ollama.Client(nginx.url) as client, pytest.raises(ollama.IncompleteStreamError):
        for chunk in client.chat('m', MESSAGES, stream=True):
            got.append(chunk.message.content or '')
    assert got == ['a']


# --- async -----------------------------------------------------------------------------------------


@pytest.mark.usefixtures('no_leaks')
async def test_async_stream_arrives_chunk_by_chunk_through_nginx(nginx: Nginx, live: LiveServer) -> None:
    gate = Gate()
    gate.route(live)
    async with ollama.AsyncClient(nginx.url) as client:
        stream = await client.chat('m', MESSAGES, stream=True)
        async with stream:
            assert (await stream.__anext__()).message.content == 'first'
            gate.open.set()
            assert [c.message.content async for c in stream] == ['second']


@pytest.mark.usefixtures('no_leaks')
async def test_async_host_with_path_prefix(nginx: Nginx, live: LiveServer) -> None:
    _prefix_routes(live)
    async with ollama.AsyncClient(nginx.url) as client:
        assert (await client.version()).version == '0.13.0'
        assert [m.model for m in (await client.list()).models] == ['llama3.2:latest']
    assert [r['path'] for r in live.requests] == ['/api/version', '/api/tags']


@pytest.mark.usefixtures('no_leaks')
async def test_async_close_through_nginx_reaches_upstream(nginx: Nginx, live: LiveServer) -> None:
    _forever(live)
    async with ollama.AsyncClient(nginx.url) as client:
        stream = await client.chat('m', MESSAGES, stream=True)
        await stream.__anext__()
        await stream.aclose()
        gone = await asyncio.get_running_loop().run_in_executor(None, live.wait_disconnect, 5)
        assert gone, 'nginx never passed the disconnect on to the upstream'


@pytest.mark.usefixtures('no_leaks')
async def test_async_upstream_down_is_a_502_response_error(nginx: Nginx) -> None:
    before = nginx.logged('/down')
    async with ollama.AsyncClient(nginx.down_url, retries=0) as client:
        with pytest.raises(ollama.ResponseError) as info:
            await client.version()
    assert info.value.status_code == 502
    assert '502 Bad Gateway' in info.value.error and 'nginx' in info.value.error
    assert nginx.logged_after('/down', before, 1) == 1


@pytest.mark.usefixtures('no_leaks')
async def test_async_upstream_down_is_retried_then_raised(nginx: Nginx) -> None:
    before = nginx.logged('/down')
    waits: List[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async with ollama.AsyncClient(nginx.down_url, retries=2) as client:
        client._sleep = record
        with pytest.raises(ollama.ResponseError) as info:
            await client.chat('m', MESSAGES, stream=True)
    assert info.value.status_code == 502
    assert len(waits) == 2
    assert nginx.logged_after('/down', before, 3) == 3


@pytest.mark.usefixtures('no_leaks')
async def test_async_upstream_cut_mid_stream_through_nginx(nginx: Nginx, live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(chat_line('a')), cut=True)

    got: List[str] = []
    async with ollama.AsyncClient(nginx.url) as client:
        with pytest.raises(ollama.IncompleteStreamError):
            async for chunk in await client.chat('m', MESSAGES, stream=True):
                got.append(chunk.message.content or '')
    assert got == ['a']
