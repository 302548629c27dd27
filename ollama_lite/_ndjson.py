"""NDJSON framing with no I/O: bytes in as they arrive, decoded objects out.

Lines are split on bytes, never on text, so a multi-byte character cut between two reads is joined
before it is decoded; each line is decoded once. The buffer only ever holds the current unfinished
line and each byte is scanned once, so a 10 MB line costs linear time however it is chunked.
"""

from __future__ import annotations

import json
from typing import Any, List, Optional

from ._errors import IncompleteStreamError, InvalidResponseError, ResponseError

__all__ = ['LineDecoder']

_QUOTE_LIMIT = 200


def _quote(line: bytes) -> str:
    text = line[:_QUOTE_LIMIT].decode('utf-8', errors='replace')
    more = f'… ({len(line)} bytes in all)' if len(line) > _QUOTE_LIMIT else ''
    return f'{text!r}{more}'


class LineDecoder:
    """Split a byte stream into NDJSON lines and decode each into a dict.

    ``feed(data)`` returns the lines completed by ``data`` and ``decode(line)`` turns one into a dict,
    so a caller can deliver each object before a bad line after it raises. ``close()`` returns a last
    line left without its newline. An ``{"error": ...}`` line raises ``ResponseError``; a line that is
    not a JSON object raises ``InvalidResponseError`` quoting it.
    """

    __slots__ = ('_buffer', '_lines_seen')

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._lines_seen = 0

    def feed(self, data: bytes) -> List[bytes]:
        end = data.rfind(b'\n')
        if end < 0:
            self._buffer += data
            return []
        if self._buffer:
            self._buffer += data[:end]
            head: bytes = bytes(self._buffer)
            self._buffer.clear()
            lines = head.split(b'\n')
        else:
            lines = data[:end].split(b'\n') if end else [b'']
        if end + 1 < len(data):
            self._buffer += data[end + 1 :]
        return [line for line in lines if line and not line.isspace()]

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
                f'the stream ended in the middle of line {self._lines_seen + 1}: {_quote(line)}'
            ) from None

    @property
    def lines_seen(self) -> int:
        """How many complete objects have been decoded so far."""
        return self._lines_seen

    def decode(self, line: bytes) -> Any:
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InvalidResponseError(
                f'stream line {self._lines_seen + 1} is not JSON ({exc}): {_quote(line)}'
            ) from None
        if not isinstance(obj, dict):
            raise InvalidResponseError(f'stream line {self._lines_seen + 1} is not a JSON object: {_quote(line)}')
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
