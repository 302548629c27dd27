"""Timestamps as Ollama writes them: RFC 3339 with up to nine fractional digits, trailing zeros trimmed."""

from __future__ import annotations

import datetime
import time

_NS = 1_000_000_000
# Go marshals "forever" (a keep_alive below zero) as the largest duration it has.
FOREVER_NS = 2**63 - 1


def now_ns() -> int:
    """Return the wall-clock time in nanoseconds since the epoch."""
    return time.time_ns()


def rfc3339(epoch_ns: int, *, local: bool = False) -> str:
    """Format ``epoch_ns`` the way Go's ``time.Time`` marshals to JSON.

    ``created_at`` is UTC (``Z``); ``modified_at`` and ``expires_at`` are in the server's local zone, which is how
    a real server answers, so clients meet both spellings.

    >>> rfc3339(1_700_000_000_123_000_000)
    '2023-11-14T22:13:20.123Z'
    """
    seconds, fraction = divmod(epoch_ns, _NS)
    utc = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    stamp = utc.astimezone() if local else utc
    text = stamp.strftime('%Y-%m-%dT%H:%M:%S')
    if fraction:
        text += '.' + f'{fraction:09d}'.rstrip('0')
    offset = stamp.utcoffset() or datetime.timedelta(0)
    if not offset:
        return text + 'Z'
    minutes = int(offset.total_seconds()) // 60
    sign = '+' if minutes >= 0 else '-'
    hours, minutes = divmod(abs(minutes), 60)
    return f'{text}{sign}{hours:02d}:{minutes:02d}'
