"""The emulator on the wire: status codes and error bodies as Ollama sends them, NDJSON streaming, chunk framing."""

from __future__ import annotations

import json
import socket
import time
from typing import Any, Dict, List, Tuple

import pytest
import requests

from ollama_lite.testing import Emulator, EmulatorURL, ModelSpec

CHAT = {'model': 'llama3.2', 'messages': [{'role': 'user', 'content': 'Why is the sky blue?'}]}


def raw_post(url: EmulatorURL, path: str, body: Dict[str, Any]) -> Tuple[str, List[bytes], List[float]]:
    """POST over a bare socket; return the response head, the body's chunks as framed, and when each arrived."""
    payload = json.dumps(body).encode()
    request = (
        f'POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n'
        f'Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n'
    ).encode() + payload
    with socket.create_connection(('127.0.0.1', url.port), timeout=5) as sock:
        sock.sendall(request)
        buffer, arrivals, chunks = b'', [], []
        start = time.monotonic()
        while b'\r\n\r\n' not in buffer:
            buffer += sock.recv(65536)
        head, buffer = buffer.split(b'\r\n\r\n', 1)
        while True:
            while b'\r\n' not in buffer:
                buffer += sock.recv(65536)
            size_line, buffer = buffer.split(b'\r\n', 1)
            size = int(size_line, 16)
            while len(buffer) < size + 2:
                buffer += sock.recv(65536)
            arrivals.append(time.monotonic() - start)
            if size == 0:
                break
            chunks.append(buffer[:size])
            buffer = buffer[size + 2 :]
    return head.decode(), chunks, arrivals


def test_root_and_version(ollama_emulator: EmulatorURL) -> None:
    root = requests.get(ollama_emulator)
    assert (root.status_code, root.text) == (200, 'Ollama is running')
    assert requests.head(ollama_emulator).status_code == 200
    assert requests.get(f'{ollama_emulator}/api/version').json() == {'version': '0.13.0'}


def test_streams_are_ndjson_in_chunks_of_one_line_each(ollama_emulator: EmulatorURL) -> None:
    head, chunks, _ = raw_post(ollama_emulator, '/api/chat', CHAT)
    assert head.startswith('HTTP/1.1 200')
    assert 'content-type: application/x-ndjson' in head.lower()
    assert 'transfer-encoding: chunked' in head.lower()
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.endswith(b'\n')
        assert chunk.count(b'\n') == 1
        json.loads(chunk)
    lines = [json.loads(chunk) for chunk in chunks]
    assert [line['done'] for line in lines] == [False] * (len(lines) - 1) + [True]
    assert ''.join(line['message']['content'] for line in lines).startswith('This is llama3.2')


def test_each_line_is_flushed_as_it_is_made() -> None:
    with Emulator(token_delay=0.05).running() as url:
        _, chunks, arrivals = raw_post(url, '/api/generate', {'model': 'llama3.2', 'prompt': 'hi'})
    assert len(chunks) >= 8
    assert arrivals[0] < 0.04
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:-1])]
    assert min(gaps) > 0.03


def test_stream_false_answers_one_object_with_the_full_text_and_stats(ollama_emulator: EmulatorURL) -> None:
    response = requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False})
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'
    body = response.json()
    assert body['done'] is True
    assert body['done_reason'] == 'stop'
    assert body['message']['content'].startswith('This is llama3.2')
    for key in ('total_duration', 'load_duration', 'prompt_eval_count', 'prompt_eval_duration', 'eval_count'):
        assert isinstance(body[key], int) and body[key] > 0, key
    assert body['eval_duration'] == body['eval_count'] * 20_000_000
    assert body['total_duration'] > body['load_duration'] + body['eval_duration']


def test_generate_returns_a_context_unless_raw(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'llama3.2', 'prompt': 'hi', 'stream': False}
    context = requests.post(f'{ollama_emulator}/api/generate', json=body).json()['context']
    assert context and all(isinstance(token, int) for token in context)
    assert 'context' not in requests.post(f'{ollama_emulator}/api/generate', json={**body, 'raw': True}).json()


def test_the_first_request_loads_the_model_slowly_later_ones_fast(ollama_emulator: EmulatorURL) -> None:
    first = requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False}).json()
    second = requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False}).json()
    assert first['load_duration'] > second['load_duration']


@pytest.mark.parametrize(
    ('method', 'path', 'data', 'status', 'error'),
    [
        ('POST', '/api/chat', b'', 400, 'missing request body'),
        ('POST', '/api/chat', b'{"model": ', 400, 'unexpected EOF'),
        ('POST', '/api/chat', b'model=x', 400, "invalid character 'm' looking for beginning of value"),
        ('POST', '/api/chat', b'[1]', 400, 'json: cannot unmarshal array into Go value of type api.ChatRequest'),
        (
            'POST',
            '/api/generate',
            b'{"model": 7}',
            400,
            'json: cannot unmarshal number into Go struct field GenerateRequest.model of type string',
        ),
        ('POST', '/api/generate', b'{"prompt": "hi"}', 400, 'model is required'),
        ('POST', '/api/chat', b'{}', 400, 'model is required'),
        ('POST', '/api/embed', b'{"input": "x"}', 400, 'model is required'),
        ('POST', '/api/show', b'{}', 400, 'model is required'),
        ('POST', '/api/pull', b'{}', 400, 'model is required'),
        ('POST', '/api/push', b'{}', 400, 'model is required'),
        ('POST', '/api/create', b'{}', 400, 'model is required'),
        ('DELETE', '/api/delete', b'{}', 400, 'model is required'),
        ('POST', '/api/generate', b'{"model": "nope", "prompt": "x"}', 404, "model 'nope' not found"),
        ('POST', '/api/chat', b'{"model": "nope", "messages": []}', 404, "model 'nope' not found"),
        ('POST', '/api/embed', b'{"model": "nope", "input": "x"}', 404, "model 'nope' not found"),
        ('POST', '/api/show', b'{"model": "nope"}', 404, "model 'nope' not found"),
        ('DELETE', '/api/delete', b'{"model": "nope"}', 404, "model 'nope' not found"),
        ('POST', '/api/push', b'{"model": "nope"}', 404, "model 'nope' not found"),
        ('POST', '/api/copy', b'{"source": "nope", "destination": "b"}', 404, "model 'nope' not found"),
        ('POST', '/api/copy', b'{"source": "qwen3", "destination": "a b"}', 400, 'destination "a b" is invalid'),
        ('POST', '/api/generate', b'{"model": "bad name!", "prompt": "x"}', 400, 'invalid model name'),
        ('POST', '/api/pull', b'{"model": "bad name!"}', 400, 'invalid model name'),
        ('POST', '/api/embed', b'{"model": "qwen3", "input": [1]}', 400, 'invalid input type'),
        (
            'POST',
            '/api/chat',
            b'{"model": "qwen3", "messages": [], "top_logprobs": 21}',
            400,
            'top_logprobs must be between 0 and 20',
        ),
        (
            'POST',
            '/api/chat',
            b'{"model": "qwen3", "messages": [{"role": "user", "content": "x"}], "keep_alive": "5"}',
            400,
            'time: missing unit in duration "5"',
        ),
        (
            'POST',
            '/api/chat',
            b'{"model": "llava", "messages": [{"role": "user", "content": "x"}], "think": true}',
            400,
            '"llava" does not support thinking',
        ),
        (
            'POST',
            '/api/chat',
            b'{"model": "qwen3", "messages": [{"role": "user", "content": "x"}], "think": "extreme"}',
            400,
            'invalid think value: "extreme" (must be "high", "medium", "low", "max", true, or false)',
        ),
        (
            'POST',
            '/api/chat',
            b'{"model": "llava", "messages": [{"role": "user", "content": "x"}], '
            b'"tools": [{"type": "function", "function": {"name": "f"}}]}',
            400,
            'registry.ollama.ai/library/llava:latest does not support tools',
        ),
        (
            'POST',
            '/api/chat',
            b'{"model": "nomic-embed-text", "messages": [{"role": "user", "content": "x"}]}',
            400,
            '"nomic-embed-text" does not support chat',
        ),
        (
            'POST',
            '/api/generate',
            b'{"model": "nomic-embed-text", "prompt": "x"}',
            400,
            '"nomic-embed-text" does not support generate',
        ),
        (
            'POST',
            '/api/generate',
            b'{"model": "llama3.2", "prompt": "x", "raw": true, "system": "s"}',
            400,
            'raw mode does not support template, system, or context',
        ),
    ],
)
def test_errors_have_ollamas_status_and_body(
    ollama_emulator: EmulatorURL, method: str, path: str, data: bytes, status: int, error: str
) -> None:
    response = requests.request(method, f'{ollama_emulator}{path}', data=data)
    assert (response.status_code, response.json()) == (status, {'error': error})
    assert response.headers['Content-Type'] == 'application/json; charset=utf-8'


def test_unknown_routes_get_the_plain_404(ollama_emulator: EmulatorURL) -> None:
    for method, path in (('GET', '/api/nothing'), ('POST', '/api/nothing')):
        response = requests.request(method, f'{ollama_emulator}{path}')
        assert (response.status_code, response.text) == (404, '404 page not found')


def test_known_routes_asked_with_another_method_get_the_plain_405(ollama_emulator: EmulatorURL) -> None:
    # Ollama's router answers so since it turned gin's HandleMethodNotAllowed on (2025-05).
    for method, path in (('GET', '/api/chat'), ('POST', '/api/tags'), ('HEAD', '/api/ps'), ('GET', '/api/me')):
        response = requests.request(method, f'{ollama_emulator}{path}')
        assert response.status_code == 405
        assert method == 'HEAD' or response.text == '405 method not allowed'


def test_whole_floats_count_as_integers(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'nomic-embed-text', 'input': 'x', 'dimensions': 4.0}
    assert len(requests.post(f'{ollama_emulator}/api/embed', json=body).json()['embeddings'][0]) == 4
    chat = {**CHAT, 'stream': False, 'logprobs': True, 'top_logprobs': 2.0}
    assert len(requests.post(f'{ollama_emulator}/api/chat', json=chat).json()['logprobs'][0]['top_logprobs']) == 2
    half = requests.post(f'{ollama_emulator}/api/chat', json={**chat, 'top_logprobs': 2.5})
    assert half.status_code == 400


def test_the_request_model_name_is_echoed_as_given(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'LLAMA3.2:latest', 'prompt': 'hi', 'stream': False}
    assert requests.post(f'{ollama_emulator}/api/generate', json=body).json()['model'] == 'LLAMA3.2:latest'


def test_a_model_without_tool_support_can_still_chat() -> None:
    with Emulator(models=[ModelSpec('basic', capabilities=['completion'])]).running() as url:
        body = {'model': 'basic', 'messages': [{'role': 'user', 'content': 'hi'}], 'stream': False}
        assert requests.post(f'{url}/api/chat', json=body).status_code == 200
