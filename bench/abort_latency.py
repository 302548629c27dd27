"""How soon the server sees a stream's connection close, for every way of closing one and every client.

    python bench/abort_latency.py              # 20 closes per case (about half a minute)
    python bench/abort_latency.py --runs 5

The bundled emulator's app serves, from a thread of this process on 127.0.0.1, a chat stream of one line
every 20 ms that would go on for minutes. Each run opens a stream, reads its first chunk and closes it in
one way; the latency is from just before the close to the moment the emulator noticed its client had gone
(``RecordedRequest.disconnected_at``). The app runs with aiohttp's handler cancellation on, so the
emulator notices when aiohttp sees the connection lost, as Ollama's Go server cancels a request whose
connection closed, rather than at its next look between two lines. The floor is requests' and aiohttp's
own ``response.close()``; the official ``ollama`` client is closed in the ways its generators and
clients offer. A close not noticed within 3 s counts as never; a case stops after two of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterator, List, Optional, Tuple, Union

import _raw
import ollama
from _shared import CHAT_MODEL, MESSAGES
from aiohttp import web
from run import bypass_proxy, machine

import ollama_lite
from ollama_lite.testing import Emulator, RecordedRequest, Reply

#: A token every 20 ms, for over three minutes: no stream ends by itself while a close is measured.
REPLY = Reply.text(' '.join(['word'] * 10_000)).paced(0.02)
GIVE_UP = 3.0
MAX_MISSES = 2
#: Bounds opening a stream and reading its first chunk (the emulator sends it at once).
SETUP_TIMEOUT = 10.0

#: When the close began (``time.monotonic()``), and what must stay alive until the server noticed: a
#: stream still referenced is closed by the way measured, not by being dropped on return.
Closed = Tuple[float, Any]
SyncWay = Callable[[Any], Closed]
AsyncWay = Callable[[Any], Awaitable[Closed]]


@dataclass(frozen=True)
class Case:
    client: str
    way: str
    run: Union[SyncWay, AsyncWay]
    #: The way closes the client itself, so each run gets a new one.
    fresh: bool = False


class _Raised(Exception):
    pass


# --- sync ways ------------------------------------------------------------------------------------


def _chat(client: Any) -> Iterator[Any]:
    # The same call on ollama_lite and on the official client: the drop-in promise.
    return client.chat(CHAT_MODEL, MESSAGES, stream=True)  # type: ignore[no-any-return]


def raw_close(session: Any) -> Closed:
    body = _raw._body(CHAT_MODEL, True)
    response = session.post(
        session.base + '/api/chat', data=body, headers=_raw._HEADERS, stream=True, timeout=SETUP_TIMEOUT
    )
    chunks = response.iter_content(chunk_size=None)
    next(chunks)
    left = time.monotonic()
    response.close()
    return left, chunks


def close_stream(client: Any) -> Closed:
    stream = _chat(client)
    next(stream)
    left = time.monotonic()
    stream.close()  # type: ignore[attr-defined]  # Stream.close(), or the official generator's
    return left, stream


def leave_with(client: Any) -> Closed:
    with _chat(client) as stream:  # type: ignore[attr-defined]
        next(stream)
        left = time.monotonic()
    return left, stream


def drop_after_break(client: Any) -> Closed:
    left = 0.0
    for _chunk in _chat(client):
        left = time.monotonic()
        break
    return left, None


def _loop_raising(client: Any, started: List[float]) -> None:
    for _chunk in _chat(client):
        started.append(time.monotonic())
        raise _Raised


def raise_in_loop(client: Any) -> Closed:
    # The exception leaves the loop's function and is kept, traceback and frame with it, as by a caller
    # that logs it later: the stream must not wait for them to be freed.
    started: List[float] = []
    raised: Optional[_Raised] = None
    try:
        _loop_raising(client, started)
    except _Raised as exc:
        raised = exc
    return started[0], raised


def keep_after_break(client: Any) -> Closed:
    stream = _chat(client)
    for _chunk in stream:
        break
    return time.monotonic(), stream


def close_client(client: Any) -> Closed:
    stream = _chat(client)
    next(stream)
    left = time.monotonic()
    client.close()
    return left, stream


# --- async ways -----------------------------------------------------------------------------------


async def _achat(client: Any) -> Any:
    return await client.chat(CHAT_MODEL, MESSAGES, stream=True)


async def raw_aclose(session: Any) -> Closed:
    response = await session.post('/api/chat', data=_raw._body(CHAT_MODEL, True))
    await response.content.readany()
    left = time.monotonic()
    response.close()
    return left, response


async def aclose_stream(client: Any) -> Closed:
    stream = await _achat(client)
    await stream.__anext__()
    left = time.monotonic()
    await stream.aclose()  # AsyncStream.aclose(), or the official async generator's
    return left, stream


async def leave_async_with(client: Any) -> Closed:
    async with await _achat(client) as stream:
        await stream.__anext__()
        left = time.monotonic()
    return left, stream


async def adrop_after_break(client: Any) -> Closed:
    left = 0.0
    async for _chunk in await _achat(client):
        left = time.monotonic()
        break
    return left, None


async def _aloop_raising(client: Any, started: List[float]) -> None:
    async for _chunk in await _achat(client):
        started.append(time.monotonic())
        raise _Raised


async def araise_in_loop(client: Any) -> Closed:
    started: List[float] = []
    raised: Optional[_Raised] = None
    try:
        await _aloop_raising(client, started)
    except _Raised as exc:
        raised = exc
    return started[0], raised


async def cancel_task(client: Any) -> Closed:
    first = asyncio.Event()

    async def consume() -> None:
        async for _chunk in await _achat(client):
            first.set()

    task = asyncio.ensure_future(consume())
    await first.wait()
    left = time.monotonic()
    task.cancel()
    return left, task


async def aclose_client(client: Any) -> Closed:
    stream = await _achat(client)
    await stream.__anext__()
    left = time.monotonic()
    await client.close()
    return left, stream


async def _opened(client: Any) -> Any:
    return client


SYNC_CLIENTS = {
    'requests': _raw.open_sync,
    'ollama_lite.Client': lambda url: ollama_lite.Client(url, timeout=SETUP_TIMEOUT),
    'ollama.Client': lambda url: ollama.Client(url, timeout=SETUP_TIMEOUT),
}
ASYNC_CLIENTS = {
    'aiohttp': _raw.open_async,
    'ollama_lite.AsyncClient': lambda url: _opened(ollama_lite.AsyncClient(url)),
    'ollama.AsyncClient': lambda url: _opened(ollama.AsyncClient(url)),
}
SYNC_CASES = [
    Case('requests', 'response.close()', raw_close),
    Case('ollama_lite.Client', 'close()', close_stream),
    Case('ollama_lite.Client', 'leaving with', leave_with),
    Case('ollama_lite.Client', 'dropped after break', drop_after_break),
    Case('ollama_lite.Client', 'exception out of the loop, kept', raise_in_loop),
    Case('ollama_lite.Client', 'Client.close()', close_client, fresh=True),
    # The measurement's own check: a stream left open must come out as never.
    Case('ollama_lite.Client', 'nothing: kept open after break (control)', keep_after_break),
    Case('ollama.Client', "break, the generator's close()", close_stream),
    Case('ollama.Client', 'dropped after break', drop_after_break),
    Case('ollama.Client', 'Client.close()', close_client, fresh=True),
]
ASYNC_CASES = [
    Case('aiohttp', 'response.close()', raw_aclose),
    Case('ollama_lite.AsyncClient', 'aclose()', aclose_stream),
    Case('ollama_lite.AsyncClient', 'leaving async with', leave_async_with),
    Case('ollama_lite.AsyncClient', 'dropped after break', adrop_after_break),
    Case('ollama_lite.AsyncClient', 'exception out of the loop, kept', araise_in_loop),
    Case('ollama_lite.AsyncClient', 'task cancelled', cancel_task),
    Case('ollama_lite.AsyncClient', 'AsyncClient.close()', aclose_client, fresh=True),
    Case('ollama.AsyncClient', "break, the generator's aclose()", aclose_stream),
    Case('ollama.AsyncClient', 'dropped after break', adrop_after_break),
    Case('ollama.AsyncClient', 'task cancelled', cancel_task),
    Case('ollama.AsyncClient', 'AsyncClient.close()', aclose_client, fresh=True),
]


# --- measuring ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _serving(emu: Emulator) -> Iterator[str]:
    """``emu``'s app on 127.0.0.1 in a thread with its own loop, with handler cancellation; yield its URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(emu.make_app(), handler_cancellation=True, shutdown_timeout=0.5, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, '127.0.0.1', 0).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{runner.addresses[0][1]}'
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(SETUP_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(SETUP_TIMEOUT)
        loop.close()


def _ours(emu: Emulator, before: Optional[RecordedRequest]) -> RecordedRequest:
    request = emu.last_request
    if request is None or request is before:
        raise RuntimeError('the stream never reached the emulator')
    return request


def _latency(request: RecordedRequest, left: float) -> Optional[float]:
    return None if request.disconnected_at is None else request.disconnected_at - left


def _sync_case(emu: Emulator, url: str, case: Case, runs: int) -> List[Optional[float]]:
    samples: List[Optional[float]] = []
    client = None
    try:
        while len(samples) < runs and samples.count(None) < MAX_MISSES:
            if client is None:
                client = SYNC_CLIENTS[case.client](url)
            emu.reply(REPLY)
            before = emu.last_request
            left, alive = case.run(client)  # type: ignore[misc]
            request = _ours(emu, before)
            while request.disconnected_at is None and time.monotonic() - left < GIVE_UP:
                time.sleep(0.0005)
            samples.append(_latency(request, left))
            del alive
            if case.fresh:
                client = None
    finally:
        if client is not None:
            client.close()
    return samples


async def _async_case(emu: Emulator, url: str, case: Case, runs: int) -> List[Optional[float]]:
    samples: List[Optional[float]] = []
    client = None
    try:
        while len(samples) < runs and samples.count(None) < MAX_MISSES:
            if client is None:
                client = await ASYNC_CLIENTS[case.client](url)
            emu.reply(REPLY)
            before = emu.last_request
            left, alive = await asyncio.wait_for(case.run(client), SETUP_TIMEOUT)  # type: ignore[arg-type]
            request = _ours(emu, before)
            while request.disconnected_at is None and time.monotonic() - left < GIVE_UP:
                await asyncio.sleep(0.0005)
            samples.append(_latency(request, left))
            if isinstance(alive, asyncio.Task):
                await asyncio.gather(alive, return_exceptions=True)
            del alive
            if case.fresh:
                client = None
    finally:
        if client is not None:
            await client.close()
    return samples


def _ms(seconds: float) -> str:
    return f'{seconds * 1000:.1f} ms'


def _row(side: str, case: Case, samples: List[Optional[float]], floor: Optional[float]) -> str:
    seen = sorted(s for s in samples if s is not None)
    noticed = f'{len(seen)}/{len(samples)}'
    if not seen:
        cells = [f'never (> {GIVE_UP:.0f} s)', '', '']
    else:
        median = statistics.median(seen)
        cells = [_ms(median), _ms(seen[-1]), f'{median / floor:.1f}x' if floor else '']
    return '| ' + ' | '.join([side, case.client, case.way, *cells, noticed]) + ' |'


def _floor(samples: List[Optional[float]]) -> Optional[float]:
    seen = [s for s in samples if s is not None]
    return statistics.median(seen) if seen else None


async def _async_rows(emu: Emulator, url: str, runs: int) -> None:
    floor = None
    for case in ASYNC_CASES:  # the first is the floor
        samples = await _async_case(emu, url, case, runs)
        floor = _floor(samples) if case is ASYNC_CASES[0] else floor
        print(_row('async', case, samples, floor), flush=True)


def main(runs: int) -> None:
    bypass_proxy(os.environ)
    info = machine()
    print(f'# {info["date"]} · {info["nproc"]} cores · {info["cpu"]} · Python {info["python"]}')
    print(f'Close latency, {runs} closes per case (the close begins -> the emulator sees the client leave)\n')
    print('| | client | closed by | median | max | median / floor | noticed |')
    print('|---|---|---|---|---|---|---|', flush=True)
    emu = Emulator(models=[CHAT_MODEL])
    with _serving(emu) as url:
        floor = None
        for case in SYNC_CASES:  # the first is the floor
            samples = _sync_case(emu, url, case, runs)
            floor = _floor(samples) if case is SYNC_CASES[0] else floor
            print(_row('sync', case, samples, floor), flush=True)
        asyncio.run(_async_rows(emu, url, runs))


def _arguments() -> Any:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=20)
    return parser.parse_args()


if __name__ == '__main__':
    main(_arguments().runs)
