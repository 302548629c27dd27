"""Connection settings written for the official client (httpx's names), read the same way by both clients.

Libraries on top of the official client (langchain-ollama, llama-index) pass one ``**kwargs`` dict to both
``Client`` and ``AsyncClient``, in httpx's names. This module takes those names out of the keyword
arguments and normalises them once: ``verify``, ``cert``, ``proxy``/``proxies``, ``trust_env`` and
``limits`` (an object with ``max_connections``/``max_keepalive_connections``, such as ``httpx.Limits``,
never imported here). Each client then maps them onto requests or aiohttp. httpx options that have no
meaning there raise a ``TypeError`` that says what to use instead.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Tuple

__all__ = ['Connection', 'take_connection_kwargs']

#: httpx options that have no requests/aiohttp meaning, and what to use instead.
_INSTEAD = {
    'transport': 'pass session= with a requests.Session (mount an adapter) or an aiohttp.ClientSession of yours',
    'mounts': 'pass session= with a requests.Session (mount adapters per URL) or an aiohttp.ClientSession of yours',
    'http1': 'ollama_lite always speaks HTTP/1.1; leave it out',
    'http2': 'requests and aiohttp speak HTTP/1.1 only; leave it out',
    'app': 'point host= at a running server (ollama_lite.testing has an emulator)',
    'base_url': 'use host=',
    'params': 'ollama_lite sends no query parameters; leave it out',
    'cookies': 'pass session= with the cookies set on it',
    'max_redirects': 'use follow_redirects= (ollama_lite follows at most 10 redirects)',
    'default_encoding': 'replies are UTF-8 JSON; leave it out',
}
#: The httpx names this module reads.
_NAMES = ('verify', 'cert', 'proxy', 'proxies', 'trust_env', 'limits')


@dataclass(frozen=True)
class Connection:
    """Normalised settings; ``None`` everywhere means "not given", so each stack keeps its default.

    ``verify`` is True/False, a CA bundle path or an ``ssl.SSLContext``; ``cert`` a path or a
    ``(cert, key[, password])`` tuple; ``proxies`` maps ``http``/``https``/``all`` to a proxy URL.
    """

    verify: Any = None
    cert: Any = None
    proxies: Optional[Dict[str, str]] = None
    trust_env: Optional[bool] = None
    max_connections: Optional[int] = None
    max_keepalive_connections: Optional[int] = None
    limits_given: bool = False

    def proxy_for(self, url: str) -> Optional[str]:
        """The proxy for ``url``, as requests chooses it: by scheme, else ``all``."""
        if not self.proxies:
            return None
        scheme = url.split('://', 1)[0]
        return self.proxies.get(scheme, self.proxies.get('all'))

    def ssl_context(self) -> Any:
        """What aiohttp's ``ssl=`` takes for ``verify`` and ``cert``: ``None`` (its default), ``False``
        (no verification) or an ``ssl.SSLContext``."""
        if self.verify is None and self.cert is None:
            return None
        if self.verify is False and self.cert is None:
            return False
        if isinstance(self.verify, ssl.SSLContext):
            context = self.verify
        elif isinstance(self.verify, str):
            # A CA bundle file, or a directory of CA files as requests also takes it.
            if os.path.isdir(self.verify):
                context = ssl.create_default_context(capath=self.verify)
            else:
                context = ssl.create_default_context(cafile=self.verify)
        else:
            context = ssl.create_default_context()
            if self.verify is False:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        if self.cert is not None:
            certfile, keyfile, password = _cert_parts(self.cert)
            context.load_cert_chain(certfile, keyfile, password)
        return context


def _cert_parts(cert: Any) -> Tuple[str, Optional[str], Optional[str]]:
    if isinstance(cert, str):
        return cert, None, None
    if isinstance(cert, tuple) and len(cert) in (2, 3) and all(isinstance(x, str) or x is None for x in cert):
        return cert[0], cert[1], cert[2] if len(cert) == 3 else None
    raise TypeError(f'cert must be a path or a (cert, key) or (cert, key, password) tuple of paths, not {cert!r}')


def _proxy_url(value: Any, what: str) -> str:
    url = getattr(value, 'url', value)  # an httpx.Proxy carries its URL
    if url is None or not str(url):
        raise TypeError(f'{what} must be a proxy URL such as "http://proxy:3128", not {value!r}')
    return str(url)


def _proxies(proxy: Any, proxies: Any) -> Optional[Dict[str, str]]:
    if proxy is not None and proxies is not None:
        raise TypeError('give proxy= or proxies=, not both')
    if proxy is not None:
        return {'all': _proxy_url(proxy, 'proxy')}
    if proxies is None:
        return None
    if not isinstance(proxies, Mapping):
        return {'all': _proxy_url(proxies, 'proxies')}
    out = {}
    for key, value in proxies.items():
        # httpx spells the keys 'http://', 'https://', 'all://'; requests 'http', 'https', 'all'.
        scheme = str(key).split('://', 1)[0]
        if scheme not in ('http', 'https', 'all') or ('://' in str(key) and str(key).split('://', 1)[1]):
            raise TypeError(
                f'proxies key {key!r} is not supported: use "http", "https" or "all" (or httpx\'s "http://", '
                '"https://", "all://"); for per-host rules pass session= with proxies of your own'
            )
        if value is not None:
            out[scheme] = _proxy_url(value, f'proxies[{key!r}]')
    return out


def _limit(limits: Any, name: str) -> Optional[int]:
    value = getattr(limits, name, None)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f'limits.{name} must be a whole number >= 1 or None, not {value!r}')
    return value


def take_connection_kwargs(kwargs: Dict[str, Any], owner: str) -> Connection:
    """Remove the httpx-style connection settings from ``kwargs`` and return them normalised.

    Raises ``TypeError`` naming an httpx option that has no meaning here (and what to use instead),
    or a setting of the wrong shape.
    """
    for name in kwargs:
        if name in _INSTEAD:
            raise TypeError(f'{owner}() does not take {name}= (an httpx option): {_INSTEAD[name]}')
    given = {name: kwargs.pop(name) for name in _NAMES if name in kwargs}
    verify = given.get('verify')
    if verify is not None and not isinstance(verify, (bool, str, ssl.SSLContext)):
        raise TypeError(f'verify must be True, False, a CA bundle path or an ssl.SSLContext, not {verify!r}')
    cert = given.get('cert')
    if cert is not None:
        _cert_parts(cert)
    trust_env = given.get('trust_env')
    if trust_env is not None and not isinstance(trust_env, bool):
        raise TypeError(f'trust_env must be True or False, not {trust_env!r}')
    limits = given.get('limits')
    if limits is not None and not (hasattr(limits, 'max_connections') or hasattr(limits, 'max_keepalive_connections')):
        raise TypeError(
            f'limits must have max_connections and/or max_keepalive_connections (as httpx.Limits has), not {limits!r}'
        )
    return Connection(
        verify=verify,
        cert=cert,
        proxies=_proxies(given.get('proxy'), given.get('proxies')),
        trust_env=trust_env,
        max_connections=_limit(limits, 'max_connections') if limits is not None else None,
        max_keepalive_connections=_limit(limits, 'max_keepalive_connections') if limits is not None else None,
        limits_given=limits is not None,
    )


def apply_to_requests(connection: Connection, session: Any, owns_session: bool) -> Dict[str, Any]:
    """Map ``connection`` onto requests: the keyword arguments for each request (``verify``, ``cert``,
    ``proxies``), and ``trust_env`` and the pool size set on the client's own ``session``.

    Raises ``TypeError`` for what requests cannot take (an ``ssl.SSLContext``, a key password) and for
    session settings given together with a caller's ``session``.
    """

    out: Dict[str, Any] = {}
    if isinstance(connection.verify, ssl.SSLContext):
        raise TypeError(
            'requests takes verify=True/False or a CA bundle path, not an ssl.SSLContext; '
            'pass session= with an adapter that uses your context'
        )
    if connection.verify is not None:
        out['verify'] = connection.verify
    if connection.cert is not None:
        certfile, keyfile, password = _cert_parts(connection.cert)
        if password is not None:
            raise TypeError('requests cannot open a client key with a password: give cert=(cert, key) unencrypted')
        out['cert'] = certfile if keyfile is None else (certfile, keyfile)
    if connection.proxies is not None:
        out['proxies'] = dict(connection.proxies)
    if (connection.trust_env is not None or connection.limits_given) and not owns_session:
        raise TypeError('trust_env and limits configure the session Client makes; with session= set them on yours')
    if connection.trust_env is not None:
        session.trust_env = connection.trust_env
    if connection.limits_given:
        # requests keeps up to pool_maxsize connections per host and opens more when busy, as httpx keeps
        # max_keepalive_connections.
        size = connection.max_keepalive_connections or connection.max_connections
        if size is not None:
            # The client's own adapter, which also skips 1xx interim replies, with the pool size asked for.
            from ._informational import InformationalSkippingAdapter

            adapter = InformationalSkippingAdapter(pool_maxsize=size)
            session.mount('http://', adapter)
            session.mount('https://', adapter)
    return out
