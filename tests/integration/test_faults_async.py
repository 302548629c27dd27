"""The fault table (tests/fault_cases.py) driven against the AsyncClient and the misbehaving server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

import ollama_lite as ollama
from tests._faults import FaultServer
from tests.fault_cases import (
    BLOB,
    BLOB_REPLIES,
    CALLS,
    FAULTS,
    SECRET,
    Fault,
    arm,
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
