"""Every request and reply of the Ollama API as a dataclass.

Names, fields and nesting follow the official client (``Message.ToolCall.Function``,
``ListResponse.Model``…) so code written for it reads these objects unchanged. All reply fields are
optional: servers of different ages send different subsets, and what a reply lacks stays ``None``.
Durations are integers in nanoseconds, as the server sends them.
"""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Union

from ._model import Model, json_name

__all__ = [
    'ChatRequest',
    'ChatResponse',
    'CloudStatus',
    'CopyRequest',
    'CreateRequest',
    'DebugInfo',
    'DeleteRequest',
    'EmbedRequest',
    'EmbedResponse',
    'EmbeddingsRequest',
    'EmbeddingsResponse',
    'GenerateRequest',
    'GenerateResponse',
    'Image',
    'ListResponse',
    'Logprob',
    'Message',
    'ModelDetails',
    'ModelRecommendation',
    'ModelRecommendationsResponse',
    'Options',
    'ProcessResponse',
    'ProgressResponse',
    'PullRequest',
    'PushRequest',
    'ShowRequest',
    'ServerStatusResponse',
    'ShowResponse',
    'StatusResponse',
    'Tensor',
    'TokenLogprob',
    'Tool',
    'ToolCall',
    'ToolCallFunction',
    'ToolFunction',
    'ToolParameters',
    'ToolProperty',
    'UserResponse',
    'WebFetchRequest',
    'WebFetchResponse',
    'WebSearchRequest',
    'WebSearchResponse',
    'WebSearchResult',
]

#: What ``keep_alive`` takes: seconds as a number, or a duration string such as ``'5m'``.
KeepAlive = Union[float, str]


# --- Request building blocks -------------------------------------------------------------------


@dataclass
class Options(Model):
    """Model and runtime options; every field is optional and only set fields are sent.

    Today's server ignores ``numa``, ``low_vram``, ``f16_kv``, ``logits_all``, ``vocab_only``, ``use_mlock``,
    ``embedding_only``, ``tfs_z``, ``mirostat``, ``mirostat_tau``, ``mirostat_eta`` and ``penalize_newline``:
    they are still accepted and sent, as the official client does, with a ``DeprecationWarning`` once per field.

    >>> Options(temperature=0.2, num_ctx=8192)
    """

    # Load-time options
    numa: Optional[bool] = None
    num_ctx: Optional[int] = None
    num_batch: Optional[int] = None
    num_gpu: Optional[int] = None
    main_gpu: Optional[int] = None
    low_vram: Optional[bool] = None
    f16_kv: Optional[bool] = None
    logits_all: Optional[bool] = None
    vocab_only: Optional[bool] = None
    use_mmap: Optional[bool] = None
    use_mlock: Optional[bool] = None
    embedding_only: Optional[bool] = None
    num_thread: Optional[int] = None
    draft_num_predict: Optional[int] = None
    # Runtime options
    num_keep: Optional[int] = None
    seed: Optional[int] = None
    num_predict: Optional[int] = None
    top_k: Optional[int] = None
    top_p: Optional[float] = None
    min_p: Optional[float] = None
    tfs_z: Optional[float] = None
    typical_p: Optional[float] = None
    repeat_last_n: Optional[int] = None
    temperature: Optional[float] = None
    repeat_penalty: Optional[float] = None
    presence_penalty: Optional[float] = None
    frequency_penalty: Optional[float] = None
    mirostat: Optional[int] = None
    mirostat_tau: Optional[float] = None
    mirostat_eta: Optional[float] = None
    penalize_newline: Optional[bool] = None
    stop: Optional[List[str]] = None


@dataclass
class Image(Model):
    """An image for a multimodal model: a file path, raw bytes, or base64 text; sent as base64.

    >>> Image('photo.png')
    """

    value: Union[str, bytes, Path]


@dataclass
class ToolCallFunction(Model):
    """The function a model asks to call; ``arguments`` arrive as a dict, not a JSON string."""

    name: str
    arguments: Dict[str, Any] = field(default_factory=dict)
    index: Optional[int] = None


@dataclass
class ToolCall(Model):
    """One tool call in an assistant message."""

    function: ToolCallFunction
    id: Optional[str] = None

    Function = ToolCallFunction


@dataclass
class Message(Model):
    """A chat message. ``role`` is usually system, user, assistant or tool.

    >>> Message(role='user', content='Why is the sky blue?')
    """

    role: str
    content: Optional[str] = None
    thinking: Optional[str] = None
    images: Optional[List[Union[str, bytes, Path, Image]]] = None
    tool_calls: Optional[List[ToolCall]] = None
    tool_name: Optional[str] = None
    tool_call_id: Optional[str] = None

    ToolCall = ToolCall


@dataclass
class ToolProperty(Model):
    """One parameter of a tool, as a JSON schema (unknown schema keywords are kept as extras)."""

    type: Optional[Union[str, List[str]]] = None
    description: Optional[str] = None
    enum: Optional[List[Any]] = None
    items: Optional[Any] = None
    properties: Optional[Dict[str, Any]] = None
    required: Optional[List[str]] = None
    anyOf: Optional[List[Any]] = None


@dataclass
class ToolParameters(Model):
    """The parameters of a tool: a JSON schema of type object."""

    type: Optional[str] = 'object'
    defs: Optional[Dict[str, Any]] = json_name('$defs', default=None)
    items: Optional[Any] = None
    required: Optional[List[str]] = None
    properties: Optional[Dict[str, ToolProperty]] = None

    Property = ToolProperty


@dataclass
class ToolFunction(Model):
    """A tool's function: its name, what it does, and its parameters."""

    name: Optional[str] = None
    description: Optional[str] = None
    parameters: Optional[ToolParameters] = None

    Parameters = ToolParameters


@dataclass
class Tool(Model):
    """A tool the model may call.

    >>> Tool(function=Tool.Function(name='add', description='Add two numbers'))
    """

    type: Optional[str] = 'function'
    function: Optional[ToolFunction] = None
    items: Optional[Any] = None

    Function = ToolFunction


@dataclass
class TokenLogprob(Model):
    """A token with its log probability; ``bytes`` holds its UTF-8 bytes when the server sends them."""

    token: str = ''
    logprob: float = 0.0
    bytes: Optional[List[int]] = None


@dataclass
class Logprob(TokenLogprob):
    """A generated token's log probability and, when asked for, the most likely alternatives."""

    top_logprobs: Optional[List[TokenLogprob]] = None


@dataclass
class ModelDetails(Model):
    """What a model is: format, family, parameter size, quantization."""

    parent_model: Optional[str] = None
    format: Optional[str] = None
    family: Optional[str] = None
    families: Optional[List[str]] = None
    parameter_size: Optional[str] = None
    quantization_level: Optional[str] = None
    context_length: Optional[int] = None
    embedding_length: Optional[int] = None


# --- Requests ----------------------------------------------------------------------------------


@dataclass
class GenerateRequest(Model):
    """The body of ``POST /api/generate``."""

    model: str = ''
    prompt: Optional[str] = None
    suffix: Optional[str] = None
    system: Optional[str] = None
    template: Optional[str] = None
    context: Optional[Sequence[int]] = None
    stream: Optional[bool] = None
    raw: Optional[bool] = None
    format: Optional[Union[str, Dict[str, Any]]] = None
    images: Optional[List[str]] = None
    options: Optional[Union[Dict[str, Any], Options]] = None
    keep_alive: Optional[KeepAlive] = None
    think: Optional[Union[bool, str]] = None
    truncate: Optional[bool] = None
    shift: Optional[bool] = None
    logprobs: Optional[bool] = None
    top_logprobs: Optional[int] = None
    debug_render_only: Optional[bool] = json_name('_debug_render_only', default=None)
    # Image generation, which the server dropped; kept so callers' code still runs (see _deprecated).
    width: Optional[int] = None
    height: Optional[int] = None
    steps: Optional[int] = None


@dataclass
class ChatRequest(Model):
    """The body of ``POST /api/chat``."""

    model: str = ''
    messages: Optional[List[Message]] = None
    tools: Optional[List[Union[Tool, Dict[str, Any]]]] = None
    stream: Optional[bool] = None
    format: Optional[Union[str, Dict[str, Any]]] = None
    options: Optional[Union[Dict[str, Any], Options]] = None
    keep_alive: Optional[KeepAlive] = None
    think: Optional[Union[bool, str]] = None
    truncate: Optional[bool] = None
    shift: Optional[bool] = None
    logprobs: Optional[bool] = None
    top_logprobs: Optional[int] = None
    debug_render_only: Optional[bool] = json_name('_debug_render_only', default=None)


@dataclass
class EmbedRequest(Model):
    """The body of ``POST /api/embed``."""

    model: str = ''
    input: Union[str, Sequence[str]] = ''
    truncate: Optional[bool] = None
    dimensions: Optional[int] = None
    options: Optional[Union[Dict[str, Any], Options]] = None
    keep_alive: Optional[KeepAlive] = None


@dataclass
class EmbeddingsRequest(Model):
    """The body of the legacy ``POST /api/embeddings``."""

    model: str = ''
    prompt: Optional[str] = None
    options: Optional[Union[Dict[str, Any], Options]] = None
    keep_alive: Optional[KeepAlive] = None


@dataclass
class PullRequest(Model):
    """The body of ``POST /api/pull``."""

    model: str = ''
    insecure: Optional[bool] = None
    stream: Optional[bool] = None


@dataclass
class PushRequest(Model):
    """The body of ``POST /api/push``."""

    model: str = ''
    insecure: Optional[bool] = None
    stream: Optional[bool] = None


@dataclass
class CreateRequest(Model):
    """The body of ``POST /api/create``; ``from_`` is sent as ``from``."""

    model: str = ''
    from_: Optional[str] = json_name('from', default=None)
    files: Optional[Dict[str, str]] = None
    adapters: Optional[Dict[str, str]] = None
    template: Optional[str] = None
    license: Optional[Union[str, List[str]]] = None
    system: Optional[str] = None
    parameters: Optional[Union[Dict[str, Any], Options]] = None
    messages: Optional[List[Message]] = None
    quantize: Optional[str] = None
    renderer: Optional[str] = None
    parser: Optional[str] = None
    stream: Optional[bool] = None
    draft_files: Optional[Dict[str, str]] = None
    draft_quantize: Optional[str] = None
    remote_host: Optional[str] = None
    requires: Optional[str] = None
    info: Optional[Dict[str, Any]] = None


@dataclass
class ShowRequest(Model):
    """The body of ``POST /api/show``; ``system`` and ``options`` show the model as they would change it."""

    model: str = ''
    verbose: Optional[bool] = None
    system: Optional[str] = None
    options: Optional[Union[Dict[str, Any], Options]] = None


@dataclass
class CopyRequest(Model):
    """The body of ``POST /api/copy``."""

    source: str = ''
    destination: str = ''


@dataclass
class DeleteRequest(Model):
    """The body of ``DELETE /api/delete``."""

    model: str = ''


@dataclass
class WebSearchRequest(Model):
    """The body of ``POST https://ollama.com/api/web_search``."""

    query: str = ''
    max_results: Optional[int] = None


@dataclass
class WebFetchRequest(Model):
    """The body of ``POST https://ollama.com/api/web_fetch``."""

    url: str = ''


# --- Replies -----------------------------------------------------------------------------------


@dataclass
class _GenerateStats(Model):
    """Fields shared by generate, chat and embed replies: model, timings (ns) and token counts."""

    model: Optional[str] = None
    created_at: Optional[str] = None
    done: Optional[bool] = None
    done_reason: Optional[str] = None
    total_duration: Optional[int] = None
    load_duration: Optional[int] = None
    prompt_eval_count: Optional[int] = None
    prompt_eval_duration: Optional[int] = None
    eval_count: Optional[int] = None
    eval_duration: Optional[int] = None
    remote_model: Optional[str] = None
    remote_host: Optional[str] = None


@dataclass
class DebugInfo(Model):
    """What ``_debug_render_only=True`` returns instead of generating: the prompt as the template rendered it."""

    rendered_template: Optional[str] = None
    image_count: Optional[int] = None


@dataclass
class GenerateResponse(_GenerateStats):
    """A reply (or one streamed chunk) of ``generate``; the last chunk has ``done=True`` and the stats.

    ``debug_info`` (the server's ``_debug_info``) comes with ``_debug_render_only=True``. ``image``,
    ``completed`` and ``total`` belonged to image generation, which today's server no longer does; they stay
    for code that reads them, and are ``None``.
    """

    response: Optional[str] = None
    thinking: Optional[str] = None
    context: Optional[List[int]] = None
    tool_calls: Optional[List[ToolCall]] = None
    logprobs: Optional[List[Logprob]] = None
    image: Optional[str] = None
    completed: Optional[int] = None
    total: Optional[int] = None
    debug_info: Optional[DebugInfo] = json_name('_debug_info', default=None)


@dataclass
class ChatResponse(_GenerateStats):
    """A reply (or one streamed chunk) of ``chat``: ``r.message.content``, ``r['message']['content']``.

    ``debug_info`` (the server's ``_debug_info``) comes with ``_debug_render_only=True``.
    """

    message: Message = field(default_factory=lambda: Message(role='assistant'))
    logprobs: Optional[List[Logprob]] = None
    debug_info: Optional[DebugInfo] = json_name('_debug_info', default=None)


@dataclass
class EmbedResponse(_GenerateStats):
    """Embeddings of each input, in order."""

    embeddings: List[List[float]] = field(default_factory=list)


@dataclass
class EmbeddingsResponse(Model):
    """The legacy ``/api/embeddings`` reply: one embedding."""

    embedding: List[float] = field(default_factory=list)


@dataclass
class StatusResponse(Model):
    """The outcome of copy or delete: ``status`` is ``'success'``."""

    status: Optional[str] = None


@dataclass
class ProgressResponse(StatusResponse):
    """A progress line of pull, push or create; the last one has ``status == 'success'``."""

    completed: Optional[int] = None
    total: Optional[int] = None
    digest: Optional[str] = None


@dataclass
class ListModel(Model):
    """One local model in ``list()`` (``ListResponse.Model``)."""

    model: Optional[str] = None
    name: Optional[str] = None
    modified_at: Optional[datetime] = None
    digest: Optional[str] = None
    size: Optional[int] = None
    details: Optional[ModelDetails] = None
    capabilities: Optional[List[str]] = None
    remote_model: Optional[str] = None
    remote_host: Optional[str] = None


@dataclass
class ListResponse(Model):
    """The local models (``GET /api/tags``)."""

    models: List[ListModel] = field(default_factory=list)

    Model = ListModel


@dataclass
class Tensor(Model):
    """One tensor of a model, as ``show(model, verbose=True)`` lists them."""

    name: Optional[str] = None
    type: Optional[str] = None
    shape: Optional[List[int]] = None


@dataclass
class ShowResponse(Model):
    """What ``show`` tells about a model; ``modelinfo`` is the server's ``model_info``.

    ``tensors`` and ``projector_info`` come with ``show(model, verbose=True)``.
    """

    modified_at: Optional[datetime] = None
    template: Optional[str] = None
    modelfile: Optional[str] = None
    license: Optional[str] = None
    system: Optional[str] = None
    details: Optional[ModelDetails] = None
    modelinfo: Optional[Dict[str, Any]] = json_name('model_info', default=None)
    projector_info: Optional[Dict[str, Any]] = None
    tensors: Optional[List[Tensor]] = None
    parameters: Optional[str] = None
    capabilities: Optional[List[str]] = None
    messages: Optional[List[Message]] = None
    renderer: Optional[str] = None
    parser: Optional[str] = None
    requires: Optional[str] = None
    remote_model: Optional[str] = None
    remote_host: Optional[str] = None

    Tensor = Tensor

    @property
    def context_length(self) -> Optional[int]:
        """The longest context the model was trained for, in tokens: ``model_info``'s
        ``<general.architecture>.context_length``; ``None`` when the server does not say.

        Not the context a request runs with: that is the ``num_ctx`` option (``Client(options={'num_ctx':
        8192})`` sets it for every call), and a prompt longer than it is cut by the server.

        >>> client.show('llama3.2').context_length
        131072
        """
        info = self.modelinfo
        if not info:
            return None
        arch = info.get('general.architecture')
        value = info.get(f'{arch}.context_length') if isinstance(arch, str) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class ProcessModel(Model):
    """One loaded model in ``ps()`` (``ProcessResponse.Model``); ``expires_at`` is when it unloads."""

    model: Optional[str] = None
    name: Optional[str] = None
    digest: Optional[str] = None
    expires_at: Optional[datetime] = None
    size: Optional[int] = None
    size_vram: Optional[int] = None
    details: Optional[ModelDetails] = None
    context_length: Optional[int] = None


@dataclass
class ProcessResponse(Model):
    """The models loaded in memory (``GET /api/ps``)."""

    models: List[ProcessModel] = field(default_factory=list)

    Model = ProcessModel


@dataclass
class WebSearchResult(Model):
    """One web search hit."""

    content: Optional[str] = None
    title: Optional[str] = None
    url: Optional[str] = None


@dataclass
class WebSearchResponse(Model):
    """The hits of ``web_search``."""

    results: List[WebSearchResult] = field(default_factory=list)


@dataclass
class WebFetchResponse(Model):
    """A fetched web page: its title, text content and links."""

    title: Optional[str] = None
    content: Optional[str] = None
    links: Optional[List[str]] = None


@dataclass
class VersionResponse(Model):
    """The server version (``GET /api/version``)."""

    version: Optional[str] = None


@dataclass
class CloudStatus(Model):
    """Whether the server's Ollama cloud features are off, and what turned them off.

    ``source`` is ``'none'`` (enabled), ``'env'`` (``OLLAMA_NO_CLOUD``), ``'config'`` (the server's config
    file) or ``'both'``.
    """

    disabled: Optional[bool] = None
    source: Optional[str] = None


@dataclass
class ServerStatusResponse(Model):
    """The server's status (``GET /api/status``); not the ``StatusResponse`` that copy and delete return."""

    cloud: Optional[CloudStatus] = None


@dataclass
class UserResponse(Model):
    """The ollama.com account the server is signed in as (``POST /api/me``)."""

    id: Optional[str] = None
    email: Optional[str] = None
    name: Optional[str] = None
    bio: Optional[str] = None
    avatarurl: Optional[str] = None
    firstname: Optional[str] = None
    lastname: Optional[str] = None
    plan: Optional[str] = None


@dataclass
class ModelRecommendation(Model):
    """One model the server recommends; ``vram_bytes`` for local ones, ``required_plan`` for some cloud ones."""

    model: Optional[str] = None
    description: Optional[str] = None
    context_length: Optional[int] = None
    max_output_tokens: Optional[int] = None
    vram_bytes: Optional[int] = None
    required_plan: Optional[str] = None


@dataclass
class ModelRecommendationsResponse(Model):
    """The server's model recommendations (``GET /api/experimental/model-recommendations``)."""

    recommendations: List[ModelRecommendation] = field(default_factory=list)


# --- Argument types the client methods take ----------------------------------------------------

#: ``format=``: '' or 'json', a JSON schema dict, or a dataclass / pydantic model class to derive one from.
Format = Union[Literal['', 'json'], Dict[str, Any], type]
#: ``think=``: on/off, or a level for models that have them.
Think = Union[bool, Literal['low', 'medium', 'high', 'max']]
MessageLike = Union[Mapping[str, Any], Message]
ToolLike = Union[Mapping[str, Any], Tool, Callable[..., Any]]
ImageLike = Union[str, bytes, Path, Image]
OptionsLike = Union[Mapping[str, Any], Options]
