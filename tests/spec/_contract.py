"""The closed contract: which JSON field names Ollama's server has, per object, from ``server_fields.json``.

Ollama's OpenAPI spec never closes its objects, so a misspelt key validates. This module maps each object the
spec describes to the Go struct (or ``gin.H`` reply) of the server that reads or writes it, and closes the
object to that struct's fields: :func:`close` is applied to the corrected spec in memory by ``_oracle``.
Fields the server has and the spec lacks are added (any value); a field the spec has and the server lacks
must be dropped by an entry of ``_oracle.SPEC_EXCEPTIONS``, or closing fails.

The same names check the reply classes of ``ollama_lite._types`` (``REPLY_STRUCTS``), each way.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, List, Mapping, Tuple

from ollama_lite import _deprecated, _types

from .server_fields import DATA

#: Spec object (schema name, then a path of property names inside it) -> what the server has for it: a
#: struct of api/types.go, or ``gin.H:<key>`` for the reply routes.go writes as a literal with that key.
SCHEMA_STRUCTS: Dict[str, str] = {
    'ModelOptions': 'Options',
    'GenerateRequest': 'GenerateRequest',
    'GenerateResponse': 'GenerateResponse',
    'GenerateStreamEvent': 'GenerateResponse',
    'ChatMessage': 'Message',
    'ToolCall': 'ToolCall',
    'ToolCall/function': 'ToolCallFunction',
    'ToolDefinition': 'Tool',
    'ToolDefinition/function': 'ToolFunction',
    'ToolDefinition/function/parameters': 'ToolFunctionParameters',
    'ChatRequest': 'ChatRequest',
    'ChatResponse': 'ChatResponse',
    'ChatResponse/message': 'Message',
    'ChatStreamEvent': 'ChatResponse',
    'ChatStreamEvent/message': 'Message',
    'StatusEvent': 'ProgressResponse',
    'StatusResponse': 'ProgressResponse',  # the one reply of a create, pull or push that does not stream
    'EmbedRequest': 'EmbedRequest',
    'EmbedResponse': 'EmbedResponse',
    'CreateRequest': 'CreateRequest',
    'CopyRequest': 'CopyRequest',
    'DeleteRequest': 'DeleteRequest',
    'PullRequest': 'PullRequest',
    'PushRequest': 'PushRequest',
    'ShowRequest': 'ShowRequest',
    'ShowResponse': 'ShowResponse',
    'ShowResponse/details': 'ModelDetails',
    'ModelSummary': 'ListModelResponse',
    'ModelSummary/details': 'ModelDetails',
    'ListResponse': 'ListResponse',
    'Ps': 'ProcessModelResponse',
    'Ps/details': 'ModelDetails',
    'PsResponse': 'ProcessResponse',
    'WebSearchRequest': 'WebSearchRequest',
    'WebSearchResult': 'WebSearchResult',
    'WebSearchResponse': 'WebSearchResponse',
    'WebFetchRequest': 'WebFetchRequest',
    'WebFetchResponse': 'WebFetchResponse',
    'VersionResponse': 'gin.H:version',
    'TokenLogprob': 'TokenLogprob',
    'Logprob': 'Logprob',
    'ErrorResponse': 'gin.H:error',
}
#: Objects the spec describes that stay open: their keys are data, not field names.
OPEN_OBJECTS = (
    'ToolCall/function/arguments',  # the model's arguments
    'CreateRequest/parameters',  # a Modelfile's PARAMETERs, checked by the server against Options itself
    'ShowResponse/model_info',  # GGUF metadata keys
    'GenerateRequest/format',  # a JSON schema of the caller's
    'ChatRequest/format',
)

#: Keys the client sends although the server's struct has no such field; the server ignores them. Each is sent
#: on purpose, as the official client sends it (``ollama_lite._deprecated`` warns once per name).
SENT_EXTRAS: Dict[str, Tuple[Tuple[str, ...], str]] = {
    'Options': (
        tuple(sorted(_deprecated.IGNORED_OPTIONS)),
        'options the server dropped; Options.FromMap logs "invalid option provided" and goes on',
    ),
    'GenerateRequest': (
        tuple(_deprecated.REMOVED_GENERATE_FIELDS),
        'image generation fields the server removed; Go ignores a key no field has',
    ),
}

#: Reply class of ``ollama_lite._types`` -> the struct (or gin.H reply) it decodes.
REPLY_STRUCTS: Dict[type, str] = {
    _types.GenerateResponse: 'GenerateResponse',
    _types.ChatResponse: 'ChatResponse',
    _types.EmbedResponse: 'EmbedResponse',
    _types.EmbeddingsResponse: 'EmbeddingResponse',
    _types.ProgressResponse: 'ProgressResponse',
    _types.ListResponse: 'ListResponse',
    _types.ListResponse.Model: 'ListModelResponse',
    _types.ShowResponse: 'ShowResponse',
    _types.Tensor: 'Tensor',
    _types.ProcessResponse: 'ProcessResponse',
    _types.ProcessResponse.Model: 'ProcessModelResponse',
    _types.ModelDetails: 'ModelDetails',
    _types.Message: 'Message',
    _types.ToolCall: 'ToolCall',
    _types.ToolCallFunction: 'ToolCallFunction',
    _types.TokenLogprob: 'TokenLogprob',
    _types.Logprob: 'Logprob',
    _types.DebugInfo: 'DebugInfo',
    _types.WebSearchResponse: 'WebSearchResponse',
    _types.WebSearchResult: 'WebSearchResult',
    _types.WebFetchResponse: 'WebFetchResponse',
    _types.VersionResponse: 'gin.H:version',
    _types.ServerStatusResponse: 'StatusResponse',
    _types.CloudStatus: 'CloudStatus',
    _types.UserResponse: 'UserResponse',
    _types.ModelRecommendationsResponse: 'ModelRecommendationsResponse',
    _types.ModelRecommendation: 'ModelRecommendation',
}
#: Request class of ``ollama_lite._types`` -> the struct the server reads it into.
REQUEST_STRUCTS: Dict[type, str] = {
    _types.GenerateRequest: 'GenerateRequest',
    _types.ChatRequest: 'ChatRequest',
    _types.EmbedRequest: 'EmbedRequest',
    _types.EmbeddingsRequest: 'EmbeddingRequest',
    _types.PullRequest: 'PullRequest',
    _types.PushRequest: 'PushRequest',
    _types.CreateRequest: 'CreateRequest',
    _types.ShowRequest: 'ShowRequest',
    _types.CopyRequest: 'CopyRequest',
    _types.DeleteRequest: 'DeleteRequest',
    _types.WebSearchRequest: 'WebSearchRequest',
    _types.WebFetchRequest: 'WebFetchRequest',
    _types.Options: 'Options',
    _types.Message: 'Message',
    _types.Tool: 'Tool',
    _types.ToolFunction: 'ToolFunction',
    _types.ToolParameters: 'ToolFunctionParameters',
    _types.ToolProperty: 'ToolProperty',
}
#: Reply-class fields the server's struct lacks, on purpose: (class, wire name) -> why.
DECLARED_EXTRAS: Dict[Tuple[type, str], str] = {
    **{
        (_types.GenerateResponse, name): 'image generation, which the server removed: kept for code that reads it'
        for name in ('image', 'completed', 'total')
    },
    **{
        (_types.EmbedResponse, name): "the official client's EmbedResponse shares the generate stats, so code "
        'may read them; the server never sends them (they stay None)'
        for name in (
            'created_at',
            'done',
            'done_reason',
            'prompt_eval_duration',
            'eval_count',
            'eval_duration',
            'remote_model',
            'remote_host',
        )
    },
}
#: Server fields no reply class has a field for, on purpose: (struct, wire name) -> why. (Unknown keys a reply
#: brings are kept in ``_extra`` all the same.)
NOT_MODELLED: Dict[Tuple[str, str], str] = {}


@functools.lru_cache(maxsize=None)
def server_fields() -> Dict[str, Any]:
    """The data file as committed."""
    with open(DATA, encoding='utf-8') as f:
        loaded: Dict[str, Any] = json.load(f)
    return loaded


def wire_names(struct: str) -> Tuple[str, ...]:
    """The JSON names of ``struct``'s fields, embedded structs' included, in order (``gin.H:<key>``: the keys
    of the routes.go literals that have ``key``)."""
    data = server_fields()
    if struct.startswith('gin.H:'):
        key = struct[6:]
        names: List[str] = []
        for keys in data['gin_h']:
            if key in keys:
                names.extend(k for k in keys if k not in names)
        if not names:
            raise KeyError(f'routes.go answers no gin.H with {key!r}')
        return tuple(names)
    out: List[str] = []
    for entry in data['structs'][struct]:
        if 'embed' in entry:
            out.extend(wire_names(entry['embed']))
            continue
        name = entry['json'].split(',')[0] or entry['field']
        if name != '-':
            out.append(name)
    return tuple(out)


def _node(schemas: Mapping[str, Any], place: str) -> Dict[str, Any]:
    name, *inner = place.split('/')
    node: Dict[str, Any] = schemas[name]
    for part in inner:
        node = node['properties'][part]
    return node


def close(spec: Dict[str, Any]) -> None:
    """Close every object of ``SCHEMA_STRUCTS`` in ``spec`` (in place) to its server fields and sent extras.

    Raises ``AssertionError`` for an object the spec describes that is neither mapped nor open, and for a spec
    property the server lacks that no spec exception drops: both mean the table needs a look.
    """
    schemas = spec['components']['schemas']
    unmapped = sorted(set(_objects(schemas)) - set(SCHEMA_STRUCTS) - set(OPEN_OBJECTS))
    assert not unmapped, f'spec objects with no server struct in SCHEMA_STRUCTS: {unmapped}'
    for place, struct in SCHEMA_STRUCTS.items():
        node = _node(schemas, place)
        names = wire_names(struct) + SENT_EXTRAS.get(struct, ((), ''))[0]
        properties = node.setdefault('properties', {})
        unknown = sorted(set(properties) - set(names))
        assert not unknown, f'{place}: the spec has {unknown}, {struct} has not: add a spec exception'
        for name in names:
            properties.setdefault(name, {})
        node['additionalProperties'] = False


def _objects(schemas: Mapping[str, Any]) -> List[str]:
    """Every object schema of the spec, by schema name and property path (the places SCHEMA_STRUCTS names)."""
    found: List[str] = []

    def walk(node: Any, place: str) -> None:
        if not isinstance(node, dict) or '$ref' in node:
            return
        if node.get('type') == 'object' or 'properties' in node:
            found.append(place)
        for name, child in (node.get('properties') or {}).items():
            walk(child, f'{place}/{name}')
        for key in ('oneOf', 'anyOf', 'allOf'):
            for child in node.get(key) or ():
                walk(child, place)
        walk(node.get('items'), place)

    for name, schema in schemas.items():
        walk(schema, name)
    return found
