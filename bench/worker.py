"""One client, one workload, in a process of its own (so no client's imports touch another's).

    python bench/worker.py CLIENT WORKLOAD --base URL --size N [--size2 M] [--repeat R]

CLIENT is one of ``ADAPTERS``. The last line on stdout is one JSON object:
``{"seconds": [...]}`` for timed workloads (after an untimed warm-up), ``{"memory": {...}}`` for the
memory ones, or ``{"na": "why"}`` when the client cannot run the workload (no async client yet).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import resource
import sys
import time
from typing import Any, Callable, Dict, List, Optional

from _shared import embed_inputs, embed_model, stream_model

# client -> (adapter module, package it drives): the two drop-in clients share one adapter.
ADAPTERS = {
    'ollama_lite': ('_dropin', 'ollama_lite'),
    'official': ('_dropin', 'ollama'),
    'raw': ('_raw', ''),
    # For bench/streams.py: ollama_lite without the speedups extra's orjson, and the line floors.
    'ollama_lite_json': ('_dropin', 'ollama_lite'),
    'raw_lines': ('_raw_lines', 'json'),
    'raw_orjson': ('_raw_lines', 'orjson'),
}
_PAGE = os.sysconf('SC_PAGE_SIZE')
_MB = 1 << 20


class Unavailable(Exception):
    """The client has no way to run this workload (yet)."""


# --- memory ---------------------------------------------------------------------------------------


def rss_now() -> int:
    """Resident set size of this process, in bytes."""
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * _PAGE


def reset_peak() -> bool:
    """Reset the kernel's RSS high-water mark (Linux ≥ 4.0); False where that is not allowed."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        return False
    return True


def rss_peak() -> int:
    """The RSS high-water mark in bytes: since :func:`reset_peak`, else since the process started."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _mb(n: float) -> float:
    return round(n / _MB, 1)


# --- sync workloads -------------------------------------------------------------------------------


def _drain(adapter: Any, client: Any, chunks: int, sample: Optional[Callable[[int], None]] = None) -> int:
    content = adapter.content
    count = 0
    total = 0
    if sample is None:
        for chunk in adapter.stream(client, stream_model(chunks)):
            total += len(content(chunk))
            count += 1
    else:
        every = max(1, chunks // 10)
        for chunk in adapter.stream(client, stream_model(chunks)):
            total += len(content(chunk))
            count += 1
            if count % every == 0:
                sample(count)
    if count != chunks or total <= 0:
        raise RuntimeError(f'{adapter.NAME}: expected {chunks} chunks, got {count}')
    return count


#: CPU seconds of this process for each timed repeat, next to the wall-clock ones: on a shared
#: machine they show the client's own cost without the server's or the neighbours'.
CPU: List[float] = []


#: A worker keeps repeating a short workload until this much time is measured (up to MAX_REPEAT
#: times), so that a workload of 0.1 s gives as steady a median as one of 1 s.
MIN_SECONDS = 1.0
MAX_REPEAT = 12


def _more(out: List[float], repeat: int) -> bool:
    return len(out) < repeat or (sum(out) < MIN_SECONDS and len(out) < MAX_REPEAT)


def _timed(repeat: int, once: Callable[[], None]) -> List[float]:
    out: List[float] = []
    while _more(out, repeat):
        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        once()
        out.append(time.perf_counter() - t0)
        CPU.append(time.process_time() - c0)
    return out


def sync_chats(adapter: Any, base: str, n: int, _: int, repeat: int) -> Dict[str, Any]:
    client = adapter.open_sync(base)
    chat = adapter.chat

    def once(count: int = n) -> None:
        for _ in range(count):
            if not chat(client):
                raise RuntimeError('empty chat reply')

    once(min(n, 50))
    seconds = _timed(repeat, once)
    adapter.close_sync(client)
    return {'seconds': seconds}


def sync_stream(adapter: Any, base: str, chunks: int, _: int, repeat: int) -> Dict[str, Any]:
    client = adapter.open_sync(base)
    _drain(adapter, client, min(chunks, 1000))
    seconds = _timed(repeat, lambda: _drain(adapter, client, chunks))
    adapter.close_sync(client)
    return {'seconds': seconds}


def embeds(adapter: Any, base: str, times: int, vectors: int, repeat: int) -> Dict[str, Any]:
    client = adapter.open_sync(base)
    model, inputs = embed_model(), embed_inputs(vectors)

    def once() -> None:
        for _ in range(times):
            if adapter.embed(client, model, inputs) != vectors:
                raise RuntimeError('wrong number of vectors')

    once()
    seconds = _timed(repeat, once)
    adapter.close_sync(client)
    return {'seconds': seconds}


def stream_memory(adapter: Any, base: str, chunks: int, _: int, repeat: int) -> Dict[str, Any]:
    client = adapter.open_sync(base)
    _drain(adapter, client, 1000)
    gc.collect()
    exact = reset_peak()
    base_rss = rss_now()
    samples: List[float] = []
    t0 = time.perf_counter()
    _drain(adapter, client, chunks, lambda _: samples.append(_mb(rss_now() - base_rss)))
    seconds = time.perf_counter() - t0
    peak = rss_peak()
    adapter.close_sync(client)
    return {
        'memory': {
            'baseline_mb': _mb(base_rss),
            'peak_growth_mb': _mb(max(0, peak - base_rss)),
            # RSS growth after each tenth of the stream: flat means streaming holds no history.
            'growth_by_tenth_mb': samples,
            'exact_peak': exact,
            'seconds': round(seconds, 2),
        }
    }


def embed_memory(adapter: Any, base: str, vectors: int, _: int, repeat: int) -> Dict[str, Any]:
    client = adapter.open_sync(base)
    model = embed_model()
    adapter.embed(client, model, embed_inputs(2))
    inputs = embed_inputs(vectors)
    gc.collect()
    exact = reset_peak()
    base_rss = rss_now()
    t0 = time.perf_counter()
    got = adapter.embed(client, model, inputs)
    seconds = time.perf_counter() - t0
    peak = rss_peak()
    if got != vectors:
        raise RuntimeError('wrong number of vectors')
    adapter.close_sync(client)
    return {
        'memory': {
            'baseline_mb': _mb(base_rss),
            'peak_growth_mb': _mb(max(0, peak - base_rss)),
            'exact_peak': exact,
            'seconds': round(seconds, 2),
        }
    }


# --- async workloads ------------------------------------------------------------------------------


async def _open_async(adapter: Any, base: str) -> Any:
    try:
        return await adapter.open_async(base)
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f'{type(exc).__name__}: {exc}') from None


async def _async_timed(repeat: int, once: Callable[[], Any]) -> List[float]:
    out: List[float] = []
    while _more(out, repeat):
        gc.collect()
        c0 = time.process_time()
        t0 = time.perf_counter()
        await once()
        out.append(time.perf_counter() - t0)
        CPU.append(time.process_time() - c0)
    return out


async def _async_chats(adapter: Any, base: str, n: int, concurrency: int, repeat: int) -> Dict[str, Any]:
    client = await _open_async(adapter, base)
    achat = adapter.achat

    async def worker(count: int) -> None:
        for _ in range(count):
            if not await achat(client):
                raise RuntimeError('empty chat reply')

    async def once(total: int = n) -> None:
        # `concurrency` tasks each making its share one after another: never more in flight.
        share, rest = divmod(total, concurrency)
        await asyncio.gather(*(worker(share + (i < rest)) for i in range(concurrency)))

    try:
        await once(concurrency)  # opens the pool's connections
        seconds = await _async_timed(repeat, once)
    finally:
        await adapter.close_async(client)
    return {'seconds': seconds}


async def _async_streams(adapter: Any, base: str, streams: int, chunks: int, repeat: int) -> Dict[str, Any]:
    client = await _open_async(adapter, base)
    content = adapter.content

    async def one(size: int) -> None:
        count = 0
        total = 0
        async for chunk in await adapter.astream(client, stream_model(size)):
            total += len(content(chunk))
            count += 1
        if count != size or total <= 0:
            raise RuntimeError(f'{adapter.NAME}: expected {size} chunks, got {count}')

    async def once(size: int = chunks) -> None:
        await asyncio.gather(*(one(size) for _ in range(streams)))

    try:
        await once(min(chunks, 20))
        seconds = await _async_timed(repeat, once)
    finally:
        await adapter.close_async(client)
    return {'seconds': seconds}


def async_chats(adapter: Any, base: str, n: int, concurrency: int, repeat: int) -> Dict[str, Any]:
    return asyncio.run(_async_chats(adapter, base, n, concurrency, repeat))


def async_streams(adapter: Any, base: str, streams: int, chunks: int, repeat: int) -> Dict[str, Any]:
    return asyncio.run(_async_streams(adapter, base, streams, chunks, repeat))


WORKLOADS = {
    'sync_chats': sync_chats,
    'sync_stream': sync_stream,
    'embeds': embeds,
    'async_chats': async_chats,
    'async_streams': async_streams,
    'stream_memory': stream_memory,
    'embed_memory': embed_memory,
}


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('client', choices=sorted(ADAPTERS))
    parser.add_argument('workload', choices=sorted(WORKLOADS))
    parser.add_argument('--base', required=True)
    parser.add_argument('--size', type=int, required=True)
    parser.add_argument('--size2', type=int, default=0)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args(argv)
    if not args.base.startswith('http://127.0.0.1:'):
        parser.error('the benchmark only talks to its own server on 127.0.0.1')
    module, package = ADAPTERS[args.client]
    adapter = importlib.import_module(module)
    if package:
        adapter.use(package, args.client)
    try:
        result = WORKLOADS[args.workload](adapter, args.base, args.size, args.size2, args.repeat)
    except Unavailable as exc:
        result = {'na': str(exc)}
    if CPU:
        result['cpu'] = CPU
    sys.stdout.write(json.dumps(result) + '\n')


if __name__ == '__main__':
    main()
