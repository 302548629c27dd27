"""Several servers behind one client: the pool against one server, and against ``random.choice`` glue.

    python bench/pool.py            # the run recorded in BENCHMARKS.md ("Several servers")
    python bench/pool.py --quick    # a smoke run (seconds)

Starts ``--hosts`` look-alike servers on 127.0.0.1 (ephemeral ports, one event loop in a process of their
own). Each runs ``--slots`` generations at once, as Ollama with ``OLLAMA_NUM_PARALLEL=2``, each one
``--tokens`` tokens at ``--token-ms`` per token; ``--queue`` more wait, and beyond that it answers 503
"server busy", as Ollama does past ``OLLAMA_MAX_QUEUE``. Then ``--chats`` chats start at once:

- **pool**: one ``ollama_lite.AsyncClient(hosts=[...], per_host=slots)``;
- **one host**: the same chats on one server, with an ``asyncio.Semaphore(slots)`` in front (the best one
  server does, and no 503);
- **random.choice**: each chat on an official ``ollama.AsyncClient`` picked at random, as hand-written glue
  does (no limit, no retry).

For each: the wall time, throughput (chats per second), the 503s the servers sent, and the chats lost
(that raised instead of answering). Prints a table and writes the result as JSON to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from aiohttp import web

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import ollama_lite  # noqa: E402

_MODEL = 'bench:latest'
_BUSY = {'error': 'server busy, please try again.  maximum pending requests exceeded'}


@dataclass
class Host:
    """One look-alike server's counters."""

    slots: int
    queue: int
    seconds: float
    pending: int = 0
    busy: int = 0
    served: int = 0
    gate: Optional[asyncio.Semaphore] = None


def app_for(host: Host) -> web.Application:
    async def chat(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        if host.pending >= host.slots + host.queue:
            host.busy += 1
            return web.json_response(_BUSY, status=503)
        host.pending += 1
        try:
            if host.gate is None:
                host.gate = asyncio.Semaphore(host.slots)
            async with host.gate:
                await asyncio.sleep(host.seconds)
        finally:
            host.pending -= 1
        host.served += 1
        return web.json_response(
            {
                'model': body.get('model'),
                'created_at': '2025-01-01T00:00:00Z',
                'message': {'role': 'assistant', 'content': 'ok'},
                'done': True,
                'done_reason': 'stop',
                'eval_count': 1,
            }
        )

    async def tags(request: web.Request) -> web.StreamResponse:
        return web.json_response({'models': [{'name': _MODEL, 'model': _MODEL}]})

    async def ps(request: web.Request) -> web.StreamResponse:
        return web.json_response({'models': [{'name': _MODEL, 'model': _MODEL}]})

    app = web.Application()
    app.router.add_post('/api/chat', chat)
    app.router.add_get('/api/tags', tags)
    app.router.add_get('/api/ps', ps)
    return app


def serve(hosts: List[Host]) -> None:
    """The look-alike servers, in this process (``--serve``): print ``PORT <n>`` per host, serve until stdin
    closes (so they never outlive the runner)."""

    async def main() -> None:
        runners = []
        for host in hosts:
            app = app_for(host)

            async def stats(request: web.Request, host: Host = host) -> web.StreamResponse:
                counts = {'busy': host.busy, 'served': host.served}
                if request.method == 'DELETE':
                    host.busy = host.served = 0
                return web.json_response(counts)

            app.router.add_route('*', '/stats', stats)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, '127.0.0.1', 0).start()
            runners.append(runner)
            print(f'PORT {runner.addresses[0][1]}', flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)
        for runner in runners:
            await runner.cleanup()

    asyncio.run(main())


class Servers:
    """The look-alike servers in a process of their own: the client's work is measured, not theirs."""

    def __init__(self, argv: List[str], count: int) -> None:
        self._process = subprocess.Popen(
            [sys.executable, __file__, '--serve', *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        self.urls = [f'http://127.0.0.1:{self._process.stdout.readline().split()[1]}' for _ in range(count)]

    def counts(self, reset: bool = False) -> Dict[str, int]:
        """The servers' 503s and answers so far (``reset``: and start counting again)."""
        total = {'busy': 0, 'served': 0}
        for url in self.urls:
            with urllib.request.urlopen(
                urllib.request.Request(url + '/stats', method='DELETE' if reset else 'GET')
            ) as r:
                for key, value in json.load(r).items():
                    total[key] += value
        return total

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait(30)


async def run_chats(chats: int, chat: Callable[[int], Awaitable[Any]]) -> Tuple[float, int]:
    """Start ``chats`` chats at once; the wall time and how many raised."""
    start = time.perf_counter()
    results = await asyncio.gather(*(chat(i) for i in range(chats)), return_exceptions=True)
    return time.perf_counter() - start, sum(isinstance(r, BaseException) for r in results)


def messages(i: int) -> List[Dict[str, str]]:
    return [{'role': 'user', 'content': f'conversation {i}'}]


async def pool_case(urls: List[str], slots: int, chats: int) -> Tuple[float, int]:
    async with ollama_lite.AsyncClient(hosts=urls, per_host=slots, queue_timeout=600) as client:
        return await run_chats(chats, lambda i: client.chat(_MODEL, messages(i)))


async def one_host_case(url: str, slots: int, chats: int) -> Tuple[float, int]:
    gate = asyncio.Semaphore(slots)
    async with ollama_lite.AsyncClient(url) as client:

        async def chat(i: int) -> Any:
            async with gate:
                return await client.chat(_MODEL, messages(i))

        return await run_chats(chats, chat)


async def random_case(urls: List[str], chats: int, seed: int) -> Tuple[float, int]:
    import ollama

    clients = [ollama.AsyncClient(host=url) for url in urls]
    pick = random.Random(seed)
    return await run_chats(chats, lambda i: pick.choice(clients).chat(_MODEL, messages(i)))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--hosts', type=int, default=4)
    parser.add_argument('--slots', type=int, default=2)
    parser.add_argument('--queue', type=int, default=8)
    parser.add_argument('--tokens', type=int, default=10)
    parser.add_argument('--token-ms', type=float, default=20.0)
    parser.add_argument('--chats', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--quick', action='store_true', help='2 hosts, 40 chats, one run')
    parser.add_argument('--serve', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.hosts, args.chats, args.repeat = 2, 40, 1
    seconds = args.tokens * args.token_ms / 1000
    if args.serve:
        serve([Host(args.slots, args.queue, seconds) for _ in range(args.hosts)])
        return 0
    server_argv = [f'--hosts={args.hosts}', f'--slots={args.slots}', f'--queue={args.queue}']
    server_argv += [f'--tokens={args.tokens}', f'--token-ms={args.token_ms}']
    rows: Dict[str, List[Dict[str, float]]] = {'pool': [], 'one host': [], 'random.choice': []}
    # The official client (httpx) reads proxy settings from the environment: 127.0.0.1 is never proxied.
    os.environ['NO_PROXY'] = os.environ['no_proxy'] = '127.0.0.1,localhost'
    servers = Servers(server_argv, args.hosts)
    try:
        for run in range(args.repeat):
            cases: Dict[str, Callable[[], Awaitable[Tuple[float, int]]]] = {
                'pool': lambda: pool_case(servers.urls, args.slots, args.chats),
                'one host': lambda: one_host_case(servers.urls[0], args.slots, args.chats),
                'random.choice': lambda run=run: random_case(servers.urls, args.chats, seed=run),
            }
            for name, case in cases.items():
                servers.counts(reset=True)
                wall, lost = asyncio.run(case())
                counts = servers.counts()
                rows[name].append({'seconds': wall, 'lost': lost, 'busy': counts['busy'], 'served': counts['served']})
    finally:
        servers.close()
    best = {name: min(runs, key=lambda r: r['seconds']) for name, runs in rows.items()}
    ideal = args.chats * seconds / (args.hosts * args.slots)
    print(
        f'{args.hosts} hosts x {args.slots} slots, {args.tokens} tokens x {args.token_ms:g} ms, queue {args.queue}, '
        f'{args.chats} chats at once; best of {args.repeat}; ideal for the pool {ideal:.2f} s'
    )
    print('| | wall | chats/s | answered | 503s sent | lost | throughput vs one host |')
    print('|---|---|---|---|---|---|---|')
    one = best['one host']
    for name, r in best.items():
        answered = args.chats - r['lost']
        rate = answered / r['seconds']
        ratio = rate / ((args.chats - one['lost']) / one['seconds'])
        print(
            f'| {name} | {r["seconds"]:.2f} s | {rate:.0f} | {answered:.0f} | {r["busy"]:.0f} | {r["lost"]:.0f} '
            f'| {ratio:.2f}x |'
        )
    linear = one['seconds'] / best['pool']['seconds'] / args.hosts
    print(f'pool throughput / ({args.hosts} x one host): {linear:.2f} (1.00 = linear)')
    out = HERE / 'results'
    out.mkdir(exist_ok=True)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    (out / f'pool-{stamp}.json').write_text(
        json.dumps({'args': vars(args), 'runs': rows, 'python': platform.python_version()}, indent=2)
    )
    return 0


if __name__ == '__main__':
    sys.exit(main())
