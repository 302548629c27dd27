"""Every reply of the emulator, and every line of every stream, for every operation of Ollama's OpenAPI spec,
is valid against the spec (with the exceptions of ``_oracle.SPEC_EXCEPTIONS``); every error is its ErrorResponse."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import requests

from ollama_lite.testing import Emulator, EmulatorURL, Reply

from . import _oracle

USER = [{'role': 'user', 'content': 'Why is the sky blue?'}]
SCHEMA = {'type': 'object', 'properties': {'name': {'type': 'string'}, 'age': {'type': 'integer'}}}
TOOL = {
    'type': 'function',
    'function': {
        'name': 'get_weather',
        'description': 'Weather in a city',
        'parameters': {'type': 'object', 'required': ['city'], 'properties': {'city': {'type': 'string'}}},
    },
}
TOOL_TURN = [
    *USER,
    {'role': 'assistant', 'tool_calls': [{'function': {'name': 'get_weather', 'arguments': {'city': 'Paris'}}}]},
    {'role': 'tool', 'content': '21 degrees', 'tool_name': 'get_weather'},
]

#: (method, path, body) per spec operation; each body is sent streamed and not, where the operation streams.
REQUESTS: Dict[Tuple[str, str], List[Optional[Dict[str, Any]]]] = {
    ('POST', '/api/generate'): [
        {'model': 'llama3.2', 'prompt': 'Hi'},
        {'model': 'qwen3', 'prompt': 'Hi', 'think': True},
        {'model': 'qwen3', 'prompt': 'Hi', 'think': 'high', 'format': 'json'},
        {'model': 'llama3.2', 'prompt': 'Ada?', 'format': SCHEMA, 'options': {'temperature': 0, 'seed': 1}},
        {'model': 'llama3.2', 'prompt': 'Hi', 'logprobs': True, 'top_logprobs': 3},
        {'model': 'llama3.2', 'prompt': 'Hi', 'options': {'num_predict': 2, 'stop': ['sky']}},
        {'model': 'llama3.2', 'prompt': 'Hi', 'raw': True},
        {'model': 'llama3.2', 'prompt': 'Hi', 'suffix': 'end', 'context': [1, 2]},
        {'model': 'llama3.2', 'prompt': 'Hi', '_debug_render_only': True},
        {'model': 'llama3.2'},
        {'model': 'llama3.2', 'keep_alive': 0},
    ],
    ('POST', '/api/chat'): [
        {'model': 'llama3.2', 'messages': USER},
        {'model': 'qwen3', 'messages': USER, 'think': 'low'},
        {'model': 'qwen3', 'messages': USER, 'tools': [TOOL]},
        {'model': 'qwen3', 'messages': TOOL_TURN, 'tools': [TOOL], 'think': False},
        {'model': 'llama3.2', 'messages': USER, 'format': SCHEMA},
        {'model': 'llama3.2', 'messages': USER, 'format': ''},
        {'model': 'llama3.2', 'messages': USER, 'logprobs': True, 'top_logprobs': 2},
        {'model': 'llava', 'messages': [{'role': 'user', 'content': 'What is it?', 'images': ['iVBORw0KGgo=']}]},
        {'model': 'llama3.2', 'messages': USER, '_debug_render_only': True},
        {'model': 'llama3.2'},
        {'model': 'llama3.2', 'messages': [], 'keep_alive': 0},
    ],
    ('POST', '/api/embed'): [
        {'model': 'nomic-embed-text', 'input': 'Hello'},
        {'model': 'nomic-embed-text', 'input': ['one', 'two'], 'dimensions': 64, 'truncate': True},
        {'model': 'nomic-embed-text', 'input': [], 'keep_alive': '1m'},
    ],
    ('GET', '/api/tags'): [None],
    ('GET', '/api/ps'): [None],
    ('POST', '/api/show'): [{'model': 'qwen3'}, {'model': 'llava', 'verbose': True}],
    ('POST', '/api/create'): [
        {'model': 'mario', 'from': 'llama3.2', 'system': 'You are Mario.', 'parameters': {'temperature': 0.7}},
        {'model': 'mario-q8', 'from': 'llama3.2', 'quantize': 'q8_0', 'license': ['MIT']},
    ],
    ('POST', '/api/copy'): [{'source': 'llama3.2', 'destination': 'me/llama'}],
    ('POST', '/api/pull'): [{'model': 'gemma3:1b'}, {'model': 'all-minilm'}],
    ('POST', '/api/push'): [{'model': 'qwen3'}],
    ('DELETE', '/api/delete'): [{'model': 'llava'}],
    ('GET', '/api/version'): [None],
}
_STREAMING = {'/api/generate', '/api/chat', '/api/pull', '/api/push', '/api/create'}
#: Requests that fail, one or more per operation: their replies must be the spec's ErrorResponse.
FAILURES: List[Tuple[str, str, bytes]] = [
    ('POST', '/api/generate', b'{"model": "nope", "prompt": "x"}'),
    ('POST', '/api/chat', b'{"model": "qwen3", "messages": [], "top_logprobs": 99}'),
    ('POST', '/api/chat', b'{"model": "qwen3", "messages": ' + b'[' * 200 + b']' * 200 + b'}'),
    ('POST', '/api/embed', b'{"model": "qwen3", "input": [1]}'),
    ('POST', '/api/show', b'{}'),
    ('POST', '/api/create', b'{"model": "x"}'),
    ('POST', '/api/copy', b'{"source": "nope", "destination": "x"}'),
    ('POST', '/api/pull', b'{"model": "no-such-model", "stream": false}'),
    ('POST', '/api/push', b'{"model": "bad name!"}'),
    ('DELETE', '/api/delete', b'not json'),
]


def test_every_spec_operation_is_exercised() -> None:
    spec_operations = {(method, path) for method, path, _ in _oracle.operations()}
    assert set(REQUESTS) == spec_operations
    assert {(m, p) for m, p, _ in FAILURES} == spec_operations - {
        ('GET', '/api/tags'),
        ('GET', '/api/ps'),
        ('GET', '/api/version'),
    }


def _cases() -> Iterator[Tuple[str, str, Optional[Dict[str, Any]], Optional[bool]]]:
    for (method, path), bodies in REQUESTS.items():
        for body in bodies:
            if body is None:
                yield method, path, None, None
            elif path in _STREAMING:
                yield method, path, body, True
                yield method, path, body, False
            else:
                yield method, path, body, None


CASES = list(_cases())


@pytest.fixture(scope='module')
def emulator_url() -> Iterator[EmulatorURL]:
    _oracle.raw_spec()  # without the spec, skip before any server starts or request is sent
    with Emulator().running() as url:
        yield url


@pytest.fixture
def emulator(emulator_url: EmulatorURL) -> EmulatorURL:
    emulator_url.emulator.reset()
    return emulator_url


def _send(url: str, method: str, path: str, body: Optional[Dict[str, Any]], stream: Optional[bool]) -> Any:
    data = None if body is None else {**body, **({} if stream is None else {'stream': stream})}
    return requests.request(method, f'{url}{path}', json=data, stream=bool(stream))


@pytest.mark.parametrize(('method', 'path', 'body', 'stream'), CASES)
def test_every_reply_fits_the_spec(
    request: pytest.FixtureRequest,
    emulator: EmulatorURL,
    method: str,
    path: str,
    body: Optional[Dict[str, Any]],
    stream: Optional[bool],
) -> None:
    if path == '/api/ps':
        requests.post(f'{emulator}/api/generate', json={'model': 'qwen3'})  # something to list
    reply = _send(emulator, method, path, body, stream)
    request.addfinalizer(reply.close)  # a streamed reply holds its socket until read or closed, on every path
    assert reply.status_code == 200, reply.text
    media_type = reply.headers.get('Content-Type', '').split(';')[0]
    if (
        stream
        and not (body or {}).get('_debug_render_only')
        and 'keep_alive' not in (body or {})
        and (path not in ('/api/generate', '/api/chat') or (body or {}).get('prompt') or (body or {}).get('messages'))
    ):
        assert media_type == 'application/x-ndjson'
        schema = _oracle.reply_schema(method, path, media_type)
        assert schema is not None
        lines = [json.loads(line) for line in reply.iter_lines() if line]
        assert lines
        for line in lines:
            _oracle.check(schema, line)
        return
    schema = _oracle.reply_schema(method, path)
    if schema is None:  # copy and delete: an empty 200
        assert reply.content == b''
        return
    assert media_type == 'application/json'
    _oracle.check(schema, reply.json())


@pytest.mark.parametrize(('method', 'path', 'data'), FAILURES)
def test_every_error_is_the_specs_error_response(emulator: EmulatorURL, method: str, path: str, data: bytes) -> None:
    reply = requests.request(method, f'{emulator}{path}', data=data)
    assert reply.status_code >= 400
    _oracle.check('#/components/schemas/ErrorResponse', reply.json())
    assert isinstance(reply.json()['error'], str)


def test_a_streamed_error_line_is_the_specs_error_response(emulator: EmulatorURL) -> None:
    emulator.emulator.reply(Reply.text('one two three').error_after(2))
    with _send(emulator, 'POST', '/api/chat', REQUESTS[('POST', '/api/chat')][0], True) as reply:
        lines = [json.loads(line) for line in reply.iter_lines()]
    for line in lines[:-1]:
        _oracle.check('#/components/schemas/ChatStreamEvent', line)
    _oracle.check('#/components/schemas/ErrorResponse', lines[-1])
