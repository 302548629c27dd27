"""``create_blob(progress=...)`` hears of the upload as the file is read for sending, ends at the file's size,
and leaves the request as it was: the whole file, a Content-Length on the sync client. Nothing is reported
when the server already has the blob."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import List, Tuple

import pytest
from aiohttp import web

import ollama_lite as ollama
from tests._live import LiveServer

SIZE = 3 * (1 << 20) + 12_345  # several pieces, the last a short one


def _blob(live: LiveServer, tmp_path: Path, *, present: bool) -> Tuple[Path, str]:
    path = tmp_path / 'weights.gguf'
    path.write_bytes(bytes(range(251)) * (SIZE // 251) + b'x' * (SIZE % 251))
    digest = 'sha256:' + hashlib.sha256(path.read_bytes()).hexdigest()

    @live.route('HEAD', f'/api/blobs/{digest}')
    async def head(request: web.Request) -> web.StreamResponse:
        return web.Response(status=200 if present else 404)

    @live.route('POST', f'/api/blobs/{digest}')
    async def upload(request: web.Request) -> web.StreamResponse:
        return web.Response(status=201)

    return path, digest


def _check(calls: List[Tuple[int, int]]) -> None:
    assert len(calls) > 2
    assert all(total == SIZE for _, total in calls)
    sent = [done for done, _ in calls]
    assert sent == sorted(set(sent)) and sent[0] > 0 and sent[-1] == SIZE


def test_sync_progress(live: LiveServer, tmp_path: Path) -> None:
    path, digest = _blob(live, tmp_path, present=False)
    calls: List[Tuple[int, int]] = []
    with ollama.Client(live.url) as client:
        assert client.create_blob(path, progress=lambda done, total: calls.append((done, total))) == digest
    _check(calls)
    sent = live.requests[1]
    assert hashlib.sha256(sent['body']).hexdigest() == digest.split(':')[1]
    assert sent['headers'].get('Content-Length') == str(SIZE)


async def test_async_progress(live: LiveServer, tmp_path: Path) -> None:
    path, digest = _blob(live, tmp_path, present=False)
    calls: List[Tuple[int, int]] = []
    async with ollama.AsyncClient(live.url) as client:
        assert await client.create_blob(path, progress=lambda done, total: calls.append((done, total))) == digest
    _check(calls)
    assert hashlib.sha256(live.requests[1]['body']).hexdigest() == digest.split(':')[1]


@pytest.mark.parametrize('transport', ['sync', 'async'])
async def test_no_progress_when_the_server_has_the_blob(live: LiveServer, tmp_path: Path, transport: str) -> None:
    path, digest = _blob(live, tmp_path, present=True)
    calls: List[Tuple[int, int]] = []
    if transport == 'sync':
        with ollama.Client(live.url) as client:
            assert client.create_blob(path, progress=lambda *a: calls.append(a)) == digest
    else:
        async with ollama.AsyncClient(live.url) as client:
            assert await client.create_blob(path, progress=lambda *a: calls.append(a)) == digest
    assert calls == []
    assert [r['method'] for r in live.requests] == ['HEAD']
