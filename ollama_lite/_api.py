"""The Ollama API with no I/O: each endpoint described once, each call built and its reply decoded here.

A client method is one line: it builds a :class:`Call` with the function of the same name below and
hands it to its transport, which moves bytes and feeds them back through :meth:`Call.reply` or a
:class:`StreamDecoder`. Everything that is not moving bytes (validation, request bodies, NDJSON,
decoding, error mapping, what makes a stream complete) lives here, shared by both clients.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import (
    Any,
    Callable,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    Match,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _deprecated, _schema
from ._codec import decode, decoder_for, encode
from ._config import CLOUD_ORIGIN, KEYLESS_PATHS, ClientConfig, Defaults, Retry, freeze_options
from ._errors import InvalidResponseError, ProtocolError, RequestError, ResponseError, error_from_reply, redact
from ._images import encode_images
from ._limits import Inflater
from ._model import Model
from ._ndjson import LineDecoder, incomplete, loads, quote
from ._types import (
    ChatRequest,
    ChatResponse,
    CopyRequest,
    CreateRequest,
    DeleteRequest,
    EmbeddingsRequest,
    EmbeddingsResponse,
    EmbedRequest,
    EmbedResponse,
    GenerateRequest,
    GenerateResponse,
    ListResponse,
    Message,
    ModelRecommendationsResponse,
    Options,
    ProcessResponse,
    ProgressResponse,
    PullRequest,
    PushRequest,
    ServerStatusResponse,
    ShowRequest,
    ShowResponse,
    StatusResponse,
    Tool,
    UserResponse,
    VersionResponse,
    WebFetchRequest,
    WebFetchResponse,
    WebSearchRequest,
    WebSearchResponse,
)

__all__ = ['Call', 'Endpoint', 'StreamDecoder']

R = TypeVar('R', bound=Model)

_THINK_LEVELS = ('low', 'medium', 'high', 'max')
#: Size of the pieces a blob is hashed and uploaded in.
BLOB_CHUNK = 1 << 20
#: A blob upload is the file's raw bytes, not JSON.
BLOB_CONTENT_TYPE = 'application/octet-stream'
#: Once a stream's final line has arrived, the stream is complete whatever the server does next. The
#: transports read on for at most this many seconds and bytes, only so that a body ending at once
#: (the usual case: its terminating chunk follows the final line) leaves the connection reusable;
#: past either limit the connection is closed instead.
AFTER_FINAL_LINE = (0.05, 1 << 16)


def _done(obj: Mapping[str, Any]) -> bool:
    return obj.get('done') is True


def _success(obj: Mapping[str, Any]) -> bool:
    return obj.get('status') == 'success'


@dataclass(frozen=True)
class Endpoint(Generic[R]):
    """One endpoint: how it is reached and what its reply decodes into.

    ``final`` tells the last line of a stream (``done: true``, ``status: success``): a stream that ends
    without it is short (an error with ``strict_streams``). ``status_only`` endpoints answer with an empty
    body; success is the status.
    ``repeatable`` endpoints are safe to send again after the request may have reached the server
    (the connection closed after it was written, before any byte of a reply): they only read, so a
    second request changes nothing on the server. Everything else is sent again only when the
    request provably never reached it (see ``_retry``); the README's retry table lists both.
    """

    name: str
    method: str
    path: str
    reply: Type[R]
    final: Optional[Callable[[Mapping[str, Any]], bool]] = None
    status_only: bool = False
    repeatable: bool = False


# Not repeatable: generate and chat (the server may still be generating the first answer, and a second
# one doubles minutes of GPU work), pull, push, create, copy and delete (they change the server's models;
# a second delete answers 404 although the first one worked), web_search and web_fetch (each call counts
# against the ollama.com account), their relay through the server (the server's calls count the same) and
# signout. Repeatable: reads that change nothing (list, ps, version, show, status, whoami,
# model_recommendations, and the liveness checks) and embeddings, a pure function of the input.
GENERATE = Endpoint('generate', 'POST', '/api/generate', GenerateResponse, _done)
CHAT = Endpoint('chat', 'POST', '/api/chat', ChatResponse, _done)
EMBED = Endpoint('embed', 'POST', '/api/embed', EmbedResponse, repeatable=True)
EMBEDDINGS = Endpoint('embeddings', 'POST', '/api/embeddings', EmbeddingsResponse, repeatable=True)
PULL = Endpoint('pull', 'POST', '/api/pull', ProgressResponse, _success)
PUSH = Endpoint('push', 'POST', '/api/push', ProgressResponse, _success)
CREATE = Endpoint('create', 'POST', '/api/create', ProgressResponse, _success)
LIST = Endpoint('list', 'GET', '/api/tags', ListResponse, repeatable=True)
SHOW = Endpoint('show', 'POST', '/api/show', ShowResponse, repeatable=True)
PS = Endpoint('ps', 'GET', '/api/ps', ProcessResponse, repeatable=True)
VERSION = Endpoint('version', 'GET', '/api/version', VersionResponse, repeatable=True)
COPY = Endpoint('copy', 'POST', '/api/copy', StatusResponse, status_only=True)
DELETE = Endpoint('delete', 'DELETE', '/api/delete', StatusResponse, status_only=True)
WEB_SEARCH = Endpoint('web_search', 'POST', CLOUD_ORIGIN + '/api/web_search', WebSearchResponse)
WEB_FETCH = Endpoint('web_fetch', 'POST', CLOUD_ORIGIN + '/api/web_fetch', WebFetchResponse)
SERVER_STATUS = Endpoint('status', 'GET', '/api/status', ServerStatusResponse, repeatable=True)
WHOAMI = Endpoint('whoami', 'POST', '/api/me', UserResponse, repeatable=True)
SIGNOUT = Endpoint('signout', 'POST', '/api/signout', StatusResponse, status_only=True)
SERVER_WEB_SEARCH = Endpoint('server_web_search', 'POST', KEYLESS_PATHS[0], WebSearchResponse)
SERVER_WEB_FETCH = Endpoint('server_web_fetch', 'POST', KEYLESS_PATHS[1], WebFetchResponse)
MODEL_RECOMMENDATIONS = Endpoint(
    'model_recommendations',
    'GET',
    '/api/experimental/model-recommendations',
    ModelRecommendationsResponse,
    repeatable=True,
)
#: The liveness checks: ``GET /`` answers the text "Ollama is running", ``HEAD /api/version`` only a status.
ROOT_PATH = '/'
VERSION_PATH = '/api/version'
#: Both blob requests are safe to repeat: the HEAD only asks, and an upload is addressed by the file's
#: digest, so a second upload stores the same bytes under the same name.
BLOB_REPEATABLE = True
#: The liveness checks (``GET /``, ``HEAD /api/version``) only ask.
LIVENESS_REPEATABLE = True
#: ... and ask once: "is Ollama up?" wants the answer of now, not the one after the retry backoff.
LIVENESS_RETRY = Retry(total=0)


class StreamDecoder(Generic[R]):
    """Bytes of a streamed reply in, typed chunks out; knows when the stream is complete.

    A body that ends cleanly (its last HTTP chunk, or all of its ``Content-Length``) without the final
    line (``done: true``, ``status: success``) simply ends, as with the official client; with ``strict``
    it raises ``IncompleteStreamError``. A body cut at the transport level is the transport's to report
    and raises either way.
    """

    __slots__ = ('_decode', '_endpoint', '_final', '_finished', '_lines', '_secrets', '_strict')

    def __init__(
        self,
        endpoint: Endpoint[R],
        secrets: Sequence[str] = (),
        strict: bool = False,
        max_line: Optional[int] = None,
    ) -> None:
        self._endpoint = endpoint
        self._secrets = secrets
        self._strict = strict
        self._lines = LineDecoder(secrets, max_line)
        self._decode = decoder_for(endpoint.reply)
        self._final = endpoint.final
        self._finished = False

    def feed(self, data: bytes) -> StreamDecoder[R]:
        """Take one read; returns the decoder itself as the iterator of the chunks ``data`` completes, each
        decoded as it is taken, so a read of a thousand lines never holds a thousand decoded chunks (take
        them all before the next ``feed``). A bad line raises when its turn comes, after the chunks before
        it: ``ResponseError`` for an error line, ``InvalidResponseError`` for a line that is not JSON."""
        self._lines.feed(data)
        return self

    def __iter__(self) -> StreamDecoder[R]:
        return self

    def __next__(self) -> R:
        lines = self._lines
        try:
            obj = lines.decode(next(lines))
        except StopIteration:
            raise
        except Exception as exc:
            lines.discard()  # nothing after a bad line is delivered
            raise redact(exc, self._secrets) from None
        final = self._final
        if final is not None and final(obj):
            self._finished = True
        return self._decode(obj)

    def feed_pieces(self, pieces: Iterable[bytes]) -> Iterator[R]:
        """:meth:`feed` of each piece in turn, lazily; a bad line, or an error making the pieces, raises
        once the chunks before it have been taken."""
        for piece in pieces:
            yield from self.feed(piece)

    @property
    def finished(self) -> bool:
        """Whether the final line has been decoded: the transport stops reading (see ``AFTER_FINAL_LINE``)."""
        return self._finished

    def close(self, why: str = 'the connection closed') -> List[R]:
        """The body ended cleanly: return a last line left without a newline. Raises
        ``IncompleteStreamError`` when that line is cut short, and (``strict``) when the final line never came."""
        try:
            last = self._lines.close()
        except Exception as exc:
            raise redact(exc, self._secrets) from None
        out = []
        if last is not None:
            if self._final is not None and self._final(last):
                self._finished = True
            out.append(self._decode(last))
        if self._strict and not self._finished and self._final is not None:
            raise incomplete(self._endpoint.name, self._lines.lines_seen, why)
        return out


@dataclass(frozen=True)
class Call(Generic[R]):
    """A request ready to send, and how to read its reply."""

    endpoint: Endpoint[R]
    body: Optional[bytes]
    stream: bool = False
    #: For routing over several hosts (``_pool``): the model the call needs, and what its default
    #: affinity key is hashed from (a chat's messages, a generation's system prompt and prompt).
    model: Optional[str] = None
    lead: Any = None

    @property
    def method(self) -> str:
        return self.endpoint.method

    @property
    def repeatable(self) -> bool:
        return self.endpoint.repeatable

    def url(self, config: ClientConfig) -> str:
        return config.url(self.endpoint.path)

    def reply(self, status: int, body: bytes, secrets: Sequence[str] = ()) -> R:
        """Decode a whole (non-streamed) reply with HTTP ``status``.

        Raises ``ResponseError`` for a failure status or an ``{"error": ...}`` body, and
        ``InvalidResponseError`` for a body that is not a JSON object; ``secrets`` never appear in either.
        """
        try:
            if status >= 400:
                raise error_from_reply(status, body, secrets=secrets)
            if self.endpoint.status_only:
                return self.endpoint.reply(status='success')  # type: ignore[call-arg]
            return parse_reply(self.endpoint, body, secrets)
        except (ResponseError, ProtocolError) as exc:
            raise redact(exc, secrets) from None

    def stream_decoder(
        self, secrets: Sequence[str] = (), strict: bool = False, max_line: Optional[int] = None
    ) -> StreamDecoder[R]:
        return StreamDecoder(self.endpoint, secrets, strict, max_line)

    def stream_reader(
        self, config: ClientConfig, secrets: Sequence[str], content_encoding: Optional[str]
    ) -> Tuple[StreamDecoder[R], Optional[Inflater]]:
        """How a client reads this call's streamed reply under ``config``: the decoder of its lines and, with
        ``max_reply_bytes``, the inflater that decodes the body in bounded pieces (else the transport does)."""
        limit = config.max_reply_bytes
        decoder = self.stream_decoder(secrets, config.strict_streams, limit)
        return decoder, None if limit is None else Inflater(content_encoding)


def parse_reply(endpoint: Endpoint[R], body: bytes, secrets: Sequence[str] = ()) -> R:
    """Decode one JSON reply body into ``endpoint.reply``."""
    if not body or body.isspace():  # not body.strip(): that would copy a large body
        raise InvalidResponseError(f'the {endpoint.name} reply has an empty body where a JSON object was expected')
    try:
        obj = loads(body)
    except ValueError as exc:
        raise InvalidResponseError(f'the {endpoint.name} reply is not JSON ({exc}): {quote(body, secrets)}') from None
    if not isinstance(obj, dict):
        raise InvalidResponseError(f'the {endpoint.name} reply is not a JSON object: {type(obj).__name__}')
    error = obj.get('error')
    if error is not None:
        raise ResponseError(error if isinstance(error, str) else json.dumps(error))
    return decode(endpoint.reply, obj)


# One encoder for every body: json.dumps with any argument builds a new JSONEncoder per call.
# allow_nan=False: json would write NaN and Infinity, which are not JSON and which Ollama rejects.
_dumps = json.JSONEncoder(separators=(',', ':'), ensure_ascii=False, allow_nan=False).encode


def _body(request: Model) -> bytes:
    """The JSON body of ``request``; raises ``RequestError`` for what JSON cannot carry (NaN, infinity)."""
    try:
        text = _dumps(encode(request))
    except ValueError as exc:  # only allow_nan's error: "Out of range float values are not JSON compliant"
        raise RequestError(f'the request contains NaN or infinity, which JSON cannot carry ({exc})') from None
    except RecursionError:
        raise RequestError('the request is nested too deeply to encode as JSON') from None
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (text read with errors='surrogateescape', or cut between the halves of a pair) has no
        # UTF-8 form, but JSON carries it as an escape: written as json.dumps writes it by default (and so the
        # official client on httpx before 0.28), "\udce9". Ollama's decoder reads it as U+FFFD.
        return _SURROGATE.sub(_escape_surrogate, text).encode()


_SURROGATE = re.compile('[\ud800-\udfff]')


def _escape_surrogate(found: Match[str]) -> str:
    return f'\\u{ord(found.group()):04x}'


def _need_model(model: Any, what: str = 'model') -> str:
    if not isinstance(model, str) or not model.strip():
        raise RequestError(f'must provide a {what}: a model name such as "llama3.2", got {model!r}')
    return model


def _options(value: Union[Mapping[str, Any], Options, None], name: str = 'options') -> Any:
    if value is None or isinstance(value, Options):
        _deprecated.warn_ignored_options(value)
        return value
    if isinstance(value, Mapping):
        _deprecated.warn_ignored_options(value)
        return dict(value)
    raise RequestError(f'{name} must be a dict or ollama_lite.Options, not {type(value).__name__}')


def _think(value: Any) -> Any:
    if value is None or isinstance(value, bool) or value in _THINK_LEVELS:
        return value
    raise RequestError(f'think must be True, False or one of {", ".join(_THINK_LEVELS)}; got {value!r}')


def _keep_alive(value: Any) -> Any:
    if value is None or (isinstance(value, (int, float, str)) and not isinstance(value, bool)):
        return value
    raise RequestError(f'keep_alive must be seconds (a number) or a duration such as "5m"; got {value!r}')


def defaults(options: Any = None, keep_alive: Any = None, think: Any = None, format: Any = None) -> Defaults:
    """Check a client's defaults once, as a call's own values are checked (``Client(options=...)``).

    Raises ``RequestError`` naming the bad value, as the call would.
    """
    checked = _options(options)
    if isinstance(checked, Options):
        checked = encode(checked)
    return Defaults(
        freeze_options(checked or {}), _keep_alive(keep_alive), _think(think), _schema.format_schema(format)
    )


def _merged_options(defaults: Defaults, options: Any) -> Any:
    """A call's checked ``options`` over the client's default options, key by key; the call's win."""
    if not defaults.options:
        return options
    return defaults.merged_options(encode(options) if isinstance(options, Options) else options)


def _defaulted(
    defaults: Optional[Defaults], options: Any, keep_alive: Any, think: Any, format: Any
) -> Tuple[Any, Any, Any, Any]:
    """A call's ``options`` (checked by the API function itself, so that a warning about them names the
    caller's line), and its ``keep_alive``, ``think`` and ``format``, with the client's defaults under them:
    options merged key by key, the others standing in for ``None``."""
    if defaults is None or defaults.empty:
        return options, keep_alive, think, format
    return (
        _merged_options(defaults, options),
        defaults.keep_alive if keep_alive is None else keep_alive,
        defaults.think if think is None else think,
        defaults.format if format is None else format,
    )


def _top_logprobs(value: Any) -> Any:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 20):
        return value
    raise RequestError(f'top_logprobs must be a whole number from 0 to 20; got {value!r}')


#: Message fields that are left out when empty (``''``, ``[]``), as the official client leaves them out.
_SKIPPED_WHEN_EMPTY = ('content', 'thinking', 'images', 'tool_calls', 'tool_name', 'tool_call_id')


def _without_empty(msg: Message) -> Message:
    empty: Dict[str, Any] = {
        n: None for n in _SKIPPED_WHEN_EMPTY if not getattr(msg, n) and getattr(msg, n) is not None
    }
    extra = msg._extra
    if not empty and not (extra and not all(extra.values())):
        return msg
    # A copy, so the caller's message stays as they built it.
    out = dataclasses.replace(msg, **empty)
    if extra:
        out._extra = {k: v for k, v in extra.items() if v}
    return out


def messages_of(
    messages: Optional[Sequence[Union[Mapping[str, Any], Message]]], skip_empty: bool = True
) -> Optional[List[Message]]:
    """Check and normalise chat messages: dicts or ``Message``; images become base64; with ``skip_empty``
    empty fields (``content=''``, ``images=[]``) are left out, byte for byte as the official client's chat
    sends them (its create sends messages as given)."""
    if messages is None:
        return None
    if isinstance(messages, (str, bytes, Mapping, Message)):
        raise RequestError('messages must be a list of messages, not a single message: wrap it as [message]')
    out = []
    for i, m in enumerate(messages):
        if isinstance(m, Message):
            msg = m
        elif isinstance(m, Mapping):
            msg = decode(Message, dict(m))
        else:
            raise RequestError(f'messages[{i}] must be a dict or ollama_lite.Message, not {type(m).__name__}')
        if not isinstance(msg.role, str) or not msg.role:
            raise RequestError(f'messages[{i}] has no role: give it one such as "user" or "assistant"')
        if msg.content is not None and not isinstance(msg.content, str):
            raise RequestError(f'messages[{i}].content must be a string, not {type(msg.content).__name__}')
        if msg.images:
            try:
                images: Any = encode_images(msg.images)
            except (TypeError, ValueError, OSError) as exc:
                raise type(exc)(f'messages[{i}].images: {exc}') from None
            # A copy, so the caller's message keeps the images as they gave them.
            extra = msg._extra
            msg = dataclasses.replace(msg, images=images)
            if extra:
                msg._extra = dict(extra)
        out.append(_without_empty(msg) if skip_empty else msg)
    return out


def _tools(tools: Optional[Sequence[Any]]) -> Optional[List[Any]]:
    if tools is None:
        return None
    if isinstance(tools, (Mapping, Tool)) or callable(tools):
        raise RequestError('tools must be a list of tools, not a single tool: wrap it as [tool]')
    return [_schema.to_tool(t) for t in tools]


def generate(
    model: str = '',
    prompt: Optional[str] = None,
    suffix: Optional[str] = None,
    *,
    system: Optional[str] = None,
    template: Optional[str] = None,
    context: Optional[Sequence[int]] = None,
    stream: bool = False,
    think: Any = None,
    logprobs: Optional[bool] = None,
    top_logprobs: Optional[int] = None,
    raw: Optional[bool] = None,
    format: Any = None,
    images: Optional[Sequence[Any]] = None,
    options: Any = None,
    keep_alive: Any = None,
    truncate: Optional[bool] = None,
    shift: Optional[bool] = None,
    width: Optional[int] = None,
    height: Optional[int] = None,
    steps: Optional[int] = None,
    _debug_render_only: Optional[bool] = None,
    defaults: Optional[Defaults] = None,
) -> Call[GenerateResponse]:
    removed = {'width': width, 'height': height, 'steps': steps}
    _deprecated.warn_removed([k for k, v in removed.items() if v is not None], 'image generation was removed')
    options, keep_alive, think, format = _defaulted(defaults, _options(options), keep_alive, think, format)
    request = GenerateRequest(
        model=_need_model(model),
        prompt=prompt,
        suffix=suffix,
        system=system,
        template=template,
        context=list(context) if context is not None else None,
        stream=bool(stream),
        raw=raw,
        format=_schema.format_schema(format),
        images=encode_images(images) if images else None,
        options=options,
        keep_alive=_keep_alive(keep_alive),
        think=_think(think),
        truncate=truncate,
        shift=shift,
        logprobs=logprobs,
        top_logprobs=_top_logprobs(top_logprobs),
        width=width,
        height=height,
        steps=steps,
        debug_render_only=_debug_render_only,
    )
    return Call(GENERATE, _body(request), bool(stream), request.model, (system, prompt))


def chat(
    model: str = '',
    messages: Optional[Sequence[Union[Mapping[str, Any], Message]]] = None,
    *,
    tools: Optional[Sequence[Any]] = None,
    stream: bool = False,
    think: Any = None,
    logprobs: Optional[bool] = None,
    top_logprobs: Optional[int] = None,
    format: Any = None,
    options: Any = None,
    keep_alive: Any = None,
    truncate: Optional[bool] = None,
    shift: Optional[bool] = None,
    _debug_render_only: Optional[bool] = None,
    defaults: Optional[Defaults] = None,
) -> Call[ChatResponse]:
    options, keep_alive, think, format = _defaulted(defaults, _options(options), keep_alive, think, format)
    request = ChatRequest(
        model=_need_model(model),
        # Sent even when empty, as the official client sends them: exact-body matchers in users' tests.
        messages=messages_of(messages) or [],
        tools=_tools(tools) or [],
        stream=bool(stream),
        format=_schema.format_schema(format),
        options=options,
        keep_alive=_keep_alive(keep_alive),
        think=_think(think),
        truncate=truncate,
        shift=shift,
        logprobs=logprobs,
        top_logprobs=_top_logprobs(top_logprobs),
        debug_render_only=_debug_render_only,
    )
    return Call(CHAT, _body(request), bool(stream), request.model, request.messages)


def _embed_defaults(defaults: Optional[Defaults], options: Any, keep_alive: Any) -> Dict[str, Any]:
    """``options`` and ``keep_alive`` of an embedding request, over the client's defaults (think and format do
    not apply to embeddings)."""
    options, keep_alive, _, _ = _defaulted(defaults, options, keep_alive, None, None)
    return {'options': options, 'keep_alive': _keep_alive(keep_alive)}


def embed(
    model: str = '',
    input: Union[str, Sequence[str]] = '',
    truncate: Optional[bool] = None,
    options: Any = None,
    keep_alive: Any = None,
    dimensions: Optional[int] = None,
    defaults: Optional[Defaults] = None,
) -> Call[EmbedResponse]:
    if not isinstance(input, str):
        if isinstance(input, (bytes, Mapping)) or not all(isinstance(x, str) for x in input):
            raise RequestError('input must be a string or a list of strings')
        input = list(input)
    if dimensions is not None and (isinstance(dimensions, bool) or not isinstance(dimensions, int) or dimensions < 1):
        raise RequestError(f'dimensions must be a positive whole number; got {dimensions!r}')
    request = EmbedRequest(
        model=_need_model(model),
        input=input,
        truncate=truncate,
        dimensions=dimensions,
        **_embed_defaults(defaults, _options(options), keep_alive),
    )
    return Call(EMBED, _body(request), model=request.model)


def embeddings(
    model: str = '',
    prompt: Optional[str] = None,
    options: Any = None,
    keep_alive: Any = None,
    defaults: Optional[Defaults] = None,
) -> Call[EmbeddingsResponse]:
    request = EmbeddingsRequest(
        model=_need_model(model), prompt=prompt, **_embed_defaults(defaults, _options(options), keep_alive)
    )
    return Call(EMBEDDINGS, _body(request), model=request.model)


def pull(model: str, *, insecure: bool = False, stream: bool = False) -> Call[ProgressResponse]:
    request = PullRequest(model=_need_model(model), insecure=insecure, stream=bool(stream))
    return Call(PULL, _body(request), bool(stream))


def push(model: str, *, insecure: bool = False, stream: bool = False) -> Call[ProgressResponse]:
    request = PushRequest(model=_need_model(model), insecure=insecure, stream=bool(stream))
    return Call(PUSH, _body(request), bool(stream))


def create(
    model: str,
    quantize: Optional[str] = None,
    from_: Optional[str] = None,
    files: Optional[Dict[str, str]] = None,
    adapters: Optional[Dict[str, str]] = None,
    template: Optional[str] = None,
    license: Union[str, List[str], None] = None,
    system: Optional[str] = None,
    parameters: Any = None,
    messages: Optional[Sequence[Union[Mapping[str, Any], Message]]] = None,
    *,
    stream: bool = False,
    renderer: Optional[str] = None,
    parser: Optional[str] = None,
    draft_files: Optional[Dict[str, str]] = None,
    draft_quantize: Optional[str] = None,
    remote_host: Optional[str] = None,
    requires: Optional[str] = None,
    info: Optional[Mapping[str, Any]] = None,
) -> Call[ProgressResponse]:
    request = CreateRequest(
        model=_need_model(model),
        from_=from_,
        files=dict(files) if files is not None else None,
        adapters=dict(adapters) if adapters is not None else None,
        template=template,
        license=license,
        system=system,
        parameters=_options(parameters, 'parameters'),
        messages=messages_of(messages, skip_empty=False),
        quantize=quantize,
        renderer=renderer,
        parser=parser,
        stream=bool(stream),
        draft_files=dict(draft_files) if draft_files is not None else None,
        draft_quantize=draft_quantize,
        remote_host=remote_host,
        requires=requires,
        info=_mapping(info, 'info'),
    )
    return Call(CREATE, _body(request), bool(stream))


def delete(model: str) -> Call[StatusResponse]:
    return Call(DELETE, _body(DeleteRequest(model=_need_model(model))))


def copy(source: str, destination: str) -> Call[StatusResponse]:
    request = CopyRequest(source=_need_model(source, 'source'), destination=_need_model(destination, 'destination'))
    return Call(COPY, _body(request))


def show(
    model: str, verbose: Optional[bool] = None, system: Optional[str] = None, options: Any = None
) -> Call[ShowResponse]:
    request = ShowRequest(model=_need_model(model), verbose=verbose or None, system=system, options=_options(options))
    return Call(SHOW, _body(request), model=request.model)


# --- Loading, unloading and making sure of a model: what the ollama CLI sends ---------------------------


def load(model: str, keep_alive: Any = None, defaults: Optional[Defaults] = None) -> Call[GenerateResponse]:
    """Load ``model`` into memory: a generate request with no prompt, which the server answers at once with
    ``done_reason: "load"``; ``keep_alive`` (else the client's default) says for how long."""
    if keep_alive is None and defaults is not None:
        keep_alive = defaults.keep_alive
    body: Dict[str, Any] = {'model': _need_model(model)}
    if keep_alive is not None:
        body['keep_alive'] = _keep_alive(keep_alive)
    return Call(GENERATE, _dumps(body).encode())


def unload(model: str) -> Call[GenerateResponse]:
    """Take ``model`` out of memory now, with the body ``ollama stop`` sends: no prompt and ``keep_alive``
    ``"0s"`` (the server answers ``done_reason: "unload"``). See :func:`runs_remotely` for the show before it."""
    return Call(GENERATE, _dumps({'model': _need_model(model), 'keep_alive': '0s'}).encode())


def runs_remotely(model: str, shown: ShowResponse) -> bool:
    """Whether ``model`` runs on another host (a cloud model), which ``ollama stop`` leaves alone: its
    ``show`` names a ``remote_host``, or the name ends in ``:cloud`` or ``-cloud`` as the server reads it."""
    if shown.remote_host:
        return True
    tag = model.strip().rpartition(':')
    suffix = tag[2].strip().lower()
    return bool(tag[1]) and (suffix == 'cloud' or ('/' not in tag[2] and suffix.endswith('-cloud')))


def model_missing(error: ResponseError) -> bool:
    """Whether ``show`` failed because the server does not have the model (its 404 "not found")."""
    return error.status_code == 404


def list_models() -> Call[ListResponse]:
    return Call(LIST, None)


def ps() -> Call[ProcessResponse]:
    return Call(PS, None)


def version() -> Call[VersionResponse]:
    return Call(VERSION, None)


def status() -> Call[ServerStatusResponse]:
    return Call(SERVER_STATUS, None)


def whoami() -> Call[UserResponse]:
    return Call(WHOAMI, None)


def signout() -> Call[StatusResponse]:
    return Call(SIGNOUT, None)


def model_recommendations() -> Call[ModelRecommendationsResponse]:
    return Call(MODEL_RECOMMENDATIONS, None)


def _mapping(value: Optional[Mapping[str, Any]], name: str) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise RequestError(f'{name} must be a dict, not {type(value).__name__}')
    return dict(value)


def _search_args(what: str, query: str, max_results: int) -> WebSearchRequest:
    if not isinstance(query, str) or not query.strip():
        raise RequestError(f'{what} needs a non-empty query')
    if isinstance(max_results, bool) or not isinstance(max_results, int) or not 1 <= max_results <= 10:
        raise RequestError(f'max_results must be a whole number from 1 to 10; got {max_results!r}')
    return WebSearchRequest(query=query, max_results=max_results)


def _fetch_args(what: str, url: str) -> WebFetchRequest:
    if not isinstance(url, str) or not url.strip():
        raise RequestError(f'{what} needs a non-empty url')
    return WebFetchRequest(url=url)


def server_web_search(query: str, max_results: int = 3) -> Call[WebSearchResponse]:
    """Web search through the Ollama server's relay, which signs the call to ollama.com itself."""
    return Call(SERVER_WEB_SEARCH, _body(_search_args('server_web_search', query, max_results)))


def server_web_fetch(url: str) -> Call[WebFetchResponse]:
    """Fetch a page through the Ollama server's relay, which signs the call to ollama.com itself."""
    return Call(SERVER_WEB_FETCH, _body(_fetch_args('server_web_fetch', url)))


def check_alive(status: int, body: bytes) -> str:
    """Read the reply to ``GET /``: the server's text ("Ollama is running"), or ``ResponseError``."""
    if status != 200:
        raise error_from_reply(status, body)
    return body.decode('utf-8', errors='replace')


def _need_cloud_key(config: ClientConfig, what: str) -> None:
    # The official client's words exactly (code matches on them); RequestError is a ValueError, as its error is.
    if not config.headers.get('authorization', '').startswith('Bearer '):
        raise RequestError(f'Authorization header with Bearer token is required for {what}')


def web_search(config: ClientConfig, query: str, max_results: int = 3) -> Call[WebSearchResponse]:
    _need_cloud_key(config, 'web search')
    return Call(WEB_SEARCH, _body(_search_args('web_search', query, max_results)))


def web_fetch(config: ClientConfig, url: str) -> Call[WebFetchResponse]:
    _need_cloud_key(config, 'web fetch')
    return Call(WEB_FETCH, _body(_fetch_args('web_fetch', url)))


# --- Blobs: a HEAD to ask, a POST of the file's bytes to upload -------------------------------------


#: ``create_blob(progress=...)``: called with the bytes of the file sent so far and its size.
BlobProgress = Callable[[int, int], None]


class BlobUpload:
    """A file opened for one blob upload, that tells ``progress`` how much of it has been read to be sent.

    It has a length, so requests sends a ``Content-Length`` as it does for the plain file, and reads it in
    pieces as it does a file; the transport closes it after each attempt.
    """

    def __init__(self, path: Union[str, os.PathLike[str]], progress: BlobProgress) -> None:
        self._file = open(path, 'rb')  # noqa: SIM115 - closed by close(), which the transport calls
        self._size = os.fstat(self._file.fileno()).st_size
        self._sent = 0
        self._progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        if data:
            self._sent += len(data)
            self._progress(self._sent, self._size)
        return data

    def __len__(self) -> int:
        return self._size

    def close(self) -> None:
        self._file.close()


def blob_chunks(path: Union[str, os.PathLike[str]]) -> Iterator[bytes]:
    """Read a file in pieces, so neither hashing nor uploading holds it whole in memory."""
    with open(path, 'rb') as f:
        while True:
            chunk = f.read(BLOB_CHUNK)
            if not chunk:
                return
            yield chunk


def blob_digest(path: Union[str, os.PathLike[str]]) -> str:
    """``sha256:<hex>`` of a file, computed while reading it piece by piece.

    Raises ``FileNotFoundError`` naming the path when there is no such file.
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f'blob file {str(path)!r} does not exist or is not a file')
    h = hashlib.sha256()
    for chunk in blob_chunks(p):
        h.update(chunk)
    return f'sha256:{h.hexdigest()}'


_DIGEST_HEX = frozenset('0123456789abcdefABCDEF')


def need_digest(digest: Any) -> str:
    """Check a blob digest is ``sha256:`` and 64 hex digits, as the server names blobs."""
    ok = isinstance(digest, str) and digest.startswith('sha256:') and len(digest) == 71
    if not ok or not set(digest[7:]) <= _DIGEST_HEX:
        raise RequestError(f'a blob digest is "sha256:" and 64 hex digits; got {digest!r}')
    return str(digest)


def blob_path(digest: str) -> str:
    return f'/api/blobs/{digest}'


def check_blob_exists(status: int) -> bool:
    """Read the reply to ``HEAD /api/blobs/<digest>``: only 200 means the server has the blob.

    Any other answer (404, but also a proxy's 405 or a mock's 500) leads to the upload the official
    client always makes, so a server that cannot answer HEAD still gets the blob; a real failure then
    shows in the upload's reply.
    """
    return status == 200


def blob_exists_reply(status: int, body: bytes) -> bool:
    """Read the reply to ``HEAD /api/blobs/<digest>`` asked on its own: 200 has it, 404 lacks it, and
    anything else raises ``ResponseError``, since the caller asked a question that needs a true answer."""
    if status == 200:
        return True
    if status == 404:
        return False
    raise error_from_reply(status, body)


def check_blob_created(status: int, body: bytes) -> None:
    """Read the reply to the upload: 200/201 is done, anything else raises ``ResponseError``."""
    if status >= 400:
        raise error_from_reply(status, body)
