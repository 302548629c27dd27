"""Relay a model's stream from an aiohttp web handler to the browser, and stop the model when the browser leaves.

::

    from aiohttp import web
    from ollama_lite.web import CLIENT, client_context, relay

    async def ask(request: web.Request) -> web.StreamResponse:
        messages = [{'role': 'user', 'content': request.query.get('q', 'Why is the sky blue?')}]
        return await relay(request, request.app[CLIENT].chat('qwen3', messages, stream=True), format='sse')

    app = web.Application()
    app.cleanup_ctx.append(client_context('http://127.0.0.1:11434'))
    app.router.add_get('/ask', ask)

aiohttp tells a handler nothing when its client leaves (handler cancellation is off by default since aiohttp
3.9), and while the model thinks or pauses nothing is written that could fail, so a naive relay keeps the
model generating for a browser that is gone. :func:`relay` watches the connection itself and closes the
Ollama stream as soon as it drops. Importing this module needs aiohttp; ``import ollama_lite`` never imports it.
"""

from __future__ import annotations

import asyncio
import json
import json.encoder
import logging
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    List,
    Optional,
    Tuple,
    Type,
    Union,
)

from ._extras import aiohttp_missing

try:
    from aiohttp import web
except ModuleNotFoundError as exc:  # the async extra is not installed
    raise aiohttp_missing(exc, 'ollama_lite.web') from None

from . import _speedups
from ._async import AsyncClient, AsyncStream
from ._errors import ConnectError, ProtocolError, RequestError, RequestTimeout, ResponseError
from ._types import ChatResponse

__all__ = ['CLIENT', 'FORMATS', 'client_context', 'relay']

#: The application key under which :func:`client_context` stores the app's :class:`~ollama_lite.AsyncClient`.
CLIENT = web.AppKey('ollama_lite.client', AsyncClient)

#: The formats :func:`relay` speaks.
FORMATS = ('text', 'ndjson', 'sse')

#: What a caller may hand :func:`relay`: a stream, or the awaitable that opens one (``client.chat(..., stream=True)``).
_StreamSource = Union[AsyncStream[Any], Awaitable[AsyncStream[Any]]]
#: Turns one chunk into what is sent for it (``None``: nothing); see :func:`relay`.
_Shape = Callable[[Any], Any]

_log = logging.getLogger(__name__)

# How often the connections being relayed are looked at. aiohttp offers no event for a client that left
# (its wait_for_disconnection() existed only in 3.10.0 and 3.10.1), so one timer per event loop checks every
# relayed transport; a tick costs microseconds per connection, and a browser that leaves is noticed within it.
_WATCH_INTERVAL = 0.025
# The reconnection delay an EventSource is given. A reconnect would ask for a new answer, so pages close the
# EventSource on the done and error events; this only spaces out retries after a network failure.
_SSE_RETRY_MS = 5000
# How long an SSE response waits for Ollama to accept the request before it starts anyway (see _Out).
_SSE_GRACE = 1.0
_OLLAMA_ERRORS: Tuple[Type[Exception], ...] = (RequestError, ResponseError, ConnectError, RequestTimeout, ProtocolError)


def client_context(
    host: Optional[str] = None,
    *,
    session: Optional[web.AppKey[Any]] = None,
    key: web.AppKey[AsyncClient] = CLIENT,
    **client_kwargs: Any,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry that gives the app one :class:`~ollama_lite.AsyncClient`, stored under ``key``.

    Without ``session`` the client makes its own ``aiohttp.ClientSession`` in the app's loop and closes it when
    the app shuts down. With ``session``, the app key of an ``aiohttp.ClientSession`` the app already holds (set
    by an earlier ``cleanup_ctx`` or startup handler), the client shares that session and leaves it open.
    ``host`` and ``client_kwargs`` go to ``AsyncClient``, which raises ``TypeError`` for an unknown argument
    when the app starts.

    Example: ``app.cleanup_ctx.append(client_context('http://gpu-box:11434', timeout=(5, 300)))``
    """

    async def context(app: web.Application) -> AsyncIterator[None]:
        shared = app[session] if session is not None else None
        client = AsyncClient(host, session=shared, **client_kwargs)
        app[key] = client
        try:
            yield
        finally:
            await client.close()

    return context


async def relay(
    request: web.BaseRequest,
    stream: _StreamSource,
    *,
    format: str = 'text',
    shape: Optional[_Shape] = None,
    keepalive: float = 15.0,
) -> web.StreamResponse:
    """Stream a chat or generate reply to the client of ``request``; return the finished response.

    ``stream`` is an ``AsyncStream`` or the awaitable that opens one (``client.chat(..., stream=True)``
    unawaited), which lets the browser's departure cancel a request still waiting for the model to load. The
    relay closes the stream in every case; it owns neither the client nor its session. ``format``:

    - ``'text'``: the content tokens as ``text/plain; charset=utf-8`` (thinking and tool calls are left out);
    - ``'ndjson'``: each chunk as the JSON line Ollama sent, ``application/x-ndjson``;
    - ``'sse'``: Server-Sent Events (``text/event-stream``): a ``retry:`` hint, then events named ``thinking``,
      ``content`` (data: the piece as a JSON string), ``tool_calls`` (data: the JSON list), ``done`` (data: the
      final chunk as JSON) and ``error``, and a ``: keep-alive`` comment after ``keepalive`` seconds of silence.

    ``shape`` replaces what a chunk turns into: a ``str`` for ``'text'``, any JSON value for ``'ndjson'`` (one
    line) and ``'sse'`` (an event named ``chunk``, or ``done`` for the final chunk); ``None`` sends nothing for
    that chunk (the final chunk's ``done`` event is sent even then).

    When the client goes away (the page closed, ``EventSource.close()``, the network gone), whether or not
    aiohttp's handler cancellation is on, the Ollama stream is closed within tens of milliseconds, so the model
    stops generating, and one line is logged at debug level. The status line waits until Ollama accepts the
    request: a refusal (an unknown model: 404, a bad request: 400, ...) reaches the client as that HTTP status
    with a JSON body ``{"error": ...}``, as Ollama itself answers; a failure to reach the model server is 502,
    a timeout 504. An SSE response starts anyway after a second of waiting (or ``keepalive``, if shorter), so that
    a loading model keeps the stream alive; from then on, and for an error once the stream is flowing, the error
    reaches the client in the chosen format: an ``error`` event ``{"error": ...}``, an NDJSON ``{"error": ...}``
    line, or for ``'text'`` a last line ``[error] ...`` followed by a cut connection, so that HTTP clients also
    see the answer as incomplete. What the model server said is passed on; a connection failure or timeout is
    named without the server's address, and logged in full at warning level. Buffering is bounded: a slow client
    slows the reading from Ollama.

    Raises ``RequestError`` for an unknown ``format`` or a ``keepalive`` that is not positive (closing ``stream``
    first); ``asyncio.CancelledError`` when aiohttp cancels the handler.
    """
    try:
        framing = _framing(format, shape, keepalive)
    except RequestError:
        await _discard(stream)
        raise
    response = web.StreamResponse(headers=_headers(framing))
    if request.version >= (1, 1):
        response.enable_chunked_encoding()
    watch = _Watch.of(asyncio.get_running_loop())
    gone = watch.add(request)
    out = _Out(request, response, framing, gone)
    pump = asyncio.ensure_future(_pump(out, stream, framing))
    try:
        await asyncio.wait({pump, gone}, return_when=asyncio.FIRST_COMPLETED)
        if not pump.done():
            await _stop(pump)
            _left(request, 'the client went away')
        else:
            try:
                pump.result()
            except _ClientGone:
                _left(request, 'the client went away')
    except asyncio.CancelledError:
        await _stop(pump)
        _left(request, 'the handler was cancelled')
        raise
    finally:
        watch.discard(gone)
        await out.close()
        # Covers a source the pump never got to open; closing an opened stream again is harmless.
        await _discard(stream)
    return response


def _left(request: web.BaseRequest, why: str) -> None:
    _log.debug('%s %s: %s; the Ollama stream is closed', request.method, request.path, why)


async def _stop(pump: asyncio.Future[None]) -> None:
    # Cancelling the pump cancels its read, which closes the stream's connection: the Ollama server sees the
    # disconnect at once.
    pump.cancel()
    await asyncio.wait({pump})
    if not pump.cancelled():
        pump.exception()  # retrieved: the failure was the departure itself, reported by the caller


async def _discard(stream: Any) -> None:
    if isinstance(stream, asyncio.Future) and stream.done() and not stream.cancelled():
        stream = stream.exception() or stream.result()  # opened just as the relay stopped: close that stream
    if isinstance(stream, AsyncStream):
        await stream.aclose()
    elif asyncio.iscoroutine(stream):
        stream.close()
    elif isinstance(stream, asyncio.Future):
        stream.cancel()


class _ClientGone(Exception):
    """A write failed because the client's connection is gone."""


async def _pump(out: _Out, source: _StreamSource, framing: _Framing) -> None:
    try:
        # Awaited in this task, so that cancelling the pump (the browser left) cancels a request still
        # waiting for the model to load.
        stream = source if isinstance(source, AsyncStream) else await source
        async with stream:
            # Ollama has accepted the request: only now is the browser told 200.
            await out.start()
            await out.relay(stream)
    except _OLLAMA_ERRORS as error:
        _log.warning('%s %s: the Ollama stream failed: %s', out.request.method, out.request.path, error)
        message = _public_message(error)
        if await out.refuse(_status_of(error), message):
            return
        await out.write(framing.error(message))
        if framing.cut_on_error and out.request.transport is not None:
            # Without the terminating chunk the reply is visibly incomplete to any HTTP client.
            out.request.transport.close()
            return
    await out.end()


class _Out:
    """The browser's side of one relay: when the response starts, the writes, and the keep-alive comment.

    The status line waits until Ollama has accepted the request, so that a refusal (an unknown model, a bad
    request) reaches the browser as its HTTP status; an SSE response starts anyway once it has waited
    ``_SSE_GRACE`` seconds (or ``keepalive``, if shorter), so that a page and any proxy see a stream alive
    while a model loads. The keep-alive comment costs one timer per stream, re-armed when it fires: a write
    only notes that the stream is busy and, after it, when it fell silent.
    """

    __slots__ = (
        '_gone',
        '_idle_since',
        '_lock',
        '_loop',
        '_stopped',
        '_task',
        '_timer',
        'framing',
        'request',
        'response',
        'started',
    )

    def __init__(
        self, request: web.BaseRequest, response: web.StreamResponse, framing: _Framing, gone: asyncio.Future[None]
    ) -> None:
        self.request = request
        self.response = response
        self.framing = framing
        self.started = False
        self._gone = gone
        self._loop = asyncio.get_running_loop()
        # Starting the response may wait (aiohttp's prepare signal); the keep-alive must not start it twice.
        self._lock = asyncio.Lock()
        self._stopped = False
        self._task: Optional[asyncio.Future[None]] = None
        #: When the stream fell silent; None while a write is under way.
        self._idle_since: Optional[float] = self._loop.time()
        self._timer: Optional[asyncio.TimerHandle] = None
        if framing.keepalive is not None:
            self._timer = self._loop.call_later(min(framing.keepalive, _SSE_GRACE), self._due)

    async def start(self) -> None:
        """Send the status line, the headers and the format's opening, once."""
        if self.started:
            return
        async with self._lock:
            if self.started:
                return
            try:
                await self.response.prepare(self.request)
                opening = self.framing.opening()
                if opening:
                    await self.response.write(opening)
            except ConnectionError as error:
                raise _ClientGone() from error
            self.started = True
            self._idle_since = self._loop.time()

    async def refuse(self, status: int, message: str) -> bool:
        """Answer with HTTP ``status`` and ``{"error": message}`` if nothing was sent yet; False otherwise."""
        async with self._lock:
            if self.started:
                return False
            self.started = True
            self._stop_timer()
            self.response.set_status(status)
            self.response.headers['Content-Type'] = 'application/json'
            try:
                await self.response.prepare(self.request)
                await self.response.write((_json({'error': message}) + '\n').encode())
                await self.response.write_eof()
            except ConnectionError as error:
                raise _ClientGone() from error
            return True

    async def relay(self, stream: AsyncStream[Any]) -> None:
        """Write each chunk of ``stream`` as the framing makes it, read by read: per chunk only the framing and
        the write, whose waiting for a slow browser pauses the reading from Ollama (back-pressure)."""
        encode = self.framing.chunk
        write = self.response.write
        loop = self._loop
        try:
            while True:
                batch = await stream._read_batch()
                if batch is None:
                    return
                self._idle_since = None
                for chunk in batch:
                    data = encode(chunk)
                    if data:
                        await write(data)
                self._idle_since = loop.time()
        except ConnectionError as error:
            if isinstance(error, _OLLAMA_ERRORS):
                raise  # Ollama's side (IncompleteStreamError, ConnectError are ConnectionErrors too)
            raise _ClientGone() from error

    async def write(self, data: bytes) -> None:
        self._idle_since = None
        try:
            await self.response.write(data)
        except ConnectionError as error:
            raise _ClientGone() from error
        self._idle_since = self._loop.time()

    async def end(self) -> None:
        self._stop_timer()
        await self.start()  # a stream with nothing to write still answers 200
        try:
            await self.response.write_eof()
        except ConnectionError as error:
            raise _ClientGone() from error

    def _stop_timer(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def close(self) -> None:
        """The relay is over: no more keep-alives, and one being written is abandoned."""
        self._stop_timer()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})

    def _due(self) -> None:
        self._timer = None
        if self._stopped:
            return
        idle = self._idle_since
        # Timers may fire a clock tick early: a millisecond of slack.
        silent = idle is not None and self._loop.time() - idle >= self.framing.keepalive - 0.001  # type: ignore[operator]
        if silent or not self.started:
            self._task = asyncio.ensure_future(self._keep_alive(silent))
        else:
            self._arm()

    def _arm(self) -> None:
        if self._stopped:
            return
        keepalive: float = self.framing.keepalive  # type: ignore[assignment]
        idle = self._idle_since
        delay = keepalive if idle is None else max(0.0, idle + keepalive - self._loop.time())
        self._timer = self._loop.call_later(delay, self._due)

    async def _keep_alive(self, comment: bool) -> None:
        try:
            await self.start()
            if comment and not self._stopped:
                await self.write(self.framing.keepalive_comment)
        except _ClientGone:
            if not self._gone.done():
                self._gone.set_result(None)  # the relay stops the pump, as for a departure its watch saw
            return
        self._arm()


def _status_of(error: Exception) -> int:
    """The HTTP status for a failure before the stream started: Ollama's own, else what a gateway answers."""
    if isinstance(error, ResponseError) and 400 <= error.status_code <= 599:
        return error.status_code
    if isinstance(error, RequestError):
        return 400
    if isinstance(error, RequestTimeout):
        return 504
    return 502


def _public_message(error: Exception) -> str:
    """What the browser is told: the model server's own words, or the kind of failure without addresses."""
    if isinstance(error, ResponseError):
        return error.error
    if isinstance(error, RequestError):
        return str(error)
    if isinstance(error, ConnectError):
        return 'the model server cannot be reached'
    if isinstance(error, RequestTimeout):
        return 'the model server did not answer in time'
    return 'the model server sent an incomplete or invalid reply'


def _pieces(chunk: Any) -> Tuple[str, str, List[Any]]:
    """A chunk's thinking, content and tool calls, for chat and generate chunks alike."""
    holder = chunk.message if isinstance(chunk, ChatResponse) else chunk
    content = holder.content if isinstance(chunk, ChatResponse) else chunk.response
    calls = [call.to_dict() for call in holder.tool_calls or []]
    return holder.thinking or '', content or '', calls


# Compact and one line: json escapes CR and LF inside strings, which SSE would take for line ends. One
# encoder for every chunk: json.dumps with any argument builds a new JSONEncoder per call.
_json = json.JSONEncoder(ensure_ascii=False, separators=(',', ':')).encode
#: What ``_json`` does for a string, without the type test.
_quote = json.encoder.encode_basestring


class _Framing:
    """How one format frames chunks, errors and keep-alives."""

    content_type = ''
    keepalive: Optional[float] = None
    keepalive_comment = b''
    cut_on_error = False

    def __init__(self, shape: Optional[_Shape]) -> None:
        self.shape = shape

    def opening(self) -> bytes:
        return b''

    def chunk(self, chunk: Any) -> bytes:
        raise NotImplementedError

    def error(self, message: str) -> bytes:
        raise NotImplementedError


class _Text(_Framing):
    content_type = 'text/plain; charset=utf-8'
    cut_on_error = True

    def chunk(self, chunk: Any) -> bytes:
        text = self.shape(chunk) if self.shape is not None else _pieces(chunk)[1]
        return text.encode() if text else b''

    def error(self, message: str) -> bytes:
        return f'\n[error] {message}\n'.encode()


class _NDJSON(_Framing):
    content_type = 'application/x-ndjson'

    def chunk(self, chunk: Any) -> bytes:
        value = self.shape(chunk) if self.shape is not None else chunk.to_dict()
        return b'' if value is None else (_json(value) + '\n').encode()

    def error(self, message: str) -> bytes:
        return (_json({'error': message}) + '\n').encode()


class _SSE(_Framing):
    content_type = 'text/event-stream'
    keepalive_comment = b': keep-alive\n\n'

    def __init__(self, shape: Optional[_Shape], keepalive: float) -> None:
        super().__init__(shape)
        self.keepalive = keepalive

    def opening(self) -> bytes:
        return f'retry: {_SSE_RETRY_MS}\n\n'.encode()

    def chunk(self, chunk: Any) -> bytes:
        done = bool(chunk.done)
        if self.shape is None and not done:
            # The usual chunk, a piece of content and nothing else, framed without building a list of events.
            holder = chunk.message if type(chunk) is ChatResponse else chunk
            if not (holder.thinking or holder.tool_calls):
                content = holder.content if type(chunk) is ChatResponse else chunk.response
                if not content:
                    return b''
                fast = _speedups.dumps_str
                if fast is not None:
                    try:
                        return b'event: content\ndata: ' + fast(content) + b'\n\n'
                    except TypeError:
                        pass  # a lone surrogate: json's turn, which fails as it always did
                return b'event: content\ndata: ' + _quote(content).encode() + b'\n\n'
        if self.shape is not None:
            value = self.shape(chunk)
            if value is None and not done:
                return b''
            return _event('done' if done else 'chunk', _json(value))
        thinking, content, calls = _pieces(chunk)
        events = [
            _event(name, _json(value))
            for name, value in (('thinking', thinking), ('content', content), ('tool_calls', calls))
            if value
        ]
        if done:
            events.append(_event('done', _json(chunk.to_dict())))
        return b''.join(events)

    def error(self, message: str) -> bytes:
        return _event('error', _json({'error': message}))


def _event(name: str, data: str) -> bytes:
    return f'event: {name}\ndata: {data}\n\n'.encode()


def _headers(framing: _Framing) -> Dict[str, str]:
    # X-Accel-Buffering: nginx, the usual proxy in front of aiohttp, would otherwise buffer the whole reply, reading
    # it from the relay (and so from Ollama) however slowly the browser reads.
    return {'Content-Type': framing.content_type, 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no'}


def _framing(format: str, shape: Optional[_Shape], keepalive: float) -> _Framing:
    if not (isinstance(keepalive, (int, float)) and keepalive > 0):
        raise RequestError(f'keepalive must be a positive number of seconds, got {keepalive!r}')
    if format == 'text':
        return _Text(shape)
    if format == 'ndjson':
        return _NDJSON(shape)
    if format == 'sse':
        return _SSE(shape, keepalive)
    raise RequestError(f'format must be one of {", ".join(map(repr, FORMATS))}, got {format!r}')


class _Watch:
    """One timer per event loop that resolves a future when the connection of a relayed request drops."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: Dict[asyncio.Future[None], web.BaseRequest] = {}
        self._timer: Optional[asyncio.TimerHandle] = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> _Watch:
        watch = _WATCHES.get(loop)
        if watch is None:
            watch = _WATCHES[loop] = cls(loop)
        return watch

    def add(self, request: web.BaseRequest) -> asyncio.Future[None]:
        gone: asyncio.Future[None] = self._loop.create_future()
        self._waiting[gone] = request
        if self._timer is None:
            self._timer = self._loop.call_later(_WATCH_INTERVAL, self._tick)
        return gone

    def discard(self, gone: asyncio.Future[None]) -> None:
        self._waiting.pop(gone, None)
        if not self._waiting:
            # Nothing left to watch: drop the timer and this loop's entry, so a closed loop is not kept.
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            _WATCHES.pop(self._loop, None)

    def _tick(self) -> None:
        self._timer = None
        for gone, request in list(self._waiting.items()):
            transport = request.transport
            if transport is None or transport.is_closing():
                del self._waiting[gone]
                if not gone.done():
                    gone.set_result(None)
        if self._waiting:
            self._timer = self._loop.call_later(_WATCH_INTERVAL, self._tick)


_WATCHES: Dict[asyncio.AbstractEventLoop, _Watch] = {}
