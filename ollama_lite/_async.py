"""The async client: aiohttp moves the bytes, ``_api`` does everything else.

The twin of ``_sync``: the same methods, parameters, defaults, errors and types, as coroutines.
Only sending, streaming and closing differ; read the two side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import functools
import inspect
import os
import weakref
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
    cast,
    overload,
)

import aiohttp

from . import _api, _travel
from ._api import Call, StreamDecoder
from ._assemble import Assembler, assembler_for
from ._batch import DEFAULT_BATCH_SIZE, AsyncBatchResults, EmbedManyResponse, Progress
from ._batch import OnError as BatchOnError
from ._config import ClientConfig, Retry, Secrets, Timeout, basic_authorization, parse_host
from ._connection import Connection, take_connection_kwargs
from ._deadline import Deadline
from ._errors import (
    ConnectError,
    IncompleteStreamError,
    ProtocolError,
    ReadTimeout,
    RequestError,
    RequestTimeout,
    ResponseError,
    TotalTimeout,
    broke_off,
    cannot_connect,
    connect_timed_out,
    no_reply,
    not_http,
    plain_reason,
    read_timed_out,
    request_failed,
    tls_failed,
    too_many_redirects,
)
from ._limits import BodyLimit, Inflater
from ._model import Model
from ._observe import Hook, Observer, Watch
from ._pool import (
    DEFAULT_PER_HOST,
    DEFAULT_QUEUE_TIMEOUT,
    MERGED,
    REFRESH_TIMEOUT,
    Failure,
    HostLike,
    HostStatus,
    Pool,
    Route,
    Ticket,
    configure,
    failure_of,
    mark,
    model_names,
)
from ._retry import Attempts, connect_failure_kind, connect_reason, refused
from ._types import (
    ChatResponse,
    EmbeddingsResponse,
    EmbedResponse,
    Format,
    GenerateResponse,
    ImageLike,
    KeepAlive,
    ListResponse,
    MessageLike,
    ModelRecommendationsResponse,
    OptionsLike,
    ProcessResponse,
    ProgressResponse,
    ServerStatusResponse,
    ShowResponse,
    StatusResponse,
    Think,
    ToolLike,
    UserResponse,
    VersionResponse,
    WebFetchResponse,
    WebSearchResponse,
)

if TYPE_CHECKING:
    from ._tool_runner import OnError, ToolRun, ToolsLike
    from ._tool_runner_async import AsyncToolRunStream

__all__ = ['AsyncClient', 'AsyncStream']

R = TypeVar('R', bound=Model)
_T = TypeVar('_T')

#: Arguments that reach every aiohttp request as they are.
_REQUEST_KWARGS = frozenset({'ssl', 'proxy', 'proxy_auth'})
#: Arguments that shape the session the client creates for itself; meaningless with a caller's ``session``.
_SESSION_KWARGS = frozenset({'limit', 'limit_per_host', 'trust_env'})
#: Everything besides the named parameters, for the message about an argument that is none of them.
_ACCEPTED = ', '.join(sorted(_REQUEST_KWARGS | _SESSION_KWARGS | {'auth', 'verify', 'cert', 'proxies', 'limits'}))
#: aiohttp's own default: enough connections for ~100 requests or streams at once; more wait for a free one.
_DEFAULT_LIMIT = 100
_DEFAULT_TIMEOUT = Timeout()

Body = Union[bytes, Callable[[], AsyncGenerator[bytes, None]], None]


def _basic_auth(auth: Any) -> str:
    if isinstance(auth, aiohttp.BasicAuth):
        return auth.encode()
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(x, str) for x in auth):
        return basic_authorization(*auth)
    raise TypeError(f'auth must be a (user, password) pair of strings or aiohttp.BasicAuth, not {auth!r}')


def _aiohttp_kwargs(connection: Connection, kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """The official client's (httpx's) connection settings in aiohttp's terms: ``ssl``, one ``proxy``,
    ``trust_env`` and the pool ``limit``. Raises ``TypeError`` where both spellings of one setting are given."""
    out: Dict[str, Any] = {}
    context = connection.ssl_context()
    if context is not None:
        if 'ssl' in kwargs:
            raise TypeError('give ssl= (aiohttp) or verify=/cert= (httpx), not both')
        out['ssl'] = context
    proxies = set((connection.proxies or {}).values())
    if len(proxies) == 1:
        if 'proxy' in kwargs:
            raise TypeError('give proxy= or proxies=, not both')
        out['proxy'] = proxies.pop()
    if connection.trust_env is not None:
        out['trust_env'] = connection.trust_env
    if connection.limits_given:
        if 'limit' in kwargs:
            raise TypeError('give limit= (aiohttp) or limits= (httpx), not both')
        out['limit'] = connection.max_connections or 0  # httpx's None is no limit, aiohttp's 0
    return out


def _describe(exc: BaseException) -> str:
    return plain_reason(str(exc)) or type(exc).__name__


def _reply_started(exc: aiohttp.ClientConnectionError) -> bool:
    """Whether the connection closed after part of the reply's head arrived; aiohttp then hands over
    the half-parsed head where the message would be."""
    return isinstance(exc, aiohttp.ServerDisconnectedError) and not isinstance(exc.message, str)


#: The methods aiohttp resends once on its own when the connection closes or resets after the request
#: was written (RFC 9110's idempotent methods, as aiohttp follows RFC 9112 section 9.3.1).
_RESENT_BY_AIOHTTP = frozenset({'GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'})


def _request_written(exc: BaseException) -> bool:
    """Whether the request may have reached the server before ``exc``: aiohttp raises
    ``ClientConnectorError`` (refused, DNS, TLS), ``ConnectionTimeoutError`` and ``InvalidURL``
    before a byte of the request is written."""
    before = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL)
    return not (isinstance(exc, before) or refused(exc))


class _Sends:
    """What the client's own session reports about one request: its connections, each one a send.

    aiohttp resends a GET, HEAD or DELETE once on its own when the connection closes without a reply;
    the second connection asks the retry policy, which counts it as one of ``retries`` or refuses it.
    """

    __slots__ = ('attempts', 'connections')

    def __init__(self, attempts: Attempts) -> None:
        self.attempts = attempts
        self.connections = 0


class _ResendRefused(Exception):
    """Raised inside aiohttp to stop a resend the retry policy does not allow."""


async def _on_connection(session: Any, ctx: Any, params: Any) -> None:
    sends = ctx.trace_request_ctx
    if isinstance(sends, _Sends):
        sends.connections += 1
        if sends.connections > 1 and not sends.attempts.resent_by_transport():
            raise _ResendRefused


async def _on_redirect(session: Any, ctx: Any, params: Any) -> None:
    sends = ctx.trace_request_ctx
    if isinstance(sends, _Sends):
        sends.connections = 0  # a redirect is a new request, on a connection of its own


def _send_counter() -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()
    trace.on_connection_create_start.append(_on_connection)
    trace.on_connection_reuseconn.append(_on_connection)
    trace.on_request_redirect.append(_on_redirect)
    return trace


def _connect_error(exc: Exception, url: str, *, repeatable: bool = False) -> Exception:
    """An error raised before the reply's headers arrived."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return connect_timed_out(url, _describe(exc))
    if isinstance(exc, asyncio.TimeoutError):
        return read_timed_out(url)
    if isinstance(exc, aiohttp.ClientConnectionError) and _reply_started(exc):
        return not_http(url, 'the connection closed in the middle of the status line and headers')
    if isinstance(exc, aiohttp.ClientResponseError):
        # Raised before the headers were read only when what came back could not be parsed as HTTP.
        return not_http(url, _describe(exc))
    if isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.InvalidURL)):
        kind = connect_failure_kind(exc)
        if kind == 'tls':
            return tls_failed(url, _describe(exc))
        if _request_written(exc):
            return no_reply(url, _describe(exc), repeatable=repeatable)
        return cannot_connect(url, connect_reason(exc, _describe(exc)), unresolved=kind == 'name')
    return request_failed(url, _describe(exc))


def _read_error(exc: Exception, url: str) -> Exception:
    """An error while reading the body: a stall is a timeout, anything else a cut connection."""
    if isinstance(exc, asyncio.TimeoutError):
        return read_timed_out(url, midway=True)
    return broke_off(url, _describe(exc))


async def _in_thread(func: Callable[..., _T], *args: Any) -> _T:
    """``func(*args)`` in the loop's default executor (``asyncio.to_thread`` needs Python 3.9)."""
    return await asyncio.get_running_loop().run_in_executor(None, func, *args)


#: How often a pending read checks that its connection is still there; see _StallWatch.
_STALL_CHECK = 0.25


#: An iterator that is always exhausted: the pending chunks of a stream with none.
_NOTHING: Iterator[Any] = iter(())


class _StallWatch:
    """Ends a read that waits on a connection that is already gone.

    aiohttp's C parser, given a malformed chunk-size line after a good chunk, closes the connection
    but never wakes the read waiting for the next bytes, and its read timeout no longer runs: the read
    would wait forever, even after the server closed. While a read is pending, this checks every
    ``_STALL_CHECK`` seconds whether the response's connection is closed (aiohttp's public
    ``Connection.closed``); seen so on two checks in a row, the read is ended with a payload error.
    A healthy read never sees that: a body that ends releases the connection (``response.connection``
    becomes ``None``), and a cut one wakes the read with an error at once.
    """

    __slots__ = ('_closed_before', '_handle', '_loop', '_response', 'waiting')

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self._loop = asyncio.get_running_loop()
        self._closed_before = False
        self.waiting = False
        self._handle: Optional[asyncio.TimerHandle] = self._loop.call_later(_STALL_CHECK, self._check)

    def _check(self) -> None:
        connection = self._response.connection
        closed = self.waiting and connection is not None and connection.closed
        if closed and self._closed_before:
            self._handle = None
            self._response.content.set_exception(
                aiohttp.ClientPayloadError('the connection closed while the body was still being read')
            )
            return
        self._closed_before = closed
        self._handle = self._loop.call_later(_STALL_CHECK, self._check)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


async def _within(deadline: Deadline, url: str, step: Awaitable[_T]) -> _T:
    """``await step``, cancelled when the call's total deadline passes (``TotalTimeout``)."""
    try:
        return await asyncio.wait_for(step, deadline.remaining())
    except RequestTimeout:
        raise  # one of ours (a read or connect timeout) from inside the step
    except asyncio.TimeoutError:
        raise deadline.error(url) from None


async def _file_pieces(path: Any, progress: Optional[_api.BlobProgress] = None) -> AsyncGenerator[bytes, None]:
    """A file's bytes in ``_api.BLOB_CHUNK`` pieces, each read in a worker thread, so that a large file
    neither sits whole in memory nor blocks the event loop while the disk works; ``progress`` hears of each."""
    with open(path, 'rb') as f:  # opening is instant; the reads are what take time
        size, sent = os.fstat(f.fileno()).st_size, 0
        while True:
            piece = await _in_thread(f.read, _api.BLOB_CHUNK)
            if not piece:
                return
            if progress is not None:
                sent += len(piece)
                progress(sent, size)
            yield piece


def _release(session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
    """Close the own session of an ``AsyncClient`` that was dropped (or is alive at exit) unclosed.

    The official client's users never close their ``AsyncClient`` (its README does not, nor does
    langchain for a model's lifetime); aiohttp would then print "Unclosed client session" and
    "Unclosed connector" at exit. Everything here is synchronous, so it works from a finalizer, in a
    loop that is running, stopped or already closed: the connector closes its connections (through
    the loop while it is open) and the session is detached from it, which marks it closed.
    """
    if loop.is_running() and not _in_loop(loop):
        loop.call_soon_threadsafe(_release, session, loop)
        return
    if not loop.is_running() and not loop.is_closed() and not _in_any_loop():
        # A loop kept open but idle: close as close() would, so no task is left pending on it.
        loop.run_until_complete(session.close())
        return
    connector = session.connector
    session.detach()
    if connector is not None and not connector.closed:
        # close() returns an awaitable that warns unless awaited; the closing itself is already done
        # (or handed to a task on the loop), so start it once and let it go.
        steps = connector.close().__await__()
        try:
            steps.send(None)
        except StopIteration:
            return
        steps.close()


def _finished(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether ``loop`` will run no more of a session's work: closed, or stopped (``run_until_complete``
    returned and nothing runs it now)."""
    return loop.is_closed() or not loop.is_running()


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def _in_any_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _Finalizer(Protocol):
    """What the client keeps of its ``weakref.finalize`` (typed so on every Python: it is generic only in
    the stubs of 3.9 and later)."""

    def detach(self) -> Any: ...


async def _run_hooks(hooks: Sequence[Hook], view: Any) -> None:
    # As httpx's AsyncClient: a hook may be a plain function or a coroutine function.
    for hook in hooks:
        result = hook(view)
        if inspect.isawaitable(result):
            await result


class AsyncStream(AsyncIterator[R]):
    """The chunks of a streamed reply, typed, each as soon as its line arrives.

    ``await aclose()``, leaving an ``async with`` block, or cancelling the task that iterates closes the
    HTTP connection at once, which tells the server to stop generating. Raises ``ResponseError`` for an
    error line, ``IncompleteStreamError`` when the connection breaks off mid-body (and, with the client's
    ``strict_streams=True``, when a body ends without its final ``done``/``success`` line), ``ReadTimeout``
    when the server stalls for longer than the read timeout.

    >>> async for chunk in await client.chat('llama3.2', messages, stream=True): print(chunk.message.content)
    """

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        decoder: StreamDecoder[R],
        url: str,
        deadline: Optional[Deadline] = None,
        inflater: Optional[Inflater] = None,
        host: Optional[str] = None,
        on_end: Optional[Callable[[Optional[Failure]], None]] = None,
        *,
        assembler: Assembler[R],
        watch: Optional[Watch] = None,
    ) -> None:
        self._response = response
        # With several hosts: chunks tell their host, and the slot is given back when the stream ends.
        self._host = host
        self._on_end = on_end
        if host is not None:
            mark(self, host)
        self._assembler = assembler
        self._observed = watch
        # Watched, the first chunk is timed (see _first); after it, each chunk goes straight to the assembler.
        self._add: Callable[[R], None] = assembler.feed if watch is None else self._first
        self._decoder = decoder
        self._url = url
        self._deadline = deadline
        self._inflater = inflater
        # The chunks of the last read not yet handed out, each decoded as it is taken (the read-ahead is
        # one read: what aiohttp had buffered), so the chunks before a bad line are delivered before it raises.
        self._pending: Iterator[R] = _NOTHING
        self._reading = True
        self._drained = False
        self._watch = _StallWatch(response)

    @property
    def status_code(self) -> int:
        """The reply's HTTP status (a stream only starts on success, so 2xx)."""
        return self._response.status

    def __aiter__(self) -> AsyncStream[R]:
        return self

    async def __anext__(self) -> R:
        try:
            while True:
                try:
                    chunk = next(self._pending, None)
                except BaseException:
                    self._abort()
                    raise
                if chunk is not None:
                    if self._host is not None:
                        mark(chunk, self._host)
                    self._add(chunk)
                    return chunk
                if self._decoder.finished:
                    self._reading = False  # complete: what the server sends next is not waited for
                if not self._reading:
                    if self._decoder.finished and not self._drained:
                        await self._drain()
                    self._ended(None)
                    raise StopAsyncIteration
                self._pending = await self._more()
        except BaseException as exc:
            if self._observed is not None:
                self._observed.stream_ended(self._assembler.final, exc)
            raise

    def _first(self, chunk: R) -> None:
        cast(Watch, self._observed).first_chunk()
        self._add = self._assembler.feed
        self._add(chunk)

    async def _read_batch(self) -> Optional[Iterator[R]]:
        """The chunks of the next read, decoded as they are taken; ``None`` once the stream is over.

        For ``ollama_lite.web.relay``, which takes a stream's chunks read by read rather than through a
        coroutine per chunk. A chunk that fails to decode raises while the batch is iterated; the caller
        then closes the stream (``async with``), as ``__anext__`` would.
        """
        pending, self._pending = self._pending, _NOTHING
        if pending is not _NOTHING:
            return pending  # what __anext__ left of the last read: a stream handed over half-read
        if self._decoder.finished:
            self._reading = False
        if not self._reading:
            if self._decoder.finished and not self._drained:
                await self._drain()
            return None
        return await self._more()

    async def _more(self) -> Iterator[R]:
        # Raw reads, never aiohttp's line reader: its line length limits must not apply, and each read
        # returns whatever has arrived, so a chunk is handed out as soon as its line is complete.
        watch = self._watch
        watch.waiting = True
        deadline = self._deadline
        try:
            if deadline is None:
                data = await self._response.content.readany()
            else:
                data = await _within(deadline, self._url, self._response.content.readany())
        except BaseException as exc:
            # Cancellation included: the connection is closed, so the server stops generating.
            if isinstance(exc, Exception) and not isinstance(exc, TotalTimeout):
                self._ended('timeout' if isinstance(exc, asyncio.TimeoutError) else 'lost')
            self._abort()
            if isinstance(exc, TotalTimeout):
                raise
            if isinstance(exc, Exception):
                # Whatever aiohttp raises while reading a body is the transport's failure; its parser
                # errors (bad chunk framing) are not all ClientErrors.
                raise _read_error(exc, self._url) from None
            raise
        finally:
            watch.waiting = False
        if data:
            inflater = self._inflater
            # With a size limit, piece by piece: a bomb of a line stops at the limit, never expanded whole.
            return self._decoder.feed(data) if inflater is None else self._decoder.feed_pieces(inflater.pieces(data))
        # The end of the body: aiohttp has already given the connection back to the pool.
        self._reading = False
        watch.stop()
        if self._inflater is not None:
            return self._last(self._inflater)
        return iter(self._decoder.close())

    def _last(self, inflater: Inflater) -> Iterator[R]:
        yield from self._decoder.feed_pieces(inflater.flush())
        yield from self._decoder.close()

    async def _drain(self) -> None:
        """After the final line: read what follows for a moment (see ``_api.AFTER_FINAL_LINE``), so that a
        body ending at once leaves its connection in the pool; never wait for a server that holds it."""
        self._drained = True
        seconds, limit = _api.AFTER_FINAL_LINE
        content = self._response.content
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        try:
            while limit >= 0 and loop.time() < end:
                data = await asyncio.wait_for(content.readany(), end - loop.time())
                if not data:
                    self._watch.stop()
                    return  # the body ended: aiohttp has given the connection back
                limit -= len(data)
        except Exception:  # a body that does not end at once just costs its connection
            pass
        self._abort()

    def _ended(self, failure: Optional[Failure]) -> None:
        if self._on_end is not None:
            self._on_end(failure)

    def _abort(self) -> None:
        self._ended(None)
        self._reading = False
        self._pending = _NOTHING
        self._watch.stop()
        self._response.close()

    def final(self) -> R:
        """The whole reply from the chunks taken so far, as Ollama sends it when not streaming (see
        ``Stream.final``): content, thinking, tool calls and logprobs joined, the final chunk's counters;
        after a ``break`` or ``aclose()``, what was taken until then, with ``done`` false. Never raises.

        >>> stream = await client.chat('llama3.2', messages, stream=True)
        >>> async for chunk in stream: pass
        >>> stream.final().message.content
        """
        return self._assembler.final()

    async def aclose(self) -> None:
        """Close the connection now; the server stops generating. Closing twice is harmless."""
        self._closed()

    def _closed(self) -> None:
        self._abort()
        if self._observed is not None:
            self._observed.stream_ended(self._assembler.final, None)

    async def __aenter__(self) -> AsyncStream[R]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._closed()

    def __del__(self) -> None:
        # A stream dropped half-read: close its connection rather than leave it to aiohttp's finalizer.
        if getattr(self, '_reading', False):
            self._watch.stop()
            self._response.close()
            self._ended(None)


def _wake(moved: List[Ticket]) -> None:
    """Wake the callers the pool placed or refused."""
    for ticket in moved:
        if not ticket.waker.done():
            ticket.waker.set_result(None)


class AsyncClient:
    """A client for the Ollama API on aiohttp; every method of ``Client``, as a coroutine.

    ``host`` defaults to ``OLLAMA_HOST``, else ``http://127.0.0.1:11434``. ``timeout`` is a number, a
    ``(connect, read)`` pair, ``None`` or a ``Timeout``; by default connecting gives up after 10 s and
    reading never does (a generation may take minutes); the read timeout bounds each wait for bytes,
    between stream chunks too; ``Timeout(total=...)`` bounds a whole call. ``retries`` extra attempts are
    made for refused connections, 429/502/503/504 replies, and, for calls safe to repeat, connections
    closed before any reply (aiohttp's own resend counts as one). ``max_reply_bytes`` (default no limit)
    caps a non-streamed reply after decompression and one stream line (``ReplyTooLargeError``).
    ``session`` is an ``aiohttp.ClientSession`` of yours, used as it is and never
    closed here; without one the client makes its own on first use, in the running event loop, so an
    ``AsyncClient`` may be built outside any loop, and one never closed (as the official client's users
    often leave it) releases that session quietly when collected or at exit. ``ssl``, ``proxy``,
    ``proxy_auth`` and ``auth`` (``aiohttp.BasicAuth`` or a ``(user, password)`` pair, replacing any
    Authorization header) reach every request; ``limit`` (default 100) and ``limit_per_host`` (default
    none) size the connection pool of the client's own session and ``trust_env`` lets it read proxy
    settings from the environment. The official client's (httpx's) names work too: ``verify`` (bool,
    CA bundle path or ``ssl.SSLContext``), ``cert``, ``proxy``/``proxies``, ``limits`` (its
    ``max_connections`` is ``limit``) and a ``timeout`` with ``connect``/``read`` attributes; httpx
    options aiohttp has no use for (``transport``, ``mounts``, ``http2``, ...) raise ``TypeError`` saying
    what to use instead.
    ``strict_streams=True`` makes a stream whose body ends without its final line raise
    ``IncompleteStreamError`` rather than end quietly (see ``Client``). ``options``, ``keep_alive``,
    ``think``, ``format`` and ``event_hooks`` are as on ``Client``; a hook may be a coroutine function.
    ``hosts=[...]`` instead of ``host`` spreads the calls over several servers (README, "Several servers"): each
    a host string or a mapping with its own ``headers``/``auth``; at most ``per_host`` generations at once per
    host (default 1, Ollama's ``OLLAMA_NUM_PARALLEL`` default), more callers waiting up to ``queue_timeout``
    seconds (``PoolTimeout``); writes go through ``client.host(url)``. Raises ``RequestError`` for a bad
    host list, or both ``host`` and ``hosts``.

    One ``AsyncClient`` serves any number of concurrent tasks in one event loop: it holds no per-request
    state, and requests beyond the pool's ``limit`` wait for a free connection (that wait does not count
    against the connect timeout). Its own session belongs to the loop it was made in; once that loop has ended
    (the next ``asyncio.run()``), the client opens a new one in the new loop. It pickles as its configuration
    (not with a caller's ``session``). Close it with ``await client.close()`` or ``async with``.

    >>> async with AsyncClient() as client:
    ...     print((await client.chat('llama3.2', [{'role': 'user', 'content': 'Hi'}])).message.content)
    """

    # The constructor, ``config`` and the public methods are generated, at the end of the class, from
    # ``_methods.py``; what is written here is the transport they call.

    def _options(
        self, session: Optional[aiohttp.ClientSession], kwargs: Dict[str, Any]
    ) -> Tuple[Any, Connection, Dict[str, Any]]:
        """The constructor's ``**kwargs``: aiohttp's own, and httpx's and requests' names mapped onto them; any other,
        or one that shapes a session next to a caller's ``session``, raises ``TypeError`` (before any value is
        checked)."""
        kwargs = dict(kwargs)
        auth = kwargs.pop('auth', None)
        connection = take_connection_kwargs(kwargs, 'AsyncClient')
        kwargs.update(_aiohttp_kwargs(connection, kwargs))
        unknown = set(kwargs) - _REQUEST_KWARGS - _SESSION_KWARGS
        if unknown:
            raise TypeError(
                f'AsyncClient() got unexpected keyword argument(s) {", ".join(sorted(unknown))}; '
                f'accepted besides the named ones: {_ACCEPTED}'
            )
        if session is not None and _SESSION_KWARGS & set(kwargs):
            raise TypeError(
                f'{", ".join(sorted(_SESSION_KWARGS & set(kwargs)))} configure the session AsyncClient makes '
                'for itself; with session= set them on your own session and its connector'
            )
        return auth, connection, kwargs

    def _spread(self, configs: Tuple[ClientConfig, ...], pool: Optional[Pool]) -> None:
        """Several hosts: one configuration each, and the routing policy (``_pool``)."""
        self._pool = pool
        self._host_configs = configs
        self._affinity: Optional[str] = None
        self._root: Optional[AsyncClient] = None  # a view's client, whose session it uses
        if pool is not None:
            self._views: Dict[int, AsyncClient] = {}
            self._asking: Optional[asyncio.Future[None]] = None  # the round of questions under way
            self._refreshing: Set[asyncio.Future[Any]] = set()  # questions asked in the background

    def _start(
        self,
        config: ClientConfig,
        session: Optional[aiohttp.ClientSession],
        options: Tuple[Any, Connection, Dict[str, Any]],
    ) -> None:
        """The rest of the constructor: what each request sends; the session is made on first use."""
        auth, connection, kwargs = options
        if auth is not None:
            # A header rather than aiohttp's auth=, which refuses to sit next to an Authorization header
            # and whose BasicAuth is deprecated. Like requests' auth=, it replaces any other Authorization,
            # and only on the configured host: ollama.com (web_search, web_fetch) keeps the API key. With
            # several hosts, on each but one given with credentials of its own.
            own = _basic_auth(auth)
            specs = (None,) if self._pool is None else self._pool.specs
            self._host_configs = tuple(
                c
                if spec is not None and 'authorization' in spec.headers
                else dataclasses.replace(c, own_authorization=own)
                for c, spec in zip(self._host_configs, specs)
            )
            config = self._host_configs[0]
        self._config = config
        # What must never show in an error message: the API key and the auth= credentials.
        self._secrets = Secrets(dict.fromkeys(s for c in self._host_configs for s in c.secrets))
        self._session = session
        self._owns_session = session is None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._finalizer: Optional[_Finalizer] = None
        self._closed = False
        self._session_kwargs = {k: kwargs[k] for k in _SESSION_KWARGS if k in kwargs}
        # Everything a request needs besides its method, URL, body and headers, prepared once.
        self._send_kwargs: Dict[str, Any] = {
            'timeout': aiohttp.ClientTimeout(
                total=None,
                # Not ``connect``: aiohttp counts the wait for a free pooled connection in it, which under
                # load is no sign of a dead host.
                sock_connect=config.timeout.connect,
                sock_read=config.timeout.read,
            ),
            'allow_redirects': config.follow_redirects,
            # aiohttp counts the redirect that goes past the limit among those it follows; requests does not.
            'max_redirects': config.max_redirects + 1,
            # A caller's session may raise on failure statuses; the core maps them to our errors instead.
            'raise_for_status': False,
            # With a size limit the body is decoded by _limits, in bounded pieces (see Inflater).
            **({'auto_decompress': False} if config.max_reply_bytes is not None else {}),
            **{k: kwargs[k] for k in _REQUEST_KWARGS if k in kwargs},
        }
        # Proxies that differ by scheme are chosen per request (see _open); one proxy is simply sent.
        self._proxies = connection if len(set((connection.proxies or {}).values())) > 1 else None
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        # The streams still open, for close(); weak, so that a dropped stream is freed as before.
        self._streams: weakref.WeakSet[AsyncStream[Any]] = weakref.WeakSet()

    def __repr__(self) -> str:
        if self._pool is not None:
            return f'AsyncClient(hosts={[c.base_url for c in self._host_configs]!r})'
        return f'AsyncClient({self._config.base_url!r})'

    # --- transport ---------------------------------------------------------------------------------

    def _current_session(self) -> aiohttp.ClientSession:
        if self._root is not None:
            return self._root._current_session()
        if self._closed:
            raise RuntimeError('this AsyncClient is closed; make a new one')
        session = self._session
        loop = asyncio.get_running_loop()
        if self._loop is not None and self._loop is not loop:
            if not self._owns_session:
                raise RuntimeError(
                    'the session= of this AsyncClient was first used in another event loop, and an aiohttp '
                    'session cannot move between loops; make the session and the client in the loop that uses them'
                )
            if not _finished(self._loop):
                raise RuntimeError(
                    'this AsyncClient is in use in another event loop, still running, and its connections belong '
                    'to it; make one AsyncClient per event loop'
                )
            # Its own session, from a loop that has ended (an asyncio.run() before this one): the connections
            # ended with that loop. Let it go and open another here.
            self._drop_session()
            session = None
        if session is None:
            # Made here, not in __init__: a session belongs to the running loop, and there may be none then.
            connector = aiohttp.TCPConnector(
                limit=self._session_kwargs.get('limit', _DEFAULT_LIMIT),
                limit_per_host=self._session_kwargs.get('limit_per_host', 0),
            )
            session = aiohttp.ClientSession(
                connector=connector,
                trust_env=self._session_kwargs.get('trust_env', False),
                trace_configs=[_send_counter()],
            )
            self._session = session
            # Closes the session quietly if the client is collected, or alive at exit, without close().
            self._finalizer = weakref.finalize(self, _release, session, loop)
        self._loop = loop
        return session

    def _drop_session(self) -> None:
        """Release the own session of an ended loop, as a collected client would (see ``_release``)."""
        session, loop, finalizer = self._session, self._loop, self._finalizer
        self._session, self._loop, self._finalizer = None, None, None
        self._streams = weakref.WeakSet()  # they belonged to the old session
        if finalizer is not None:
            finalizer.detach()
        if session is not None and loop is not None:
            _release(session, loop)

    async def _open(
        self,
        method: str,
        url: str,
        body: Body,
        content_type: Optional[str] = None,
        *,
        repeatable: bool = False,
        deadline: Optional[Deadline] = None,
        retry: Optional[Retry] = None,
        watch: Optional[Watch] = None,
        route: Optional[Route] = None,
    ) -> aiohttp.ClientResponse:
        """Send a request and return the response once its headers are in, after the retries the policy
        allows. With a ``route`` (several hosts), ``url`` is the API path and each attempt goes to the
        host the pool picks; the slot is the caller's to give back (:meth:`_finish`)."""
        session = self._current_session()
        attempts = Attempts(retry or self._config.retry, repeatable=repeatable, deadline=deadline)
        path = url
        # aiohttp adds its own User-Agent at send time: one in a caller's session headers is the caller's.
        session_agent = not self._owns_session and 'User-Agent' in session.headers
        headers = self._config.headers_for(url, content_type, session_agent=session_agent)
        # The client's own session reports each connection aiohttp makes (see _Sends); a caller's
        # session cannot, so its resends are inferred from the failure below.
        counted = self._owns_session
        while True:
            if route is not None:
                config = self._host_configs[await self._enter(route, deadline, path)]
                url = config.url(path)
                headers = config.headers_for(url, content_type, session_agent=session_agent)
            # A streamed body is made afresh for each attempt; aiohttp's writer consumes it, and closes it
            # when it is cancelled with the request.
            data = body() if callable(body) else body
            sends = _Sends(attempts) if counted else None
            try:
                kwargs = self._send_kwargs
                if self._proxies is not None:
                    kwargs = {**kwargs, 'proxy': self._proxies.proxy_for(url)}
                response = await session.request(
                    method, url, data=data, headers=headers, trace_request_ctx=sends, **kwargs
                )
            except asyncio.TimeoutError as exc:
                if route is not None:
                    unsent = isinstance(exc, aiohttp.ConnectionTimeoutError)
                    if self._failed(route, 'refused' if unsent else 'timeout', sent=not unsent, repeatable=repeatable):
                        continue
                raise _connect_error(exc, url) from None
            except aiohttp.TooManyRedirects:
                raise too_many_redirects(url, f'more than {self._config.max_redirects} redirects') from None
            except _ResendRefused:
                raise no_reply(url, 'the connection closed before the reply', repeatable=repeatable) from None
            except aiohttp.ClientConnectionError as exc:
                sent = _request_written(exc)
                if route is not None and not _reply_started(exc) and connect_failure_kind(exc) != 'not_http':
                    # Another host instead of this one again: never sent, or safe to repeat.
                    if self._failed(route, 'lost' if sent else 'refused', sent=sent, repeatable=repeatable):
                        continue
                    raise _connect_error(exc, url, repeatable=repeatable) from None
                unseen = not counted and method in _RESENT_BY_AIOHTTP
                if sent and unseen:
                    attempts.resent_by_transport()  # aiohttp already sent it twice
                cost = 2 if unseen else 1
                delay = None if _reply_started(exc) else attempts.after_connect_error(exc, sent=sent, cost=cost)
                if delay is None:
                    raise _connect_error(exc, url, repeatable=repeatable) from None
                await self._sleep(delay)
                continue
            except aiohttp.ClientError as exc:
                raise _connect_error(exc, url) from None
            if route is not None and route.answered(response.status):
                # This host lacks the model, another has it: nothing was done here.
                response.close()
                _wake(route.finish())
                continue
            if response.status >= 400:
                delay = attempts.after_status(response.status, response.headers)
                if delay is not None:
                    response.close()
                    if route is not None:
                        _wake(route.retry())
                    await self._sleep(delay)
                    continue
            if watch is not None:
                watch.retries = attempts.retries
            return response

    # --- several hosts: the transport's half of _pool (waiting, waking); the policy is there -------------

    async def _enter(self, route: Route, deadline: Optional[Deadline], path: str) -> int:
        """The host for the next attempt of ``route``: at once, or after waiting in the pool's queue."""
        pool = self._pool
        assert pool is not None
        _wake(route.enter())
        ticket = route.ticket
        assert ticket is not None
        if ticket.waiting:
            ticket.waker = asyncio.get_running_loop().create_future()
            limit = pool.queue_timeout
            if deadline is not None:
                limit = deadline.remaining() if limit is None else min(limit, deadline.remaining())
            try:
                await asyncio.wait_for(asyncio.shield(ticket.waker), limit)
            except asyncio.TimeoutError:
                pass
            except BaseException:  # cancelled while waiting: leave the queue, or give the slot just got back
                _wake(route.leave())
                raise
            if ticket.waiting:
                _wake(route.leave())
                if deadline is not None and deadline.expired():
                    raise deadline.error(path)
                raise pool.queue_full(limit or 0.0)
            route.placed()
        if ticket.host is None:
            raise pool.no_host(route)
        return ticket.host

    def _failed(self, route: Route, failure: Failure, *, sent: bool, repeatable: bool) -> bool:
        again, moved = route.failed(failure, sent=sent, repeatable=repeatable)
        _wake(moved)
        return again

    def _finish(self, route: Route, failure: Optional[Failure] = None) -> None:
        _wake(route.broke() if failure is not None else route.finish())

    def _stream_ended(self, loop: asyncio.AbstractEventLoop, route: Route, failure: Optional[Failure]) -> None:
        # On the loop's next turn: a stream collected by the garbage collector may end in the middle of a pool
        # operation, which must not be entered again.
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is left to wait for the slot
            loop.call_soon(self._finish, route, failure)

    async def _routed(self, call: Call[R]) -> Union[R, AsyncStream[R]]:
        """A call over the pool: to the host the policy picks, on to another only when that cannot
        duplicate work (see ``_pool``); ``list`` and ``ps`` ask every host."""
        pool = self._pool
        assert pool is not None
        name = call.endpoint.name
        if name in MERGED:
            return await self._merged(call)
        route = pool.route_for(name, call.model, call.lead, self._affinity)
        if call.model is not None:
            await self._refresh()
        path = call.endpoint.path
        deadline = Deadline.start(self._config.timeout.total)
        while True:
            response = None
            try:
                opening = self._open(
                    call.method, path, call.body, repeatable=call.repeatable, deadline=deadline, route=route
                )
                response = await (opening if deadline is None else _within(deadline, path, opening))
                assert route.host is not None
                host = self._host_configs[route.host].base_url
                if call.stream and response.status < 400:
                    limit = self._config.max_reply_bytes
                    stream = AsyncStream(
                        response,
                        call.stream_decoder(self._secrets, self._config.strict_streams, limit),
                        host + path,
                        deadline,
                        None if limit is None else Inflater(response.headers.get('Content-Encoding')),
                        host,
                        functools.partial(self._stream_ended, asyncio.get_running_loop(), route),
                        assembler=assembler_for(call.endpoint.reply),
                    )
                    self._streams.add(stream)
                    return stream
                reading = self._read(response, host + path)
                body = await (reading if deadline is None else _within(deadline, host + path, reading))
            except (IncompleteStreamError, ReadTimeout) as exc:
                # The body was cut, or stalled: a read or an embed goes on to another host, nothing else.
                failure: Failure = 'timeout' if isinstance(exc, ReadTimeout) else 'lost'
                lost = response is not None and call.repeatable
                if lost and self._failed(route, failure, sent=True, repeatable=True):
                    continue
                self._finish(route)
                raise
            except BaseException:
                self._finish(route)
                raise
            self._finish(route)
            reply = call.reply(response.status, body, self._secrets)
            mark(reply, host)
            return reply

    async def _routed_ask(
        self, method: str, url: str, deadline: Optional[Deadline], *, repeatable: bool, retry: Optional[Retry]
    ) -> Tuple[int, bytes]:
        pool = self._pool
        assert pool is not None
        path = url[len(self._config.base_url) :]
        if path.startswith(_api.blob_path('')):
            raise RequestError(
                'blobs belong to one server; with several hosts name it: '
                "client.host('http://...').create_blob(...) or .blob_exists(...)"
            )
        route = pool.route(slotted=False)
        try:
            response = await self._open(
                method, path, None, repeatable=repeatable, deadline=deadline, retry=retry, route=route
            )
            assert route.host is not None
            return response.status, await self._read(response, self._host_configs[route.host].url(path))
        finally:
            self._finish(route)

    def _view(self, index: int) -> AsyncClient:
        """The client of one host of the pool: same session, that host's configuration."""
        view = self._views.get(index)
        if view is None:
            view = self._derive()
            config = self._host_configs[index]
            view._pool = None
            view._config = config
            view._host_configs = (config,)
            self._views[index] = view
        return view

    def _derive(self) -> AsyncClient:
        # The session is made on first use, in the root: a view asks the root for it (_current_session).
        view = copy.copy(self)
        view._root = self
        view._owns_session = False
        view._streams = weakref.WeakSet()
        return view

    async def _ask_host(self, index: int, call: Call[R]) -> R:
        """``call`` to one host, asked once within REFRESH_TIMEOUT: the pool's own questions and merges."""
        view = self._view(index)
        url = view._config.url(call.endpoint.path)
        deadline = Deadline.start(REFRESH_TIMEOUT)
        asking = view._ask('GET', url, deadline, repeatable=True, retry=_api.LIVENESS_RETRY)
        status, body = await (asking if deadline is None else _within(deadline, url, asking))
        return call.reply(status, body, self._secrets)

    async def _refresh(self) -> None:
        """Ask the hosts whose knowledge of their models is stale what they have loaded and installed."""
        pool = self._pool
        assert pool is not None

        async def one(index: int) -> None:
            try:
                loaded = await self._ask_host(index, _api.ps())
                installed = await self._ask_host(index, _api.list_models())
            except Exception as exc:
                _wake(pool.refresh_failed(index, failure_of(exc)))
                return
            except BaseException:  # cancelled (the client closed): asked again next time
                pool.refresh_failed(index, None)
                raise
            pool.refreshed(index, model_names(loaded.models), model_names(installed.models))

        due = pool.due_refreshes()
        first = [i for i in due if pool.never_asked(i)]
        later = [i for i in due if i not in first]
        if later:
            # What the pool knows already is good enough for this request: the news comes in the background.
            task = asyncio.ensure_future(asyncio.gather(*(one(i) for i in later)))
            self._refreshing.add(task)
            task.add_done_callback(self._refreshing.discard)
        if not first:
            answer = self._asking if pool.asking_first() else None
            if answer is not None:
                # Another task is asking a host for the first time: its answer, rather than a guess.
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(answer), REFRESH_TIMEOUT)
            return
        self._asking = asking = asyncio.get_running_loop().create_future()
        try:
            await asyncio.gather(*(one(i) for i in first))
        finally:
            if not asking.done():
                asking.set_result(None)

    async def _merged(self, call: Call[R]) -> R:
        """``list()`` or ``ps()`` of every host that is not cooling down, each entry marked with its host."""
        pool = self._pool
        assert pool is not None
        usable = pool.usable()
        answers = await asyncio.gather(*(self._ask_host(i, call) for i in usable), return_exceptions=True)
        replies: List[Any] = []
        error: Optional[BaseException] = None
        for index, reply in zip(usable, answers):
            if isinstance(reply, BaseException):
                if not isinstance(reply, Exception):
                    raise reply
                error = reply
                _wake(pool.refresh_failed(index, failure_of(reply)))
                continue
            host = self._host_configs[index].base_url
            for entry in reply.models:  # type: ignore[attr-defined]
                mark(entry, host)
            names = model_names(reply.models)  # type: ignore[attr-defined]
            loaded = call.endpoint.name == 'ps'
            pool.refreshed(index, names if loaded else None, None if loaded else names)
            replies.append(reply)
        if not replies:
            raise error if error is not None else pool.no_host(pool.route())
        return cast(R, type(replies[0])(models=[entry for reply in replies for entry in reply.models]))

    # --- several hosts: what callers see ---------------------------------------------------------------

    @property
    def hosts(self) -> Tuple[HostStatus, ...]:
        """With several hosts (``hosts=``), each host's state now: healthy or cooling down (and for how
        long), requests in flight, models loaded and installed as last heard. Empty for one host.

        >>> [(h.url, h.healthy, h.in_flight) for h in client.hosts]
        """
        return () if self._pool is None else self._pool.status()

    @property
    def _capacity(self) -> Optional[int]:
        """How many requests this client runs at once: the slots of its healthy hosts, or ``None`` for a
        single-host client (no limit of its own; the server queues)."""
        return None if self._pool is None else self._pool.capacity()

    def host(self, url: str) -> AsyncClient:
        """This client bound to one of its hosts, for what must go to a server you name: ``pull``,
        ``push``, ``create``, ``copy``, ``delete``, ``create_blob``, ``signout`` (a client with several
        hosts refuses them), or to ask one server. It shares the client's connections and settings;
        closing it closes only the streams it opened. Raises ``RequestError`` when ``url`` is not one of
        the client's hosts.

        >>> await client.host('http://gpu2:11434').pull('llama3.2')
        """
        if self._pool is None:
            if parse_host(url) != self._config.base_url:
                raise RequestError(f"{parse_host(url)} is not this client's host ({self._config.base_url})")
            return self
        return self._view(self._pool.index_of(url))

    def affinity(self, key: str) -> AsyncClient:
        """This client with an affinity key: with several hosts, every call through it goes to the host
        that served ``key`` before (a conversation id), waiting for it while it is healthy, so the
        server's prompt cache is reused. Without a key, a conversation is kept on its host while that host
        has a free slot. Raises ``RequestError`` for an empty key.

        >>> await client.affinity('conversation-42').chat('llama3.2', messages)
        """
        if not isinstance(key, str) or not key:
            raise RequestError(f'an affinity key is a non-empty string, not {key!r}')
        view = self._derive()
        view._affinity = key
        return view

    def _each_host(self) -> List[AsyncClient]:
        """The client of each host, in order (this client, for one host)."""
        return [self] if self._pool is None else [self._view(i) for i in range(len(self._host_configs))]

    async def _pull_each(
        self, views: Sequence[AsyncClient], model: str, insecure: bool
    ) -> AsyncIterator[ProgressResponse]:
        for view in views:
            async with await view.pull(model, insecure=insecure, stream=True) as progress:
                async for line in progress:
                    mark(line, view._config.base_url)
                    yield line

    async def _read(self, response: aiohttp.ClientResponse, url: str) -> bytes:
        # aiohttp closes the connection itself when read() fails or is cancelled.
        watch = _StallWatch(response)
        watch.waiting = True
        limit = self._config.max_reply_bytes
        try:
            if limit is None:
                return await response.read()
            inflater = Inflater(response.headers.get('Content-Encoding'))
            capped = BodyLimit(limit, url)
            while True:
                data = await response.content.readany()
                if not data:
                    break
                for piece in inflater.pieces(data):
                    capped.add(piece)
            for piece in inflater.flush():
                capped.add(piece)
            return capped.body()
        except ProtocolError:
            response.close()
            raise  # ours: too large, or badly encoded
        except Exception as exc:  # see AsyncStream._more: parser errors are not all ClientErrors
            raise _read_error(exc, url) from None
        finally:
            watch.stop()

    async def _one(self, call: Call[R]) -> R:
        if self._pool is not None and call.endpoint.path.startswith('/'):
            return await self._routed(call)  # type: ignore[return-value]
        url = call.url(self._config)
        deadline = Deadline.start(self._config.timeout.total)
        watch = self._observer.begin(call.endpoint.name, call.method, url, call.body, False)
        if deadline is not None:
            return await _within(deadline, url, self._one_within(call, url, deadline, watch))
        return await self._one_within(call, url, None, watch)

    async def _one_within(self, call: Call[R], url: str, deadline: Optional[Deadline], watch: Optional[Watch]) -> R:
        return await self._reply(call, await self._send(call, url, deadline, watch), url, watch)

    async def _send(
        self, call: Call[R], url: str, deadline: Optional[Deadline], watch: Optional[Watch]
    ) -> aiohttp.ClientResponse:
        """``_open`` for ``call``; watched, with its hooks called (and awaited) and its watch told how it went."""
        if watch is None:
            return await self._open(call.method, url, call.body, repeatable=call.repeatable, deadline=deadline)
        try:
            if watch.request_hooks:
                await _run_hooks(watch.request_hooks, watch.request())
            response = await self._open(
                call.method, url, call.body, repeatable=call.repeatable, deadline=deadline, watch=watch
            )
            view = watch.replied(response.status, response.headers, watch.retries)
            if view is not None:
                try:
                    await _run_hooks(watch.response_hooks, view)
                except BaseException:
                    response.close()
                    raise
        except BaseException as exc:
            watch.failed(exc)
            raise
        return response

    async def _reply(self, call: Call[R], response: aiohttp.ClientResponse, url: str, watch: Optional[Watch]) -> R:
        """Read and decode the whole reply to ``call``."""
        if watch is None:
            return call.reply(response.status, await self._read(response, url), self._secrets)
        try:
            body = await self._read(response, url)
            reply = call.reply(response.status, body, self._secrets)
        except BaseException as exc:
            watch.failed(exc)
            raise
        watch.finished(reply, body)
        return reply

    async def _many(self, call: Call[R]) -> Union[R, AsyncStream[R]]:
        if not call.stream:
            return await self._one(call)
        if self._pool is not None:
            return await self._routed(call)
        url = call.url(self._config)
        deadline = Deadline.start(self._config.timeout.total)
        watch = self._observer.begin(call.endpoint.name, call.method, url, call.body, True)
        opening = self._send(call, url, deadline, watch)
        response = await (opening if deadline is None else _within(deadline, url, opening))
        if response.status >= 400:
            reading = self._reply(call, response, url, watch)
            return await (reading if deadline is None else _within(deadline, url, reading))
        limit = self._config.max_reply_bytes
        stream = AsyncStream(
            response,
            call.stream_decoder(self._secrets, self._config.strict_streams, limit),
            url,
            deadline,
            None if limit is None else Inflater(response.headers.get('Content-Encoding')),
            assembler=assembler_for(call.endpoint.reply),
            watch=watch,
        )
        self._streams.add(stream)
        return stream

    async def _create_blob(
        self, path: Union[str, os.PathLike[str]], progress: Optional[Callable[[int, int], None]]
    ) -> str:
        """See :meth:`create_blob`."""
        digest = await _in_thread(_api.blob_digest, path)
        url = self._config.url(_api.blob_path(digest))
        # Timeout(total=) bounds the requests, from here: the hashing before is local work, not a wait.
        deadline = Deadline.start(self._config.timeout.total)
        upload = self._upload_blob(url, path, progress, deadline)
        await (upload if deadline is None else _within(deadline, url, upload))
        return digest

    async def _upload_blob(
        self, url: str, path: Any, progress: Optional[_api.BlobProgress], deadline: Optional[Deadline]
    ) -> None:
        status, _ = await self._ask('HEAD', url, deadline, repeatable=_api.BLOB_REPEATABLE)
        if _api.check_blob_exists(status):
            return
        upload = await self._open(
            'POST',
            url,
            lambda: _file_pieces(path, progress),
            _api.BLOB_CONTENT_TYPE,
            repeatable=_api.BLOB_REPEATABLE,
            deadline=deadline,
        )
        _api.check_blob_created(upload.status, await self._read(upload, url))

    async def _ask(
        self, method: str, url: str, deadline: Optional[Deadline], *, repeatable: bool, retry: Optional[Retry] = None
    ) -> Tuple[int, bytes]:
        """A request without a body, and its whole reply: status and body."""
        if self._pool is not None:
            return await self._routed_ask(method, url, deadline, repeatable=repeatable, retry=retry)
        response = await self._open(method, url, None, repeatable=repeatable, deadline=deadline, retry=retry)
        return response.status, await self._read(response, url)

    async def _ask_within(
        self, method: str, url: str, *, repeatable: bool, retry: Optional[Retry] = None
    ) -> Tuple[int, bytes]:
        """:meth:`_ask` within the call's total deadline (``Timeout(total=)``), when there is one."""
        deadline = Deadline.start(self._config.timeout.total)
        asking = self._ask(method, url, deadline, repeatable=repeatable, retry=retry)
        return await (asking if deadline is None else _within(deadline, url, asking))

    async def close(self) -> None:
        """Close the streams this client opened that are still open, and the client's own session and its
        connections; a caller's session is left open.

        Closing twice is harmless; a closed client refuses further requests.
        """
        self._closed = True
        if self._finalizer is not None:
            self._finalizer.detach()
        streams, self._streams = list(self._streams), weakref.WeakSet()
        for stream in streams:
            stream._abort()  # a caller's session stays open, but the streams of this client end here
        if self._pool is not None and self._root is None:
            for task in list(self._refreshing):
                task.cancel()
            for view in list(self._views.values()):
                await view.close()  # the streams opened through client.host(url)
        session, self._session = self._session, None
        if self._owns_session and session is not None:
            await session.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _parallelism(self) -> int:
        """How many servers this client spreads its requests over: the batch runners (``embed_many`` and the
        others) keep ``PER_HOST`` requests in flight for each by default, and the pool routes them."""
        return len(self._host_configs)

    # --- the API: generated from _methods.py by `python -m tests._twins`; edit it there, not here ---

    def __init__(
        self,
        host: Optional[str] = None,
        *,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Any = _DEFAULT_TIMEOUT,
        session: Optional[aiohttp.ClientSession] = None,
        retries: Union[int, Retry] = 2,
        follow_redirects: bool = True,
        strict_streams: bool = False,
        max_reply_bytes: Optional[int] = None,
        hosts: Optional[Sequence[HostLike]] = None,
        per_host: int = DEFAULT_PER_HOST,
        queue_timeout: Optional[float] = DEFAULT_QUEUE_TIMEOUT,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        think: Optional[Think] = None,
        format: Optional[Format] = None,
        event_hooks: Optional[Mapping[str, Sequence[Hook]]] = None,
        **kwargs: Any,
    ) -> None:
        # The named parameters are policy, the same for both clients: they go into the config (the class
        # docstring of each twin describes them). ``session`` and ``**kwargs`` are the transport's; a wrong name
        # among them is reported before any value is checked.
        transport = self._options(session, kwargs)
        configs, pool = configure(
            host,
            hosts,
            headers,
            timeout,
            retries,
            follow_redirects,
            strict_streams=strict_streams,
            max_reply_bytes=max_reply_bytes,
            per_host=per_host,
            queue_timeout=queue_timeout,
            defaults=_api.defaults(options, keep_alive, think, format),
        )
        # What a pickled copy is made from (see _travel): the configuration (the host as it resolved), never the
        # session.
        self._arguments = _travel.arguments(
            session, host=configs[0].base_url if hosts is None else host, hosts=hosts, headers=headers,
            timeout=timeout, retries=retries, follow_redirects=follow_redirects, strict_streams=strict_streams,
            max_reply_bytes=max_reply_bytes, per_host=per_host, queue_timeout=queue_timeout, options=options,
            keep_alive=keep_alive, think=think, format=format, event_hooks=event_hooks, **kwargs,
        )  # fmt: skip
        self._spread(configs, pool)
        self._start(configs[0], session, transport)
        # Who watches each call (hooks, the logger, OpenTelemetry); told the credentials to keep out of logs.
        self._observer = Observer(event_hooks, self._secrets, configs[0].headers_for)

    def __reduce__(self) -> Tuple[Any, ...]:
        # Pickled as its configuration; the copy opens its own session. TypeError for a caller's session.
        return _travel.reduce(self, self._arguments)

    def __copy__(self) -> AsyncClient:
        # copy.copy stays the shallow copy it was before __reduce__ (the pool's per-host views share the session).
        return _travel.shallow_copy(self)

    @property
    def config(self) -> ClientConfig:
        """The client's configuration (host, headers, timeouts, retries)."""
        return self._config

    @overload
    async def generate(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        suffix: Optional[str] = None,
        *,
        system: Optional[str] = None,
        template: Optional[str] = None,
        context: Optional[Sequence[int]] = None,
        stream: Literal[False] = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        raw: Optional[bool] = None,
        format: Optional[Format] = None,
        images: Optional[Sequence[ImageLike]] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        steps: Optional[int] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> GenerateResponse: ...
    @overload
    async def generate(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        suffix: Optional[str] = None,
        *,
        system: Optional[str] = None,
        template: Optional[str] = None,
        context: Optional[Sequence[int]] = None,
        stream: Literal[True],
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        raw: Optional[bool] = None,
        format: Optional[Format] = None,
        images: Optional[Sequence[ImageLike]] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        steps: Optional[int] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> AsyncStream[GenerateResponse]: ...
    @overload
    async def generate(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        suffix: Optional[str] = None,
        *,
        system: Optional[str] = None,
        template: Optional[str] = None,
        context: Optional[Sequence[int]] = None,
        stream: bool = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        raw: Optional[bool] = None,
        format: Optional[Format] = None,
        images: Optional[Sequence[ImageLike]] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        steps: Optional[int] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> Union[GenerateResponse, AsyncStream[GenerateResponse]]: ...
    async def generate(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        suffix: Optional[str] = None,
        *,
        system: Optional[str] = None,
        template: Optional[str] = None,
        context: Optional[Sequence[int]] = None,
        stream: bool = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        raw: Optional[bool] = None,
        format: Optional[Format] = None,
        images: Optional[Sequence[ImageLike]] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        steps: Optional[int] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> Union[GenerateResponse, AsyncStream[GenerateResponse]]:
        """Generate a completion for ``prompt`` (``POST /api/generate``).

        Returns a ``GenerateResponse``, or with ``stream=True`` an ``AsyncStream`` of them. Raises
        ``ResponseError`` when the server refuses (404 for an unknown model), ``RequestError`` for bad
        arguments, ``ConnectError`` when Ollama cannot be reached.

        >>> (await client.generate('llama3.2', 'Why is the sky blue?')).response
        """
        # Written out, not (...): the client's defaults (Client(options=...)) go with the call's own values.
        return await self._many(
            _api.generate(
                model,
                prompt,
                suffix,
                system=system,
                template=template,
                context=context,
                stream=stream,
                think=think,
                logprobs=logprobs,
                top_logprobs=top_logprobs,
                raw=raw,
                format=format,
                images=images,
                options=options,
                keep_alive=keep_alive,
                width=width,
                height=height,
                steps=steps,
                truncate=truncate,
                shift=shift,
                _debug_render_only=_debug_render_only,
                defaults=self._config.defaults,
            )
        )

    @overload
    async def chat(
        self,
        model: str = '',
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        tools: Optional[Sequence[ToolLike]] = None,
        stream: Literal[False] = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        format: Optional[Format] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> ChatResponse: ...
    @overload
    async def chat(
        self,
        model: str = '',
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        tools: Optional[Sequence[ToolLike]] = None,
        stream: Literal[True],
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        format: Optional[Format] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> AsyncStream[ChatResponse]: ...
    @overload
    async def chat(
        self,
        model: str = '',
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        tools: Optional[Sequence[ToolLike]] = None,
        stream: bool = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        format: Optional[Format] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> Union[ChatResponse, AsyncStream[ChatResponse]]: ...
    async def chat(
        self,
        model: str = '',
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        tools: Optional[Sequence[ToolLike]] = None,
        stream: bool = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        format: Optional[Format] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> Union[ChatResponse, AsyncStream[ChatResponse]]:
        """Chat with a model (``POST /api/chat``).

        ``messages`` are dicts or ``Message``; ``tools`` are dicts, ``Tool`` or plain functions; ``format``
        is ``'json'``, a JSON schema, or a dataclass to derive one from. Returns a ``ChatResponse``, or with
        ``stream=True`` an ``AsyncStream`` of them. Raises ``ResponseError``, ``RequestError``, ``ConnectError``.

        >>> (await client.chat('llama3.2', [{'role': 'user', 'content': 'Hi'}])).message.content
        """
        return await self._many(
            _api.chat(
                model,
                messages,
                tools=tools,
                stream=stream,
                think=think,
                logprobs=logprobs,
                top_logprobs=top_logprobs,
                format=format,
                options=options,
                keep_alive=keep_alive,
                truncate=truncate,
                shift=shift,
                _debug_render_only=_debug_render_only,
                defaults=self._config.defaults,
            )
        )

    @overload
    async def run_tools(
        self,
        model: str,
        messages: Sequence[MessageLike],
        tools: ToolsLike,
        *,
        max_rounds: int = 10,
        parallel: bool = True,
        on_error: OnError = 'report',
        stream: Literal[False] = False,
        **chat_options: Any,
    ) -> ToolRun: ...
    @overload
    async def run_tools(
        self,
        model: str,
        messages: Sequence[MessageLike],
        tools: ToolsLike,
        *,
        max_rounds: int = 10,
        parallel: bool = True,
        on_error: OnError = 'report',
        stream: Literal[True],
        **chat_options: Any,
    ) -> AsyncToolRunStream: ...
    @overload
    async def run_tools(
        self,
        model: str,
        messages: Sequence[MessageLike],
        tools: ToolsLike,
        *,
        max_rounds: int = 10,
        parallel: bool = True,
        on_error: OnError = 'report',
        stream: bool = False,
        **chat_options: Any,
    ) -> Union[ToolRun, AsyncToolRunStream]: ...
    async def run_tools(
        self,
        model: str,
        messages: Sequence[MessageLike],
        tools: ToolsLike,
        *,
        max_rounds: int = 10,
        parallel: bool = True,
        on_error: OnError = 'report',
        stream: bool = False,
        **chat_options: Any,
    ) -> Union[ToolRun, AsyncToolRunStream]:
        """Chat, run the functions the model asks for, send their results back, until it answers.

        ``tools`` are functions, ``(Tool or tool dict, function)`` pairs, or a mapping of name -> function.
        ``chat_options`` are those of :meth:`chat` (``think``, ``format``, ``options``, ``keep_alive`` ...),
        sent with every round. Returns a ``ToolRun``, or with ``stream=True`` an ``AsyncToolRunStream`` of
        chunks and tool events. Each call's arguments are checked against the tool's schema first; a call that
        fails is reported to the model as its result (``on_error='raise'``: raises ``ToolCallError``). With
        ``Client``, the calls of one reply run at once, each in a worker thread; with ``parallel=False`` one by
        one in the calling thread. With ``AsyncClient``, tools may also be ``async def`` functions, and the
        calls of one reply run concurrently unless ``parallel=False``: coroutines in the event loop, plain
        functions in the loop's default executor. Raises ``MaxRoundsError`` when the model still asks for tools
        after ``max_rounds`` replies, ``RequestError`` for tools that cannot be run, ``TypeError`` for a
        function that cannot be described or an unknown chat option, and what :meth:`chat` raises.

        >>> (await client.run_tools('llama3.2', [{'role': 'user', 'content': 'Weather in Rome?'}], [get_weather])).final
        """
        from ._tool_runner_async import run_tools

        return await run_tools(
            self.chat,
            model,
            messages,
            tools,
            max_rounds=max_rounds,
            parallel=parallel,
            on_error=on_error,
            stream=stream,
            **chat_options,
        )

    async def embed(
        self,
        model: str = '',
        input: Union[str, Sequence[str]] = '',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> EmbedResponse:
        """Embed one text or a list of texts (``POST /api/embed``); ``r.embeddings[i]`` is input ``i``'s vector.

        >>> (await client.embed('all-minilm', ['one', 'two'])).embeddings
        """
        return await self._one(
            _api.embed(model, input, truncate, options, keep_alive, dimensions, self._config.defaults)
        )

    async def embeddings(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
    ) -> EmbeddingsResponse:
        """The legacy single-text embedding (``POST /api/embeddings``); prefer :meth:`embed`."""
        return await self._one(_api.embeddings(model, prompt, options, keep_alive, self._config.defaults))

    # --- work over many inputs: the batch runners (_batch_sync, _batch_async) sit above the client ---

    async def embed_many(
        self,
        model: str,
        inputs: Iterable[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> EmbedManyResponse:
        """Embed many texts: ``r.embeddings[i]`` is ``inputs[i]``'s vector, the counters summed over the requests.

        ``inputs`` go ``batch_size`` to a request, at most ``concurrency`` requests at once (default: 2 per
        server), on a bounded thread pool (``Client``) or as tasks (``AsyncClient``) sharing this client's
        connections; an iterator is read as the work goes, never listed. A batch refused for one input (longer
        than the context with ``truncate=False``) is split until that input is alone, and only it fails:
        ``on_error='raise'`` raises ``BatchItemError`` naming its index, ``'return'`` puts the exception in its
        slot. ``progress(done, total)`` hears of each batch. Busy replies (503) are retried by the client's
        policy and then halve the requests in flight. Raises ``RequestError`` for bad arguments, and what
        :meth:`embed` raises.

        >>> (await client.embed_many('all-minilm', (line for line in open('corpus.txt')))).embeddings[0]
        """
        from ._batch_async import embed_many

        return await embed_many(
            self,
            model,
            inputs,
            batch_size=batch_size,
            concurrency=concurrency,
            progress=progress,
            on_error=on_error,
            truncate=truncate,
            options=options,
            keep_alive=keep_alive,
            dimensions=dimensions,
        )

    async def iter_embed_many(
        self,
        model: str,
        inputs: Iterable[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> AsyncBatchResults[Union[List[float], BaseException]]:
        """:meth:`embed_many`, one embedding at a time in input order as the batches come back: for writing out
        as you go (``AsyncClient``: await it for the async iterator). At most ``concurrency * batch_size`` inputs
        are held at once. Closing the iterator early (``close()``, ``aclose()``) sends no more: ``Client`` waits
        for the requests in flight, ``AsyncClient`` cancels them.

        >>> async for vector in await client.iter_embed_many('all-minilm', texts): store(vector)
        """
        from ._batch_async import iter_embed_many

        return iter_embed_many(
            self,
            model,
            inputs,
            batch_size=batch_size,
            concurrency=concurrency,
            progress=progress,
            on_error=on_error,
            truncate=truncate,
            options=options,
            keep_alive=keep_alive,
            dimensions=dimensions,
        )

    @overload
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **chat_options: Any,
    ) -> List[ChatResponse]: ...
    @overload
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **chat_options: Any,
    ) -> List[Union[ChatResponse, BaseException]]: ...
    @overload
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> List[Union[ChatResponse, BaseException]]: ...
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> Union[List[ChatResponse], List[Union[ChatResponse, BaseException]]]:
        """One :meth:`chat` per conversation, at most ``concurrency`` at once; the replies in input order.

        ``chat_options`` are :meth:`chat`'s (``tools``, ``format``, ``think``, ``options`` ...), sent with every
        conversation. Errors, progress and busy servers as in :meth:`embed_many`. Raises ``TypeError`` for an
        unknown option, ``RequestError`` for bad arguments, and what :meth:`chat` raises.

        >>> replies = await client.chat_many('llama3.2', [[{'role': 'user', 'content': q}] for q in questions])
        """
        from ._batch_async import collect, iter_many

        return await collect(
            iter_many(
                self,
                'chat',
                model,
                conversations,
                concurrency=concurrency,
                progress=progress,
                on_error=on_error,
                **chat_options,
            )
        )

    @overload
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **chat_options: Any,
    ) -> AsyncBatchResults[ChatResponse]: ...
    @overload
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **chat_options: Any,
    ) -> AsyncBatchResults[Union[ChatResponse, BaseException]]: ...
    @overload
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> AsyncBatchResults[Union[ChatResponse, BaseException]]: ...
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> AsyncBatchResults[Union[ChatResponse, BaseException]]:
        """:meth:`chat_many`, one reply at a time in input order, as they come."""
        from ._batch_async import iter_many

        return iter_many(
            self,
            'chat',
            model,
            conversations,
            concurrency=concurrency,
            progress=progress,
            on_error=on_error,
            **chat_options,
        )

    @overload
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **generate_options: Any,
    ) -> List[GenerateResponse]: ...
    @overload
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **generate_options: Any,
    ) -> List[Union[GenerateResponse, BaseException]]: ...
    @overload
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> List[Union[GenerateResponse, BaseException]]: ...
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> Union[List[GenerateResponse], List[Union[GenerateResponse, BaseException]]]:
        """One :meth:`generate` per prompt, at most ``concurrency`` at once; the replies in input order.

        ``generate_options`` are :meth:`generate`'s (``system``, ``format``, ``think``, ``options`` ...). Errors,
        progress and busy servers as in :meth:`embed_many`; raises as :meth:`chat_many` does.

        >>> [r.response for r in await client.generate_many('llama3.2', ['Why is the sky blue?', 'Why?'])]
        """
        from ._batch_async import collect, iter_many

        return await collect(
            iter_many(
                self,
                'generate',
                model,
                prompts,
                concurrency=concurrency,
                progress=progress,
                on_error=on_error,
                **generate_options,
            )
        )

    @overload
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **generate_options: Any,
    ) -> AsyncBatchResults[GenerateResponse]: ...
    @overload
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **generate_options: Any,
    ) -> AsyncBatchResults[Union[GenerateResponse, BaseException]]: ...
    @overload
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> AsyncBatchResults[Union[GenerateResponse, BaseException]]: ...
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> AsyncBatchResults[Union[GenerateResponse, BaseException]]:
        """:meth:`generate_many`, one reply at a time in input order, as they come."""
        from ._batch_async import iter_many

        return iter_many(
            self,
            'generate',
            model,
            prompts,
            concurrency=concurrency,
            progress=progress,
            on_error=on_error,
            **generate_options,
        )

    @overload
    async def pull(self, model: str, *, insecure: bool = False, stream: Literal[False] = False) -> ProgressResponse: ...
    @overload
    async def pull(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> AsyncStream[ProgressResponse]: ...
    @overload
    async def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]: ...
    async def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]:
        """Download a model (``POST /api/pull``); with ``stream=True``, progress lines as they come.

        >>> async for p in await client.pull('llama3.2', stream=True): print(p.status, p.completed, p.total)
        """
        return await self._many(_api.pull(model, insecure=insecure, stream=stream))

    @overload
    async def pull_all(
        self, model: str, *, insecure: bool = False, stream: Literal[False] = False
    ) -> Dict[str, ProgressResponse]: ...
    @overload
    async def pull_all(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> AsyncIterator[ProgressResponse]: ...
    @overload
    async def pull_all(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[Dict[str, ProgressResponse], AsyncIterator[ProgressResponse]]: ...
    async def pull_all(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[Dict[str, ProgressResponse], AsyncIterator[ProgressResponse]]:
        """Pull ``model`` to every host of a client with several (``hosts=``), one after the other: a dict of
        each host's last progress line by host URL, or with ``stream=True`` every host's progress lines in
        turn, each telling its host (``ollama_lite.host_of(line)``). Raises as ``pull`` does, at the first host
        that fails; the hosts before it keep the model. With one host, that host.

        >>> await client.pull_all('llama3.2')
        """
        views = self._each_host()
        if stream:
            return self._pull_each(views, model, insecure)
        done: Dict[str, ProgressResponse] = {}
        for view in views:
            reply = await view.pull(model, insecure=insecure)
            mark(reply, view.config.base_url)
            done[view.config.base_url] = reply
        return done

    @overload
    async def push(self, model: str, *, insecure: bool = False, stream: Literal[False] = False) -> ProgressResponse: ...
    @overload
    async def push(
        self, model: str, *, insecure: bool = False, stream: Literal[True]
    ) -> AsyncStream[ProgressResponse]: ...
    @overload
    async def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]: ...
    async def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]:
        """Upload a model to a registry (``POST /api/push``); with ``stream=True``, progress lines."""
        return await self._many(_api.push(model, insecure=insecure, stream=stream))

    @overload
    async def create(
        self,
        model: str,
        quantize: Optional[str] = None,
        from_: Optional[str] = None,
        files: Optional[Dict[str, str]] = None,
        adapters: Optional[Dict[str, str]] = None,
        template: Optional[str] = None,
        license: Union[str, List[str], None] = None,
        system: Optional[str] = None,
        parameters: Optional[OptionsLike] = None,
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        stream: Literal[False] = False,
        renderer: Optional[str] = None,
        parser: Optional[str] = None,
        draft_files: Optional[Dict[str, str]] = None,
        draft_quantize: Optional[str] = None,
        remote_host: Optional[str] = None,
        requires: Optional[str] = None,
        info: Optional[Mapping[str, Any]] = None,
    ) -> ProgressResponse: ...
    @overload
    async def create(
        self,
        model: str,
        quantize: Optional[str] = None,
        from_: Optional[str] = None,
        files: Optional[Dict[str, str]] = None,
        adapters: Optional[Dict[str, str]] = None,
        template: Optional[str] = None,
        license: Union[str, List[str], None] = None,
        system: Optional[str] = None,
        parameters: Optional[OptionsLike] = None,
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        stream: Literal[True],
        renderer: Optional[str] = None,
        parser: Optional[str] = None,
        draft_files: Optional[Dict[str, str]] = None,
        draft_quantize: Optional[str] = None,
        remote_host: Optional[str] = None,
        requires: Optional[str] = None,
        info: Optional[Mapping[str, Any]] = None,
    ) -> AsyncStream[ProgressResponse]: ...
    @overload
    async def create(
        self,
        model: str,
        quantize: Optional[str] = None,
        from_: Optional[str] = None,
        files: Optional[Dict[str, str]] = None,
        adapters: Optional[Dict[str, str]] = None,
        template: Optional[str] = None,
        license: Union[str, List[str], None] = None,
        system: Optional[str] = None,
        parameters: Optional[OptionsLike] = None,
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        stream: bool = False,
        renderer: Optional[str] = None,
        parser: Optional[str] = None,
        draft_files: Optional[Dict[str, str]] = None,
        draft_quantize: Optional[str] = None,
        remote_host: Optional[str] = None,
        requires: Optional[str] = None,
        info: Optional[Mapping[str, Any]] = None,
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]: ...
    async def create(
        self,
        model: str,
        quantize: Optional[str] = None,
        from_: Optional[str] = None,
        files: Optional[Dict[str, str]] = None,
        adapters: Optional[Dict[str, str]] = None,
        template: Optional[str] = None,
        license: Union[str, List[str], None] = None,
        system: Optional[str] = None,
        parameters: Optional[OptionsLike] = None,
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        stream: bool = False,
        renderer: Optional[str] = None,
        parser: Optional[str] = None,
        draft_files: Optional[Dict[str, str]] = None,
        draft_quantize: Optional[str] = None,
        remote_host: Optional[str] = None,
        requires: Optional[str] = None,
        info: Optional[Mapping[str, Any]] = None,
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]:
        """Create a model from another (``from_``) or from uploaded blobs (``files``) (``POST /api/create``).

        >>> await client.create('mario', from_='llama3.2', system='You are Mario.')
        """
        return await self._many(
            _api.create(
                model,
                quantize,
                from_,
                files,
                adapters,
                template,
                license,
                system,
                parameters,
                messages,
                stream=stream,
                renderer=renderer,
                parser=parser,
                draft_files=draft_files,
                draft_quantize=draft_quantize,
                remote_host=remote_host,
                requires=requires,
                info=info,
            )
        )

    async def create_blob(
        self, path: Union[str, os.PathLike[str]], *, progress: Optional[Callable[[int, int], None]] = None
    ) -> str:
        """Upload a file as a blob unless the server has it already; return its ``sha256:<hex>`` digest.

        A ``HEAD`` asks first; any answer but 200 (404, a proxy's 405) leads to the upload.

        The file is hashed and uploaded piece by piece, never read whole into memory (``AsyncClient`` reads the
        disk in a worker thread, so the event loop keeps running); ``progress``, if given, is called with the
        bytes sent so far and the file's size as the upload goes (not at all when the server has the blob).
        Raises ``FileNotFoundError`` for a missing file and ``ResponseError`` when the server refuses it.

        >>> await client.create_blob('model.gguf', progress=lambda sent, size: print(f'{sent}/{size}'))
        """
        return await self._create_blob(path, progress)

    async def delete(self, model: str) -> StatusResponse:
        """Delete a model (``DELETE /api/delete``); ``status`` is ``'success'``, else ``ResponseError``."""
        return await self._one(_api.delete(model))

    async def copy(self, source: str, destination: str) -> StatusResponse:
        """Copy a model under a new name (``POST /api/copy``)."""
        return await self._one(_api.copy(source, destination))

    async def list(self) -> ListResponse:
        """The models available locally (``GET /api/tags``)."""
        return await self._one(_api.list_models())

    async def show(
        self,
        model: str,
        *,
        verbose: Optional[bool] = None,
        system: Optional[str] = None,
        options: Optional[OptionsLike] = None,
    ) -> ShowResponse:
        """Details of a model: template, parameters, capabilities, model info (``POST /api/show``).

        ``system`` and ``options`` show the model as a request with them would run it (its Modelfile and
        parameters with them applied). Raises ``ResponseError`` (404) for a model that is not installed.
        """
        return await self._one(_api.show(model, verbose=verbose, system=system, options=options))

    async def ps(self) -> ProcessResponse:
        """The models loaded in memory now (``GET /api/ps``)."""
        return await self._one(_api.ps())

    async def load(self, model: str, *, keep_alive: Optional[KeepAlive] = None) -> GenerateResponse:
        """Load ``model`` into memory now, so the first real request does not wait for it (``POST /api/generate``
        with no prompt); it stays for ``keep_alive`` (seconds, ``'10m'``, ``-1`` for ever; else the client's
        ``keep_alive``, else the server's 5 minutes). The reply has ``done_reason == 'load'``.

        Raises ``ResponseError`` (404) for a model that is not installed.

        >>> await client.load('llama3.2', keep_alive='1h')
        """
        return await self._one(_api.load(model, keep_alive, self._config.defaults))

    async def unload(self, model: str) -> None:
        """Take ``model`` out of memory now, as ``ollama stop`` does: it asks ``show`` first, then sends a generate
        request with no prompt and ``keep_alive`` ``"0s"``; a cloud model (one ``show`` names a remote host
        for, or a ``:cloud`` name) is left alone. Unloading a model that is not loaded is harmless.

        Raises ``ResponseError`` (404) for a model that is not installed.

        >>> await client.unload('llama3.2')
        """
        if not _api.runs_remotely(model, await self._one(_api.show(model))):
            await self._one(_api.unload(model))

    async def ensure_model(
        self, model: str, *, pull: bool = True, progress: Optional[Callable[[ProgressResponse], None]] = None
    ) -> ShowResponse:
        """Make sure the server has ``model``: ``show`` it, and only when the server answers that it does not
        have it, pull it (``progress``, if given, is called with each progress update of the pull). Returns what
        ``show`` says of the model.

        With ``pull=False`` nothing is ever pulled: a missing model raises the server's ``ResponseError``
        (404, "model 'x' not found"). Raises what :meth:`pull` raises when the pull fails.

        >>> (await client.ensure_model('llama3.2', progress=lambda p: print(p.status))).context_length
        """
        try:
            return await self._one(_api.show(model))
        except ResponseError as error:
            if not pull or not _api.model_missing(error):
                raise
        if progress is None:
            await self._one(_api.pull(model))
        else:
            async with await self.pull(model, stream=True) as updates:
                async for update in updates:
                    progress(update)
        return await self._one(_api.show(model))

    async def version(self) -> VersionResponse:
        """The server's version (``GET /api/version``)."""
        return await self._one(_api.version())

    async def web_search(self, query: str, max_results: int = 3) -> WebSearchResponse:
        """Search the web through ollama.com; needs ``OLLAMA_API_KEY``, which goes only to ollama.com.

        Without a key raises ``RequestError`` (a ``ValueError``) with the official client's message, before
        anything is sent.
        """
        return await self._one(_api.web_search(self._config, query, max_results))

    async def web_fetch(self, url: str) -> WebFetchResponse:
        """Fetch a web page through ollama.com; needs ``OLLAMA_API_KEY``, which goes only to ollama.com.

        Without a key raises ``RequestError`` (a ``ValueError``) with the official client's message, before
        anything is sent.
        """
        return await self._one(_api.web_fetch(self._config, url))

    # --- today's server: status, account, the web search relay, liveness --------------------------------

    async def status(self) -> ServerStatusResponse:
        """Whether the server's cloud features are on, and if off, what turned them off (``GET /api/status``).

        >>> (await client.status()).cloud.disabled
        """
        return await self._one(_api.status())

    async def whoami(self) -> UserResponse:
        """The ollama.com account the server is signed in as (``POST /api/me``).

        Raises ``ResponseError`` with status 401 and ``signin_url`` (where to sign the server in) when it is
        signed out, 503 when ollama.com cannot say.
        """
        return await self._one(_api.whoami())

    async def signout(self) -> StatusResponse:
        """Sign the server out of ollama.com (``POST /api/signout``); ``status`` is ``'success'``.

        Raises ``ResponseError`` (401 "you are not currently signed in") when it was not signed in.
        """
        return await self._one(_api.signout())

    async def server_web_search(self, query: str, max_results: int = 3) -> WebSearchResponse:
        """Search the web through the Ollama server's relay (``POST /api/experimental/web_search``).

        The server signs the call to ollama.com with its own sign-in: no API key is needed here, and
        ``OLLAMA_API_KEY`` is not sent. Unlike :meth:`web_search`, which calls ollama.com directly with the key.
        Raises ``ResponseError`` 401 (with ``signin_url``) when the server is signed out, 403 when its cloud
        features are disabled, ``RequestError`` for an empty query or ``max_results`` outside 1 to 10.
        """
        return await self._one(_api.server_web_search(query, max_results))

    async def server_web_fetch(self, url: str) -> WebFetchResponse:
        """Fetch a web page through the Ollama server's relay (``POST /api/experimental/web_fetch``).

        As :meth:`server_web_search`: no API key, the server signs the call; raises the same errors.
        """
        return await self._one(_api.server_web_fetch(url))

    async def model_recommendations(self) -> ModelRecommendationsResponse:
        """Models the server recommends (``GET /api/experimental/model-recommendations``)."""
        return await self._one(_api.model_recommendations())

    async def heartbeat(self) -> str:
        """``GET /``: the server's liveness text, ``'Ollama is running'``.

        Asked once, without retries. Raises ``ConnectError`` when nothing answers and ``ResponseError`` for a
        failure status; see :meth:`is_running` for a yes-or-no answer.
        """
        url = self._config.url(_api.ROOT_PATH)
        status, body = await self._ask_within(
            'GET', url, repeatable=_api.LIVENESS_REPEATABLE, retry=_api.LIVENESS_RETRY
        )
        return _api.check_alive(status, body)

    async def is_running(self) -> bool:
        """Whether Ollama answers at the host: ``HEAD /api/version``, the cheapest request it serves.

        True for a 200; False when the server cannot be reached or answers otherwise. Never raises for
        either, and asks once: no retries, so a refused connection answers False at once.
        """
        url = self._config.url(_api.VERSION_PATH)
        try:
            status, _ = await self._ask_within(
                'HEAD', url, repeatable=_api.LIVENESS_REPEATABLE, retry=_api.LIVENESS_RETRY
            )
        except (ConnectError, ProtocolError, RequestTimeout):
            return False
        return status == 200

    async def blob_exists(self, digest: str) -> bool:
        """Whether the server holds the blob ``digest`` (``'sha256:<hex>'``) (``HEAD /api/blobs/<digest>``).

        Raises ``RequestError`` for a digest not of that form and ``ResponseError`` when the server refuses.
        """
        url = self._config.url(_api.blob_path(_api.need_digest(digest)))
        return _api.blob_exists_reply(*await self._ask_within('HEAD', url, repeatable=_api.BLOB_REPEATABLE))

    # --- end of the generated API ---
