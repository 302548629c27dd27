"""The sync Client's resources: an abandoned stream frees its connection at once, and nothing piles up.

The server side of each test is the misbehaving server of ``tests/_faults.py``, which notes the moment a
client leaves; the 100 ms bound is measured between the client letting go and that moment.
"""

from __future__ import annotations

import gc
import os
import time
import warnings
from typing import Any, Callable, List, Tuple

import pytest

import ollama_lite as ollama
from tests._faults import FaultServer, cut, endless, json_reply, ndjson, status, stream
from tests.fault_cases import MESSAGES, chat_line

TICK = ndjson(chat_line('tok'))[0]


def _start_stream(client: ollama.Client) -> Any:
    stream_ = client.chat('m', MESSAGES, stream=True)
    assert next(stream_).message.content == 'tok'
    return stream_


def _close(client: ollama.Client) -> None:
    stream_ = _start_stream(client)
    stream_.close()
    stream_.close()  # closing twice is harmless


def _leave_with_block(client: ollama.Client) -> None:
    with client.chat('m', MESSAGES, stream=True) as stream_:
        next(stream_)


def _break_and_drop(client: ollama.Client) -> None:
    # No close() and no gc.collect(): dropping the last reference after `break` must be enough.
    for _ in client.chat('m', MESSAGES, stream=True):
        break


def _raise_in_loop(client: ollama.Client) -> None:
    with pytest.raises(KeyError):
        for _ in client.chat('m', MESSAGES, stream=True):
            raise KeyError('the caller failed while consuming the stream')


@pytest.mark.parametrize(
    'abandon',
    [_close, _leave_with_block, _break_and_drop, _raise_in_loop],
    ids=['close', 'with', 'break-and-drop', 'exception-in-loop'],
)
def test_abandoned_stream_closes_connection(
    fault_servers: Tuple[FaultServer, FaultServer], abandon: Callable[[ollama.Client], None]
) -> None:
    server, _ = fault_servers
    server.script(endless(TICK))
    with ollama.Client(server.url) as client:
        abandon(client)
        gone = server.wait_disconnect(5)
        # The stream is endless: only the client's close ends it. How soon is measured in bench/abort_latency.py.
        assert gone is not None, 'the server never saw the client go away'
        # The client stays usable, and the aborted connection did not go back to the pool.
        server.script(json_reply({'version': '1'}))
        assert client.version().version == '1'
        assert len({r.connection for r in server.requests}) == 2


def _open_fds() -> int:
    return len(os.listdir('/proc/self/fd'))


def _pooled(client: ollama.Client) -> Tuple[int, int]:
    """(connection pools, open connections kept in them) of the client's requests session."""
    pools = client._session.get_adapter('http://').poolmanager.pools
    keys = pools.keys()
    # urllib3 fills a pool's queue with None placeholders; only the others are connections.
    kept = [conn for k in keys for conn in list(pools[k].pool.queue) if conn is not None and conn.sock is not None]
    return len(keys), len(kept)


@pytest.mark.skipif(not os.path.isdir('/proc/self/fd'), reason='counting open descriptors needs /proc (Linux)')
def test_five_thousand_requests_leave_nothing_behind(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    version = json_reply({'version': '1'})
    whole = stream(ndjson(chat_line('a'), chat_line('', done=True)))
    forever = endless(TICK, seconds=2)
    # Five kinds of request, interleaved: plain, streamed to the end, aborted, refused with a status, cut.
    kinds = 5
    rounds = 1000

    def one(client: ollama.Client, kind: int) -> None:
        if kind == 0:
            assert client.version().version == '1'
        elif kind == 1:
            assert len(list(client.chat('m', MESSAGES, stream=True))) == 2
        elif kind == 2:
            with client.chat('m', MESSAGES, stream=True) as s:
                next(s)
        elif kind == 3:
            with pytest.raises(ollama.ResponseError):
                client.chat('m', MESSAGES)
        else:
            with pytest.raises(ollama.IncompleteStreamError):
                list(client.chat('m', MESSAGES, stream=True))

    script = [version, whole, forever, status(404), cut(ndjson(chat_line('a')))]
    with ollama.Client(server.url, retries=0) as client:
        server.script(*script * 20)
        for i in range(100):  # warm up: the pool and the server reach their steady state
            one(client, i % kinds)
        gc.collect()
        before = _open_fds()
        samples: List[int] = []
        held: List[int] = []
        server.script(*script * rounds)
        for i in range(kinds * rounds):
            one(client, i % kinds)
            if i % 250 == 0:
                samples.append(_open_fds())
                # The server sees a close a moment after the client makes it; let it catch up (bounded).
                for _ in range(50):
                    if server.open_connections <= 2:
                        break
                    time.sleep(0.01)
                held.append(server.open_connections)
        pools, idle = _pooled(client)
        assert max(samples) - before <= 10, f'descriptors grew from {before} to {max(samples)}'
        # Requests run one after another, so one kept-alive connection (and one being closed) is all.
        assert max(held) <= 2, f'the client held up to {max(held)} connections open'
        assert pools == 1 and idle <= 1, f'{pools} pool(s) holding {idle} connection(s)'
    assert len(server.requests) == 100 + kinds * rounds
    deadline = time.monotonic() + 2
    while server.open_connections and time.monotonic() < deadline:
        time.sleep(0.01)  # the server closes its side of the last connection as the client closes
    assert server.open_connections == 0
    gc.collect()
    assert _open_fds() <= before, 'closing the client left descriptors open'


def test_dropped_client_closes_its_pooled_connection(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    # A client dropped without close() closes its idle keep-alive connection when it is collected, on
    # every urllib3 release (before 1.26.16 a collected pool left its sockets to the socket's finalizer,
    # which warns), and the server sees the connection end.
    server, _ = fault_servers
    server.script(json_reply({'version': '1'}))
    client = ollama.Client(server.url)
    assert client.version().version == '1'
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always', ResourceWarning)
        del client
        gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    for _ in range(500):  # the server notices the close a moment after it is made (bounded wait)
        if server.open_connections == 0:
            break
        time.sleep(0.01)
    assert server.open_connections == 0
