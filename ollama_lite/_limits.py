"""Size limits on replies (``max_reply_bytes=``), with no I/O: bounded decoding of gzip and deflate, and
the count that stops a body at the limit.

With a limit set, the transports hand this module the body's raw bytes (they turn their own
decompression off), so a decompression bomb never expands past the limit in memory: every piece
decoded here is at most ``PIECE`` bytes, counted before the next one is made. The same limit bounds
one line of a stream (see ``LineDecoder``).
"""

from __future__ import annotations

import zlib
from typing import Iterator, List, Optional

from ._errors import InvalidResponseError, ProtocolError, ReplyTooLargeError, RequestError

__all__ = ['ACCEPT_ENCODING', 'BodyLimit', 'Inflater', 'check_limit', 'too_large']

#: The largest piece decoding produces at a time.
PIECE = 1 << 16
#: The encodings asked for when a limit is set: those decoded here, with bounded output.
ACCEPT_ENCODING = 'gzip, deflate'


def check_limit(value: Optional[int]) -> Optional[int]:
    """Validate ``max_reply_bytes``: ``None`` (no limit) or a whole number of bytes, at least 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise RequestError(f'max_reply_bytes must be a whole number of bytes >= 1, or None for no limit; got {value!r}')
    return value


def too_large(url: str, limit: int, what: str = 'reply') -> ReplyTooLargeError:
    return ReplyTooLargeError(
        f'the {what} from {url} is larger than max_reply_bytes={limit} (after decompression); reading stopped there'
    )


class Inflater:
    """Undo a ``Content-Encoding`` piece by piece, never making more than ``PIECE`` bytes at once."""

    __slots__ = ('_encoding', '_head', '_raw_deflate', '_z')

    def __init__(self, encoding: Optional[str]) -> None:
        name = (encoding or 'identity').strip().lower()
        if name not in ('identity', 'gzip', 'x-gzip', 'deflate'):
            raise ProtocolError(
                f'the reply is encoded with {encoding!r}, which the client did not ask for '
                f'(with max_reply_bytes it accepts only {ACCEPT_ENCODING})'
            )
        self._encoding = name
        self._raw_deflate = False
        # "deflate" input seen before any output, to start again from if it turns out to be raw deflate.
        self._head: Optional[bytearray] = bytearray() if name == 'deflate' else None
        self._z = self._new()

    def _new(self) -> Optional[zlib._Decompress]:
        if self._encoding == 'identity':
            return None
        if self._encoding == 'deflate':
            return zlib.decompressobj(zlib.MAX_WBITS)  # meant to be zlib-wrapped; see pieces() for raw
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def pieces(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of ``data``, each at most ``PIECE`` bytes, made one at a time."""
        z = self._z
        if z is None:
            yield data
            return
        if self._head is not None:
            self._head += data
        while data:
            try:
                out = z.decompress(data, PIECE)
            except zlib.error as exc:
                if self._head is not None and not self._raw_deflate:
                    self._raw_deflate = True  # not zlib-wrapped: start again, from the top, as raw deflate
                    self._z = z = zlib.decompressobj(-zlib.MAX_WBITS)
                    data, self._head = bytes(self._head), None
                    continue
                raise InvalidResponseError(f'the reply is not valid {self._encoding} ({exc})') from None
            if out:
                self._head = None
                yield out
            if not z.eof:
                data = z.unconsumed_tail
            elif self._encoding == 'deflate':
                data = b''  # the end of the one deflate stream: what follows is not part of the body
            else:
                data = z.unused_data  # (at the end, unconsumed_tail repeats part of it)
                if data:  # gzip allows several members, one after the other
                    self._z = z = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def flush(self) -> Iterator[bytes]:
        z = self._z
        if z is not None:
            rest = z.flush()
            for i in range(0, len(rest), PIECE):
                yield rest[i : i + PIECE]


class BodyLimit:
    """The pieces of one body, stopped with ``ReplyTooLargeError`` as soon as they pass ``limit`` bytes."""

    __slots__ = ('_limit', '_parts', '_size', '_url')

    def __init__(self, limit: int, url: str) -> None:
        self._limit = limit
        self._url = url
        self._parts: List[bytes] = []
        self._size = 0

    def add(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._size > self._limit:
            self._parts.clear()
            raise too_large(self._url, self._limit)
        self._parts.append(piece)

    def body(self) -> bytes:
        return b''.join(self._parts)
