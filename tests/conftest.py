from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import Any, AsyncIterator, Dict, Iterator, List

import pytest

from tests._live import LiveServer


@pytest.fixture(scope='session')
def _live_server_session() -> Iterator[LiveServer]:
    server = LiveServer().start()
    yield server
    server.stop()


@pytest.fixture
def live(_live_server_session: LiveServer) -> Iterator[LiveServer]:
    """A real HTTP server on 127.0.0.1 with no routes; each test adds its own."""
    _live_server_session.reset()
    yield _live_server_session
    _live_server_session.reset()


#: How long a thread a test started may take to end once the test is over (servers stopping, executors draining).
_THREAD_GRACE = 10.0


@pytest.fixture(autouse=True)
def _no_thread_left() -> Iterator[None]:
    """Fail a test that leaves a thread running: whatever a test starts (a server, an emulator, an executor)
    ends with it. Threads of module- and session-wide fixtures start before this fixture and are not counted."""
    before = set(threading.enumerate())
    yield
    left = [thread for thread in threading.enumerate() if thread not in before]
    deadline = time.monotonic() + _THREAD_GRACE
    for thread in left:
        thread.join(max(deadline - time.monotonic(), 0))
    running = [thread.name for thread in left if thread.is_alive()]
    assert not running, f'the test left threads running: {running}'


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own OLLAMA_HOST or API key must not leak into what the tests see.
    monkeypatch.delenv('OLLAMA_HOST', raising=False)
    monkeypatch.delenv('OLLAMA_API_KEY', raising=False)


@pytest.fixture
async def no_leaks() -> AsyncIterator[None]:
    """Fail the test when it leaves an unclosed aiohttp session, connector or response behind.

    aiohttp reports those from ``__del__``: a ``ResourceWarning`` (an error under setup.cfg's filters,
    surfacing as an unraisable exception) and a call to the loop's exception handler, which by default
    only logs. Collecting at teardown runs the ``__del__`` of objects caught in reference cycles inside
    this test rather than in whichever test happens to trigger the collector later; the handler makes
    the second report a failure too, should the warning filters be relaxed. Objects older than the test
    are frozen meanwhile, so the collection only walks the test's own (a full one costs ~70 ms here).
    """
    loop = asyncio.get_running_loop()
    reports: List[Dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reports.append(context))
    gc.freeze()
    try:
        yield
        gc.collect()
    finally:
        gc.unfreeze()
        loop.set_exception_handler(previous)
    assert not reports, f'the event loop reported: {[r.get("message") for r in reports]}'


@pytest.fixture(params=['json', 'orjson'])
def json_library(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test twice: with the standard library's json alone, as without the ``speedups`` extra, and with
    orjson where ollama_lite uses it; results must be the same."""
    from ollama_lite import _speedups

    if request.param == 'json':
        monkeypatch.setattr(_speedups, 'loads', None)
        monkeypatch.setattr(_speedups, 'dumps_str', None)
    elif _speedups.loads is None:
        pytest.skip('orjson is not installed (pip install "ollama-lite[speedups]")')
    return str(request.param)
