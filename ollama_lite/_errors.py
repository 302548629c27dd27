"""One error hierarchy for both clients, split by whose fault it is.

    Exception
    ├── RequestError (ValueError)          arguments rejected before anything was sent
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
from typing import Any, Optional

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
    'error_from_reply',
]

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
