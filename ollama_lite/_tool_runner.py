"""The tool runner: chat, run the functions the model asks for, send their results back, until it answers.

The loop is plain state (:class:`_Loop`): what the next request holds, which calls a reply asks for, what
each call gave and what goes back to the model; it checks the arguments of ``run_tools`` once for both
clients. The sync driver here and the async one in :mod:`._tool_runner_async` only call ``chat`` and the
functions. Neither imports a client: each client makes the loop with its own ``chat``.

The messages follow Ollama's protocol: the assistant message goes back as the server sent it (thinking and
tool calls included), then one ``role: 'tool'`` message per call, in the model's order, with ``tool_name``
(what Ollama's own examples send) and ``tool_call_id`` (the call's ``id``, when the server gave one).
"""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import inspect
import json
import time
from datetime import date, datetime
from datetime import time as time_of_day
from enum import Enum
from typing import (
    Any,
    Callable,
    Dict,
    Generator,
    Iterator,
    List,
    Literal,
    Mapping,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Union,
    get_args,
)

from ._api import messages_of
from ._codec import encode
from ._errors import IncompleteStreamError, RequestError
from ._model import Model
from ._schema import function_tool
from ._structured import parse
from ._tool_args import ArgumentError, Parameters
from ._types import ChatResponse, Logprob, Message, MessageLike, Tool, ToolCall, ToolFunction


class ChatChunks(Protocol):
    """What the runner needs of ``Client.chat(..., stream=True)``'s ``Stream``: its chunks, and closing it.
    (A protocol, so that the runner, which sits above the clients, never imports them.)"""

    def __iter__(self) -> Iterator[ChatResponse]: ...

    def __next__(self) -> ChatResponse: ...

    def close(self) -> None: ...

    def __enter__(self) -> ChatChunks: ...

    def __exit__(self, *exc_info: object) -> None: ...


__all__ = [
    'MaxRoundsError',
    'ToolCallError',
    'ToolCallEvent',
    'ToolCallRecord',
    'ToolResultEvent',
    'ToolRun',
    'ToolRunError',
    'ToolRunItem',
    'ToolRunStream',
    'ToolsLike',
    'run_tools',
]

#: ``tools=`` of ``run_tools``: functions and ``(Tool or tool dict, function)`` pairs, or a mapping of
#: name → function (the name replaces the function's own).
ToolsLike = Union[
    Mapping[str, Callable[..., Any]],
    Sequence[Union[Callable[..., Any], Tuple[Union[Tool, Mapping[str, Any]], Callable[..., Any]]]],
]
OnError = Literal['report', 'raise']
_ON_ERROR = get_args(OnError)


# --- What a run holds ---------------------------------------------------------------------------------


@dataclasses.dataclass
class ToolCallRecord:
    """One tool call the runner made (or refused), in ``ToolRun.calls``.

    ``arguments`` are as the model sent them; ``result`` is what the function returned (``None`` when the
    call failed); ``error`` says why it failed (``None`` when it did not) and ``exception`` is what the
    function raised, if it raised; ``content`` is the text sent back to the model as the tool's result;
    ``duration`` is the function's running time in seconds; ``round`` is the index in ``ToolRun.rounds`` of
    the reply that asked for the call.
    """

    name: str
    arguments: Dict[str, Any]
    id: Optional[str]
    round: int
    result: Any = None
    error: Optional[str] = None
    exception: Optional[BaseException] = None
    content: str = ''
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the call ran and its result was sent back."""
        return self.error is None


@dataclasses.dataclass
class ToolCallEvent:
    """Streamed between rounds, before the call runs: the model asked for ``name(**arguments)``."""

    name: str
    arguments: Dict[str, Any]
    id: Optional[str]
    round: int


@dataclasses.dataclass
class ToolResultEvent:
    """Streamed between rounds, once a call has run (or failed): ``call.content`` is what the model gets."""

    call: ToolCallRecord


#: What a streamed run yields: the chunks of each reply as they arrive, and the tool events between them.
ToolRunItem = Union[ChatResponse, ToolCallEvent, ToolResultEvent]


class ToolRun:
    """The rounds of a tool run: iterate it for each reply, in order.

    ``final`` is the last reply (the model's answer when the run ended normally); ``messages`` is the whole
    history, to continue the conversation: the messages given (as ``Message``), then every assistant
    message as the server sent it (thinking and tool calls included) and every tool result (``role``
    ``'tool'`` with ``tool_name`` and ``tool_call_id``); ``calls`` lists every call made, as
    :class:`ToolCallRecord`; ``parsed`` is the final answer read into the ``format=`` type.
    """

    def __init__(self, messages: List[Message], parse_as: Optional[type]) -> None:
        self.rounds: List[ChatResponse] = []
        self.messages = messages
        self.calls: List[ToolCallRecord] = []
        self._parse_as = parse_as

    def __iter__(self) -> Iterator[ChatResponse]:
        return iter(self.rounds)

    def __len__(self) -> int:
        return len(self.rounds)

    @property
    def final(self) -> ChatResponse:
        """The last reply. Raises ``LookupError`` while a streamed run has no complete reply yet."""
        if not self.rounds:
            raise LookupError('the run has no complete reply yet')
        return self.rounds[-1]

    @property
    def parsed(self) -> Any:
        """The final answer read into the ``format=`` dataclass or pydantic model by :func:`parse`.

        ``None`` when ``format=`` was not a type. Raises ``StructuredOutputError`` when the answer does not fit.
        """
        return None if self._parse_as is None else parse(self._parse_as, self.final)

    def __repr__(self) -> str:
        return f'<ToolRun rounds={len(self.rounds)} calls={len(self.calls)} messages={len(self.messages)}>'


class ToolRunError(Exception):
    """``run_tools`` stopped before the model answered; ``run`` holds the rounds so far."""

    def __init__(self, message: str, run: ToolRun) -> None:
        super().__init__(message)
        self.run = run


class ToolCallError(ToolRunError):
    """With ``on_error='raise'``: a tool call failed (unknown tool, arguments that do not fit, the function
    raised, a result that is not JSON). ``call`` is its record; the function's exception is the cause.

    Calls of the same reply already under way (run in parallel) finish first and are in ``run.calls``;
    ``run.messages`` ends with the assistant message that asked for them.
    """

    def __init__(self, run: ToolRun, call: ToolCallRecord) -> None:
        super().__init__(f'tool call {call.name}({_args_text(call.arguments)}) failed: {call.error}', run)
        self.call = call


class MaxRoundsError(ToolRunError):
    """The model still asked for tools in the last of ``max_rounds`` replies; those calls were not run.

    ``run.messages`` ends with that reply's assistant message.
    """

    def __init__(self, run: ToolRun, max_rounds: int) -> None:
        super().__init__(
            f'the model still asked for tools after {max_rounds} rounds (max_rounds={max_rounds}); '
            "the rounds so far are in this error's .run",
            run,
        )
        self.max_rounds = max_rounds


def _args_text(arguments: Mapping[str, Any]) -> str:
    text = ', '.join(f'{k}={v!r}' for k, v in arguments.items())
    return text if len(text) <= 80 else text[:80] + '…'


# --- The tools ------------------------------------------------------------------------------------------


class _Tool(NamedTuple):
    name: str
    func: Callable[..., Any]
    schema: Union[Tool, Dict[str, Any]]
    parameters: Parameters
    is_async: bool


def _is_async(func: Any) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(getattr(func, '__call__', None))  # noqa: B004


def _prepare_tools(tools: ToolsLike, *, allow_async: bool) -> Dict[str, _Tool]:
    if isinstance(tools, (str, bytes)) or not isinstance(tools, (Mapping, Sequence)):
        raise RequestError(f'tools must be a list or a mapping of name -> function, not {type(tools).__name__}')
    entries: List[Tuple[Optional[str], Any]]
    entries = list(tools.items()) if isinstance(tools, Mapping) else [(None, item) for item in tools]
    prepared: Dict[str, _Tool] = {}
    for key, item in entries:
        tool = _one_tool(key, item)
        if tool.name in prepared:
            raise RequestError(f'two tools are named {tool.name!r}; the model could not tell them apart')
        if tool.is_async and not allow_async:
            raise RequestError(f'tool {tool.name!r} is a coroutine function: run it with AsyncClient.run_tools')
        prepared[tool.name] = tool
    return prepared


def _one_tool(key: Optional[str], item: Any) -> _Tool:
    if key is not None and not callable(item):
        # A (tool, function) pair names itself; under another key one of the two names would be dropped.
        raise RequestError(f'tools[{key!r}] must be a function, not {type(item).__name__}')
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], (Tool, Mapping)):
        described, func = item
        if not callable(func):
            raise RequestError(f'the second item of a (tool, function) pair must be callable, not {func!r}')
        schema = described if isinstance(described, Tool) else dict(described)
        body = encode(schema)
        function = body.get('function') if isinstance(body, dict) else None
        name = function.get('name') if isinstance(function, dict) else None
        if not isinstance(name, str) or not name:
            raise RequestError(f'the tool of a (tool, function) pair has no function name: {described!r}')
        parameters = function.get('parameters') if isinstance(function, dict) else None
        return _Tool(name, func, schema, Parameters(func, parameters or {}), _is_async(func))
    if isinstance(item, (Tool, Mapping)):
        raise RequestError(
            'run_tools needs a function to call for each tool: pass the function itself, or pair the tool '
            f'description with one as (tool, function); got {item!r}'
        )
    if not callable(item):
        raise RequestError(f'a tool must be a function or a (tool, function) pair, not {type(item).__name__}')
    described = function_tool(item)
    function = described.function or ToolFunction()  # function_tool always sets it
    if key is not None:
        if not isinstance(key, str) or not key:
            raise RequestError(f'a tool name must be a non-empty string, not {key!r}')
        function = dataclasses.replace(function, name=key)
        described = dataclasses.replace(described, function=function)
    return _Tool(function.name or '', item, described, Parameters(item), _is_async(item))


# --- Results as text ----------------------------------------------------------------------------------


def _as_content(result: Any) -> str:
    """A function's result as the tool message's content: a string as it is, anything else as JSON."""
    if isinstance(result, str):
        return result
    return json.dumps(result, default=_jsonable, ensure_ascii=False, allow_nan=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Model):
        return encode(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:  # items without an order
            return list(value)
    if isinstance(value, (datetime, date, time_of_day)):
        return value.isoformat()
    if callable(getattr(value, 'model_dump', None)) and not isinstance(value, type):  # a pydantic model
        return value.model_dump(mode='json')
    raise TypeError(f'{type(value).__name__} is not JSON serialisable')


# --- The loop --------------------------------------------------------------------------------------------


class _Pending:
    """A call the model asked for, its arguments read, ready to run (or already known to fail)."""

    def __init__(self, call: ToolCall, round: int, tools: Mapping[str, _Tool]) -> None:
        self.name = call.function.name
        # A server may send null for a call without arguments.
        self.arguments = call.function.arguments if call.function.arguments is not None else {}
        self.id = call.id
        self.round = round
        self.tool = tools.get(self.name)
        self.args: List[Any] = []
        self.kwargs: Dict[str, Any] = {}
        self.error: Optional[str] = None
        if self.tool is None:
            known = ', '.join(repr(n) for n in tools) or 'none'
            self.error = f'there is no tool named {self.name!r}; the tools are {known}'
            return
        try:
            self.args, self.kwargs = self.tool.parameters.bind(self.arguments)
        except ArgumentError as exc:
            self.error = f'the arguments do not fit {self.name}: {exc}'

    @property
    def event(self) -> ToolCallEvent:
        return ToolCallEvent(self.name, self.arguments, self.id, self.round)

    def refused(self) -> ToolCallRecord:
        return self._record(error=self.error)

    def raised(self, exc: Exception, duration: float) -> ToolCallRecord:
        error = f'{self.name} raised {type(exc).__name__}' + (f': {exc}' if str(exc) else '')
        return self._record(error=error, exception=exc, duration=duration)

    def returned(self, result: Any, duration: float) -> ToolCallRecord:
        try:
            content = _as_content(result)
        except (TypeError, ValueError) as exc:
            error = f'{self.name} returned a {type(result).__name__} that cannot be sent as JSON: {exc}'
            return self._record(error=error, exception=exc, duration=duration, result=result)
        return self._record(result=result, content=content, duration=duration)

    def _record(self, **fields: Any) -> ToolCallRecord:
        record = ToolCallRecord(self.name, self.arguments, self.id, self.round, **fields)
        if record.error is not None:
            # The model reads this as the tool's result, and can try again.
            record.content = f'Error: {record.error}'
        return record


class _Loop:
    """The state of one run, shared by the sync and async drivers; made from the arguments of the client's
    ``run_tools`` (its ``chat``, then the rest as the client was given them).

    Raises ``RequestError`` for ``max_rounds``, ``on_error`` or tools that cannot be used (``async def`` ones
    only with a coroutine ``chat``, an ``AsyncClient``'s), ``TypeError`` for a chat option ``chat`` does not
    take.
    """

    def __init__(
        self,
        # Positional only: a chat option of any name (even "chat") reaches the check below.
        chat: Callable[..., Any],
        model: str,
        messages: Sequence[MessageLike],
        tools: ToolsLike,
        /,
        *,
        max_rounds: int,
        parallel: bool,
        on_error: str,
        stream: bool,
        **chat_options: Any,
    ) -> None:
        if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
            raise RequestError(f'max_rounds must be a whole number of at least 1, got {max_rounds!r}')
        if on_error not in _ON_ERROR:
            raise RequestError(f"on_error must be 'report' or 'raise', got {on_error!r}")
        unknown = sorted(set(chat_options) - set(inspect.signature(chat).parameters))
        if unknown:
            raise TypeError(f'run_tools() got an unexpected keyword argument {unknown[0]!r}')
        self.tools = _prepare_tools(tools, allow_async=inspect.iscoroutinefunction(chat))
        self.chat = chat
        self.model = model
        self.max_rounds = max_rounds
        self.parallel = parallel
        self.raising = on_error == 'raise'
        self.stream = stream
        self.chat_options = chat_options
        fmt = chat_options.get('format')
        self.run = ToolRun(messages_of(messages) or [], fmt if isinstance(fmt, type) else None)

    def request(self) -> Dict[str, Any]:
        """The arguments of the next ``chat``."""
        tools = [t.schema for t in self.tools.values()]
        return {'model': self.model, 'messages': list(self.run.messages), 'tools': tools, **self.chat_options}

    def answered(self, reply: ChatResponse) -> List[_Pending]:
        """Record a complete reply; return the calls it asks for (none: the run is over).

        Raises ``MaxRoundsError`` when the reply asks for calls and it was the last round allowed.
        """
        self.run.rounds.append(reply)
        self.run.messages.append(reply.message)
        calls = reply.message.tool_calls or []
        if calls and len(self.run.rounds) >= self.max_rounds:
            raise MaxRoundsError(self.run, self.max_rounds)
        round = len(self.run.rounds) - 1
        return [_Pending(call, round, self.tools) for call in calls]

    def stops_at(self, record: ToolCallRecord) -> bool:
        """Whether a call run one at a time ends the round, so the calls after it are not run."""
        return self.raising and not record.ok

    def ran(self, records: List[ToolCallRecord]) -> None:
        """Record a round's calls and queue their results for the model, in the model's order.

        Raises ``ToolCallError`` for the first failed call with ``on_error='raise'``.
        """
        self.run.calls.extend(records)
        failed = next((r for r in records if not r.ok), None)
        if failed is not None and self.raising:
            raise ToolCallError(self.run, failed) from failed.exception
        for record in records:
            self.run.messages.append(
                Message(role='tool', content=record.content, tool_name=record.name, tool_call_id=record.id)
            )


class _Reply:
    """A streamed reply put together from its chunks, as the server would have sent it whole."""

    def __init__(self) -> None:
        self._content: List[str] = []
        self._thinking: List[str] = []
        self._calls: List[ToolCall] = []
        self._logprobs: List[Logprob] = []
        self._last: Optional[ChatResponse] = None

    def add(self, chunk: ChatResponse) -> None:
        message = chunk.message
        self._content.append(message.content or '')
        self._thinking.append(message.thinking or '')
        self._calls.extend(message.tool_calls or ())
        self._logprobs.extend(chunk.logprobs or ())
        self._last = chunk

    def whole(self) -> ChatResponse:
        if self._last is None:
            raise IncompleteStreamError('the reply ended before its first chunk')
        reply = copy.copy(self._last)
        reply.message = Message(
            role=self._last.message.role or 'assistant',
            content=''.join(self._content),
            thinking=''.join(self._thinking) or None,
            tool_calls=self._calls or None,
        )
        reply.logprobs = self._logprobs or None
        return reply


# --- The sync driver: generated from _tool_runner_async.py by `python -m tests._twins`; edit it there ---


def run_tools(chat: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Union[ToolRun, ToolRunStream]:
    """Run tools with a client's ``chat``; the other arguments are those of the client's ``run_tools``."""
    loop = _Loop(chat, *args, **kwargs)
    if loop.stream:
        # The first request goes out now, as chat(stream=True) sends its own: its errors raise here.
        first = loop.chat(**loop.request(), stream=True)
        return ToolRunStream(_streamed(loop, first), loop.run, first)
    while True:
        pending = loop.answered(loop.chat(**loop.request()))
        if not pending:
            return loop.run
        loop.ran(_run_calls(loop, pending))


# --- end of the generated driver ---


def _streamed(loop: _Loop, chunks: ChatChunks) -> Generator[ToolRunItem, None, None]:
    while True:
        reply = _Reply()
        # Closing this generator at a yield leaves the with block, which closes the HTTP stream.
        with chunks:
            for chunk in chunks:
                reply.add(chunk)
                yield chunk
        pending = loop.answered(reply.whole())
        if not pending:
            return
        yield from (p.event for p in pending)
        records = _run_calls(loop, pending)
        yield from (ToolResultEvent(r) for r in records)
        loop.ran(records)
        chunks = loop.chat(**loop.request(), stream=True)


def _run_calls(loop: _Loop, pending: List[_Pending]) -> List[ToolCallRecord]:
    if loop.parallel:
        # A single call runs in a worker thread too: a function tied to the caller's thread (an sqlite
        # connection, say) then fails on its first call, not only on the first reply that asks for two.
        from concurrent.futures import ThreadPoolExecutor  # only a run that calls tools pays the import

        with ThreadPoolExecutor(max_workers=len(pending), thread_name_prefix='ollama_lite-tool') as pool:
            # Each call sees the caller's context variables, as it would running in the caller's thread.
            futures = [pool.submit(contextvars.copy_context().run, _run_call, p) for p in pending]
            return [f.result() for f in futures]
    records = []
    for p in pending:
        records.append(_run_call(p))
        if loop.stops_at(records[-1]):
            break
    return records


def _run_call(pending: _Pending) -> ToolCallRecord:
    if pending.tool is None or pending.error is not None:
        return pending.refused()
    started = time.perf_counter()
    try:
        result = pending.tool.func(*pending.args, **pending.kwargs)
    except Exception as exc:
        return pending.raised(exc, time.perf_counter() - started)
    return pending.returned(result, time.perf_counter() - started)


class ToolRunStream(Iterator[ToolRunItem]):
    """A streamed tool run: each reply's chunks as they arrive (content and thinking), and between replies
    a :class:`ToolCallEvent` for each call the model asked for and a :class:`ToolResultEvent` once it ran.

    As with ``chat(stream=True)``, the first request is sent by ``run_tools`` itself, so its errors raise
    there. ``run`` is the :class:`ToolRun` so far (complete once the stream is exhausted). ``close()`` or
    leaving a ``with`` block closes the HTTP stream of the current reply, so the server stops generating,
    and ends the run. Raises what ``Client.run_tools`` raises.

    >>> for item in client.run_tools('llama3.2', messages, [get_weather], stream=True): ...
    """

    def __init__(self, items: Generator[ToolRunItem, None, None], run: ToolRun, first: ChatChunks) -> None:
        self._items = items
        self._first = first
        self.run = run

    def __iter__(self) -> ToolRunStream:
        return self

    def __next__(self) -> ToolRunItem:
        return next(self._items)

    def close(self) -> None:
        """End the run now, closing the current reply's connection. Closing twice is harmless."""
        self._items.close()
        # Before the first next() the generator holds nothing yet: the first reply is closed here.
        self._first.close()

    def __enter__(self) -> ToolRunStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
