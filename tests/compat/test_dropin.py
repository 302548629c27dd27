"""Drop-in proof against the official client installed beside us: names, signatures, defaults, reply shapes."""

from __future__ import annotations

import inspect
from typing import Any, List

import pytest

import ollama_lite

official = pytest.importorskip('ollama', reason='the official client is a test dependency (ollama-lite[test])')

# Parts of the official package outside Ollama's documented HTTP API, which ollama_lite follows.
NOT_PROVIDED = {name for name in official.__all__ if name.startswith('SystemOne')} | {'systemone'}

CLIENT_METHODS = [
    'generate', 'chat', 'embed', 'embeddings', 'pull', 'push', 'create', 'create_blob', 'delete', 'copy', 'list',
    'show', 'ps', 'web_search', 'web_fetch',
]  # fmt: skip


def test_every_public_name_exists() -> None:
    missing = [n for n in official.__all__ if n not in NOT_PROVIDED and not hasattr(ollama_lite, n)]
    assert missing == []


@pytest.mark.parametrize('name', [m for m in CLIENT_METHODS if m != 'create_blob'])  # neither package has it
def test_module_functions_exist(name: str) -> None:
    assert callable(getattr(ollama_lite, name))
    assert callable(getattr(official, name))


def _compatible(ours: Any, theirs: Any) -> List[str]:
    """What code calling ``theirs`` would break on with ``ours``: missing parameters, another order,
    another kind or default; new parameters of ours must be optional and keyword-only."""
    problems = []
    mine = inspect.signature(ours).parameters
    other = inspect.signature(theirs).parameters
    positional = [p for p in other.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    my_positional = [p for p in mine.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if [p.name for p in my_positional[: len(positional)]] != [p.name for p in positional]:
        problems.append(f'positional order {[p.name for p in my_positional]} != {[p.name for p in positional]}')
    for name, p in other.items():
        if p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        q = mine.get(name)
        if q is None:
            problems.append(f'missing {name}')
            continue
        if q.kind != p.kind:
            problems.append(f'{name}: {q.kind} != {p.kind}')
        if q.default != p.default:
            problems.append(f'{name}: default {q.default!r} != {p.default!r}')
    for name, q in mine.items():
        extra = name not in other and q.kind not in (q.VAR_KEYWORD, q.VAR_POSITIONAL)
        if extra and (q.default is inspect.Parameter.empty or q.kind != q.KEYWORD_ONLY):
            problems.append(f'new parameter {name} must be keyword-only with a default')
    return problems


@pytest.mark.parametrize('method', CLIENT_METHODS)
@pytest.mark.parametrize('pair', ['sync', 'async'])
def test_method_signatures_accept_every_official_call(method: str, pair: str) -> None:
    ours = ollama_lite.Client if pair == 'sync' else ollama_lite.AsyncClient
    theirs = official.Client if pair == 'sync' else official.AsyncClient
    assert _compatible(getattr(ours, method), getattr(theirs, method)) == []


def test_constructor_takes_host_first() -> None:
    for cls in (ollama_lite.Client, ollama_lite.AsyncClient):
        assert next(iter(inspect.signature(cls).parameters)) == 'host'


@pytest.mark.parametrize(
    'cls',
    [
        'ChatResponse', 'GenerateResponse', 'EmbedResponse', 'EmbeddingsResponse', 'ListResponse', 'ShowResponse',
        'ProcessResponse', 'ProgressResponse', 'StatusResponse', 'WebSearchResponse', 'WebFetchResponse', 'Message',
        'Options', 'Tool',
    ],
)  # fmt: skip
def test_reply_types_have_every_official_field(cls: str) -> None:
    theirs = set(getattr(official, cls).model_fields)
    ours = ollama_lite.__dict__[cls]
    missing = sorted(
        f for f in theirs if not hasattr(ours, '__dataclass_fields__') or f not in ours.__dataclass_fields__
    )
    assert missing == []


def test_nested_type_names() -> None:
    for path in ['Message.ToolCall', 'Message.ToolCall.Function', 'Tool.Function', 'Tool.Function.Parameters',
                 'Tool.Function.Parameters.Property', 'ListResponse.Model', 'ProcessResponse.Model']:  # fmt: skip
        obj: Any = ollama_lite
        for part in path.split('.'):
            obj = getattr(obj, part)
        assert isinstance(obj, type), path


def test_response_error_matches() -> None:
    for make in (official.ResponseError, ollama_lite.ResponseError):
        e = make('{"error": "model not found"}', 404)
        assert (e.error, e.status_code, str(e)) == ('model not found', 404, 'model not found (status code: 404)')
    assert ollama_lite.ResponseError('x').status_code == official.ResponseError('x').status_code == -1
    assert ollama_lite.RequestError('bad').error == official.RequestError('bad').error == 'bad'


def test_same_reply_shapes_from_the_same_wire() -> None:
    wire = {
        'model': 'llama3.2',
        'created_at': '2024-05-01T12:00:00Z',
        'message': {
            'role': 'assistant',
            'content': 'Hi',
            'tool_calls': [{'function': {'name': 'add', 'arguments': {'a': 1}}}],
        },
        'done': True,
        'eval_count': 3,
    }
    ours = ollama_lite.ChatResponse.from_dict(wire)
    theirs = official.ChatResponse(**wire)
    for read in (
        lambda r: r.message.content,
        lambda r: r['message']['content'],
        lambda r: r['message']['tool_calls'][0]['function']['arguments'],
        lambda r: r.message.tool_calls[0].function.name,
        lambda r: r.get('done'),
        lambda r: r.get('nope', 'default'),
        lambda r: 'message' in r,
        lambda r: 'thinking' in r.message,
        lambda r: r.eval_count,
    ):
        assert read(ours) == read(theirs)
