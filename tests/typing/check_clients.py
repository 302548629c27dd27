"""Checked by mypy, never run: what a type checker sees of the public API (see test_typing.py)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

from typing_extensions import assert_type

import ollama_lite as ollama


def sync_client(client: ollama.Client) -> None:
    assert_type(client.chat('m', [{'role': 'user', 'content': 'hi'}]), ollama.ChatResponse)
    assert_type(client.chat('m', stream=False), ollama.ChatResponse)
    assert_type(client.chat('m', stream=True), ollama.Stream[ollama.ChatResponse])
    for chunk in client.chat('m', stream=True):
        assert_type(chunk, ollama.ChatResponse)
        assert_type(chunk.message.content, 'str | None')
    assert_type(client.generate('m', 'p'), ollama.GenerateResponse)
    for part in client.generate('m', 'p', stream=True):
        assert_type(part, ollama.GenerateResponse)
    assert_type(client.pull('m'), ollama.ProgressResponse)
    assert_type(client.pull('m', stream=True), ollama.Stream[ollama.ProgressResponse])
    assert_type(client.push('m', stream=True), ollama.Stream[ollama.ProgressResponse])
    assert_type(client.create('m', from_='x'), ollama.ProgressResponse)
    assert_type(client.create('m', from_='x', stream=True), ollama.Stream[ollama.ProgressResponse])
    assert_type(client.embed('m', ['a']).embeddings, List[List[float]])
    assert_type(client.embeddings('m', 'a'), ollama.EmbeddingsResponse)
    assert_type(client.list(), ollama.ListResponse)
    assert_type(client.show('m'), ollama.ShowResponse)
    assert_type(client.ps(), ollama.ProcessResponse)
    assert_type(client.copy('a', 'b'), ollama.StatusResponse)
    assert_type(client.delete('a'), ollama.StatusResponse)
    assert_type(client.create_blob('f'), str)
    assert_type(client.web_search('q'), ollama.WebSearchResponse)
    assert_type(client.web_fetch('u'), ollama.WebFetchResponse)
    assert_type(client.server_web_search('q'), ollama.WebSearchResponse)
    assert_type(client.server_web_fetch('u'), ollama.WebFetchResponse)
    assert_type(client.status().cloud, 'ollama.CloudStatus | None')
    assert_type(client.whoami(), ollama.UserResponse)
    assert_type(client.signout(), ollama.StatusResponse)
    assert_type(client.model_recommendations(), ollama.ModelRecommendationsResponse)
    assert_type(client.is_running(), bool)
    assert_type(client.heartbeat(), str)
    assert_type(client.blob_exists('sha256:x'), bool)
    assert_type(client.chat('m', _debug_render_only=True).debug_info, 'ollama.DebugInfo | None')
    flag: bool = bool(client)
    assert_type(client.chat('m', stream=flag), 'ollama.ChatResponse | ollama.Stream[ollama.ChatResponse]')


async def async_client(client: ollama.AsyncClient) -> None:
    assert_type(await client.chat('m'), ollama.ChatResponse)
    stream = await client.chat('m', stream=True)
    assert_type(stream, ollama.AsyncStream[ollama.ChatResponse])
    async for chunk in stream:
        assert_type(chunk, ollama.ChatResponse)
    async for part in await client.generate('m', 'p', stream=True):
        assert_type(part, ollama.GenerateResponse)
    assert_type(await client.generate('m', 'p'), ollama.GenerateResponse)
    assert_type(await client.pull('m', stream=True), ollama.AsyncStream[ollama.ProgressResponse])
    assert_type(await client.embed('m', 'a'), ollama.EmbedResponse)
    assert_type(await client.list(), ollama.ListResponse)
    assert_type(await client.create_blob('f'), str)
    assert_type(await client.status(), ollama.ServerStatusResponse)
    assert_type(await client.whoami(), ollama.UserResponse)
    assert_type(await client.server_web_search('q'), ollama.WebSearchResponse)
    assert_type(await client.is_running(), bool)
    assert_type(await client.blob_exists('sha256:x'), bool)


def module_functions() -> None:
    assert_type(ollama.chat('m'), ollama.ChatResponse)
    assert_type(ollama.chat('m', stream=True), ollama.Stream[ollama.ChatResponse])
    assert_type(ollama.list(), ollama.ListResponse)
    assert_type(ollama.status(), ollama.ServerStatusResponse)
    assert_type(ollama.is_running(), bool)


def mapping_access(r: ollama.ChatResponse) -> None:
    value: Any = r['message']['content']
    assert_type(r.get('x'), Any)
    assert_type('x' in r, bool)
    assert_type(r.to_dict(), Dict[str, Any])
    del value


def several_hosts(client: ollama.Client, aclient: ollama.AsyncClient) -> None:
    pooled = ollama.Client(hosts=['a', {'host': 'b', 'headers': {'X': '1'}, 'auth': ('u', 'p')}], per_host=2)
    assert_type(pooled.chat('m', stream=True), ollama.Stream[ollama.ChatResponse])
    assert_type(client.host('a'), ollama.Client)
    assert_type(client.affinity('k').chat('m'), ollama.ChatResponse)
    assert_type(client.hosts, Tuple[ollama.HostStatus, ...])
    assert_type(client.pull_all('m'), Dict[str, ollama.ProgressResponse])
    assert_type(client.pull_all('m', stream=True), Iterator[ollama.ProgressResponse])
    assert_type(ollama.host_of(client.list().models[0]), Optional[str])
    assert_type(aclient.host('a'), ollama.AsyncClient)
    assert_type(aclient.affinity('k'), ollama.AsyncClient)
    assert_type(ollama.AsyncClient(hosts=['a', 'b'], queue_timeout=None).hosts, Tuple[ollama.HostStatus, ...])


async def several_hosts_async(client: ollama.AsyncClient) -> None:
    assert_type(await client.pull_all('m'), Dict[str, ollama.ProgressResponse])
    assert_type(await client.pull_all('m', stream=True), AsyncIterator[ollama.ProgressResponse])
