"""Running an aiohttp application: in the current loop, in a background thread, or in the foreground until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from types import TracebackType
from typing import AsyncIterator, Callable, Optional, Tuple, Type

from aiohttp import web

# How long in-flight handlers get to finish when the server stops; a test that left a slow stream open must
# not hold the shutdown up for aiohttp's default minute.
_SHUTDOWN_TIMEOUT = 1.0
_START_TIMEOUT = 10.0
_JOIN_TIMEOUT = _SHUTDOWN_TIMEOUT + 5.0


def url_for(host: str, port: int) -> str:
    """The base URL of a server on ``host``:``port`` (IPv6 hosts in brackets)."""
    return f'http://[{host}]:{port}' if ':' in host else f'http://{host}:{port}'


async def _start(app: web.Application, host: str, port: int) -> Tuple[web.AppRunner, int]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner, runner.addresses[0][1]


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str, port: int) -> AsyncIterator[int]:
    """Serve ``app`` in the running loop; yield the bound port (useful with port 0), stop on exit."""
    runner, bound = await _start(app, host, port)
    try:
        yield bound
    finally:
        await runner.cleanup()


class ThreadServer:
    """Serve ``app`` from a daemon thread with its own event loop, for synchronous code.

    Entering starts it and returns the bound port (raising whatever stopped it from starting, e.g. ``OSError``
    for a port in use); leaving stops it and joins the thread.
    """

    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._app, self._host, self._port = app, host, port
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=self._run, name='ollama-lite-emulator', daemon=True)

    def __enter__(self) -> int:
        self._thread.start()
        if not self._ready.wait(_START_TIMEOUT):
            raise RuntimeError(f'the emulator did not start within {_START_TIMEOUT} seconds')
        if self._error is not None:
            self._thread.join(_JOIN_TIMEOUT)
            raise self._error
        return self._port

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(_JOIN_TIMEOUT)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # handed to the starting thread, which raises it
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serving(self._app, self._host, self._port) as bound:
            self._port = bound
            self._ready.set()
            await self._stop.wait()


def serve_forever(app: web.Application, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Serve ``app`` in the foreground until SIGINT or SIGTERM; call ``ready`` with the base URL once listening."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            # Windows event loops have no signal handlers; there Ctrl-C arrives as KeyboardInterrupt instead.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signum, stop.set)
        async with serving(app, host, port) as bound:
            ready(url_for(host, bound))
            await stop.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
