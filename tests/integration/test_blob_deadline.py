"""``Timeout(total=)`` bounds the blob calls and the liveness checks as it bounds the others: a server that is slow to
answer the upload (or the question) makes them raise ``TotalTimeout`` instead of waiting it out."""

from __future__ import annotations

from pathlib import Path
from typing import Tuple

import pytest

import ollama_lite as ollama
from tests._faults import FaultServer, reply, slow_headers

#: Longer than the total deadline below: without the deadline the calls would wait for it and then succeed.
SLOW = 3.0
TIMEOUT = ollama.Timeout(connect=2, total=0.5)
CREATED = reply(201, b'')
#: The answer to the HEAD that asks for the blob: a HEAD reply has no body.
NOT_HERE = reply(404, b'')
DIGEST = 'sha256:' + '0' * 64


def _file(tmp_path: Path) -> Path:
    path = tmp_path / 'weights.gguf'
    path.write_bytes(b'\x00' * 1000)
    return path


def test_create_blob_upload(fault_servers: Tuple[FaultServer, FaultServer], tmp_path: Path) -> None:
    server, _ = fault_servers
    server.script(NOT_HERE, slow_headers(SLOW, CREATED))
    with ollama.Client(server.url, timeout=TIMEOUT) as client, pytest.raises(ollama.TotalTimeout):
        client.create_blob(_file(tmp_path))


async def test_async_create_blob_upload(fault_servers: Tuple[FaultServer, FaultServer], tmp_path: Path) -> None:
    server, _ = fault_servers
    server.script(NOT_HERE, slow_headers(SLOW, CREATED))
    async with ollama.AsyncClient(server.url, timeout=TIMEOUT) as client:
        with pytest.raises(ollama.TotalTimeout):
            await client.create_blob(_file(tmp_path))


def test_blob_exists_and_liveness(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(slow_headers(SLOW, reply(200, b'')), slow_headers(SLOW, reply(200, b'Ollama is running')))
    with ollama.Client(server.url, timeout=TIMEOUT) as client:
        with pytest.raises(ollama.TotalTimeout):
            client.blob_exists(DIGEST)
        with pytest.raises(ollama.TotalTimeout):
            client.heartbeat()
    server.script(slow_headers(SLOW, reply(200, b'')))
    with ollama.Client(server.url, timeout=TIMEOUT) as client:
        assert client.is_running() is False


async def test_async_blob_exists_and_liveness(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(slow_headers(SLOW, reply(200, b'')), slow_headers(SLOW, reply(200, b'Ollama is running')))
    async with ollama.AsyncClient(server.url, timeout=TIMEOUT) as client:
        with pytest.raises(ollama.TotalTimeout):
            await client.blob_exists(DIGEST)
        with pytest.raises(ollama.TotalTimeout):
            await client.heartbeat()
    server.script(slow_headers(SLOW, reply(200, b'')))
    async with ollama.AsyncClient(server.url, timeout=TIMEOUT) as client:
        assert await client.is_running() is False
