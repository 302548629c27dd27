"""ollama_lite: a light client for the Ollama API, on requests (``Client``) and aiohttp (``AsyncClient``).

A drop-in for the official client: ``import ollama_lite as ollama``.

>>> import ollama_lite as ollama
>>> ollama.chat('llama3.2', [{'role': 'user', 'content': 'Why is the sky blue?'}]).message.content
"""

import importlib
from typing import TYPE_CHECKING, Any, Optional

from ._batch import BatchItemError, EmbedManyResponse
from ._config import ClientConfig, Retry, Timeout
from ._errors import (
    ConnectError,
    ConnectTimeout,
    IncompleteStreamError,
    InvalidResponseError,
    ProtocolError,
    ReadTimeout,
    ReplyTooLargeError,
    RequestError,
    RequestTimeout,
    ResponseError,
    TotalTimeout,
)
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
    'TotalTimeout',
    'Timeout',
    'TokenLogprob',
    'Tool',
    'UserResponse',
    'ToolCallError',
    'ToolCallEvent',
    'ToolCallRecord',
    'ToolResultEvent',
    'ToolRun',
    'ToolRunError',
    'ToolRunStream',
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
    'server_web_fetch',
    'server_web_search',
    'run_tools',
    'show',
    'signout',
    'status',
    'web_fetch',
    'web_search',
    'whoami',
]

# Module-level functions call a default Client made on first use, so importing never reads
# OLLAMA_HOST too early nor opens anything.
_FUNCTIONS = frozenset(
    {
        'generate', 'chat', 'embed', 'embeddings', 'pull', 'push', 'create', 'delete', 'list', 'copy', 'show',
        'ps', 'web_search', 'web_fetch', 'status', 'whoami', 'signout', 'server_web_search', 'server_web_fetch',
        'model_recommendations', 'heartbeat', 'is_running', 'blob_exists', 'run_tools', 'embed_many',
        'iter_embed_many', 'chat_many', 'iter_chat_many', 'generate_many', 'iter_generate_many',
    }
)  # fmt: skip
# Names loaded on first use, from the module that holds them: the tool runner and the Modelfile parser cost a
# few milliseconds each that `import ollama_lite` should not pay.
_LAZY = {
    **dict.fromkeys(
        ('MaxRoundsError', 'ToolCallError', 'ToolCallEvent', 'ToolCallRecord', 'ToolResultEvent', 'ToolRun',
         'ToolRunError', 'ToolRunStream'),
        '_tool_runner',
    ),
    'AsyncToolRunStream': '_tool_runner_async',
    **dict.fromkeys(('Modelfile', 'ModelfileCommand', 'ModelfileError', 'parse_modelfile'), '_modelfile'),
}  # fmt: skip
_default_client: Optional[Client] = None

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    global _default_client
    if name in _FUNCTIONS:
        if _default_client is None:
            _default_client = Client()
        return getattr(_default_client, name)
    if name in ('AsyncClient', 'AsyncStream'):
        # aiohttp is the "async" extra: import it only when the async client is first touched.
        try:
            from . import _async
        except ModuleNotFoundError as exc:
            if exc.name != 'aiohttp':
                raise
            raise ImportError(
                f'ollama_lite.{name} needs aiohttp: install it with  pip install "ollama-lite[async]"'
            ) from None
        return getattr(_async, name)
    if name in _LAZY:
        return getattr(importlib.import_module(f'.{_LAZY[name]}', __name__), name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
