"""One table of faults, driven against the sync client (test_faults_sync) and the async one (test_faults_async).

Each fault scripts what the misbehaving server of ``tests/_faults.py`` answers, attempt by attempt, and
states what the caller must see: the chunks or result delivered, the error raised (its class, builtin
bases and message), how many requests reached the server, which waits the retry policy asked for, and a
time the call must finish within (nothing hangs). A new fault report becomes one more row here.

Every client is made with ``OLLAMA_API_KEY=SECRET``, so every row also proves that the key never shows
up in an error message or traceback.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
import traceback
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Type

import pytest

import ollama_lite as ollama
from tests._faults import (
    DROP,
    GARBAGE,
    RESET,
    Close,
    FaultServer,
    Hold,
    Reply,
    Send,
    bad_chunk_size,
    chunk,
    cut,
    cut_body,
    endless,
    head,
    json_reply,
    ndjson,
    redirect,
    reply,
    slow_headers,
    stall,
    status,
    stream,
    trickle,
)

SECRET = 'sk-fault-suite-0123456789'
MESSAGES = [{'role': 'user', 'content': 'hi'}]
DNS_HOST = 'http://ollama-lite-test.invalid:11434'  # .invalid never resolves (RFC 6761)


def chat_line(content: str, done: bool = False) -> Dict[str, Any]:
    return {'model': 'm', 'message': {'role': 'assistant', 'content': content}, 'done': done}


@dataclass(frozen=True)
class Call:
    """How a row calls the client (the same text for both clients; the async driver awaits) and
    which text of each chunk, or of the result, it records."""

    invoke: Callable[[Any], Any]
    text: Callable[[Any], str]
    stream: bool


CALLS: Mapping[str, Call] = {
    'chat': Call(lambda c: c.chat('m', MESSAGES), lambda r: r.message.content, False),
    'chat_dump': Call(lambda c: c.chat('m', MESSAGES), lambda r: r.model_dump()['message']['content'], False),
    'chat_stream': Call(lambda c: c.chat('m', MESSAGES, stream=True), lambda r: r.message.content, True),
    'generate_stream': Call(lambda c: c.generate('m', 'hi', stream=True), lambda r: r.response, True),
    'embed': Call(lambda c: c.embed('e', 'hi'), lambda r: r.model, False),
    'version': Call(lambda c: c.version(), lambda r: r.version, False),
    'create': Call(lambda c: c.create('m', from_='base'), lambda r: r.status, False),
    'pull': Call(lambda c: c.pull('m'), lambda r: r.status, False),
    'delete': Call(lambda c: c.delete('m'), lambda r: r.status, False),
    'list': Call(lambda c: c.list(), lambda r: ','.join(m.model for m in r.models), False),
    'show': Call(lambda c: c.show('m'), lambda r: r.template, False),
}

#: A wait the retry policy chose by backoff: anything from 0 to the policy's cap.
BACKOFF = None


@dataclass(frozen=True)
class Fault:
    """One row: the server's script, the call, and everything the caller must observe."""

    id: str
    call: str
    replies: Tuple[Reply, ...] = ()
    #: The answer to every request after ``replies`` run out (a redirect loop).
    then: Optional[Reply] = None
    #: The script of the second server, the one ``{other}`` in a redirect points to.
    other: Tuple[Reply, ...] = ()
    #: Where the client points: the misbehaving server, a port that refuses (``refused``) or never
    #: answers (``stalled``), or a name that never resolves (``dns``).
    target: str = 'server'
    client: Mapping[str, Any] = field(default_factory=dict)
    #: ``None``: the call must succeed.
    raises: Optional[Type[BaseException]] = None
    match: str = ''
    #: Builtin classes the error must also be an instance of, for code written against the builtins.
    also: Tuple[Type[BaseException], ...] = ()
    status_code: Optional[int] = None
    #: The texts delivered: each chunk of a stream (before any error), or the one result.
    chunks: Tuple[str, ...] = ()
    #: Requests that reached the server.
    attempts: int = 1
    #: The waits between attempts: exact seconds (Retry-After) or ``BACKOFF``.
    waits: Tuple[Optional[float], ...] = ()
    #: Seconds the whole call may take, errors included.
    within: float = 5.0
    #: Further checks on what the two servers saw.
    check: Optional[Callable[[FaultServer, FaultServer], None]] = None


def _key_dropped_on_other_host(server: FaultServer, other: FaultServer) -> None:
    assert server.requests[0].headers.get('authorization') == f'Bearer {SECRET}'
    assert len(other.requests) == 1
    assert 'authorization' not in other.requests[0].headers
    assert SECRET not in json.dumps(other.requests[0].headers)


def _key_kept_on_same_host(server: FaultServer, other: FaultServer) -> None:
    assert [r.path for r in server.requests] == ['/api/chat', '/v2/api/chat']
    assert all(r.headers.get('authorization') == f'Bearer {SECRET}' for r in server.requests)


def _emoji_split_pieces() -> List[bytes]:
    line = ndjson(chat_line('日本語🦙'))[0]
    at = line.index('🦙'.encode()) + 2  # inside the 4-byte emoji
    return [line[:at], line[at:], *ndjson(chat_line('', done=True))]


_HUGE_TEXT = 'x' * 12_000_000
_HUGE_LINE = ndjson({'model': 'm', 'response': _HUGE_TEXT, 'done': True})[0]
_HTML_502 = b'<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n'  # noqa: E501


def _straddling(cut: int) -> bytes:
    """A page that echoes the request's Authorization header with the key across character ``cut``."""
    start = cut - len(SECRET) // 2
    return (b'x' * (start - len('Bearer ')) + f'Bearer {SECRET} echoed back'.encode()).ljust(cut + 500, b'.')


#: A JSON object nested 100,000 deep: more than json's recursion can decode.
_DEEP = b'{"a":' * 100_000 + b'1' + b'}' * 100_000


def _deep_tool_call() -> Dict[str, Any]:
    arguments: Dict[str, Any] = {'x': 1}
    for _ in range(400):  # 800 levels: json decodes them, Python's recursion cannot re-encode them
        arguments = {'a': [arguments]}
    line = chat_line('ok', done=True)
    line['message']['tool_calls'] = [{'function': {'name': 'f', 'arguments': arguments}}]
    return line


def _gzip_stream(*, close: bool) -> Reply:
    """A gzip-encoded NDJSON stream that is not chunked: framed by Content-Length, or by the close."""
    body = gzip.compress(b''.join(ndjson(chat_line('a'), chat_line('b', done=True))))
    fields = {'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip'}
    if close:
        return (Send(head(200, {**fields, 'Connection': 'close'}) + body), Close())
    return (Send(head(200, {**fields, 'Content-Length': str(len(body))}) + body),)


CAPPED = {'max_reply_bytes': 1 << 20}


@functools.lru_cache(maxsize=None)
def gzip_bomb() -> bytes:
    """64 MiB of zeros, gzip-compressed to about 64 KiB."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b'\0' * (1 << 20)
    parts = [z.compress(zeros) for _ in range(64)]
    return b''.join(parts) + z.flush()


def gzip_reply(body: bytes) -> Reply:
    """A JSON reply whose (already compressed) ``body`` is sent with ``Content-Encoding: gzip``."""
    fields = {'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': str(len(body))}
    return (Send(head(200, fields) + body),)


def gzip_stream(lines: List[bytes], tail: bytes = b'') -> Reply:
    """A chunked NDJSON stream compressed with gzip; ``tail`` (already compressed) follows ``lines``."""
    z = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    body = z.compress(b''.join(lines)) + (z.flush(zlib.Z_SYNC_FLUSH) if tail else z.flush())
    fields = {'Content-Type': 'application/x-ndjson', 'Content-Encoding': 'gzip', 'Transfer-Encoding': 'chunked'}
    pieces = [body] + ([tail[10:]] if tail else [])  # the bomb's deflate data, without its own gzip header
    return (Send(head(200, fields)), *(Send(chunk(p)) for p in pieces), Send(b'0\r\n\r\n'))


CHAT_OK = json_reply(chat_line('ok', done=True))
_CHAT_OK_BODY = json.dumps(chat_line('ok', done=True)).encode()
_CHAT_OK_HEAD = head(200, {'Content-Type': 'application/json', 'Content-Length': str(len(_CHAT_OK_BODY))})
STREAM_OK = stream(ndjson(chat_line('a'), chat_line('b', done=True)))
EMBED_OK = json_reply({'model': 'e', 'embeddings': [[0.5]]})
VERSION_OK = json_reply({'version': '0.13.0'})
SUCCESS_OK = json_reply({'status': 'success'})
LIST_OK = json_reply({'models': [{'model': 'a:latest', 'name': 'a:latest'}]})
SHOW_OK = json_reply({'template': '{{ .Prompt }}'})
FAST_TIMEOUT = {'timeout': (2, 0.3)}

FAULTS: Sequence[Fault] = [
    # --- retried: nothing of the reply had arrived, or the server said "later" ---
    Fault('503-then-ok', 'chat', (status(503), CHAT_OK), chunks=('ok',), attempts=2, waits=(BACKOFF,)),
    Fault('429-retry-after-seconds', 'chat', (status(429, '7'), CHAT_OK), chunks=('ok',), attempts=2, waits=(7.0,)),
    Fault(
        '503-retry-after-past-date',
        'chat_stream',
        (status(503, 'Wed, 21 Oct 2015 07:28:00 GMT'), STREAM_OK),
        chunks=('a', 'b'),
        attempts=2,
        waits=(0.0,),
    ),
    # A Retry-After beyond Retry.max_retry_after (60 s) means "not within our patience": no retry.
    Fault(
        '429-retry-after-past-the-cap-not-retried',
        'chat',
        (status(429, '3600'), CHAT_OK),
        raises=ollama.ResponseError,
        status_code=429,
    ),
    Fault(
        '503-retry-after-billion-seconds-not-retried',
        'chat_stream',
        (status(503, '1000000000'), STREAM_OK),
        raises=ollama.ResponseError,
        status_code=503,
    ),
    Fault(
        '429-retry-after-date-an-hour-away-not-retried',
        'chat',
        (status(429, 'Wed, 21 Oct 2099 07:28:00 GMT'), CHAT_OK),
        raises=ollama.ResponseError,
        status_code=429,
    ),
    Fault(
        '429-retry-after-at-the-cap',
        'chat',
        (status(429, '60'), CHAT_OK),
        chunks=('ok',),
        attempts=2,
        waits=(60.0,),
    ),
    Fault(
        '502-gives-up-after-retries',
        'chat',
        (status(502),) * 3,
        raises=ollama.ResponseError,
        status_code=502,
        attempts=3,
        waits=(BACKOFF, BACKOFF),
    ),
    Fault(
        '504-retries-off',
        'chat',
        (status(504),),
        client={'retries': 0},
        raises=ollama.ResponseError,
        status_code=504,
    ),
    Fault('500-never-retried', 'chat', (status(500),), raises=ollama.ResponseError, status_code=500),
    Fault(
        '503-on-stream-open-then-stream',
        'chat_stream',
        (status(503), STREAM_OK),
        chunks=('a', 'b'),
        attempts=2,
        waits=(BACKOFF,),
    ),
    # --- the request reached the server, which closed or reset without a reply: resent only when the
    # --- endpoint is safe to repeat (README, "Which requests are sent again")
    Fault(
        'closed-after-request-repeatable-embed-retried',
        'embed',
        (DROP, EMBED_OK),
        chunks=('e',),
        attempts=2,
        waits=(BACKOFF,),
    ),
    Fault(
        'closed-after-request-show-retried',
        'show',
        (DROP, SHOW_OK),
        chunks=('{{ .Prompt }}',),
        attempts=2,
        waits=(BACKOFF,),
    ),
    Fault(
        'closed-after-request-repeatable-every-time',
        'embed',
        (DROP,) * 3,
        raises=ollama.ConnectError,
        also=(ConnectionError,),
        match=r'Ollama at http://127\.0\.0\.1:\d+/api/embed closed the connection without replying.*retries',
        attempts=3,
        waits=(BACKOFF, BACKOFF),
    ),
    Fault(
        'reset-after-request-chat-stream-not-resent',
        'chat_stream',
        (RESET, STREAM_OK),
        raises=ollama.ConnectError,
        also=(ConnectionError,),
        match='closed the connection without replying.*not safe to repeat',
    ),
    Fault(
        'closed-after-request-chat-not-resent',
        'chat',
        (DROP, CHAT_OK),
        raises=ollama.ConnectError,
        match='closed the connection without replying',
    ),
    Fault(
        'closed-after-request-create-not-resent',
        'create',
        (DROP, SUCCESS_OK),
        raises=ollama.ConnectError,
        match=r'/api/create closed the connection without replying.*not sent again',
    ),
    Fault('reset-after-request-pull-not-resent', 'pull', (RESET, SUCCESS_OK), raises=ollama.ConnectError),
    Fault(
        # aiohttp resends a DELETE on its own; that resend is a retry, which a delete never gets.
        'closed-after-request-delete-not-resent',
        'delete',
        (DROP, reply(200)),
        raises=ollama.ConnectError,
        match='/api/delete closed the connection without replying',
    ),
    Fault(
        # A GET that aiohttp would resend on its own: with retries off, it is sent once.
        'closed-after-request-get-retries-off',
        'list',
        (DROP, LIST_OK),
        client={'retries': 0},
        raises=ollama.ConnectError,
        match='/api/tags closed the connection without replying',
    ),
    Fault(
        'status-retried-for-a-create',
        'create',
        (status(503), SUCCESS_OK),
        chunks=('success',),
        attempts=2,
        waits=(BACKOFF,),
    ),
    Fault(
        'refused',
        'chat',
        target='refused',
        raises=ollama.ConnectError,
        also=(ConnectionError,),
        # The host and port in words, the reason as the system gives it, the hint for this machine, and no
        # object reprs (urllib3's `<..._HTTPConnection object at 0x...>`).
        match=r'^could not connect to Ollama at http://127\.0\.0\.1:(\d+)/api/chat \(host 127\.0\.0\.1, port \1\): '
        r'the connection was refused\. Is Ollama running \(`ollama serve`\)\?(?!.*(object at|Connection\())',
        attempts=0,
        waits=(BACKOFF, BACKOFF),
    ),
    Fault(
        'refused-retries-off',
        'chat_stream',
        target='refused',
        client={'retries': 0},
        raises=ollama.ConnectError,
        also=(ConnectionError,),
        attempts=0,
    ),
    Fault(
        'connect-timeout-not-retried',
        'chat',
        target='stalled',
        client={'timeout': (0.3, 5)},
        raises=ollama.ConnectTimeout,
        also=(TimeoutError, ConnectionError),
        match='timed out connecting to Ollama at http://127.0.0.1:',
        attempts=0,
        within=1.5,
    ),
    Fault(
        'dns-failure-not-retried',
        'chat',
        target='dns',
        raises=ollama.ConnectError,
        also=(ConnectionError,),
        # The name in words, a hint about the name (not `ollama serve`, which cannot fix it), no reprs.
        match=r'^could not connect to Ollama at http://ollama-lite-test\.invalid:11434/api/chat \(host '
        r'ollama-lite-test\.invalid, port 11434\): the host name does not resolve \([^)]+\)\. Check the host name '
        r'in host= or OLLAMA_HOST\.$',
        attempts=0,
    ),
    Fault(
        'not-http-not-retried',
        'chat',
        (GARBAGE,),
        raises=ollama.ProtocolError,
        match='did not answer with HTTP',
    ),
    # Cut inside the status line or the headers: part of a reply arrived, so no retry.
    Fault('cut-in-status-line', 'chat', ((Send(b'HTTP/1.1 2'), Close()),), raises=ollama.ProtocolError),
    Fault(
        'cut-in-headers',
        'chat',
        ((Send(b'HTTP/1.1 200 OK\r\nContent-Type: appl'), Close()),),
        raises=ollama.ProtocolError,
    ),
    # Cut after a whole header line, before the empty line ending the head: http.client took the end of
    # the stream for the end of the headers, so the sync client returned an empty, successful stream.
    *(
        Fault(
            f'cut-between-header-lines-{call}',
            call,
            ((Send(b'HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n'), Close()),),
            raises=ollama.ProtocolError,
            match='closed in the middle of the status line and headers',
        )
        for call in ('chat_stream', 'chat')
    ),
    Fault(
        'cut-after-status-line',
        'chat_stream',
        ((Send(b'HTTP/1.1 200 OK\r\n'), Close()),),
        raises=ollama.ProtocolError,
        match='closed in the middle of the status line and headers',
    ),
    # --- never retried: the reply had started ---
    Fault(
        'cut-mid-stream',
        'chat_stream',
        (cut(ndjson(chat_line('a'), chat_line('b'))),),
        raises=ollama.IncompleteStreamError,
        also=(ConnectionError,),
        chunks=('a', 'b'),
    ),
    Fault(
        'reset-mid-stream',
        'chat_stream',
        ((*stream(ndjson(chat_line('a')), end=False), Close(reset=True)),),
        raises=ollama.IncompleteStreamError,
        chunks=('a',),
    ),
    Fault(
        'cut-mid-body-post-not-retried',
        'chat',
        (cut_body(json.dumps(chat_line('ok', done=True)).encode(), 10),),
        raises=ollama.IncompleteStreamError,
    ),
    Fault(
        'cut-after-a-retried-503',
        'chat_stream',
        (status(503), cut(ndjson(chat_line('a')))),
        raises=ollama.IncompleteStreamError,
        chunks=('a',),
        attempts=2,
        waits=(BACKOFF,),
    ),
    # A body that ends cleanly without its done line ends quietly, as with the official client...
    Fault('stream-ends-without-done-line', 'chat_stream', (stream(ndjson(chat_line('a'))),), chunks=('a',)),
    Fault('empty-stream', 'generate_stream', (stream([]),)),
    # ... and raises when the client asks for strict streams.
    Fault(
        'stream-ends-without-done-line-strict',
        'chat_stream',
        (stream(ndjson(chat_line('a'))),),
        client={'strict_streams': True},
        raises=ollama.IncompleteStreamError,
        match='ended after 1 line',
        chunks=('a',),
    ),
    Fault(
        'empty-stream-strict',
        'generate_stream',
        (stream([]),),
        client={'strict_streams': True},
        raises=ollama.IncompleteStreamError,
        match='ended after 0 line',
    ),
    # --- bad chunked framing after a good chunk: a documented error, never a hang or a raw exception ---
    *(
        Fault(
            f'bad-chunk-size-{name}-{call}',
            call,
            (bad_chunk_size(ndjson(chat_line('a')), size),),
            client={'retries': 0},
            raises=ollama.IncompleteStreamError,
            also=(ConnectionError,),
            chunks=('a',) if call == 'chat_stream' else (),
        )
        for name, size in (('not-hex', b'zz'), ('negative', b'-1'), ('2-to-the-64', b'10000000000000000'))
        for call in ('chat_stream', 'chat')
    ),
    # --- deep JSON, 1xx interim replies, gzip without chunking: documented errors or the right result ---
    Fault(
        'json-nested-deeper-than-json-decodes',
        'chat',
        (reply(200, _DEEP),),
        raises=ollama.InvalidResponseError,
        match='chat reply is not JSON .nested too deeply',
    ),
    Fault(
        'stream-line-nested-deeper-than-json-decodes',
        'chat_stream',
        (stream([*ndjson(chat_line('a')), _DEEP + b'\n']),),
        raises=ollama.InvalidResponseError,
        match='stream line 2 is not JSON .nested too deeply',
        chunks=('a',),
    ),
    Fault(
        # Valid JSON as deep as json decodes; model_dump() must re-encode what was decoded.
        'deep-tool-call-arguments-model-dump',
        'chat_dump',
        (json_reply(_deep_tool_call()),),
        chunks=('ok',),
    ),
    Fault(
        'early-hints-before-the-reply',
        'chat',
        ((Send(b'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n'), *CHAT_OK),),
        chunks=('ok',),
    ),
    Fault(
        'two-interim-replies-before-a-stream',
        'chat_stream',
        ((Send(b'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'), *STREAM_OK),),
        chunks=('a', 'b'),
    ),
    Fault('gzip-stream-with-content-length', 'chat_stream', (_gzip_stream(close=False),), chunks=('a', 'b')),
    Fault('gzip-stream-until-close', 'chat_stream', (_gzip_stream(close=True),), chunks=('a', 'b')),
    # --- a key echoed back where the message cuts the text short: redacted before the cut ---
    Fault(
        'key-straddling-the-error-page-excerpt',
        'chat',
        (reply(502, _straddling(2000), content_type='text/html'),),
        client={'retries': 0},
        raises=ollama.ResponseError,
        status_code=502,
        match='characters in all',
    ),
    Fault(
        'key-straddling-the-quote-of-a-bad-line',
        'chat_stream',
        (stream([*ndjson(chat_line('a')), _straddling(200) + b'\n']),),
        raises=ollama.InvalidResponseError,
        match='line 2 is not JSON',
        chunks=('a',),
    ),
    Fault(
        'key-straddling-the-quote-of-a-bad-body',
        'chat',
        (reply(200, _straddling(200), content_type='text/plain'),),
        raises=ollama.InvalidResponseError,
        match='reply is not JSON',
    ),
    Fault(
        'key-straddling-the-quote-of-a-cut-last-line',
        'chat_stream',
        (stream([*ndjson(chat_line('a')), _straddling(200)]),),
        raises=ollama.IncompleteStreamError,
        match='in the middle of line 2',
        chunks=('a',),
    ),
    # --- a stream is complete at its final line, whatever the server does next ---
    Fault(
        'final-line-then-the-server-holds-the-body-open',
        'chat_stream',
        ((*stream(ndjson(chat_line('a'), chat_line('b', done=True)), end=False), Hold(5)),),
        chunks=('a', 'b'),
        within=2,
    ),
    Fault(
        'final-line-then-more-bytes-forever',
        'generate_stream',
        ((*stream(ndjson({'response': 'a', 'done': True}), end=False), Hold(5, tick=b'x' * 1000)),),
        chunks=('a',),
        within=2,
    ),
    # --- max_reply_bytes: a reply or stream line past the limit stops there ---
    Fault(
        'gzip-bomb-reply-stops-at-the-limit',
        'chat',
        (gzip_reply(gzip_bomb()),),
        client=CAPPED,
        raises=ollama.ReplyTooLargeError,
        also=(ollama.ProtocolError,),
        match=r'larger than max_reply_bytes=1048576 \(after decompression\)',
    ),
    Fault(
        'endless-reply-stops-at-the-limit',
        'chat',
        (endless(b'x' * 65536, every=0.001),),
        client=CAPPED,
        raises=ollama.ReplyTooLargeError,
    ),
    Fault(
        'gzip-bomb-stream-line-stops-at-the-limit',
        'chat_stream',
        (gzip_stream([*ndjson(chat_line('a'))], tail=gzip_bomb()),),
        client=CAPPED,
        raises=ollama.ReplyTooLargeError,
        match='stream line 2 is longer than max_reply_bytes=1048576',
        chunks=('a',),
    ),
    Fault(
        'gzip-reply-within-the-limit',
        'chat',
        (gzip_reply(gzip.compress(_CHAT_OK_BODY)),),
        client=CAPPED,
        chunks=('ok',),
    ),
    Fault(
        'gzip-stream-within-the-limit',
        'chat_stream',
        (gzip_stream(ndjson(chat_line('a'), chat_line('b', done=True))),),
        client=CAPPED,
        chunks=('a', 'b'),
    ),
    Fault('stream-within-the-limit', 'chat_stream', (STREAM_OK,), client=CAPPED, chunks=('a', 'b')),
    # --- a reply that is there but wrong ---
    Fault(
        'error-line-mid-stream',
        'chat_stream',
        (stream(ndjson(chat_line('a'), {'error': 'model runner crashed'})),),
        raises=ollama.ResponseError,
        match='model runner crashed',
        chunks=('a',),
    ),
    Fault(
        'non-json-line-named',
        'chat_stream',
        (stream([*ndjson(chat_line('a')), b'<html>oops</html>\n']),),
        raises=ollama.InvalidResponseError,
        also=(ValueError,),
        match='line 2 is not JSON.*<html>oops</html>',
        chunks=('a',),
    ),
    Fault(
        'html-error-page',
        'chat',
        (reply(502, _HTML_502, content_type='text/html'),),
        client={'retries': 0},
        raises=ollama.ResponseError,
        match='<h1>502 Bad Gateway</h1>',
        status_code=502,
    ),
    Fault(
        'text-error-page-on-stream',
        'chat_stream',
        (reply(500, b'internal failure\n', content_type='text/plain'),),
        raises=ollama.ResponseError,
        match='internal failure',
        status_code=500,
    ),
    Fault(
        'empty-body-where-json-expected',
        'chat',
        (reply(200, b''),),
        raises=ollama.InvalidResponseError,
        match='empty body',
    ),
    Fault(
        'html-body-where-json-expected',
        'version',
        (reply(200, b'<html>hello</html>', content_type='text/html'),),
        raises=ollama.InvalidResponseError,
        match='not JSON.*<html>hello',
    ),
    # --- timeouts: never hang ---
    Fault(
        'stall-mid-stream',
        'chat_stream',
        (stall(ndjson(chat_line('a')), 3),),
        client=FAST_TIMEOUT,
        raises=ollama.ReadTimeout,
        also=(TimeoutError,),
        match='read timeout',
        chunks=('a',),
        within=1.5,
    ),
    Fault(
        'slow-headers-not-retried',
        'chat',
        (slow_headers(3, CHAT_OK),),
        client=FAST_TIMEOUT,
        raises=ollama.ReadTimeout,
        also=(TimeoutError,),
        within=1.5,
    ),
    Fault(
        'slow-headers-within-timeout', 'chat', (slow_headers(0.2, CHAT_OK),), client={'timeout': (2, 1)}, chunks=('ok',)
    ),
    Fault(
        'reply-trickled-byte-by-byte', 'version', (trickle(VERSION_OK, 0.001),), client=FAST_TIMEOUT, chunks=('0.13.0',)
    ),
    # --- the total deadline (Timeout(total=...)) bounds the whole call ---
    Fault(
        'total-deadline-slow-headers',
        'chat',
        (slow_headers(3, CHAT_OK),),
        client={'timeout': ollama.Timeout(connect=2, total=0.5)},
        raises=ollama.TotalTimeout,
        also=(ollama.RequestTimeout, TimeoutError),
        match=r'did not complete within its total timeout of 0\.5 s',
        within=2,
    ),
    Fault(
        # Every byte comes within the read timeout, but the body never ends in time.
        'total-deadline-trickled-body',
        'chat',
        ((Send(_CHAT_OK_HEAD), Send(_CHAT_OK_BODY, gap=0.05)),),
        client={'timeout': ollama.Timeout(connect=2, read=1, total=0.5)},
        raises=ollama.TotalTimeout,
        within=2,
    ),
    Fault(
        'total-deadline-trickled-stream-line',
        'chat_stream',
        ((*stream(ndjson(chat_line('a')), end=False), Send(chunk(ndjson(chat_line('b'))[0]), gap=0.05), Close()),),
        client={'timeout': ollama.Timeout(connect=2, read=1, total=0.5)},
        raises=ollama.TotalTimeout,
        chunks=('a',),
        within=2,
    ),
    Fault(
        # A Retry-After the policy would honour, but longer than the time left: the error comes at once.
        'total-deadline-refuses-a-wait-past-it',
        'chat',
        (status(503, '30'), CHAT_OK),
        client={'timeout': ollama.Timeout(connect=2, total=5)},
        raises=ollama.ResponseError,
        status_code=503,
        within=2,
    ),
    Fault(
        'total-deadline-not-reached',
        'chat_stream',
        (STREAM_OK,),
        client={'timeout': ollama.Timeout(connect=2, read=1, total=5)},
        chunks=('a', 'b'),
    ),
    # --- sizes and encodings ---
    Fault(
        'twelve-megabyte-line',
        'generate_stream',
        (stream([_HUGE_LINE[i : i + 65536] for i in range(0, len(_HUGE_LINE), 65536)]),),
        chunks=(_HUGE_TEXT,),
    ),
    Fault(
        'multibyte-split-across-chunks',
        'chat_stream',
        (stream(_emoji_split_pieces(), gap=0.02),),
        chunks=('日本語🦙', ''),
    ),
    # --- redirects ---
    Fault(
        'redirect-loop-bounded',
        'chat',
        then=redirect('/api/chat'),
        raises=ollama.ProtocolError,
        match='too many redirects following http://127.0.0.1:',
        attempts=11,
    ),
    Fault(
        'redirect-to-other-host-drops-key',
        'chat',
        (redirect('{other}/api/chat'),),
        other=(CHAT_OK,),
        chunks=('ok',),
        check=_key_dropped_on_other_host,
    ),
    Fault(
        'redirect-on-same-host-keeps-key',
        'chat',
        (redirect('/v2/api/chat', 308), CHAT_OK),
        chunks=('ok',),
        attempts=2,
        check=_key_kept_on_same_host,
    ),
]


def host_for(fault: Fault, server: FaultServer, refused_port: int, stalled_port: Optional[int]) -> str:
    """The host the row's client points at; skips a row this platform cannot set up."""
    if fault.target == 'refused':
        return f'http://127.0.0.1:{refused_port}'
    if fault.target == 'stalled':
        if stalled_port is None:
            pytest.skip('this platform completes connections to a full listen queue; no connect can stall')
        return f'http://127.0.0.1:{stalled_port}'
    if fault.target == 'dns':
        return DNS_HOST
    return server.url


def arm(fault: Fault, server: FaultServer, other: FaultServer) -> None:
    """Load the row's scripts into the two servers."""
    server.script(*fault.replies, then=fault.then)
    other.script(*fault.other)


def verify(
    fault: Fault,
    server: FaultServer,
    other: FaultServer,
    *,
    got: List[str],
    error: Optional[BaseException],
    waits: List[float],
    elapsed: float,
) -> None:
    """Everything the row states about the outcome, checked the same way for both clients."""
    assert elapsed < fault.within, f'took {elapsed:.2f} s, more than {fault.within} s'
    if fault.raises is None:
        assert error is None, f'unexpected {type(error).__name__}: {error}'
    else:
        assert error is not None, f'expected {fault.raises.__name__}, got a result: {got!r}'
        assert isinstance(error, fault.raises), f'expected {fault.raises.__name__}, got {type(error)!r}: {error}'
        for base in fault.also:
            assert isinstance(error, base), f'{type(error).__name__} is not a {base.__name__}'
        assert re.search(fault.match, str(error), re.DOTALL), f'{fault.match!r} not in {str(error)!r}'
        if fault.status_code is not None:
            assert isinstance(error, ollama.ResponseError) and error.status_code == fault.status_code
        shown = ''.join(traceback.format_exception(type(error), error, error.__traceback__))
        # Not even a part: the first 8 characters of the key would narrow it down.
        assert SECRET[:8] not in shown and SECRET[:8] not in repr(error), shown
    assert tuple(got) == fault.chunks
    assert len(server.requests) == fault.attempts, [(r.method, r.path) for r in server.requests]
    assert len(waits) == len(fault.waits), waits
    for waited, expected in zip(waits, fault.waits):
        if expected is BACKOFF:
            assert 0.0 <= waited <= ollama.Retry().max_backoff
        else:
            assert waited == expected
    if fault.check is not None:
        fault.check(server, other)


#: A blob upload: HEAD says missing, the first POST is refused with 503, the second is accepted. Each
#: attempt must send the whole file again, read afresh from disk.
BLOB = b'GGUF' + bytes(range(256)) * 256
BLOB_REPLIES = (reply(404), status(503), reply(201))


def verify_blob_upload(server: FaultServer, digest: str, waits: List[float]) -> None:
    assert [(r.method, r.path) for r in server.requests] == [('HEAD', f'/api/blobs/{digest}')] + [
        ('POST', f'/api/blobs/{digest}')
    ] * 2
    assert [r.body for r in server.requests[1:]] == [BLOB, BLOB]
    assert len(waits) == 1
