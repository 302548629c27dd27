"""The AsyncClient's resources: an abandoned stream frees its connection at once, and nothing piles up.

The twin of test_resources_sync: the misbehaving server of ``tests/_faults.py`` notes the moment a client
leaves, and the 100 ms bound is measured between the client letting go and that moment. (500 concurrent
streams on one client are in test_async_live.)
"""

from __future__ import annotations

import asyncio
import gc
import os
import time
from typing import Any, Awaitable, Callable, List, Tuple

import pytest

import ollama_lite as ollama
from tests._faults import FaultServer, cut, endless, json_reply, ndjson, status, stream
from tests.fault_cases import MESSAGES, chat_line

pytestmark = pytest.mark.usefixtures('no_leaks')

TICK = ndjson(chat_line('tok'))[0]


async def _aclose(client: ollama.AsyncClient) -> None:
    stream_ = await client.chat('m', MESSAGES, stream=True)
    assert (await stream_.__anext__()).message.content == 'tok'
    await stream_.aclose()
    await stream_.aclose()  # closing twice is harmless


async def _leave_async_with(client: ollama.AsyncClient) -> None:
    async with await client.chat('m', MESSAGES, stream=True) as stream_:
        await stream_.__anext__()


async def _break_and_drop(client: ollama.AsyncClient) -> None:
    # No aclose() and no gc.collect(): dropping the last reference after `break` must be enough.
    async for _ in await client.chat('m', MESSAGES, stream=True):
        break


async def _raise_in_loop(client: ollama.AsyncClient) -> None:
    with pytest.raises(KeyError):
        async with await client.chat('m', MESSAGES, stream=True) as stream_:
            async for _ in stream_:
                raise KeyError('the caller failed while consuming the stream')


async def _cancel_task(client: ollama.AsyncClient) -> None:
    received = asyncio.Event()
    streams: List[Any] = []  # held outside the task: garbage collection must not be what closes it

    async def consume() -> None:
        streams.append(await client.chat('m', MESSAGES, stream=True))
        async for _ in streams[0]:
            received.set()

    task = asyncio.create_task(consume())
    await received.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def _wait_disconnect(server: FaultServer) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, server.wait_disconnect, 5)


@pytest.mark.parametrize(
    'abandon',
    [_aclose, _leave_async_with, _break_and_drop, _raise_in_loop, _cancel_task],
    ids=['aclose', 'async-with', 'break-and-drop', 'exception-in-loop', 'task-cancelled'],
)
async def test_abandoned_stream_closes_connection(
    fault_servers: Tuple[FaultServer, FaultServer], abandon: Callable[[ollama.AsyncClient], Awaitable[None]]
) -> None:
    server, _ = fault_servers
    server.script(endless(TICK))
    async with ollama.AsyncClient(server.url) as client:
        await abandon(client)
        gone = await _wait_disconnect(server)
        # The stream is endless: only the client's close ends it. How soon is measured in bench/abort_latency.py.
        assert gone is not None, 'the server never saw the client go away'
        # The client stays usable, and the aborted connection did not go back to the pool.
        server.script(json_reply({'version': '1'}))
        assert (await client.version()).version == '1'
        assert len({r.connection for r in server.requests}) == 2


def _open_fds() -> int:
    return len(os.listdir('/proc/self/fd'))


@pytest.mark.skipif(not os.path.isdir('/proc/self/fd'), reason='counting open descriptors needs /proc (Linux)')
async def test_five_thousand_requests_leave_nothing_behind(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    kinds = 5
    rounds = 1000

    async def one(client: ollama.AsyncClient, kind: int) -> None:
        if kind == 0:
            assert (await client.version()).version == '1'
        elif kind == 1:
            assert len([c async for c in await client.chat('m', MESSAGES, stream=True)]) == 2
        elif kind == 2:
            async with await client.chat('m', MESSAGES, stream=True) as s:
                await s.__anext__()
        elif kind == 3:
            with pytest.raises(ollama.ResponseError):
                await client.chat('m', MESSAGES)
        else:
            with pytest.raises(ollama.IncompleteStreamError):
                async for _ in await client.chat('m', MESSAGES, stream=True):
                    pass

    # Five kinds of request, interleaved: plain, streamed to the end, aborted, refused with a status, cut.
    script = [
        json_reply({'version': '1'}),
        stream(ndjson(chat_line('a'), chat_line('', done=True))),
        endless(TICK, seconds=2),
        status(404),
        cut(ndjson(chat_line('a'))),
    ]
    async with ollama.AsyncClient(server.url, retries=0) as client:
        server.script(*script * 20)
        for i in range(100):  # warm up: the pool and the server reach their steady state
            await one(client, i % kinds)
        gc.collect()
        before = _open_fds()
        fds: List[int] = []
        held: List[int] = []
        server.script(*script * rounds)
        for i in range(kinds * rounds):
            await one(client, i % kinds)
            if i % 250 == 0:
                fds.append(_open_fds())
                # The server sees a close a moment after the client makes it; let it catch up (bounded).
                for _ in range(50):
                    if server.open_connections <= 2:
                        break
                    await asyncio.sleep(0.01)
                held.append(server.open_connections)
        assert max(fds) - before <= 10, f'descriptors grew from {before} to {max(fds)}'
        # Requests run one after another, so one kept-alive connection (and one being closed) is all.
        assert max(held) <= 2, f'the client held up to {max(held)} connections open'
    assert len(server.requests) == 100 + kinds * rounds
    deadline = time.monotonic() + 2
    while server.open_connections and time.monotonic() < deadline:
        await asyncio.sleep(0.01)  # the server closes its side as the client closes
    assert server.open_connections == 0
    gc.collect()
    assert _open_fds() <= before, 'closing the client left descriptors open'
