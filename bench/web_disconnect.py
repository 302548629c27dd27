"""How soon the model server sees a browser leave a relayed stream (``ollama_lite.web.relay``).

    python bench/web_disconnect.py              # 20 departures per case (about 30 s)
    python bench/web_disconnect.py --runs 5

An aiohttp app relays ``AsyncClient.chat(..., stream=True)`` from the bundled emulator to a raw socket on
127.0.0.1, all in one process. The socket closes in one of four moments; the latency is from just before the
close to the moment the emulator noticed its client (the relay) had gone (``RecordedRequest.disconnected_at``;
the emulator looks every 5 ms while it pauses). For comparison, the handler the README used to show (write
each chunk's content, rely on aiohttp) is measured in the thinking case, where it writes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional

from aiohttp import web

from ollama_lite.testing import Emulator, Reply
from ollama_lite.web import CLIENT, client_context, relay

MESSAGES = [{'role': 'user', 'content': 'Hi'}]
#: How long a departure may go unnoticed before the case counts it as never (the stream would run minutes).
GIVE_UP = 3.0
CASES: Dict[str, Reply] = {
    'thinking (text format writes nothing)': Reply.text('x', thinking=' '.join(['hmm'] * 3000)).paced(0.05),
    'model loading (no headers yet)': Reply.text('x').delayed(120),
    'long pause after a token': Reply.text('first then nothing').paced(120),
    'write blocked on a paused reader': Reply.text(' '.join(['x' * 8000] * 2000)),
}


async def _relay(request: web.Request) -> web.StreamResponse:
    stream = request.app[CLIENT].chat('qwen3', MESSAGES, stream=True)
    return await relay(request, stream, format=request.query.get('format', 'text'))


async def _naive(request: web.Request) -> web.StreamResponse:
    # tests/web/_harness.py has the same handler; bench runs as a script from bench/ and never imports the tests.
    response = web.StreamResponse(headers={'Content-Type': 'text/plain; charset=utf-8'})
    await response.prepare(request)
    async with await request.app[CLIENT].chat('qwen3', MESSAGES, stream=True) as stream:
        async for chunk in stream:
            await response.write((chunk.message.content or '').encode())
    return response


async def _depart(emu: Emulator, port: int, path: str, reply: Reply, paused: bool) -> Optional[float]:
    """One departure; its latency in seconds, or ``None`` when not noticed within GIVE_UP."""
    emu.reply(reply)
    before = len(emu.requests)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if paused:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ('127.0.0.1', port))
    reader, writer = await asyncio.open_connection(sock=sock)
    writer.write(f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.encode())
    await reader.readuntil(b'\r\n\r\n')
    while len(emu.requests) == before:
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.3 if paused else 0.1)  # into the phase: thinking under way, or the writes stalled
    request = emu.requests[-1]
    left = time.monotonic()
    writer.close()
    while request.disconnected_at is None and time.monotonic() - left < GIVE_UP:
        await asyncio.sleep(0.001)
    return None if request.disconnected_at is None else request.disconnected_at - left


async def _case(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]], cancellation: bool, reply: Reply, runs: int
) -> List[Optional[float]]:
    emu = Emulator(models=['qwen3'])
    async with emu.running_async() as url:
        app = web.Application()
        app.cleanup_ctx.append(client_context(url))
        app.router.add_get('/ask', handler)
        runner = web.AppRunner(app, handler_cancellation=cancellation, shutdown_timeout=0.5, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, '127.0.0.1', 0).start()
        port = runner.addresses[0][1]
        paused = reply.content is not None and len(reply.content) > 100_000
        try:
            return [await _depart(emu, port, '/ask', reply, paused) for _ in range(runs)]
        finally:
            await runner.cleanup()


def _row(name: str, samples: List[Optional[float]]) -> str:
    seen = sorted(s * 1000 for s in samples if s is not None)
    missed = len(samples) - len(seen)
    if not seen:
        return f'{name:<58} never noticed within {GIVE_UP:.0f} s ({missed}/{len(samples)} departures)'
    text = f'{name:<58} median {statistics.median(seen):6.1f} ms   max {seen[-1]:6.1f} ms'
    return text + (f'   ({missed} never noticed)' if missed else '')


async def main(runs: int) -> None:
    print(f'Disconnect latency, {runs} departures per case (browser closes -> emulator sees the relay leave)')
    for cancellation in (False, True):
        print(f'\nhandler_cancellation={cancellation}')
        for name, reply in CASES.items():
            print(_row(f'  relay, {name}', await _case(_relay, cancellation, reply, runs)), flush=True)
    thinking = CASES['thinking (text format writes nothing)']
    print('\nthe naive handler (write content, rely on aiohttp), handler_cancellation=False')
    print(_row('  thinking', await _case(_naive, False, thinking, min(runs, 3))))


def _arguments() -> Any:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=20)
    return parser.parse_args()


if __name__ == '__main__':
    asyncio.run(main(_arguments().runs))
