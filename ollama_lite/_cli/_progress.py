"""Progress of pull, push and create as the ``ollama`` CLI draws it: a bar per layer, a line per status.

On a terminal every line is redrawn in place (the cursor goes back up to the first line and each line is
rewritten and cleared to its end), sized to the terminal's width at each redraw. Elsewhere (a pipe, a file) a
line is printed once, when a status or a layer first appears, so logs stay short.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Dict, List, Optional, TextIO, Tuple, Union

from .._types import ProgressResponse
from ._format import go_duration, human_bytes

__all__ = ['ProgressPrinter']

Clock = Callable[[], float]

_SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'
_REDRAW_EVERY = 0.1
_DEFAULT_WIDTH, _DEFAULT_HEIGHT = 80, 24
_MAX_BUCKETS = 10
_HIDE_CURSOR, _SHOW_CURSOR, _CLEAR_TO_END, _COLUMN_ONE, _UP = '\x1b[?25l', '\x1b[?25h', '\x1b[K', '\x1b[1G', '\x1b[A'


def _pad(text: str, width: int) -> str:
    return ' ' * (width - len(text)) + text


class Bar:
    """One layer's transfer: ``pulling 8934d96d3f08:  42% ▕████      ▏ 1.2 GB/2.9 GB   35 MB/s   48s``.

    The speed is measured over the last ten seconds (one sample a second), the remaining time from that speed.
    """

    def __init__(
        self, message: str, total: int, initial: int, clock: Clock, amount: Callable[[float], str] = human_bytes
    ) -> None:
        self.message = message
        # How a quantity reads: bytes for a transfer, a count for ``embed -f``.
        self._amount = amount
        self._total = total
        self._initial = initial
        self._value = initial
        self._clock = clock
        self._started = clock()
        self._stopped: Optional[float] = self._started if initial >= total else None
        self._buckets: List[Tuple[float, int]] = []

    def set(self, value: int) -> None:
        """Record that ``value`` bytes of the layer are done."""
        now = self._clock()
        self._value = min(value, self._total)
        if self._value >= self._total and self._stopped is None:
            self._stopped = now
        if not self._buckets or now - self._buckets[-1][0] > 1.0:
            self._buckets = [*self._buckets, (now, self._value)][-_MAX_BUCKETS:]

    def _percent(self) -> float:
        return 100 * self._value / self._total if self._total > 0 else 0.0

    def _rate(self) -> float:
        if self._stopped is not None:
            moved, seconds = self._value - self._initial, round(self._stopped - self._started)
        elif len(self._buckets) == 1:
            ((when, value),) = self._buckets
            moved, seconds = value - self._initial, round(when - self._started)
        elif self._buckets:
            (first_at, first), (last_at, last) = self._buckets[0], self._buckets[-1]
            moved, seconds = last - first, round(last_at - first_at)
        else:
            return 0.0
        return moved / seconds if seconds else 0.0

    def render(self, width: int) -> str:
        """The line at ``width`` columns; parts are dropped (time and speed, then the bar) rather than wrap."""
        percent = f'{self._percent():3.0f}%'
        head = f'{self.message.strip()} {percent}' if self.message else percent
        running = self._stopped is None
        if running:
            sizes = _pad(self._amount(self._value), 6) + '/' + _pad(self._amount(self._total), 6)
        else:
            sizes = _pad(self._amount(self._total), 6) + ' ' * 7
        rate = self._rate()
        if running and rate > 0:
            remaining = int((self._total - self._value) / rate)
            timing = '  ' + _pad(self._amount(rate), 6) + '/s' + '  ' + _pad(go_duration(remaining), 6)
        else:
            timing = ' ' * 18
        for tail in (sizes + timing, sizes):
            room = width - len(head) - len(tail) - 5
            if room >= 4:
                filled = int(room * self._percent() / 100)
                return f'{head} ▕{"█" * filled}{" " * (room - filled)}▏ {tail}'
        # Too narrow for a bar: the percent and sizes stay whole, the message gives way.
        rest = f'{percent.strip()} {sizes.strip()}'
        room = width - 2 - len(rest)
        return (f'{self.message.strip()[:room]} {rest}' if room > 0 else rest)[: max(width - 1, 1)]

    def plain(self) -> str:
        """The line printed once when not on a terminal."""
        return f'{self.message.strip()} {self._amount(self._total)}'


class Status:
    """A step without a size (``pulling manifest``, ``success``), with a spinner while it is the current one."""

    def __init__(self, message: str, clock: Clock) -> None:
        self.message = message
        self._clock = clock
        self._started = clock()
        self.stopped = False

    def render(self, width: int) -> str:
        """The line at ``width`` columns."""
        text = self.message.strip()
        if not self.stopped:
            text += ' ' + _SPINNER[int((self._clock() - self._started) * 10) % len(_SPINNER)]
        return text[: max(width - 1, 1)]

    def plain(self) -> str:
        """The line printed once when not on a terminal."""
        return self.message.strip()


Line = Union[Bar, Status]


def _terminal_size(out: TextIO) -> Tuple[int, int]:
    try:
        size = os.get_terminal_size(out.fileno())
    except (OSError, ValueError, AttributeError):
        return _DEFAULT_WIDTH, _DEFAULT_HEIGHT
    return size.columns or _DEFAULT_WIDTH, size.lines or _DEFAULT_HEIGHT


class ProgressPrinter:
    """Renders the progress lines of pull (``verb='pull'``), push or create on ``out``.

    ``tty`` chooses redrawing in place over printing plain lines; ``size`` gives the terminal's columns and
    rows at each redraw (default: asked of ``out``'s terminal); only the last lines that fit are redrawn. Call
    :meth:`update` with each ``ProgressResponse`` and :meth:`finish` at the end, also after a failure, so the
    cursor ends on a fresh line.
    """

    def __init__(
        self,
        out: TextIO,
        tty: bool,
        clock: Clock = time.monotonic,
        *,
        verb: str = 'pull',
        size: Optional[Callable[[], Tuple[int, int]]] = None,
    ) -> None:
        self._out = out
        self._tty = tty
        self._clock = clock
        self._verb = verb
        self._size = size or (lambda: _terminal_size(out))
        self._lines: List[Line] = []
        self._bars: Dict[str, Bar] = {}
        self._status: Optional[str] = None
        self._drawn = 0
        self._last_draw = -1e18

    def update(self, progress: ProgressResponse) -> None:
        """Take one progress line from the server and show it."""
        added = self._take(progress)
        if not self._tty:
            if added is not None:
                self._out.write(added.plain() + '\n')
                self._out.flush()
            return
        now = self._clock()
        if added is not None or now - self._last_draw >= _REDRAW_EVERY:
            self._draw()
            self._last_draw = now

    def _take(self, progress: ProgressResponse) -> Optional[Line]:
        """Apply ``progress``; return the line it added, if any."""
        digest, status = progress.digest or '', progress.status or ''
        if digest:
            completed = progress.completed or 0
            # A pull announces every layer with nothing done before downloading any; a bar at 0% for each
            # would read as "all of these are downloading now", so, like ollama, a bar starts with its bytes.
            if self._verb == 'pull' and completed == 0 and digest not in self._bars:
                return None
            bar = self._bars.get(digest)
            if bar is not None:
                bar.set(completed)
                return None
            bar = Bar(self._bar_message(digest, status), progress.total or 0, completed, self._clock)
            bar.set(completed)
            self._bars[digest] = bar
            return self._add(bar)
        if status and status != self._status:
            self._status = status
            return self._add(Status(status, self._clock))
        return None

    def _bar_message(self, digest: str, status: str) -> str:
        short = digest[7:19] if digest.startswith('sha256:') else digest[:12]
        if self._verb == 'pull':
            return f'pulling {short}:'
        return status or f'{self._verb}ing {short}...'

    def _add(self, line: Line) -> Line:
        for previous in self._lines:
            if isinstance(previous, Status):
                previous.stopped = True
        self._lines.append(line)
        return line

    def _draw(self) -> None:
        width, rows = self._size()
        # The cursor can only go back up to the top of the screen, so only the lines that fit are redrawn.
        shown = self._lines[-max(rows - 1, 1) :]
        parts = [_HIDE_CURSOR, _UP * max(self._drawn - 1, 0), _COLUMN_ONE]
        parts.append('\n'.join(line.render(width) + _CLEAR_TO_END for line in shown))
        parts.append(_SHOW_CURSOR)
        self._out.write(''.join(parts))
        self._out.flush()
        self._drawn = len(shown)

    def finish(self) -> None:
        """Stop the spinner, draw the final state and leave the cursor on a new line."""
        for line in self._lines:
            if isinstance(line, Status):
                line.stopped = True
        if self._tty and self._lines:
            self._draw()
            self._out.write('\n')
            self._drawn = 0
            self._lines = []
            self._bars = {}
        self._out.flush()
