"""pytest fixtures that run the Ollama emulator for one test.

Enable with ``pytest -p ollama_lite.testing.pytest_plugin``, or with
``pytest_plugins = ['ollama_lite.testing.pytest_plugin']`` in the top ``conftest.py``. Then::

    def test_chat(ollama_emulator):
        ollama_emulator.emulator.reply(Reply.text('Hi!'))
        client = ollama_lite.Client(host=ollama_emulator)
        ...

``async_ollama_emulator`` does the same in the test's event loop (it needs pytest-asyncio). Choose the models or
the token delay with a marker: ``@pytest.mark.ollama_emulator(models=['qwen3'], token_delay=0.01)``.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Iterator

import pytest

from ._emulator import Emulator, EmulatorURL

_MARKER = 'ollama_emulator'


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that configures the fixtures."""
    config.addinivalue_line('markers', f'{_MARKER}(models=None, token_delay=0.0): configure the Ollama emulator')


def _options(request: pytest.FixtureRequest) -> Dict[str, Any]:
    marker = request.node.get_closest_marker(_MARKER)
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
def ollama_emulator(request: pytest.FixtureRequest) -> Iterator[EmulatorURL]:
    """A running emulator for this test: its base URL, which carries ``.emulator`` for scripting."""
    with Emulator(**_options(request)).running() as url:
        yield url


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - depends on what the user installed

    @pytest.fixture(name='async_ollama_emulator')
    def _async_ollama_emulator_unavailable() -> None:
        """Skips: this fixture needs pytest-asyncio."""
        pytest.skip('async_ollama_emulator needs pytest-asyncio')

else:

    @pytest_asyncio.fixture
    async def async_ollama_emulator(request: pytest.FixtureRequest) -> AsyncIterator[EmulatorURL]:
        """A running emulator in the test's event loop: its base URL, which carries ``.emulator``."""
        async with Emulator(**_options(request)).running_async() as url:
            yield url
