"""The sync Client against a real HTTP server on 127.0.0.1: streaming, chunking, cuts, aborts, threads."""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import List

import pytest
from aiohttp import web

import ollama_lite as ollama
from tests._live import LiveServer, ndjson


def _chat_line(content: str, done: bool = False) -> dict:
    return {'model': 'm', 'message': {'role': 'assistant', 'content': content}, 'done': done}


def test_stream_delivers_each_chunk_as_it_arrives(live: LiveServer) -> None:
    gate = threading.Event()

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(json.dumps(_chat_line('first')).encode() + b'\n')
        # The second chunk is only sent once the client has shown it received the first; a client
        # that waits for more bytes before yielding gets a cut connection instead.
        for _ in range(300):
            if gate.is_set():
                break
            await asyncio.sleep(0.01)
        else:
            assert request.transport is not None
            request.transport.close()
            return resp
        await resp.write(json.dumps(_chat_line('second', done=True)).encode() + b'\n')
        await resp.write_eof()
        return resp

    stream = ollama.Client(live.url).chat('m', [{'role': 'user', 'content': 'hi'}], stream=True)
    assert next(stream).message.content == 'first'
    gate.set()
    assert next(stream).message.content == 'second'
    with pytest.raises(StopIteration):
        next(stream)


def test_chunks_with_delays_and_odd_boundaries(live: LiveServer) -> None:
    text = json.dumps(_chat_line('héllo wörld ✓')).encode() + b'\n'
    payload = text * 5 + json.dumps(_chat_line('', done=True)).encode() + b'\n'
    # Split at every 7th byte: lines and multi-byte characters are cut across writes.
    pieces = [payload[i : i + 7] for i in range(0, len(payload), 7)]

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, pieces, delay=0.001)

    chunks = list(ollama.Client(live.url).chat('m', stream=True))
    assert [c.message.content for c in chunks] == ['héllo wörld ✓'] * 5 + ['']


def test_multibyte_character_split_across_writes(live: LiveServer) -> None:
    line = json.dumps(_chat_line('日本語🦙'), ensure_ascii=False).encode() + b'\n'
    cut = line.index('🦙'.encode()) + 2  # in the middle of the 4-byte emoji

    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        end = json.dumps(_chat_line('', done=True)).encode() + b'\n'
        return await live.stream_lines(request, [line[:cut], line[cut:], end], delay=0.02)

    chunks = list(ollama.Client(live.url).chat('m', stream=True))
    assert chunks[0].message.content == '日本語🦙'


def test_ten_megabyte_line(live: LiveServer) -> None:
    context = list(range(1_500_000))  # about 10.9 MB of JSON
    big = json.dumps({'response': '', 'done': True, 'context': context}).encode() + b'\n'
    assert len(big) > 10_000_000

    @live.route('POST', '/api/generate')
    async def generate(request: web.Request) -> web.StreamResponse:
        pieces = [big[i : i + 65536] for i in range(0, len(big), 65536)]
        return await live.stream_lines(request, pieces)

    chunks = list(ollama.Client(live.url).generate('m', 'hi', stream=True))
    assert chunks[0].context == context


def test_ten_megabyte_non_streamed_reply(live: LiveServer) -> None:
    vectors = [[0.125] * 768 for _ in range(800)]
    live.json('POST', '/api/embed', {'model': 'e', 'embeddings': vectors})
    assert ollama.Client(live.url).embed('e', ['x'] * 800).embeddings == vectors


def test_cut_stream_raises_incomplete(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(_chat_line('a'), _chat_line('b')), cut=True)

    stream = ollama.Client(live.url).chat('m', stream=True)
    got: List[str] = []
    with pytest.raises(ollama.IncompleteStreamError):
        for chunk in stream:
            got.append(chunk.message.content or '')
    assert got == ['a', 'b']


def test_clean_end_without_done_line(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(_chat_line('a')))

    # Ends quietly, as the official client does; strict_streams=True raises.
    assert [c.message.content for c in ollama.Client(live.url).chat('m', stream=True)] == ['a']
    with pytest.raises(ollama.IncompleteStreamError, match='chat stream ended after 1 line'):
        list(ollama.Client(live.url, strict_streams=True).chat('m', stream=True))


def test_mid_stream_error_line(live: LiveServer) -> None:
    @live.route('POST', '/api/generate')
    async def generate(request: web.Request) -> web.StreamResponse:
        lines = ndjson({'response': 'a', 'done': False}, {'error': 'model runner crashed'})
        return await live.stream_lines(request, lines)

    got = []
    with pytest.raises(ollama.ResponseError, match='model runner crashed'):
        for chunk in ollama.Client(live.url).generate('m', 'hi', stream=True):
            got.append(chunk.response)
    assert got == ['a']


@pytest.mark.parametrize(
    ('status', 'body', 'content_type', 'error'),
    [
        (
            502,
            b'<html><center>502 Bad Gateway</center></html>',
            'text/html',
            '<html><center>502 Bad Gateway</center></html>',
        ),
        (503, b'upstream unavailable\n', 'text/plain', 'upstream unavailable'),
        (404, b'{"error":"model \'x\' not found"}', 'application/json', "model 'x' not found"),
    ],
)
def test_non_json_and_json_error_bodies(
    live: LiveServer, status: int, body: bytes, content_type: str, error: str
) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, content_type=content_type)

    with pytest.raises(ollama.ResponseError) as info:
        ollama.Client(live.url, retries=0).chat('m', stream=True)
    assert (info.value.status_code, info.value.error) == (status, error)


@pytest.mark.parametrize('how', ['close', 'with', 'drop-after-break'])
def test_early_close_reaches_server(live: LiveServer, how: str) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, ndjson(_chat_line('tok')), delay=0.01, forever=True)

    client = ollama.Client(live.url)
    if how == 'close':
        stream = client.chat('m', stream=True)
        next(stream)
        stream.close()
        stream.close()
    elif how == 'with':
        with client.chat('m', stream=True) as stream:
            next(stream)
    else:
        for _ in client.chat('m', stream=True):
            break
        gc.collect()
    # The stream is endless: only the client's close ends it (how soon: bench/abort_latency.py).
    assert live.wait_disconnect(5), 'the server never saw the client go away'
    # The client stays usable after an abort.
    live.json('GET', '/api/version', {'version': '1'})
    assert client.version().version == '1'


def test_read_timeout_between_chunks(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        await resp.write(json.dumps(_chat_line('a')).encode() + b'\n')
        await asyncio.sleep(3)
        return resp

    stream = ollama.Client(live.url, timeout=(2, 0.3)).chat('m', stream=True)
    assert next(stream).message.content == 'a'
    started = time.monotonic()
    with pytest.raises(TimeoutError) as info:
        next(stream)
    assert isinstance(info.value, ollama.ReadTimeout)
    assert time.monotonic() - started < 2


def test_read_timeout_before_headers(live: LiveServer) -> None:
    @live.route('GET', '/api/tags')
    async def tags(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(3)
        return web.json_response({'models': []})

    with pytest.raises(ollama.ReadTimeout):
        ollama.Client(live.url, timeout=(2, 0.3)).list()


def test_eight_threads_share_one_client(live: LiveServer) -> None:
    @live.route('POST', '/api/chat')
    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        content = body['messages'][0]['content']
        if body['stream']:
            lines = ndjson(_chat_line(content), _chat_line('', done=True))
            return await live.stream_lines(request, lines, delay=0.001)
        return web.json_response(_chat_line(content, done=True))

    client = ollama.Client(live.url)

    def work(i: int) -> List[str]:
        out = []
        for j in range(25):
            text = f'{i}-{j}'
            if j % 2:
                chunks = list(client.chat('m', [{'role': 'user', 'content': text}], stream=True))
                out.append(chunks[0].message.content or '')
            else:
                out.append(client.chat('m', [{'role': 'user', 'content': text}]).message.content or '')
        return out

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for i, out in enumerate(results):
        assert out == [f'{i}-{j}' for j in range(25)]
    client.close()
