"""ollama_lite: a light client for the Ollama API, on requests (``Client``) and aiohttp (``AsyncClient``).

A drop-in for the official client: ``import ollama_lite as ollama``.

>>> import ollama_lite as ollama
>>> ollama.chat('llama3.2', [{'role': 'user', 'content': 'Why is the sky blue?'}]).message.content
"""

import importlib
from typing import TYPE_CHECKING, Any, Dict, Optional

# --- public names: generated from _NAMES below by `python -m tests._twins`; edit _NAMES, not here ---
from ._batch import BatchItemError, EmbedManyResponse
from ._config import ClientConfig, Retry, Timeout
from ._errors import (
    ConnectError,
    ConnectTimeout,
    IncompleteStreamError,
    InvalidResponseError,
    PoolTimeout,
    ProtocolError,
    ReadTimeout,
    ReplyTooLargeError,
    RequestError,
    RequestTimeout,
    ResponseError,
    TotalTimeout,
)
from ._pool import HostStatus, host_of
from ._schema import json_schema
from ._structured import StructuredOutputError, parse
from ._sync import Client, Stream
from ._types import (
    ChatResponse,
    CloudStatus,
    DebugInfo,
    EmbeddingsResponse,
    EmbedResponse,
    GenerateResponse,
    Image,
    ListResponse,
    Logprob,
    Message,
    ModelDetails,
    ModelRecommendation,
    ModelRecommendationsResponse,
    Options,
    ProcessResponse,
    ProgressResponse,
    ServerStatusResponse,
    ShowResponse,
    StatusResponse,
    Tensor,
    TokenLogprob,
    Tool,
    UserResponse,
    VersionResponse,
    WebFetchResponse,
    WebSearchResponse,
    WebSearchResult,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._async import AsyncClient, AsyncStream
    from ._modelfile import Modelfile, ModelfileCommand, ModelfileError, parse_modelfile
    from ._tool_runner import (
        MaxRoundsError,
        ToolCallError,
        ToolCallEvent,
        ToolCallRecord,
        ToolResultEvent,
        ToolRun,
        ToolRunError,
        ToolRunStream,
    )
    from ._tool_runner_async import AsyncToolRunStream

    _client = Client()
    generate = _client.generate
    chat = _client.chat
    embed = _client.embed
    embeddings = _client.embeddings
    pull = _client.pull
    push = _client.push
    create = _client.create
    delete = _client.delete
    list = _client.list
    copy = _client.copy
    show = _client.show
    ps = _client.ps
    web_search = _client.web_search
    web_fetch = _client.web_fetch
    status = _client.status
    whoami = _client.whoami
    signout = _client.signout
    server_web_search = _client.server_web_search
    server_web_fetch = _client.server_web_fetch
    model_recommendations = _client.model_recommendations
    heartbeat = _client.heartbeat
    is_running = _client.is_running
    blob_exists = _client.blob_exists
    run_tools = _client.run_tools
    embed_many = _client.embed_many
    iter_embed_many = _client.iter_embed_many
    chat_many = _client.chat_many
    iter_chat_many = _client.iter_chat_many
    generate_many = _client.generate_many
    iter_generate_many = _client.iter_generate_many

__all__ = [
    'AsyncClient',
    'AsyncStream',
    'AsyncToolRunStream',
    'BatchItemError',
    'ChatResponse',
    'Client',
    'ClientConfig',
    'CloudStatus',
    'ConnectError',
    'ConnectTimeout',
    'DebugInfo',
    'EmbedManyResponse',
    'EmbedResponse',
    'EmbeddingsResponse',
    'GenerateResponse',
    'HostStatus',
    'Image',
    'IncompleteStreamError',
    'InvalidResponseError',
    'ListResponse',
    'Logprob',
    'MaxRoundsError',
    'Message',
    'ModelDetails',
    'ModelRecommendation',
    'ModelRecommendationsResponse',
    'Modelfile',
    'ModelfileCommand',
    'ModelfileError',
    'Options',
    'PoolTimeout',
    'ProcessResponse',
    'ProgressResponse',
    'ProtocolError',
    'ReadTimeout',
    'ReplyTooLargeError',
    'RequestError',
    'RequestTimeout',
    'ResponseError',
    'Retry',
    'ServerStatusResponse',
    'ShowResponse',
    'StatusResponse',
    'Stream',
    'StructuredOutputError',
    'Tensor',
    'Timeout',
    'TokenLogprob',
    'Tool',
    'ToolCallError',
    'ToolCallEvent',
    'ToolCallRecord',
    'ToolResultEvent',
    'ToolRun',
    'ToolRunError',
    'ToolRunStream',
    'TotalTimeout',
    'UserResponse',
    'VersionResponse',
    'WebFetchResponse',
    'WebSearchResponse',
    'WebSearchResult',
    '__version__',
    'blob_exists',
    'chat',
    'chat_many',
    'copy',
    'create',
    'delete',
    'embed',
    'embed_many',
    'embeddings',
    'generate',
    'generate_many',
    'heartbeat',
    'host_of',
    'is_running',
    'iter_chat_many',
    'iter_embed_many',
    'iter_generate_many',
    'json_schema',
    'list',
    'model_recommendations',
    'parse',
    'parse_modelfile',
    'ps',
    'pull',
    'push',
    'run_tools',
    'server_web_fetch',
    'server_web_search',
    'show',
    'signout',
    'status',
    'web_fetch',
    'web_search',
    'whoami',
]
# --- end of the generated names ---

#: Every public name, once, with the module that holds it; the imports, ``__all__`` and the names type checkers
#: see above are generated from it. ``eager`` names are imported with the package. ``lazy`` ones on first use:
#: the tool runner and the Modelfile parser cost a few milliseconds each that ``import ollama_lite`` should not
#: pay, and aiohttp is the ``async`` extra. ``functions`` are methods of a default ``Client`` made on first use,
#: so that importing never reads OLLAMA_HOST too early nor opens anything.
_NAMES: Dict[str, Any] = {
    'eager': {
        '_batch': 'BatchItemError EmbedManyResponse',
        '_config': 'ClientConfig Retry Timeout',
        '_errors': (
            'ConnectError ConnectTimeout IncompleteStreamError InvalidResponseError PoolTimeout ProtocolError '
            'ReadTimeout ReplyTooLargeError RequestError RequestTimeout ResponseError TotalTimeout'
        ),
        '_pool': 'HostStatus host_of',
        '_schema': 'json_schema',
        '_structured': 'StructuredOutputError parse',
        '_sync': 'Client Stream',
        '_types': (
            'ChatResponse CloudStatus DebugInfo EmbeddingsResponse EmbedResponse GenerateResponse Image ListResponse '
            'Logprob Message ModelDetails ModelRecommendation ModelRecommendationsResponse Options ProcessResponse '
            'ProgressResponse ServerStatusResponse ShowResponse StatusResponse Tensor TokenLogprob Tool UserResponse '
            'VersionResponse WebFetchResponse WebSearchResponse WebSearchResult'
        ),
        '_version': '__version__',
    },
    'lazy': {
        '_async': 'AsyncClient AsyncStream',
        '_modelfile': 'Modelfile ModelfileCommand ModelfileError parse_modelfile',
        '_tool_runner': (
            'MaxRoundsError ToolCallError ToolCallEvent ToolCallRecord ToolResultEvent ToolRun ToolRunError '
            'ToolRunStream'
        ),
        '_tool_runner_async': 'AsyncToolRunStream',
    },
    'functions': (
        'generate chat embed embeddings pull push create delete list copy show ps web_search web_fetch status whoami '
        'signout server_web_search server_web_fetch model_recommendations heartbeat is_running blob_exists run_tools '
        'embed_many iter_embed_many chat_many iter_chat_many generate_many iter_generate_many'
    ),
}
_FUNCTIONS = frozenset(_NAMES['functions'].split())
_LAZY: Dict[str, str] = {name: module for module, names in _NAMES['lazy'].items() for name in names.split()}
_default_client: Optional[Client] = None


def __getattr__(name: str) -> Any:
    global _default_client
    if name in _FUNCTIONS:
        if _default_client is None:
            _default_client = Client()
        return getattr(_default_client, name)
    if name in _LAZY:
        try:
            module = importlib.import_module(f'.{_LAZY[name]}', __name__)
        except ModuleNotFoundError as exc:
            # aiohttp is the "async" extra: imported only when the async client is first touched.
            from ._extras import aiohttp_missing

            raise aiohttp_missing(exc, f'ollama_lite.{name}') from None
        return getattr(module, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
