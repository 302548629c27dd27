"""Checked by mypy, never run: what a type checker sees of the batch methods (see test_typing.py)."""

from __future__ import annotations

from typing import AsyncGenerator, Generator, List, Union

from typing_extensions import assert_type

import ollama_lite as ollama

CONVERSATIONS = [[{'role': 'user', 'content': 'hi'}]]


def sync_batches(client: ollama.Client) -> None:
    assert_type(client.embed_many('m', ['a', 'b']), ollama.EmbedManyResponse)
    assert_type(client.embed_many('m', ['a']).embeddings, List[Union[List[float], BaseException]])
    assert_type(client.iter_embed_many('m', iter(['a'])), Generator[Union[List[float], BaseException], None, None])
    assert_type(client.chat_many('m', CONVERSATIONS), List[ollama.ChatResponse])
    assert_type(client.chat_many('m', CONVERSATIONS, on_error='raise'), List[ollama.ChatResponse])
    assert_type(
        client.chat_many('m', CONVERSATIONS, on_error='return'), List[Union[ollama.ChatResponse, BaseException]]
    )
    assert_type(client.iter_chat_many('m', CONVERSATIONS), Generator[ollama.ChatResponse, None, None])
    assert_type(client.generate_many('m', ['p']), List[ollama.GenerateResponse])
    assert_type(
        client.iter_generate_many('m', ['p'], on_error='return'),
        Generator[Union[ollama.GenerateResponse, BaseException], None, None],
    )
    assert_type(ollama.chat_many('m', CONVERSATIONS), List[ollama.ChatResponse])
    assert_type(ollama.embed_many('m', ['a']), ollama.EmbedManyResponse)
    client.chat_many('m', CONVERSATIONS, on_error='ignore')  # type: ignore[call-overload]
    client.embed_many('m', ['a'], batch_size='8')  # type: ignore[arg-type]


async def async_batches(client: ollama.AsyncClient) -> None:
    assert_type(await client.embed_many('m', ['a']), ollama.EmbedManyResponse)
    assert_type(await client.iter_embed_many('m', ['a']), AsyncGenerator[Union[List[float], BaseException], None])
    assert_type(await client.chat_many('m', CONVERSATIONS), List[ollama.ChatResponse])
    assert_type(
        await client.generate_many('m', ['p'], on_error='return'), List[Union[ollama.GenerateResponse, BaseException]]
    )
    assert_type(await client.iter_chat_many('m', CONVERSATIONS), AsyncGenerator[ollama.ChatResponse, None])
