"""Ollama's own OpenAPI description (``ollama-openapi.yaml``) as a test oracle.

The file is read as it is, never copied or edited; where it is wrong about what the server accepts or sends,
``SPEC_EXCEPTIONS`` names each place once with the reason, taken from the server's ``api/types.go``. Its objects
are then closed to the server's field names (``_contract``): an unknown key fails, naming its path. The file is
found at ``$OLLAMA_OPENAPI``, else where ``python -m tests.spec.fetch`` writes it, else in ``shared/`` beside the
repository; without it the tests that need it skip, saying how to fetch it (and fail under ``CI``).
"""

from __future__ import annotations

import copy
import functools
import os
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest

from . import _contract, fetch

yaml = pytest.importorskip('yaml', reason='PyYAML reads the OpenAPI file: pip install -e ".[test]"')
jsonschema = pytest.importorskip('jsonschema', reason='jsonschema validates against it: pip install -e ".[test]"')
referencing = pytest.importorskip('referencing', reason='jsonschema >= 4.18 resolves its references')

_REPO = Path(__file__).resolve().parents[2]
SPEC_URI = 'urn:ollama:openapi'

#: Where the spec says less or other than the server (api/types.go, server/routes.go of 2026-08-21). Each entry:
#: (schema, JSON pointer inside it, what to change, why). Applied to a copy; the file itself is never touched.
SPEC_EXCEPTIONS: Tuple[Tuple[str, str, str, str], ...] = (
    (
        'ChatRequest',
        '/required',
        'drop messages',
        'a chat without messages loads the model (ChatRequest.Messages has no omitempty rule against absence, '
        'and ChatHandler answers len(req.Messages) == 0 with done_reason "load")',
    ),
    (
        'ChatRequest',
        '/properties/format',
        'allow ""',
        'format is a json.RawMessage; the runner reads "" (and null) as no format, as for generate',
    ),
    (
        'EmbedRequest',
        '/properties/keep_alive',
        'allow a number',
        'keep_alive is an api.Duration, whose UnmarshalJSON takes seconds as a number, as for chat and generate',
    ),
    (
        'ChatMessage',
        '/required',
        'drop content',
        'an assistant message that only calls tools has no content; Message.Content is a plain string that Go '
        'reads as "" when absent',
    ),
    (
        'ChatMessage',
        '/properties/role',
        'any string',
        'Message.UnmarshalJSON lower-cases the role and keeps it, whatever it is',
    ),
    (
        'ToolDefinition',
        '/properties/function/required',
        'drop parameters',
        'ToolFunction.Parameters is a struct Go reads as empty when absent: a tool without parameters is valid',
    ),
    (
        'ChatResponse',
        '/properties/message/properties/role',
        'any string',
        'a _debug_render_only reply carries an empty api.Message, role ""',
    ),
    (
        'ToolCall',
        '/properties/function/properties/description',
        'delete',
        'api.ToolCallFunction has index, name and arguments only: a tool call carries no description',
    ),
    (
        'ModelOptions',
        '/additionalProperties',
        'close',
        'Options.FromMap reads only the fields of api.Options and api.Runner; any other key is logged as "invalid '
        'option provided" and ignored, so a misspelt option is a mistake the server swallows',
    ),
)


def locate() -> Tuple[Optional[Path], str]:
    """The spec file (``$OLLAMA_OPENAPI``, else the fetched one, else ``shared/`` beside the repository or beside
    its worktree), or ``None`` and why not: one reason, naming the way to get it."""
    how = f"run `{fetch.COMMAND}` in the project's top folder to fetch it, or set OLLAMA_OPENAPI to the file's path"
    named = os.environ.get('OLLAMA_OPENAPI')
    if named:
        if Path(named).is_file():
            return Path(named), ''
        return None, f'OLLAMA_OPENAPI is {named!r}, which is not a file: {how}'
    if fetch.DESTINATION.is_file():
        if fetch.digest(fetch.DESTINATION) != fetch.SHA256:
            return None, f'{fetch.DESTINATION} is not the pinned spec (its sha256 differs): {how}'
        return fetch.DESTINATION, ''
    for place in (_REPO.parent, _REPO.parent.parent):
        if (place / 'shared' / fetch.NAME).is_file():
            return place / 'shared' / fetch.NAME, ''
    return None, f"Ollama's OpenAPI spec ({fetch.NAME}) not found: {how}"


def spec_file() -> Path:
    """The spec file; without it the test skips, saying how to get it (and fails under ``CI``, which has it)."""
    path, reason = locate()
    if path is None:
        if os.environ.get('CI'):
            pytest.fail(reason)
        pytest.skip(reason, allow_module_level=True)
    return path


@functools.lru_cache(maxsize=None)
def _raw_spec() -> Dict[str, Any]:
    with open(spec_file(), encoding='utf-8') as f:
        loaded: Dict[str, Any] = yaml.safe_load(f)
    return loaded


def raw_spec() -> Dict[str, Any]:
    """The spec exactly as the file has it (a fresh copy each time)."""
    return copy.deepcopy(_raw_spec())


def _pointer(document: Any, pointer: str) -> Tuple[Any, str]:
    parts = pointer.strip('/').split('/')
    for part in parts[:-1]:
        document = document[part]
    return document, parts[-1]


@functools.lru_cache(maxsize=None)
def corrected_spec() -> Dict[str, Any]:
    """The spec with :data:`SPEC_EXCEPTIONS` applied: what the server really accepts and sends."""
    spec = raw_spec()
    schemas = spec['components']['schemas']
    for name, pointer, change, _why in SPEC_EXCEPTIONS:
        parent, key = _pointer(schemas[name], pointer)
        if change.startswith('drop '):
            parent[key] = [item for item in parent[key] if item != change[5:]]
        elif change == 'allow ""':
            parent[key] = {'anyOf': [parent[key], {'const': ''}]}
        elif change == 'allow a number':
            parent[key] = {'anyOf': [parent[key], {'type': 'number'}]}
        elif change == 'any string':
            parent[key] = {'type': 'string'}
        elif change == 'delete':
            del parent[key]
        elif change == 'close':  # to the server's fields, as _contract.close does with every object
            parent[key] = False
        else:
            raise AssertionError(f'unknown change {change!r}')
    _contract.close(spec)
    return spec


@functools.lru_cache(maxsize=None)
def _registry() -> Any:
    resource = referencing.Resource.from_contents(corrected_spec(), referencing.jsonschema.DRAFT202012)
    return referencing.Registry().with_resource(SPEC_URI, resource)


def validator(pointer: str) -> Any:
    """A validator for the schema at ``pointer`` (``#/components/schemas/ChatRequest``) of the corrected spec."""
    return jsonschema.Draft202012Validator({'$ref': SPEC_URI + pointer}, registry=_registry())


def check(pointer: str, instance: Any) -> None:
    """Fail naming every place where ``instance`` breaks the schema at ``pointer``."""
    errors = sorted(validator(pointer).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    problems: List[str] = []
    for error in errors:
        where = '/'.join(map(str, error.absolute_path))
        if error.validator == 'additionalProperties' and isinstance(error.instance, dict):
            known = error.schema.get('properties') or {}
            for key in error.instance:
                if key not in known:  # the key's own path, and what the server has instead
                    problems.append(
                        f'{where + "/" if where else ""}{key}: not a field the server has (it has: {", ".join(known)})'
                    )
        else:
            problems.append(f'{where or "<root>"}: {error.message}')
    assert not problems, f'{pointer} rejects {instance!r}:\n' + '\n'.join(problems)


def operations() -> Iterator[Tuple[str, str, Dict[str, Any]]]:
    """Every (method, path, operation) of the spec."""
    for path, item in raw_spec()['paths'].items():
        for method, operation in item.items():
            if method in ('get', 'post', 'put', 'delete', 'head', 'patch'):
                yield method.upper(), path, operation


def request_schema(method: str, path: str) -> str:
    """The pointer of the JSON request body schema of an operation (every one in the file is a ``$ref``)."""
    operation = raw_spec()['paths'][path][method.lower()]
    return str(operation['requestBody']['content']['application/json']['schema']['$ref'])


def reply_schema(method: str, path: str, media_type: str = 'application/json') -> Optional[str]:
    """The pointer of an operation's 200 reply schema for ``media_type``; ``None`` when it documents no body."""
    content = raw_spec()['paths'][path][method.lower()]['responses']['200'].get('content') or {}
    if media_type not in content:
        return None
    return str(content[media_type]['schema']['$ref'])


def paths() -> List[str]:
    """The spec's paths, as it lists them."""
    return list(raw_spec()['paths'])
