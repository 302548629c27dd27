"""The retry policy, decided here once for both clients; the transports only sleep and resend.

Retried: a connection that could not be made or was dropped before any byte of the reply arrived,
and the statuses of ``Retry.statuses`` (429, 502, 503, 504 by default). Never retried: anything
after a reply started to arrive (a stream that yielded, a body cut midway), because the server
may already be doing the work.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from typing import Callable, Mapping, Optional

from ._config import Retry

__all__ = ['Attempts', 'parse_retry_after']


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
        seconds = when.timestamp() - now()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


class Attempts:
    """The attempts of one request: each ``after_*`` call says how long to wait before trying again,
    or ``None`` when the failure must be raised."""

    __slots__ = ('_done', '_now', '_policy', '_random')

    def __init__(
        self,
        policy: Retry,
        *,
        rand: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._policy = policy
        self._done = 0
        self._random = rand
        self._now = now

    def _backoff(self) -> float:
        cap = min(self._policy.max_backoff, self._policy.backoff * (2**self._done))
        return cap * self._random()

    def after_status(self, status: int, headers: Mapping[str, str]) -> Optional[float]:
        """A reply came with ``status``; wait this long and retry, or ``None``.

        ``headers`` is case-insensitive, as both transports' header maps are.
        """
        if status not in self._policy.statuses or self._done >= self._policy.total:
            return None
        retry_after = parse_retry_after(headers.get('retry-after'), self._now)
        delay = self._backoff() if retry_after is None else min(retry_after, self._policy.max_retry_after)
        self._done += 1
        return delay

    def after_connect_error(self) -> Optional[float]:
        """The connection failed before any byte of the reply; wait this long and retry, or ``None``."""
        if self._done >= self._policy.total:
            return None
        delay = self._backoff()
        self._done += 1
        return delay

    @property
    def retries(self) -> int:
        """How many retries have been granted so far."""
        return self._done
