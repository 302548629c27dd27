"""One error hierarchy for both clients, split by whose fault it is.

    Exception
    ├── RequestError (ValueError)          arguments rejected before anything was sent
    │   └── ModelfileError                 parse_modelfile(): a Modelfile that cannot be parsed (.line)
├── StructuredOutputError (ValueError) parse(): a structured reply does not fit the type asked for
    ├── ResponseError                      the server answered with an error (status or error line)
    ├── ConnectError (ConnectionError)     the server could not be reached: refused, DNS, TLS
    │   └── ConnectTimeout                 ... within the connect timeout (also a RequestTimeout)
    ├── RequestTimeout (TimeoutError)      a timeout ran out
    │   ├── ConnectTimeout
    │   └── ReadTimeout                    no byte of the reply for the read timeout
    └── ProtocolError                      the reply does not follow the Ollama protocol
        ├── InvalidResponseError (ValueError)       a line or body that is not the JSON expected
        └── IncompleteStreamError (ConnectionError) the body ended before the reply was complete

Code written for the official client catches ``ResponseError``, ``RequestError`` and the builtin
``ConnectionError``; all keep working here.
"""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence, TypeVar

__all__ = [
    'ConnectError',
    'ConnectTimeout',
    'IncompleteStreamError',
    'InvalidResponseError',
    'ProtocolError',
    'ReadTimeout',
    'RequestError',
    'RequestTimeout',
    'ResponseError',
    'broke_off',
    'cannot_connect',
    'connect_timed_out',
    'error_from_reply',
    'not_http',
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
    (the status was already 200 when it arrived).
    """

    def __init__(self, error: str, status_code: int = -1) -> None:
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

    def __str__(self) -> str:
        return f'{self.error} (status code: {self.status_code})'


class ConnectError(ConnectionError):
    """The server could not be reached (refused, unknown host, TLS failure)."""


class RequestTimeout(TimeoutError):
    """A timeout ran out; see ``ConnectTimeout`` and ``ReadTimeout``."""


class ConnectTimeout(ConnectError, RequestTimeout):
    """No connection could be made within the connect timeout."""


class ReadTimeout(RequestTimeout):
    """The server sent nothing for longer than the read timeout (before the reply or between chunks)."""


class ProtocolError(Exception):
    """The server's reply does not follow the Ollama protocol."""


class InvalidResponseError(ProtocolError, ValueError):
    """A reply body or stream line that is not the JSON expected; the message quotes it."""


class IncompleteStreamError(ProtocolError, ConnectionError):
    """The reply ended before it was complete: a cut connection or a stream without its last line."""


def _excerpt(text: str) -> str:
    text = text.strip()
    if len(text) <= _MAX_BODY_IN_MESSAGE:
        return text
    return f'{text[:_MAX_BODY_IN_MESSAGE]}… ({len(text)} characters in all)'


def error_from_reply(status: int, body: bytes, reason: Optional[str] = None) -> ResponseError:
    """Map a failed reply to a ``ResponseError``: the JSON ``error`` field, else the body text."""
    text = body.decode('utf-8', errors='replace')
    message: Any = None
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = parsed.get('error')
        if message is not None and not isinstance(message, str):
            message = json.dumps(message)
    if message is None:
        message = _excerpt(text) or reason or f'HTTP {status}'
    return ResponseError(message, status)


# --- Transport failures: each transport decides which case it has, the wording lives here once, so
# --- both clients say the same thing for the same failure.


def cannot_connect(url: str, reason: str) -> ConnectError:
    """The host refused or could not be reached; the message says how to fix it."""
    return ConnectError(
        f'could not connect to Ollama at {url}: {reason}. Is Ollama running (`ollama serve`)? '
        'Set OLLAMA_HOST or pass host= to reach another address.'
    )


def tls_failed(url: str, reason: str) -> ConnectError:
    """The TLS handshake failed, most often a certificate that does not verify."""
    return ConnectError(
        f'TLS failed connecting to {url}: {reason}. To trust a private certificate authority pass '
        'verify="/path/to/ca.pem" (Client) or ssl=ssl.create_default_context(cafile=...) (AsyncClient).'
    )


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
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, '<redacted>')
        return value

    exc.args = tuple(clean(a) for a in exc.args)
    if isinstance(exc, ResponseError):
        exc.error = clean(exc.error)
    return exc
