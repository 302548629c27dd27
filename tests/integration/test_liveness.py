"""The liveness checks ask once: a server that closes without replying gets one request, not the retries an
ordinary read-only call gets, and the answer comes without a backoff."""

from __future__ import annotations

from typing import Tuple

import pytest

import ollama_lite as ollama
from tests._faults import DROP, FaultServer


def test_is_running_asks_once(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(DROP, DROP, DROP)
    with ollama.Client(server.url) as client:
        assert client.is_running() is False
    assert [(r.method, r.path) for r in server.requests] == [('HEAD', '/api/version')]


def test_heartbeat_asks_once(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(DROP, DROP, DROP)
    with ollama.Client(server.url) as client, pytest.raises(ollama.ConnectError):
        client.heartbeat()
    assert [(r.method, r.path) for r in server.requests] == [('GET', '/')]


def test_an_ordinary_read_is_still_resent(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(DROP, DROP, DROP)
    client = ollama.Client(server.url, retries=ollama.Retry(total=2, backoff=0.01))
    with client, pytest.raises(ollama.ConnectError):
        client.version()
    assert len(server.requests) == 3


async def test_async_is_running_asks_once(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(DROP, DROP, DROP)
    async with ollama.AsyncClient(server.url) as client:
        assert await client.is_running() is False
    assert [(r.method, r.path) for r in server.requests] == [('HEAD', '/api/version')]


async def test_async_heartbeat_asks_once(fault_servers: Tuple[FaultServer, FaultServer]) -> None:
    server, _ = fault_servers
    server.script(DROP, DROP, DROP)
    async with ollama.AsyncClient(server.url) as client:
        with pytest.raises(ollama.ConnectError):
            await client.heartbeat()
    assert [(r.method, r.path) for r in server.requests] == [('GET', '/')]
