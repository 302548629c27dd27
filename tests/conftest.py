from __future__ import annotations

from typing import Iterator

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


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own OLLAMA_HOST or API key must not leak into what the tests see.
    monkeypatch.delenv('OLLAMA_HOST', raising=False)
    monkeypatch.delenv('OLLAMA_API_KEY', raising=False)
