"""The core of max_reply_bytes and Timeout(total=): bounded decoding, the body count, the line limit, the deadline."""

from __future__ import annotations

import gzip
import zlib
from typing import List, Optional

import pytest

import ollama_lite as ollama
from ollama_lite._deadline import Deadline
from ollama_lite._limits import PIECE, BodyLimit, Inflater
from ollama_lite._ndjson import LineDecoder

DATA = b'{"response": "hello"}\n' * 50_000


def _inflate(encoding: Optional[str], body: bytes, step: int) -> List[bytes]:
    inflater = Inflater(encoding)
    pieces = [p for i in range(0, len(body), step) for p in inflater.pieces(body[i : i + step])]
    return pieces + list(inflater.flush())


@pytest.mark.parametrize('step', [1, 7, 1000, 1 << 20])
@pytest.mark.parametrize(
    ('encoding', 'body', 'expected'),
    [
        ('gzip', gzip.compress(DATA), DATA),
        ('gzip', gzip.compress(DATA) + gzip.compress(b'two members'), DATA + b'two members'),
        ('x-gzip', gzip.compress(DATA), DATA),
        ('deflate', zlib.compress(DATA), DATA),
        ('deflate', zlib.compress(DATA)[2:-4], DATA),  # raw deflate, as some servers send it
        (None, DATA, DATA),
        ('identity', DATA, DATA),
    ],
    ids=['gzip', 'gzip-members', 'x-gzip', 'zlib', 'raw-deflate', 'none', 'identity'],
)
def test_inflater_decodes_in_bounded_pieces(encoding: Optional[str], body: bytes, expected: bytes, step: int) -> None:
    pieces = _inflate(encoding, body, step)
    assert b''.join(pieces) == expected
    assert max(len(p) for p in pieces) <= max(PIECE, step if encoding in (None, 'identity') else 0)


def test_inflater_refuses_an_encoding_it_did_not_ask_for() -> None:
    with pytest.raises(ollama.ProtocolError, match="encoded with 'br'"):
        Inflater('br')


def test_inflater_names_a_corrupt_body() -> None:
    with pytest.raises(ollama.InvalidResponseError, match='not valid gzip'):
        _inflate('gzip', b'not gzip at all', 100)


def test_body_limit_stops_at_the_first_byte_past_it() -> None:
    body = BodyLimit(10, 'http://h/api/chat')
    body.add(b'12345')
    body.add(b'67890')
    assert body.body() == b'1234567890'
    with pytest.raises(ollama.ReplyTooLargeError, match=r'from http://h/api/chat is larger than max_reply_bytes=10'):
        body.add(b'x')


@pytest.mark.parametrize('pieces', [[b'123456789012'], [b'123456', b'789012'], [b'ok\n12345678', b'9012\n']])
def test_line_limit(pieces: List[bytes]) -> None:
    lines = LineDecoder(max_line=10)
    with pytest.raises(ollama.ReplyTooLargeError, match='longer than max_reply_bytes=10'):
        for piece in pieces:
            list(lines.feed(piece))


def test_lines_within_the_limit_split_as_without_it() -> None:
    data = [b'{"a":1}\n{"b"', b':2}\n\n', b' \n{"c":3}', b'\n']
    assert [line for d in data for line in LineDecoder(max_line=8).feed(d)] == [
        line for d in data for line in LineDecoder().feed(d)
    ]


def test_deadline_caps_timeouts_to_the_time_left() -> None:
    now = [100.0]
    deadline = Deadline(5.0, clock=lambda: now[0])
    assert deadline.cap(None) == 5.0 and deadline.cap(2.0) == 2.0
    now[0] = 104.0
    assert deadline.cap(2.0) == 1.0 and not deadline.expired()
    now[0] = 106.0
    assert deadline.expired() and deadline.remaining() == 0.0 and deadline.cap(None) > 0
    error = deadline.error('http://h/api/chat')
    assert isinstance(error, ollama.TotalTimeout) and isinstance(error, TimeoutError)
    assert 'total timeout of 5 s' in str(error)
