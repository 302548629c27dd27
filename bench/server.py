"""A minimal Ollama look-alike for the benchmark: canned replies, as fast as aiohttp can send them.

Run by ``bench/run.py`` in its own process: it binds 127.0.0.1 on an ephemeral port, prints
``PORT <n>`` on stdout and serves until its stdin closes (so it never outlives the runner).

The request's model name carries the workload's size, so every client can ask for it through its
ordinary API:

- ``POST /api/chat`` with ``stream`` false: one small chat reply.
- ``POST /api/chat`` with ``stream`` true and model ``chunks-<n>``: ``n`` NDJSON lines, the last one
  ``done``, each line its own HTTP chunk (chunked encoding), as Ollama flushes each token.
- ``POST /api/chat`` with model ``chunks-<n>:<ms>ms``: the same stream paced, one line every ``ms``
  milliseconds (one timer for all paced streams, so a thousand of them cost the server little); when the
  client leaves, the time it was noticed (``time.monotonic()``, comparable across processes) is recorded.
- ``GET /bench/closed``: those times, as a JSON list, emptied by the read.
- ``POST /api/embed`` with model ``embed-<dim>``: one vector of ``dim`` floats per input.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from functools import lru_cache
from typing import Any, Dict, List, Optional

from aiohttp import web

_CREATED_AT = '2025-01-01T12:00:00.123456789Z'
_TOKENS = ['The', ' sky', ' is', ' blue', ' because', ' of', ' Rayleigh', ' scattering', '.', ' é', ' 日本']
_STATS: Dict[str, Any] = {
    'done_reason': 'stop',
    'total_duration': 4_935_886_791,
    'load_duration': 534_986_708,
    'prompt_eval_count': 26,
    'prompt_eval_duration': 107_345_000,
    'eval_count': 237,
    'eval_duration': 4_289_432_000,
}
#: Lines written between two yields to the event loop: a fast client never makes aiohttp's writer wait,
#: so without these yields one stream would hold the loop and 100 concurrent streams would run one by one.
_BATCH = 256


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(',', ':'), ensure_ascii=False).encode() + b'\n'


def _chunk(model: str, i: int) -> bytes:
    return _dumps(
        {
            'model': model,
            'created_at': _CREATED_AT,
            'message': {'role': 'assistant', 'content': _TOKENS[i % len(_TOKENS)]},
            'done': False,
        }
    )


def _final(model: str, content: str) -> Dict[str, Any]:
    return {
        'model': model,
        'created_at': _CREATED_AT,
        'message': {'role': 'assistant', 'content': content},
        'done': True,
        **_STATS,
    }


@lru_cache(maxsize=None)
def _stream_lines(model: str) -> List[bytes]:
    # One line per token kind, reused: building 1,000,000 distinct lines would make the server the
    # bottleneck and hold ~150 MB in this process.
    return [_chunk(model, i) for i in range(len(_TOKENS))]


@lru_cache(maxsize=None)
def _chat_reply(model: str) -> bytes:
    return _dumps(_final(model, 'The sky is blue because of Rayleigh scattering.'))


@lru_cache(maxsize=None)
def _embed_reply(model: str, count: int, dim: int) -> bytes:
    rng = random.Random(count * 7919 + dim)
    # Ollama writes float32 values in their shortest form, about 9 significant digits.
    rows = ','.join('[' + ','.join(f'{rng.uniform(-0.1, 0.1):.9g}' for _ in range(dim)) + ']' for _ in range(count))
    head = json.dumps({'model': model})[:-1]
    stats = f'"total_duration":14143917,"load_duration":1019500,"prompt_eval_count":{count}'
    return f'{head},"embeddings":[{rows}],{stats}}}\n'.encode()


def _size(model: str, prefix: str, default: int) -> int:
    if model.startswith(prefix):
        try:
            return max(1, int(model[len(prefix) :].split(':', 1)[0]))
        except ValueError:
            pass
    return default


def _pace(model: str) -> Optional[float]:
    """The seconds between lines that ``chunks-<n>:<ms>ms`` asks for; ``None`` for a burst."""
    tag = model.partition(':')[2]
    return int(tag[:-2]) / 1000 if tag.endswith('ms') and tag[:-2].isdigit() else None


class _Ticker:
    """One timer per pace: every paced stream awaits the same future, resolved once a period."""

    def __init__(self, period: float) -> None:
        self.period = period
        self._next: Optional[asyncio.Future[None]] = None

    def tick(self) -> asyncio.Future[None]:
        if self._next is None:
            loop = asyncio.get_running_loop()
            self._next = loop.create_future()
            loop.call_later(self.period, self._fire)
        return self._next

    def _fire(self) -> None:
        fired, self._next = self._next, None
        if fired is not None:
            fired.set_result(None)


_TICKERS: Dict[float, _Ticker] = {}
#: When each paced stream saw its client gone (see ``GET /bench/closed``).
_CLOSED: List[float] = []


async def _paced(
    request: web.Request, response: web.StreamResponse, lines: List[bytes], count: int, pace: float
) -> bool:
    """Write ``count`` lines one per tick; False when the client left first (its time recorded)."""
    ticker = _TICKERS.setdefault(pace, _Ticker(pace))
    k = len(lines)
    for i in range(count):
        await ticker.tick()
        transport = request.transport
        if transport is None or transport.is_closing():
            _CLOSED.append(time.monotonic())
            return False
        try:
            await response.write(lines[i % k])
        except ConnectionError:
            _CLOSED.append(time.monotonic())
            return False
    return True


async def closed(_: web.Request) -> web.Response:
    times = list(_CLOSED)
    _CLOSED.clear()
    return web.json_response(times)


async def chat(request: web.Request) -> web.StreamResponse:
    body = await request.json()
    model = body.get('model', 'bench')
    if body.get('stream', True) is False:
        return web.Response(body=_chat_reply(model), content_type='application/json')
    count = _size(model, 'chunks-', 10)
    lines = _stream_lines(model)
    response = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
    response.enable_chunked_encoding()
    await response.prepare(request)
    pace = _pace(model)
    if pace is not None:
        if await _paced(request, response, lines, count - 1, pace):
            await response.write(_dumps(_final(model, '')))
            await response.write_eof()
        return response
    k = len(lines)
    for i in range(count - 1):
        # Each write is one HTTP chunk; aiohttp only really waits when its buffer is full.
        await response.write(lines[i % k])
        if i % _BATCH == 0:
            await asyncio.sleep(0)
    await response.write(_dumps(_final(model, '')))
    await response.write_eof()
    return response


async def embed(request: web.Request) -> web.Response:
    body = await request.json()
    model = body.get('model', 'embed')
    inputs = body.get('input', '')
    count = 1 if isinstance(inputs, str) else max(1, len(inputs))
    dim = _size(model, 'embed-', 768)
    return web.Response(body=_embed_reply(model, count, dim), content_type='application/json')


async def version(_: web.Request) -> web.Response:
    return web.json_response({'version': '0.0.0-bench'})


def make_app() -> web.Application:
    app = web.Application(client_max_size=64 << 20)
    app.router.add_post('/api/chat', chat)
    app.router.add_post('/api/embed', embed)
    app.router.add_get('/api/version', version)
    app.router.add_get('/bench/closed', closed)
    return app


async def _serve() -> None:
    runner = web.AppRunner(make_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0, backlog=4096)
    await site.start()
    port = runner.addresses[0][1]
    print(f'PORT {port}', flush=True)
    loop = asyncio.get_running_loop()
    # Serve until the runner closes our stdin (or dies): reading it blocks in a thread, not the loop.
    await loop.run_in_executor(None, sys.stdin.buffer.read)
    await runner.cleanup()


if __name__ == '__main__':
    asyncio.run(_serve())
