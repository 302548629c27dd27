"""Seeing what a client does: the ``ollama_lite`` logger, event hooks and OpenTelemetry spans, decided here once.

The transports only say when things happen: :meth:`Observer.begin` as a call starts (``None`` when nothing
watches, so an unwatched call pays one check), then :meth:`Watch.replied` when the reply's headers are in,
and :meth:`Watch.finished`, :meth:`Watch.failed` or :meth:`Watch.stream_ended` at its end. What is logged,
what the hooks see and which span attributes are set is all in this module.

- Logging: the ``ollama_lite`` logger, silent until configured (``logging.getLogger('ollama_lite')``), or
  turned on without code by ``OLLAMA_LITE_LOG=info`` or ``debug``, which prints to stderr. At info, one line
  per call (method, path, model, status, duration, retries, host); at debug also the bodies, the client's
  credentials redacted and each cut at :data:`BODY_LOG_LIMIT` characters.
- Hooks: ``event_hooks={'request': [...], 'response': [...]}``, httpx's shape. Request hooks are called with
  a :class:`RequestView` before the request is sent, response hooks with a :class:`ResponseView` once the
  reply's status and headers are in (before its body is read). What a hook raises is raised to the caller.
- OpenTelemetry: with ``opentelemetry-api`` installed, each call is a span from the global tracer provider
  (a no-op until the application sets up an SDK), named and attributed after the GenAI semantic
  conventions. Nothing is imported when the package is absent.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import urllib.parse
import warnings
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ._errors import ResponseError, redact_text

__all__ = ['BODY_LOG_LIMIT', 'Observer', 'RequestView', 'ResponseView', 'Watch', 'check_event_hooks', 'logger']

logger = logging.getLogger('ollama_lite')
# Silent unless the application configures logging: the library's records go nowhere by default.
logger.addHandler(logging.NullHandler())

#: The most characters of one body a debug record shows.
BODY_LOG_LIMIT = 2000
#: The environment variable that turns the logger on without code, as ``OPENAI_LOG`` does for openai.
LOG_ENV = 'OLLAMA_LITE_LOG'
_LEVELS = {'info': logging.INFO, 'debug': logging.DEBUG}


def configure_from_environment(environ: Mapping[str, str] = os.environ) -> Optional[logging.Handler]:
    """Apply ``OLLAMA_LITE_LOG`` (``info`` or ``debug``): a stderr handler on the ``ollama_lite`` logger at
    that level. Returns the handler added, if any; any other value warns and changes nothing."""
    value = environ.get(LOG_ENV, '').strip().lower()
    if not value:
        return None
    level = _LEVELS.get(value)
    if level is None:
        warnings.warn(
            f'{LOG_ENV}={value!r} is not "info" or "debug"; the ollama_lite logger is left as it is', stacklevel=2
        )
        return None
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(asctime)s %(name)s %(levelname)s %(message)s'))
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler


configure_from_environment()


# --- What hooks see --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """A read-only view of a request about to be sent, for ``event_hooks['request']``.

    ``endpoint`` is the client method's name (``'chat'``, ``'pull'``); ``model`` the model named in the body,
    if any; ``headers`` are lower-case with any ``authorization`` shown as ``'<redacted>'``; ``body`` the
    JSON bytes (``None`` for a request without one).
    """

    method: str
    url: str
    endpoint: str
    model: Optional[str]
    stream: bool
    headers: Mapping[str, str] = field(repr=False)
    body: Optional[bytes] = field(repr=False)


@dataclass(frozen=True)
class ResponseView:
    """A read-only view of a reply whose status and headers are in, for ``event_hooks['response']``.

    ``elapsed`` is seconds since the call started (retries and their waits included), ``retries`` how many
    times the request was sent again before this reply. The body is not read yet.
    """

    request: RequestView
    status_code: int
    headers: Mapping[str, str] = field(repr=False)
    elapsed: float
    retries: int


Hook = Callable[[Any], Any]


def check_event_hooks(event_hooks: Optional[Mapping[str, Sequence[Hook]]]) -> Tuple[Tuple[Hook, ...], Tuple[Hook, ...]]:
    """The ``request`` and ``response`` hooks of ``event_hooks``, checked: raises ``ValueError`` for another key
    and ``TypeError`` for a hook that cannot be called or a single function not in a list."""
    if event_hooks is None:
        return (), ()
    if not isinstance(event_hooks, Mapping):
        raise TypeError(
            f"event_hooks must be a dict such as {{'request': [...], 'response': [...]}}, not {event_hooks!r}"
        )
    unknown = set(event_hooks) - {'request', 'response'}
    if unknown:
        raise ValueError(
            f'event_hooks takes "request" and "response" hooks, not {", ".join(map(repr, sorted(unknown)))}'
        )
    out = []
    for kind in ('request', 'response'):
        hooks = event_hooks.get(kind) or ()
        if callable(hooks) or isinstance(hooks, (str, bytes)):
            raise TypeError(f'event_hooks[{kind!r}] must be a list of functions: wrap it as [hook]')
        for hook in hooks:
            if not callable(hook):
                raise TypeError(f'event_hooks[{kind!r}] holds {hook!r}, which cannot be called')
        out.append(tuple(hooks))
    return out[0], out[1]


# --- OpenTelemetry, only when its API is installed ---------------------------------------------------------------

_NOT_LOOKED = object()
_otel: Any = _NOT_LOOKED


#: The global tracer providers that record nothing: OpenTelemetry's own before an SDK is set up.
_NO_SDK: Tuple[type, ...] = ()


def _opentelemetry() -> Any:
    """The ``opentelemetry.trace`` module, imported on the first call that could be traced; ``None`` without it."""
    global _otel, _NO_SDK
    if _otel is _NOT_LOOKED:
        try:
            _otel = importlib.import_module('opentelemetry.trace')
        except ImportError:
            _otel = None
        else:
            _NO_SDK = (_otel.ProxyTracerProvider, _otel.NoOpTracerProvider)
    return _otel


#: The GenAI operation of each inference endpoint (``gen_ai.operation.name``); other calls get a plain span.
GENAI_OPERATIONS = {'chat': 'chat', 'generate': 'text_completion', 'embed': 'embeddings', 'embeddings': 'embeddings'}
#: ``gen_ai.provider.name``: Ollama is not among the convention's listed providers, so its own name.
PROVIDER = 'ollama'
_TRACER_NAME = 'ollama_lite'


def _model_of(body: Optional[bytes]) -> Optional[str]:
    # Our bodies start with the model ({"model":"..."), so it is read from the front, never the whole body.
    if not body or not body.startswith(b'{"model":"'):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(body[9:1024].decode('utf-8', errors='ignore'))
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _cut(text: str, secrets: Sequence[str]) -> str:
    text = redact_text(text, secrets)
    if len(text) > BODY_LOG_LIMIT:
        return f'{text[:BODY_LOG_LIMIT]}... ({len(text) - BODY_LOG_LIMIT} more characters)'
    return text


def _shown(body: Optional[bytes], secrets: Sequence[str]) -> str:
    if body is None:
        return '(none)'
    # Only the front is decoded, so that a body of megabytes of base64 images costs no more than a short one;
    # redacted before it is cut, so that a secret across the cut cannot show half.
    text = redact_text(body[: BODY_LOG_LIMIT * 4].decode('utf-8', errors='replace'), secrets)
    if len(text) <= BODY_LOG_LIMIT and len(body) <= BODY_LOG_LIMIT * 4:
        return text
    return f'{text[:BODY_LOG_LIMIT]}... ({len(body)} bytes in all)'


def _status_of(exc: BaseException) -> str:
    if isinstance(exc, ResponseError):
        return str(exc.status_code) if exc.status_code > 0 else 'error'
    return type(exc).__name__


class Observer:
    """A client's watchers: its hooks, the logger and the tracer. One per client; ``begin`` per call."""

    __slots__ = ('_request_hooks', '_response_hooks', '_secrets', 'headers_for')

    def __init__(
        self,
        event_hooks: Optional[Mapping[str, Sequence[Hook]]],
        secrets: Sequence[str],
        headers_for: Callable[[str], Mapping[str, str]],
    ) -> None:
        self._request_hooks, self._response_hooks = check_event_hooks(event_hooks)
        self._secrets = secrets
        self.headers_for = headers_for

    def begin(self, endpoint: str, method: str, url: str, body: Optional[bytes], stream: bool) -> Optional[Watch]:
        """A :class:`Watch` for one call, or ``None`` when no hook, log record or span would see it."""
        otel = _opentelemetry()
        if otel is not None and isinstance(otel.get_tracer_provider(), _NO_SDK):
            otel = None  # no SDK set up (yet): every span would be a no-op, so none is made
        if otel is None and not (self._request_hooks or self._response_hooks or logger.isEnabledFor(logging.INFO)):
            return None
        return Watch(self, endpoint, method, url, body, stream, otel)


class Watch:
    """One call being watched, from its start to its end (for a stream, its last chunk or its close)."""

    __slots__ = (
        '_ended',
        '_endpoint',
        '_first',
        '_method',
        '_observer',
        '_span',
        '_started',
        '_status',
        'body',
        'model',
        'request_hooks',
        'response_hooks',
        'retries',
        'stream',
        'url',
    )  # fmt: skip

    def __init__(
        self, observer: Observer, endpoint: str, method: str, url: str, body: Optional[bytes], stream: bool, otel: Any
    ) -> None:
        self._observer = observer
        self._endpoint = endpoint
        self._method = method
        self.url = url
        self.body = body
        self.stream = stream
        self.model = _model_of(body)
        self.request_hooks = observer._request_hooks
        self.response_hooks = observer._response_hooks
        self.retries = 0
        self._status: Optional[int] = None
        self._first: Optional[float] = None
        self._ended = False
        self._span: Any = self._start_span(otel) if otel is not None else None
        # After the span starts, so that the time to the first chunk is never longer than the span.
        self._started = time.perf_counter()
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug('%s %s request body: %s', method, self._path(), _shown(body, observer._secrets))

    # --- what the transports call -----------------------------------------------------------------------

    def request(self) -> RequestView:
        """The view the request hooks are called with."""
        headers = {
            k: ('<redacted>' if k == 'authorization' else v) for k, v in self._observer.headers_for(self.url).items()
        }
        return RequestView(
            self._method, self.url, self._endpoint, self.model, self.stream, MappingProxyType(headers), self.body
        )

    def replied(self, status: int, headers: Mapping[str, str], retries: int) -> Optional[ResponseView]:
        """The reply's status and headers are in; the view the response hooks are called with, if any."""
        self._status = status
        self.retries = retries
        if self._span is not None:
            self._span.set_attribute('http.response.status_code', status)
        if not self.response_hooks:
            return None
        return ResponseView(
            self.request(),
            status,
            MappingProxyType({k.lower(): v for k, v in headers.items()}),
            time.perf_counter() - self._started,
            retries,
        )

    def first_chunk(self) -> None:
        """The first chunk of a stream was handed out: the time to the first token."""
        self._first = time.perf_counter()

    def finished(self, reply: Any, body: bytes) -> None:
        """A non-streamed call ended with ``reply``, decoded from ``body``."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug('%s %s reply body: %s', self._method, self._path(), _shown(body, self._observer._secrets))
        self._end(reply, None)

    def stream_ended(self, final: Callable[[], Any], exc: Optional[BaseException]) -> None:
        """A stream ended: at its end (``exc`` is ``StopIteration``/``StopAsyncIteration``), by an error, or by
        being closed early (``exc`` None). ``final`` gives the reply assembled from its chunks."""
        if self._ended:
            return
        if isinstance(exc, (StopIteration, StopAsyncIteration)):
            exc = None
        reply = final()
        if logger.isEnabledFor(logging.DEBUG):
            text = json.dumps(reply.model_dump(exclude_none=True), ensure_ascii=False, default=str)
            logger.debug(
                '%s %s stream, as one reply: %s', self._method, self._path(), _cut(text, self._observer._secrets)
            )
        self._end(reply, exc)

    def failed(self, exc: BaseException) -> None:
        """The call raised ``exc`` (before a stream began, or a non-streamed call)."""
        self._end(None, exc)

    # --- the records ------------------------------------------------------------------------------------

    def _path(self) -> str:
        return urllib.parse.urlsplit(self.url).path or '/'

    def _end(self, reply: Any, exc: Optional[BaseException]) -> None:
        if self._ended:
            return
        self._ended = True
        seconds = time.perf_counter() - self._started
        if logger.isEnabledFor(logging.INFO):
            split = urllib.parse.urlsplit(self.url)
            status = self._status if exc is None else _status_of(exc)
            early = self.stream and exc is None and not getattr(reply, 'done', True)
            logger.info(
                '%s %s model=%s status=%s duration=%.3fs retries=%d host=%s%s',
                self._method, split.path or '/', self.model or '-', status, seconds, self.retries, split.netloc,
                ' (stream closed early)' if early else '',
            )  # fmt: skip
        if self._span is not None:
            self._end_span(reply, exc)

    def _start_span(self, trace: Any) -> Any:
        operation = GENAI_OPERATIONS.get(self._endpoint)
        split = urllib.parse.urlsplit(self.url)
        attributes: Dict[str, Any] = {'server.address': split.hostname or '', 'http.request.method': self._method}
        if split.port is not None:
            attributes['server.port'] = split.port
        if operation is not None:
            attributes['gen_ai.operation.name'] = operation
            attributes['gen_ai.provider.name'] = PROVIDER
            if self.model is not None:
                attributes['gen_ai.request.model'] = self.model
            if self.stream:
                attributes['gen_ai.request.stream'] = True
            name = f'{operation} {self.model}' if self.model else operation
        else:
            name = f'ollama {self._endpoint}'
        tracer = trace.get_tracer(_TRACER_NAME)
        span = tracer.start_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)
        return span if span.is_recording() else None

    def _end_span(self, reply: Any, exc: Optional[BaseException]) -> None:
        span = self._span
        trace = _opentelemetry()
        if reply is not None and self._endpoint in GENAI_OPERATIONS:
            values: List[Tuple[str, Any]] = [
                ('gen_ai.response.model', getattr(reply, 'model', None)),
                ('gen_ai.usage.input_tokens', getattr(reply, 'prompt_eval_count', None)),
                ('gen_ai.usage.output_tokens', getattr(reply, 'eval_count', None)),
            ]
            reason = getattr(reply, 'done_reason', None)
            if reason:
                values.append(('gen_ai.response.finish_reasons', (reason,)))
            for key, value in values:
                if value is not None:
                    span.set_attribute(key, value)
        if self._first is not None:
            span.set_attribute('gen_ai.response.time_to_first_chunk', self._first - self._started)
        if exc is not None:
            span.set_attribute('error.type', _status_of(exc))
            span.record_exception(exc)
            span.set_status(trace.Status(trace.StatusCode.ERROR, str(exc)))
        span.end()
