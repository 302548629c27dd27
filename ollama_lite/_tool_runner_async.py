"""The tool runner's async driver: the loop of :mod:`._tool_runner`, with an ``AsyncClient``'s ``chat``.

The calls of one reply run concurrently (``parallel=True``): ``async def`` tools in the running loop, plain
functions in the loop's default executor, so a slow function never blocks the loop. Their results go back in
the model's order whatever order they finish in.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import time
from typing import Any, AsyncGenerator, AsyncIterator, Callable, List, Protocol, Union

from ._tool_runner import (
    ToolCallRecord,
    ToolResultEvent,
    ToolRun,
    ToolRunItem,
    _Loop,
    _Pending,
    _Reply,
)
from ._types import ChatResponse


class AsyncChatChunks(Protocol):
    """What the runner needs of ``AsyncClient.chat(..., stream=True)``'s ``AsyncStream``: its chunks, and
    closing it (a protocol, so that the runner never imports the client)."""

    def __aiter__(self) -> AsyncIterator[ChatResponse]: ...

    async def __anext__(self) -> ChatResponse: ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> AsyncChatChunks: ...

    async def __aexit__(self, *exc_info: object) -> None: ...


__all__ = ['AsyncToolRunStream', 'run_tools']


# --- The driver, written once: `python -m tests._twins` writes its sync twin into _tool_runner.py ---
async def run_tools(chat: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Union[ToolRun, AsyncToolRunStream]:
    """Run tools with a client's ``chat``; the other arguments are those of the client's ``run_tools``."""
    loop = _Loop(chat, *args, **kwargs)
    if loop.stream:
        # The first request goes out now, as chat(stream=True) sends its own: its errors raise here.
        first = await loop.chat(**loop.request(), stream=True)
        return AsyncToolRunStream(_streamed(loop, first), loop.run, first)
    while True:
        pending = loop.answered(await loop.chat(**loop.request()))
        if not pending:
            return loop.run
        loop.ran(await _run_calls(loop, pending))


# --- end of the driver ---


async def _streamed(loop: _Loop, chunks: AsyncChatChunks) -> AsyncGenerator[ToolRunItem, None]:
    while True:
        reply = _Reply()
        # Closing this generator at a yield leaves the async with block, which closes the HTTP stream.
        async with chunks:
            async for chunk in chunks:
                reply.add(chunk)
                yield chunk
        pending = loop.answered(reply.whole())
        if not pending:
            return
        for p in pending:
            yield p.event
        records = await _run_calls(loop, pending)
        for record in records:
            yield ToolResultEvent(record)
        loop.ran(records)
        chunks = await loop.chat(**loop.request(), stream=True)


async def _run_calls(loop: _Loop, pending: List[_Pending]) -> List[ToolCallRecord]:
    if loop.parallel:
        # gather keeps the order it was given; a failing call is a record, never an exception here.
        return list(await asyncio.gather(*(_run_call(p) for p in pending)))
    records = []
    for p in pending:
        records.append(await _run_call(p))
        if loop.stops_at(records[-1]):
            break
    return records


async def _run_call(pending: _Pending) -> ToolCallRecord:
    tool = pending.tool
    if tool is None or pending.error is not None:
        return pending.refused()
    started = time.perf_counter()
    try:
        if tool.is_async:
            result = await tool.func(*pending.args, **pending.kwargs)
        else:
            # A thread, so a blocking function leaves the loop free; the context goes along, as
            # asyncio.to_thread (Python 3.9+) would carry it.
            context = contextvars.copy_context()
            call = functools.partial(context.run, tool.func, *pending.args, **pending.kwargs)
            result = await asyncio.get_running_loop().run_in_executor(None, call)
    except Exception as exc:
        return pending.raised(exc, time.perf_counter() - started)
    return pending.returned(result, time.perf_counter() - started)


class AsyncToolRunStream(AsyncIterator[ToolRunItem]):
    """A streamed async tool run: each reply's chunks as they arrive, and between replies a
    ``ToolCallEvent`` for each call the model asked for and a ``ToolResultEvent`` once it ran.

    As with ``chat(stream=True)``, the first request is sent by ``await run_tools(...)`` itself, so its
    errors raise there. ``run`` is the ``ToolRun`` so far. ``await aclose()``,
    leaving an ``async with`` block or cancelling the task that iterates closes the current reply's
    connection, so the server stops generating, and ends the run. Raises what ``AsyncClient.run_tools``
    raises.

    >>> async for item in await client.run_tools('llama3.2', messages, [get_weather], stream=True): ...
    """

    def __init__(self, items: AsyncGenerator[ToolRunItem, None], run: ToolRun, first: AsyncChatChunks) -> None:
        self._items = items
        self._first = first
        self.run = run

    def __aiter__(self) -> AsyncToolRunStream:
        return self

    async def __anext__(self) -> ToolRunItem:
        return await self._items.__anext__()

    async def aclose(self) -> None:
        """End the run now, closing the current reply's connection. Closing twice is harmless."""
        await self._items.aclose()
        # Before the first __anext__ the generator holds nothing yet: the first reply is closed here.
        await self._first.aclose()

    async def __aenter__(self) -> AsyncToolRunStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
