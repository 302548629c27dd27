"""The batch plan of ``_batch`` on its own: no I/O, every decision a plain call."""

from __future__ import annotations

from typing import Any, Iterator, List, Optional

import pytest

from ollama_lite import BatchItemError, RequestError, ResponseError
from ollama_lite._batch import (
    Plan,
    Work,
    check_inputs,
    check_options,
    concurrency_for,
    embed_plan,
    refused_for_its_input,
)

TOO_LONG = ResponseError('the input length exceeds the context length', 400)


def answer(work: Work[Any]) -> List[str]:
    return [f'r{work.start + k}' for k in range(len(work.items))]


def drive(plan: Plan[Any, Any], fail: Optional[Any] = None) -> List[Any]:
    """Hand out all work at once, answer it newest first (replies out of order), until the plan ends."""
    out: List[Any] = []
    while not plan.finished:
        batch = []
        work = plan.next_work()
        while work is not None:
            batch.append(work)
            work = plan.next_work()
        for work in reversed(batch):
            error = fail(work) if fail is not None else None
            if error is None:
                plan.succeeded(work, answer(work))
            else:
                plan.failed(work, error)
        out.extend(plan.ready())
    return out


def test_results_leave_in_input_order_whatever_order_they_arrive_in() -> None:
    plan: Plan[int, str] = Plan(range(10), batch_size=3, concurrency=2)
    assert drive(plan) == [f'r{i}' for i in range(10)]
    assert plan.done == 10 and plan.total == 10


def test_batches_hold_consecutive_inputs_and_at_most_concurrency_are_out() -> None:
    plan: Plan[int, str] = Plan(range(10), batch_size=4, concurrency=2)
    first, second = plan.next_work(), plan.next_work()
    assert first is not None and second is not None
    assert (first.start, first.items, second.start, second.items) == (0, [0, 1, 2, 3], 4, [4, 5, 6, 7])
    assert plan.next_work() is None  # two in flight: the limit
    plan.succeeded(first, answer(first))
    assert list(plan.ready()) == ['r0', 'r1', 'r2', 'r3']
    third = plan.next_work()
    assert third is not None and (third.start, third.items) == (8, [8, 9])


def test_an_iterator_is_read_no_further_than_concurrency_times_batch_size_ahead() -> None:
    read: List[int] = []

    def texts() -> Iterator[str]:
        for i in range(1000):
            read.append(i)
            yield f't{i}'

    plan: Plan[str, str] = Plan(texts(), batch_size=5, concurrency=3)
    assert plan.total is None
    works = [plan.next_work() for _ in range(3)]
    assert len(read) == 15
    # The last two come back, the first does not: nothing can be handed back, so nothing more is read.
    for work in works[1:]:
        assert work is not None
        plan.succeeded(work, answer(work))
    assert plan.next_work() is None
    assert list(plan.ready()) == [] and len(read) == 15
    assert works[0] is not None
    plan.succeeded(works[0], answer(works[0]))
    assert len(list(plan.ready())) == 15
    assert plan.next_work() is not None and len(read) == 20


def test_a_batch_refused_for_one_input_is_split_until_that_input_is_alone() -> None:
    bad = 5
    sent: List[List[int]] = []

    def fail(work: Work[int]) -> Optional[BaseException]:
        sent.append(work.items)
        return TOO_LONG if bad in work.items else None

    plan: Plan[int, str] = Plan(
        range(8), batch_size=8, concurrency=1, on_error='return', splittable=refused_for_its_input
    )
    out = drive(plan, fail)
    assert out[:bad] == [f'r{i}' for i in range(bad)] and out[bad + 1 :] == ['r6', 'r7']
    assert out[bad] is TOO_LONG
    assert sent == [list(range(8)), [0, 1, 2, 3], [4, 5, 6, 7], [4, 5], [4], [5], [6, 7]]
    # Nothing that succeeded was sent again.
    succeeded = [items for items in sent if bad not in items]
    assert sorted(i for items in succeeded for i in items) == [i for i in range(8) if i != bad]


def test_on_error_raise_names_the_index_and_hands_out_no_more_work() -> None:
    plan: Plan[int, str] = Plan(range(8), batch_size=4, concurrency=1, splittable=refused_for_its_input)
    out = drive(plan, lambda work: TOO_LONG if 6 in work.items else None)
    assert out == ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']  # in order, up to the failed input
    assert isinstance(plan.error, BatchItemError)
    assert (plan.error.index, plan.error.count, plan.error.error) == (6, 1, TOO_LONG)
    assert plan.error.__cause__ is TOO_LONG
    assert 'input 6 failed' in str(plan.error)
    assert plan.next_work() is None


def test_an_error_that_is_not_an_inputs_fault_answers_for_the_whole_batch() -> None:
    gone = ResponseError("model 'x' not found", 404)
    plan: Plan[int, str] = Plan(
        range(6), batch_size=3, concurrency=1, on_error='return', splittable=refused_for_its_input
    )
    out = drive(plan, lambda work: gone if work.start == 3 else None)
    assert out == ['r0', 'r1', 'r2', gone, gone, gone]

    plan = Plan(range(6), batch_size=3, concurrency=1, splittable=refused_for_its_input)
    drive(plan, lambda work: gone if work.start == 3 else None)
    assert plan.error is not None and (plan.error.index, plan.error.count) == (3, 3)
    assert 'inputs 3 to 5 failed' in str(plan.error)


def test_a_busy_refusal_halves_the_requests_in_flight_and_sends_the_work_again() -> None:
    busy = ResponseError('server busy, please try again.  maximum pending requests exceeded', 503)
    plan: Plan[int, str] = Plan(range(40), batch_size=1, concurrency=8)
    sent: List[int] = []
    out: List[Any] = []
    rounds = 0
    while not plan.finished and rounds < 100:
        rounds += 1
        out.extend(plan.ready())
        out_now = []
        work = plan.next_work()
        while work is not None:
            out_now.append(work)
            work = plan.next_work()
        sent.append(len(out_now))
        for k, work in enumerate(out_now):  # a server that refuses over 2 in flight
            if k < 2:
                plan.succeeded(work, answer(work))
            else:
                plan.failed(work, busy)
        out.extend(plan.ready())
    assert out == [f'r{i}' for i in range(40)]  # every input once, in order: the refused ones were sent again
    assert plan.limit == 2
    assert sent[:3] == [8, 4, 2] and max(sent[2:]) == 2


def test_a_busy_refusal_at_one_in_flight_is_the_requests_error() -> None:
    busy = ResponseError('server busy', 503)
    plan: Plan[int, str] = Plan(range(2), batch_size=1, concurrency=1, on_error='return')
    assert drive(plan, lambda work: busy if work.start == 1 else None) == ['r0', busy]


def test_a_reply_with_the_wrong_number_of_results_is_an_error() -> None:
    plan: Plan[int, str] = Plan(range(3), batch_size=3, concurrency=1, on_error='return')
    work = plan.next_work()
    assert work is not None
    plan.succeeded(work, ['only one'])
    out = list(plan.ready())
    assert len(out) == 3 and all('returned 1 results for 3 inputs' in str(e) for e in out)


def test_refused_for_its_input_knows_ollamas_messages() -> None:
    assert refused_for_its_input(TOO_LONG)
    assert refused_for_its_input(
        ResponseError('input exceeds maximum context length and cannot be truncated further', 400)
    )
    assert refused_for_its_input(ResponseError('embedding contains NaN or Inf values', 400))
    assert not refused_for_its_input(ResponseError('the input length exceeds the context length', 500))
    assert not refused_for_its_input(ResponseError("model 'x' not found", 404))
    assert not refused_for_its_input(ConnectionError('refused'))


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [
        ((0, 1, 'raise', None), 'batch_size must be a whole number >= 1'),
        ((1, 0, 'raise', None), 'concurrency must be a whole number >= 1'),
        ((True, 1, 'raise', None), 'batch_size'),
        ((1, 1.5, 'raise', None), 'concurrency'),
        ((1, 1, 'ignore', None), "on_error must be 'raise' or 'return'"),
        ((1, 1, 'raise', 'bar'), 'progress must be a callable'),
    ],
)
def test_bad_options_are_refused(arguments: Any, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        check_options(*arguments)


def test_one_string_is_not_an_iterable_of_inputs() -> None:
    with pytest.raises(RequestError, match='inputs must be an iterable of inputs, not one str'):
        check_inputs('hello', 'inputs')
    with pytest.raises(RequestError, match='must be an iterable; got int'):
        check_inputs(3, 'inputs')


def test_an_input_that_is_not_a_string_is_named_by_its_index() -> None:
    plan = embed_plan(['a', 'b', 3], 2, 2, 'raise', None)  # type: ignore[list-item]
    assert plan.next_work() is not None
    with pytest.raises(RequestError, match='input 2 is int, not a string'):
        plan.next_work()


def test_default_concurrency_is_two_per_server() -> None:
    assert concurrency_for(None, 1) == 2
    assert concurrency_for(None, 3) == 6
    assert concurrency_for(5, 3) == 5
