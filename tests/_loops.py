"""Running a coroutine from a sync test without disturbing the event loop pytest-asyncio keeps set."""

from __future__ import annotations

import asyncio
from typing import Awaitable, TypeVar

T = TypeVar('T')


def run_async(coro: Awaitable[T]) -> T:
    """``coro`` run to the end in a loop of its own, as ``asyncio.run`` would, but leaving the current loop set.

    asyncio.run replaces the current loop and drops it unclosed, which pytest-asyncio (on Python 3.8) leaves
    set after each async test: the dropped loop's sockets would then be reported as leaked by a later test.
    """
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
