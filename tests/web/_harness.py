"""A relay app in front of the emulator, both on 127.0.0.1 in the test's loop, and a raw-socket browser.

The app's handler relays ``client.chat(...)`` (or ``generate``) in the format the query asks for. The browser
speaks HTTP/1.1 by hand over a real socket, so a test decides exactly when it stops reading and when it
leaves, and sees the bytes on the wire, chunk framing included.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any, AsyncIterator, Dict, List, Optional, Tuple

import aiohttp
from aiohttp import web

from ollama_lite import AsyncClient
from ollama_lite.testing import Emulator, EmulatorURL, RecordedRequest
from ollama_lite.web import CLIENT, client_context, relay

#: How long a test waits for something that should happen at once; the scripted streams run far longer.
PATIENCE = 10.0
MESSAGES = [{'role': 'user', 'content': 'Hi'}]
#: Every chunk the handler's shape saw, when the query asks to count.
SHAPED = web.AppKey('shaped', list)
#: What ran after relay returned: the path and query of each such request.
AFTER = web.AppKey('after', list)
#: A client of a port where nothing listens (the discard port), with no retries.
DOWN = web.AppKey('down', AsyncClient)
#: A client that gives up when the emulator is silent for 0.2 s.
IMPATIENT = web.AppKey('impatient', AsyncClient)
_CLIENTS = {'': CLIENT, 'down': DOWN, 'impatient': IMPATIENT}


@dataclass
class Relay:
    """The running pair: the emulator behind, the relay app in front, and what the handler saw."""

    emulator: Emulator
    url: EmulatorURL
    port: int
    app: web.Application
    shaped: List[Any]
    after: List[str]

    async def wait_disconnect(self) -> RecordedRequest:
        """The model request, once the emulator saw its client (the relay) leave; fails after PATIENCE."""
        return await wait_for(lambda: _disconnected(self.emulator), 'the emulator to see the relay disconnect')


async def until_stalled(counted: List[Any]) -> int:
    """Wait until ``counted`` stops growing for half a second; return its length then."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    last, since = -1, loop.time()
    while loop.time() < deadline:
        if len(counted) != last:
            last, since = len(counted), loop.time()
        elif loop.time() - since > 0.5:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f'the relay kept reading from Ollama while the browser read nothing ({len(counted)} chunks)')


def _disconnected(emu: Emulator) -> Optional[RecordedRequest]:
    request = emu.last_request
    return request if request is not None and request.client_disconnected else None


async def wait_for(probe: Any, what: str, patience: float = PATIENCE) -> Any:
    """Poll ``probe`` until it returns something truthy; fail naming ``what`` after ``patience`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        found = probe()
        if found:
            return found
        if loop.time() > deadline:
            raise AssertionError(f'waited {patience} s for {what}')
        await asyncio.sleep(0.01)


async def _handler(request: web.Request) -> web.StreamResponse:
    """``/ask``: relay a chat (``endpoint=generate``: a generate) of ``model`` (default qwen3) in ``format``.

    ``client`` picks ``down`` or ``impatient`` instead of the app's client; ``opened`` hands relay the opened
    stream instead of the call, after the handler took ``taken`` chunks from it; ``count`` passes a shape that
    records each chunk; ``sndbuf`` shrinks the send buffer towards the browser; ``keepalive`` is relay's.
    """
    client = request.app[_CLIENTS[request.query.get('client', '')]]
    query = request.query
    shaped: List[Any] = request.app[SHAPED]
    model = query.get('model', 'qwen3')
    if query.get('endpoint') == 'generate':
        source: Any = client.generate(model, 'Hi', stream=True)
    else:
        source = client.chat(model, MESSAGES, stream=True)
    if query.get('opened'):
        source = await source
        for _ in range(int(query.get('taken', 0))):
            await source.__anext__()  # the handler reads some chunks itself before relaying the rest
    if 'sndbuf' in query and request.transport is not None:
        # A small, fixed send buffer: the kernel then holds little of what the relay writes.
        request.transport.get_extra_info('socket').setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)

    def count(chunk: Any) -> Any:
        shaped.append(chunk)
        return chunk.message.content

    shape = count if query.get('count') else None
    response = await relay(
        request, source, format=query.get('format', 'text'), shape=shape, keepalive=float(query.get('keepalive', 15))
    )
    request.app[AFTER].append(request.path_qs)
    return response


async def _naive(request: web.Request) -> web.StreamResponse:
    # The handler the README showed before relay existed: write each chunk's content, rely on aiohttp.
    response = web.StreamResponse(headers={'Content-Type': 'text/plain; charset=utf-8'})
    await response.prepare(request)
    async with await request.app[CLIENT].chat('qwen3', MESSAGES, stream=True) as stream:
        async for chunk in stream:
            await response.write((chunk.message.content or '').encode())
    return response


@contextlib.asynccontextmanager
async def running_relay(*, handler_cancellation: bool = False, token_delay: float = 0.0) -> AsyncIterator[Relay]:
    """Start the emulator and the relay app; stop both on exit."""
    emu = Emulator(models=['qwen3', 'llama3.2'], token_delay=token_delay)
    async with emu.running_async() as url:
        app = web.Application()
        app.cleanup_ctx.extend(
            [
                client_context(url),
                client_context('http://127.0.0.1:9', key=DOWN, retries=0),
                client_context(url, key=IMPATIENT, timeout=(5, 0.2), retries=0),
            ]
        )
        app[SHAPED] = []
        app[AFTER] = []
        app.router.add_get('/ask', _handler)
        app.router.add_get('/naive', _naive)
        runner = web.AppRunner(app, handler_cancellation=handler_cancellation, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, '127.0.0.1', 0)
        await site.start()
        try:
            yield Relay(emu, url, runner.addresses[0][1], app, app[SHAPED], app[AFTER])
        finally:
            await runner.cleanup()


class Browser:
    """A raw HTTP/1.1 client on a real socket: send one GET, read the head, then the body at the test's pace."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.head: Dict[str, str] = {}
        self.status = 0

    @classmethod
    async def get(cls, port: int, path: str, *, rcvbuf: Optional[int] = None) -> Browser:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ('127.0.0.1', port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=2**16)
        writer.write(f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n'.encode())
        browser = cls(reader, writer)
        await asyncio.wait_for(browser._read_head(), PATIENCE)
        return browser

    async def _read_head(self) -> None:
        raw = await self.reader.readuntil(b'\r\n\r\n')
        status_line, *lines = raw.decode('latin-1').split('\r\n')
        self.status = int(status_line.split()[1])
        for line in lines:
            if line:
                name, _, value = line.partition(':')
                self.head[name.strip().lower()] = value.strip()

    async def chunk(self) -> Optional[bytes]:
        """The next chunk of the chunked body; ``None`` for the terminating chunk. Raises on a cut body."""
        size_line = await asyncio.wait_for(self.reader.readuntil(b'\r\n'), PATIENCE)
        size = int(size_line.strip(), 16)
        data = await asyncio.wait_for(self.reader.readexactly(size + 2), PATIENCE)
        assert data.endswith(b'\r\n'), data
        return data[:-2] if size else None

    async def chunks(self) -> Tuple[List[bytes], bool]:
        """Every chunk to the end of the body, and whether the body was complete (ended by the last chunk)."""
        pieces: List[bytes] = []
        while True:
            try:
                piece = await self.chunk()
            except asyncio.IncompleteReadError:
                return pieces, False
            if piece is None:
                return pieces, True
            pieces.append(piece)

    async def until(self, marker: bytes) -> bytes:
        """Read chunks until ``marker`` has arrived; return all read so far."""
        seen = b''
        while marker not in seen:
            piece = await self.chunk()
            assert piece is not None, f'the body ended before {marker!r}: {seen!r}'
            seen += piece
        return seen

    def leave(self) -> None:
        """Close the socket, as a browser does when the tab closes."""
        self.writer.close()


def events(body: bytes) -> List[Tuple[str, str]]:
    """The SSE ``(field, value)`` blocks of ``body`` exactly as framed, one tuple per event or comment."""
    assert body.endswith(b'\n\n'), body
    blocks = body.decode().split('\n\n')[:-1]
    parsed = []
    for block in blocks:
        lines = block.split('\n')
        if len(lines) == 2 and lines[0].startswith('event: ') and lines[1].startswith('data: '):
            parsed.append((lines[0][len('event: ') :], lines[1][len('data: ') :]))
        else:
            assert len(lines) == 1, block
            parsed.append(('', lines[0]))
    return parsed


def without_time(line: Dict[str, Any]) -> Dict[str, Any]:
    """A chunk without what differs between two requests for the same reply: the time, and the model load
    that only the first one pays for."""
    return {k: v for k, v in line.items() if k not in ('created_at', 'load_duration', 'total_duration')}


async def direct_lines(url: str, endpoint: str = 'chat') -> List[Dict[str, Any]]:
    """The NDJSON lines the emulator sends on the wire for the same scripted reply, without any client."""
    body: Dict[str, Any] = (
        {'model': 'qwen3', 'prompt': 'Hi'}
        if endpoint == 'generate'
        else {
            'model': 'qwen3',
            'messages': MESSAGES,
        }
    )
    async with aiohttp.ClientSession() as session, session.post(f'{url}/api/{endpoint}', json=body) as response:
        return json_lines(await response.read())


def json_lines(body: bytes) -> List[Dict[str, Any]]:
    assert body.endswith(b'\n'), body
    return [json.loads(line) for line in body.decode().split('\n')[:-1]]
