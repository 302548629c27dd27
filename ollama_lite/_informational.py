"""A requests adapter whose connections skip 1xx interim replies (``103 Early Hints`` and the like).

http.client skips only ``100 Continue``; any other 1xx before the real reply is taken as the reply
itself, with no body, and the real one is lost. aiohttp and httpx skip them, as RFC 9110 section 15.2
says a client must. The client's own session mounts this adapter; a caller's session is left as it is.
"""

from __future__ import annotations

import http.client
from typing import Tuple

import requests.adapters
import urllib3
import urllib3.connection

__all__ = ['InformationalSkippingAdapter']


class _SkippingResponse(http.client.HTTPResponse):
    def _read_status(self) -> Tuple[str, int, str]:
        # http.client's own status-line reader, unchanged since Python 3.0; begin() calls it and
        # skips the headers of a 100 itself. The headers of the others are skipped here.
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if status == 100 or not 100 < status < 200 or status == 101:
                return version, status, reason
            http.client.parse_headers(self.fp)


class _HTTPConnection(urllib3.connection.HTTPConnection):
    response_class = _SkippingResponse


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    response_class = _SkippingResponse


class _HTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class InformationalSkippingAdapter(requests.adapters.HTTPAdapter):
    """requests' ``HTTPAdapter``, with connections that skip 1xx interim replies."""

    def __init__(self, pool_maxsize: int = requests.adapters.DEFAULT_POOLSIZE) -> None:
        super().__init__(pool_maxsize=pool_maxsize)
        self.poolmanager.pool_classes_by_scheme = {'http': _HTTPConnectionPool, 'https': _HTTPSConnectionPool}
