"""The line floor: requests' ``iter_lines`` and aiohttp's line reader, with ``json.loads`` or ``orjson.loads``.

What a hand-written client usually does for an NDJSON stream; ``use('json')`` or ``use('orjson')`` picks the
parser. Everything but streaming comes from ``_raw``.
"""

from __future__ import annotations

import importlib
from typing import Any, AsyncIterator, Callable, Iterator

from _raw import _HEADERS, _body, close_async, close_sync, content, open_async, open_sync

__all__ = ['astream', 'close_async', 'close_sync', 'content', 'open_async', 'open_sync', 'stream', 'use']

NAME = ''
_loads: Callable[[bytes], Any] = importlib.import_module('json').loads


def use(parser: str, name: str) -> None:
    """Parse each line with ``parser`` (``json`` or ``orjson``), reported as ``name``."""
    global NAME, _loads
    _loads = importlib.import_module(parser).loads
    NAME = name


def stream(session: Any, model: str) -> Iterator[Any]:
    loads = _loads
    with session.post(session.base + '/api/chat', data=_body(model, True), headers=_HEADERS, stream=True) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line:
                yield loads(line)


async def _lines(session: Any, model: str) -> AsyncIterator[Any]:
    loads = _loads
    async with session.post('/api/chat', data=_body(model, True)) as r:
        r.raise_for_status()
        async for line in r.content:  # aiohttp's readline
            if line.strip():
                yield loads(line)


async def astream(session: Any, model: str) -> AsyncIterator[Any]:
    return _lines(session, model)
