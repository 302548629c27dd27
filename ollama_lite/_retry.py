"""The retry policy, decided here once for both clients; the transports only sleep and resend.

Retried: a connection that was refused, or reset or closed before any byte of the reply arrived
(a keep-alive connection the server had dropped is the common case), and the statuses of
``Retry.statuses`` (429, 502, 503, 504 by default). Never retried: anything after a reply started to
arrive (a stream that yielded, a body cut midway, a reply that is not HTTP), because the server may
already be doing the work; a read timeout, for the same reason; and failures that do not mend in a
second: a host name that does not resolve, a TLS certificate that does not verify.
"""

from __future__ import annotations

import email.utils
import errno
import http.client
import math
import random
import socket
import ssl
import time
from datetime import timezone
from typing import Callable, Iterator, Literal, Mapping, Optional, Set

from ._config import Retry
from ._deadline import Deadline
from ._errors import cannot_connect, no_reply, not_http, plain_reason, tls_failed

__all__ = [
    'Attempts',
    'FailureKind',
    'causes',
    'connect_error',
    'connect_failure_kind',
    'connect_reason',
    'parse_retry_after',
    'refused',
    'retriable_connect_failure',
]


def parse_retry_after(value: Optional[str], now: Callable[[], float] = time.time) -> Optional[float]:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date.

    Returns ``None`` when the header is absent or unreadable, and never a negative number.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            # HTTP dates are always GMT; "-0000" and a missing zone parse as naive datetimes.
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and the exceptions it wraps: requests, urllib3 and aiohttp nest the real reason in
    ``args``, ``reason``, ``os_error`` or the ``__cause__`` chain."""
    seen: Set[int] = set()
    todo = [exc]
    while todo and len(seen) < 32:  # bounded: a chain can loop through __context__
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        nested = [*e.args, getattr(e, 'reason', None), getattr(e, 'os_error', None), e.__cause__, e.__context__]
        todo.extend(n for n in nested if isinstance(n, BaseException))


#: What went wrong before any byte of a reply arrived, as far as the error chain tells:
#: ``name`` a host name that does not resolve, ``tls`` a TLS failure, ``not_http`` a reply that
#: started but was not HTTP, ``connection`` anything else (refused, reset, closed before the reply).
FailureKind = Literal['connection', 'name', 'tls', 'not_http']


def connect_failure_kind(exc: BaseException) -> FailureKind:
    """Classify a transport's error raised before the reply's headers, for retrying and for the message."""
    for cause in causes(exc):
        if isinstance(cause, socket.gaierror):
            # EAI_AGAIN is the resolver asking to be asked again, unlike a name that does not exist.
            return 'connection' if cause.errno == socket.EAI_AGAIN else 'name'
        if isinstance(cause, ssl.SSLError):
            return 'tls'
        if isinstance(cause, http.client.BadStatusLine) and not isinstance(cause, http.client.RemoteDisconnected):
            return 'not_http'
    return 'connection'


def connect_error(
    url: str, exc: BaseException, text: str, *, written: bool, repeatable: bool, head: Optional[str] = None
) -> Exception:
    """The error for a connection that failed before any of the reply came (``exc``, which the transport
    describes as ``text``): by its kind, and by whether the request may have been ``written`` already;
    ``head`` is what the transport says of a reply head that was not HTTP, when it says more than ``text``."""
    kind = connect_failure_kind(exc)
    if kind == 'tls':
        return tls_failed(url, text)
    if kind == 'not_http':
        return not_http(url, head or text)
    if written:
        return no_reply(url, text, repeatable=repeatable)
    return cannot_connect(url, connect_reason(exc, text), unresolved=kind == 'name')


def connect_reason(exc: BaseException, fallback: str) -> str:
    """Why a connection could not be made, in words (``the connection was refused``), read from the
    operating system's error in the chain; ``fallback`` (the transport's own text) when there is none.

    The transports' own messages hold object reprs (``<..._HTTPConnection object at 0x...>``) and
    their internals' wording; the errno is what the user can act on.
    """
    found = list(causes(exc))
    for cause in found:
        if isinstance(cause, socket.gaierror):
            return f'the host name does not resolve ({cause.strerror or cause})'
    for cause in found:
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return 'the connection was refused'
    for cause in found:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[0].lower() + cause.strerror[1:]
    return plain_reason(fallback)


def refused(exc: BaseException) -> bool:
    """Whether the error chain says the connection was refused: nothing of the request was sent."""
    return any(
        isinstance(cause, ConnectionRefusedError) or (isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED)
        for cause in causes(exc)
    )


def retriable_connect_failure(exc: BaseException) -> bool:
    """Whether a request that failed before any byte of its reply arrived may be sent again.

    Yes for a refused connection and for one reset or closed before the reply; no for a host name
    that does not resolve (unless the resolver said to try again), a TLS failure, and a reply that
    started but was not HTTP (bytes of it were read, so the server did answer).
    """
    return connect_failure_kind(exc) == 'connection'


class Attempts:
    """The attempts of one request: each ``after_*`` call says how long to wait before trying again,
    or ``None`` when the failure must be raised."""

    __slots__ = ('_deadline', '_done', '_now', '_policy', '_random', 'repeatable')

    def __init__(
        self,
        policy: Retry,
        *,
        repeatable: bool = True,
        deadline: Optional[Deadline] = None,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._policy = policy
        #: Whether the request is safe to send again after it may have reached the server.
        self.repeatable = repeatable
        self._deadline = deadline
        self._done = 0
        self._random = rand
        self._now = now

    def _grant(self, delay: float) -> Optional[float]:
        if self._deadline is not None and delay >= self._deadline.remaining():
            return None  # the wait alone would use up the caller's deadline: report the failure now
        self._done += 1
        return delay

    def _backoff(self) -> float:
        cap = min(self._policy.max_backoff, self._policy.backoff * 2.0**self._done)
        return cap * self._random()

    def after_status(self, status: int, headers: Mapping[str, str]) -> Optional[float]:
        """A reply came with ``status``; wait this long and retry, or ``None``.

        ``headers`` is case-insensitive, as both transports' header maps are.
        """
        if status not in self._policy.statuses or self._done >= self._policy.total:
            return None
        retry_after = parse_retry_after(headers.get('retry-after'), self._now)
        if retry_after is not None and retry_after > self._policy.max_retry_after:
            return None  # the server asks for more patience than the policy has: do not retry
        return self._grant(self._backoff() if retry_after is None else retry_after)

    def after_connect_error(
        self, exc: Optional[BaseException] = None, *, sent: bool = False, cost: int = 1
    ) -> Optional[float]:
        """The connection failed before any byte of the reply; wait this long and retry, or ``None``.

        ``exc``, the transport's error, is checked with :func:`retriable_connect_failure`. ``sent``
        says the request may have reached the server (it was written, wholly or in part, before the
        connection failed); such a request is sent again only when it is ``repeatable``. ``cost`` is
        how many sends the next attempt may make (2 where the transport resends on its own, unseen):
        the attempt is granted only when all of them fit in the budget.
        """
        if self._done + cost > self._policy.total or (exc is not None and not retriable_connect_failure(exc)):
            return None
        if sent and not self.repeatable:
            return None
        return self._grant(self._backoff())

    def resent_by_transport(self) -> bool:
        """A transport resent the request on its own, at once, after it may have reached the server
        (aiohttp does so for GET, HEAD and DELETE); count that as one retry.

        Returns whether the policy would have allowed it; when not, the transport must not resend.
        """
        if not self.repeatable or self._done >= self._policy.total:
            return False
        self._done += 1
        return True

    @property
    def retries(self) -> int:
        """How many retries have been granted so far."""
        return self._done
