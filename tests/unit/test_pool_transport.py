"""The pool's hook in both transports, over mocked transports: which host each attempt goes to, and what is
never sent again. Failures are raised as each library raises them (see test_retry_transport.py); waits are
recorded, never slept. The same against real servers: tests/integration/test_pool.py."""

from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple

import pytest
import responses

import ollama_lite as ollama
from tests._mocks import aiohttp_mock
from tests.unit.test_retry_transport import _aiohttp_failure, _requests_failure

A, B = 'http://a.test:11434', 'http://b.test:11434'
CHAT = {'model': 'm', 'message': {'role': 'assistant', 'content': 'ok'}, 'done': True}
EMBED = {'model': 'm', 'embeddings': [[0.5]]}
TAGS = {'models': [{'name': 'm:latest', 'model': 'm:latest'}]}

#: (what A does, then B) for a call; 'refused', 'disconnected' (reset after the request was written), a status.
CASES = [
    # id, call, A, B, answered by, error, requests to A, to B
    ('refused-goes-to-b', 'chat', 'refused', 200, B, None, 1, 1),
    ('dns-goes-to-b', 'chat', 'dns', 200, B, None, 1, 1),
    ('generation-lost-after-send-is-not-resent', 'chat', 'disconnected', 200, None, ollama.ConnectError, 1, 0),
    ('embed-lost-after-send-goes-to-b', 'embed', 'disconnected', 200, B, None, 1, 1),
    ('503-is-retried-on-b', 'chat', 503, 200, B, None, 1, 1),
    ('404-for-the-model-goes-to-b', 'chat', 404, 200, B, None, 1, 1),
    ('500-is-the-answer', 'chat', 500, 200, None, ollama.ResponseError, 1, 0),
]


def _prime(client: Any) -> None:
    # Both hosts have the model, A picked first: the routing is the test's, not the refresh's.
    for index in range(2):
        client._pool.due_refreshes()
        client._pool.refreshed(index, [], ['m'])
    client._pool._hosts[1].picked = 1


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_sync(case: Tuple[Any, ...]) -> None:
    _, call, first, then, answered, error, to_a, to_b = case
    path = '/api/chat' if call == 'chat' else '/api/embed'
    body = CHAT if call == 'chat' else EMBED
    waits: List[float] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for host, what in ((A, first), (B, then)):
            if isinstance(what, str):
                mock.post(host + path, body=_requests_failure(what))
            elif what == 200:
                mock.post(host + path, json=body)
            else:
                mock.post(host + path, status=what, json={'error': f"model 'm' not found ({what})"})
        with ollama.Client(hosts=[A, B]) as client:
            client._sleep = waits.append
            _prime(client)
            result: Optional[str] = None

            def send() -> Any:
                if call == 'chat':
                    return client.chat('m', [{'role': 'user', 'content': 'hi'}])
                return client.embed('m', 'x')

            if error is not None:
                with pytest.raises(error):
                    send()
            else:
                result = ollama.host_of(send())
            assert result == answered
            hosts = [c.request.url.split('/api/')[0] for c in mock.calls]
            assert (hosts.count(A), hosts.count(B)) == (to_a, to_b)
            assert all(h.in_flight == 0 for h in client.hosts)
            refused_like = first in ('refused', 'dns')
            assert client.hosts[0].healthy is not refused_like
    assert len(waits) == (1 if first == 503 else 0)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
async def test_async(case: Tuple[Any, ...]) -> None:
    _, call, first, then, answered, error, to_a, to_b = case
    path = '/api/chat' if call == 'chat' else '/api/embed'
    body = CHAT if call == 'chat' else EMBED
    waits: List[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    with aiohttp_mock() as mock:
        for host, what in ((A, first), (B, then)):
            if isinstance(what, str):
                mock.post(host + path, exception=_aiohttp_failure(what))
            elif what == 200:
                mock.post(host + path, payload=body)
            else:
                mock.post(host + path, status=what, payload={'error': f"model 'm' not found ({what})"})
        async with ollama.AsyncClient(hosts=[A, B]) as client:
            client._sleep = no_sleep
            _prime(client)
            result: Optional[str] = None

            async def send() -> Any:
                if call == 'chat':
                    return await client.chat('m', [{'role': 'user', 'content': 'hi'}])
                return await client.embed('m', 'x')

            if error is not None:
                with pytest.raises(error):
                    await send()
            else:
                result = ollama.host_of(await send())
            assert result == answered
            hosts = [str(url).split('/api/')[0] for (_, url), calls in mock.requests.items() for _ in calls]
            assert (hosts.count(A), hosts.count(B)) == (to_a, to_b)
            assert all(h.in_flight == 0 for h in client.hosts)
    assert len(waits) == (1 if first == 503 else 0)


def test_writes_and_blobs_are_refused_on_the_pooled_client_before_anything_is_sent() -> None:
    with responses.RequestsMock() as mock, ollama.Client(hosts=[A, B]) as client:
        for write in ('pull', 'push', 'delete'):
            with pytest.raises(ollama.RequestError, match=rf'{write} changes the models of one server'):
                getattr(client, write)('m')
        with pytest.raises(ollama.RequestError, match='name it'):
            client.copy('m', 'n')
        with pytest.raises(ollama.RequestError, match='name it'):
            client.signout()
        with pytest.raises(ollama.RequestError, match='blobs belong to one server'):
            client.create_blob(__file__)
        assert len(mock.calls) == 0
        mock.delete(B + '/api/delete', status=200)
        assert client.host(B).delete('m').status == 'success'
        assert [c.request.url for c in mock.calls] == [B + '/api/delete']


def test_host_and_hosts_cannot_both_be_given_and_bad_hosts_are_refused() -> None:
    with pytest.raises(ollama.RequestError, match='not both'):
        ollama.Client(A, hosts=[A, B])
    with pytest.raises(ollama.RequestError, match='twice'):
        ollama.AsyncClient(hosts=[A, A + '/'])
    with pytest.raises(ollama.RequestError, match='per_host'):
        ollama.Client(hosts=[A, B], per_host=0)
    with pytest.raises(ollama.RequestError, match='affinity key'):
        ollama.Client(hosts=[A, B]).affinity('')
    assert repr(ollama.Client(hosts=[A, B])) == f'Client(hosts={[A, B]!r})'


def test_merged_list_names_each_entry_s_host_and_keeps_its_fields() -> None:
    with responses.RequestsMock() as mock, ollama.Client(hosts=[A, B]) as client:
        mock.get(A + '/api/tags', json=TAGS)
        mock.get(B + '/api/tags', json={'models': [{'name': 'n:latest', 'model': 'n:latest', 'extra': 1}]})
        listed = client.list()
        assert [(m.model, ollama.host_of(m)) for m in listed.models] == [('m:latest', A), ('n:latest', B)]
        assert listed.models[1]['extra'] == 1 and 'ollama_lite' not in json.dumps(listed.model_dump())
        assert client._capacity == 2
