"""ollama_lite, from this working tree, used as its README shows."""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterator, List

from _shared import CHAT_MODEL, MESSAGES

import ollama_lite

NAME = 'ollama_lite'


def open_sync(base: str) -> Any:
    return ollama_lite.Client(base)


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
    # Raises AttributeError/ImportError until the async client exists; the worker reports "n/a".
    return ollama_lite.AsyncClient(base)


async def close_async(client: Any) -> None:
    await client.close()


async def achat(client: Any) -> str:
    return (await client.chat(CHAT_MODEL, MESSAGES)).message.content


async def astream(client: Any, model: str) -> AsyncIterator[Any]:
    return await client.chat(model, MESSAGES, stream=True)
