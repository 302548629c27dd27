"""pytest fixtures that run the Ollama emulator for one test.

Enable with ``pytest -p ollama_lite.testing.pytest_plugin``, or with
``pytest_plugins = ['ollama_lite.testing.pytest_plugin']`` in the top ``conftest.py``. Then::

    def test_chat(ollama_emulator):
        ollama_emulator.emulator.reply(Reply.text('Hi!'))
        client = ollama_lite.Client(host=ollama_emulator)
        ...

``async_ollama_emulator`` does the same in the test's event loop (it needs pytest-asyncio); an ``async def`` test
that uses it runs as an asyncio test without ``@pytest.mark.asyncio``, in strict mode as in auto mode. Choose the
models or the token delay with a marker: ``@pytest.mark.ollama_emulator(models=['qwen3'], token_delay=0.01)``.
"""

from __future__ import annotations

import inspect
from typing import Any, AsyncIterator, Dict, Generator, Iterator

import pytest

from ._emulator import Emulator, EmulatorURL

_MARKER = 'ollama_emulator'
_FIXTURE = 'async_ollama_emulator'


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

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> Generator[None, Any, None]:
        """Mark ``async def`` tests that use ``async_ollama_emulator`` with ``asyncio``, as auto mode would, so
        that they run in strict mode too without ``@pytest.mark.asyncio``.

        Innermost of the hook's wrappers (``trylast``): the marker is on the items before pytest-asyncio's own
        wrapper looks for it to make them coroutine tests.
        """
        outcome = yield
        result = outcome.get_result()
        if not inspect.iscoroutinefunction(obj) or not result:
            return
        for item in result if isinstance(result, list) else [result]:
            if (
                isinstance(item, pytest.Function)
                and _FIXTURE in item.fixturenames
                and item.get_closest_marker('asyncio') is None
            ):
                item.add_marker('asyncio')
