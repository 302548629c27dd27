"""A stream's chunks joined into the one reply Ollama sends when not streaming: ``stream.final()``.

Ollama's server builds its non-streamed chat and generate replies from the same chunks it would have
streamed: the last chunk (model, ``done_reason``, the counters and timings), with the content and
thinking of every chunk joined and their tool calls and logprobs gathered (``server/routes.go``). The
assemblers here do the same on the client, fed each chunk as the caller takes it, and joined only when
``final()`` is asked for: per chunk they keep references (a few list appends), nothing is copied.

Pure, with no I/O: the transports' streams feed them.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Generic, List, Optional, TypeVar

from ._model import Model
from ._types import ChatResponse, GenerateResponse

__all__ = ['Assembler', 'assembler_for']

R = TypeVar('R', bound=Model)


class Assembler(Generic[R]):
    """Keeps the last chunk of a stream; ``final()`` is that chunk (a pull's or create's last status).

    ``feed`` is called with each chunk handed to the caller; ``final()`` may be asked at any time.
    """

    __slots__ = ('_empty', '_last')

    def __init__(self, empty: Callable[[], R]) -> None:
        self._last: Optional[R] = None
        self._empty = empty

    def feed(self, chunk: R) -> None:
        self._last = chunk

    def final(self) -> R:
        """The last chunk received, or an empty reply when none came."""
        return self._last if self._last is not None else self._empty()


def _copy_extra(source: Model, target: Model) -> None:
    # Fields a newer server sends that no dataclass field holds; the copy keeps them, as the chunk had them.
    if source._extra:
        target._extra = dict(source._extra)


class _Joined(Assembler[R]):
    """Content, thinking, tool calls and logprobs of every chunk, for chat and generate streams."""

    __slots__ = ('_content', '_logprobs', '_thinking', '_tool_calls')

    def __init__(self, empty: Callable[[], R]) -> None:
        super().__init__(empty)
        self._content: List[str] = []
        self._thinking: List[str] = []
        self._tool_calls: List[Any] = []
        self._logprobs: List[Any] = []


class ChatAssembler(_Joined[ChatResponse]):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(ChatResponse)

    def feed(self, chunk: ChatResponse) -> None:
        self._last = chunk
        message = chunk.message
        if message.content:
            self._content.append(message.content)
        if message.thinking:
            self._thinking.append(message.thinking)
        if message.tool_calls:
            self._tool_calls.extend(message.tool_calls)
        if chunk.logprobs:
            self._logprobs.extend(chunk.logprobs)

    def final(self) -> ChatResponse:
        """The whole reply so far: ``message.content`` and ``message.thinking`` joined, every tool call, and the
        last chunk's counters; ``done`` is true only once the final chunk has come."""
        last = self._last if self._last is not None else ChatResponse(done=False)
        message = dataclasses.replace(
            last.message,
            content=''.join(self._content),
            # As the server's reply: thinking is left out when there was none ("omitempty").
            thinking=''.join(self._thinking) or None,
            tool_calls=list(self._tool_calls) or None,
        )
        _copy_extra(last.message, message)
        reply = dataclasses.replace(last, message=message, logprobs=list(self._logprobs) or None, done=bool(last.done))
        _copy_extra(last, reply)
        return reply


class GenerateAssembler(_Joined[GenerateResponse]):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(GenerateResponse)

    def feed(self, chunk: GenerateResponse) -> None:
        self._last = chunk
        if chunk.response:
            self._content.append(chunk.response)
        if chunk.thinking:
            self._thinking.append(chunk.thinking)
        if chunk.tool_calls:
            self._tool_calls.extend(chunk.tool_calls)
        if chunk.logprobs:
            self._logprobs.extend(chunk.logprobs)

    def final(self) -> GenerateResponse:
        """The whole reply so far: ``response`` and ``thinking`` joined, every tool call, the last chunk's
        ``context`` and counters; ``done`` is true only once the final chunk has come."""
        last = self._last if self._last is not None else GenerateResponse(done=False)
        reply = dataclasses.replace(
            last,
            response=''.join(self._content),
            thinking=''.join(self._thinking) or None,
            tool_calls=list(self._tool_calls) or None,
            logprobs=list(self._logprobs) or None,
            done=bool(last.done),
        )
        _copy_extra(last, reply)
        return reply


def assembler_for(reply: Any) -> Assembler[Any]:
    """A fresh assembler for a stream of ``reply`` chunks (an endpoint's reply class)."""
    if reply is ChatResponse:
        return ChatAssembler()
    if reply is GenerateResponse:
        return GenerateAssembler()
    return Assembler(reply)
