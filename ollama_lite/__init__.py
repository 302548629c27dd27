"""ollama_lite: a light client for the Ollama API, on requests (``Client``) and aiohttp (``AsyncClient``).

A drop-in for the official client: ``import ollama_lite as ollama``.

>>> import ollama_lite as ollama
>>> ollama.chat('llama3.2', [{'role': 'user', 'content': 'Why is the sky blue?'}]).message.content
"""

from typing import TYPE_CHECKING, Any, Optional

from ._config import ClientConfig, Retry, Timeout
from ._errors import (
    ConnectError,
    ConnectTimeout,
    IncompleteStreamError,
    InvalidResponseError,
    ProtocolError,
    ReadTimeout,
    RequestError,
    RequestTimeout,
    ResponseError,
)
from ._modelfile import Modelfile, ModelfileCommand, ModelfileError, parse_modelfile
from ._schema import json_schema
from ._structured import StructuredOutputError, parse
from ._sync import Client, Stream
from ._types import (
    ChatResponse,
    EmbeddingsResponse,
    EmbedResponse,
    GenerateResponse,
    Image,
    ListResponse,
    Logprob,
    Message,
    ModelDetails,
    Options,
    ProcessResponse,
    ProgressResponse,
    ShowResponse,
    StatusResponse,
    Tensor,
    TokenLogprob,
    Tool,
    VersionResponse,
    WebFetchResponse,
    WebSearchResponse,
    WebSearchResult,
)
from ._version import __version__

if TYPE_CHECKING:
    from ._async import AsyncClient, AsyncStream

__all__ = [
    'AsyncClient',
    'AsyncStream',
    'ChatResponse',
    'Client',
    'ClientConfig',
    'ConnectError',
    'ConnectTimeout',
    'EmbedResponse',
    'EmbeddingsResponse',
    'GenerateResponse',
    'Image',
    'IncompleteStreamError',
    'InvalidResponseError',
    'ListResponse',
    'Logprob',
    'Message',
    'ModelDetails',
    'Modelfile',
    'ModelfileCommand',
    'ModelfileError',
    'Options',
    'ProcessResponse',
    'ProgressResponse',
    'ProtocolError',
    'ReadTimeout',
    'RequestError',
    'RequestTimeout',
    'ResponseError',
    'Retry',
    'ShowResponse',
    'StatusResponse',
    'Stream',
    'StructuredOutputError',
    'Tensor',
    'Timeout',
    'TokenLogprob',
    'Tool',
    'VersionResponse',
    'WebFetchResponse',
    'WebSearchResponse',
    'WebSearchResult',
    '__version__',
    'chat',
    'copy',
    'create',
    'delete',
    'embed',
    'embeddings',
    'generate',
    'json_schema',
    'list',
    'parse',
    'parse_modelfile',
    'ps',
    'pull',
    'push',
    'show',
    'web_fetch',
    'web_search',
]

# Module-level functions call a default Client made on first use, so importing never reads
# OLLAMA_HOST too early nor opens anything.
_FUNCTIONS = frozenset(
    {
        'generate', 'chat', 'embed', 'embeddings', 'pull', 'push', 'create', 'delete', 'list', 'copy', 'show',
        'ps', 'web_search', 'web_fetch',
    }
)  # fmt: skip
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
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
