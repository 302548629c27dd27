"""A scriptable misbehaving HTTP/1.1 server on 127.0.0.1, for fault-injection tests.

``tests/_live.py`` is a well-behaved aiohttp application; this server speaks HTTP by hand over a raw
socket, so it can do what no framework lets a handler do: answer with garbage, reset before the first
byte, trickle the headers, cut a body at any byte, stall a stream, or keep a stream running until the
client leaves and note the moment it left.

A reply is a script: a tuple of steps (``Send``, ``Pause``, ``Close``, ``Hold``). Each request the
server reads takes the next scripted reply, in order, whatever its path; when the script runs out,
``then`` answers every further request (a redirect loop), else a 500 naming the unscripted request.
Every request read is recorded, so a test counts the attempts that reached the server and sees the
headers they carried.
"""

from __future__ import annotations

import asyncio
import collections
import json
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any, Deque, Dict, List, Mapping, Optional, Set, Tuple, Union

# --- script steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """Write ``data``; with ``gap``, one byte at a time, ``gap`` seconds apart. ``{other}`` in ``data``
    becomes the URL of the sibling server (for redirects to another host)."""

    data: bytes
    gap: float = 0.0


@dataclass(frozen=True)
class Pause:
    """Send nothing for ``seconds``: a slow server, or a stalled one."""

    seconds: float


@dataclass(frozen=True)
class Close:
    """End the connection: a FIN, or with ``reset`` a TCP RST (``SO_LINGER`` 0)."""

    reset: bool = False


@dataclass(frozen=True)
class Hold:
    """Keep the connection open until the client leaves or ``seconds`` pass, then close it.

    With ``tick``, send it as one chunk every ``every`` seconds meanwhile: a stream that never ends.
    The moment the client leaves is recorded (see ``FaultServer.wait_disconnect``).
    """

    seconds: float
    tick: Optional[bytes] = None
    every: float = 0.01


Step = Union[Send, Pause, Close, Hold]
Reply = Tuple[Step, ...]

# --- reply builders --------------------------------------------------------------------------------

_REASONS = {
    200: 'OK',
    301: 'Moved Permanently',
    302: 'Found',
    307: 'Temporary Redirect',
    308: 'Permanent Redirect',
    400: 'Bad Request',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
    504: 'Gateway Timeout',
}


def head(status: int, headers: Mapping[str, str]) -> bytes:
    """A status line and headers, up to and including the blank line."""
    lines = [f'HTTP/1.1 {status} {_REASONS.get(status, "Status")}']
    lines += [f'{name}: {value}' for name, value in headers.items()]
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1')


def reply(
    status: int = 200,
    body: bytes = b'',
    *,
    content_type: str = 'application/json',
    headers: Optional[Mapping[str, str]] = None,
) -> Reply:
    """A whole reply with a ``Content-Length``; the connection stays open for the next request."""
    fields = {'Content-Type': content_type, 'Content-Length': str(len(body)), **(headers or {})}
    return (Send(head(status, fields) + body),)


def json_reply(obj: Any, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> Reply:
    return reply(status, json.dumps(obj).encode(), headers=headers)


def chunk(data: bytes) -> bytes:
    """``data`` framed as one HTTP/1.1 chunk."""
    return b'%x\r\n%s\r\n' % (len(data), data)


_LAST_CHUNK = b'0\r\n\r\n'
_STREAM_HEAD = head(200, {'Content-Type': 'application/x-ndjson', 'Transfer-Encoding': 'chunked'})


def ndjson(*objs: Any) -> List[bytes]:
    """Each object as one NDJSON line."""
    return [json.dumps(o, ensure_ascii=False).encode() + b'\n' for o in objs]


def stream(pieces: List[bytes], *, gap: float = 0.0, end: bool = True) -> Reply:
    """A chunked NDJSON reply, one chunk per piece, ``gap`` seconds apart; ``end=False`` leaves out the
    terminating chunk (follow with ``Close`` or ``Hold``)."""
    steps: List[Step] = [Send(_STREAM_HEAD)]
    for i, piece in enumerate(pieces):
        if gap and i:
            steps.append(Pause(gap))
        steps.append(Send(chunk(piece)))
    if end:
        steps.append(Send(_LAST_CHUNK))
    return tuple(steps)


def status(code: int, retry_after: Optional[str] = None, body: Optional[bytes] = None) -> Reply:
    """A failure status with a JSON error body and, if given, a ``Retry-After`` header."""
    headers = {'Retry-After': retry_after} if retry_after is not None else {}
    text = body if body is not None else json.dumps({'error': f'status {code}'}).encode()
    return reply(code, text, headers=headers)


def cut(pieces: List[bytes]) -> Reply:
    """A chunked stream that closes the connection after ``pieces``, without its terminating chunk."""
    return (*stream(pieces, end=False), Close())


def cut_body(body: bytes, at: int) -> Reply:
    """A ``Content-Length`` reply whose connection closes after ``at`` bytes of ``body``."""
    fields = {'Content-Type': 'application/json', 'Content-Length': str(len(body))}
    return (Send(head(200, fields) + body[:at]), Close())


def bad_chunk_size(pieces: List[bytes], size: bytes) -> Reply:
    """A chunked stream that sends ``pieces``, then, a moment later (so that the client has read them
    and waits for more), a chunk whose size line is ``size`` (not hex, negative, past 2**64), and closes."""
    return (*stream(pieces, end=False), Pause(0.05), Send(size + b'\r\n{}\r\n'), Close())


def stall(pieces: List[bytes], seconds: float) -> Reply:
    """A chunked stream that sends ``pieces`` and then nothing for ``seconds``."""
    return (*stream(pieces, end=False), Hold(seconds))


def endless(line: bytes, seconds: float = 5.0, every: float = 0.01) -> Reply:
    """A stream that keeps sending ``line`` until the client goes away (at most ``seconds``)."""
    return (Send(_STREAM_HEAD), Hold(seconds, tick=line, every=every))


def slow_headers(seconds: float, then: Reply) -> Reply:
    """``then``, after ``seconds`` of silence before its first byte."""
    return (Pause(seconds), *then)


def trickle(then: Reply, gap: float) -> Reply:
    """``then`` sent one byte at a time, ``gap`` seconds apart."""
    return tuple(Send(s.data, gap) if isinstance(s, Send) else s for s in then)


def redirect(location: str, code: int = 307) -> Reply:
    """A redirect; ``{other}`` in ``location`` is the sibling server's URL."""
    return reply(code, b'', headers={'Location': location})


#: The connection closes before any byte of the reply: what a client sees on a dropped keep-alive.
DROP: Reply = (Close(),)
#: The connection is reset before any byte of the reply.
RESET: Reply = (Close(reset=True),)
#: A reply that is not HTTP at all.
GARBAGE: Reply = (Send(b'SSH-2.0-OpenSSH_9.6\r\nnot http\r\n\r\n'), Close())

# --- the server ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """A request the server read: ``headers`` have lower-case names; ``connection`` numbers connections."""

    method: str
    path: str
    headers: Dict[str, str]
    body: bytes
    connection: int


class FaultServer:
    """``url`` is where it listens; ``script()`` queues replies; ``requests`` lists what it read.

    ``connections`` counts connections accepted, ``open_connections`` those open now, and
    ``other_url`` is what ``{other}`` in a reply stands for.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name='fault-server', daemon=True)
        self._server: Optional[asyncio.AbstractServer] = None
        self._tasks: Set[asyncio.Task[None]] = set()
        self._script: Deque[Reply] = collections.deque()
        self._disconnects: Deque[float] = collections.deque()
        self._disconnected = threading.Semaphore(0)
        self.then: Optional[Reply] = None
        self.requests: List[Seen] = []
        self.connections = 0
        self.open_connections = 0
        self.other_url = ''
        self.port = 0
        self._scheme = 'http'

    @property
    def url(self) -> str:
        return f'{self._scheme}://127.0.0.1:{self.port}'

    def start(self, tls: Optional[ssl.SSLContext] = None) -> FaultServer:
        """Listen on a free port of 127.0.0.1; with ``tls``, speak HTTPS."""
        self._scheme = 'https' if tls is not None else 'http'
        self._thread.start()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(('127.0.0.1', 0))
        self.port = sock.getsockname()[1]
        start = asyncio.start_server(self._serve, sock=sock, limit=1 << 20, backlog=1024, ssl=tls)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(10)
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._server is not None
            self._server.close()
            await self._drop_connections()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def script(self, *replies: Reply, then: Optional[Reply] = None) -> None:
        """Answer the coming requests with ``replies`` in order, then every further one with ``then``."""
        self._script.clear()
        self._script.extend(replies)
        self.then = then

    def reset(self) -> None:
        """Between tests: close every connection still open (a stall or pause of the last test ends
        here, not in the middle of the next one), and forget the script and what was seen."""
        asyncio.run_coroutine_threadsafe(self._drop_connections(), self._loop).result(10)
        self.script()
        self.requests.clear()
        self._disconnects.clear()
        self._disconnected = threading.Semaphore(0)
        self.other_url = ''

    def wait_disconnect(self, timeout: float = 5.0) -> Optional[float]:
        """The ``time.monotonic()`` at which a ``Hold`` saw its client leave, or ``None`` after ``timeout``."""
        if not self._disconnected.acquire(timeout=timeout):
            return None
        return self._disconnects.popleft()

    # --- on the server's loop ----------------------------------------------------------------------

    async def _drop_connections(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        self.open_connections += 1
        number = self.connections
        try:
            # Each Send must leave at once, as Go's net/http (Ollama) does; with Nagle a write waits on
            # the client's delayed ACK of the one before, 40 ms per chunk.
            writer.get_extra_info('socket').setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            while True:
                seen = await _read_request(reader, number)
                if seen is None:
                    return
                self.requests.append(seen)
                if not await self._play(self._next_reply(seen), reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return  # the client went away mid-request or mid-reply: nothing more to do
        except asyncio.CancelledError:
            return  # stop() ends a script still pausing or holding; the task is ours and ends here
        finally:
            self.open_connections -= 1
            self._tasks.discard(task)
            writer.close()

    def _next_reply(self, seen: Seen) -> Reply:
        if self._script:
            return self._script.popleft()
        if self.then is not None:
            return self.then
        error = {'error': f'unscripted request #{len(self.requests)}: {seen.method} {seen.path}'}
        return json_reply(error, 500)

    async def _play(self, steps: Reply, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Run one reply; ``False`` when it ended the connection."""
        for step in steps:
            if isinstance(step, Send):
                data = step.data.replace(b'{other}', self.other_url.encode())
                if not step.gap:
                    writer.write(data)
                    await writer.drain()
                    continue
                for i in range(len(data)):
                    writer.write(data[i : i + 1])
                    await writer.drain()
                    await asyncio.sleep(step.gap)
            elif isinstance(step, Pause):
                await asyncio.sleep(step.seconds)
            elif isinstance(step, Close):
                if step.reset:
                    sock = writer.get_extra_info('socket')
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                    writer.transport.abort()
                return False
            else:
                await self._hold(step, reader, writer)
                return False
        return True

    async def _hold(self, step: Hold, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        gone = asyncio.ensure_future(reader.read(1))  # b'' (or a reset) the moment the client leaves
        deadline = self._loop.time() + step.seconds
        try:
            while not gone.done() and self._loop.time() < deadline:
                if step.tick is not None and not writer.transport.is_closing():
                    writer.write(chunk(step.tick))
                await asyncio.wait({gone}, timeout=step.every)
            if gone.done():
                self._disconnects.append(time.monotonic())
                self._disconnected.release()
        finally:
            if gone.done() and not gone.cancelled():
                gone.exception()  # a reset is how some clients leave; it is not an error here
            gone.cancel()


async def _read_request(reader: asyncio.StreamReader, connection: int) -> Optional[Seen]:
    """One request off the connection, or ``None`` when the client closed it between requests."""
    try:
        raw = await reader.readuntil(b'\r\n\r\n')
    except asyncio.IncompleteReadError:
        return None
    request_line, *lines = raw.decode('latin-1').split('\r\n')
    method, target, _ = request_line.split(' ', 2)
    headers: Dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(':')
        if sep:
            headers[name.strip().lower()] = value.strip()
    if 'content-length' in headers:
        body = await reader.readexactly(int(headers['content-length']))
    elif headers.get('transfer-encoding', '').lower() == 'chunked':
        body = await _read_chunked(reader)
    else:
        body = b''
    return Seen(method, target, headers, body, connection)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b'\r\n')).split(b';')[0], 16)
        if size == 0:
            while await reader.readuntil(b'\r\n') != b'\r\n':
                pass  # trailers
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def refused_port() -> Tuple[socket.socket, int]:
    """A port on 127.0.0.1 that refuses connections: bound (so nothing else takes it) but not listening.

    Close the returned socket when done.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(('127.0.0.1', 0))
    return sock, sock.getsockname()[1]


def stalled_port() -> Tuple[List[socket.socket], Optional[int]]:
    """A port on 127.0.0.1 where connecting never completes, to prove the connect timeout.

    A listener that never accepts, with a backlog of 0 already filled: the kernel drops further SYNs,
    so a connect hangs until the client gives up. Returns the sockets to close when done and the port,
    or ``None`` when this platform answers the connect anyway (checked with a probe).
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(('127.0.0.1', 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    held = [listener]
    for _ in range(4):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(('127.0.0.1', port))
        held.append(filler)
    time.sleep(0.05)
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(0.2)
    try:
        probe.connect(('127.0.0.1', port))
    except socket.timeout:
        return held, port
    except OSError:
        pass
    finally:
        probe.close()
    return held, None
