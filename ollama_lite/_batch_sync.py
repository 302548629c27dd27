"""The batch runner of the sync client: the plan of :mod:`._batch`, its requests on a bounded thread pool.

The worker threads call the client's own ``embed``/``chat``/``generate``, so every request shares the client's
requests session and connection pool (a ``Client`` is thread-safe) and goes through its retry policy. The
calling thread hands out the work, takes the outcomes back and yields the results in input order. The runner
reaches the client through :class:`._batch.BatchClient`, a protocol, so it never imports the client.
"""

from __future__ import annotations

import concurrent.futures
from typing import Any, Callable, Dict, Generator, Iterable, List, Optional, Sequence, TypeVar, Union

from ._batch import (
    BatchClient,
    BatchResults,
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


def run(
    plan: Plan[T, R], send: Callable[[Work[T]], Sequence[R]], progress: Optional[Progress]
) -> Generator[Union[R, BaseException], None, None]:
    """Drive ``plan``: send its work on at most ``plan.limit`` threads, yield the results in input order.

    Raises the plan's ``BatchItemError`` (``on_error='raise'``) once the requests still in flight have ended.
    Closing the iterator early waits for the requests in flight and sends no more.
    """
    tell = progress_caller(progress, plan)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=plan.limit, thread_name_prefix='ollama_lite-batch')
    in_flight: Dict[concurrent.futures.Future[Sequence[R]], Work[T]] = {}
    try:
        while True:
            # What is ready goes first: handing it back makes room in the window for more inputs.
            yield from plan.ready()
            work = plan.next_work()
            while work is not None:
                in_flight[pool.submit(send, work)] = work
                work = plan.next_work()
            if plan.finished:
                break
            done, _ = concurrent.futures.wait(in_flight, return_when=concurrent.futures.FIRST_COMPLETED)
            settle(plan, done, in_flight)
            tell()
        if plan.error is not None:
            raise plan.error
    finally:
        # Each thread holds one request; none is queued behind them (at most plan.limit are submitted).
        pool.shutdown(wait=True)


# --- The entry points: generated from _batch_async.py by `python -m tests._twins`; edit them there ---


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
) -> BatchResults[Union[List[float], BaseException]]:
    """The embeddings of ``inputs`` in order, as they are ready: see the client's ``iter_embed_many``."""
    plan, counted, given = embed_run(
        client, model, inputs, batch_size, concurrency, on_error, progress, totals, embed_options
    )

    def send(work: Work[str]) -> List[List[float]]:
        reply = client.embed(model, work.items, *given)
        return counted.add(reply)

    # Bound first: mypy 1.14 would otherwise take the result type from the return annotation, not the plan.
    results = run(plan, send, progress)
    return results  # noqa: RET504


def embed_many(client: BatchClient, model: str, inputs: Iterable[str], **arguments: Any) -> EmbedManyResponse:
    """All the embeddings of ``inputs``, in order, with the counters summed: see the client's ``embed_many``."""
    totals = EmbedTotals(model)
    return totals.response(collect(iter_embed_many(client, model, inputs, totals=totals, **arguments)))


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
) -> BatchResults[Any]:
    """One ``chat`` (``verb='chat'``) or ``generate`` per item, the replies in order: see the client's
    ``chat_many``."""
    plan, method = item_run(client, verb, model, items, concurrency, on_error, progress, options)

    def send(work: Work[Any]) -> List[Any]:
        return [method(model, work.items[0], **options)]

    return run(plan, send, progress)


# --- end of the generated entry points ---


def collect(results: Iterable[R]) -> List[R]:
    """Every item of a run, in order (the sync twin of :func:`._batch_async.collect`)."""
    return list(results)
