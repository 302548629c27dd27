"""The floor: requests and aiohttp with ``json.loads`` and a hand-written NDJSON splitter, nothing else."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Iterable, Iterator, List, Tuple

import requests
from _shared import CHAT_MODEL, MESSAGES

NAME = 'raw'
_HEADERS = {'Content-Type': 'application/json', 'Accept': 'application/json'}


def _body(model: str, stream: bool) -> bytes:
    return json.dumps({'model': model, 'messages': MESSAGES, 'stream': stream}).encode()


def _feed(buf: bytes, data: bytes) -> Tuple[bytes, List[Any]]:
    """Add one read to the unfinished line ``buf``: the new unfinished line, and the objects completed."""
    if b'\n' not in data:
        return buf + data, []
    lines = (buf + data).split(b'\n') if buf else data.split(b'\n')
    return lines.pop(), [json.loads(line) for line in lines if line]


def _split(chunks: Iterable[bytes]) -> Iterator[Any]:
    buf = b''
    for data in chunks:
        buf, objs = _feed(buf, data)
        yield from objs
    if buf.strip():
        yield json.loads(buf)


def open_sync(base: str) -> Any:
    session = requests.Session()
    session.base = base  # type: ignore[attr-defined]
    return session


def close_sync(session: Any) -> None:
    session.close()


def chat(session: Any) -> str:
    r = session.post(session.base + '/api/chat', data=_body(CHAT_MODEL, False), headers=_HEADERS)
    r.raise_for_status()
    return json.loads(r.content)['message']['content']


def stream(session: Any, model: str) -> Iterator[Any]:
    with session.post(session.base + '/api/chat', data=_body(model, True), headers=_HEADERS, stream=True) as r:
        r.raise_for_status()
        yield from _split(r.iter_content(chunk_size=None))


def content(chunk: Any) -> str:
    return chunk['message']['content']


def embed(session: Any, model: str, inputs: List[str]) -> int:
    body = json.dumps({'model': model, 'input': inputs}).encode()
    r = session.post(session.base + '/api/embed', data=body, headers=_HEADERS)
    r.raise_for_status()
    return len(json.loads(r.content)['embeddings'])


async def open_async(base: str) -> Any:
    import aiohttp

    return aiohttp.ClientSession(base, headers=_HEADERS)


async def close_async(session: Any) -> None:
    await session.close()


async def achat(session: Any) -> str:
    async with session.post('/api/chat', data=_body(CHAT_MODEL, False)) as r:
        r.raise_for_status()
        return json.loads(await r.read())['message']['content']


async def _asplit(session: Any, model: str) -> AsyncIterator[Any]:
    async with session.post('/api/chat', data=_body(model, True)) as r:
        r.raise_for_status()
        buf = b''
        async for data in r.content.iter_any():
            buf, objs = _feed(buf, data)
            for obj in objs:
                yield obj
        if buf.strip():
            yield json.loads(buf)


async def astream(session: Any, model: str) -> AsyncIterator[Any]:
    return _asplit(session, model)
