"""An AsyncClient that is never closed (the official client's README pattern, and langchain's for a model's
lifetime) prints nothing and gives its connections back; a caller's session stays the caller's."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import aiohttp
import pytest

import ollama_lite as ollama
from tests.compat._recorder import Recorder

ROOT = Path(__file__).resolve().parents[2]

# Each script leaves an AsyncClient unclosed in another way: alive at exit after asyncio.run, dropped while
# its loop runs, while its loop is open but idle, after its loop closed.
SCRIPTS = {
    'alive-at-exit': """
client = ollama_lite.AsyncClient(URL)
async def main():
    print((await client.list()).models[0].model)
asyncio.run(main())
""",
    'dropped-in-its-loop': """
async def main():
    client = ollama_lite.AsyncClient(URL)
    print((await client.list()).models[0].model)
    del client
    gc.collect()
    await asyncio.sleep(0)
asyncio.run(main())
""",
    'dropped-while-its-loop-is-idle': """
loop = asyncio.new_event_loop()
async def main():
    client = ollama_lite.AsyncClient(URL)
    print((await client.list()).models[0].model)
    return client
client = loop.run_until_complete(main())
del client
gc.collect()
""",
    'dropped-after-its-loop': """
async def main():
    client = ollama_lite.AsyncClient(URL)
    print((await client.list()).models[0].model)
    return client
client = asyncio.run(main())
del client
gc.collect()
""",
}


@pytest.fixture(scope='module')
def recorder() -> Iterator[Recorder]:
    server = Recorder().start()
    yield server
    server.stop()


@pytest.mark.parametrize('name', sorted(SCRIPTS))
def test_never_closed_client_prints_nothing(name: str, recorder: Recorder) -> None:
    code = f'import asyncio, gc, ollama_lite\nURL = {recorder.url!r}\n' + SCRIPTS[name]
    done = subprocess.run(
        [sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, 'm:latest\n', '')


async def _connections_drop_to(recorder: Recorder, count: int) -> bool:
    for _ in range(500):  # at most ~5 s
        if recorder.connections == count:
            return True
        await asyncio.sleep(0.01)
    return False


@pytest.mark.usefixtures('no_leaks')
async def test_dropped_client_gives_its_connections_back(recorder: Recorder) -> None:
    client = ollama.AsyncClient(recorder.url)
    await client.list()
    assert await _connections_drop_to(recorder, 1)  # kept alive in the pool
    del client
    gc.collect()
    assert await _connections_drop_to(recorder, 0)


@pytest.mark.usefixtures('no_leaks')
async def test_callers_session_stays_open_when_the_client_is_dropped(recorder: Recorder) -> None:
    async with aiohttp.ClientSession() as session:
        client = ollama.AsyncClient(recorder.url, session=session)
        await client.list()
        del client
        gc.collect()
        await asyncio.sleep(0)
        assert not session.closed
        async with session.get(recorder.url + '/api/ps') as reply:
            assert reply.status == 200
