"""What a caller's ``requests.Session`` retries on its own, so that ``Client``'s retries never multiply it.

A session's adapter may carry a urllib3 ``Retry`` (``HTTPAdapter(max_retries=Retry(...))``). urllib3 then
resends inside one ``session.request`` call, unseen by ``Client``, which would resend the whole exchange
again: ``Retry(total=3, status_forcelist=[503])`` under ``retries=2`` made 12 requests for one call.

The rule: for each failure, the mounted ``Retry`` governs when it retries that failure itself (a status in
its ``status_forcelist``, or with a ``Retry-After`` it respects; a refused connection when it has connect
retries; a connection closed before the reply when it has read retries for the method), and ``Client``'s
``retries`` then add none; every other failure is ``Client``'s to retry. The adapter is asked with its own
``is_retry`` and ``increment``, so the answer is urllib3's, on 1.26 and 2.x alike.
"""

from __future__ import annotations

import re
from typing import Optional

import requests
import urllib3
import urllib3.exceptions

from ._errors import ResponseError

__all__ = ['gave_up', 'mounted_retry', 'retries_error', 'retries_status']

#: urllib3's ResponseError.SPECIFIC_ERROR, the same on 1.26 and 2.x.
_TOO_MANY = re.compile(r'too many (\d{3}) error responses')


def mounted_retry(session: requests.Session, url: str) -> Optional[urllib3.Retry]:
    """The urllib3 ``Retry`` of the adapter ``session`` sends ``url`` through, if it has one."""
    try:
        adapter = session.get_adapter(url)
    except requests.exceptions.InvalidSchema:
        return None
    retry = getattr(adapter, 'max_retries', None)
    return retry if isinstance(retry, urllib3.Retry) else None


def retries_status(retry: urllib3.Retry, method: str, status: int, has_retry_after: bool) -> bool:
    """Whether the adapter retried a reply of ``status`` itself, before handing it over."""
    return bool(retry.is_retry(method, status, has_retry_after))


def retries_error(retry: urllib3.Retry, method: str, url: str, *, sent: bool) -> bool:
    """Whether the adapter retries a connection that failed before the reply: refused or never made
    (``sent`` false, a connect error to urllib3), or closed after the request was written (a read error,
    retried only for the methods of ``allowed_methods``)."""
    error = (
        urllib3.exceptions.ProtocolError('Connection aborted.') if sent else urllib3.exceptions.ConnectTimeoutError()
    )
    try:
        retry.increment(method, url, error=error)
    except Exception:  # MaxRetryError, or the error itself re-raised: urllib3 would not retry it
        return False
    return True


def gave_up(exc: requests.exceptions.RetryError) -> Optional[ResponseError]:
    """The reply status that made the adapter's ``Retry`` give up (``raise_on_status=True``), as the
    ``ResponseError`` the last reply would have raised; ``None`` when the error does not say which."""
    found = _TOO_MANY.search(str(exc))
    if found is None:
        return None
    return ResponseError(f"{found.group(0)}: the session's urllib3 Retry gave up", int(found.group(1)))
