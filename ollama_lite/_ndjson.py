"""NDJSON framing with no I/O: bytes in as they arrive, decoded objects out.

Lines are split on bytes, never on text, so a multi-byte character cut between two reads is joined
before it is decoded; each line is decoded once. The buffer only ever holds the current unfinished
line and each byte is scanned once, so a 10 MB line costs linear time however it is chunked.
"""

from __future__ import annotations

import json
import json.scanner
import sys
from typing import Any, Optional, Sequence, Union

from . import _speedups
from ._errors import IncompleteStreamError, InvalidResponseError, ReplyTooLargeError, ResponseError, redact_text

__all__ = ['LineDecoder', 'loads', 'quote']

_QUOTE_LIMIT = 200
# json's own C scanner with json.loads' default settings. Calling it on text that is already decoded
# skips what json.loads does around it for bytes (sniffing the encoding of every line, two regex
# whitespace matches), which costs about twice the parsing of a stream chunk.
# (typeshed describes make_scanner's argument as the scanner class itself; a JSONDecoder is what it reads.)
_scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
_JSON_SPACE = ' \t\n\r'


def loads(data: Union[bytes, bytearray]) -> Any:
    """``json.loads(data)``, with the same result and the same errors, faster for the usual UTF-8 line;
    a value nested deeper than json can recurse raises ``ValueError`` rather than ``RecursionError``.

    With the ``speedups`` extra, orjson reads what it reads exactly as json does (see ``_speedups``). Else
    the fast path takes UTF-8 text starting with its value; anything else (leading white space, a
    BOM, UTF-16, broken UTF-8, bad JSON) goes to ``json.loads`` itself, which decides.
    """
    fast = _speedups.loads
    if fast is not None:
        try:
            obj = fast(data)
        except ValueError:
            pass  # json decides: it reads some of what orjson refuses (NaN, lone surrogates), and words the errors
        else:
            if not _speedups.long_number(data):
                return obj
    try:
        try:
            text = data.decode()
            obj, end = _scan(text, 0)
        except (ValueError, StopIteration):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            return json.loads(data)
        if end != len(text) and text[end:].strip(_JSON_SPACE):
            return json.loads(data)  # extra data after the value: let json word the error
    except RecursionError:
        # json recurses once per level: a reply nested a few thousand deep exhausts the stack.
        raise ValueError('nested too deeply to decode') from None
    return obj


def quote(line: bytes, secrets: Sequence[str] = ()) -> str:
    """The start of a bad line or body for an error message, ``secrets`` redacted before it is cut
    (a secret straddling the cut would otherwise leave its first part behind)."""
    # Enough bytes that any secret starting inside the quote lies wholly inside what is redacted.
    window = _QUOTE_LIMIT + max((len(s.encode()) for s in secrets), default=0)
    text = redact_text(line[:window].decode('utf-8', errors='replace'), secrets)[:_QUOTE_LIMIT]
    more = f'… ({len(line)} bytes in all)' if len(line) > _QUOTE_LIMIT else ''
    return f'{text!r}{more}'


class LineDecoder:
    """Split a byte stream into NDJSON lines and decode each into a dict.

    ``feed(data)`` takes one read and returns the decoder itself as the iterator of the lines ``data``
    completes, found one at a time as they are taken (take them all before the next ``feed``), so that a
    read is never split into a list of lines up front; ``decode(line)`` turns one into a dict, so a caller
    can deliver each object before a bad line after it raises. ``close()`` returns a last line left
    without its newline. An ``{"error": ...}`` line raises ``ResponseError``; a line that is not a JSON
    object raises ``InvalidResponseError`` quoting it.
    """

    __slots__ = ('_buffer', '_data', '_limit', '_lines_seen', '_max_line', '_pos', '_secrets')

    def __init__(self, secrets: Sequence[str] = (), max_line: Optional[int] = None) -> None:
        self._buffer = bytearray()
        #: The read being split, from ``_pos`` on.
        self._data = b''
        self._pos = 0
        self._lines_seen = 0
        #: Credentials to redact from quoted lines.
        self._secrets = secrets
        #: The longest line accepted (``max_reply_bytes``); a longer one raises ``ReplyTooLargeError``.
        self._max_line = max_line
        self._limit = max_line if max_line is not None else sys.maxsize

    def _too_long(self) -> ReplyTooLargeError:
        self._buffer.clear()
        self._data = b''
        return ReplyTooLargeError(
            f'stream line {self._lines_seen + 1} is longer than max_reply_bytes={self._max_line}; reading stopped there'
        )

    def feed(self, data: bytes) -> LineDecoder:
        buffer = self._buffer
        if buffer:
            # Only the new bytes are searched, so a long line arriving in small pieces stays linear.
            if b'\n' not in data:
                if len(buffer) + len(data) > self._limit:
                    raise self._too_long()  # measured before it is kept: the buffer never outgrows the limit
                buffer += data
                return self
            data = bytes(buffer) + data
            buffer.clear()
        self._data = data
        self._pos = 0
        return self

    def __iter__(self) -> LineDecoder:
        return self

    def __next__(self) -> bytes:
        data = self._data
        pos = self._pos
        while True:
            end = data.find(b'\n', pos)
            if end < 0:
                if pos < len(data):  # the start of the next line
                    if len(data) - pos > self._limit:
                        raise self._too_long()
                    self._buffer += data[pos:]
                self._data = b''
                self._pos = 0
                raise StopIteration
            if end - pos > self._limit:
                raise self._too_long()
            line = data[pos:end]
            pos = end + 1
            if line and not line.isspace():
                self._pos = pos
                return line

    def discard(self) -> None:
        """Forget the rest of the current read: the stream stops at a bad line."""
        self._data = b''
        self._buffer.clear()

    def close(self) -> Optional[Any]:
        """End of the byte stream: a last line without its newline is decoded and returned.

        Raises ``IncompleteStreamError`` when that last line is cut short (not valid JSON).
        """
        if not self._buffer.strip():
            self._buffer.clear()
            return None
        line = bytes(self._buffer)
        self._buffer.clear()
        try:
            return self.decode(line)
        except InvalidResponseError:
            raise IncompleteStreamError(
                f'the stream ended in the middle of line {self._lines_seen + 1}: {quote(line, self._secrets)}'
            ) from None

    @property
    def lines_seen(self) -> int:
        """How many complete objects have been decoded so far."""
        return self._lines_seen

    def decode(self, line: bytes) -> Any:
        """One complete line as a dict; raises as the class says."""
        try:
            obj = loads(line)
        except ValueError as exc:
            raise InvalidResponseError(
                f'stream line {self._lines_seen + 1} is not JSON ({exc}): {quote(line, self._secrets)}'
            ) from None
        if not isinstance(obj, dict):
            raise InvalidResponseError(
                f'stream line {self._lines_seen + 1} is not a JSON object: {quote(line, self._secrets)}'
            )
        self._lines_seen += 1
        error = obj.get('error')
        if error is not None:
            raise ResponseError(error if isinstance(error, str) else json.dumps(error))
        return obj


def incomplete(endpoint: str, lines: int, why: str) -> IncompleteStreamError:
    """The error for a stream that ended before its ``done`` line."""
    return IncompleteStreamError(
        f'the {endpoint} stream ended after {lines} line(s) without its final line ({why}); '
        'the server or a proxy closed the connection early'
    )
