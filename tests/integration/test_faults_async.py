"""The fault table (tests/fault_cases.py) driven against the AsyncClient and the misbehaving server."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from pathlib import Path
from typing import List, Optional, Tuple

import aiohttp
import pytest

import ollama_lite as ollama
from tests._faults import DROP, FaultServer, endless, ndjson
from tests.fault_cases import (
    BLOB,
    BLOB_REPLIES,
    CALLS,
    FAULTS,
    MESSAGES,
    SECRET,
    Fault,
    arm,
    chat_line,
    gzip_bomb,
    gzip_reply,
    gzip_stream,
    host_for,
    verify,
    verify_blob_upload,
)


@pytest.mark.usefixtures('no_leaks')
@pytest.mark.parametrize('fault', FAULTS, ids=[f.id for f in FAULTS])
async def test_fault(
    fault: Fault,
    fault_servers: Tuple[FaultServer, FaultServer],
    refused: int,
    stalled: Optional[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, other = fault_servers
    arm(fault, server, other)
    monkeypatch.setenv('OLLAMA_API_KEY', SECRET)
    call = CALLS[fault.call]
    got: List[str] = []
    waits: List[float] = []
    error: Optional[BaseException] = None

    async def record(delay: float) -> None:  # the policy's waits are recorded, not slept
        waits.append(delay)

    async with ollama.AsyncClient(host_for(fault, server, refused, stalled), **fault.client) as client:
        client._sleep = record
        started = time.monotonic()
        try:
            result = await call.invoke(client)
            if call.stream:
                async with result:
                    async for chunk in result:
                        got.append(call.text(chunk))
            else:
                got.append(call.text(result))
        except Exception as exc:
            error = exc
        elapsed = time.monotonic() - started
    verify(fault, server, other, got=got, error=error, waits=waits, elapsed=elapsed)


@pytest.mark.usefixtures('no_leaks')
async def test_retried_blob_upload_sends_the_whole_file_again(
    fault_servers: Tuple[FaultServer, FaultServer], tmp_path: Path
) -> None:
    server, _ = fault_servers
    path = tmp_path / 'model.gguf'
    path.write_bytes(BLOB)
    server.script(*BLOB_REPLIES)
    waits: List[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async with ollama.AsyncClient(server.url) as client:
        client._sleep = record
        digest = await client.create_blob(path)
    verify_blob_upload(server, digest, waits)


@pytest.mark.usefixtures('no_leaks')
@pytest.mark.parametrize(('retries', 'sent'), [(0, 1), (1, 2), (2, 3), (3, 4)])
async def test_aiohttps_own_resend_counts_inside_retries(
    fault_servers: Tuple[FaultServer, FaultServer], retries: int, sent: int
) -> None:
    # aiohttp resends a GET once on its own when the connection closes without a reply; with the
    # client's own session that resend is one of `retries`, so a GET reaches the server 1 + retries times.
    server, _ = fault_servers
    server.script(then=DROP)

    async def record(delay: float) -> None:
        pass

    async with ollama.AsyncClient(server.url, retries=retries) as client:
        client._sleep = record
        with pytest.raises(ollama.ConnectError, match='closed the connection without replying'):
            await client.list()
    assert [r.method for r in server.requests] == ['GET'] * sent


@pytest.mark.usefixtures('no_leaks')
@pytest.mark.parametrize(('call', 'retries', 'sent'), [('list', 2, 2), ('list', 3, 4), ('delete', 2, 2)])
async def test_resends_with_a_callers_session_never_exceed_retries(
    fault_servers: Tuple[FaultServer, FaultServer], call: str, retries: int, sent: int
) -> None:
    # A caller's session cannot report its resends; each attempt of a GET or DELETE is taken to cost
    # two sends, and no more are made than `retries` allows (aiohttp's one resend always happens).
    server, _ = fault_servers
    server.script(then=DROP)

    async def record(delay: float) -> None:
        pass

    async with aiohttp.ClientSession() as session:
        client = ollama.AsyncClient(server.url, session=session, retries=retries)
        client._sleep = record
        with pytest.raises(ollama.ConnectError, match='closed the connection without replying'):
            await CALLS[call].invoke(client)
    assert len(server.requests) == sent


@pytest.mark.usefixtures('no_leaks')
@pytest.mark.parametrize('own_session', [True, False])
async def test_close_closes_the_streams_still_open(
    fault_servers: Tuple[FaultServer, FaultServer], own_session: bool
) -> None:
    server, _ = fault_servers
    server.script(endless(ndjson(chat_line('x'))[0]))
    session = None if own_session else aiohttp.ClientSession()
    client = ollama.AsyncClient(server.url, session=session)
    stream = await client.chat('m', MESSAGES, stream=True)
    assert (await stream.__anext__()).message.content == 'x'
    await client.close()
    assert await asyncio.get_running_loop().run_in_executor(None, server.wait_disconnect, 5) is not None
    assert [c async for c in stream] == []
    if session is not None:
        await session.close()


@pytest.mark.usefixtures('no_leaks')
@pytest.mark.parametrize('stream', [False, True])
async def test_a_gzip_bomb_never_grows_memory_past_the_limit(
    fault_servers: Tuple[FaultServer, FaultServer], stream: bool
) -> None:
    server, _ = fault_servers
    server.script(gzip_stream([], tail=gzip_bomb()) if stream else gzip_reply(gzip_bomb()))
    async with ollama.AsyncClient(server.url, max_reply_bytes=1 << 20) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ollama.ReplyTooLargeError):
                result = await client.chat('m', MESSAGES, stream=stream)
                if stream:
                    [c async for c in result]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 8 << 20, f'{peak / (1 << 20):.1f} MiB held at the peak'
