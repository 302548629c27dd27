"""Work over many inputs, as a plan with no I/O: which inputs go next, in which batch, and what came back.

:class:`Plan` hands out :class:`Work` (a run of consecutive inputs) and takes each one's results or error
back; the runners (:mod:`._batch_sync` on a thread pool, :mod:`._batch_async` on tasks) only send the work
and report. The plan decides, for both of them:

- Order: results leave in input order, whatever order the replies arrive in.
- Memory: inputs are read from the iterable as work is handed out, never listed first; at most
  ``concurrency * batch_size`` inputs are read and not yet handed back, so a generator of a million texts
  holds a window of them at a time.
- Splitting: a batch the server refuses for one of its inputs (the input exceeds the context, as Ollama
  says with a 400) is split in halves, and again, until the input that fails is alone; only it fails.
- Busy servers: a request refused as busy (503, 429) after the client's own retries leaves the plan with
  half as many requests in flight, and is sent again at that level; at one in flight a busy refusal is
  the request's error. Nothing that succeeded is sent again.
- Errors: with ``on_error='raise'`` the first input that fails stops the run (:class:`BatchItemError`
  names its index); with ``'return'`` its slot holds the exception and the rest go on.
"""

from __future__ import annotations

import collections
import collections.abc
import dataclasses
import inspect
import itertools
from typing import (
    Any,
    AsyncGenerator,
    Callable,
    Deque,
    Dict,
    Generator,
    Generic,
    Iterable,
    Iterator,
    List,
    Literal,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    TypeVar,
    Union,
    get_args,
)

from ._errors import InvalidResponseError, RequestError, ResponseError
from ._types import EmbedResponse

__all__ = [
    'DEFAULT_BATCH_SIZE',
    'PER_HOST',
    'AsyncBatchResults',
    'BatchResults',
    'BatchClient',
    'BatchItemError',
    'EmbedManyResponse',
    'EmbedTotals',
    'OnError',
    'Plan',
    'Progress',
    'Work',
    'refused_for_its_input',
]

T = TypeVar('T')
R = TypeVar('R')
R_co = TypeVar('R_co', covariant=True)

OnError = Literal['raise', 'return']
#: What the ``iter_*`` methods return: each result in input order (an exception in its slot with
#: ``on_error='return'``); closing it early sends no more.
BatchResults = Generator[T, None, None]
AsyncBatchResults = AsyncGenerator[T, None]
_ON_ERROR = get_args(OnError)
#: ``progress(done, total)``: inputs finished (succeeded or failed) and how many there are (``None`` for an
#: iterable without a length).
Progress = Callable[[int, Optional[int]], None]

#: Inputs per embed request by default: enough that the request overhead is small next to the work, few
#: enough that one refused batch costs little to split.
DEFAULT_BATCH_SIZE = 32
#: Requests in flight per Ollama server by default. Ollama runs OLLAMA_NUM_PARALLEL requests at once (1 by
#: default) and queues the rest, answering 503 only past OLLAMA_MAX_QUEUE (512); a second request in flight
#: keeps the server busy while the first reply travels back, and more only wait in its queue.
PER_HOST = 2

# What Ollama's embed handler answers (400) when one input cannot be embedded: too long with truncate=false,
# too long even truncated, or a vector that is not finite. Any of them is that input's fault, not the batch's.
_INPUT_FAULTS = ('context length', 'nan or inf')
_BUSY = (429, 503)


def refused_for_its_input(error: BaseException) -> bool:
    """Whether the server refused an embed batch because of one of its inputs (so halves may succeed)."""
    if not isinstance(error, ResponseError) or error.status_code != 400:
        return False
    text = error.error.lower()
    return any(fault in text for fault in _INPUT_FAULTS)


def _busy(error: BaseException) -> bool:
    return isinstance(error, ResponseError) and error.status_code in _BUSY


class BatchItemError(Exception):
    """``embed_many``/``chat_many``/``generate_many`` with ``on_error='raise'``: an input failed.

    ``index`` is the position of the (first) input that failed, ``count`` how many consecutive inputs the error
    answered for (1 unless the server refused a whole batch for a reason of its own), ``error`` the exception,
    also the cause.
    """

    def __init__(self, index: int, error: BaseException, count: int = 1) -> None:
        where = f'input {index}' if count == 1 else f'inputs {index} to {index + count - 1}'
        super().__init__(f'{where} failed: {error}')
        self.index = index
        self.count = count
        self.error = error


@dataclasses.dataclass
class Work(Generic[T]):
    """Consecutive inputs sent in one request: ``items[k]`` is input ``start + k``."""

    start: int
    items: List[T]
    #: How many requests the plan allowed in flight when this one was handed out.
    level: int = 0


def check_options(batch_size: int, concurrency: int, on_error: str, progress: Optional[Progress]) -> None:
    """Refuse arguments a run could not honour, before anything is read or sent (``RequestError``)."""
    for name, value in (('batch_size', batch_size), ('concurrency', concurrency)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise RequestError(f'{name} must be a whole number >= 1; got {value!r}')
    if on_error not in _ON_ERROR:
        raise RequestError(f"on_error must be 'raise' or 'return'; got {on_error!r}")
    if progress is not None and not callable(progress):
        raise RequestError(f'progress must be a callable (done, total); got {progress!r}')


def check_inputs(inputs: Any, what: str) -> None:
    """Refuse a single string (it would be read as one input per character) and what is not iterable."""
    if isinstance(inputs, (str, bytes)):
        raise RequestError(f'{what} must be an iterable of inputs, not one {type(inputs).__name__}')
    try:
        iter(inputs)
    except TypeError:
        raise RequestError(f'{what} must be an iterable; got {type(inputs).__name__}') from None


class Plan(Generic[T, R]):
    """The state of a run over ``inputs`` (see the module's docstring). Not thread-safe: one runner drives it.

    The runner loop: take :meth:`next_work` until it says ``None``, send each; report each outcome with
    :meth:`succeeded` or :meth:`failed`; pass on what :meth:`ready` yields; stop when :attr:`finished`, and
    raise :attr:`error` when it is set.
    """

    def __init__(
        self,
        inputs: Iterable[T],
        *,
        batch_size: int = 1,
        concurrency: int = 1,
        on_error: OnError = 'raise',
        splittable: Optional[Callable[[BaseException], bool]] = None,
        check: Optional[Callable[[int, T], None]] = None,
    ) -> None:
        self._source = iter(inputs)
        self.total: Optional[int] = len(inputs) if isinstance(inputs, collections.abc.Sized) else None
        self._batch_size = batch_size
        self._window = concurrency * batch_size
        self._on_error = on_error
        self._splittable = splittable
        self._check = check
        #: How many requests may be in flight now: ``concurrency``, halved after each busy refusal.
        self.limit = concurrency
        self._exhausted = False
        self._read = 0
        self._handed_back = 0
        self._slots: Dict[int, Union[R, BaseException]] = {}
        # Split halves and busy resends go before fresh inputs: they hold the oldest unfinished slots.
        self._queue: Deque[Work[T]] = collections.deque()
        self.in_flight = 0
        #: Inputs finished so far, failed ones included.
        self.done = 0
        #: Set with ``on_error='raise'`` once an input failed: no more work is handed out.
        self.error: Optional[BatchItemError] = None

    def next_work(self) -> Optional[Work[T]]:
        """The next request to send, or ``None`` when none may be sent now (the limit is reached, the window
        is full, the inputs are all out, or the run failed)."""
        if self.error is not None or self.in_flight >= self.limit:
            return None
        if self._queue:
            work = self._queue.popleft()
        else:
            if self._exhausted or self._window - (self._read - self._handed_back) < self._batch_size:
                return None
            items = list(itertools.islice(self._source, self._batch_size))
            if len(items) < self._batch_size:
                self._exhausted = True
            if not items:
                return None
            if self._check is not None:
                for k, item in enumerate(items):
                    self._check(self._read + k, item)
            work = Work(self._read, items)
            self._read += len(items)
        work.level = self.limit
        self.in_flight += 1
        return work

    def succeeded(self, work: Work[T], results: Sequence[R]) -> None:
        """``work`` was answered: ``results[k]`` belongs to ``work.items[k]``."""
        if len(results) != len(work.items):
            error = InvalidResponseError(f'the server returned {len(results)} results for {len(work.items)} inputs')
            self.failed(work, error)
            return
        self.in_flight -= 1
        for k, result in enumerate(results):
            self._slots[work.start + k] = result
        self.done += len(results)

    def failed(self, work: Work[T], error: BaseException) -> None:
        """``work``'s request raised ``error`` (after the client's own retries)."""
        self.in_flight -= 1
        if self.error is not None:
            return  # the run has failed already; what else fails on the way out changes nothing
        if _busy(error) and work.level > 1:
            if work.level == self.limit:
                self.limit = max(1, self.limit // 2)
            self._queue.appendleft(work)
            return
        if len(work.items) > 1 and self._splittable is not None and self._splittable(error):
            half = len(work.items) // 2
            self._queue.appendleft(Work(work.start + half, work.items[half:]))
            self._queue.appendleft(Work(work.start, work.items[:half]))
            return
        if self._on_error == 'raise':
            failure = BatchItemError(work.start, error, len(work.items))
            failure.__cause__ = error
            self.error = failure
            return
        for k in range(len(work.items)):
            self._slots[work.start + k] = error
        self.done += len(work.items)

    def ready(self) -> Iterator[Union[R, BaseException]]:
        """The results (or, with ``on_error='return'``, errors) that are next in input order, once each."""
        while self._handed_back in self._slots:
            yield self._slots.pop(self._handed_back)
            self._handed_back += 1

    @property
    def finished(self) -> bool:
        """Nothing is in flight and nothing is left to send: every input was handed back, or the run failed."""
        if self.in_flight:
            return False
        return self.error is not None or (self._exhausted and not self._queue and self._handed_back == self._read)


@dataclasses.dataclass
class EmbedManyResponse:
    """What ``embed_many`` returns: ``embeddings[i]`` belongs to ``inputs[i]``; the counters are summed over the
    requests made.

    With ``on_error='return'`` the slot of an input that failed holds its exception; :attr:`errors` lists them.
    """

    model: Optional[str] = None
    embeddings: List[Union[List[float], BaseException]] = dataclasses.field(default_factory=list)
    total_duration: int = 0
    load_duration: int = 0
    prompt_eval_count: int = 0

    @property
    def errors(self) -> Dict[int, BaseException]:
        """The inputs that failed, by index (empty when all succeeded)."""
        return {i: e for i, e in enumerate(self.embeddings) if isinstance(e, BaseException)}

    def __getitem__(self, key: str) -> Any:
        # r['embeddings'], as the other replies (and the official client's) are read too.
        if key not in _EMBED_MANY_FIELDS:
            raise KeyError(key)
        return getattr(self, key)


_EMBED_MANY_FIELDS = frozenset(f.name for f in dataclasses.fields(EmbedManyResponse))


class EmbedTotals:
    """The counters of the embed replies of one run, summed as they come (for :class:`EmbedManyResponse`)."""

    __slots__ = ('load_duration', 'model', 'prompt_eval_count', 'total_duration')

    def __init__(self, model: Optional[str] = None) -> None:
        self.model = model
        self.total_duration = 0
        self.load_duration = 0
        self.prompt_eval_count = 0

    def add(self, reply: EmbedResponse) -> List[List[float]]:
        """Count ``reply`` in; return its embeddings."""
        self.model = reply.model or self.model
        self.total_duration += reply.total_duration or 0
        self.load_duration += reply.load_duration or 0
        self.prompt_eval_count += reply.prompt_eval_count or 0
        return reply.embeddings

    def response(self, embeddings: List[Union[List[float], BaseException]]) -> EmbedManyResponse:
        return EmbedManyResponse(
            self.model, embeddings, self.total_duration, self.load_duration, self.prompt_eval_count
        )


def embed_input_check(index: int, item: Any) -> None:
    """Each input of ``embed_many`` is one text."""
    if not isinstance(item, str):
        raise RequestError(f'input {index} is {type(item).__name__}, not a string')


def progress_caller(progress: Optional[Progress], plan: Plan[Any, Any]) -> Callable[[], None]:
    """A function telling ``progress`` how far the run is, only when ``done`` moved."""
    last = [-1]

    def tell() -> None:
        if progress is not None and plan.done != last[0]:
            last[0] = plan.done
            progress(plan.done, plan.total)

    return tell


def embed_plan(
    inputs: Iterable[str], batch_size: int, concurrency: int, on_error: OnError, progress: Optional[Progress]
) -> Plan[str, List[float]]:
    """The plan of an ``embed_many`` run, its arguments checked."""
    check_options(batch_size, concurrency, on_error, progress)
    check_inputs(inputs, 'inputs')
    return Plan(
        inputs,
        batch_size=batch_size,
        concurrency=concurrency,
        on_error=on_error,
        splittable=refused_for_its_input,
        check=embed_input_check,
    )


def item_plan(
    items: Iterable[T], what: str, concurrency: int, on_error: OnError, progress: Optional[Progress]
) -> Plan[T, Any]:
    """The plan of a ``chat_many``/``generate_many`` run: one request per item."""
    check_options(1, concurrency, on_error, progress)
    check_inputs(items, what)
    return Plan(items, concurrency=concurrency, on_error=on_error)


class BatchClient(Protocol):
    """What the runners need of a ``Client`` or an ``AsyncClient``."""

    # Properties, so that the clients' overloaded methods fit whatever their overloads say.
    @property
    def embed(self) -> Callable[..., Any]: ...

    @property
    def chat(self) -> Callable[..., Any]: ...

    @property
    def generate(self) -> Callable[..., Any]: ...

    def _parallelism(self) -> int: ...


class _Ended(Protocol[R_co]):
    """A request that has ended: a thread's ``concurrent.futures.Future`` or a task."""

    def exception(self) -> Optional[BaseException]: ...

    def result(self) -> Sequence[R_co]: ...


def settle(plan: Plan[T, R], done: Iterable[_Ended[R]], in_flight: Dict[Any, Work[T]]) -> None:
    """Take back into ``plan`` the outcome of each request in ``done``, no longer ``in_flight``."""
    for request in done:
        work = in_flight.pop(request)
        error = request.exception()
        if error is None:
            plan.succeeded(work, request.result())
        else:
            plan.failed(work, error)


def embed_run(
    client: BatchClient,
    model: str,
    inputs: Iterable[str],
    batch_size: int,
    concurrency: Optional[int],
    on_error: OnError,
    progress: Optional[Progress],
    totals: Optional[EmbedTotals],
    embed_options: Dict[str, Any],
) -> Tuple[Plan[str, List[float]], EmbedTotals, Tuple[Any, ...]]:
    """An ``iter_embed_many`` run, checked: its plan, the totals its replies add to, and what each ``embed``
    is given after the model and its inputs."""
    plan = embed_plan(inputs, batch_size, concurrency_for(concurrency, client._parallelism()), on_error, progress)
    counted = EmbedTotals(model) if totals is None else totals
    given = tuple(embed_options[name] for name in ('truncate', 'options', 'keep_alive', 'dimensions'))
    return plan, counted, given


def item_run(
    client: BatchClient,
    verb: str,
    model: str,
    items: Iterable[Any],
    concurrency: Optional[int],
    on_error: OnError,
    progress: Optional[Progress],
    options: Dict[str, Any],
) -> Tuple[Plan[Any, Any], Callable[..., Any]]:
    """A ``chat_many`` (``verb='chat'``) or ``generate_many`` run, checked: its plan, and the client's method
    each item goes to."""
    method = client.chat if verb == 'chat' else client.generate
    check_request_options(method, options, model, None)
    what = 'conversations' if verb == 'chat' else 'prompts'
    return item_plan(items, what, concurrency_for(concurrency, client._parallelism()), on_error, progress), method


def check_request_options(method: Callable[..., Any], options: Dict[str, Any], *args: Any) -> None:
    """Refuse, before anything is sent, options ``method`` (a client's ``chat`` or ``generate``) does not take,
    and ``stream``: each item's reply is collected whole."""
    if 'stream' in options:
        raise RequestError('the *_many methods collect each reply whole; stream= is not an option of theirs')
    inspect.signature(method).bind(*args, **options)  # TypeError naming the unknown option


def concurrency_for(concurrency: Optional[int], hosts: int) -> int:
    """``concurrency``, or by default :data:`PER_HOST` requests for each server the client spreads over."""
    return PER_HOST * max(1, hosts) if concurrency is None else concurrency
