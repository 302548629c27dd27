"""embed_many, chat_many and generate_many against the emulator on 127.0.0.1, through both clients."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Iterator, List

import pytest

import ollama_lite
from ollama_lite import AsyncClient, BatchItemError, Client, ResponseError
from ollama_lite.testing import EmulatorURL, Reply
from ollama_lite.testing.pytest_plugin import async_ollama_emulator, ollama_emulator
from tests._faults import Close, json_reply
from tests._loops import run_async

__all__ = ['async_ollama_emulator', 'ollama_emulator']

MODEL = 'nomic-embed-text'
TEXTS = [f'text number {i}' for i in range(50)]
TOO_LONG = 'word ' * 5000  # past nomic-embed-text's context of 2048 tokens
WAIT = 10.0  # a generous bound for things that happen at once when they happen at all


def embed_inputs(url: EmulatorURL) -> List[List[str]]:
    return [r.body['input'] for r in url.emulator.requests if r.path == '/api/embed']


def counted(texts: List[str], reads: List[int]) -> Iterator[str]:
    for i, text in enumerate(texts):
        reads.append(i)
        yield text


def test_sync_embed_many_equals_one_embed_of_everything(ollama_emulator: EmulatorURL) -> None:
    with Client(ollama_emulator) as client:
        expected = client.embed(MODEL, TEXTS)
        reads: List[int] = []
        seen: List[Any] = []
        result = client.embed_many(
            MODEL, counted(TEXTS, reads), batch_size=7, concurrency=3, progress=lambda d, t: seen.append((d, t))
        )
    assert result.embeddings == expected.embeddings
    assert result.prompt_eval_count == expected.prompt_eval_count and result.model == MODEL
    assert result.errors == {}
    batches = embed_inputs(ollama_emulator)[1:]
    assert sorted(text for batch in batches for text in batch) == sorted(TEXTS)  # each sent once
    assert max(len(b) for b in batches) == 7
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1] == (50, None)


async def test_async_embed_many_equals_one_embed_of_everything(async_ollama_emulator: EmulatorURL) -> None:
    async with AsyncClient(async_ollama_emulator) as client:
        expected = await client.embed(MODEL, TEXTS)
        seen: List[Any] = []
        result = await client.embed_many(MODEL, TEXTS, batch_size=7, progress=lambda d, t: seen.append((d, t)))
    assert result.embeddings == expected.embeddings
    assert result.prompt_eval_count == expected.prompt_eval_count
    assert seen[-1] == (50, 50)


@pytest.mark.parametrize('transport', ['sync', 'async'])
def test_an_input_past_the_context_fails_alone(ollama_emulator: EmulatorURL, transport: str) -> None:
    texts = ['a', 'b', 'c', TOO_LONG, 'e', 'f']
    if transport == 'sync':
        with Client(ollama_emulator) as client:
            returned = client.embed_many(MODEL, texts, batch_size=6, concurrency=1, truncate=False, on_error='return')
            with pytest.raises(BatchItemError) as raised:
                client.embed_many(MODEL, texts, batch_size=6, concurrency=1, truncate=False)
            good = client.embed(MODEL, ['a', 'b', 'c', 'e', 'f']).embeddings
    else:

        async def run() -> Any:
            async with AsyncClient(ollama_emulator) as client:
                returned = await client.embed_many(
                    MODEL, texts, batch_size=6, concurrency=1, truncate=False, on_error='return'
                )
                with pytest.raises(BatchItemError) as raised:
                    await client.embed_many(MODEL, texts, batch_size=6, concurrency=1, truncate=False)
                return returned, raised, (await client.embed(MODEL, ['a', 'b', 'c', 'e', 'f'])).embeddings

        returned, raised, good = run_async(run())
    assert set(returned.errors) == {3}
    error = returned.embeddings[3]
    assert isinstance(error, ResponseError) and error.status_code == 400
    assert 'the input length exceeds the context length' in error.error
    assert [e for i, e in enumerate(returned.embeddings) if i != 3] == good
    assert raised.value.index == 3 and raised.value.error.status_code == 400  # type: ignore[attr-defined]
    assert 'input 3 failed' in str(raised.value)
    # The batch, its halves, down to the long text alone; the halves that succeeded were never sent again.
    first_run = embed_inputs(ollama_emulator)[:5]
    assert first_run == [texts, ['a', 'b', 'c'], [TOO_LONG, 'e', 'f'], [TOO_LONG], ['e', 'f']]


def test_a_busy_server_gets_fewer_requests_and_every_input_once_it_took_it(ollama_emulator: EmulatorURL) -> None:
    busy = Reply.error('server busy, please try again.  maximum pending requests exceeded', status=503)
    ollama_emulator.emulator.reply(busy, busy, path='/api/embed')
    with Client(ollama_emulator, retries=0) as client:
        result = client.embed_many(MODEL, TEXTS[:8], batch_size=2, concurrency=4)
        expected = client.embed(MODEL, TEXTS[:8]).embeddings
    assert result.embeddings == expected
    sent = [text for batch in embed_inputs(ollama_emulator)[:-1] for text in batch]
    assert len(sent) == 8 + 2 * 2  # two refused batches of two went again; nothing else twice
    assert sorted(set(sent)) == sorted(TEXTS[:8])


def test_503_goes_through_the_clients_retry_policy_first(ollama_emulator: EmulatorURL) -> None:
    busy = Reply.error('server busy', status=503)
    ollama_emulator.emulator.reply(busy, path='/api/embed')
    with Client(ollama_emulator, retries=ollama_lite.Retry(total=1, backoff=0.0)) as client:
        result = client.embed_many(MODEL, TEXTS[:4], batch_size=4, concurrency=1)
    assert len(result.embeddings) == 4
    assert embed_inputs(ollama_emulator) == [TEXTS[:4], TEXTS[:4]]


def test_iter_embed_many_reads_a_generator_no_further_than_its_window(ollama_emulator: EmulatorURL) -> None:
    reads: List[int] = []
    with Client(ollama_emulator) as client:
        results = client.iter_embed_many(MODEL, counted(TEXTS * 20, reads), batch_size=5, concurrency=2)
        first = next(results)
        assert len(reads) <= 2 * 5 + 5  # the window, and one batch read as the first was handed back
        results.close()
        assert first == client.embed(MODEL, TEXTS[0]).embeddings[0]
    assert len(reads) < len(TEXTS)


@pytest.mark.parametrize('transport', ['sync', 'async'])
def test_chat_many_and_generate_many_pass_chats_options_and_keep_order(
    ollama_emulator: EmulatorURL, transport: str
) -> None:
    conversations = [[{'role': 'user', 'content': f'question {i}'}] for i in range(6)]
    schema = {'type': 'object', 'properties': {'n': {'type': 'integer'}}}
    tool = {'type': 'function', 'function': {'name': 'f', 'description': 'f', 'parameters': {'type': 'object'}}}
    if transport == 'sync':
        with Client(ollama_emulator) as client:
            chats = client.chat_many('qwen3', conversations, format=schema, think=True, tools=[tool], concurrency=3)
            generated = client.generate_many('qwen3', ['p0', 'p1', 'p2'], think=False, system='terse')
    else:

        async def run() -> Any:
            async with AsyncClient(ollama_emulator) as client:
                chats = await client.chat_many('qwen3', conversations, format=schema, think=True, tools=[tool])
                return chats, await client.generate_many('qwen3', ['p0', 'p1', 'p2'], think=False, system='terse')

        chats, generated = run_async(run())
    assert len(chats) == 6 and len(generated) == 3
    chat_bodies = [r.body for r in ollama_emulator.emulator.requests if r.path == '/api/chat']
    assert sorted(b['messages'][0]['content'] for b in chat_bodies) == [f'question {i}' for i in range(6)]
    assert all(
        b['format'] == schema and b['think'] is True and b['tools'][0]['function']['name'] == 'f' for b in chat_bodies
    )
    assert all(b['stream'] is False for b in chat_bodies)
    gen_bodies = [r.body for r in ollama_emulator.emulator.requests if r.path == '/api/generate']
    assert sorted(b['prompt'] for b in gen_bodies) == ['p0', 'p1', 'p2']
    assert all(b['system'] == 'terse' and b['think'] is False for b in gen_bodies)


def test_chat_many_reports_each_conversations_error_in_its_slot(ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('one'), Reply.error('boom', status=500), Reply.text('three'))
    with Client(ollama_emulator, retries=0) as client:
        replies = client.chat_many(
            'llama3.2', [[{'role': 'user', 'content': str(i)}] for i in range(3)], concurrency=1, on_error='return'
        )
    assert isinstance(replies[1], ResponseError) and replies[1].status_code == 500
    assert [r.message.content for r in (replies[0], replies[2])] == ['one', 'three']  # type: ignore[union-attr]


async def test_cancelling_embed_many_cancels_its_requests_and_leaves_the_client_usable(
    async_ollama_emulator: EmulatorURL,
) -> None:
    emu = async_ollama_emulator.emulator
    emu.reply(Reply().delayed(60), Reply().delayed(60), path='/api/embed')
    async with AsyncClient(async_ollama_emulator) as client:
        task = asyncio.ensure_future(client.embed_many(MODEL, TEXTS, batch_size=5, concurrency=2))
        deadline = time.monotonic() + WAIT
        while len(emu.requests) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert len(emu.requests) == 2
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        while not all(r.client_disconnected for r in emu.requests) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert all(r.client_disconnected for r in emu.requests)  # both requests were ended, not left running
        assert len(emu.requests) == 2  # and no more were sent
        again = await client.embed_many(MODEL, TEXTS[:3])
    assert len(again.embeddings) == 3


def test_module_level_functions_use_the_default_client(
    ollama_emulator: EmulatorURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ollama_lite, '_default_client', Client(ollama_emulator))
    assert len(ollama_lite.embed_many(MODEL, TEXTS[:3]).embeddings) == 3
    assert len(list(ollama_lite.iter_embed_many(MODEL, TEXTS[:3]))) == 3
    assert len(ollama_lite.chat_many('llama3.2', [[{'role': 'user', 'content': 'hi'}]])) == 1
    assert len(list(ollama_lite.iter_generate_many('llama3.2', ['hi']))) == 1


def test_unknown_options_and_stream_are_refused_before_anything_is_sent(ollama_emulator: EmulatorURL) -> None:
    with Client(ollama_emulator) as client:
        with pytest.raises(TypeError, match='colour'):
            client.chat_many('llama3.2', [[{'role': 'user', 'content': 'hi'}]], colour='red')
        with pytest.raises(ollama_lite.RequestError, match='stream'):
            client.generate_many('llama3.2', ['hi'], stream=True)
        with pytest.raises(ollama_lite.RequestError, match='not one str'):
            client.embed_many(MODEL, 'one text')
    assert ollama_emulator.emulator.requests == []


@pytest.mark.parametrize('transport', ['sync', 'async'])
def test_connection_trouble_goes_through_the_retry_policy(fault_servers: Any, transport: str) -> None:
    server, _ = fault_servers
    answer = json_reply({'model': MODEL, 'embeddings': [[1.0], [2.0]]})
    server.script((Close(reset=True),), answer, (Close(reset=True),))

    def run(retries: int) -> Any:
        if transport == 'sync':
            with Client(server.url, retries=retries) as client:
                return client.embed_many(MODEL, ['a', 'b'], batch_size=2)

        async def go() -> Any:
            async with AsyncClient(server.url, retries=retries) as client:
                return await client.embed_many(MODEL, ['a', 'b'], batch_size=2)

        return run_async(go())

    assert run(retries=1).embeddings == [[1.0], [2.0]]  # reset before the reply, sent again, answered
    assert len(server.requests) == 2
    with pytest.raises(BatchItemError) as raised:
        run(retries=0)  # the third connection is reset too, and no retry is allowed
    assert isinstance(raised.value.error, ollama_lite.ConnectError)
    assert (raised.value.index, raised.value.count) == (0, 2)


def test_over_a_pool_of_hosts_the_default_concurrency_scales_and_results_keep_their_order() -> None:
    from ollama_lite.testing import Emulator

    emulators = [Emulator([MODEL]) for _ in range(3)]
    with emulators[0].running() as a, emulators[1].running() as b, emulators[2].running() as c:
        with Client(hosts=[a, b, c]) as client, Client(a) as one:
            assert client._parallelism() == 3 and one._parallelism() == 1
            result = client.embed_many(MODEL, TEXTS, batch_size=2)
            assert result.embeddings == one.embed(MODEL, TEXTS).embeddings
        sent = [len([r for r in e.requests if r.path == '/api/embed']) for e in emulators]
    assert sum(sent) == 25 + 1 and all(n > 0 for n in sent)  # the batches went to all three
