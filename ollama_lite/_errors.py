"""One error hierarchy for both clients, split by whose fault it is.

    Exception
    ├── RequestError (ValueError)          arguments rejected before anything was sent
    │   └── ModelfileError                 parse_modelfile(): a Modelfile that cannot be parsed (.line)
    ├── StructuredOutputError (ValueError) parse(): a structured reply does not fit the type asked for
    ├── ToolRunError                       run_tools() stopped before the model answered (.run)
    │   ├── ToolCallError                  on_error='raise' and a tool call failed (.call)
    │   └── MaxRoundsError                 the model still asked for tools after max_rounds rounds
    ├── BatchItemError                     embed_many()/chat_many() with on_error='raise': an input
    │                                      failed (.index, .error)
    ├── ResponseError                      the server answered with an error (status or error line)
    ├── ConnectError (ConnectionError)     the server could not be reached (refused, DNS, TLS), or
    │   │                                  closed the connection without replying
    │   └── ConnectTimeout                 ... within the connect timeout (also a RequestTimeout)
    ├── RequestTimeout (TimeoutError)      a timeout ran out
    │   ├── ConnectTimeout
    │   ├── ReadTimeout                    no byte of the reply for the read timeout
    │   ├── TotalTimeout                   the call's total deadline (Timeout(total=...)) passed
    │   └── PoolTimeout                    hosts=: no host had a free slot within queue_timeout
    └── ProtocolError                      the reply does not follow the Ollama protocol
        ├── InvalidResponseError (ValueError)       a line or body that is not the JSON expected
        ├── IncompleteStreamError (ConnectionError) the body ended before the reply was complete
        └── ReplyTooLargeError                      a reply or stream line past max_reply_bytes

Code written for the official client catches ``ResponseError``, ``RequestError`` and the builtin
``ConnectionError``; all keep working here.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional, Sequence, TypeVar
from urllib.parse import urlsplit

__all__ = [
    'ConnectError',
    'ConnectTimeout',
    'IncompleteStreamError',
    'InvalidResponseError',
    'PoolTimeout',
    'ProtocolError',
    'ReadTimeout',
    'ReplyTooLargeError',
    'RequestError',
    'RequestTimeout',
    'ResponseError',
    'TotalTimeout',
    'broke_off',
    'cannot_connect',
    'connect_timed_out',
    'error_from_reply',
    'no_reply',
    'not_http',
    'plain_reason',
    'read_timed_out',
    'request_failed',
    'tls_failed',
    'too_many_redirects',
]

E = TypeVar('E', bound=BaseException)

#: How much of a non-JSON error body (an HTML page from a proxy) is kept in the message.
_MAX_BODY_IN_MESSAGE = 2000


class RequestError(ValueError):
    """Arguments rejected before anything was sent, e.g. an empty model name.

    >>> client.chat(model='')  # raises RequestError('must provide a model')
    """

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class ResponseError(Exception):
    """The server answered with an error.

    ``error`` is the ``error`` field of a JSON body, else the body text (an HTML or plain-text page
    from a proxy). ``status_code`` is the HTTP status, or -1 for an error line inside a stream
    (the status was already 200 when it arrived). ``signin_url`` is where to sign the server in to
    ollama.com, when a 401 says so (``:cloud`` models, ``whoami``, the web search relay); the message
    names it too.
    """

    def __init__(self, error: str, status_code: int = -1, signin_url: Optional[str] = None) -> None:
        # Accept a raw JSON body as the official client does, so existing code can build one too.
        try:
            parsed = json.loads(error)
        except (TypeError, ValueError):
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get('error'), str):
            error = parsed['error']
        super().__init__(error)
        self.error = error
        self.status_code = status_code
        self.signin_url = signin_url

    def __str__(self) -> str:
        text = f'{self.error} (status code: {self.status_code})'
        return f'{text}; sign in at {self.signin_url}' if self.signin_url else text


class ConnectError(ConnectionError):
    """The server could not be reached (refused, unknown host, TLS failure), or it closed or reset
    the connection before any byte of a reply."""


class RequestTimeout(TimeoutError):
    """A timeout ran out; see ``ConnectTimeout`` and ``ReadTimeout``."""


class ConnectTimeout(ConnectError, RequestTimeout):
    """No connection could be made within the connect timeout."""


class ReadTimeout(RequestTimeout):
    """The server sent nothing for longer than the read timeout (before the reply or between chunks)."""


class TotalTimeout(RequestTimeout):
    """The call did not complete within ``Timeout(total=...)``: connecting, reading, retries and the
    waits between them all count, and for a stream the time until its last chunk."""


class PoolTimeout(RequestTimeout):
    """A client with several hosts (``hosts=``) waited ``queue_timeout`` seconds for a free slot
    (``per_host``) on a host that can serve the model, and got none; nothing was sent."""


class ProtocolError(Exception):
    """The server's reply does not follow the Ollama protocol."""


class InvalidResponseError(ProtocolError, ValueError):
    """A reply body or stream line that is not the JSON expected; the message quotes it."""


class IncompleteStreamError(ProtocolError, ConnectionError):
    """The reply ended before it was complete: a cut connection or a stream without its last line."""


class ReplyTooLargeError(ProtocolError):
    """A non-streamed reply, or one line of a stream, is larger than the client's ``max_reply_bytes``
    (after decompression); reading stopped there, before holding more than that in memory."""


def _excerpt(text: str, secrets: Sequence[str]) -> str:
    # Redacted before it is cut: a secret straddling the cut would otherwise leave its first part behind.
    text = redact_text(text.strip(), secrets)
    if len(text) <= _MAX_BODY_IN_MESSAGE:
        return text
    return f'{text[:_MAX_BODY_IN_MESSAGE]}… ({len(text)} characters in all)'


def error_from_reply(
    status: int, body: bytes, reason: Optional[str] = None, secrets: Sequence[str] = ()
) -> ResponseError:
    """Map a failed reply to a ``ResponseError``: the JSON ``error`` field, else the body text.

    ``secrets`` are replaced by ``<redacted>`` before the body is cut to its excerpt.
    """
    text = body.decode('utf-8', errors='replace')
    message: Any = None
    signin_url: Optional[str] = None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        parsed = None
    if isinstance(parsed, dict):
        message = parsed.get('error')
        if message is not None and not isinstance(message, str):
            message = json.dumps(message)
        if isinstance(parsed.get('signin_url'), str):
            signin_url = parsed['signin_url']
    if message is None:
        message = _excerpt(text, secrets) or reason or f'HTTP {status}'
    return ResponseError(message, status, signin_url)


# --- Transport failures: each transport decides which case it has, the wording lives here once, so
# --- both clients say the same thing for the same failure.


#: What the transports' messages carry that means nothing to a user: object reprs (``<... object at 0x...>``,
#: ``<HTTPConnection(host=..., port=...) at 0x...>``) and the ``_HTTPConnection(host=..., port=...)`` prefix
#: urllib3 2 puts first (the message names the host and port anyway).
_REPR = re.compile(r'<[^<>]* at 0x[0-9a-fA-F]+>[:,]?\s*|\b_?\w*HTTPS?Connection(Pool)?\([^()]*\):?\s*')
#: What is left of urllib3's ``(connection, 'message')`` argument tuple once the connection is gone.
_TUPLE = re.compile(r"^\(\s*'(.*)'\s*\)$")


def plain_reason(text: str) -> str:
    """A transport's error text without the object reprs it holds."""
    plain = _REPR.sub('', text).strip(' :,')
    found = _TUPLE.match(plain)
    return (found.group(1) if found else plain) or text


#: Hosts that are this machine: there, ``ollama serve`` is the fix for a refused connection.
_LOCAL_HOSTS = frozenset({'localhost', '127.0.0.1', '::1', '0.0.0.0', '::', ''})


def cannot_connect(url: str, reason: str, *, unresolved: bool = False) -> ConnectError:
    """The host refused or could not be reached; the message names the host and port tried, says
    ``reason`` in words, and gives the hint that fits: ``ollama serve`` for this machine, the remote
    host's own setup for another, the spelling for a name that does not resolve (``unresolved``)."""
    parts = urlsplit(url)
    host = parts.hostname or ''
    try:
        port = parts.port or (443 if parts.scheme == 'https' else 80)
    except ValueError:  # a port that is not a number: the URL is reported as it is
        port = None
    where = f'host {host}, port {port}' if port is not None else f'host {host}'
    if unresolved:
        hint = 'Check the host name in host= or OLLAMA_HOST.'
    elif host in _LOCAL_HOSTS or host.startswith('127.'):
        hint = 'Is Ollama running (`ollama serve`)? Set OLLAMA_HOST or pass host= to reach another address.'
    else:
        hint = (
            f'Check that Ollama runs on {host} and listens on outside addresses (started there with '
            f'OLLAMA_HOST=0.0.0.0), and that no firewall blocks port {port}; or set OLLAMA_HOST or pass host= '
            'to reach another address.'
        )
    return ConnectError(f'could not connect to Ollama at {url} ({where}): {reason}. {hint}')


def tls_failed(url: str, reason: str) -> ConnectError:
    """The TLS handshake failed, most often a certificate that does not verify."""
    return ConnectError(
        f'TLS failed connecting to {url}: {reason}. To trust a private certificate authority pass '
        'verify="/path/to/ca.pem" (Client) or ssl=ssl.create_default_context(cafile=...) (AsyncClient).'
    )


def no_reply(url: str, reason: str, *, repeatable: bool) -> ConnectError:
    """The request may have reached the server, which then closed or reset the connection before
    any byte of a reply; ``repeatable`` says whether it was safe to send again (see README)."""
    why = (
        'retries are used up'
        if repeatable
        else 'it was not sent again, since the server may have acted on it and this call is not safe to repeat'
    )
    return ConnectError(f'Ollama at {url} closed the connection without replying ({reason}); {why}')


def not_http(url: str, reason: str) -> ProtocolError:
    """Something answered at ``url``, but not with HTTP."""
    return ProtocolError(f'the server at {url} did not answer with HTTP ({reason}); is that address Ollama?')


def connect_timed_out(url: str, reason: str) -> ConnectTimeout:
    return ConnectTimeout(f'timed out connecting to Ollama at {url}: {reason}')


def read_timed_out(url: str, *, midway: bool = False) -> ReadTimeout:
    """No byte for the read timeout: before the reply started, or ``midway`` through its body."""
    where = ' in the middle of the reply' if midway else ''
    return ReadTimeout(f'Ollama at {url} sent nothing within the read timeout{where}')


def broke_off(url: str, reason: str) -> IncompleteStreamError:
    """The connection failed while the body was being read."""
    return IncompleteStreamError(f'the reply from {url} broke off: {reason}')


def too_many_redirects(url: str, reason: str) -> ProtocolError:
    return ProtocolError(f'too many redirects following {url}: {reason}')


def request_failed(url: str, reason: str) -> ConnectError:
    """A transport failure that fits none of the cases above."""
    return ConnectError(f'request to {url} failed: {reason}')


def redact(exc: E, secrets: Sequence[str]) -> E:
    """Replace each of ``secrets`` (credentials the client sends) in ``exc``'s message with ``<redacted>``.

    A server or proxy may echo request headers in an error page or line; the key must not travel on in an
    exception message or a traceback. ``exc`` is changed in place and returned, for ``raise redact(...)``.
    """
    if not secrets:
        return exc

    def clean(value: Any) -> Any:
        return redact_text(value, secrets) if isinstance(value, str) else value

    exc.args = tuple(clean(a) for a in exc.args)
    if isinstance(exc, ResponseError):
        exc.error = clean(exc.error)
    return exc


def redact_text(text: str, secrets: Sequence[str]) -> str:
    """``text`` with each of ``secrets`` replaced by ``<redacted>``; call it before cutting text short."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, '<redacted>')
    return text
