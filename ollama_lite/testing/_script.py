"""Scripted replies that tests queue, and the record of every request the emulator received."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Deque, List, Mapping, Optional, Sequence, Tuple, Union

MODEL_REPLY_PATHS = ('/api/generate', '/api/chat')
#: How many requests the log keeps by default (the oldest go first), and how much of each body.
REQUEST_LOG_SIZE = 1000
REQUEST_LOG_BODY_BYTES = 64 * 1024
_STREAM_ERROR = 'an error was encountered while running the model'

ToolCallSpec = Union[Tuple[str, Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with a class method, then chain modifiers; each returns a new ``Reply``.

    A bare ``Reply()`` is the emulator's default answer, useful with a modifier: ``Reply().delayed(2.0)``.
    Content (text, thinking, tool calls, structured values) applies to ``/api/generate`` and ``/api/chat``;
    errors, raw JSON bodies, delays, mid-stream errors and cut connections apply to every endpoint.

    Example: ``emu.reply(Reply.text('Hi!'), Reply.tool_call('get_weather', {'city': 'Paris'}))``
    """

    content: Optional[str] = None
    thinking: Optional[str] = None
    calls: Optional[Tuple[Mapping[str, Any], ...]] = None
    done_reason: str = 'stop'
    status: int = 200
    error_message: Optional[str] = None
    body: Any = None
    error_after_chunks: Optional[int] = None
    error_after_message: str = _STREAM_ERROR
    cut_after_chunks: Optional[int] = None
    headers_delay: float = 0.0
    chunk_delay: Optional[float] = None

    @classmethod
    def text(cls, content: str, *, thinking: Optional[str] = None, done_reason: str = 'stop') -> Reply:
        """Answer with ``content`` (streamed word by word), after ``thinking`` if given.

        Example: ``Reply.text('Paris is the capital of France.', thinking='Easy one.')``
        """
        return cls(content=content, thinking=thinking, done_reason=done_reason)

    @classmethod
    def structured(cls, value: Any, *, thinking: Optional[str] = None) -> Reply:
        """Answer with ``value`` serialised as JSON, as a model does for a ``format`` schema.

        Example: ``Reply.structured({'name': 'Ada', 'age': 36})``
        """
        return cls(content=json.dumps(value), thinking=thinking)

    @classmethod
    def tool_call(
        cls,
        name: str,
        arguments: Optional[Mapping[str, Any]] = None,
        *,
        content: str = '',
        thinking: Optional[str] = None,
    ) -> Reply:
        """Answer with one call of the tool ``name``.

        Example: ``Reply.tool_call('get_weather', {'city': 'Paris'})``
        """
        return cls.tool_calls([(name, arguments or {})], content=content, thinking=thinking)

    @classmethod
    def tool_calls(cls, calls: Sequence[ToolCallSpec], *, content: str = '', thinking: Optional[str] = None) -> Reply:
        """Answer with several tool calls, each ``(name, arguments)`` or ``{'name': ..., 'arguments': {...}}``.

        Raises ``ValueError`` for a call without a name.

        Example: ``Reply.tool_calls([('add', {'a': 1, 'b': 2}), ('sub', {'a': 3, 'b': 1})])``
        """
        normalised = []
        for call in calls:
            name, arguments = (call.get('name'), call.get('arguments')) if isinstance(call, Mapping) else call
            if not isinstance(name, str) or not name:
                raise ValueError(f'a tool call needs a name, got {call!r}')
            normalised.append({'name': name, 'arguments': dict(arguments or {})})
        return cls(content=content, thinking=thinking, calls=tuple(normalised))

    @classmethod
    def error(cls, message: str, status: int = 500) -> Reply:
        """Answer with HTTP ``status`` and ``{"error": message}``, as Ollama reports failures.

        Raises ``ValueError`` unless ``status`` is 400 or more.

        Example: ``Reply.error('server busy, please try again.', status=503)``
        """
        if status < 400:
            raise ValueError(f'an error reply needs a status of 400 or more, got {status}')
        return cls(status=status, error_message=message)

    @classmethod
    def json(cls, body: Any, status: int = 200) -> Reply:
        """Answer with ``body`` as the whole JSON response, whatever the endpoint.

        Example: ``Reply.json({'version': '0.0.1'})``
        """
        return cls(status=status, body=body)

    def error_after(self, chunks: int, message: str = _STREAM_ERROR) -> Reply:
        """Stream ``chunks`` lines, then an ``{"error": message}`` line, then end the stream.

        Without streaming, the reply is that error with status 500. Example: ``Reply.text('a b c').error_after(2)``
        """
        return dataclasses.replace(self, error_after_chunks=_count(chunks), error_after_message=message)

    def cut_after(self, chunks: int) -> Reply:
        """Stream ``chunks`` lines, then close the connection without the final chunk, like a crashed server.

        Example: ``Reply.text('a b c').cut_after(1)``
        """
        return dataclasses.replace(self, cut_after_chunks=_count(chunks))

    def delayed(self, seconds: float) -> Reply:
        """Wait ``seconds`` before sending the status line and headers. Example: ``Reply().delayed(1.5)``"""
        return dataclasses.replace(self, headers_delay=max(0.0, seconds))

    def paced(self, seconds: float) -> Reply:
        """Wait ``seconds`` between streamed lines (instead of the emulator's ``token_delay``).

        Example: ``Reply.text('slow words here').paced(0.2)``
        """
        return dataclasses.replace(self, chunk_delay=max(0.0, seconds))

    @property
    def has_content(self) -> bool:
        """Whether this reply sets model output, which only generate and chat can carry."""
        return self.content is not None or self.thinking is not None or self.calls is not None


def _count(chunks: int) -> int:
    if chunks < 0:
        raise ValueError(f'a chunk count cannot be negative, got {chunks}')
    return chunks


@dataclass
class RecordedRequest:
    """A request as the emulator received it.

    ``body`` is the parsed JSON (``None`` when the body was empty, not JSON, or longer than the log keeps),
    ``raw`` the bytes as sent, cut to the log's body limit (``truncated`` then tells). ``client_disconnected``
    turns true when the client went away before a streamed or delayed reply ended, and ``disconnected_at``
    holds the ``time.monotonic()`` at which the emulator noticed (it watches the connection while it pauses,
    so a client that leaves during a delay or a slow stream is seen at once).
    """

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: Any
    raw: bytes
    client_disconnected: bool = field(default=False)
    truncated: bool = field(default=False)
    disconnected_at: Optional[float] = field(default=None)


class Script:
    """The queue of scripted replies and the log of received requests, safe to use from any thread.

    The log keeps the last ``log_size`` requests, and of each body its first ``log_body_bytes`` bytes, so a
    long-running emulator does not grow without bound.
    """

    def __init__(self, log_size: int = REQUEST_LOG_SIZE, log_body_bytes: int = REQUEST_LOG_BODY_BYTES) -> None:
        if log_size < 1 or log_body_bytes < 0:
            raise ValueError(f'the request log needs room for a request, got {log_size} and {log_body_bytes} bytes')
        self._lock = threading.Lock()
        self._queue: Deque[Tuple[Optional[str], Reply]] = deque()
        self._log: Deque[RecordedRequest] = deque(maxlen=log_size)
        self.log_body_bytes = log_body_bytes

    def add(self, replies: Sequence[Reply], path: Optional[str]) -> None:
        """Queue ``replies`` for ``path`` (``None``: the next generate or chat request).

        Raises ``ValueError`` for a path not starting with ``/`` or model output queued for another endpoint.
        """
        if path is not None and not path.startswith('/'):
            raise ValueError(f'a path starts with "/", got {path!r}')
        for reply in replies:
            if reply.has_content and path not in (None, *MODEL_REPLY_PATHS):
                raise ValueError(f'text, thinking and tool calls only fit {" and ".join(MODEL_REPLY_PATHS)}')
        with self._lock:
            self._queue.extend((path, reply) for reply in replies)

    def take(self, path: str) -> Optional[Reply]:
        """Remove and return the first reply queued for ``path``, or ``None``."""
        with self._lock:
            for entry in self._queue:
                wanted, reply = entry
                if wanted == path or (wanted is None and path in MODEL_REPLY_PATHS):
                    self._queue.remove(entry)
                    return reply
        return None

    def record(self, request: RecordedRequest) -> None:
        """Append ``request`` to the log, dropping the oldest entry when it is full."""
        with self._lock:
            self._log.append(request)

    def record_request(
        self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], raw: bytes
    ) -> RecordedRequest:
        """Log a request as received: its JSON parsed when it fits the log's body limit, the bytes cut to it."""
        limit = self.log_body_bytes
        body: Any = None
        if raw and len(raw) <= limit:
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                body = None
        entry = RecordedRequest(method, path, query, headers, body, raw[:limit], truncated=len(raw) > limit)
        self.record(entry)
        return entry

    @property
    def requests(self) -> List[RecordedRequest]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def pending(self) -> int:
        """How many scripted replies are still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Drop queued replies and forget received requests."""
        with self._lock:
            self._queue.clear()
            self._log.clear()
