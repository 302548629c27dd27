"""The batch runners through both clients against `responses`/`aioresponses`: exact request bodies, splitting on
Ollama's refusal, what closing an iterator early does."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List

import pytest
import responses
from aioresponses import CallbackResult, aioresponses

import ollama_lite as ollama
from tests._mocks import aiohttp_mock
from tests.cases import HOST

pytestmark = pytest.mark.usefixtures('no_leaks')

EMBED = HOST + '/api/embed'
TOO_LONG = {'error': 'the input length exceeds the context length'}


def vectors(body: Dict[str, Any]) -> Dict[str, Any]:
    """The reply of a server that embeds text ``t<i>`` as ``[i]`` and refuses any batch holding ``'long'``."""
    return {'model': body['model'], 'embeddings': [[float(t[1:])] for t in body['input']], 'prompt_eval_count': 1}


def sync_reply(request: Any) -> Any:
    body = json.loads(request.body)
    if 'long' in body['input']:
        return 400, {}, json.dumps(TOO_LONG)
    return 200, {}, json.dumps(vectors(body))


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.POST, EMBED, callback=sync_reply)
        yield rsps


def test_sync_batches_carry_the_embed_options_as_the_official_body(mock: responses.RequestsMock) -> None:
    texts = [f't{i}' for i in range(5)]
    result = ollama.Client(HOST).embed_many(
        'all-minilm', texts, batch_size=2, concurrency=1, truncate=False, dimensions=8, keep_alive='5m',
        options={'num_ctx': 512},
    )  # fmt: skip
    assert result.embeddings == [[0.0], [1.0], [2.0], [3.0], [4.0]]
    assert result.prompt_eval_count == 3  # one per request, summed
    bodies = [json.loads(call.request.body) for call in mock.calls]
    assert [b['input'] for b in bodies] == [['t0', 't1'], ['t2', 't3'], ['t4']]
    assert bodies[0] == {
        'model': 'all-minilm', 'input': ['t0', 't1'], 'truncate': False, 'dimensions': 8,
        'options': {'num_ctx': 512}, 'keep_alive': '5m',
    }  # fmt: skip


def test_sync_split_sends_the_refused_batch_again_in_halves(mock: responses.RequestsMock) -> None:
    texts = ['t0', 't1', 'long', 't3']
    result = ollama.Client(HOST).embed_many('all-minilm', texts, batch_size=4, concurrency=1, on_error='return')
    assert result.embeddings[:2] == [[0.0], [1.0]] and result.embeddings[3] == [3.0]
    assert isinstance(result.embeddings[2], ollama.ResponseError) and result.embeddings[2].status_code == 400
    sent = [json.loads(call.request.body)['input'] for call in mock.calls]
    assert sent == [texts, ['t0', 't1'], ['long', 't3'], ['long'], ['t3']]


def test_closing_the_sync_iterator_early_sends_no_more(mock: responses.RequestsMock) -> None:
    results = ollama.Client(HOST).iter_embed_many(
        'all-minilm', (f't{i}' for i in range(1000)), batch_size=10, concurrency=2
    )
    assert next(results) == [0.0]
    results.close()
    sent = len(mock.calls)
    assert sent <= 3  # the two in flight, and one sent as the first came back
    with pytest.raises(StopIteration):
        next(results)
    assert len(mock.calls) == sent


def async_reply(url: Any, **kwargs: Any) -> CallbackResult:
    body = json.loads(kwargs['data'])
    if 'long' in body['input']:
        return CallbackResult(status=400, payload=TOO_LONG)
    return CallbackResult(payload=vectors(body))


@pytest.fixture
def amock() -> Iterator[aioresponses]:
    with aiohttp_mock() as m:
        m.post(EMBED, callback=async_reply, repeat=True)
        yield m


def sent_inputs(mock: aioresponses) -> List[List[str]]:
    return [json.loads(call.kwargs['data'])['input'] for calls in mock.requests.values() for call in calls]


async def test_async_split_and_order(amock: aioresponses) -> None:
    texts = ['t0', 't1', 'long', 't3', 't4']
    async with ollama.AsyncClient(HOST) as client:
        with pytest.raises(ollama.BatchItemError) as raised:
            await client.embed_many('all-minilm', texts, batch_size=5, concurrency=1)
        result = await client.embed_many('all-minilm', [t for t in texts if t != 'long'], batch_size=2)
    assert raised.value.index == 2 and isinstance(raised.value.error, ollama.ResponseError)
    assert result.embeddings == [[0.0], [1.0], [3.0], [4.0]]
    # Split down to the long text alone; once it failed the raising run sent nothing more (not ['t3', 't4']).
    assert sent_inputs(amock)[:5] == [texts, ['t0', 't1'], ['long', 't3', 't4'], ['long'], ['t0', 't1']]


async def test_async_iterator_closed_early_sends_no_more(amock: aioresponses) -> None:
    async with ollama.AsyncClient(HOST) as client:
        results = await client.iter_embed_many(
            'all-minilm', (f't{i}' for i in range(1000)), batch_size=10, concurrency=2
        )
        assert await results.__anext__() == [0.0]
        await results.aclose()
        sent = len(sent_inputs(amock))
        assert sent <= 3
        assert len((await client.embed_many('all-minilm', ['t7'])).embeddings) == 1  # the client is still usable
    assert len(sent_inputs(amock)) == sent + 1


async def test_async_chat_many_sends_one_chat_per_conversation() -> None:
    with aiohttp_mock() as m:
        m.post(
            HOST + '/api/chat', payload={'model': 'm', 'message': {'role': 'assistant', 'content': 'hi'}}, repeat=True
        )
        async with ollama.AsyncClient(HOST) as client:
            replies = await client.chat_many('m', [[{'role': 'user', 'content': str(i)}] for i in range(3)], think=True)
        bodies = [json.loads(call.kwargs['data']) for calls in m.requests.values() for call in calls]
    assert [r.message.content for r in replies] == ['hi'] * 3  # type: ignore[union-attr]
    assert sorted(b['messages'][0]['content'] for b in bodies) == ['0', '1', '2']
    assert all(b['think'] is True and b['stream'] is False for b in bodies)


def test_no_inputs_send_nothing_and_the_result_reads_like_an_embed_reply(mock: responses.RequestsMock) -> None:
    result = ollama.Client(HOST).embed_many('all-minilm', iter([]))
    assert len(mock.calls) == 0
    assert (result.model, result.embeddings, result.errors) == ('all-minilm', [], {})
    result = ollama.Client(HOST).embed_many('all-minilm', ['t3'])
    assert result['embeddings'] == [[3.0]] and result['prompt_eval_count'] == 1
    with pytest.raises(KeyError):
        result['nope']
