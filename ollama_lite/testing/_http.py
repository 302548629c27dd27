"""HTTP plumbing shared by the handlers: request decoding, Ollama's error bodies, and delivering replies.

Delivery is where scripted effects happen: a delay before the headers, NDJSON lines flushed one by one with a
pause between them, an ``{"error": ...}`` line after some chunks, or a connection cut without the final chunk.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Set

from aiohttp import http_exceptions, web
from multidict import CIMultiDict

from ._names import InvalidName
from ._registry import Model, Registry
from ._script import RecordedRequest, Reply, Script

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# aiohttp 3.13 added typed request keys and warns about plain strings, which older versions need.
_RECORD: Any = (
    web.RequestKey('ollama_lite.recorded', RecordedRequest) if hasattr(web, 'RequestKey') else 'ollama_lite.recorded'
)
# The whole body as received: the log may keep only the start of it.
_RAW: Any = web.RequestKey('ollama_lite.raw', bytes) if hasattr(web, 'RequestKey') else 'ollama_lite.raw'
#: How deep a request body may nest. Go's decoder allows 10000 levels; the emulator answers deeper bodies as Go
#: answers those, so that its own recursive handling (schemas, replies) stays far from Python's recursion limit.
MAX_DEPTH = 100
#: The default cap on a request body: aiohttp refuses more with 413 before reading it into memory.
MAX_BODY = 64 * 1024 * 1024
_SURROGATE = re.compile('[\ud800-\udfff]')
_SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F]')
_JSON_TYPES = {dict: 'object', list: 'array', str: 'string', bool: 'bool', int: 'number', float: 'number'}
# The Go type each request field has in Ollama's api package, for its "cannot unmarshal" messages.
_GO_FIELDS: Dict[str, type] = {
    'model': str, 'prompt': str, 'suffix': str, 'system': str, 'template': str, 'messages': list, 'tools': list,
    'images': list, 'context': list, 'options': dict, 'stream': bool, 'raw': bool, 'logprobs': bool,
    'top_logprobs': int, 'truncate': bool, 'shift': bool, 'dimensions': int, 'verbose': bool, 'insecure': bool,
    'source': str, 'destination': str, 'from': str, 'files': dict, 'adapters': dict, 'parameters': dict,
    'quantize': str, 'query': str, 'max_results': int,
    'url': str, 'name': str, 'draft_files': dict, 'draft_quantize': str, 'remote_host': str, 'requires': str,
    'info': dict, '_debug_render_only': bool,
}  # fmt: skip
_GO_NAMES = {str: 'string', list: '[]', dict: 'map', bool: 'bool', int: 'int'}
# How often a scripted pause looks at the connection: aiohttp tells a handler nothing of a client that left
# (unless handler cancellation is on), so a pause checks the transport in steps this long.
_WATCH_STEP = 0.005


class State:
    """What every handler shares: the registry, the script and settings a test may change while serving.

    ``user`` is the ollama.com account the server is signed in as (``None``: signed out, as a fresh server is);
    ``cloud_disabled_by`` is what turned the cloud features off (``None``: on); ``catalog`` holds the names a
    pull finds besides the built-in library.
    """

    def __init__(
        self, registry: Registry, script: Script, token_delay: float, version: str, max_body: int = MAX_BODY
    ) -> None:
        self.registry = registry
        self.script = script
        self.token_delay = token_delay
        self.version = version
        self.max_body = max_body
        self.user: Optional[Dict[str, Any]] = None
        self.cloud_disabled_by: Optional[str] = None
        self.catalog: Set[str] = set()


STATE = web.AppKey('ollama_lite.testing.state', State)


def state(request: web.Request) -> State:
    """The emulator state behind ``request``'s application."""
    return request.app[STATE]


class ApiError(Exception):
    """A failure answered as Ollama does: ``status`` with ``{"error": message}``."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {'error': message, **extra}


def go_json(value: Any) -> bytes:
    """Encode ``value`` compactly, as Go's encoder does."""
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False).encode()


def json_response(body: Any, status: int = 200) -> web.Response:
    """A JSON reply (``None``: an empty body, as copy and delete answer)."""
    if body is None:
        return web.Response(status=status)
    return web.Response(status=status, body=go_json(body), content_type='application/json', charset='utf-8')


def recorded(request: web.Request) -> RecordedRequest:
    """The log entry of ``request``."""
    entry: RecordedRequest = request[_RECORD]
    return entry


def decode_body(request: web.Request, go_type: str) -> Dict[str, Any]:
    """The JSON object ``request`` carried, its known fields type-checked.

    Raises :class:`ApiError` (400) with Ollama's message when the body is missing, not JSON, not an object, or a
    field has the wrong type.
    """
    raw: bytes = request[_RAW]
    if not raw.strip():
        raise ApiError(400, 'missing request body')
    body = parse_json(raw)
    if not isinstance(body, dict):
        kind = 'null' if body is None else _JSON_TYPES.get(type(body), 'value')
        raise ApiError(400, f'json: cannot unmarshal {kind} into Go value of type api.{go_type}')
    for name, value in body.items():
        expected = _GO_FIELDS.get(name)
        if expected is None or value is None or _fits(value, expected):
            # Go reads 3.0 into an int field as 3; handlers then count with it.
            if expected is int and isinstance(value, float):
                body[name] = int(value)
            continue
        kind = _JSON_TYPES.get(type(value), 'value')
        go_name = _GO_NAMES[expected]
        raise ApiError(400, f'json: cannot unmarshal {kind} into Go struct field {go_type}.{name} of type {go_name}')
    return body


class _BadNumber(ValueError):
    """A number Go's decoder refuses: too large for a float64, or a literal JSON does not have (NaN)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _BadNumber(f'json: cannot unmarshal number {text} into Go value of type float64')
    return value


def _parse_int(text: str) -> Any:
    value = int(text)
    # Go reads a number into an interface as a float64: past int64 it stays a number, but a float.
    return value if -(2**63) <= value < 2**63 else _parse_float(text)


def _parse_constant(text: str) -> Any:
    raise _BadNumber(f"invalid character '{text[0]}' looking for beginning of value")


def parse_json(raw: bytes) -> Any:
    """Decode a request body as Go's encoding/json would, or raise :class:`ApiError` (400) with its message.

    Lone surrogates become U+FFFD, as Go decodes them; NaN, Infinity and numbers beyond a float64 are refused;
    bodies nested deeper than :data:`MAX_DEPTH` get Go's "exceeded max depth".
    """
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError:
        text = raw.decode('utf-8', 'replace')  # Go keeps going with U+FFFD too
    bracket = _too_deep(text)
    if bracket is not None:
        raise ApiError(400, f"invalid character '{bracket}' exceeded max depth")
    try:
        value = json.loads(text, parse_float=_parse_float, parse_int=_parse_int, parse_constant=_parse_constant)
    except _BadNumber as exc:
        raise ApiError(400, exc.message) from None
    except ValueError as exc:
        position = getattr(exc, 'pos', 0) or 0
        if position >= len(text.rstrip()):
            raise ApiError(400, 'unexpected EOF') from None
        raise ApiError(400, f"invalid character '{text[position]}' looking for beginning of value") from None
    # Only a \uD800-\uDFFF escape can leave a lone surrogate; most bodies need no walk at all.
    return _without_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


def _too_deep(text: str) -> Optional[str]:
    """The bracket at which brackets outside strings nest deeper than :data:`MAX_DEPTH`, found without recursion
    (``None``: not too deep)."""
    if text.count('[') + text.count('{') <= MAX_DEPTH:
        return None
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in '[{':
            depth += 1
            if depth > MAX_DEPTH:
                return char
        elif char in ']}':
            depth -= 1
    return None


def _clean(text: str) -> str:
    return _SURROGATE.sub('\ufffd', text)


def _without_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings (keys too) replaced by U+FFFD; walked without recursion."""
    if isinstance(value, str):
        return _clean(value)
    pending: List[Any] = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node[key]
                clean_key = _clean(key) if isinstance(key, str) else key
                if clean_key != key:
                    del node[key]
                node[clean_key] = _clean(item) if isinstance(item, str) else item
                pending.append(item)
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = _clean(item)
                pending.append(item)
    return value


def _fits(value: Any, expected: type) -> bool:
    if expected is int:
        return not isinstance(value, bool) and (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        )
    if expected is bool:
        return isinstance(value, bool)
    return isinstance(value, expected)


def model_field(body: Mapping[str, Any]) -> str:
    """The model a request names (``model``, or the deprecated ``name``); raises :class:`ApiError` when absent."""
    name = body.get('model') or body.get('name')
    if not name:
        raise ApiError(400, 'model is required')
    return str(name)


def find_model(registry: Registry, name: str) -> Model:
    """The installed model ``name``; raises :class:`ApiError` 400 for an invalid name, 404 for an unknown one."""
    try:
        model = registry.find(name)
    except InvalidName:
        raise ApiError(400, 'invalid model name') from None
    if model is None:
        raise ApiError(404, f"model '{name}' not found")
    return model


def middleware(script: Script) -> Middleware:
    """Record every request, turn :class:`ApiError` into Ollama's error body and unknown routes into gin's 404.

    The log keeps the parsed body and at most ``script.log_body_bytes`` bytes of the raw one; a client that goes
    away while sending its body ends the request quietly.
    """

    @web.middleware
    async def record_and_answer(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            # Go's http.MaxBytesReader says this; aiohttp stopped reading at its client_max_size.
            return json_response({'error': 'http: request body too large'}, 413)
        except (ConnectionError, asyncio.IncompleteReadError, http_exceptions.HttpProcessingError):
            raise web.HTTPBadRequest() from None  # the client is gone: nobody reads this answer
        request[_RAW] = raw
        entry = script.record_request(
            request.method, request.path, dict(request.query), CIMultiDict(request.headers), raw
        )
        request[_RECORD] = entry
        try:
            return await handler(request)
        except ApiError as error:
            return json_response(error.body, error.status)
        except web.HTTPMethodNotAllowed:
            # gin, with HandleMethodNotAllowed on, answers a known path asked with another method so.
            return web.Response(status=405, text='405 method not allowed')
        except web.HTTPNotFound:
            return web.Response(status=404, text='404 page not found')

    return record_and_answer


async def deliver(
    request: web.Request,
    reply: Optional[Reply],
    *,
    single: Any,
    lines: Sequence[Mapping[str, Any]] = (),
    stream: bool = False,
    token_delay: float = 0.0,
) -> web.StreamResponse:
    """Send a reply: ``single`` as one JSON object (or a ready response), or ``lines`` as NDJSON when ``stream``.

    A scripted ``reply`` may replace the body (an error or raw JSON), delay the headers, pace the lines, end the
    stream with an error line, or cut the connection.
    """
    if reply is not None and reply.headers_delay and not await _pause(request, reply.headers_delay):
        return web.Response()
    if reply is not None and reply.error_message is not None:
        return json_response({'error': reply.error_message}, reply.status)
    if reply is not None and reply.body is not None:
        return json_response(reply.body, reply.status)
    if reply is None:
        reply = Reply()
    if not stream:
        if reply.cut_after_chunks is not None:
            _cut(request)
        elif reply.error_after_chunks is not None:
            return json_response({'error': reply.error_after_message}, 500)
        return single if isinstance(single, web.StreamResponse) else json_response(single)
    pause = reply.chunk_delay if reply.chunk_delay is not None else token_delay
    return await _stream(request, list(lines), pause, reply)


async def _stream(
    request: web.Request, lines: List[Mapping[str, Any]], pause: float, reply: Reply
) -> web.StreamResponse:
    response = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
    if request.version >= (1, 1):
        response.enable_chunked_encoding()
    await response.prepare(request)
    error_after, cut_after = reply.error_after_chunks, reply.cut_after_chunks
    limit = min(n for n in (len(lines), error_after, cut_after) if n is not None)
    try:
        for index, line in enumerate(lines[:limit]):
            if index and pause and not await _pause(request, pause):
                return response
            # One write per line: aiohttp sends each as its own chunk at once, so clients see lines as they come.
            await response.write(go_json(line) + b'\n')
        if cut_after is not None and (error_after is None or cut_after <= error_after):
            _cut(request)
        elif error_after is not None:
            await response.write(go_json({'error': reply.error_after_message}) + b'\n')
    except (ConnectionError, asyncio.CancelledError) as exc:
        # ConnectionError: aiohttp raises a bare one when the client leaves while a write waits to drain.
        _record_disconnect(request)
        if isinstance(exc, asyncio.CancelledError):
            raise
    return response


async def _pause(request: web.Request, seconds: float) -> bool:
    """Wait ``seconds``; return ``False`` early, the disconnect recorded, when the client goes away meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        transport = request.transport
        if transport is None or transport.is_closing():
            _record_disconnect(request)
            return False
        left = deadline - loop.time()
        if left <= 0:
            return True
        try:
            await asyncio.sleep(min(left, _WATCH_STEP))
        except asyncio.CancelledError:
            # aiohttp's handler cancellation (when on) ends the handler the moment the client leaves.
            _record_disconnect(request)
            raise


def _record_disconnect(request: web.Request) -> None:
    entry = recorded(request)
    if not entry.client_disconnected:
        entry.client_disconnected = True
        entry.disconnected_at = time.monotonic()


def _cut(request: web.Request) -> None:
    # Closing the transport leaves the chunked body without its terminating chunk; aiohttp then fails to write
    # the end of the response, which it treats as a client that went away.
    if request.transport is not None:
        request.transport.close()
