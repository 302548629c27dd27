"""The batch runner of the async client: the plan of :mod:`._batch`, its requests as tasks in the running loop.

At most ``plan.limit`` requests are in flight (the plan counts them, as a semaphore would, and lowers the count
when the server says it is busy). Cancelling the call, or closing the iterator early, cancels the requests in
flight and waits for them to end, so the client's connections are left clean and the client stays usable. The
runner reaches the client through :class:`AsyncBatchClient`, a protocol, so it never imports the client.
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
    Protocol,
    Sequence,
    TypeVar,
    Union,
)

from ._batch import (
    EmbedManyResponse,
    EmbedTotals,
    OnError,
    Plan,
    Progress,
    Work,
    check_request_options,
    concurrency_for,
    embed_plan,
    item_plan,
    progress_caller,
)

__all__ = ['AsyncBatchClient', 'collect', 'embed_many', 'iter_embed_many', 'iter_many']

T = TypeVar('T')
R = TypeVar('R')


class AsyncBatchClient(Protocol):
    """What the runner needs of an ``AsyncClient``."""

    # Properties, so that the clients' overloaded methods fit whatever their overloads say.
    @property
    def embed(self) -> Callable[..., Any]: ...

    @property
    def chat(self) -> Callable[..., Any]: ...

    @property
    def generate(self) -> Callable[..., Any]: ...

    def _parallelism(self) -> int: ...


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
            for task in done:
                work = in_flight.pop(task)
                error = task.exception()
                if error is None:
                    plan.succeeded(work, task.result())
                else:
                    plan.failed(work, error)
            tell()
        if plan.error is not None:
            raise plan.error
    finally:
        for task in in_flight:
            task.cancel()
        if in_flight:
            # The cancelled requests close their connections as they end; wait for that, whatever they raise.
            await asyncio.wait(in_flight)


def iter_embed_many(
    client: AsyncBatchClient,
    model: str,
    inputs: Iterable[str],
    *,
    batch_size: int,
    concurrency: Optional[int],
    progress: Optional[Progress],
    on_error: OnError,
    totals: Optional[EmbedTotals] = None,
    **embed_options: Any,
) -> AsyncGenerator[Union[List[float], BaseException], None]:
    """The embeddings of ``inputs`` in order, as they are ready: see ``AsyncClient.iter_embed_many``."""
    plan = embed_plan(inputs, batch_size, concurrency_for(concurrency, client._parallelism()), on_error, progress)
    counted = EmbedTotals(model) if totals is None else totals
    truncate, options, keep_alive, dimensions = (
        embed_options['truncate'], embed_options['options'], embed_options['keep_alive'], embed_options['dimensions']
    )  # fmt: skip

    async def send(work: Work[str]) -> List[List[float]]:
        reply = await client.embed(model, work.items, truncate, options, keep_alive, dimensions)
        return counted.add(reply)

    # Bound first: mypy 1.14 would otherwise take the result type from the return annotation, not the plan.
    results = run(plan, send, progress)
    return results  # noqa: RET504


async def embed_many(
    client: AsyncBatchClient, model: str, inputs: Iterable[str], **arguments: Any
) -> EmbedManyResponse:
    """All the embeddings of ``inputs``, in order, with the counters summed: see ``AsyncClient.embed_many``."""
    totals = EmbedTotals(model)
    return totals.response(await collect(iter_embed_many(client, model, inputs, totals=totals, **arguments)))


def iter_many(
    client: AsyncBatchClient,
    verb: str,
    model: str,
    items: Iterable[Any],
    *,
    concurrency: Optional[int],
    progress: Optional[Progress],
    on_error: OnError,
    **options: Any,
) -> AsyncGenerator[Any, None]:
    """One ``chat`` or ``generate`` per item, the replies in order: see ``AsyncClient.chat_many``."""
    method = client.chat if verb == 'chat' else client.generate
    check_request_options(method, options, model, None)
    what = 'conversations' if verb == 'chat' else 'prompts'
    parallel = concurrency_for(concurrency, client._parallelism())
    plan: Plan[Any, Any] = item_plan(items, what, parallel, on_error, progress)

    async def send(work: Work[Any]) -> List[Any]:
        return [await method(model, work.items[0], **options)]

    return run(plan, send, progress)


async def collect(results: AsyncGenerator[R, None]) -> List[R]:
    """Every item of a run, in order; closing the run however the collecting ends (cancelled midway, the
    requests in flight are cancelled now, not when the generator is collected)."""
    try:
        return [result async for result in results]
    finally:
        await results.aclose()
