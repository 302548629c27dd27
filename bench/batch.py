"""Embedding many short texts: ``embed_many`` against the loops people write by hand around the official client.

    python bench/batch.py            # 100,000 texts, 3 runs of each way (a few minutes on 2 cores)
    python bench/batch.py --quick    # 5,000 texts, 1 run of each (well under a minute)

Throughput: the bundled emulator serves ``/api/embed`` from a process of its own on 127.0.0.1 (a model with
8-float vectors, so that the server's own work stays small next to the clients'). Every way embeds the same
texts in batches of ``--batch-size`` with ``--concurrency`` requests in flight, each in a fresh process, so its
peak RSS growth is its own:

- ``embed_many``: ``Client.embed_many`` over a generator of the texts, all vectors kept.
- ``iter_embed_many``: ``Client.iter_embed_many`` over the generator, each vector dropped once seen (the
  write-as-you-go form).
- ``embed_many async``: ``AsyncClient.embed_many``.
- ``threads + official``: a ``ThreadPoolExecutor`` mapping the official ``Client.embed`` over the batches,
  the texts and batches listed first (as hand-written loops do).
- ``gather + official``: ``asyncio.gather`` of the official ``AsyncClient.embed`` over the batches, a
  semaphore keeping ``--concurrency`` in flight.

The 503 storm: a server of this file that answers each embed after ``--latency`` seconds and refuses with
Ollama's 503 ("server busy ... maximum pending requests exceeded") whatever arrives while ``--busy-over``
requests are in flight; each way runs with 4 times that many in flight. The official client does not retry,
so a hand-written loop fails at the first refusal; ``embed_many`` retries by its policy and halves its requests
in flight, and finishes. Printed: how long each took, whether it finished, and how many requests the server
refused.

The pool: ``embed_many`` at its default concurrency over one emulator (2 in flight) and over a ``hosts=`` pool
of three (6 in flight), each emulator a process of its own (``--no-pool`` skips it).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = 'all-minilm:bench'
TIMEOUT = 900.0
WAYS = ('embed_many', 'iter_embed_many', 'embed_many async', 'threads + official', 'gather + official')
BUSY = 'server busy, please try again.  maximum pending requests exceeded'


def texts(n: int) -> Iterator[str]:
    return (f'short text number {i}' for i in range(n))


def batches(items: Sequence[str], size: int) -> List[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def peak_rss() -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    return 0


# --- the ways, each run in a process of its own ---------------------------------------------------------


def run_way(
    way: str, url: str, n: int, batch_size: int, concurrency: int, hosts: Optional[str] = None
) -> Dict[str, Any]:
    import ollama

    import ollama_lite

    base = peak_rss()
    start, cpu = time.perf_counter(), time.process_time()
    error: Optional[str] = None
    count = 0
    try:
        if way == 'embed_many pool':
            assert hosts is not None
            with ollama_lite.Client(hosts=hosts.split(',')) as client:  # the default concurrency: 2 per host
                count = len(client.embed_many(MODEL, texts(n), batch_size=batch_size).embeddings)
        elif way == 'embed_many':
            with ollama_lite.Client(url) as client:
                count = len(
                    client.embed_many(MODEL, texts(n), batch_size=batch_size, concurrency=concurrency).embeddings
                )
        elif way == 'iter_embed_many':
            with ollama_lite.Client(url) as client:
                for _ in client.iter_embed_many(MODEL, texts(n), batch_size=batch_size, concurrency=concurrency):
                    count += 1
        elif way == 'embed_many async':

            async def lite_async() -> int:
                async with ollama_lite.AsyncClient(url) as client:
                    result = await client.embed_many(MODEL, texts(n), batch_size=batch_size, concurrency=concurrency)
                    return len(result.embeddings)

            count = asyncio.run(lite_async())
        elif way == 'threads + official':
            official = ollama.Client(url)
            work = batches(list(texts(n)), batch_size)
            with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
                replies = list(pool.map(lambda batch: official.embed(MODEL, batch), work))
            count = sum(len(r.embeddings) for r in replies)
        elif way == 'gather + official':

            async def official_gather() -> int:
                client = ollama.AsyncClient(url)
                gate = asyncio.Semaphore(concurrency)

                async def one(batch: Sequence[str]) -> Any:
                    async with gate:
                        return await client.embed(MODEL, batch)

                replies = await asyncio.gather(*(one(b) for b in batches(list(texts(n)), batch_size)))
                return sum(len(r.embeddings) for r in replies)

            count = asyncio.run(official_gather())
        else:
            raise SystemExit(f'unknown way {way!r}')
    except Exception as exc:  # a way that fails (the storm) is reported, not raised
        error = f'{type(exc).__name__}: {str(exc)[:120]}'
    seconds = time.perf_counter() - start
    return {
        'seconds': seconds,
        'cpu_seconds': time.process_time() - cpu,
        'count': count,
        'error': error,
        'peak_growth_mb': round(max(0, peak_rss() - base) / 1e6, 1),
    }


# --- servers ---------------------------------------------------------------------------------------------


def serve_emulator() -> None:
    from ollama_lite.testing import ModelSpec, serve

    def ready(url: str) -> None:
        print(f'URL {url}', flush=True)

    serve(port=0, models=[ModelSpec(MODEL, embedding_length=8)], ready=ready)


def serve_busy(busy_over: int, latency: float) -> None:
    from aiohttp import web

    state = {'in_flight': 0, 'refused': 0, 'answered': 0}

    async def embed(request: web.Request) -> web.Response:
        body = await request.json()
        if state['in_flight'] >= busy_over:
            state['refused'] += 1
            return web.json_response({'error': BUSY}, status=503)
        state['in_flight'] += 1
        try:
            await asyncio.sleep(latency)
        finally:
            state['in_flight'] -= 1
        state['answered'] += 1
        inputs = body['input'] if isinstance(body['input'], list) else [body['input']]
        return web.json_response({'model': body['model'], 'embeddings': [[0.5] * 8 for _ in inputs]})

    async def stats(request: web.Request) -> web.Response:
        return web.json_response(state)

    async def main() -> None:
        app = web.Application()
        app.add_routes([web.post('/api/embed', embed), web.get('/stats', stats), web.post('/reset', reset)])
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, '127.0.0.1', 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f'URL http://127.0.0.1:{port}', flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the runner goes
        await runner.cleanup()

    async def reset(request: web.Request) -> web.Response:
        state.update(refused=0, answered=0)
        return web.json_response(state)

    asyncio.run(main())


class Server:
    """A server of this file in a process of its own, for the ``with`` block; ``url`` once it listens."""

    def __init__(self, *argv: str) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self._process = subprocess.Popen(
            [sys.executable, __file__, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            stderr=subprocess.DEVNULL,  # aiohttp logs each connection a failed hand-written loop leaves behind
        )  # fmt: skip
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line.startswith('URL '):
            raise RuntimeError(f'the server did not start: {line!r}')
        self.url = line.split()[1]

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.terminate()
        self._process.wait(timeout=30)


def measure(
    way: str, url: str, n: int, batch_size: int, concurrency: int, hosts: Optional[List[str]] = None
) -> Dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_PROXY='127.0.0.1', no_proxy='127.0.0.1')
    argv = [
        '--way',
        way,
        '--url',
        url,
        '-n',
        str(n),
        '--batch-size',
        str(batch_size),
        '--concurrency',
        str(concurrency),
        *(['--hosts', ','.join(hosts)] if hosts else []),
    ]
    done = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, env=env, timeout=TIMEOUT, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def stats(url: str, path: str, method: str = 'GET') -> Dict[str, int]:
    import requests

    return requests.request(method, url + path, timeout=30).json()  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--quick', action='store_true', help='5,000 texts, one run of each way')
    parser.add_argument('-n', type=int, help='texts to embed (default 100,000; 5,000 with --quick)')
    parser.add_argument('--runs', type=int, help='runs of each way (default 3; 1 with --quick)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--concurrency', type=int, default=4)
    parser.add_argument('--busy-over', type=int, default=4, help='the storm server refuses past this many in flight')
    parser.add_argument('--latency', type=float, default=0.02, help="the storm server's seconds per request")
    parser.add_argument('--no-pool', action='store_true', help='skip the one-host-against-three-hosts part')
    parser.add_argument('--hosts', help=argparse.SUPPRESS)
    parser.add_argument('--way', help=argparse.SUPPRESS)
    parser.add_argument('--url', help=argparse.SUPPRESS)
    parser.add_argument('--serve', choices=['emulator', 'busy'], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == 'emulator':
        serve_emulator()
        return
    if args.serve == 'busy':
        serve_busy(args.busy_over, args.latency)
        return
    n = args.n or (5_000 if args.quick else 100_000)
    if args.way is not None:
        print(json.dumps(run_way(args.way, args.url, n, args.batch_size, args.concurrency, args.hosts)))
        return
    runs = args.runs or (1 if args.quick else 3)

    print(f'{n:,} texts, batches of {args.batch_size}, {args.concurrency} in flight, {runs} run(s) of each way')
    rows: Dict[str, List[Dict[str, Any]]] = {}
    with Server('--serve', 'emulator') as server:
        for _ in range(runs):
            for way in WAYS:  # interleaved, so that a busy moment of the machine spreads over all of them
                rows.setdefault(way, []).append(measure(way, server.url, n, args.batch_size, args.concurrency))
    base = statistics.median(r['seconds'] for r in rows['embed_many'])
    base_cpu = statistics.median(r['cpu_seconds'] for r in rows['embed_many'])
    print(
        f'\n{"way":<20} {"texts/s":>9} {"median s":>9} {"vs embed_many":>14} {"client CPU s":>13} {"vs":>7} '
        f'{"peak RSS growth":>16}'
    )
    for way in WAYS:
        seconds = statistics.median(r['seconds'] for r in rows[way])
        cpu = statistics.median(r['cpu_seconds'] for r in rows[way])
        memory = statistics.median(r['peak_growth_mb'] for r in rows[way])
        failed = [r['error'] for r in rows[way] if r['error']]
        note = f'  FAILED: {failed[0]}' if failed else ''
        print(
            f'{way:<20} {n / seconds:>9,.0f} {seconds:>9.2f} {seconds / base:>13.2f}x {cpu:>13.2f} '
            f'{cpu / base_cpu:>6.2f}x {memory:>13.1f} MB{note}'
        )

    storm_n = min(n, 2_000)
    wide = 4 * args.busy_over
    print(
        f'\n503 storm: {storm_n:,} texts in batches of {args.batch_size}, a server refusing past {args.busy_over} '
        f'in flight ({args.latency * 1000:.0f} ms a request), each way with {wide} in flight'
    )
    print(f'{"way":<20} {"seconds":>8} {"finished":>9} {"refused":>8}')
    with Server('--serve', 'busy', '--busy-over', str(args.busy_over), '--latency', str(args.latency)) as busy:
        for way in ('embed_many', 'embed_many async', 'threads + official', 'gather + official'):
            stats(busy.url, '/reset', 'POST')
            row = measure(way, busy.url, storm_n, args.batch_size, wide)
            refused = stats(busy.url, '/stats')['refused']
            finished = 'yes' if row['error'] is None and row['count'] == storm_n else 'no'
            note = f'  {row["error"]}' if row['error'] else ''
            print(f'{way:<20} {row["seconds"]:>8.2f} {finished:>9} {refused:>8}{note}')

    if args.no_pool:
        return
    pool_n = min(n, 20_000)
    print(f'\nOne host against a pool of three: {pool_n:,} texts in batches of {args.batch_size}, default concurrency')
    print(f'{"way":<28} {"median s":>9} {"texts/s":>9} {"vs one host":>12}')
    alone, pooled = 'one host (2 in flight)', 'pool of 3 (6 in flight)'
    samples: Dict[str, List[float]] = {alone: [], pooled: []}
    with Server('--serve', 'emulator') as a, Server('--serve', 'emulator') as b, Server('--serve', 'emulator') as c:
        for _ in range(runs):
            samples[alone].append(measure('embed_many', a.url, pool_n, args.batch_size, 2)['seconds'])
            row = measure('embed_many pool', a.url, pool_n, args.batch_size, 6, [a.url, b.url, c.url])
            samples[pooled].append(row['seconds'])
    single = statistics.median(samples[alone])
    for way, seconds_each in samples.items():
        seconds = statistics.median(seconds_each)
        print(f'{way:<28} {seconds:>9.2f} {pool_n / seconds:>9,.0f} {single / seconds:>11.2f}x')


if __name__ == '__main__':
    main()
