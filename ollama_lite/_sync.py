"""The sync client: requests moves the bytes, ``_api`` does everything else."""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import socket
import threading
import time
import weakref
from typing import (
    IO,
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generator,
    Iterable,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
    cast,
    overload,
)

import requests
import urllib3

from . import _api, _travel
from ._api import Call, StreamDecoder
from ._assemble import Assembler, assembler_for
from ._batch import DEFAULT_BATCH_SIZE, BatchResults, EmbedManyResponse, Progress
from ._batch import OnError as BatchOnError
from ._config import ClientConfig, Retry, Secrets, Timeout, basic_authorization, parse_host
from ._connection import Connection, apply_to_requests, take_connection_kwargs
from ._deadline import Deadline
from ._errors import (
    ConnectError,
    IncompleteStreamError,
    ProtocolError,
    ReadTimeout,
    RequestError,
    RequestTimeout,
    ResponseError,
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
from ._informational import HeadCutOff, InformationalSkippingAdapter
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
from ._retry import causes as _causes
from ._session_retry import gave_up, mounted_retry, retries_error, retries_status
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
    from ._tool_runner import OnError, ToolRun, ToolRunStream, ToolsLike

__all__ = ['Client', 'Stream']

R = TypeVar('R', bound=Model)

#: What the constructor takes besides its named parameters (see ``_connection`` for all but auth).
_ACCEPTED = 'auth, cert, limits, proxies, proxy, trust_env, verify'
_READ_SIZE = 1 << 16
#: How many (method, URL, content type) a client keeps prepared; see Client._request.
_PREPARED_MAX = 64
_DEFAULT_TIMEOUT = Timeout()
_REQUESTS_AGENT = requests.utils.default_user_agent()


def _describe(exc: BaseException) -> str:
    # requests nests the useful reason (refused, name not known) a few levels down.
    while exc.args and isinstance(exc.args[0], BaseException):
        exc = exc.args[0]
    reason = getattr(exc, 'reason', None)
    return plain_reason(str(reason if reason is not None else exc))


def _request_written(exc: BaseException) -> bool:
    """Whether the request may have reached the server before ``exc``: urllib3 raises a
    ``ConnectTimeoutError`` (``NewConnectionError`` is one) only while the connection is being made,
    before a byte of the request is written."""
    return not (any(isinstance(e, urllib3.exceptions.ConnectTimeoutError) for e in _causes(exc)) or refused(exc))


def _connect_error(exc: requests.RequestException, url: str, *, repeatable: bool = True) -> Exception:
    if isinstance(exc, requests.ConnectTimeout):
        return connect_timed_out(url, _describe(exc))
    if isinstance(exc, requests.ReadTimeout):
        return read_timed_out(url)
    if isinstance(exc, requests.TooManyRedirects):
        return too_many_redirects(url, str(exc))
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.InvalidURL)):
        kind = connect_failure_kind(exc)
        if kind == 'tls':
            return tls_failed(url, _describe(exc))
        if kind == 'not_http':
            cut = next((c for c in _causes(exc) if isinstance(c, HeadCutOff)), None)
            return not_http(url, str(cut) if cut is not None else _describe(exc))
        if _request_written(exc):
            return no_reply(url, _describe(exc), repeatable=repeatable)
        return cannot_connect(url, connect_reason(exc, _describe(exc)), unresolved=kind == 'name')
    return request_failed(url, str(exc))


def _read_error(exc: Exception, url: str, deadline: Optional[Deadline] = None) -> Exception:
    """An error while reading the body: a stall is a timeout, anything else a cut connection."""
    if deadline is not None and deadline.expired():
        return deadline.error(url)
    text = _describe(exc)
    if 'timed out' in text.lower() or 'timeout' in type(exc).__name__.lower():
        return read_timed_out(url, midway=True)
    return broke_off(url, text)


def _raw_chunks(response: requests.Response, inflater: Optional[Inflater] = None) -> Iterator[bytes]:
    """Body bytes as they arrive: each HTTP chunk of a chunked reply, else whatever one read returns.

    With an ``inflater`` (``max_reply_bytes``), the bytes are read as they came and decoded by it in
    bounded pieces, so a decompression bomb never expands in urllib3's decoder.
    """
    raw = response.raw
    if inflater is not None:
        undecoded = (
            raw.read_chunked(decode_content=False)
            if getattr(raw, 'chunked', False)
            else raw.stream(_READ_SIZE, decode_content=False)
        )
        for data in undecoded:
            yield from inflater.pieces(data)
        yield from inflater.flush()
        return
    if getattr(raw, 'chunked', False) or not hasattr(raw, 'read1'):
        yield from response.iter_content(chunk_size=None)
        return
    while True:
        # Decoded as iter_content would be: a gzip body sent with a Content-Length or until the close
        # is still gzip (urllib3 keeps its decoder's state across reads).
        data = raw.read1(_READ_SIZE, decode_content=True)
        if not data:
            return
        yield data


class _Watchdog:
    """Enforces a total deadline on a body being read: when it passes, the socket is shut down, which
    ends a read blocked on it (a socket timeout bounds one wait, not a server that trickles a byte
    at a time). Nothing is armed without a deadline."""

    __slots__ = ('_lock', '_sock', '_timer')

    def __init__(self, response: requests.Response, deadline: Optional[Deadline]) -> None:
        self._lock = threading.Lock()
        self._timer: Optional[threading.Timer] = None
        # urllib3's HTTPResponse.connection (1.26 and 2.x) and http.client's HTTPConnection.sock.
        self._sock = getattr(getattr(response.raw, 'connection', None), 'sock', None)
        if deadline is not None and self._sock is not None:
            self._timer = threading.Timer(deadline.remaining(), self._fire)
            self._timer.daemon = True
            self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._timer is not None and self._sock is not None:
                with contextlib.suppress(OSError):  # already closed: the read has ended anyway
                    self._sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


def _iterate(
    response: requests.Response,
    decoder: StreamDecoder[R],
    url: str,
    deadline: Optional[Deadline],
    inflater: Optional[Inflater] = None,
    host: Optional[str] = None,
    on_end: Optional[Callable[[Optional[Failure]], None]] = None,
) -> Generator[R, None, None]:
    # A plain function, not a method: the generator must not hold the Stream, so that dropping the
    # Stream frees it at once and closes the connection.
    watchdog = _Watchdog(response, deadline)
    failure: Optional[Failure] = None
    try:
        chunks = _raw_chunks(response, inflater)
        while True:
            try:
                data = next(chunks, b'')
            except ProtocolError:
                raise  # ours: bad encoding of the body
            except Exception as exc:
                # Whatever reading the body raises is the transport's failure, builtins included:
                # urllib3 lets a chunk size of 2**64 or a negative one out as OverflowError or ValueError.
                error = _read_error(exc, url, deadline)
                failure = 'timeout' if isinstance(error, ReadTimeout) else 'lost'
                raise error from None
            if not data:
                break
            if deadline is not None and deadline.expired():
                raise deadline.error(url)
            if host is None:
                yield from decoder.feed(data)
            else:
                for chunk in decoder.feed(data):
                    mark(chunk, host)
                    yield chunk
            if decoder.finished:
                _drain(response, chunks)
                return
        yield from decoder.close()
    finally:
        watchdog.cancel()
        response.close()
        if on_end is not None:
            on_end(failure)


def _drain(response: requests.Response, chunks: Iterator[bytes]) -> None:
    """After the final line: read what follows for a moment (see ``_api.AFTER_FINAL_LINE``), so that a
    body ending at once returns its connection to the pool; never wait for a server that holds it."""
    sock = getattr(getattr(response.raw, 'connection', None), 'sock', None)
    if sock is None:
        return  # already released: the body had ended
    seconds, limit = _api.AFTER_FINAL_LINE
    end = time.monotonic() + seconds
    previous = sock.gettimeout()
    try:
        sock.settimeout(seconds)
        for data in chunks:
            limit -= len(data)
            left = end - time.monotonic()
            if limit < 0 or left <= 0:
                return  # more than a terminating chunk: the connection is closed, not reused
            sock.settimeout(left)
    except Exception:  # a body that does not end at once just costs its connection
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(previous)


def _run_hooks(hooks: Sequence[Hook], view: Any) -> None:
    for hook in hooks:
        hook(view)


class Stream(Iterator[R]):
    """The chunks of a streamed reply, typed, each as soon as its line arrives.

    ``close()``, leaving a ``with`` block, or dropping the stream closes the HTTP connection at once, which
    tells the server to stop generating. Raises ``ResponseError`` for an error line,
    ``IncompleteStreamError`` when the connection breaks off mid-body (and, with the client's
    ``strict_streams=True``, when a body ends without its final ``done``/``success`` line),
    ``ReadTimeout`` when the server stalls for longer than the read timeout.

    >>> for chunk in client.chat('llama3.2', messages, stream=True): print(chunk.message.content, end='')
    """

    def __init__(
        self,
        response: requests.Response,
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
        # With several hosts: the slot it holds is given back when it ends, however it ends.
        self._on_end = on_end
        self._chunks = _iterate(response, decoder, url, deadline, inflater, host, on_end)
        if host is not None:
            mark(self, host)
        self._assembler = assembler
        self._observed = watch
        # Watched, the first chunk is timed (see _first); after it, each chunk goes straight to the assembler.
        self._add: Callable[[R], None] = assembler.feed if watch is None else self._first

    @property
    def status_code(self) -> int:
        return self._response.status_code

    def __iter__(self) -> Stream[R]:
        return self

    def __next__(self) -> R:
        try:
            chunk = next(self._chunks)
        except BaseException as exc:
            if self._observed is not None:
                self._observed.stream_ended(self._assembler.final, exc)
            raise
        self._add(chunk)
        return chunk

    def _first(self, chunk: R) -> None:
        cast(Watch, self._observed).first_chunk()
        self._add = self._assembler.feed
        self._add(chunk)

    def final(self) -> R:
        """The whole reply from the chunks taken so far, as Ollama sends it when not streaming.

        For chat, a ``ChatResponse`` whose ``message.content`` and ``message.thinking`` are the chunks' joined
        and ``message.tool_calls`` all of theirs; for generate, a ``GenerateResponse`` with ``response``,
        ``thinking``, ``tool_calls`` (and ``logprobs``) joined the same way; the counters, ``done_reason`` and
        ``context`` are the final chunk's. Asked after a ``break`` or ``close()``, it is what was taken until
        then, with ``done`` false. Other streams (pull, push, create) give their last chunk. Never raises.

        >>> stream = client.chat('llama3.2', messages, stream=True); text = ''.join(c.message.content for c in stream)
        >>> stream.final().message.content == text
        True
        """
        return self._assembler.final()

    def close(self) -> None:
        """Close the connection now; the server stops generating. Closing twice is harmless."""
        self._chunks.close()
        self._response.close()
        self._ended()
        if self._observed is not None:
            self._observed.stream_ended(self._assembler.final, None)

    def _ended(self) -> None:
        # A generator closed before its first chunk never runs its finally: the slot is given back here.
        if self._on_end is not None:
            self._on_end(None)

    def _abort(self) -> None:
        # Client.close(), perhaps while another thread is blocked reading this stream: shutting the socket
        # down wakes that read (it then raises IncompleteStreamError); closing alone would not.
        sock = getattr(getattr(self._response.raw, 'connection', None), 'sock', None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(ValueError):  # "generator already executing": that thread ends it
            self._chunks.close()
        self._response.close()
        self._ended()

    def __enter__(self) -> Stream[R]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        response = getattr(self, '_response', None)
        if response is not None:
            response.close()
            self._ended()


class _PoolLock:
    """The lock of a client's pool, knowing which thread holds it: a stream collected by the garbage
    collector while that thread is inside the pool gives its slot back from another thread, not by
    waiting on a lock its own thread holds."""

    __slots__ = ('_lock', '_owner')

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: Optional[int] = None

    def __enter__(self) -> None:
        self._lock.acquire()
        self._owner = threading.get_ident()

    def __exit__(self, *exc_info: object) -> None:
        self._owner = None
        self._lock.release()

    def held_here(self) -> bool:
        return self._owner == threading.get_ident()


class Client:
    """A client for the Ollama API on requests.

    ``host`` defaults to ``OLLAMA_HOST``, else ``http://127.0.0.1:11434``. ``timeout`` is a number, a
    ``(connect, read)`` pair, ``None`` or a ``Timeout``; by default connecting gives up after 10 s and
    reading never does (a generation may take minutes); ``Timeout(total=...)`` bounds a whole call.
    ``retries`` extra attempts are made for refused connections, 429/502/503/504 replies, and, for calls
    safe to repeat, connections closed before any reply (README, "Errors and retries").
    ``max_reply_bytes`` (default no limit) caps a non-streamed reply after decompression and one stream
    line: past it ``ReplyTooLargeError`` is raised. ``session`` is a ``requests.Session`` of yours,
    used as it is and never closed here: a User-Agent set on it is kept (unless ``headers`` names one), and
    a urllib3 ``Retry`` mounted on it governs the failures it retries itself, without ``retries`` on top.
    ``verify``, ``cert``, ``proxies`` and ``auth`` reach requests;
    the official client's (httpx's) ``proxy``, ``trust_env``, ``limits`` (``max_keepalive_connections`` or
    ``max_connections``: connections kept per host) and a ``timeout`` with ``connect``/``read`` attributes
    (``httpx.Timeout``) are mapped onto it, and httpx options requests has no use for (``transport``,
    ``mounts``, ``http2``, ...) raise ``TypeError`` saying what to use instead.
    With the client's own session, what requests takes from the environment (``HTTP(S)_PROXY``,
    ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ``~/.netrc``) is read once per URL, on its first use.
    A stream whose body ends cleanly without its final ``done``/``success`` line ends quietly, as with the
    official client; ``strict_streams=True`` makes it raise ``IncompleteStreamError`` instead.
    ``options``, ``keep_alive``, ``think`` and ``format`` are defaults for every generate, chat and embed
    call, under the call's own values (``options`` merged key by key; see ``client.config.defaults``).
    ``event_hooks={'request': [...], 'response': [...]}`` are called with a ``RequestView`` before each
    request and a ``ResponseView`` once its reply's headers are in; what they raise reaches the caller.
    ``hosts=[...]`` instead of ``host`` spreads the calls over several servers (README, "Several servers"): each
    a host string or a mapping with its own ``headers``/``auth``; at most ``per_host`` generations at once per
    host (default 1, Ollama's ``OLLAMA_NUM_PARALLEL`` default), more callers waiting up to ``queue_timeout``
    seconds (``PoolTimeout``); writes go through ``client.host(url)``. Raises ``RequestError`` for a bad
    host list, or both ``host`` and ``hosts``.

    One ``Client`` may be shared by threads: it holds no per-request state, and requests' connection
    pool is thread-safe. A caller-owned ``session`` is shared on the same terms as requests gives. A
    ``Client`` pickles as its configuration, the copy opening its own session (not with a caller's ``session``).

    >>> Client('http://localhost:11434').chat('llama3.2', [{'role': 'user', 'content': 'Hi'}]).message.content
    """

    # The constructor, ``config`` and the public methods are generated, at the end of the class, from
    # ``_methods.py``; what is written here is the transport they call.

    def _options(
        self, session: Optional[requests.Session], kwargs: Dict[str, Any]
    ) -> Tuple[Connection, Dict[str, Any]]:
        """The constructor's ``**kwargs``: requests' own, and httpx's names mapped onto them; any other raises
        ``TypeError`` (before any value is checked)."""
        kwargs = dict(kwargs)
        connection = take_connection_kwargs(kwargs, 'Client')
        unknown = set(kwargs) - {'auth'}
        if unknown:
            raise TypeError(
                f'Client() got unexpected keyword argument(s) {", ".join(sorted(unknown))}; '
                f'accepted besides the named ones: {_ACCEPTED}'
            )
        return connection, kwargs

    def _spread(self, configs: Tuple[ClientConfig, ...], pool: Optional[Pool]) -> None:
        """Several hosts: one configuration each, and the routing policy (``_pool``) with its lock."""
        self._pool = pool
        self._host_configs = configs
        self._affinity: Optional[str] = None
        self._root: Optional[Client] = None  # a view's client, whose session it uses
        if pool is not None:
            self._pool_lock = _PoolLock()
            self._views: Dict[int, Client] = {}
            self._asking = threading.Event()  # set when the round of questions under way is answered

    def _start(
        self, config: ClientConfig, session: Optional[requests.Session], options: Tuple[Connection, Dict[str, Any]]
    ) -> None:
        """The rest of the constructor: the session, and what each request sends."""
        connection, kwargs = options
        self._config = config
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        if self._owns_session:
            # A redirect loop must end soon; a caller's session keeps the limit its owner chose.
            self._session.max_redirects = self._config.max_redirects
            for prefix in ('http://', 'https://'):
                self._session.mount(prefix, InformationalSkippingAdapter())
            # A client dropped without close() closes its idle pooled connections when collected, as
            # urllib3 >= 1.26.16 does for a collected pool; earlier 1.26 releases left those sockets open.
            weakref.finalize(self, self._session.close)
        kwargs.update(apply_to_requests(connection, self._session, self._owns_session))
        self._send_kwargs: Dict[str, Any] = dict(kwargs)
        # The caller's auth= is for their Ollama host; ollama.com (web_search, web_fetch) gets the API key only.
        self._foreign_kwargs = {k: v for k, v in kwargs.items() if k != 'auth'}
        # What must never show in an error message: the API key, and Basic credentials requests will send.
        self._secrets = Secrets(dict.fromkeys(s for c in self._host_configs for s in c.secrets))
        # The hosts requests' auth= goes to: all of them, but for a host given with its own credentials.
        specs = (None,) if self._pool is None else self._pool.specs
        self._auth_configs = tuple(
            c for c, spec in zip(self._host_configs, specs) if spec is None or 'authorization' not in spec.headers
        )
        auth = kwargs.get('auth')
        if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(x, str) for x in auth):
            self._secrets = Secrets((*self._secrets, basic_authorization(auth[0], auth[1]).split(' ', 1)[1]))
        # Any: requests takes None for either part; the types-requests that still installs on Python 3.8 types
        # the connect part as float only.
        self._timeout: Any = (self._config.timeout.connect, self._config.timeout.read)
        # See _request: what requests would redo on every call, done once per URL. Only for our own
        # session (a caller's may change between calls) and without auth= (an auth object may keep
        # state per request, as digest auth does).
        self._reuse = self._owns_session and 'auth' not in kwargs
        self._prepared: Dict[Tuple[str, str, Optional[str]], Tuple[requests.PreparedRequest, Dict[str, Any]]] = {}
        self._sleep: Callable[[float], None] = time.sleep
        # The streams still open, for close(); weak, so that a dropped stream is freed as before.
        self._streams: weakref.WeakSet[Stream[Any]] = weakref.WeakSet()
        self._streams_lock = threading.Lock()

    def __repr__(self) -> str:
        if self._pool is not None:
            return f'Client(hosts={[c.base_url for c in self._host_configs]!r})'
        return f'Client({self._config.base_url!r})'

    # --- transport ---------------------------------------------------------------------------------

    def _open(
        self,
        method: str,
        url: str,
        body: Union[bytes, Callable[[], Union[IO[bytes], _api.BlobUpload]], None],
        content_type: Optional[str] = None,
        *,
        repeatable: bool = False,
        deadline: Optional[Deadline] = None,
        retry: Optional[Retry] = None,
        watch: Optional[Watch] = None,
        route: Optional[Route] = None,
    ) -> requests.Response:
        """Send a request and return the response once its headers are in, after the retries the policy
        allows. With a ``route`` (several hosts), ``url`` is the API path and each attempt goes to the
        host the pool picks; the slot is the caller's to give back (:meth:`_finish`)."""
        attempts = Attempts(retry or self._config.retry, repeatable=repeatable, deadline=deadline)
        path = url
        agent = self._session_agent()
        headers = self._config.headers_for(url, content_type, session_agent=agent)
        # A Retry mounted on a caller's session governs the failures it retries itself (_session_retry).
        mounted = None if self._owns_session else mounted_retry(self._session, url)
        while True:
            if route is not None:
                config = self._host_configs[self._enter(route, deadline, path)]
                url = config.url(path)
                headers = config.headers_for(url, content_type, session_agent=agent)
                mounted = None if self._owns_session else mounted_retry(self._session, url)
            timeout = self._timeout
            if deadline is not None:
                if deadline.expired():
                    raise deadline.error(url)
                timeout = (deadline.cap(timeout[0]), deadline.cap(timeout[1]))
            data = body() if callable(body) else body
            try:
                response = self._request(method, url, data, headers, timeout)
            except (requests.ConnectTimeout, requests.ReadTimeout, requests.TooManyRedirects) as exc:
                if deadline is not None and deadline.expired():
                    raise deadline.error(url) from None
                if route is not None and not isinstance(exc, requests.TooManyRedirects):
                    unsent = isinstance(exc, requests.ConnectTimeout)
                    if self._failed(route, 'refused' if unsent else 'timeout', sent=not unsent, repeatable=repeatable):
                        continue
                raise _connect_error(exc, url) from None
            except requests.ConnectionError as exc:
                sent = _request_written(exc)
                if route is not None and connect_failure_kind(exc) != 'not_http':
                    # Another host instead of this one again: never sent, or safe to repeat.
                    if self._failed(route, 'lost' if sent else 'refused', sent=sent, repeatable=repeatable):
                        continue
                    raise _connect_error(exc, url, repeatable=repeatable) from None
                if mounted is not None and retries_error(mounted, method, url, sent=sent):
                    delay = None
                else:
                    delay = attempts.after_connect_error(exc, sent=sent)
                if delay is None:
                    raise _connect_error(exc, url, repeatable=repeatable) from None
                self._sleep(delay)
                continue
            except requests.exceptions.RetryError as exc:
                raise (gave_up(exc) or _connect_error(exc, url)) from None
            except requests.RequestException as exc:
                raise _connect_error(exc, url) from None
            finally:
                if data is not None and not isinstance(data, bytes):
                    data.close()
            if route is not None:
                with self._pool_lock:
                    elsewhere = route.answered(response.status_code)
                if elsewhere:  # this host lacks the model, another has it: nothing was done here
                    response.close()
                    self._wake(route.finish)
                    continue
            if response.status_code >= 400:
                status, retry_after = response.status_code, bool(response.headers.get('retry-after'))
                if mounted is not None and retries_status(mounted, method, status, retry_after):
                    return response  # the adapter has retried it already, as its owner asked
                delay = attempts.after_status(status, response.headers)
                if delay is not None:
                    response.close()
                    if route is not None:
                        self._wake(route.retry)
                    self._sleep(delay)
                    continue
            if watch is not None:
                watch.retries = attempts.retries
            return response

    # --- several hosts: the transport's half of _pool (waiting, waking); the policy is there -------------

    def _wake(self, change: Callable[[], List[Ticket]]) -> None:
        """Apply ``change`` to the pool under its lock, then wake the callers it placed or refused."""
        with self._pool_lock:
            moved = change()
        for ticket in moved:
            ticket.waker.set()

    def _enter(self, route: Route, deadline: Optional[Deadline], path: str) -> int:
        """The host for the next attempt of ``route``: at once, or after waiting in the pool's queue."""
        pool = self._pool
        assert pool is not None
        with self._pool_lock:
            moved = route.enter()
            ticket = route.ticket
            assert ticket is not None
            if ticket.waiting:
                ticket.waker = threading.Event()
        for other in moved:
            other.waker.set()
        if ticket.waiting:
            limit = pool.queue_timeout
            if deadline is not None:
                limit = deadline.remaining() if limit is None else min(limit, deadline.remaining())
            ticket.waker.wait(limit)
            with self._pool_lock:
                gave_up = ticket.waiting
                moved = route.leave() if gave_up else []
                if not gave_up:
                    route.placed()
            for other in moved:
                other.waker.set()
            if gave_up:
                if deadline is not None and deadline.expired():
                    raise deadline.error(path)
                raise pool.queue_full(limit or 0.0)
        if ticket.host is None:
            raise pool.no_host(route)
        return ticket.host

    def _failed(self, route: Route, failure: Failure, *, sent: bool, repeatable: bool) -> bool:
        with self._pool_lock:
            again, moved = route.failed(failure, sent=sent, repeatable=repeatable)
        for ticket in moved:
            ticket.waker.set()
        return again

    def _finish(self, route: Route, failure: Optional[Failure] = None) -> None:
        self._wake(route.broke if failure is not None else route.finish)

    def _stream_ended(self, route: Route, failure: Optional[Failure]) -> None:
        if self._pool_lock.held_here():
            # Collected by the garbage collector in the middle of a pool operation of this thread.
            threading.Thread(target=self._finish, args=(route, failure), daemon=True).start()
        else:
            self._finish(route, failure)

    def _routed(self, call: Call[R]) -> Union[R, Stream[R]]:
        """A call over the pool: to the host the policy picks, on to another only when that cannot
        duplicate work (see ``_pool``); ``list`` and ``ps`` ask every host."""
        pool = self._pool
        assert pool is not None
        name = call.endpoint.name
        if name in MERGED:
            return self._merged(call)
        route = pool.route_for(name, call.model, call.lead, self._affinity)
        if call.model is not None:
            self._refresh()
        path = call.endpoint.path
        deadline = Deadline.start(self._config.timeout.total)
        while True:
            response = None
            try:
                response = self._open(
                    call.method, path, call.body, repeatable=call.repeatable, deadline=deadline, route=route
                )
                assert route.host is not None
                host = self._host_configs[route.host].base_url
                if call.stream and response.status_code < 400:
                    limit = self._config.max_reply_bytes
                    stream = Stream(
                        response,
                        call.stream_decoder(self._secrets, self._config.strict_streams, limit),
                        host + path,
                        deadline,
                        None if limit is None else Inflater(response.headers.get('content-encoding')),
                        host,
                        lambda failure: self._stream_ended(route, failure),
                        assembler=assembler_for(call.endpoint.reply),
                    )
                    with self._streams_lock:
                        self._streams.add(stream)
                    return stream
                body = self._read(response, host + path, deadline)
            except (IncompleteStreamError, ReadTimeout) as exc:
                # The body was cut, or stalled: a read or an embed goes on to another host, nothing else.
                failure: Failure = 'timeout' if isinstance(exc, ReadTimeout) else 'lost'
                if (
                    response is not None
                    and call.repeatable
                    and self._failed(route, failure, sent=True, repeatable=True)
                ):
                    continue
                self._finish(route)
                raise
            except BaseException:
                self._finish(route)
                raise
            self._finish(route)
            reply = call.reply(response.status_code, body, self._secrets)
            mark(reply, host)
            return reply

    def _routed_ask(
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
            response = self._open(
                method, path, None, repeatable=repeatable, deadline=deadline, retry=retry, route=route
            )
            assert route.host is not None
            return response.status_code, self._read(response, self._host_configs[route.host].url(path), deadline)
        finally:
            self._finish(route)

    def _view(self, index: int) -> Client:
        """The client of one host of the pool: same session, that host's configuration."""
        view = self._views.get(index)
        if view is None:
            view = self._derive()
            config = self._host_configs[index]
            view._pool = None
            view._config = config
            view._host_configs = (config,)
            view._auth_configs = tuple(c for c in self._auth_configs if c is config)
            view._prepared = {}
            self._views[index] = view
        return view

    def _derive(self) -> Client:
        view = copy.copy(self)
        view._root = self  # the session is the root's: it must outlive the view
        view._owns_session = False
        view._streams = weakref.WeakSet()
        view._streams_lock = threading.Lock()
        return view

    def _ask_host(self, index: int, call: Call[R]) -> R:
        """``call`` to one host, asked once within REFRESH_TIMEOUT: the pool's own questions and merges."""
        view = self._view(index)
        deadline = Deadline.start(REFRESH_TIMEOUT)
        status, body = view._ask(
            call.method, view._config.url(call.endpoint.path), deadline, repeatable=True, retry=_api.LIVENESS_RETRY
        )
        return call.reply(status, body, self._secrets)

    def _refresh(self) -> None:
        """Ask the hosts whose knowledge of their models is stale what they have loaded and installed."""
        pool = self._pool
        assert pool is not None
        with self._pool_lock:
            due = pool.due_refreshes()
            first = [i for i in due if pool.never_asked(i)]
            if first:
                self._asking = threading.Event()
            answer = self._asking if not first and pool.asking_first() else None
        later = [i for i in due if i not in first]
        if later:
            # What the pool knows already is good enough for this request: the news comes in the background.
            threading.Thread(target=self._ask_due, args=(pool, later), name='ollama-lite-models', daemon=True).start()
        if answer is not None:
            answer.wait(REFRESH_TIMEOUT)  # another caller is asking a host for the first time: its answer
        if first:
            try:
                self._ask_due(pool, first)
            finally:
                self._asking.set()

    def _ask_due(self, pool: Pool, due: List[int]) -> None:
        for index in due:
            try:
                loaded = self._ask_host(index, _api.ps())
                installed = self._ask_host(index, _api.list_models())
            except Exception as exc:
                self._wake(functools.partial(pool.refresh_failed, index, failure_of(exc)))
                continue
            with self._pool_lock:
                pool.refreshed(index, model_names(loaded.models), model_names(installed.models))

    def _merged(self, call: Call[R]) -> R:
        """``list()`` or ``ps()`` of every host that is not cooling down, each entry marked with its host."""
        pool = self._pool
        assert pool is not None
        with self._pool_lock:
            usable = pool.usable()
        replies: List[Any] = []
        error: Optional[Exception] = None
        for index in usable:
            try:
                reply: Any = self._ask_host(index, call)
            except Exception as exc:
                error = exc
                self._wake(functools.partial(pool.refresh_failed, index, failure_of(exc)))
                continue
            host = self._host_configs[index].base_url
            for entry in reply.models:
                mark(entry, host)
            names = model_names(reply.models)
            with self._pool_lock:
                pool.refreshed(
                    index,
                    names if call.endpoint.name == 'ps' else None,
                    names if call.endpoint.name == 'list' else None,
                )
            replies.append(reply)
        if not replies:
            raise error if error is not None else pool.no_host(pool.route())
        merged = type(replies[0])(models=[entry for reply in replies for entry in reply.models])
        return cast(R, merged)

    # --- several hosts: what callers see ---------------------------------------------------------------

    @property
    def hosts(self) -> Tuple[HostStatus, ...]:
        """With several hosts (``hosts=``), each host's state now: healthy or cooling down (and for how
        long), requests in flight, models loaded and installed as last heard. Empty for one host.

        >>> [(h.url, h.healthy, h.in_flight) for h in client.hosts]
        """
        if self._pool is None:
            return ()
        with self._pool_lock:
            return self._pool.status()

    @property
    def _capacity(self) -> Optional[int]:
        """How many requests this client runs at once: the slots of its healthy hosts, or ``None`` for a
        single-host client (no limit of its own; the server queues)."""
        if self._pool is None:
            return None
        with self._pool_lock:
            return self._pool.capacity()

    def host(self, url: str) -> Client:
        """This client bound to one of its hosts, for what must go to a server you name: ``pull``,
        ``push``, ``create``, ``copy``, ``delete``, ``create_blob``, ``signout`` (a client with several
        hosts refuses them), or to ask one server. It shares the client's connections and settings;
        closing it closes only the streams it opened. Raises ``RequestError`` when ``url`` is not one of
        the client's hosts.

        >>> client.host('http://gpu2:11434').pull('llama3.2')
        """
        if self._pool is None:
            if parse_host(url) != self._config.base_url:
                raise RequestError(f"{parse_host(url)} is not this client's host ({self._config.base_url})")
            return self
        return self._view(self._pool.index_of(url))

    def affinity(self, key: str) -> Client:
        """This client with an affinity key: with several hosts, every call through it goes to the host
        that served ``key`` before (a conversation id), waiting for it while it is healthy, so the
        server's prompt cache is reused. Without a key, a conversation is kept on its host while that host
        has a free slot. Raises ``RequestError`` for an empty key.

        >>> client.affinity('conversation-42').chat('llama3.2', messages)
        """
        if not isinstance(key, str) or not key:
            raise RequestError(f'an affinity key is a non-empty string, not {key!r}')
        view = self._derive()
        view._affinity = key
        return view

    def _each_host(self) -> List[Client]:
        """The client of each host, in order (this client, for one host)."""
        return [self] if self._pool is None else [self._view(i) for i in range(len(self._host_configs))]

    def _pull_each(self, views: Sequence[Client], model: str, insecure: bool) -> Iterator[ProgressResponse]:
        for view in views:
            with view.pull(model, insecure=insecure, stream=True) as progress:
                for line in progress:
                    mark(line, view._config.base_url)
                    yield line

    def _session_agent(self) -> bool:
        # requests gives every session its own "python-requests/x"; any other value the caller set.
        agent = None if self._owns_session else self._session.headers.get('User-Agent')
        return agent is not None and agent != _REQUESTS_AGENT

    def _request(
        self, method: str, url: str, data: Any, headers: Mapping[str, str], timeout: Tuple[Any, Any]
    ) -> requests.Response:
        session = self._session
        if self._reuse and (data is None or isinstance(data, bytes)) and not session.cookies:
            # With trust_env on (the default), Session.request re-reads the environment on every call:
            # proxies and no_proxy, the CA bundle variables, and ~/.netrc from disk; it also merges the
            # session's headers into ours again. All of that depends only on the URL, so it is done once
            # per URL, by requests' own prepare_request and merge_environment_settings, and each call
            # copies the result and adds its body. Cookies change with replies: a session holding any
            # takes the ordinary path below.
            # Headers follow from the URL and the content type (see ClientConfig.headers_for).
            key = (method, url, headers.get('content-type'))
            entry = self._prepared.get(key)
            if entry is None:
                entry = self._prepare(key, headers)
            template, send_kwargs = entry
            prepared = template.copy()
            if data:
                prepared.prepare_body(data, None)
            if timeout is not self._timeout:
                send_kwargs = {**send_kwargs, 'timeout': timeout}
            return session.send(prepared, **send_kwargs)
        return session.request(
            method,
            url,
            data=data,
            headers=headers,
            timeout=timeout,
            stream=True,
            allow_redirects=self._config.follow_redirects,
            **(self._send_kwargs if any(c.is_own(url) for c in self._auth_configs) else self._foreign_kwargs),
        )

    def _prepare(
        self, key: Tuple[str, str, Optional[str]], headers: Mapping[str, str]
    ) -> Tuple[requests.PreparedRequest, Dict[str, Any]]:
        # Exactly the steps of Session.request, minus the body. (No auth= here, so _send_kwargs is what
        # the ordinary path would pass for any host.)
        method, url, _ = key
        session = self._session
        template = session.prepare_request(requests.Request(method.upper(), url, headers=headers, data={}, params={}))
        kw = self._send_kwargs
        # A copy: merge_environment_settings adds the environment's proxies into the dict it is given.
        proxies = dict(kw.get('proxies') or {})
        # prepare_request always sets the URL; requests' own hints type it Optional and the argument as str.
        prepared_url = cast(str, template.url)
        settings = session.merge_environment_settings(prepared_url, proxies, True, kw.get('verify'), kw.get('cert'))
        send_kwargs = {'timeout': self._timeout, 'allow_redirects': self._config.follow_redirects, **settings}
        if len(self._prepared) >= _PREPARED_MAX:
            self._prepared.clear()  # blob URLs are one per digest; keep the table small
        self._prepared[key] = (template, send_kwargs)
        return template, send_kwargs

    def _read(self, response: requests.Response, url: str, deadline: Optional[Deadline] = None) -> bytes:
        # The whole body in one urllib3 read, decoded as response.content would be (gzip included):
        # content reads through iter_content in 10 KB steps, ~25 us more for each small reply here.
        # The read returns the connection to the pool as soon as the body is complete.
        watchdog = _Watchdog(response, deadline)
        limit = self._config.max_reply_bytes
        try:
            if limit is None:
                body: bytes = response.raw.read(decode_content=True)
            else:
                capped = BodyLimit(limit, url)
                for piece in _raw_chunks(response, Inflater(response.headers.get('content-encoding'))):
                    capped.add(piece)
                body = capped.body()
        except ProtocolError:
            raise  # ours: too large, or badly encoded
        except Exception as exc:  # see _iterate: bad framing escapes urllib3 as builtin errors
            raise _read_error(exc, url, deadline) from None
        finally:
            watchdog.cancel()
            response.close()
        if deadline is not None and deadline.expired():
            raise deadline.error(url)
        return body

    def _one(self, call: Call[R]) -> R:
        if self._pool is not None and call.endpoint.path.startswith('/'):
            return self._routed(call)  # type: ignore[return-value]
        url = call.url(self._config)
        deadline = Deadline.start(self._config.timeout.total)
        watch = self._observer.begin(call.endpoint.name, call.method, url, call.body, False)
        return self._reply(call, self._send(call, url, deadline, watch), url, deadline, watch)

    def _send(self, call: Call[R], url: str, deadline: Optional[Deadline], watch: Optional[Watch]) -> requests.Response:
        """``_open`` for ``call``; watched, with its hooks called and its watch told how it went."""
        if watch is None:
            return self._open(call.method, url, call.body, repeatable=call.repeatable, deadline=deadline)
        try:
            if watch.request_hooks:
                _run_hooks(watch.request_hooks, watch.request())
            response = self._open(
                call.method, url, call.body, repeatable=call.repeatable, deadline=deadline, watch=watch
            )
            view = watch.replied(response.status_code, response.headers, watch.retries)
            if view is not None:
                try:
                    _run_hooks(watch.response_hooks, view)
                except BaseException:
                    response.close()
                    raise
        except BaseException as exc:
            watch.failed(exc)
            raise
        return response

    def _reply(
        self, call: Call[R], response: requests.Response, url: str, deadline: Optional[Deadline], watch: Optional[Watch]
    ) -> R:
        """Read and decode the whole reply to ``call``."""
        if watch is None:
            return call.reply(response.status_code, self._read(response, url, deadline), self._secrets)
        try:
            body = self._read(response, url, deadline)
            reply = call.reply(response.status_code, body, self._secrets)
        except BaseException as exc:
            watch.failed(exc)
            raise
        watch.finished(reply, body)
        return reply

    def _ask(
        self, method: str, url: str, deadline: Optional[Deadline], *, repeatable: bool, retry: Optional[Retry] = None
    ) -> Tuple[int, bytes]:
        """A request without a body, and its whole reply: status and body."""
        if self._pool is not None:
            return self._routed_ask(method, url, deadline, repeatable=repeatable, retry=retry)
        response = self._open(method, url, None, repeatable=repeatable, deadline=deadline, retry=retry)
        return response.status_code, self._read(response, url, deadline)

    def _ask_within(
        self, method: str, url: str, *, repeatable: bool, retry: Optional[Retry] = None
    ) -> Tuple[int, bytes]:
        """:meth:`_ask` within the call's total deadline (``Timeout(total=)``), when there is one."""
        return self._ask(method, url, Deadline.start(self._config.timeout.total), repeatable=repeatable, retry=retry)

    def _create_blob(self, path: Union[str, os.PathLike[str]], progress: Optional[Callable[[int, int], None]]) -> str:
        """See :meth:`create_blob`."""
        digest = _api.blob_digest(path)
        url = self._config.url(_api.blob_path(digest))
        # Timeout(total=) bounds the requests, from here: the hashing before is local work, not a wait.
        deadline = Deadline.start(self._config.timeout.total)
        status, _ = self._ask('HEAD', url, deadline, repeatable=_api.BLOB_REPEATABLE)
        if _api.check_blob_exists(status):
            return digest

        def body() -> Union[IO[bytes], _api.BlobUpload]:
            # Opened afresh for each attempt, and closed by _open.
            return open(path, 'rb') if progress is None else _api.BlobUpload(path, progress)

        upload = self._open(
            'POST', url, body, _api.BLOB_CONTENT_TYPE, repeatable=_api.BLOB_REPEATABLE, deadline=deadline
        )
        _api.check_blob_created(upload.status_code, self._read(upload, url, deadline))
        return digest

    def _many(self, call: Call[R]) -> Union[R, Stream[R]]:
        if not call.stream:
            return self._one(call)
        if self._pool is not None:
            return self._routed(call)
        url = call.url(self._config)
        deadline = Deadline.start(self._config.timeout.total)
        watch = self._observer.begin(call.endpoint.name, call.method, url, call.body, True)
        response = self._send(call, url, deadline, watch)
        if response.status_code >= 400:
            return self._reply(call, response, url, deadline, watch)
        limit = self._config.max_reply_bytes
        stream = Stream(
            response,
            call.stream_decoder(self._secrets, self._config.strict_streams, limit),
            url,
            deadline,
            None if limit is None else Inflater(response.headers.get('content-encoding')),
            assembler=assembler_for(call.endpoint.reply),
            watch=watch,
        )
        with self._streams_lock:
            self._streams.add(stream)
        return stream

    def close(self) -> None:
        """Close the streams this client opened that are still open (their servers see the disconnect), and
        the client's own session and its connections; a caller's session is left open."""
        with self._streams_lock:
            streams, self._streams = list(self._streams), weakref.WeakSet()
        for stream in streams:
            stream._abort()
        if self._pool is not None and self._root is None:
            for view in list(self._views.values()):
                view.close()  # the streams opened through client.host(url)
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

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
        session: Optional[requests.Session] = None,
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

    def __copy__(self) -> Client:
        # copy.copy stays the shallow copy it was before __reduce__ (the pool's per-host views share the session).
        return _travel.shallow_copy(self)

    @property
    def config(self) -> ClientConfig:
        """The client's configuration (host, headers, timeouts, retries)."""
        return self._config

    @overload
    def generate(
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
    def generate(
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
    ) -> Stream[GenerateResponse]: ...
    @overload
    def generate(
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
    ) -> Union[GenerateResponse, Stream[GenerateResponse]]: ...
    def generate(
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
    ) -> Union[GenerateResponse, Stream[GenerateResponse]]:
        """Generate a completion for ``prompt`` (``POST /api/generate``).

        Returns a ``GenerateResponse``, or with ``stream=True`` a ``Stream`` of them. Raises
        ``ResponseError`` when the server refuses (404 for an unknown model), ``RequestError`` for bad
        arguments, ``ConnectError`` when Ollama cannot be reached.

        >>> client.generate('llama3.2', 'Why is the sky blue?').response
        """
        # Written out, not (...): the client's defaults (Client(options=...)) go with the call's own values.
        return self._many(
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
    def chat(
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
    def chat(
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
    ) -> Stream[ChatResponse]: ...
    @overload
    def chat(
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
    ) -> Union[ChatResponse, Stream[ChatResponse]]: ...
    def chat(
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
    ) -> Union[ChatResponse, Stream[ChatResponse]]:
        """Chat with a model (``POST /api/chat``).

        ``messages`` are dicts or ``Message``; ``tools`` are dicts, ``Tool`` or plain functions; ``format``
        is ``'json'``, a JSON schema, or a dataclass to derive one from. Returns a ``ChatResponse``, or with
        ``stream=True`` a ``Stream`` of them. Raises ``ResponseError``, ``RequestError``, ``ConnectError``.

        >>> client.chat('llama3.2', [{'role': 'user', 'content': 'Hi'}]).message.content
        """
        return self._many(
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
    def run_tools(
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
    def run_tools(
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
    ) -> ToolRunStream: ...
    @overload
    def run_tools(
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
    ) -> Union[ToolRun, ToolRunStream]: ...
    def run_tools(
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
    ) -> Union[ToolRun, ToolRunStream]:
        """Chat, run the functions the model asks for, send their results back, until it answers.

        ``tools`` are functions, ``(Tool or tool dict, function)`` pairs, or a mapping of name -> function.
        ``chat_options`` are those of :meth:`chat` (``think``, ``format``, ``options``, ``keep_alive`` ...),
        sent with every round. Returns a ``ToolRun``, or with ``stream=True`` a ``ToolRunStream`` of
        chunks and tool events. Each call's arguments are checked against the tool's schema first; a call that
        fails is reported to the model as its result (``on_error='raise'``: raises ``ToolCallError``). With
        ``Client``, the calls of one reply run at once, each in a worker thread; with ``parallel=False`` one by
        one in the calling thread. With ``AsyncClient``, tools may also be ``async def`` functions, and the
        calls of one reply run concurrently unless ``parallel=False``: coroutines in the event loop, plain
        functions in the loop's default executor. Raises ``MaxRoundsError`` when the model still asks for tools
        after ``max_rounds`` replies, ``RequestError`` for tools that cannot be run, ``TypeError`` for a
        function that cannot be described or an unknown chat option, and what :meth:`chat` raises.

        >>> client.run_tools('llama3.2', [{'role': 'user', 'content': 'Weather in Rome?'}], [get_weather]).final
        """
        from ._tool_runner import run_tools

        return run_tools(
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

    def embed(
        self,
        model: str = '',
        input: Union[str, Sequence[str]] = '',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> EmbedResponse:
        """Embed one text or a list of texts (``POST /api/embed``); ``r.embeddings[i]`` is input ``i``'s vector.

        >>> client.embed('all-minilm', ['one', 'two']).embeddings
        """
        return self._one(_api.embed(model, input, truncate, options, keep_alive, dimensions, self._config.defaults))

    def embeddings(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
    ) -> EmbeddingsResponse:
        """The legacy single-text embedding (``POST /api/embeddings``); prefer :meth:`embed`."""
        return self._one(_api.embeddings(model, prompt, options, keep_alive, self._config.defaults))

    # --- work over many inputs: the batch runners (_batch_sync, _batch_async) sit above the client ---

    def embed_many(
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

        >>> client.embed_many('all-minilm', (line for line in open('corpus.txt'))).embeddings[0]
        """
        from ._batch_sync import embed_many

        return embed_many(
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

    def iter_embed_many(
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
    ) -> BatchResults[Union[List[float], BaseException]]:
        """:meth:`embed_many`, one embedding at a time in input order as the batches come back: for writing out
        as you go (``AsyncClient``: await it for the async iterator). At most ``concurrency * batch_size`` inputs
        are held at once. Closing the iterator early (``close()``, ``aclose()``) sends no more: ``Client`` waits
        for the requests in flight, ``AsyncClient`` cancels them.

        >>> for vector in client.iter_embed_many('all-minilm', texts): store(vector)
        """
        from ._batch_sync import iter_embed_many

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
    def chat_many(
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
    def chat_many(
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
    def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> List[Union[ChatResponse, BaseException]]: ...
    def chat_many(
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

        >>> replies = client.chat_many('llama3.2', [[{'role': 'user', 'content': q}] for q in questions])
        """
        from ._batch_sync import collect, iter_many

        return collect(
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
    def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **chat_options: Any,
    ) -> BatchResults[ChatResponse]: ...
    @overload
    def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **chat_options: Any,
    ) -> BatchResults[Union[ChatResponse, BaseException]]: ...
    @overload
    def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> BatchResults[Union[ChatResponse, BaseException]]: ...
    def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> BatchResults[Union[ChatResponse, BaseException]]:
        """:meth:`chat_many`, one reply at a time in input order, as they come."""
        from ._batch_sync import iter_many

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
    def generate_many(
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
    def generate_many(
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
    def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> List[Union[GenerateResponse, BaseException]]: ...
    def generate_many(
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

        >>> [r.response for r in client.generate_many('llama3.2', ['Why is the sky blue?', 'Why?'])]
        """
        from ._batch_sync import collect, iter_many

        return collect(
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
    def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **generate_options: Any,
    ) -> BatchResults[GenerateResponse]: ...
    @overload
    def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **generate_options: Any,
    ) -> BatchResults[Union[GenerateResponse, BaseException]]: ...
    @overload
    def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> BatchResults[Union[GenerateResponse, BaseException]]: ...
    def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> BatchResults[Union[GenerateResponse, BaseException]]:
        """:meth:`generate_many`, one reply at a time in input order, as they come."""
        from ._batch_sync import iter_many

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
    def pull(self, model: str, *, insecure: bool = False, stream: Literal[False] = False) -> ProgressResponse: ...
    @overload
    def pull(self, model: str, *, insecure: bool = False, stream: Literal[True]) -> Stream[ProgressResponse]: ...
    @overload
    def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, Stream[ProgressResponse]]: ...
    def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, Stream[ProgressResponse]]:
        """Download a model (``POST /api/pull``); with ``stream=True``, progress lines as they come.

        >>> for p in client.pull('llama3.2', stream=True): print(p.status, p.completed, p.total)
        """
        return self._many(_api.pull(model, insecure=insecure, stream=stream))

    @overload
    def pull_all(
        self, model: str, *, insecure: bool = False, stream: Literal[False] = False
    ) -> Dict[str, ProgressResponse]: ...
    @overload
    def pull_all(self, model: str, *, insecure: bool = False, stream: Literal[True]) -> Iterator[ProgressResponse]: ...
    @overload
    def pull_all(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[Dict[str, ProgressResponse], Iterator[ProgressResponse]]: ...
    def pull_all(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[Dict[str, ProgressResponse], Iterator[ProgressResponse]]:
        """Pull ``model`` to every host of a client with several (``hosts=``), one after the other: a dict of
        each host's last progress line by host URL, or with ``stream=True`` every host's progress lines in
        turn, each telling its host (``ollama_lite.host_of(line)``). Raises as ``pull`` does, at the first host
        that fails; the hosts before it keep the model. With one host, that host.

        >>> client.pull_all('llama3.2')
        """
        views = self._each_host()
        if stream:
            return self._pull_each(views, model, insecure)
        done: Dict[str, ProgressResponse] = {}
        for view in views:
            reply = view.pull(model, insecure=insecure)
            mark(reply, view.config.base_url)
            done[view.config.base_url] = reply
        return done

    @overload
    def push(self, model: str, *, insecure: bool = False, stream: Literal[False] = False) -> ProgressResponse: ...
    @overload
    def push(self, model: str, *, insecure: bool = False, stream: Literal[True]) -> Stream[ProgressResponse]: ...
    @overload
    def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, Stream[ProgressResponse]]: ...
    def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, Stream[ProgressResponse]]:
        """Upload a model to a registry (``POST /api/push``); with ``stream=True``, progress lines."""
        return self._many(_api.push(model, insecure=insecure, stream=stream))

    @overload
    def create(
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
    def create(
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
    ) -> Stream[ProgressResponse]: ...
    @overload
    def create(
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
    ) -> Union[ProgressResponse, Stream[ProgressResponse]]: ...
    def create(
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
    ) -> Union[ProgressResponse, Stream[ProgressResponse]]:
        """Create a model from another (``from_``) or from uploaded blobs (``files``) (``POST /api/create``).

        >>> client.create('mario', from_='llama3.2', system='You are Mario.')
        """
        return self._many(
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

    def create_blob(
        self, path: Union[str, os.PathLike[str]], *, progress: Optional[Callable[[int, int], None]] = None
    ) -> str:
        """Upload a file as a blob unless the server has it already; return its ``sha256:<hex>`` digest.

        A ``HEAD`` asks first; any answer but 200 (404, a proxy's 405) leads to the upload.

        The file is hashed and uploaded piece by piece, never read whole into memory (``AsyncClient`` reads the
        disk in a worker thread, so the event loop keeps running); ``progress``, if given, is called with the
        bytes sent so far and the file's size as the upload goes (not at all when the server has the blob).
        Raises ``FileNotFoundError`` for a missing file and ``ResponseError`` when the server refuses it.

        >>> client.create_blob('model.gguf', progress=lambda sent, size: print(f'{sent}/{size}'))
        """
        return self._create_blob(path, progress)

    def delete(self, model: str) -> StatusResponse:
        """Delete a model (``DELETE /api/delete``); ``status`` is ``'success'``, else ``ResponseError``."""
        return self._one(_api.delete(model))

    def copy(self, source: str, destination: str) -> StatusResponse:
        """Copy a model under a new name (``POST /api/copy``)."""
        return self._one(_api.copy(source, destination))

    def list(self) -> ListResponse:
        """The models available locally (``GET /api/tags``)."""
        return self._one(_api.list_models())

    def show(
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
        return self._one(_api.show(model, verbose=verbose, system=system, options=options))

    def ps(self) -> ProcessResponse:
        """The models loaded in memory now (``GET /api/ps``)."""
        return self._one(_api.ps())

    def load(self, model: str, *, keep_alive: Optional[KeepAlive] = None) -> GenerateResponse:
        """Load ``model`` into memory now, so the first real request does not wait for it (``POST /api/generate``
        with no prompt); it stays for ``keep_alive`` (seconds, ``'10m'``, ``-1`` for ever; else the client's
        ``keep_alive``, else the server's 5 minutes). The reply has ``done_reason == 'load'``.

        Raises ``ResponseError`` (404) for a model that is not installed.

        >>> client.load('llama3.2', keep_alive='1h')
        """
        return self._one(_api.load(model, keep_alive, self._config.defaults))

    def unload(self, model: str) -> None:
        """Take ``model`` out of memory now, as ``ollama stop`` does: it asks ``show`` first, then sends a generate
        request with no prompt and ``keep_alive`` ``"0s"``; a cloud model (one ``show`` names a remote host
        for, or a ``:cloud`` name) is left alone. Unloading a model that is not loaded is harmless.

        Raises ``ResponseError`` (404) for a model that is not installed.

        >>> client.unload('llama3.2')
        """
        if not _api.runs_remotely(model, self._one(_api.show(model))):
            self._one(_api.unload(model))

    def ensure_model(
        self, model: str, *, pull: bool = True, progress: Optional[Callable[[ProgressResponse], None]] = None
    ) -> ShowResponse:
        """Make sure the server has ``model``: ``show`` it, and only when the server answers that it does not
        have it, pull it (``progress``, if given, is called with each progress update of the pull). Returns what
        ``show`` says of the model.

        With ``pull=False`` nothing is ever pulled: a missing model raises the server's ``ResponseError``
        (404, "model 'x' not found"). Raises what :meth:`pull` raises when the pull fails.

        >>> client.ensure_model('llama3.2', progress=lambda p: print(p.status)).context_length
        """
        try:
            return self._one(_api.show(model))
        except ResponseError as error:
            if not pull or not _api.model_missing(error):
                raise
        if progress is None:
            self._one(_api.pull(model))
        else:
            with self.pull(model, stream=True) as updates:
                for update in updates:
                    progress(update)
        return self._one(_api.show(model))

    def version(self) -> VersionResponse:
        """The server's version (``GET /api/version``)."""
        return self._one(_api.version())

    def web_search(self, query: str, max_results: int = 3) -> WebSearchResponse:
        """Search the web through ollama.com; needs ``OLLAMA_API_KEY``, which goes only to ollama.com.

        Without a key raises ``RequestError`` (a ``ValueError``) with the official client's message, before
        anything is sent.
        """
        return self._one(_api.web_search(self._config, query, max_results))

    def web_fetch(self, url: str) -> WebFetchResponse:
        """Fetch a web page through ollama.com; needs ``OLLAMA_API_KEY``, which goes only to ollama.com.

        Without a key raises ``RequestError`` (a ``ValueError``) with the official client's message, before
        anything is sent.
        """
        return self._one(_api.web_fetch(self._config, url))

    # --- today's server: status, account, the web search relay, liveness --------------------------------

    def status(self) -> ServerStatusResponse:
        """Whether the server's cloud features are on, and if off, what turned them off (``GET /api/status``).

        >>> client.status().cloud.disabled
        """
        return self._one(_api.status())

    def whoami(self) -> UserResponse:
        """The ollama.com account the server is signed in as (``POST /api/me``).

        Raises ``ResponseError`` with status 401 and ``signin_url`` (where to sign the server in) when it is
        signed out, 503 when ollama.com cannot say.
        """
        return self._one(_api.whoami())

    def signout(self) -> StatusResponse:
        """Sign the server out of ollama.com (``POST /api/signout``); ``status`` is ``'success'``.

        Raises ``ResponseError`` (401 "you are not currently signed in") when it was not signed in.
        """
        return self._one(_api.signout())

    def server_web_search(self, query: str, max_results: int = 3) -> WebSearchResponse:
        """Search the web through the Ollama server's relay (``POST /api/experimental/web_search``).

        The server signs the call to ollama.com with its own sign-in: no API key is needed here, and
        ``OLLAMA_API_KEY`` is not sent. Unlike :meth:`web_search`, which calls ollama.com directly with the key.
        Raises ``ResponseError`` 401 (with ``signin_url``) when the server is signed out, 403 when its cloud
        features are disabled, ``RequestError`` for an empty query or ``max_results`` outside 1 to 10.
        """
        return self._one(_api.server_web_search(query, max_results))

    def server_web_fetch(self, url: str) -> WebFetchResponse:
        """Fetch a web page through the Ollama server's relay (``POST /api/experimental/web_fetch``).

        As :meth:`server_web_search`: no API key, the server signs the call; raises the same errors.
        """
        return self._one(_api.server_web_fetch(url))

    def model_recommendations(self) -> ModelRecommendationsResponse:
        """Models the server recommends (``GET /api/experimental/model-recommendations``)."""
        return self._one(_api.model_recommendations())

    def heartbeat(self) -> str:
        """``GET /``: the server's liveness text, ``'Ollama is running'``.

        Asked once, without retries. Raises ``ConnectError`` when nothing answers and ``ResponseError`` for a
        failure status; see :meth:`is_running` for a yes-or-no answer.
        """
        url = self._config.url(_api.ROOT_PATH)
        status, body = self._ask_within('GET', url, repeatable=_api.LIVENESS_REPEATABLE, retry=_api.LIVENESS_RETRY)
        return _api.check_alive(status, body)

    def is_running(self) -> bool:
        """Whether Ollama answers at the host: ``HEAD /api/version``, the cheapest request it serves.

        True for a 200; False when the server cannot be reached or answers otherwise. Never raises for
        either, and asks once: no retries, so a refused connection answers False at once.
        """
        url = self._config.url(_api.VERSION_PATH)
        try:
            status, _ = self._ask_within('HEAD', url, repeatable=_api.LIVENESS_REPEATABLE, retry=_api.LIVENESS_RETRY)
        except (ConnectError, ProtocolError, RequestTimeout):
            return False
        return status == 200

    def blob_exists(self, digest: str) -> bool:
        """Whether the server holds the blob ``digest`` (``'sha256:<hex>'``) (``HEAD /api/blobs/<digest>``).

        Raises ``RequestError`` for a digest not of that form and ``ResponseError`` when the server refuses.
        """
        url = self._config.url(_api.blob_path(_api.need_digest(digest)))
        return _api.blob_exists_reply(*self._ask_within('HEAD', url, repeatable=_api.BLOB_REPEATABLE))

    # --- end of the generated API ---
