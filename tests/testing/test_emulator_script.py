"""Scripting the emulator: exact replies, errors, broken streams, delays, and the record of requests."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List

import aiohttp
import pytest
import requests

from ollama_lite.testing import Emulator, EmulatorURL, Reply

CHAT = {'model': 'llama3.2', 'messages': [{'role': 'user', 'content': 'hi'}]}


def chat_lines(url: str, **extra: Any) -> List[Dict[str, Any]]:
    response = requests.post(f'{url}/api/chat', json={**CHAT, **extra})
    return [json.loads(line) for line in response.iter_lines()]


def test_text_replies_are_streamed_word_by_word(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('Paris is lovely.', thinking='Easy.'))
    lines = chat_lines(ollama_emulator)
    assert [line['message'].get('thinking', '') for line in lines] == ['Easy.', '', '', '', '']
    assert [line['message']['content'] for line in lines] == ['', 'Paris', ' is', ' lovely.', '']
    assert lines[-1]['done'] is True


def test_replies_answer_in_order_then_defaults_return(ollama_emulator: EmulatorURL) -> None:
    emulator = ollama_emulator.emulator
    emulator.reply(Reply.text('one'), Reply.text('two'))
    assert emulator.pending_replies == 2
    body = {**CHAT, 'stream': False}
    requests.post(f'{ollama_emulator}/api/chat', json={'model': 'llama3.2', 'messages': []})  # a load: not answered
    assert requests.post(f'{ollama_emulator}/api/chat', json=body).json()['message']['content'] == 'one'
    generate = {'model': 'llama3.2', 'prompt': 'x', 'stream': False}
    assert requests.post(f'{ollama_emulator}/api/generate', json=generate).json()['response'] == 'two'
    assert emulator.pending_replies == 0
    assert requests.post(f'{ollama_emulator}/api/chat', json=body).json()['message']['content'].startswith('This is')


def test_tool_calls_and_structured_values(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(
        Reply.tool_calls([('add', {'a': 1, 'b': 2}), {'name': 'sub', 'arguments': {'a': 3}}]),
        Reply.structured({'name': 'Ada', 'age': 36}),
    )
    body = {**CHAT, 'stream': False}
    calls = requests.post(f'{ollama_emulator}/api/chat', json=body).json()['message']['tool_calls']
    assert [(c['function']['index'], c['function']['name'], c['function']['arguments']) for c in calls] == [
        (0, 'add', {'a': 1, 'b': 2}),
        (1, 'sub', {'a': 3}),
    ]
    assert all(call['id'].startswith('call_') for call in calls)
    content = requests.post(f'{ollama_emulator}/api/chat', json=body).json()['message']['content']
    assert json.loads(content) == {'name': 'Ada', 'age': 36}


def test_error_replies_carry_a_status_and_can_target_a_path(ollama_emulator: EmulatorURL) -> None:
    emulator = ollama_emulator.emulator
    emulator.reply(Reply.error('pull failed', status=502), path='/api/pull')
    emulator.reply(Reply.error('server busy, please try again.', status=503))
    busy = requests.post(f'{ollama_emulator}/api/chat', json=CHAT)
    assert (busy.status_code, busy.json()) == (503, {'error': 'server busy, please try again.'})
    pull = requests.post(f'{ollama_emulator}/api/pull', json={'model': 'phi4'})
    assert (pull.status_code, pull.json()) == (502, {'error': 'pull failed'})
    assert 'phi4:latest' not in emulator.model_names


def test_raw_json_replies_replace_any_body(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.json({'models': []}), path='/api/tags')
    assert requests.get(f'{ollama_emulator}/api/tags').json() == {'models': []}
    assert requests.get(f'{ollama_emulator}/api/tags').json()['models']


def test_an_error_line_after_some_chunks_ends_the_stream(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('a b c d').error_after(2, 'model crashed'))
    lines = chat_lines(ollama_emulator)
    assert [line.get('message', {}).get('content') for line in lines[:2]] == ['a', ' b']
    assert lines[2:] == [{'error': 'model crashed'}]
    ollama_emulator.emulator.reply(Reply().error_after(1))
    single = requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False})
    assert single.status_code == 500
    assert single.json() == {'error': 'an error was encountered while running the model'}


def test_pull_progress_can_fail_midway(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply().error_after(3, 'connection reset'), path='/api/pull')
    response = requests.post(f'{ollama_emulator}/api/pull', json={'model': 'phi4'})
    lines = [json.loads(line) for line in response.iter_lines()]
    assert [line.get('status') for line in lines[:3]] == ['pulling manifest', lines[1]['status'], lines[2]['status']]
    assert lines[3] == {'error': 'connection reset'}
    assert 'phi4:latest' not in ollama_emulator.emulator.model_names


def test_a_cut_connection_loses_the_final_chunk(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('a b c d').cut_after(2))
    received = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        for line in requests.post(f'{ollama_emulator}/api/chat', json=CHAT, stream=True).iter_lines():
            received.append(json.loads(line))
    assert [line['message']['content'] for line in received] == ['a', ' b']
    ollama_emulator.emulator.reply(Reply().cut_after(0))
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False})


@pytest.mark.asyncio
async def test_a_cut_connection_seen_from_aiohttp(async_ollama_emulator: EmulatorURL) -> None:
    async_ollama_emulator.emulator.reply(Reply.text('a b c').cut_after(1))
    url = f'{async_ollama_emulator}/api/chat'
    async with aiohttp.ClientSession() as session, session.post(url, json=CHAT) as response:
        first = await response.content.readline()
        assert json.loads(first)['message']['content'] == 'a'
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.content.read()


def test_delays_before_headers_and_between_chunks(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('x').delayed(0.2))
    start = time.monotonic()
    requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False})
    assert time.monotonic() - start >= 0.2
    ollama_emulator.emulator.reply(Reply.text('a b c').paced(0.05))
    start = time.monotonic()
    chat_lines(ollama_emulator)
    assert time.monotonic() - start >= 0.15


def test_every_request_is_recorded(ollama_emulator: EmulatorURL) -> None:
    emulator = ollama_emulator.emulator
    requests.get(f'{ollama_emulator}/api/tags?verbose=1')
    requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'stream': False}, headers={'X-Trace': 'abc'})
    requests.post(f'{ollama_emulator}/api/chat', data=b'not json')
    tags, chat, broken = emulator.requests
    assert (tags.method, tags.path, tags.query, tags.body) == ('GET', '/api/tags', {'verbose': '1'}, None)
    assert (chat.method, chat.path, chat.body) == ('POST', '/api/chat', {**CHAT, 'stream': False})
    assert chat.headers['x-trace'] == 'abc'
    assert json.loads(chat.raw) == chat.body
    assert (broken.body, broken.raw) == (None, b'not json')
    assert emulator.last_request is broken
    emulator.reset()
    assert emulator.requests == []
    assert emulator.last_request is None


def test_a_client_leaving_mid_stream_is_noticed() -> None:
    with Emulator(token_delay=0.02).running() as url:
        response = requests.post(f'{url}/api/chat', json=CHAT, stream=True)
        next(response.iter_lines())
        response.close()
        deadline = time.monotonic() + 3
        while not url.emulator.requests[-1].client_disconnected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert url.emulator.requests[-1].client_disconnected


def test_reset_drops_queued_replies(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('never'))
    ollama_emulator.emulator.reset()
    assert ollama_emulator.emulator.pending_replies == 0


@pytest.mark.parametrize(
    'make',
    [
        lambda emulator: emulator.reply(Reply.text('x'), path='/api/pull'),
        lambda emulator: emulator.reply(Reply.text('x'), path='api/chat'),
        lambda emulator: Reply.error('x', status=200),
        lambda emulator: Reply.tool_calls([('', {})]),
        lambda emulator: Reply.text('x').cut_after(-1),
    ],
)
def test_impossible_scripts_are_refused(make: Any) -> None:
    with pytest.raises(ValueError):
        make(Emulator())
