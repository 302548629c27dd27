"""The closed contract (``_contract``): the server's field names are the committed facts of the pinned commit,
the spec oracle rejects any other key naming its path, and the reply classes match the server's structs both
ways (with the deliberate differences listed once, each with its reason)."""

from __future__ import annotations

import os
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any, Dict, Iterator, Set, Tuple

import pytest

from ollama_lite import _api
from ollama_lite._model import Model
from ollama_lite._record import _wire_names as wire_items
from ollama_lite._types import Image

from . import _contract, _oracle
from .server_fields import PINNED_COMMIT

_REPO = Path(__file__).resolve().parents[2]
_HOW = (
    'set OLLAMA_TYPES_GO to api/types.go of github.com/ollama/ollama at {commit} (server/routes.go beside it, '
    'or OLLAMA_ROUTES_GO): git --git-dir=<clone>/.git show {commit}:api/types.go > api/types.go'
)


def test_the_data_file_is_of_the_pinned_commit() -> None:
    data = _contract.server_fields()
    assert data['commit'] == PINNED_COMMIT
    assert {'GenerateRequest', 'ChatResponse', 'Metrics', 'Message'} <= set(data['structs'])
    # Facts only: each field is a Go name and its JSON tag, or an embedded struct's name.
    for struct, fields in data['structs'].items():
        for entry in fields:
            assert set(entry) in ({'field', 'json'}, {'embed'}), (struct, entry)


def test_the_data_file_is_what_the_server_sources_give() -> None:
    types_go = os.environ.get('OLLAMA_TYPES_GO')
    if not types_go:
        pytest.skip(_HOW.format(commit=PINNED_COMMIT))
    command = [sys.executable, '-m', 'tests.spec.server_fields', '--types-go', types_go, '--check']
    if os.environ.get('OLLAMA_ROUTES_GO'):
        command += ['--routes-go', os.environ['OLLAMA_ROUTES_GO']]
    result = subprocess.run(command, check=False, cwd=_REPO, capture_output=True, text=True, timeout=60)
    # The file records the sources' hashes too: a types.go of another commit differs even where its names do not.
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generator_reads_structs_tags_and_embedded_structs(tmp_path: Path) -> None:
    from .server_fields import parse_routes, parse_types

    source = (
        'type A struct {\n\tName string `json:"name"`\n\tKeep *Duration `json:"keep_alive,omitempty"` // why\n'
        '\tB\n\tTools `json:"tools,omitempty"`\n\tHidden string `json:"-"`\n\tPlain int\n\tlower string\n}\n'
        'type B struct {\n\t// a comment\n\tX, Y int `json:"x"`\n}\n'
    )
    assert parse_types(source) == {
        'A': [
            {'field': 'Name', 'json': 'name'},
            {'field': 'Keep', 'json': 'keep_alive,omitempty'},
            {'embed': 'B'},
            {'field': 'Tools', 'json': 'tools,omitempty'},
            {'field': 'Hidden', 'json': '-'},
            {'field': 'Plain', 'json': ''},
        ],
        'B': [{'field': 'X', 'json': 'x'}, {'field': 'Y', 'json': 'x'}],
    }
    routes = 'c.JSON(400, gin.H{"error": err.Error()})\nc.JSON(200, gin.H{\n\t"version": v,\n})\ngin.H{"error": e}'
    assert parse_routes(routes) == [['error'], ['version']]
    with pytest.raises(ValueError, match='nested struct'):
        parse_types('type C struct {\n\tInner struct {\n\t}\n}\n')


def test_embedded_structs_are_flattened_as_go_encodes_them() -> None:
    names = _contract.wire_names('ChatResponse')
    assert {'done_reason', 'total_duration', 'eval_count', 'message'} <= set(names)
    assert _contract.wire_names('Logprob') == ('token', 'logprob', 'bytes', 'top_logprobs')
    assert 'tools' in _contract.wire_names('ChatRequest')  # an embedded type with a tag is a named field
    assert _contract.wire_names('gin.H:version') == ('version',)
    assert set(_contract.wire_names('gin.H:error')) == {'error', 'signin_url', 'status'}


def test_every_mapped_struct_exists() -> None:
    structs = _contract.server_fields()['structs']
    for place, struct in _contract.SCHEMA_STRUCTS.items():
        assert struct.startswith('gin.H:') or struct in structs, place
        _contract.wire_names(struct)


@pytest.mark.parametrize(
    ('schema', 'instance', 'path'),
    [
        ('ChatRequest', {'model': 'm', 'keepalive': 0}, 'keepalive'),
        ('GenerateRequest', {'model': 'm', 'options': {'numctx': 1}}, 'options/numctx'),
        ('EmbedRequest', {'model': 'm', 'input': 'x', 'dims': 3}, 'dims'),
        ('ChatMessage', {'role': 'user', 'content': 'x', 'toolcalls': []}, 'toolcalls'),
        ('ChatRequest', {'model': 'm', 'messages': [{'role': 'user', 'toolcalls': []}]}, 'messages/0/toolcalls'),
        ('ChatResponse', {'model': 'm', 'done': True, 'finish_reason': 'stop'}, 'finish_reason'),
        ('ChatStreamEvent', {'message': {'role': 'assistant', 'content': '', 'reasoning': 'x'}}, 'message/reasoning'),
        ('GenerateStreamEvent', {'model': 'm', 'response': '', 'done': False, 'finish_reason': 'x'}, 'finish_reason'),
        ('PsResponse', {'models': [{'name': 'm', 'vram_size': 1}]}, 'models/0/vram_size'),
        ('ListResponse', {'models': [{'name': 'm', 'details': {'familys': []}}]}, 'models/0/details/familys'),
        ('StatusEvent', {'status': 'pulling', 'done': 1}, 'done'),
        ('ToolCall', {'function': {'name': 'f', 'arguments': {}, 'description': 'x'}}, 'function/description'),
        ('ErrorResponse', {'error': 'x', 'message': 'x'}, 'message'),
    ],
)
def test_an_unknown_key_fails_naming_its_path(schema: str, instance: Any, path: str) -> None:
    with pytest.raises(AssertionError) as failure:
        _oracle.check(f'#/components/schemas/{schema}', instance)
    assert f'\n{path}: not a field the server has' in str(failure.value)


@pytest.mark.parametrize(
    ('schema', 'instance'),
    [
        # Server fields the spec lacks are added from the table.
        ('GenerateRequest', {'model': 'm', 'template': 't', 'context': [1], 'truncate': True, 'shift': False}),
        ('ChatStreamEvent', {'message': {'role': 'assistant', 'content': ''}, 'done': True, 'done_reason': 'stop'}),
        ('ChatMessage', {'role': 'tool', 'content': 'x', 'tool_name': 'f', 'tool_call_id': 'c'}),
        ('CreateRequest', {'model': 'm', 'files': {}, 'draft_files': {}, 'info': {}, 'requires': '0.13.0'}),
        ('ModelOptions', {'num_thread': 4, 'use_mmap': True, 'mirostat': 2}),  # mirostat: a sent extra
        ('GenerateRequest', {'model': 'm', 'width': 512}),  # a sent extra
        ('ErrorResponse', {'error': 'unauthorized', 'signin_url': 'https://ollama.com/connect'}),
    ],
)
def test_what_the_server_has_validates(schema: str, instance: Any) -> None:
    _oracle.check(f'#/components/schemas/{schema}', instance)


@pytest.mark.parametrize(
    ('schema', 'instance'),
    [
        ('ToolCall', {'function': {'name': 'f', 'arguments': {}, 'description': 'x'}}),
        ('ModelOptions', {'numctx': 8192}),
    ],
)
def test_each_narrowing_exception_is_needed(schema: str, instance: Any) -> None:
    # The file as it is takes each of these; the server has no such field, and neither has the corrected spec.
    raw = _oracle.jsonschema.Draft202012Validator(
        {'$ref': f'{_oracle.SPEC_URI}#/components/schemas/{schema}'},
        registry=_oracle.referencing.Registry().with_resource(
            _oracle.SPEC_URI,
            _oracle.referencing.Resource.from_contents(_oracle.raw_spec(), _oracle.referencing.jsonschema.DRAFT202012),
        ),
    )
    assert raw.is_valid(instance)
    with pytest.raises(AssertionError, match='not a field the server has'):
        _oracle.check(f'#/components/schemas/{schema}', instance)
    assert any(name == schema and change in ('delete', 'close') for name, _, change, _ in _oracle.SPEC_EXCEPTIONS)


def test_open_objects_stay_open() -> None:
    _oracle.check(
        '#/components/schemas/ChatRequest',
        {'model': 'm', 'format': {'type': 'object', 'x-any': 1}, 'options': {'stop': ['a']}},
    )
    _oracle.check('#/components/schemas/ToolCall', {'function': {'name': 'f', 'arguments': {'any_key': 1}}})


def _reply_classes() -> Iterator[type]:
    """Every class the clients decode a reply into, and every model class nested in one."""
    seen: Set[type] = set()
    pending = [
        e.reply for e in vars(_api).values() if isinstance(e, _api.Endpoint) and not e.status_only
    ]  # fmt: skip
    while pending:
        cls = pending.pop()
        if cls in seen:
            continue
        seen.add(cls)
        yield cls
        for hint in typing.get_type_hints(cls).values():
            # An Image is a value (base64 text on the wire), not an object with fields.
            pending.extend(t for t in _types_in(hint) if issubclass(t, Model) and t is not Image)


def _types_in(hint: Any) -> Iterator[type]:
    if isinstance(hint, type):
        yield hint
    for arg in getattr(hint, '__args__', ()) or ():
        yield from _types_in(arg)


def _pairs() -> Iterator[Tuple[type, str, Set[str], Set[str]]]:
    for cls in sorted(_reply_classes(), key=lambda c: c.__name__):
        struct = _contract.REPLY_STRUCTS[cls]
        yield cls, struct, set(wire_items(cls).values()), set(_contract.wire_names(struct))


def test_every_reply_class_is_mapped_to_a_server_struct() -> None:
    classes = set(_reply_classes())
    assert classes == set(_contract.REPLY_STRUCTS), 'REPLY_STRUCTS must list exactly the classes replies decode into'


def test_every_reply_field_is_a_server_field() -> None:
    problems = [
        f'{cls.__name__}.{name}: {struct} has no such field'
        for cls, struct, declared, server in _pairs()
        for name in sorted(declared - server)
        if (cls, name) not in _contract.DECLARED_EXTRAS
    ]
    assert not problems, '\n'.join(problems)


def test_every_server_field_has_a_home_in_its_reply_class() -> None:
    problems = [
        f'{struct}.{name}: {cls.__name__} has no field for it'
        for cls, struct, declared, server in _pairs()
        for name in sorted(server - declared)
        if (struct, name) not in _contract.NOT_MODELLED
    ]
    assert not problems, '\n'.join(problems)


def test_each_listed_difference_is_still_one() -> None:
    pairs: Dict[type, Tuple[str, Set[str], Set[str]]] = {cls: (s, d, v) for cls, s, d, v in _pairs()}
    for (cls, name), why in _contract.DECLARED_EXTRAS.items():
        struct, declared, server = pairs[cls]
        assert why and name in declared and name not in server, (cls.__name__, name)
    for (struct, name), why in _contract.NOT_MODELLED.items():
        assert why and any(s == struct and name in v and name not in d for s, d, v in pairs.values()), (struct, name)
    for struct, (names, why) in _contract.SENT_EXTRAS.items():
        assert why and names and not set(names) & set(_contract.wire_names(struct)), struct


@pytest.mark.parametrize('cls', list(_contract.REQUEST_STRUCTS), ids=lambda c: c.__name__)
def test_every_request_field_is_a_server_field_or_a_sent_extra(cls: type) -> None:
    struct = _contract.REQUEST_STRUCTS[cls]
    allowed = set(_contract.wire_names(struct)) | set(_contract.SENT_EXTRAS.get(struct, ((), ''))[0])
    unknown = sorted(set(wire_items(cls).values()) - allowed)
    assert not unknown, f'{cls.__name__} sends {unknown}, which {struct} has not'


#: Emulator routes the spec does not describe: (method, path, body, struct, {key: struct of its items or value}).
_OFF_SPEC = [
    ('GET', '/api/status', None, 'StatusResponse', {'cloud': 'CloudStatus'}),
    ('POST', '/api/me', None, 'UserResponse', {}),
    ('GET', '/api/experimental/model-recommendations', None, 'ModelRecommendationsResponse',
     {'recommendations': 'ModelRecommendation'}),
    ('POST', '/api/embeddings', {'model': 'nomic-embed-text', 'prompt': 'x'}, 'EmbeddingResponse', {}),
]  # fmt: skip


@pytest.fixture(scope='module')
def emulator_url() -> Iterator[Any]:
    from ollama_lite.testing import Emulator

    with Emulator().running() as url:
        url.emulator.sign_in('ada')
        yield url


@pytest.mark.parametrize(('method', 'path', 'body', 'struct', 'inner'), _OFF_SPEC, ids=[c[1] for c in _OFF_SPEC])
def test_emulator_replies_outside_the_spec_have_only_server_fields(
    emulator_url: Any, method: str, path: str, body: Any, struct: str, inner: Dict[str, str]
) -> None:
    import requests

    reply = requests.request(method, f'{emulator_url}{path}', json=body, timeout=30)
    assert reply.status_code == 200, reply.text
    document = reply.json()
    problems = [f'{key}: not a field of {struct}' for key in document if key not in _contract.wire_names(struct)]
    for key, item_struct in inner.items():
        values = document[key] if isinstance(document[key], list) else [document[key]]
        assert values, key
        for i, value in enumerate(values):
            names = _contract.wire_names(item_struct)
            problems += [f'{key}/{i}/{k}: not a field of {item_struct}' for k in value if k not in names]
    assert not problems, '\n'.join(problems)
