"""The emulator is a server too: hostile input gets a 400 with Ollama's error body, never a 500 or a traceback,
and nothing it keeps grows without bound. Each case goes through a real socket on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any, List

import pytest
import requests

from ollama_lite.testing import Emulator, EmulatorURL

CHAT = {'model': 'qwen3', 'messages': [{'role': 'user', 'content': 'Hi'}], 'stream': False}


def _error(reply: requests.Response) -> Any:
    assert reply.headers['Content-Type'].startswith('application/json')
    body = reply.json()
    assert set(body) == {'error'} and isinstance(body['error'], str)
    return reply.status_code, body['error']


@pytest.mark.parametrize('depth', [101, 5_000, 200_000])
@pytest.mark.parametrize('path', ['/api/chat', '/api/generate', '/api/embed', '/api/show', '/api/create'])
def test_deep_json_is_a_400(ollama_emulator: EmulatorURL, path: str, depth: int) -> None:
    raw = b'{"model": "qwen3", "options": ' + b'[' * depth + b']' * depth + b'}'
    status, message = _error(requests.post(f'{ollama_emulator}{path}', data=raw))
    assert status == 400 and 'exceeded max depth' in message


def test_json_at_the_depth_limit_is_read(ollama_emulator: EmulatorURL) -> None:
    raw = b'{"model": "qwen3", "prompt": "x", "stream": false, "options": {"x": ' + b'[' * 98 + b']' * 98 + b'}}'
    assert requests.post(f'{ollama_emulator}/api/generate', data=raw).status_code == 200
    deep_string = b'{"model": "qwen3", "prompt": "' + b'[' * 1000 + b'", "stream": false}'
    assert requests.post(f'{ollama_emulator}/api/generate', data=deep_string).status_code == 200


@pytest.mark.parametrize(
    'raw',
    [
        b'{"model": "qwen3", "prompt": "\\ud800 lone", "stream": false}',
        b'{"model": "qwen3", "prompt": "tail \\udfff", "stream": true}',
        b'{"model": "qwen3", "prompt": "x", "system": "\\udbff", "stream": false}',
    ],
)
def test_lone_surrogates_are_read_as_ollama_reads_them(ollama_emulator: EmulatorURL, raw: bytes) -> None:
    reply = requests.post(f'{ollama_emulator}/api/generate', data=raw)
    assert reply.status_code == 200
    reply.content.decode('utf-8')  # valid UTF-8 throughout: Go turns a lone surrogate into U+FFFD


def test_a_lone_surrogate_in_a_model_name(ollama_emulator: EmulatorURL) -> None:
    reply = requests.post(f'{ollama_emulator}/api/show', data=b'{"model": "\\ud800"}')
    assert _error(reply)[0] == 400


@pytest.mark.parametrize(
    ('field', 'value'),
    [('keep_alive', '1e400'), ('keep_alive', '-1e400'), ('options', '{"temperature": 1e400}'), ('keep_alive', 'NaN')],
)
def test_numbers_go_cannot_hold_are_a_400(ollama_emulator: EmulatorURL, field: str, value: str) -> None:
    raw = b'{"model": "qwen3", "messages": [], "%s": %s}' % (field.encode(), value.encode())
    status, message = _error(requests.post(f'{ollama_emulator}/api/chat', data=raw))
    assert status == 400
    assert message.startswith(('json: cannot unmarshal number', "invalid character 'N'"))


def test_a_huge_whole_keep_alive_keeps_the_model_loaded(ollama_emulator: EmulatorURL) -> None:
    raw = b'{"model": "qwen3", "keep_alive": 1' + b'0' * 400 + b'}'
    assert requests.post(f'{ollama_emulator}/api/generate', data=raw).status_code == 400
    reply = requests.post(f'{ollama_emulator}/api/generate', json={'model': 'qwen3', 'keep_alive': 10**30})
    assert reply.status_code == 200
    assert requests.get(f'{ollama_emulator}/api/ps').json()['models'][0]['expires_at']


@pytest.mark.parametrize('fmt', [5, True, ['json'], 'yaml', 1.5])
@pytest.mark.parametrize('path', ['/api/chat', '/api/generate'])
def test_format_of_a_wrong_type_is_a_400(ollama_emulator: EmulatorURL, path: str, fmt: Any) -> None:
    body = {**CHAT, 'prompt': 'x', 'format': fmt}
    status, message = _error(requests.post(f'{ollama_emulator}{path}', json=body))
    assert status == 400 and message.startswith('invalid format: ')


@pytest.mark.parametrize('depth', [20, 45])
def test_a_deep_format_schema_is_a_400(ollama_emulator: EmulatorURL, depth: int) -> None:
    schema: Any = {'type': 'string'}
    for _ in range(depth):
        schema = {'type': 'object', 'properties': {'a': schema}, 'required': ['a']}
    status, message = _error(requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'format': schema}))
    assert status == 400 and 'format' in message


def test_a_deep_tool_schema_is_a_400(ollama_emulator: EmulatorURL) -> None:
    schema: Any = {'type': 'string'}
    for _ in range(45):
        schema = {'type': 'object', 'properties': {'a': schema}}
    tool = {'type': 'function', 'function': {'name': 'f', 'parameters': schema}}
    status, message = _error(requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'tools': [tool]}))
    assert status == 400 and 'tools' in message


@pytest.mark.parametrize(
    'schema',
    [
        {'anyOf': 5},
        {'properties': {'a': 5}},
        {'type': 5},
        {'type': 'array', 'minItems': 1e9},
        {'type': 'string', 'minLength': 10**9},  # a gigabyte of "x", were it generated
        {'type': 'array', 'minItems': -1},
        {'type': 'number', 'minimum': 1e308, 'multipleOf': 1e-308},
        {'format': {'a': 1}},
        {'enum': 5},
    ],
)
@pytest.mark.parametrize('where', ['format', 'tools'])
def test_a_schema_the_emulator_cannot_follow_is_a_400(ollama_emulator: EmulatorURL, schema: Any, where: str) -> None:
    body: Any = {**CHAT, 'format': schema}
    if where == 'tools':
        body = {**CHAT, 'tools': [{'type': 'function', 'function': {'name': 'f', 'parameters': schema}}]}
    status, message = _error(requests.post(f'{ollama_emulator}/api/chat', json=body))
    assert status == 400 and message.startswith(('invalid format', 'invalid tool'))


@pytest.mark.parametrize('tools', [[5], [{'function': 5}], ['get_weather']])
def test_tools_that_are_not_tool_objects_are_a_400(ollama_emulator: EmulatorURL, tools: Any) -> None:
    status, message = _error(requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'tools': tools}))
    assert status == 400 and 'api.Tool' in message


def test_format_empty_string_and_json_are_fine(ollama_emulator: EmulatorURL) -> None:
    for fmt in ('', 'json', None, {'type': 'object'}):
        assert requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'format': fmt}).status_code == 200


def test_the_request_log_is_bounded_and_bodies_cut() -> None:
    emulator = Emulator(request_log_size=3, request_log_body_bytes=16)
    with emulator.running() as url:
        for n in range(5):
            requests.post(f'{url}/api/show', json={'model': 'qwen3', 'n': n})
        requests.get(f'{url}/api/tags')
    logged = emulator.requests
    assert [r.path for r in logged] == ['/api/show', '/api/show', '/api/tags']
    assert all(len(r.raw) <= 16 for r in logged)
    assert [r.truncated for r in logged] == [True, True, False]
    assert [r.body for r in logged] == [None, None, None]
    with pytest.raises(ValueError, match='request log'):
        Emulator(request_log_size=0)


def test_the_default_log_keeps_a_thousand_requests_of_64_kib() -> None:
    emulator = Emulator(token_delay=0)
    with emulator.running() as url:
        requests.post(f'{url}/api/show', json={'model': 'qwen3', 'pad': 'x' * 70_000})
        requests.post(f'{url}/api/show', json={'model': 'qwen3'})
    big, small = emulator.requests
    assert (len(big.raw), big.truncated, big.body) == (64 * 1024, True, None)
    assert small.body == {'model': 'qwen3'} and not small.truncated


def test_a_body_over_the_cap_is_a_413_with_an_error_body() -> None:
    with Emulator(max_body_bytes=1024).running() as url:
        reply = requests.post(f'{url}/api/chat', data=b'{"model": "' + b'x' * 4096 + b'"}')
        assert (reply.status_code, reply.json()) == (413, {'error': 'http: request body too large'})
        assert requests.post(f'{url}/api/chat', json=CHAT).status_code == 200


def _open_stream(port: int) -> socket.socket:
    sock = socket.create_connection(('127.0.0.1', port), timeout=30)
    body = b'{"model": "qwen3", "messages": [{"role": "user", "content": "Tell me a long story"}]}'
    head = b'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n'
    sock.sendall(head % len(body) + body)
    sock.recv(1024)  # the headers and the first line: the stream is under way
    return sock


def test_many_clients_leaving_at_once_log_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    emulator = Emulator(token_delay=0.02)
    caplog.set_level(logging.DEBUG)
    with emulator.running() as url:
        socks: List[socket.socket] = [_open_stream(url.port) for _ in range(30)]
        half_sent = socket.create_connection(('127.0.0.1', url.port), timeout=30)
        half_sent.sendall(b'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"model"')
        socks.append(half_sent)
        for i, sock in enumerate(socks):
            if i % 2:  # half reset the connection, half close it politely
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\x01\x00\x00\x00\x00\x00\x00\x00')
        closers = [threading.Thread(target=sock.close) for sock in socks]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join(5)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            streams = [r for r in emulator.requests if r.path == '/api/chat' and r.body is not None]
            if len(streams) == 30 and all(r.client_disconnected for r in streams):
                break
            time.sleep(0.05)
        assert all(r.client_disconnected for r in emulator.requests if r.body is not None)
        assert requests.post(f'{url}/api/chat', json=CHAT).status_code == 200
    noisy = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert noisy == []
