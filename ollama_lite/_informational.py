"""A requests adapter whose connections read a reply's head as RFC 9112 has it.

- 1xx interim replies (``103 Early Hints`` and the like) are skipped. http.client skips only
  ``100 Continue``; any other 1xx before the real reply is taken as the reply itself, with no body, and
  the real one is lost. aiohttp and httpx skip them, as RFC 9110 section 15.2 says a client must.
- A head cut off by the connection closing before its empty line is an error. http.client takes the
  end of the stream for the end of the headers, so a server dying in the middle of them gave a reply
  of 200 with an empty body: an empty, successful stream. aiohttp raises there too.

The client's own session mounts this adapter; a caller's session is left as it is.
"""

from __future__ import annotations

import http.client
from typing import Any, Optional, Tuple

import requests.adapters
import urllib3
import urllib3.connection

__all__ = ['HeadCutOff', 'InformationalSkippingAdapter']


class HeadCutOff(http.client.BadStatusLine):
    """The connection closed in the middle of a reply's status line and headers.

    A ``BadStatusLine``, so that urllib3 and the retry policy treat it as they treat a reply that is
    not HTTP: part of a reply arrived, the request is not sent again.
    """

    def __init__(self) -> None:
        super().__init__('the connection closed in the middle of the status line and headers')


class _LineWatcher:
    """The reply's file while its head is read: remembers the last line, to tell the empty line that
    ends a head from the end of the stream. ``begin`` reads the head with ``readline`` only."""

    __slots__ = ('_fp', 'last')

    def __init__(self, fp: Any) -> None:
        self._fp = fp
        self.last: Optional[bytes] = None

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self._fp.readline(limit)
        self.last = line
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fp, name)


class _SkippingResponse(http.client.HTTPResponse):
    def begin(self) -> None:
        fp = self.fp
        watcher = _LineWatcher(fp)
        self.fp = watcher  # type: ignore[assignment]
        try:
            super().begin()
        finally:
            current: Any = self.fp  # the reply's own file again, unless begin() put another in its place
            if current is watcher:
                self.fp = fp
        if watcher.last == b'':
            raise HeadCutOff()

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
