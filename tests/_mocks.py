"""Mock transports shared by the unit tests."""

from __future__ import annotations

import contextlib
import inspect
import types
from typing import Any, Iterator


@contextlib.contextmanager
def aiohttp_mock() -> Iterator[Any]:
    """``aioresponses()``, made to work with aiohttp 3.14, whose ``ClientResponse`` requires a
    ``stream_writer`` that aioresponses 0.7.9 does not pass (pnuckowski/aioresponses#289)."""
    import aiohttp
    from aioresponses import aioresponses, core

    needs_writer = 'stream_writer' in inspect.signature(aiohttp.ClientResponse.__init__).parameters

    class Response(aiohttp.ClientResponse):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            if needs_writer:
                kwargs.setdefault('stream_writer', types.SimpleNamespace(output_size=0))
            super().__init__(*args, **kwargs)

    original = core.ClientResponse
    core.ClientResponse = Response
    try:
        with aioresponses() as mock:
            yield mock
    finally:
        core.ClientResponse = original


async def sent_body(data: Any) -> bytes:
    """The bytes of a recorded request body: aioresponses 0.7.9 drains an async body into bytes before
    recording it, earlier releases (the ones for Python 3.8) record the async iterable itself, unread."""
    if hasattr(data, '__aiter__'):
        return b''.join([piece async for piece in data])
    return bytes(data)
