"""One web app of the relay benchmark in a process of its own: browsers in, a model server out.

    python bench/relay_app.py APP --base OLLAMA_URL [--profile FILE]

APP is one of :data:`APPS`. The app binds 127.0.0.1 on an ephemeral port, prints ``PORT <n>`` and serves
until its stdin closes. ``GET /ask?model=M`` relays a chat stream of model ``M`` to the browser as
Server-Sent Events (the non-parsing floor forwards Ollama's NDJSON bytes as they come). ``POST /bench/reset``
starts a measurement and ``GET /bench/stats`` ends it: this process's CPU time (``getrusage``), its resident
memory and high-water mark, and the most streams it held at once, so that what the browsers cost (another
process) is never counted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
from typing import Any, Awaitable, Callable

from _shared import MESSAGES
from aiohttp import web
from worker import reset_peak, rss_now, rss_peak

#: The apps: ollama_lite's relay, the official client with the SSE handler a user writes for it, and two
#: raw aiohttp floors (bytes forwarded as they come; each line parsed and re-dumped, written line by line).
APPS = ('ollama_lite', 'official', 'raw', 'raw_json')
_SSE_HEADERS = {'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache'}
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _sse(name: str, data: str) -> bytes:
    return f'event: {name}\ndata: {data}\n\n'.encode()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(',', ':'))


async def _lite(app: web.Application, base: str) -> _Handler:
    from ollama_lite import AsyncClient
    from ollama_lite.web import relay

    # No pool limit for any app: a thousand browsers are a thousand streams to the model server at once.
    client = AsyncClient(base, limit=0)
    app.on_cleanup.append(lambda _: client.close())

    async def ask(request: web.Request) -> web.StreamResponse:
        return await relay(request, client.chat(request.query['model'], MESSAGES, stream=True), format='sse')

    return ask


async def _official(app: web.Application, base: str) -> _Handler:
    import httpx
    import ollama

    client = ollama.AsyncClient(base, limits=httpx.Limits(max_connections=None, max_keepalive_connections=None))

    async def ask(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_SSE_HEADERS)
        await response.prepare(request)
        async for chunk in await client.chat(request.query['model'], MESSAGES, stream=True):
            if chunk.message.content:
                await response.write(_sse('content', _dumps(chunk.message.content)))
            if chunk.done:
                await response.write(_sse('done', chunk.model_dump_json()))
        await response.write_eof()
        return response

    return ask


def _session(app: web.Application, base: str) -> Any:
    import aiohttp

    session = aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=0))
    app.on_cleanup.append(lambda _: session.close())
    return session


def _body(request: web.Request) -> bytes:
    return json.dumps({'model': request.query['model'], 'messages': MESSAGES, 'stream': True}).encode()


async def _raw(app: web.Application, base: str) -> _Handler:
    session = _session(app, base)

    async def ask(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
        await response.prepare(request)
        async with session.post('/api/chat', data=_body(request)) as r:
            async for data in r.content.iter_any():
                await response.write(data)
        await response.write_eof()
        return response

    return ask


async def _raw_json(app: web.Application, base: str) -> _Handler:
    session = _session(app, base)
    loads = json.loads

    async def ask(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=_SSE_HEADERS)
        await response.prepare(request)
        async with session.post('/api/chat', data=_body(request)) as r:
            buf = b''
            async for data in r.content.iter_any():
                if b'\n' not in data:
                    buf += data
                    continue
                lines = (buf + data).split(b'\n') if buf else data.split(b'\n')
                buf = lines.pop()
                for line in lines:
                    obj = loads(line)
                    content = obj['message']['content']
                    if content:
                        await response.write(_sse('content', _dumps(content)))
                    if obj['done']:
                        await response.write(_sse('done', _dumps(obj)))
        await response.write_eof()
        return response

    return ask


_MAKERS = {'ollama_lite': _lite, 'official': _official, 'raw': _raw, 'raw_json': _raw_json}


class _Meter:
    """CPU, memory and concurrency of this process between a reset and a read."""

    def __init__(self) -> None:
        self.streams = 0
        self.most = 0
        self.cpu0 = 0.0
        self.rss0 = 0

    @staticmethod
    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    async def reset(self, _: web.Request) -> web.Response:
        import gc

        gc.collect()
        self.most = self.streams
        self.rss0 = rss_now()
        reset_peak()
        self.cpu0 = self.cpu()
        return web.json_response({})

    async def stats(self, _: web.Request) -> web.Response:
        cpu = self.cpu() - self.cpu0
        return web.json_response({'cpu': cpu, 'rss0': self.rss0, 'peak': rss_peak(), 'most': self.most})

    def counted(self, handler: _Handler) -> _Handler:
        async def ask(request: web.Request) -> web.StreamResponse:
            self.streams += 1
            self.most = max(self.most, self.streams)
            try:
                return await handler(request)
            except ConnectionError:
                # The browser left (the departures run): ended as quietly as relay() ends it, since aiohttp
                # logging a traceback per stream would slow every app's noticing alike.
                return web.Response(status=499)
            finally:
                self.streams -= 1

        return ask


async def _serve(name: str, base: str) -> None:
    app = web.Application()
    meter = _Meter()
    app.router.add_get('/ask', meter.counted(await _MAKERS[name](app, base)))
    app.router.add_post('/bench/reset', meter.reset)
    app.router.add_get('/bench/stats', meter.stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0, backlog=4096)
    await site.start()
    print(f'PORT {runner.addresses[0][1]}', flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.buffer.read)
    await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('app', choices=APPS)
    parser.add_argument('--base', required=True)
    parser.add_argument('--profile', help='write a cProfile of the whole app process to this file when it stops')
    args = parser.parse_args()
    if args.profile is None:
        asyncio.run(_serve(args.app, args.base))
        return
    import cProfile

    with cProfile.Profile() as profile:
        asyncio.run(_serve(args.app, args.base))
    profile.dump_stats(args.profile)


if __name__ == '__main__':
    main()
