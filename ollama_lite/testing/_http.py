"""HTTP plumbing shared by the handlers: request decoding, Ollama's error bodies, and delivering replies.

Delivery is where scripted effects happen: a delay before the headers, NDJSON lines flushed one by one with a
pause between them, an ``{"error": ...}`` line after some chunks, or a connection cut without the final chunk.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence

from aiohttp import web
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
_JSON_TYPES = {dict: 'object', list: 'array', str: 'string', bool: 'bool', int: 'number', float: 'number'}
# The Go type each request field has in Ollama's api package, for its "cannot unmarshal" messages.
_GO_FIELDS: Dict[str, type] = {
    'model': str, 'prompt': str, 'suffix': str, 'system': str, 'template': str, 'messages': list, 'tools': list,
    'images': list, 'context': list, 'options': dict, 'stream': bool, 'raw': bool, 'logprobs': bool,
    'top_logprobs': int, 'truncate': bool, 'shift': bool, 'dimensions': int, 'width': int, 'height': int,
    'steps': int, 'verbose': bool, 'insecure': bool, 'source': str, 'destination': str, 'from': str,
    'files': dict, 'adapters': dict, 'parameters': dict, 'quantize': str, 'query': str, 'max_results': int,
    'url': str, 'name': str,
}  # fmt: skip
_GO_NAMES = {str: 'string', list: '[]', dict: 'map', bool: 'bool', int: 'int'}


class State:
    """What every handler shares: the registry, the script and settings a test may change while serving."""

    def __init__(self, registry: Registry, script: Script, token_delay: float, version: str) -> None:
        self.registry = registry
        self.script = script
        self.token_delay = token_delay
        self.version = version


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
    raw = recorded(request).raw
    if not raw.strip():
        raise ApiError(400, 'missing request body')
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        position = getattr(exc, 'pos', 0) or 0
        text = raw.decode('utf-8', 'replace')
        if position >= len(text.rstrip()):
            raise ApiError(400, 'unexpected EOF') from None
        raise ApiError(400, f"invalid character '{text[position]}' looking for beginning of value") from None
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
    """Record every request, turn :class:`ApiError` into Ollama's error body and unknown routes into gin's 404."""

    @web.middleware
    async def record_and_answer(request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except (UnicodeDecodeError, ValueError):
            body = None
        entry = RecordedRequest(
            request.method, request.path, dict(request.query), CIMultiDict(request.headers), body, raw
        )
        script.record(entry)
        request[_RECORD] = entry
        try:
            return await handler(request)
        except ApiError as error:
            return json_response(error.body, error.status)
        except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
            # Ollama's router answers any unknown route, whatever the method, with this plain-text 404.
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
    if reply is not None and reply.headers_delay:
        await asyncio.sleep(reply.headers_delay)
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
            if index and pause:
                await asyncio.sleep(pause)
            # One write per line: aiohttp sends each as its own chunk at once, so clients see lines as they come.
            await response.write(go_json(line) + b'\n')
        if cut_after is not None and (error_after is None or cut_after <= error_after):
            _cut(request)
        elif error_after is not None:
            await response.write(go_json({'error': reply.error_after_message}) + b'\n')
    except (ConnectionResetError, asyncio.CancelledError) as exc:
        recorded(request).client_disconnected = True
        if isinstance(exc, asyncio.CancelledError):
            raise
    return response


def _cut(request: web.Request) -> None:
    # Closing the transport leaves the chunked body without its terminating chunk; aiohttp then fails to write
    # the end of the response, which it treats as a client that went away.
    if request.transport is not None:
        request.transport.close()
