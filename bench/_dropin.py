"""A client with the official client's API, used as its README shows: ollama_lite (from the tree under test)
or the official ``ollama`` package (httpx + pydantic). One adapter serves both, so both run the very same
calls; ``use()`` picks the package.
"""

from __future__ import annotations

import importlib
from typing import Any, AsyncIterator, Iterator, List

from _shared import CHAT_MODEL, MESSAGES

NAME = ''
_package: Any = None


def use(package: str, name: str) -> None:
    """Bind the adapter to ``package`` (``ollama_lite`` or ``ollama``), reported as ``name``."""
    global NAME, _package
    _package = importlib.import_module(package)
    NAME = name
    if name == 'ollama_lite_json':
        # As without the speedups extra installed: the standard library's json alone.
        speedups = importlib.import_module('ollama_lite._speedups')
        speedups.loads = speedups.dumps_str = None


def open_sync(base: str) -> Any:
    return _package.Client(base)


def close_sync(client: Any) -> None:
    client.close()


def chat(client: Any) -> str:
    return client.chat(CHAT_MODEL, MESSAGES).message.content


def stream(client: Any, model: str) -> Iterator[Any]:
    return client.chat(model, MESSAGES, stream=True)


def content(chunk: Any) -> str:
    return chunk.message.content


def embed(client: Any, model: str, inputs: List[str]) -> int:
    return len(client.embed(model, inputs).embeddings)


async def open_async(base: str) -> Any:
    return _package.AsyncClient(base)


async def close_async(client: Any) -> None:
    await client.close()


async def achat(client: Any) -> str:
    return (await client.chat(CHAT_MODEL, MESSAGES)).message.content


async def astream(client: Any, model: str) -> AsyncIterator[Any]:
    return await client.chat(model, MESSAGES, stream=True)
