"""The ``speedups`` extra: orjson, used only where it gives exactly what the standard library's json gives.

Decoding: ``orjson.loads`` reads every JSON text it accepts as ``json.loads`` does (floats are correctly rounded
in both) except integers beyond 64 bits, which it turns into floats; it refuses what json reads besides JSON
proper (``NaN``, lone surrogates, a BOM, UTF-16) and words its errors differently. So a text with a run of 19
digits or more, and any text orjson refuses, goes to json, which decides.

Encoding: only strings, where orjson and json (``ensure_ascii=False``) write the same bytes; a string json cannot
carry over UTF-8 either (a lone surrogate) is refused by orjson and left to json. Anything holding floats stays
with json: orjson writes ``1e-05`` as ``0.00001`` and ``NaN`` as ``null``, and request bodies must be the very
bytes the official client sends.

Without orjson installed, or with one older than :data:`FLOOR`, both names are ``None`` and nothing changes.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

__all__ = ['FLOOR', 'dumps_str', 'loads', 'long_number', 'usable']

#: The first orjson that refuses an object nested too deeply instead of crashing the interpreter (a hostile or
#: broken server can send one; the fault tests do).
FLOOR = (3, 9, 15)


def usable(version: str) -> bool:
    """Whether an orjson of ``version`` may be used: at least :data:`FLOOR`; a version it cannot read is not."""
    try:
        return tuple(int(part) for part in version.split('.')[:3]) >= FLOOR
    except ValueError:
        return False


loads: Optional[Callable[[Any], Any]] = None
dumps_str: Optional[Callable[[str], bytes]] = None
try:
    import orjson
except ImportError:  # the extra is not installed
    pass
else:
    if usable(getattr(orjson, '__version__', '')):
        loads = orjson.loads
        dumps_str = orjson.dumps

# Every digit becomes 0 and every other byte a space: a run of 19 digits is then a plain substring, which two
# C passes find several times faster than a regular expression would.
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_RUN = b'0' * 19


def long_number(data: Union[bytes, bytearray]) -> bool:
    """Whether ``data`` holds a number orjson would read differently: an integer too long for 64 bits (or,
    harmlessly, any other run of as many digits, which json then reads instead)."""
    return _RUN in data.translate(_DIGITS)
