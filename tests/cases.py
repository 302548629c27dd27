"""One table of endpoint cases, driven by the sync suite (responses) and the async suite (aioresponses).

Each case calls one client method the way a user would, and states the exact request that must reach
the server, the reply it gets, and what the caller must see. ``call`` returns the method's result for
``Client`` and a coroutine for ``AsyncClient``; the drivers await where they must.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional

import ollama_lite as ollama

HOST = 'http://127.0.0.1:11434'


@dataclass
class Case:
    id: str
    call: Callable[[Any], Any]
    method: str
    path: str
    body: Optional[Dict[str, Any]]
    reply: Any
    check: Callable[[Any], None]
    status: int = 200


def _check_chat(r: Any) -> None:
    assert isinstance(r, ollama.ChatResponse)
    assert r.message.content == 'Hello!'
    assert r['message']['content'] == 'Hello!'
    assert r.message.role == 'assistant'
    assert r.done is True and r.eval_count == 3 and r.total_duration == 1_000_000


def _check_generate(r: Any) -> None:
    assert isinstance(r, ollama.GenerateResponse)
    assert r.response == 'Blue.' and r['response'] == 'Blue.'
    assert r.context == [1, 2, 3]


def _check_embed(r: Any) -> None:
    assert isinstance(r, ollama.EmbedResponse)
    assert r.embeddings == [[0.1, 0.2], [0.3, 0.4]]
    assert r['embeddings'][1][0] == 0.3


def _check_list(r: Any) -> None:
    assert isinstance(r, ollama.ListResponse)
    m = r.models[0]
    assert m.model == 'llama3.2:latest' and m['name'] == 'llama3.2:latest'
    assert m.modified_at == datetime(2024, 5, 1, 12, 34, 56, 123456, tzinfo=timezone(timedelta(hours=-7)))
    assert m.details is not None and m.details.family == 'llama'
    assert r['models'][0]['details']['parameter_size'] == '3.2B'
    assert m.size == 2_019_393_189


def _check_show(r: Any) -> None:
    assert isinstance(r, ollama.ShowResponse)
    assert r.modelinfo == {'general.architecture': 'llama'}
    assert r['modelinfo'] == r['model_info']
    assert r.capabilities == ['completion', 'tools']
    assert r.modified_at is not None and r.modified_at.tzinfo == timezone.utc


def _check_ps(r: Any) -> None:
    assert isinstance(r, ollama.ProcessResponse)
    assert r.models[0].expires_at == datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert r.models[0].size_vram == 100 and r.models[0].context_length == 4096


def _check_status(r: Any) -> None:
    assert isinstance(r, ollama.StatusResponse)
    assert r.status == 'success'


def _check_progress(r: Any) -> None:
    assert isinstance(r, ollama.ProgressResponse)
    assert r.status == 'success'


MESSAGES: List[Dict[str, Any]] = [{'role': 'user', 'content': 'Hi'}]

CASES: List[Case] = [
    Case(
        'chat',
        lambda c: c.chat('llama3.2', MESSAGES, options={'temperature': 0}, keep_alive='5m'),
        'POST',
        '/api/chat',
        {
            'model': 'llama3.2',
            'messages': MESSAGES,
            'tools': [],
            'stream': False,
            'options': {'temperature': 0},
            'keep_alive': '5m',
        },
        {
            'model': 'llama3.2',
            'created_at': '2024-05-01T12:00:00Z',
            'message': {'role': 'assistant', 'content': 'Hello!'},
            'done': True,
            'done_reason': 'stop',
            'total_duration': 1_000_000,
            'eval_count': 3,
        },
        _check_chat,
    ),
    Case(
        'chat-options-object-think-format',
        lambda c: c.chat(
            'llama3.2',
            [ollama.Message(role='user', content='Hi')],
            options=ollama.Options(temperature=0.5, stop=['\n']),
            think='high',
            format='json',
        ),
        'POST',
        '/api/chat',
        {
            'model': 'llama3.2',
            'messages': [{'role': 'user', 'content': 'Hi'}],
            'tools': [],
            'stream': False,
            'options': {'temperature': 0.5, 'stop': ['\n']},
            'think': 'high',
            'format': 'json',
        },
        {
            'message': {'role': 'assistant', 'content': 'Hello!'},
            'done': True,
            'total_duration': 1_000_000,
            'eval_count': 3,
        },
        _check_chat,
    ),
    Case(
        'generate',
        lambda c: c.generate('llama3.2', 'Why?', system='Be brief.', raw=True, context=[1], keep_alive=0),
        'POST',
        '/api/generate',
        {
            'model': 'llama3.2',
            'prompt': 'Why?',
            'system': 'Be brief.',
            'raw': True,
            'context': [1],
            'keep_alive': 0,
            'stream': False,
        },
        {'model': 'llama3.2', 'response': 'Blue.', 'done': True, 'context': [1, 2, 3]},
        _check_generate,
    ),
    Case(
        'generate-images-suffix',
        lambda c: c.generate('llava', 'What is this?', suffix='end', images=[b'\x89PNG']),
        'POST',
        '/api/generate',
        {'model': 'llava', 'prompt': 'What is this?', 'suffix': 'end', 'images': ['iVBORw=='], 'stream': False},
        {'response': 'Blue.', 'done': True, 'context': [1, 2, 3]},
        _check_generate,
    ),
    Case(
        'embed',
        lambda c: c.embed('all-minilm', ['a', 'b'], truncate=True, dimensions=2),
        'POST',
        '/api/embed',
        {'model': 'all-minilm', 'input': ['a', 'b'], 'truncate': True, 'dimensions': 2},
        {'model': 'all-minilm', 'embeddings': [[0.1, 0.2], [0.3, 0.4]]},
        _check_embed,
    ),
    Case(
        'embeddings',
        lambda c: c.embeddings('all-minilm', 'a'),
        'POST',
        '/api/embeddings',
        {'model': 'all-minilm', 'prompt': 'a'},
        {'embedding': [0.5, 0.25]},
        lambda r: (isinstance(r, ollama.EmbeddingsResponse) and r.embedding == [0.5, 0.25]) or _fail(r),
    ),
    Case(
        'pull',
        lambda c: c.pull('llama3.2'),
        'POST',
        '/api/pull',
        {'model': 'llama3.2', 'insecure': False, 'stream': False},
        {'status': 'success'},
        _check_progress,
    ),
    Case(
        'push-insecure',
        lambda c: c.push('me/llama3.2', insecure=True),
        'POST',
        '/api/push',
        {'model': 'me/llama3.2', 'insecure': True, 'stream': False},
        {'status': 'success'},
        _check_progress,
    ),
    Case(
        'create',
        lambda c: c.create('mario', from_='llama3.2', system='You are Mario.', parameters={'temperature': 1}),
        'POST',
        '/api/create',
        {
            'model': 'mario',
            'from': 'llama3.2',
            'system': 'You are Mario.',
            'parameters': {'temperature': 1},
            'stream': False,
        },
        {'status': 'success'},
        _check_progress,
    ),
    Case('delete', lambda c: c.delete('mario'), 'DELETE', '/api/delete', {'model': 'mario'}, None, _check_status),
    Case(
        'copy',
        lambda c: c.copy('llama3.2', 'backup'),
        'POST',
        '/api/copy',
        {'source': 'llama3.2', 'destination': 'backup'},
        None,
        _check_status,
    ),
    Case(
        'list',
        lambda c: c.list(),
        'GET',
        '/api/tags',
        None,
        {
            'models': [
                {
                    'name': 'llama3.2:latest',
                    'model': 'llama3.2:latest',
                    'modified_at': '2024-05-01T12:34:56.123456789-07:00',
                    'size': 2_019_393_189,
                    'digest': 'a80c4f17acd5',
                    'details': {'format': 'gguf', 'family': 'llama', 'parameter_size': '3.2B'},
                }
            ]
        },
        _check_list,
    ),
    Case(
        'show',
        lambda c: c.show('llama3.2'),
        'POST',
        '/api/show',
        {'model': 'llama3.2'},
        {
            'modelfile': '# Modelfile',
            'model_info': {'general.architecture': 'llama'},
            'capabilities': ['completion', 'tools'],
            'modified_at': '2024-05-01T12:34:56Z',
        },
        _check_show,
    ),
    Case(
        'ps',
        lambda c: c.ps(),
        'GET',
        '/api/ps',
        None,
        {
            'models': [
                {
                    'name': 'llama3.2',
                    'model': 'llama3.2',
                    'size_vram': 100,
                    'expires_at': '2030-01-01T00:00:00Z',
                    'context_length': 4096,
                }
            ]
        },
        _check_ps,
    ),
    Case(
        'version',
        lambda c: c.version(),
        'GET',
        '/api/version',
        None,
        {'version': '0.13.0'},
        lambda r: r.version == '0.13.0' or _fail(r),
    ),
]


def _fail(r: Any) -> None:
    raise AssertionError(f'unexpected result {r!r}')


@dataclass
class ErrorCase:
    id: str
    status: int
    body: bytes
    content_type: str
    error: str
    headers: Dict[str, str] = field(default_factory=dict)


ERROR_CASES: List[ErrorCase] = [
    ErrorCase('json-404', 404, b'{"error":"model \'nope\' not found"}', 'application/json', "model 'nope' not found"),
    ErrorCase('json-400', 400, b'{"error":"invalid options"}', 'application/json', 'invalid options'),
    ErrorCase('json-500', 500, b'{"error":"boom"}', 'application/json', 'boom'),
    ErrorCase(
        'html-502',
        502,
        b'<html><body><h1>502 Bad Gateway</h1></body></html>',
        'text/html',
        '<html><body><h1>502 Bad Gateway</h1></body></html>',
    ),
    ErrorCase('text-401', 401, b'unauthorized', 'text/plain', 'unauthorized'),
    ErrorCase('empty-500', 500, b'', 'text/plain', 'HTTP 500'),
    ErrorCase('json-without-error-field', 400, b'{"message":"nope"}', 'application/json', '{"message":"nope"}'),
]
