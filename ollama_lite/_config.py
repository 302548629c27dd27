"""Client configuration that knows nothing of transports: host, headers, timeouts, retries, auth.

Each value is normalised once here, in one constructor, so the clients never re-parse user input.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import platform
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Tuple, Union

from ._errors import RequestError
from ._limits import ACCEPT_ENCODING, check_limit
from ._version import __version__

__all__ = ['DEFAULT_HOST', 'KEYLESS_PATHS', 'ClientConfig', 'Retry', 'Timeout', 'parse_host']

DEFAULT_HOST = 'http://127.0.0.1:11434'
_DEFAULT_PORT = 11434

#: The origin that ``web_search`` and ``web_fetch`` talk to; the only host besides ``host`` that sees the API key.
CLOUD_ORIGIN = 'https://ollama.com'
#: Paths of the server's own web search relay: the server signs the call to ollama.com itself and drops any
#: Authorization header, so the API key from ``OLLAMA_API_KEY`` is not sent there.
KEYLESS_PATHS = ('/api/experimental/web_search', '/api/experimental/web_fetch')


def parse_host(host: Optional[str]) -> str:
    """Normalise an Ollama host string into a base URL, as the official client does.

    ``None`` or ``''`` is the local default; a bare host gets ``http`` and port 11434; ``http://`` without a
    port gets 80 and ``https://`` 443; IPv6 addresses keep their brackets; a path prefix is kept and a
    trailing ``/`` dropped. Raises ``ValueError`` naming the host when it cannot be a URL.

    >>> parse_host('example.com:8080/ollama/')
    'http://example.com:8080/ollama'
    """
    text = (host or '').strip()
    host = _without_credentials(text)  # every message below quotes the host; none may show a password
    port = _DEFAULT_PORT
    scheme, sep, rest = text.partition('://')
    if not sep:
        scheme, rest = 'http', text
    else:
        scheme = scheme.lower()
        if scheme == 'http':
            port = 80
        elif scheme == 'https':
            port = 443
        else:
            raise ValueError(f'invalid Ollama host {host!r}: the scheme must be http or https, not {scheme!r}')
    if any(c.isspace() for c in rest):
        raise ValueError(f'invalid Ollama host {host!r}: it contains white space')
    split = urllib.parse.urlsplit(f'{scheme}://{rest}')
    if split.query or split.fragment:
        raise ValueError(f'invalid Ollama host {host!r}: a host cannot carry a query or fragment')
    try:
        port = split.port or port
    except ValueError:
        raise ValueError(f'invalid Ollama host {host!r}: the port must be a number from 0 to 65535') from None
    name = split.hostname or '127.0.0.1'
    try:
        if isinstance(ipaddress.ip_address(name), ipaddress.IPv6Address):
            name = f'[{name}]'
    except ValueError:
        if '[' in rest.split('/')[0] or not all(c.isalnum() or c in '.-_' for c in name):
            raise ValueError(f'invalid Ollama host {host!r}: {name!r} is not a host name or address') from None
    path = split.path.strip('/')
    base = f'{scheme}://{name}:{port}'
    return f'{base}/{path}' if path else base


def _without_credentials(host: str) -> str:
    """``host`` with any ``user:password@`` replaced by ``***@``, for error messages."""
    scheme, sep, rest = host.partition('://')
    if not sep:
        scheme, rest = '', host
    if '@' not in rest:
        return host
    # Up to the last "@": a password may hold "/" or "@" unescaped, and hiding too much is harmless here.
    return f'{scheme}{sep}***@{rest.rpartition("@")[2]}'


@dataclass(frozen=True)
class Timeout:
    """How long to wait, in seconds; ``None`` waits forever.

    ``connect`` bounds making the connection; ``read`` bounds each wait for bytes of the reply, that is
    the wait for the headers and the gap between two stream chunks, not the whole reply (a long
    generation is fine as long as tokens keep coming). ``total``, off by default, bounds the whole
    call: connecting, every read, retries and the waits between them, until the reply is complete (for
    a non-streamed call the whole body, for a stream its last chunk); it raises ``TotalTimeout``.
    Each is a positive number of seconds up to ``MAX_SECONDS``, or ``None``; anything else raises
    ``RequestError``.
    """

    connect: Optional[float] = 10.0
    read: Optional[float] = None
    total: Optional[float] = None

    def __post_init__(self) -> None:
        for name in ('connect', 'read', 'total'):
            _seconds(getattr(self, name), f'{name} timeout')

    @classmethod
    def of(cls, value: Any) -> Timeout:
        """Normalise what users pass as ``timeout``: a ``Timeout``, ``None`` (no limit), a number
        (both limits), a ``(connect, read)`` pair, as requests takes them, or any object with ``connect``
        and ``read`` attributes, as ``httpx.Timeout`` has."""
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls(None, None)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cls(_seconds(value, 'timeout'), _seconds(value, 'timeout'))
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return cls(_seconds(value[0], 'connect timeout'), _seconds(value[1], 'read timeout'))
        if hasattr(value, 'connect') and hasattr(value, 'read'):
            # An httpx.Timeout, as code written for the official client passes it (httpx is not imported).
            return cls(_seconds(value.connect, 'timeout.connect'), _seconds(value.read, 'timeout.read'))
        raise TypeError(
            'timeout must be a number, a (connect, read) pair, None, ollama_lite.Timeout or an object with '
            f'connect and read attributes (httpx.Timeout), not {value!r}'
        )


#: The longest timeout accepted: a year. Longer ones overflow the clocks of sockets and event loops
#: (``inf`` raises ``OverflowError`` deep in the transport); ``None`` is how to wait forever.
MAX_SECONDS = 365 * 24 * 3600.0


def _seconds(value: Any, what: str) -> Optional[float]:
    if value is None:
        return None
    # "not 0 < value <= MAX" also refuses NaN, for which every comparison is false.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_SECONDS:
        raise RequestError(
            f'{what} must be a positive number of seconds up to {MAX_SECONDS:g} (a year), '
            f'or None to wait forever; got {value!r}'
        )
    return float(value)


@dataclass(frozen=True)
class Retry:
    """When and how a failed request is tried again (see README, "Errors and retries").

    ``total`` extra attempts at most; waits grow as ``backoff * 2**n`` with full jitter, capped at
    ``max_backoff``; a ``Retry-After`` header is honoured up to ``max_retry_after`` seconds.
    """

    total: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    statuses: Tuple[int, ...] = (429, 502, 503, 504)

    @classmethod
    def of(cls, value: Any) -> Retry:
        """Normalise ``retries``: a ``Retry``, or a number of extra attempts (0 turns retrying off)."""
        if isinstance(value, Retry):
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f'retries must be a whole number >= 0 or ollama_lite.Retry, not {value!r}')
        return cls(total=value)


#: Headers that frame the message: the transports set them from the body and the URL. One given in
#: ``headers=`` would contradict them (aiohttp sends both, and the connection falls out of step).
_FRAMING_HEADERS = frozenset({'content-length', 'transfer-encoding', 'host'})
#: RFC 9110 token characters, what a header name may be made of.
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _check_headers(headers: Mapping[str, Any], where: str) -> None:
    """Refuse, as ``RequestError``, headers no transport can send as they are: the transports would
    raise a ``ValueError``, a ``UnicodeEncodeError`` or a ``ConnectionError`` mid-request instead."""
    for name, value in headers.items():
        if not isinstance(name, str) or not name or not set(name) <= _TOKEN:
            raise RequestError(f'{where}: {name!r} is not a valid header name')
        if name in _FRAMING_HEADERS:
            raise RequestError(
                f'{where}: {name!r} cannot be set: the client frames each request itself '
                '(Content-Length and Transfer-Encoding from the body, Host from the URL)'
            )
        if not isinstance(value, str):
            raise RequestError(f'{where}: the value of {name!r} must be a string, not {type(value).__name__}')
        _check_header_value(
            value, f'header {name!r} in {where}', secret=name in ('authorization', 'proxy-authorization')
        )


def _check_header_value(value: str, what: str, *, secret: bool = False) -> None:
    # A line break would end the header and start another (header injection); HTTP/1.1 header values
    # travel as Latin-1. A secret's value is never quoted in the message.
    shown = '' if secret else f' (value {value!r})'
    if any(c in value for c in '\r\n\0'):
        raise RequestError(f'{what}{shown} contains a line break or NUL, which cannot be sent in a header')
    try:
        value.encode('latin-1')
    except UnicodeEncodeError:
        raise RequestError(
            f'{what}{shown} contains characters outside Latin-1, which cannot be sent in a header'
        ) from None


class Secrets(Tuple[str, ...]):
    """Credentials to keep out of error messages; its repr shows none of them (objects get printed)."""

    def __repr__(self) -> str:
        return f'<{len(self)} secret(s)>'


def basic_authorization(user: str, password: str) -> str:
    """The ``Authorization`` value for HTTP Basic credentials, encoded in latin-1 as requests and aiohttp do."""
    return 'Basic ' + base64.b64encode(f'{user}:{password}'.encode('latin-1')).decode('ascii')


def _user_agent() -> str:
    return (
        f'ollama-lite/{__version__} ({platform.machine()} {platform.system().lower()}) '
        f'Python/{platform.python_version()}'
    )


@dataclass(frozen=True)
class ClientConfig:
    """Everything a client needs to know before it moves a byte; shared by ``Client`` and ``AsyncClient``."""

    base_url: str
    headers: Mapping[str, str] = field(repr=False)
    timeout: Timeout
    retry: Retry
    follow_redirects: bool = True
    max_redirects: int = 10
    #: An Authorization header for the configured host only (the async client's ``auth=``); requests to
    #: ollama.com keep the API key.
    own_authorization: Optional[str] = field(default=None, repr=False)
    #: Raise ``IncompleteStreamError`` when a stream's body ends cleanly without its final line.
    strict_streams: bool = False
    #: Whether the Authorization header is the ``OLLAMA_API_KEY`` (not one the caller passed in ``headers``).
    key_from_env: bool = False
    #: The most bytes a non-streamed reply (after decompression) or one stream line may have; None: no limit.
    max_reply_bytes: Optional[int] = None
    #: Whether the caller's ``headers`` named a User-Agent (it then beats the one of a caller's session).
    user_agent_given: bool = False

    @classmethod
    def build(
        cls,
        host: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Any = Timeout(),
        retries: Union[int, Retry] = 2,
        follow_redirects: bool = True,
        strict_streams: bool = False,
        max_reply_bytes: Optional[int] = None,
    ) -> ClientConfig:
        """Apply the defaults: ``OLLAMA_HOST``, JSON headers, a ``User-Agent``, and
        ``Authorization: Bearer $OLLAMA_API_KEY`` unless the caller gave an Authorization header."""
        merged = {k.lower(): v for k, v in (headers or {}).items() if v is not None}
        merged['content-type'] = 'application/json'
        merged['accept'] = 'application/json'
        user_agent_given = 'user-agent' in merged
        merged.setdefault('user-agent', _user_agent())
        _check_headers(merged, 'headers=')
        max_reply_bytes = check_limit(max_reply_bytes)
        if max_reply_bytes is not None:
            # Only what _limits decodes itself, with bounded output: no brotli or zstd from the transports.
            merged['accept-encoding'] = ACCEPT_ENCODING
        api_key = os.environ.get('OLLAMA_API_KEY')
        key_from_env = bool(api_key) and 'authorization' not in merged
        if api_key and key_from_env:
            _check_header_value(api_key, 'OLLAMA_API_KEY', secret=True)
            merged['authorization'] = f'Bearer {api_key}'
        return cls(
            base_url=parse_host(host if host is not None else os.environ.get('OLLAMA_HOST')),
            headers=merged,
            timeout=Timeout.of(timeout),
            retry=Retry.of(retries),
            follow_redirects=follow_redirects,
            strict_streams=bool(strict_streams),
            key_from_env=key_from_env,
            max_reply_bytes=max_reply_bytes,
            user_agent_given=user_agent_given,
        )

    def url(self, path: str) -> str:
        """The absolute URL of an API path; absolute URLs (the cloud endpoints) pass through."""
        return path if '://' in path else self.base_url + path

    def is_own(self, url: str) -> bool:
        """Whether ``url`` is on the configured host (under its path prefix): the only place that sees the
        caller's own credentials, such as requests' ``auth=``."""
        return url.startswith(self.base_url + '/')

    def headers_for(
        self, url: str, content_type: Optional[str] = None, *, session_agent: bool = False
    ) -> Mapping[str, str]:
        """Headers for a request to ``url``: the API key goes only to the configured host and ollama.com, and
        not to the server's web search relay (:data:`KEYLESS_PATHS`), which does not need it.

        ``content_type`` replaces the JSON content type, for bodies that are not JSON (blob uploads).
        ``session_agent`` says the caller's session has a User-Agent of its own: it is left to the session
        (which is used as it is), unless ``headers=`` named one.
        """
        headers = self.headers
        if session_agent and not self.user_agent_given:
            headers = {k: v for k, v in headers.items() if k != 'user-agent'}
        own = self.is_own(url)
        if own and self.own_authorization is not None:
            headers = {**headers, 'authorization': self.own_authorization}
        elif ('authorization' in headers and not (own or url.startswith(CLOUD_ORIGIN + '/'))) or self._keyless(url):
            headers = {k: v for k, v in headers.items() if k != 'authorization'}
        if content_type is not None:
            headers = {**headers, 'content-type': content_type}
        return headers

    def _keyless(self, url: str) -> bool:
        # Only the key that came from OLLAMA_API_KEY: an Authorization the caller passed may be for a proxy.
        return self.key_from_env and self.is_own(url) and url[len(self.base_url) :] in KEYLESS_PATHS

    @property
    def secrets(self) -> Secrets:
        """The credentials this client sends (the API key, ``auth=``), to keep out of error messages."""
        values = (self.headers.get('authorization'), self.own_authorization)
        # The part after the scheme ("Bearer", "Basic") is the secret; long enough not to match by chance.
        return Secrets(v.split(' ', 1)[-1] for v in values if v and len(v.split(' ', 1)[-1]) >= 4)

    def __repr__(self) -> str:
        hidden = 'authorization' in self.headers or self.own_authorization is not None
        auth = ', authorization=<hidden>' if hidden else ''
        return f'ClientConfig(base_url={self.base_url!r}, timeout={self.timeout!r}, retry={self.retry!r}{auth})'
