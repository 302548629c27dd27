"""How the command line writes numbers, sizes, times and tables: the way the ``ollama`` CLI writes them."""

from __future__ import annotations

import datetime
import decimal
import math
from typing import List, Optional, Sequence, TextIO

_KB, _MB, _GB, _TB = 1000, 1000**2, 1000**3, 1000**4
# A time this far in the future is a model kept loaded for good (keep_alive below zero).
_FOREVER_YEARS = 20


def human_bytes(n: float) -> str:
    """Decimal units as ``ollama`` prints them: ``512 B``, ``1.5 KB``, ``2 GB``, ``42 MB``, ``1.1 TB``.

    Ten and above drop the decimals (truncated); below ten one decimal is shown unless the value is whole.
    """
    n = int(n)
    for limit, unit in ((_TB, 'TB'), (_GB, 'GB'), (_MB, 'MB'), (_KB, 'KB')):
        if n >= limit:
            value = n / limit
            if value >= 10 or value == math.trunc(value):
                return f'{int(value)} {unit}'
            return f'{value:.1f} {unit}'
    return f'{n} B'


def human_number(n: int) -> str:
    """A parameter count as ``ollama`` prints it: ``137M``, ``8B``, ``8.2B``, ``23K``."""
    if n >= 1_000_000_000:
        value = n / 1_000_000_000
        return f'{value:.0f}B' if value == math.floor(value) else f'{value:.1f}B'
    if n >= 1_000_000:
        value = n / 1_000_000
        return f'{value:.0f}M' if value == math.floor(value) else f'{value:.2f}M'
    if n >= 1000:
        return f'{n / 1000:.0f}K'
    return str(n)


def human_duration(seconds: float) -> str:
    """An approximate duration: ``Less than a second``, ``5 seconds``, ``About a minute``, ``3 hours``, ``2 weeks``."""
    whole = int(seconds)
    if whole < 1:
        return 'Less than a second'
    if whole == 1:
        return '1 second'
    if whole < 60:
        return f'{whole} seconds'
    minutes = int(seconds / 60)
    if minutes == 1:
        return 'About a minute'
    if minutes < 60:
        return f'{minutes} minutes'
    hours = _round_half_away(seconds / 3600)
    if hours == 1:
        return 'About an hour'
    if hours < 48:
        return f'{hours} hours'
    if hours < 24 * 7 * 2:
        return f'{hours // 24} days'
    if hours < 24 * 30 * 2:
        return f'{hours // 24 // 7} weeks'
    if hours < 24 * 365 * 2:
        return f'{hours // 24 // 30} months'
    return f'{int(seconds / 3600) // 24 // 365} years'


def _round_half_away(value: float) -> int:
    # Go's math.Round rounds halves away from zero; Python's round() would go to the even neighbour.
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def human_time(when: Optional[datetime.datetime], never: str, now: Optional[datetime.datetime] = None) -> str:
    """``2 minutes ago``, ``4 minutes from now``, ``Forever`` (more than 20 years ahead), or ``never`` for no time."""
    if when is None:
        return never
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    current = now or datetime.datetime.now(datetime.timezone.utc)
    try:
        delta = (current - when).total_seconds()
    except OverflowError:
        return 'Forever'
    if int(delta / 3600) // 24 // 365 < -_FOREVER_YEARS:
        return 'Forever'
    if delta < 0:
        return human_duration(-delta) + ' from now'
    return human_duration(delta) + ' ago'


def processor(size: int, size_vram: int) -> str:
    """Where a loaded model sits: ``100% CPU``, ``100% GPU``, ``48%/52% CPU/GPU`` (``Unknown`` when it cannot be)."""
    if size_vram == 0:
        return '100% CPU'
    if size_vram == size:
        return '100% GPU'
    if size_vram > size or size == 0:
        return 'Unknown'
    cpu = _round_half_away((size - size_vram) / size * 100)
    return f'{cpu}%/{100 - cpu}% CPU/GPU'


def go_number(value: float) -> str:
    """A JSON number as Go's ``%g`` prints it: the shortest digits, ``7e+09`` from an exponent of 6 up."""
    if value == 0:
        return '0'
    sign, digits, exponent = decimal.Decimal(repr(float(value))).normalize().as_tuple()
    assert isinstance(exponent, int)  # a finite number
    count = len(digits)
    point = count + exponent  # where the decimal point goes, counted from the first digit
    limit = count if count < 6 and count >= point else 6
    text = ''.join(map(str, digits))
    if point - 1 < -4 or point - 1 >= limit:
        mantissa = text[0] + ('.' + text[1:] if count > 1 else '')
        power = point - 1
        shown = f'{mantissa}e{"-" if power < 0 else "+"}{abs(power):02d}'
    elif point <= 0:
        shown = '0.' + '0' * -point + text
    elif point >= count:
        shown = text + '0' * (point - count)
    else:
        shown = text[:point] + '.' + text[point:]
    return ('-' if sign else '') + shown


def go_duration(seconds: int) -> str:
    """A remaining time as the progress bar shows it: ``7s``, ``1m30s``, ``2h5m``, ``99h+``."""
    if seconds >= 100 * 3600:
        return '99h+'
    if seconds >= 3600:
        return f'{seconds // 3600}h{seconds // 60 % 60}m'
    if seconds >= 60:
        return f'{seconds // 60}m{seconds % 60}s'
    return f'{seconds}s'


def table(rows: Sequence[Sequence[str]], out: TextIO, headers: Optional[Sequence[str]] = None) -> None:
    """Left-aligned columns four spaces apart, with no borders, as ``ollama list`` draws them."""
    everything: List[Sequence[str]] = ([headers] if headers else []) + list(rows)
    if not everything:
        return
    columns = max(len(row) for row in everything)
    widths = [max((len(row[i]) for row in everything if i < len(row)), default=0) for i in range(columns)]
    for row in everything:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        out.write('    '.join(cells).rstrip() + '\n')
