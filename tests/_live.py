"""A real HTTP server on 127.0.0.1 for integration tests: aiohttp.web in a background thread.

Tests register handlers per (method, path); each handler is an aiohttp coroutine and runs on the
server's loop, so it can write chunks with delays, stall, cut the connection, or notice that the
client went away. What mocks cannot prove (chunking, disconnects, timeouts) is proved here.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LiveServer:
    """``url`` is where it listens; ``route()`` adds handlers; ``disconnected`` counts client hang-ups."""

    def __init__(self) -> None:
        self._routes: Dict[Tuple[str, str], Handler] = {}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: Optional[web.AppRunner] = None
        self._thread = threading.Thread(target=self._run, name='live-server', daemon=True)
        self.requests: List[Dict[str, Any]] = []
        self.disconnected = threading.Semaphore(0)
        self.port = 0

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self.port}'

    def start(self) -> LiveServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError('live server did not start within 10 s')
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            assert self._runner is not None
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def reset(self) -> None:
        self._routes.clear()
        self.requests.clear()
        self.disconnected = threading.Semaphore(0)

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes[(method.upper(), path)] = handler
            return handler

        return register

    def json(self, method: str, path: str, body: Any, status: int = 200) -> None:
        """Answer ``method path`` with a JSON body."""

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.json_response(body, status=status)

        self.route(method, path)(handler)

    def wait_disconnect(self, timeout: float = 5.0) -> bool:
        """True once a streaming handler saw its client go away (see ``stream_lines``)."""
        return self.disconnected.acquire(timeout=timeout)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            {
                'method': request.method,
                'path': request.path,
                'headers': dict(request.headers),
                'body': body,
                'json': _json_or_none(body) if request.content_type == 'application/json' else None,
            }
        )
        handler = self._routes.get((request.method, request.path))
        if handler is None:
            return web.json_response({'error': f'no route for {request.method} {request.path}'}, status=404)
        return await handler(request)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=1 << 30)
        app.router.add_route('*', '/{tail:.*}', self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        self._loop.run_until_complete(self._runner.setup())
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(('127.0.0.1', 0))
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()

    async def stream_lines(
        self,
        request: web.Request,
        lines: List[bytes],
        *,
        delay: float = 0.0,
        cut: bool = False,
        forever: bool = False,
    ) -> web.StreamResponse:
        """Send ``lines`` as a chunked NDJSON reply, one write (and flush) each, ``delay`` apart.

        ``cut`` closes the connection without the terminating chunk; ``forever`` keeps sending the last
        line (at most 10,000 times) until the client goes away. A client hang-up releases ``disconnected``.
        """
        resp = web.StreamResponse(headers={'Content-Type': 'application/x-ndjson'})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            for line in lines:
                await resp.write(line)
                if delay:
                    await asyncio.sleep(delay)
            for _ in range(10_000 if forever else 0):
                await resp.write(lines[-1])
                await asyncio.sleep(delay or 0.01)
            if cut:
                assert request.transport is not None
                request.transport.close()
                return resp
            await resp.write_eof()
        except (ConnectionResetError, asyncio.CancelledError, ConnectionError):
            self.disconnected.release()
            raise
        return resp


def _json_or_none(body: bytes) -> Any:
    # Clients label every request JSON, blob uploads included; a log entry must not fail on those.
    try:
        return json.loads(body)
    except ValueError:
        return None


def ndjson(*objs: Any) -> List[bytes]:
    """Each object as one NDJSON line."""
    return [json.dumps(o).encode() + b'\n' for o in objs]
