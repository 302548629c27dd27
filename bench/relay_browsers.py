"""The browsers of the relay benchmark, in a process of their own, so their cost is never the app's.

    python bench/relay_browsers.py APP_URL --browsers N --model M           # read N streams to the end
    python bench/relay_browsers.py APP_URL --browsers N --model M --leave   # all leave after the first event

The last line on stdout is one JSON object. Reading: after a one-stream warm-up, the app's meter is reset,
N streams are read at once, and the app's stats are returned with the wall-clock time and the bytes read.
Leaving: once every stream has its first event, all connections are closed together; ``left_at`` is
``time.monotonic()`` just before (the clock is the machine's, so the model server's times compare with it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any, Dict, List

import aiohttp

#: A reading browser gives up after this long: a stuck app fails its row, not the whole run.
READ_TIMEOUT = 600.0


async def _read(session: aiohttp.ClientSession, url: str) -> int:
    async with session.get(url) as r:
        r.raise_for_status()
        size = 0
        tail = b''
        async for data in r.content.iter_any():
            size += len(data)
            tail = (tail + data)[-4096:]
    if b'"done":true' not in tail:
        raise RuntimeError(f'a stream ended without its final chunk: {tail[-200:]!r}')
    return size


async def _reading(base: str, browsers: int, model: str) -> Dict[str, Any]:
    url = f'{base}/ask?model={model}'
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=READ_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await _read(session, f'{base}/ask?model=chunks-20')  # warm-up: lazy imports, first connections
        async with session.post(f'{base}/bench/reset') as r:
            r.raise_for_status()
        t0 = time.perf_counter()
        sizes = await asyncio.gather(*(_read(session, url) for _ in range(browsers)))
        seconds = time.perf_counter() - t0
        async with session.get(f'{base}/bench/stats') as r:
            stats = await r.json()
    return {'seconds': seconds, 'bytes': sum(sizes), **stats}


async def _leaving(base: str, browsers: int, model: str) -> Dict[str, Any]:
    url = f'{base}/ask?model={model}'
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        started: List[aiohttp.ClientResponse] = []

        async def start() -> None:
            r = await session.get(url)
            # Past the SSE retry hint: the first event (or NDJSON line), so Ollama's stream is open and flowing.
            while not (await r.content.readline()).startswith((b'data:', b'{')):
                pass
            started.append(r)

        await asyncio.wait_for(asyncio.gather(*(start() for _ in range(browsers))), READ_TIMEOUT)
        left_at = time.monotonic()
        for r in started:
            r.close()
    return {'left_at': left_at, 'browsers': len(started)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('base')
    parser.add_argument('--browsers', type=int, required=True)
    parser.add_argument('--model', required=True)
    parser.add_argument('--leave', action='store_true')
    args = parser.parse_args()
    run = _leaving if args.leave else _reading
    print(json.dumps(asyncio.run(run(args.base, args.browsers, args.model))), flush=True)


if __name__ == '__main__':
    main()
