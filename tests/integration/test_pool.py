"""One client over several real servers on 127.0.0.1: emulators with different models and speeds, one
that dies mid-run and comes back. Every loop is bounded; nothing here is timed."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Iterator, List, Tuple

import pytest

import ollama_lite as ollama
from ollama_lite.testing import Emulator, EmulatorURL, Reply
from tests._loops import run_async


class FakeClock:
    """The pool's clock, held still by the test: cooldowns end only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def chats(emulator: Emulator) -> List[Any]:
    return [r for r in emulator.requests if r.path == '/api/chat' and (r.body or {}).get('messages')]


def prompts(emulator: Emulator) -> List[str]:
    return [r.body['messages'][-1]['content'] for r in chats(emulator)]


def say(text: str) -> List[dict]:
    return [{'role': 'user', 'content': text}]


@contextlib.contextmanager
def three() -> Iterator[Tuple[List[Emulator], List[EmulatorURL]]]:
    """A has qwen3 only; B llama3.2 only, slowly; C both."""
    emulators = [Emulator(['qwen3']), Emulator(['llama3.2'], token_delay=0.002), Emulator(['qwen3', 'llama3.2'])]
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(e.running()) for e in emulators]
        yield emulators, urls


def test_routing_follows_the_models_and_never_a_host_that_lacks_one() -> None:
    with three() as (emus, urls), ollama.Client(hosts=urls, per_host=1) as client:
        a, b, c = urls
        # C has qwen3 loaded (a request loaded it), A only installed: C is preferred while it is free.
        ollama.Client(c).generate('qwen3', keep_alive='5m')
        answered = [ollama.host_of(client.chat('qwen3', say(f'q{i}'))) for i in range(4)]
        assert answered == [c] * 4
        # Eight at once, per_host=1: llama3.2 is on B and C only; A, which lacks it, never gets one.
        with ThreadPoolExecutor(8) as pool:
            hosts = list(pool.map(lambda i: ollama.host_of(client.chat('llama3.2', say(f'l{i}'))), range(8)))
        assert set(hosts) <= {b, c} and len(hosts) == 8
        assert not any(p.startswith('l') for p in prompts(emus[0]))
        status = {h.url: h for h in client.hosts}
        assert 'llama3.2:latest' not in (status[a].models or ())
        assert all(h.healthy and h.in_flight == 0 for h in client.hosts)
        # No generation was sent twice: each prompt reached exactly one server.
        sent = [p for e in emus for p in prompts(e)]
        assert sorted(sent) == sorted([f'q{i}' for i in range(4)] + [f'l{i}' for i in range(8)])


def test_list_and_ps_merge_and_say_where_each_entry_is() -> None:
    with three() as (_, urls), ollama.Client(hosts=urls) as client:
        a, b, c = urls
        listed = client.list()
        where = sorted((m.model, ollama.host_of(m)) for m in listed.models)
        assert where == sorted(
            [('qwen3:latest', a), ('llama3.2:latest', b), ('qwen3:latest', c), ('llama3.2:latest', c)]
        )
        # The entries are the server's own: nothing added to what model_dump() or dict() give.
        single = ollama.Client(a).list().models[0]
        first = next(m for m in listed.models if ollama.host_of(m) == a)
        assert first.model_dump() == single.model_dump() and dict(first) == dict(single)
        client.host(b).generate('llama3.2')
        assert [(m.model, ollama.host_of(m)) for m in client.ps().models] == [('llama3.2:latest', b)]


def test_writes_go_to_the_named_host_or_to_every_host() -> None:
    with three() as (emus, urls), ollama.Client(hosts=urls) as client:
        a, b, _ = urls
        for write in (
            lambda: client.pull('qwen3'),
            lambda: client.delete('qwen3'),
            lambda: client.copy('qwen3', 'x'),
            lambda: client.create('x', from_='qwen3'),
            lambda: client.push('qwen3'),
        ):
            with pytest.raises(ollama.RequestError, match=r'client\.host'):
                write()
        with pytest.raises(ollama.RequestError, match='blobs belong to one server'):
            client.blob_exists('sha256:' + '0' * 64)
        assert not any(
            r.path in ('/api/pull', '/api/delete', '/api/copy', '/api/create') for e in emus for r in e.requests
        )
        client.host(b).copy('llama3.2', 'mine')
        assert 'mine:latest' in emus[1].model_names and 'mine:latest' not in emus[0].model_names
        with pytest.raises(ollama.RequestError, match='not one of'):
            client.host('http://127.0.0.1:1')
        lines = list(client.pull_all('qwen3', stream=True))
        assert [ollama.host_of(line) for line in lines if line.status == 'success'] == list(urls)
        assert all('qwen3:latest' in e.model_names for e in emus)
        done = client.pull_all('llama3.2')
        assert list(done) == list(urls) and all(r.status == 'success' for r in done.values())
        assert ollama.host_of(done[a]) == a


def test_affinity_keeps_a_conversation_on_its_host() -> None:
    with three() as (_, urls), ollama.Client(hosts=urls, per_host=2) as client:
        conversations = {f'c{i}': say(f'first message of conversation {i}') for i in range(6)}
        where = {}
        for turn in range(3):
            for name, messages in conversations.items():
                reply = client.chat('qwen3', messages)
                host = ollama.host_of(reply)
                assert where.setdefault(name, host) == host, (name, turn)
                messages.extend([dict(reply.message.model_dump(exclude_none=True)), *say(f'turn {turn}')])
        # An explicit key holds too, whatever the messages say.
        pinned = client.affinity('ticket-7')
        first = ollama.host_of(pinned.chat('qwen3', say('one')))
        assert all(ollama.host_of(pinned.chat('qwen3', say(f'other {i}'))) == first for i in range(5))


class _Counting(socket.socket):
    """Counts the connections made to ``port``, as urllib3 makes them."""

    port = 0
    made: ClassVar[List[int]] = []

    def connect(self, address: Any) -> None:
        if isinstance(address, tuple) and address[1] == _Counting.port:
            _Counting.made.append(address[1])
        super().connect(address)


def test_a_host_that_dies_costs_one_refused_connection_per_backoff_and_comes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emus = [Emulator(['qwen3']) for _ in range(3)]
    with contextlib.ExitStack() as stack:
        urls = [stack.enter_context(e.running()) for e in emus[:2]]
        dying = Emulator.running(emus[2])
        urls.append(dying.__enter__())
        client = stack.enter_context(ollama.Client(hosts=urls, per_host=2))
        clock = FakeClock()
        client._pool._clock = clock  # type: ignore[union-attr]
        with ThreadPoolExecutor(6) as pool:
            first = list(pool.map(lambda i: client.chat('qwen3', say(f'a{i}')), range(12)))
        assert {ollama.host_of(r) for r in first} == set(urls)

        dying.__exit__(None, None, None)  # the third server goes away
        _Counting.port, _Counting.made = urls[2].port, []
        monkeypatch.setattr(socket, 'socket', _Counting)
        with ThreadPoolExecutor(6) as pool:
            second = list(pool.map(lambda i: client.chat('qwen3', say(f'b{i}')), range(30)))
        # No request lost: every one answered, by the two that live; the dead one cost one refused
        # connection for the whole cooldown (the clock stood still), not one per request: at most one per
        # slot, for the requests placed on it at once before its first refusal came back.
        assert len(second) == 30 and {ollama.host_of(r) for r in second} <= set(urls[:2])
        assert 1 <= len(_Counting.made) <= 2
        _Counting.made = [1]
        dead = client.hosts[2]
        assert not dead.healthy and dead.failures == 1 and dead.cooling_for == 1.0

        clock.now += 1.0  # its cooldown is over, it is still down: the probe fails, the next one waits longer
        client.chat('qwen3', say('probe 1'))
        assert len(_Counting.made) == 2 and client.hosts[2].cooling_for == 2.0
        for i in range(10):
            client.chat('qwen3', say(f'c{i}'))
        assert len(_Counting.made) == 2

        back = stack.enter_context(emus[2].running(port=urls[2].port))  # it comes back on its port
        assert back == urls[2]
        clock.now += 2.0
        with ThreadPoolExecutor(6) as pool:
            third = list(pool.map(lambda i: client.chat('qwen3', say(f'd{i}')), range(12)))
        assert urls[2] in {ollama.host_of(r) for r in third}
        assert client.hosts[2].healthy and client.hosts[2].failures == 0

        # Every generation reached exactly one server, once.
        sent = sorted(p for e in emus for p in prompts(e))
        expected = [f'a{i}' for i in range(12)] + [f'b{i}' for i in range(30)] + ['probe 1']
        expected += [f'c{i}' for i in range(10)] + [f'd{i}' for i in range(12)]
        assert sent == sorted(expected)


def test_a_generation_whose_host_dies_midway_is_not_run_again_elsewhere() -> None:
    emus = [Emulator(['qwen3'], token_delay=0.05) for _ in range(2)]
    with emus[0].running() as a:
        server = emus[1].running()
        b = server.__enter__()
        with ollama.Client(hosts=[a, b], per_host=1) as client:
            client._pool.refreshed(0, [], [])  # type: ignore[union-attr]  # A lacks it: B is the only choice
            emus[1].reply(Reply.text('word ' * 2_000))  # 100 s at its pace: it dies first
            stream = client.chat('qwen3', say('long story'), stream=True)
            assert ollama.host_of(stream) == b
            next(stream)
            server.__exit__(None, None, None)
            with pytest.raises((ollama.IncompleteStreamError, ollama.ConnectError)):
                for _ in range(100_000):
                    next(stream)
            assert prompts(emus[0]) == [] and prompts(emus[1]) == ['long story']
            assert not client.hosts[1].healthy and client.hosts[1].in_flight == 0


def test_a_non_streamed_generation_that_loses_its_host_is_not_resent() -> None:
    emus = [Emulator(['qwen3'], token_delay=0.05) for _ in range(2)]
    with emus[0].running() as a:
        server = emus[1].running()
        b = server.__enter__()
        with ollama.Client(hosts=[a, b], per_host=1) as client:
            client._pool.refreshed(0, [], [])  # type: ignore[union-attr]
            emus[1].reply(Reply.text('late').delayed(60))  # the server dies before it answers
            errors: List[BaseException] = []

            def call() -> None:
                try:
                    client.chat('qwen3', say('slow'))
                except Exception as exc:
                    errors.append(exc)

            worker = threading.Thread(target=call)
            worker.start()
            for _ in range(500):
                if prompts(emus[1]):
                    break
                threading.Event().wait(0.01)
            server.__exit__(None, None, None)
            worker.join(30)
            assert len(errors) == 1 and isinstance(errors[0], (ollama.ConnectError, ollama.IncompleteStreamError))
            assert prompts(emus[0]) == []
            # An embedding is safe to repeat: it goes on to A (which lacks nothing: the model is A's too).
            client._pool.refreshed(0, [], ['qwen3'])  # type: ignore[union-attr]
            assert ollama.host_of(client.embed('qwen3', 'x')) == a


def test_one_host_in_hosts_is_host() -> None:
    with Emulator(['qwen3']).running() as url:
        one = ollama.Client(hosts=[{'host': url, 'headers': {'X-Team': 'a'}}])
        assert repr(one) == repr(ollama.Client(url)) and one.hosts == ()
        reply = one.chat('qwen3', say('hi'))
        assert ollama.host_of(reply) is None
        assert url.emulator.last_request.headers['X-Team'] == 'a'  # type: ignore[union-attr]
        assert one.host(url) is one
        one.pull('qwen3')  # a write to its one host is fine


def test_per_host_headers_and_auth() -> None:
    emus = [Emulator(['qwen3']) for _ in range(2)]
    with emus[0].running() as a, emus[1].running() as b:
        client = ollama.Client(
            hosts=[{'host': a, 'headers': {'X-Team': 'a'}}, {'host': b, 'auth': ('u', 'p')}],
            headers={'X-All': '1'},
        )
        client.list()
        ha, hb = (e.last_request.headers for e in emus)  # type: ignore[union-attr]
        assert ha['X-Team'] == 'a' and 'X-Team' not in hb and ha['X-All'] == hb['X-All'] == '1'
        assert hb['Authorization'].startswith('Basic ') and 'Authorization' not in ha


def test_a_caller_over_the_slots_waits_then_gets_pool_timeout() -> None:
    with Emulator(['qwen3'], token_delay=0.05).running() as a, Emulator([]).running() as b:
        client = ollama.Client(hosts=[a, b], per_host=1, queue_timeout=0.2)
        client._pool.refreshed(1, [], [])  # type: ignore[union-attr]  # B lacks the model
        a.emulator.reply(Reply.text('word ' * 2_000))
        stream = client.chat('qwen3', say('hold the slot'), stream=True)
        next(stream)
        with pytest.raises(ollama.PoolTimeout, match='no Ollama host had a free slot'):
            client.chat('qwen3', say('waits'))
        stream.close()  # the slot comes back
        assert ollama.host_of(client.chat('qwen3', say('now'))) == a
        assert prompts(a.emulator) == ['hold the slot', 'now']


def test_async_pool_routes_fails_over_and_merges() -> None:
    async def main() -> None:
        emus = [Emulator(['qwen3']), Emulator(['llama3.2']), Emulator(['qwen3', 'llama3.2'])]
        async with contextlib.AsyncExitStack() as stack:
            urls = [await stack.enter_async_context(e.running_async()) for e in emus]
            async with ollama.AsyncClient(hosts=urls, per_host=2) as client:
                replies = await asyncio.gather(*(client.chat('llama3.2', say(f'l{i}')) for i in range(12)))
                assert {ollama.host_of(r) for r in replies} <= {urls[1], urls[2]}
                stream = await client.chat('qwen3', say('s'), stream=True)
                assert {ollama.host_of(c) async for c in stream} <= {urls[0], urls[2]}
                listed = await client.list()
                assert len(listed.models) == 4
                assert {h.in_flight for h in client.hosts} == {0}
                with pytest.raises(ollama.RequestError, match=r'client\.host'):
                    await client.pull('qwen3')
                await client.host(urls[0]).copy('qwen3', 'mine')
                assert 'mine:latest' in emus[0].model_names
                pinned = client.affinity('k')
                first = ollama.host_of(await pinned.chat('qwen3', say('x')))
                assert [ollama.host_of(await pinned.chat('qwen3', say(str(i)))) for i in range(4)] == [first] * 4
                sent = sorted(p for e in emus for p in prompts(e))
                assert sent == sorted([f'l{i}' for i in range(12)] + ['s', 'x', '0', '1', '2', '3'])

    run_async(main())


def test_async_pool_fails_over_from_a_dead_host() -> None:
    async def main() -> None:
        emus = [Emulator(['qwen3']) for _ in range(3)]
        async with emus[0].running_async() as a, emus[1].running_async() as b:
            async with emus[2].running_async() as c:
                dead = c
            async with ollama.AsyncClient(hosts=[a, b, dead], per_host=2) as client:
                replies = await asyncio.gather(*(client.chat('qwen3', say(f'{i}')) for i in range(20)))
                assert {ollama.host_of(r) for r in replies} <= {a, b} and len(replies) == 20
                assert not client.hosts[2].healthy and client.hosts[2].failures == 1
                assert sorted(p for e in emus for p in prompts(e)) == sorted(str(i) for i in range(20))

    run_async(main())


def test_closing_the_client_closes_the_streams_of_its_host_views() -> None:
    emus = [Emulator(['qwen3'], token_delay=0.01) for _ in range(2)]
    with emus[0].running() as a, emus[1].running() as b:
        client = ollama.Client(hosts=[a, b])
        emus[1].reply(Reply.text('word ' * 2_000))
        stream = client.host(b).chat('qwen3', say('long'), stream=True)
        next(stream)
        client.close()
        assert next(stream, None) is None  # closed with the client, as the client's own streams are


def test_a_stream_collected_inside_a_pool_operation_gives_its_slot_back_without_deadlock() -> None:
    import gc

    emus = [Emulator(['qwen3'], token_delay=0.01) for _ in range(2)]
    with emus[0].running() as a, emus[1].running() as b, ollama.Client(hosts=[a, b]) as client:
        emus[0].reply(Reply.text('word ' * 500))
        emus[1].reply(Reply.text('word ' * 500))
        stream = client.chat('qwen3', say('dropped'), stream=True)
        next(stream)
        assert sum(h.in_flight for h in client.hosts) == 1
        with client._pool_lock:  # as if the collector ran while this thread is inside the pool
            del stream
            gc.collect()
        for _ in range(500):
            if sum(h.in_flight for h in client.hosts) == 0:
                break
            threading.Event().wait(0.01)
        assert sum(h.in_flight for h in client.hosts) == 0


def test_knowledge_gone_stale_is_refreshed_in_the_background() -> None:
    with three() as (_, urls), ollama.Client(hosts=urls) as client:
        clock = FakeClock()
        client._pool._clock = clock  # type: ignore[union-attr]
        client.chat('qwen3', say('first'))  # the first answers about the models are waited for
        clock.now += 31.0  # stale now
        gate, started = threading.Event(), threading.Event()
        ask = client._ask_host

        def held(index: int, call: Any) -> Any:
            started.set()
            assert gate.wait(30)
            return ask(index, call)

        client._ask_host = held  # type: ignore[method-assign]
        reply = client.chat('qwen3', say('second'))  # answered while the questions wait at the gate
        assert ollama.host_of(reply) in urls and started.wait(30) and not gate.is_set()
        gate.set()
        for _ in range(500):
            if not any(h.refreshing for h in client._pool._hosts):  # type: ignore[union-attr]
                break
            threading.Event().wait(0.01)
        assert not any(h.refreshing for h in client._pool._hosts)  # type: ignore[union-attr]


def test_async_knowledge_gone_stale_is_refreshed_in_the_background() -> None:
    async def main() -> None:
        emus = [Emulator(['qwen3']) for _ in range(2)]
        async with emus[0].running_async() as a, emus[1].running_async() as b, ollama.AsyncClient(
            hosts=[a, b]
        ) as client:
            clock = FakeClock()
            client._pool._clock = clock  # type: ignore[union-attr]
            await client.chat('qwen3', say('first'))
            clock.now += 31.0
            gate, started = asyncio.Event(), asyncio.Event()
            ask = client._ask_host

            async def held(index: int, call: Any) -> Any:
                started.set()
                await asyncio.wait_for(gate.wait(), 30)
                return await ask(index, call)

            client._ask_host = held  # type: ignore[method-assign]
            await client.chat('qwen3', say('second'))
            await asyncio.wait_for(started.wait(), 30)
            assert not gate.is_set() and client._refreshing  # type: ignore[attr-defined]
            gate.set()
            await asyncio.wait_for(asyncio.gather(*client._refreshing), 30)  # type: ignore[attr-defined]
            assert not any(h.refreshing for h in client._pool._hosts)  # type: ignore[union-attr]

    run_async(main())
