"""The routing policy of a pool of hosts, on a fake clock: no sockets, no sleeps."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import pytest

from ollama_lite import RequestError
from ollama_lite._pool import (
    DEFAULT_PER_HOST,
    Pool,
    Route,
    conversation_key,
    host_specs,
    model_key,
)
from ollama_lite._types import Message

A, B, C = 'http://a:11434', 'http://b:11434', 'http://c:11434'


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(*urls: str, per_host: int = 2, clock: Optional[Clock] = None) -> Pool:
    return Pool(host_specs(list(urls or (A, B, C))), per_host=per_host, clock=clock or Clock())


def placed(pool: Pool, model: Optional[str] = None, affinity: Optional[str] = None, strong: bool = False) -> Route:
    route = pool.route(model, affinity, strong=strong)
    route.enter()
    assert route.ticket is not None and route.ticket.host is not None, 'expected a host at once'
    return route


def url(pool: Pool, route: Route) -> str:
    assert route.host is not None
    return pool.specs[route.host].base_url


# --- hosts= ------------------------------------------------------------------------------------------


def test_host_specs_normalise_strings_and_mappings() -> None:
    specs = host_specs(['a', {'host': 'https://b/ollama/', 'headers': {'X-Key': 'k'}, 'auth': ('u', 'p')}])
    assert specs[0].base_url == 'http://a:11434'
    assert specs[1].base_url == 'https://b:443/ollama'
    assert specs[1].headers['x-key'] == 'k'
    assert specs[1].headers['authorization'].startswith('Basic ')


@pytest.mark.parametrize(
    ('hosts', 'message'),
    [
        ([], 'empty'),
        ('http://a', 'list of hosts'),
        (['a', 'a:11434'], 'twice'),
        ([{'url': 'a'}], "'host'"),
        ([{'host': 'a', 'auth': 'x'}], 'auth must be'),
        ([{'host': 'a', 'headers': {'bad name': 'v'}}], 'not a valid header name'),
        ([3], 'not int'),
        (['ftp://a'], 'hosts[0]'),
    ],
)
def test_host_specs_refuse_bad_entries(hosts: object, message: str) -> None:
    with pytest.raises(RequestError, match=message.replace('[', r'\[').replace(']', r'\]')):
        host_specs(hosts)  # type: ignore[arg-type]


def test_bad_pool_options() -> None:
    with pytest.raises(RequestError, match='per_host'):
        Pool(host_specs([A]), per_host=0)
    with pytest.raises(RequestError, match='queue_timeout'):
        Pool(host_specs([A]), queue_timeout=-1)


def test_default_slots_follow_ollama_num_parallel() -> None:
    assert DEFAULT_PER_HOST == 1
    assert Pool(host_specs([A, B])).capacity() == 2


def test_model_key_adds_latest() -> None:
    assert model_key('llama3.2') == 'llama3.2:latest'
    assert model_key('llama3.2:1b') == 'llama3.2:1b'
    assert model_key('host:5000/me/m') == 'host:5000/me/m:latest'


# --- least in flight, slots, the queue ---------------------------------------------------------------


def test_least_in_flight_spreads_over_equals() -> None:
    pool = make()
    routes = [placed(pool) for _ in range(3)]
    assert sorted(url(pool, r) for r in routes) == [A, B, C]
    routes[1].finish()
    assert url(pool, placed(pool)) == url(pool, routes[1])


def test_slots_then_fifo_queue() -> None:
    pool = make(A, per_host=1)
    first = placed(pool)
    second, third = pool.route(), pool.route()
    assert second.enter() == [] and second.ticket is not None and second.ticket.waiting
    third.enter()
    assert third.ticket is not None and third.ticket.waiting
    assert pool.status()[0].waiting == 2
    moved = first.finish()
    assert moved == [second.ticket] and second.host == 0 and third.ticket.waiting
    assert second.finish() == [third.ticket]
    assert third.finish() == [] and pool.status()[0].in_flight == 0


def test_a_newcomer_does_not_overtake_a_waiting_caller() -> None:
    clock = Clock()
    pool = make(A, per_host=2, clock=clock)
    busy = placed(pool)
    busy.answered(503)  # half its share: one slot while busy
    waiting = pool.route()
    waiting.enter()
    assert waiting.ticket is not None and waiting.ticket.waiting
    clock.now += 11  # the penalty ends: a second slot is free, with no release to announce it
    newcomer = pool.route()
    moved = newcomer.enter()
    assert moved == [waiting.ticket] and waiting.host == 0
    assert newcomer.ticket is not None and newcomer.ticket.waiting


def test_leaving_the_queue_and_leaving_twice() -> None:
    pool = make(A, per_host=1)
    first = placed(pool)
    second = pool.route()
    second.enter()
    assert second.leave() == []
    assert pool.status()[0].waiting == 0
    assert first.finish() == [] and first.finish() == []
    assert pool.status()[0].in_flight == 0


def test_capacity_counts_healthy_slots() -> None:
    pool = make(per_host=2)
    assert pool.capacity() == 6
    route = placed(pool)
    route.failed('refused', sent=False, repeatable=False)
    assert pool.capacity() == 4


# --- model-aware -------------------------------------------------------------------------------------


def test_loaded_before_installed_before_unknown() -> None:
    pool = make()
    pool.refreshed(0, [], ['m:latest'])
    pool.refreshed(1, ['m'], ['m'])
    assert url(pool, placed(pool, 'm')) == B
    assert url(pool, placed(pool, 'm')) == B
    # B is full: the one that has it installed, not the one never asked
    assert url(pool, placed(pool, 'm')) == A


def test_never_a_host_known_to_lack_the_model_while_another_has_it() -> None:
    pool = make(per_host=1)
    pool.refreshed(0, [], ['m'])
    pool.refreshed(1, [], ['other'])
    pool.refreshed(2, [], ['other'])
    first = placed(pool, 'm')
    assert url(pool, first) == A
    second = pool.route('m')
    second.enter()
    assert second.ticket is not None and second.ticket.waiting  # waits for A, never B or C
    assert first.finish() == [second.ticket] and url(pool, second) == A


def test_a_model_nobody_has_goes_anywhere() -> None:
    pool = make()
    for i in range(3):
        pool.refreshed(i, [], ['other'])
    assert placed(pool, 'missing').host is not None


def test_a_success_marks_the_model_loaded_and_asks_again_soon() -> None:
    clock = Clock()
    pool = make(clock=clock)
    for i in pool.due_refreshes():
        pool.refreshed(i, [], ['m'])
    assert pool.due_refreshes() == []
    route = placed(pool, 'm')
    route.answered(200)
    route.finish()
    host = route.host
    assert host is not None
    assert 'm:latest' in (pool.status()[host].loaded or ())
    assert pool.due_refreshes() == []  # bounded: not at once
    clock.now += 1
    assert pool.due_refreshes() == [host]
    assert pool.due_refreshes() == []  # being asked
    pool.refreshed(host, ['m'], ['m'])
    clock.now += 29  # the others' period, 30 s from their first answer
    assert sorted(pool.due_refreshes()) == sorted({0, 1, 2} - {host})
    clock.now += 1
    assert pool.due_refreshes() == [host]


def test_a_refresh_that_is_refused_cools_the_host() -> None:
    pool = make()
    due = pool.due_refreshes()
    pool.refresh_failed(due[0], 'refused')
    assert not pool.status()[due[0]].healthy
    pool.refresh_failed(due[1], None)  # answered badly: not cooled, asked again next period
    assert pool.status()[due[1]].healthy


# --- affinity ----------------------------------------------------------------------------------------


def test_default_affinity_prefers_the_host_that_served_it() -> None:
    pool = make()
    first = placed(pool, affinity='conv')
    first.finish()
    others = [placed(pool) for _ in range(2)]  # A and B busy with one each
    again = placed(pool, affinity='conv')
    assert again.host == first.host
    for r in others:
        r.finish()


def test_default_affinity_moves_when_its_host_is_full() -> None:
    pool = make(per_host=1)
    first = placed(pool, affinity='conv')
    second = placed(pool, affinity='conv')
    assert second.host != first.host
    first.finish()
    second.finish()
    assert placed(pool, affinity='conv').host == second.host


def test_explicit_affinity_waits_for_its_host() -> None:
    pool = make(per_host=1)
    first = placed(pool, affinity='conv', strong=True)
    second = pool.route(affinity='conv', strong=True)
    second.enter()
    assert second.ticket is not None and second.ticket.waiting
    assert first.finish() == [second.ticket] and second.host == first.host


def test_explicit_affinity_moves_off_a_host_that_is_down() -> None:
    pool = make(per_host=1)
    first = placed(pool, affinity='conv', strong=True)
    first.failed('refused', sent=False, repeatable=False)
    moved = placed(pool, affinity='conv', strong=True)
    assert moved.host != first.host
    moved.finish()
    assert placed(pool, affinity='conv', strong=True).host == moved.host


def test_conversation_key_is_the_leading_messages() -> None:
    system = Message(role='system', content='be brief')
    turn1 = [system, Message(role='user', content='hi')]
    turn2 = [*turn1, Message(role='assistant', content='hello'), Message(role='user', content='more')]
    assert conversation_key(turn1) == conversation_key(turn2) is not None
    assert conversation_key([system, Message(role='user', content='other')]) != conversation_key(turn1)
    assert conversation_key([]) is None and conversation_key(None) is None
    assert conversation_key(('sys', 'prompt')) == conversation_key(('sys', 'prompt'))
    assert conversation_key((None, None)) is None


# --- health ------------------------------------------------------------------------------------------


def test_refused_cools_down_with_capped_exponential_backoff_and_one_probe() -> None:
    clock = Clock()
    pool = make(A, clock=clock)
    cooldowns = []
    for _ in range(9):
        route = placed(pool)  # the first request, then each probe when its time is up
        again, _ = route.failed('refused', sent=False, repeatable=True)
        assert not again  # no other host
        cooldowns.append(pool.status()[0].cooling_for)
        clock.now += cooldowns[-1] - 0.5
        early = pool.route()
        early.enter()
        assert early.ticket is not None and early.ticket.failure == 'down'  # costs no connection
        clock.now += 0.5
    assert cooldowns == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    probe = placed(pool)
    probe.answered(200)
    assert pool.status()[0].healthy and pool.status()[0].failures == 0


def test_a_cooling_host_gets_nothing_until_its_probe_and_one_probe_at_a_time() -> None:
    clock = Clock()
    pool = make(A, B, per_host=4, clock=clock)
    pool.refreshed(0, [], [])
    first = placed(pool)
    if first.host == 1:
        first.finish()
        first = placed(pool)
        first = placed(pool) if first.host == 1 else first
    assert first.host == 0
    first.failed('timeout', sent=True, repeatable=False)
    hosts = [placed(pool).host for _ in range(4)]
    assert hosts == [1, 1, 1, 1]
    clock.now += 1.0
    b_full = pool.route()
    b_full.enter()  # B is full: the probe is due, so A takes this one
    assert b_full.host == 0
    assert pool.status()[0].slots == 1
    blocked = pool.route()
    blocked.enter()
    assert blocked.ticket is not None and blocked.ticket.waiting  # one probe at a time
    b_full.answered(200)
    assert pool.status()[0].healthy and pool.status()[0].failures == 0
    assert b_full.finish() == [blocked.ticket] and blocked.host == 0


def test_all_cooling_refuses_at_once() -> None:
    pool = make(A, B)
    for _ in range(2):
        route = placed(pool)
        route.failed('refused', sent=False, repeatable=True)
    route = pool.route()
    route.enter()
    assert route.ticket is not None and route.ticket.failure == 'down'
    assert pool.capacity() == 1


def test_failover_rules() -> None:
    pool = make(A, B)
    never_sent = placed(pool)
    assert never_sent.failed('refused', sent=False, repeatable=False)[0]
    never_sent.enter()
    assert never_sent.host is not None
    # tried both: no third host
    assert not never_sent.failed('refused', sent=False, repeatable=False)[0]
    pool = make(A, B)
    generation = placed(pool)
    assert not generation.failed('lost', sent=True, repeatable=False)[0]
    read = placed(pool)
    assert read.failed('lost', sent=True, repeatable=True)[0]
    # a lost connection does not cool the host (a stale keep-alive connection is no dead host)
    assert all(s.healthy for s in pool.status())


def test_503_lowers_the_share_for_a_while() -> None:
    clock = Clock()
    pool = make(A, B, per_host=4, clock=clock)
    route = placed(pool)
    busy = route.host
    assert busy is not None
    route.answered(503)
    assert pool.status()[busy].slots == 2 and pool.status()[busy].busy_for == 10.0
    route.retry()
    route.enter()
    assert route.host != busy  # the retry goes elsewhere while equals are free
    clock.now += 10
    assert pool.status()[busy].slots == 4


def test_status_shows_every_host() -> None:
    pool = make(A, B)
    pool.refreshed(0, ['m'], ['m', 'n'])
    a, b = pool.status()
    assert a.url == A and a.healthy and a.loaded == ('m:latest',) and a.models == ('m:latest', 'n:latest')
    assert b.loaded is None and b.models is None and b.cooling_for == 0.0


def test_index_of() -> None:
    pool = make(A, B)
    assert pool.index_of('b') == 1
    with pytest.raises(RequestError, match='not one of'):
        pool.index_of('http://z:1')
    with pytest.raises(RequestError):
        pool.index_of('ftp://z')


def test_a_proxy_saying_502_or_504_cools_the_host() -> None:
    for status in (502, 504):
        pool = make(A, B)
        route = placed(pool)
        route.answered(status)
        assert not pool.status()[route.host or 0].healthy
        route.retry()
        route.enter()
        assert route.host is not None and pool.status()[route.host].healthy


def test_requests_placed_before_the_first_failure_count_as_one_failure() -> None:
    pool = make(A, B, per_host=2)
    pool.refreshed(1, [], [])
    first, second = placed(pool, 'm'), placed(pool, 'm')
    assert first.host == second.host == 0
    first.failed('refused', sent=False, repeatable=False)
    second.failed('refused', sent=False, repeatable=False)
    assert pool.status()[0].failures == 1 and pool.status()[0].cooling_for == 1.0


def test_a_404_for_the_model_goes_on_to_a_host_that_may_have_it() -> None:
    pool = make(A, B, C)
    pool.refreshed(2, [], ['other'])
    route = placed(pool, 'm')
    first = route.host
    assert route.answered(404)  # another host, not known to lack it, is left
    assert first is not None and 'm:latest' in pool._hosts[first].lacks
    route.finish()
    route.enter()
    second = route.host
    assert second not in (first, 2)
    assert not route.answered(404)  # C is known to lack it: the 404 is the answer
    pool.refreshed(0, [], ['m'])
    assert 'm:latest' not in pool._hosts[0].lacks and placed(pool, 'm').host == 0


def test_asking_first() -> None:
    pool = make(A, B)
    assert not pool.asking_first()
    due = pool.due_refreshes()
    assert due == [0, 1] and pool.asking_first()
    pool.refreshed(0, [], [])
    pool.refreshed(1, [], [])
    assert not pool.asking_first()


def test_failure_of() -> None:
    from ollama_lite import ConnectError, ConnectTimeout, ReadTimeout, ResponseError
    from ollama_lite._pool import failure_of

    assert failure_of(ConnectError('x')) == failure_of(ConnectTimeout('x')) == 'refused'
    assert failure_of(ReadTimeout('x')) == 'timeout'
    assert failure_of(ResponseError('bad gateway', 502)) == failure_of(ResponseError('gw', 504)) == 'refused'
    assert failure_of(ResponseError('nope', 404)) is None and failure_of(ValueError()) is None


def test_default_affinity_does_not_hold_to_a_host_that_said_busy() -> None:
    pool = make(A, B, per_host=2)
    first = placed(pool, affinity='conv')
    first.answered(503)
    first.retry()
    first.enter()
    assert first.host == 1  # not back to A, which said busy
    first.finish()
    strong = placed(pool, affinity='ticket', strong=True)
    strong.answered(503)
    held = strong.host
    strong.retry()
    strong.enter()
    assert strong.host == held  # the caller's own key holds


def test_a_host_that_failed_is_not_asked_its_models_until_its_probe_succeeds() -> None:
    clock = Clock()
    pool = make(A, B, clock=clock)
    for i in pool.due_refreshes():
        pool.refreshed(i, [], ['m'])
    route = placed(pool, 'm')
    route.failed('refused', sent=False, repeatable=False)
    clock.now += 31  # everything is stale, and the failed host's cooldown is over
    assert pool.due_refreshes() == [1 - (route.host or 0)]


def test_configure_one_host_in_hosts_is_host_and_the_options_are_checked_for_one_host_too() -> None:
    from ollama_lite._pool import configure

    def build(
        host: Any = None, hosts: Any = None, headers: Any = None, per_host: Any = 1, queue_timeout: Any = 300.0
    ) -> Tuple[Any, ...]:
        return configure(
            host, hosts, {'X-All': '1'} if headers is None else headers, None, 0, True,
            strict_streams=False, max_reply_bytes=None, per_host=per_host, queue_timeout=queue_timeout,
        )  # fmt: skip

    (one,), pool = build(hosts=[{'host': 'a', 'headers': {'X-Own': '2'}}])
    (same,), _ = build(host='a', headers={'X-All': '1', 'X-Own': '2'})
    assert pool is None and one == same
    configs, pool = build(hosts=['a', {'host': 'b/prefix', 'headers': {'X-All': 'b'}}])
    assert pool is not None and [c.base_url for c in configs] == ['http://a:11434', 'http://b:11434/prefix']
    assert configs[0].headers['x-all'] == '1' and configs[1].headers['x-all'] == 'b'
    with pytest.raises(RequestError, match='not both'):
        build(host='a', hosts=['b'])
    with pytest.raises(RequestError, match='per_host'):
        build(host='a', per_host=0)
    with pytest.raises(RequestError, match='queue_timeout'):
        build(hosts=['a'], queue_timeout=0)
