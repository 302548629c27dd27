"""The batch runner of the async client: the plan of :mod:`._batch`, its requests as tasks in the running loop.

At most ``plan.limit`` requests are in flight (the plan counts them, as a semaphore would, and lowers the count
when the server says it is busy). Cancelling the call, or closing the iterator early, cancels the requests in
flight and waits for them to end, so the client's connections are left clean and the client stays usable. The
runner reaches the client through :class:`._batch.BatchClient`, a protocol, so it never imports the client.
"""

from __future__ import annotations

import asyncio
from typing import (
    Any,
    AsyncGenerator,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    TypeVar,
    Union,
)

from ._batch import (
    AsyncBatchResults,
    BatchClient,
    EmbedManyResponse,
    EmbedTotals,
    OnError,
    Plan,
    Progress,
    Work,
    embed_run,
    item_run,
    progress_caller,
    settle,
)

__all__ = ['collect', 'embed_many', 'iter_embed_many', 'iter_many']

T = TypeVar('T')
R = TypeVar('R')


async def run(
    plan: Plan[T, R], send: Callable[[Work[T]], Awaitable[Sequence[R]]], progress: Optional[Progress]
) -> AsyncGenerator[Union[R, BaseException], None]:
    """Drive ``plan`` with tasks; yield the results in input order (see :func:`._batch_sync.run`)."""
    tell = progress_caller(progress, plan)
    in_flight: Dict[asyncio.Future[Sequence[R]], Work[T]] = {}
    try:
        while True:
            # What is ready goes first: handing it back makes room in the window for more inputs.
            for result in plan.ready():
                yield result
            work = plan.next_work()
            while work is not None:
                in_flight[asyncio.ensure_future(send(work))] = work
                work = plan.next_work()
            if plan.finished:
                break
            done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
            settle(plan, done, in_flight)
            tell()
        if plan.error is not None:
            raise plan.error
    finally:
        for task in in_flight:
            task.cancel()
        if in_flight:
            # The cancelled requests close their connections as they end; wait for that, whatever they raise.
            await asyncio.wait(in_flight)


# --- The entry points, written once: `python -m tests._twins` writes their sync twins into _batch_sync.py ---
def iter_embed_many(
    client: BatchClient,
    model: str,
    inputs: Iterable[str],
    *,
    batch_size: int,
    concurrency: Optional[int],
    progress: Optional[Progress],
    on_error: OnError,
    totals: Optional[EmbedTotals] = None,
    **embed_options: Any,
) -> AsyncBatchResults[Union[List[float], BaseException]]:
    """The embeddings of ``inputs`` in order, as they are ready: see the client's ``iter_embed_many``."""
    plan, counted, given = embed_run(
        client, model, inputs, batch_size, concurrency, on_error, progress, totals, embed_options
    )

    async def send(work: Work[str]) -> List[List[float]]:
        reply = await client.embed(model, work.items, *given)
        return counted.add(reply)

    # Bound first: mypy 1.14 would otherwise take the result type from the return annotation, not the plan.
    results = run(plan, send, progress)
    return results  # noqa: RET504


async def embed_many(client: BatchClient, model: str, inputs: Iterable[str], **arguments: Any) -> EmbedManyResponse:
    """All the embeddings of ``inputs``, in order, with the counters summed: see the client's ``embed_many``."""
    totals = EmbedTotals(model)
    return totals.response(await collect(iter_embed_many(client, model, inputs, totals=totals, **arguments)))


def iter_many(
    client: BatchClient,
    verb: str,
    model: str,
    items: Iterable[Any],
    *,
    concurrency: Optional[int],
    progress: Optional[Progress],
    on_error: OnError,
    **options: Any,
) -> AsyncBatchResults[Any]:
    """One ``chat`` (``verb='chat'``) or ``generate`` per item, the replies in order: see the client's
    ``chat_many``."""
    plan, method = item_run(client, verb, model, items, concurrency, on_error, progress, options)

    async def send(work: Work[Any]) -> List[Any]:
        return [await method(model, work.items[0], **options)]

    return run(plan, send, progress)


# --- end of the entry points ---


async def collect(results: AsyncGenerator[R, None]) -> List[R]:
    """Every item of a run, in order; closing the run however the collecting ends (cancelled midway, the
    requests in flight are cancelled now, not when the generator is collected)."""
    try:
        return [result async for result in results]
    finally:
        await results.aclose()
