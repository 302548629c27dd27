"""An Ollama server emulator for tests and demos: the whole HTTP API, in memory, on 127.0.0.1.

Run it around synchronous code, in the running event loop, or from pytest::

    from ollama_lite.testing import Reply, emulator

    with emulator() as url:                      # url is a str: 'http://127.0.0.1:PORT'
        url.emulator.reply(Reply.text('Hi!'))    # the next chat or generate answers 'Hi!'
        ...                                      # point any Ollama client at url
        assert url.emulator.requests[-1].path == '/api/chat'

``async with async_emulator() as url:`` does the same in the current loop; ``Emulator().app`` is the bare aiohttp
application; the pytest plugin ``ollama_lite.testing.pytest_plugin`` offers the fixtures ``ollama_emulator`` and
``async_ollama_emulator``; :func:`serve` runs one in the foreground. The emulator needs aiohttp and nothing else
from ollama_lite.
"""

from .._extras import aiohttp_missing

try:
    from ._emulator import EMULATED_VERSION, Emulator, EmulatorURL, async_emulator, emulator, serve
except ModuleNotFoundError as exc:  # the async extra is not installed
    raise aiohttp_missing(exc, 'ollama_lite.testing (the Ollama emulator)') from None
from ._registry import DEFAULT_MODELS, ModelSpec
from ._script import RecordedRequest, Reply

__all__ = [
    'DEFAULT_MODELS',
    'EMULATED_VERSION',
    'Emulator',
    'EmulatorURL',
    'ModelSpec',
    'RecordedRequest',
    'Reply',
    'async_emulator',
    'emulator',
    'serve',
]
