"""Fixtures of the integration suites: the misbehaving servers of the fault-injection tables."""

from __future__ import annotations

from typing import Iterator, Optional, Tuple

import pytest

from tests._faults import FaultServer, refused_port, stalled_port


@pytest.fixture(scope='session')
def _fault_servers_session() -> Iterator[Tuple[FaultServer, FaultServer]]:
    servers = FaultServer().start(), FaultServer().start()
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def fault_servers(_fault_servers_session: Tuple[FaultServer, FaultServer]) -> Iterator[Tuple[FaultServer, FaultServer]]:
    """Two scriptable servers on 127.0.0.1 (different ports, so different origins), scripts cleared;
    ``{other}`` in the first one's replies is the second one's URL."""
    server, other = _fault_servers_session
    for s in (server, other):
        s.reset()
    server.other_url = other.url
    yield server, other
    for s in (server, other):
        s.reset()


@pytest.fixture
def refused() -> Iterator[int]:
    """A port on 127.0.0.1 where connections are refused."""
    sock, port = refused_port()
    yield port
    sock.close()


@pytest.fixture(scope='session')
def stalled() -> Iterator[Optional[int]]:
    """A port on 127.0.0.1 where connecting hangs, or ``None`` where the platform cannot make one."""
    held, port = stalled_port()
    yield port
    for sock in held:
        sock.close()
