"""A call's total deadline (``Timeout.total``), with no I/O: how much time is left, and the error.

The deadline starts when a client method is called and ends when its reply is complete: for a
non-streamed call once the whole body has been read, for a stream once its last chunk has been
read. It bounds everything in between: connecting, every read, every retry and every wait between
retries. The transports enforce it each in its own way (a cancelled task, a closed socket); what
the limit is and what it says when it runs out live here.
"""

from __future__ import annotations

import time
from typing import Callable, Optional

from ._errors import TotalTimeout

__all__ = ['Deadline']


class Deadline:
    """The moment a call must be done by, on the monotonic clock."""

    __slots__ = ('_clock', '_end', 'seconds')

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    @classmethod
    def start(cls, seconds: Optional[float]) -> Optional[Deadline]:
        """A deadline ``seconds`` from now, or ``None`` when there is no total limit."""
        return None if seconds is None else cls(seconds)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._end - self._clock())

    def expired(self) -> bool:
        return self._clock() >= self._end

    def cap(self, limit: Optional[float]) -> float:
        """``limit`` (a connect or read timeout, ``None`` for none), shortened to the time left.

        Never 0, which transports read as "do not wait" or "no limit"; a spent deadline is reported
        by :meth:`error` once the transport gives up.
        """
        left = max(self.remaining(), 1e-3)
        return left if limit is None else min(limit, left)

    def error(self, url: str) -> TotalTimeout:
        return TotalTimeout(f'the call to {url} did not complete within its total timeout of {self.seconds:g} s')
