"""The retry policy on its own: which failures are tried again, how long it waits, when it gives up.

No transport and no sleeping: the clock and the random source are stubs, so every delay is exact.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from typing import Any, Optional

import pytest
import requests
import urllib3

from ollama_lite import Retry
from ollama_lite._retry import Attempts, connect_failure_kind, parse_retry_after, retriable_connect_failure

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def _attempts(policy: Retry, rand: float = 1.0) -> Attempts:
    return Attempts(policy, rand=lambda: rand, now=lambda: NOW)


@pytest.mark.parametrize(
    ('header', 'seconds'),
    [
        (None, None),
        ('7', 7.0),
        (' 1.5 ', 1.5),
        ('0', 0.0),
        ('-3', 0.0),  # never a negative wait
        ('nan', None),
        ('soon', None),
        ('', None),
        ('Tue, 14 Nov 2023 22:13:50 GMT', 30.0),
        ('Tue, 14 Nov 2023 22:13:50 -0000', 30.0),  # a naive date is GMT, as HTTP dates always are
        ('Tue, 14 Nov 2023 22:13:50', 30.0),
        ('Tue, 14 Nov 2023 23:13:50 +0100', 30.0),
        ('Tue, 14 Nov 2023 22:00:00 GMT', 0.0),  # a date in the past means now
    ],
)
def test_parse_retry_after(header: Optional[str], seconds: Optional[float]) -> None:
    assert parse_retry_after(header, now=lambda: NOW) == seconds


def test_backoff_doubles_with_full_jitter_up_to_the_cap() -> None:
    policy = Retry(total=6, backoff=0.5, max_backoff=4.0)
    top = _attempts(policy, rand=1.0)
    assert [top.after_connect_error() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, None]
    assert top.retries == 6
    half = _attempts(policy, rand=0.5)
    assert [half.after_connect_error() for _ in range(3)] == [0.25, 0.5, 1.0]
    assert _attempts(policy, rand=0.0).after_connect_error() == 0.0


def test_jitter_draws_from_the_random_source_each_time() -> None:
    draws = iter([0.1, 0.9])
    attempts = Attempts(Retry(total=2, backoff=1.0), rand=lambda: next(draws), now=lambda: NOW)
    assert attempts.after_connect_error() == pytest.approx(0.1)
    assert attempts.after_connect_error() == pytest.approx(1.8)


@pytest.mark.parametrize('status', [429, 502, 503, 504])
def test_retried_statuses(status: int) -> None:
    attempts = _attempts(Retry(total=2))
    assert attempts.after_status(status, {}) == 0.5
    assert attempts.after_status(status, {}) == 1.0
    assert attempts.after_status(status, {}) is None


@pytest.mark.parametrize('status', [400, 401, 403, 404, 500, 501])
def test_other_statuses_are_not_retried_and_use_no_attempt(status: int) -> None:
    attempts = _attempts(Retry(total=2))
    assert attempts.after_status(status, {'retry-after': '1'}) is None
    assert attempts.retries == 0


def test_retry_after_replaces_backoff() -> None:
    attempts = _attempts(Retry(total=3, max_retry_after=60.0))
    assert attempts.after_status(429, {'retry-after': '7'}) == 7.0
    assert attempts.after_status(503, {'retry-after': '60'}) == 60.0
    assert attempts.after_status(503, {'retry-after': 'Tue, 14 Nov 2023 22:13:30 GMT'}) == 10.0


@pytest.mark.parametrize('value', ['61', '3600', '1000000000', '1e400', 'Tue, 14 Nov 2023 23:13:20 GMT'])
def test_retry_after_past_the_cap_means_do_not_retry(value: str) -> None:
    attempts = _attempts(Retry(total=3, max_retry_after=60.0))
    assert attempts.after_status(503, {'retry-after': value}) is None
    assert attempts.retries == 0


def test_a_request_that_may_have_arrived_is_resent_only_when_repeatable() -> None:
    reset = ConnectionResetError(104, 'Connection reset by peer')
    assert _attempts(Retry(total=1)).after_connect_error(reset, sent=False) == 0.5
    assert Attempts(Retry(total=1), repeatable=False).after_connect_error(reset, sent=True) is None
    assert Attempts(Retry(total=1), repeatable=True, rand=lambda: 1.0).after_connect_error(reset, sent=True) == 0.5
    assert Attempts(Retry(total=1), repeatable=False, rand=lambda: 1.0).after_connect_error(reset) == 0.5


def test_a_transports_own_resend_is_one_retry() -> None:
    attempts = Attempts(Retry(total=2), repeatable=True)
    assert attempts.resent_by_transport() is True
    assert attempts.after_connect_error(sent=True, cost=2) is None  # two more sends do not fit
    assert attempts.after_connect_error(sent=True) is not None
    assert attempts.resent_by_transport() is False
    assert Attempts(Retry(total=2), repeatable=False).resent_by_transport() is False


def test_unreadable_retry_after_falls_back_to_backoff() -> None:
    assert _attempts(Retry(total=1)).after_status(503, {'retry-after': 'later'}) == 0.5


def test_status_and_connection_retries_share_one_budget() -> None:
    attempts = _attempts(Retry(total=2))
    assert attempts.after_connect_error() is not None
    assert attempts.after_status(503, {}) is not None
    assert attempts.after_status(503, {}) is None
    assert attempts.after_connect_error() is None


def test_zero_retries_turns_retrying_off() -> None:
    attempts = _attempts(Retry.of(0))
    assert attempts.after_status(503, {}) is None
    assert attempts.after_connect_error(ConnectionRefusedError()) is None


def test_custom_statuses() -> None:
    attempts = _attempts(Retry(total=1, statuses=(500,)))
    assert attempts.after_status(503, {}) is None
    assert attempts.after_status(500, {}) == 0.5


@pytest.mark.parametrize('value', [True, -1, 1.5, '2', None])
def test_retry_of_rejects_bad_values(value: Any) -> None:
    with pytest.raises(ValueError, match='retries must be'):
        Retry.of(value)


def test_retry_of_forms() -> None:
    assert Retry.of(3) == Retry(total=3)
    policy = Retry(total=1, backoff=0.1)
    assert Retry.of(policy) is policy


def _requests_error(reason: BaseException) -> requests.ConnectionError:
    """What requests raises for ``reason``, nested as it nests it: ConnectionError(MaxRetryError(reason=...))."""
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, '/api/chat', reason))  # type: ignore[arg-type]


def _chained(outer: BaseException, cause: BaseException) -> BaseException:
    outer.__cause__ = cause
    return outer


@pytest.mark.parametrize(
    ('exc', 'kind'),
    [
        (ConnectionRefusedError(111, 'Connection refused'), 'connection'),
        (ConnectionResetError(104, 'Connection reset by peer'), 'connection'),
        (http.client.RemoteDisconnected('Remote end closed connection without response'), 'connection'),
        (_requests_error(urllib3.exceptions.NewConnectionError(None, 'refused')), 'connection'),  # type: ignore[arg-type]
        (
            _requests_error(
                urllib3.exceptions.ProtocolError(
                    'Connection aborted.', http.client.RemoteDisconnected('closed without response')
                )
            ),
            'connection',
        ),
        (socket.gaierror(socket.EAI_NONAME, 'Name or service not known'), 'name'),
        (socket.gaierror(socket.EAI_AGAIN, 'Temporary failure in name resolution'), 'connection'),
        (_requests_error(_chained(OSError('lookup failed'), socket.gaierror(socket.EAI_NONAME, 'unknown'))), 'name'),
        (ssl.SSLCertVerificationError(1, 'certificate verify failed'), 'tls'),
        (_requests_error(urllib3.exceptions.SSLError(ssl.SSLError(1, 'wrong version number'))), 'tls'),
        (
            _requests_error(urllib3.exceptions.ProtocolError('aborted', http.client.BadStatusLine('SPDY/9 OK'))),
            'not_http',
        ),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_which_connection_failures_are_retried(exc: BaseException, kind: str) -> None:
    assert connect_failure_kind(exc) == kind
    retriable = kind == 'connection'
    assert retriable_connect_failure(exc) is retriable
    delay = _attempts(Retry(total=1)).after_connect_error(exc)
    assert (delay is not None) is retriable


def test_cause_walk_survives_a_cycle() -> None:
    a, b = ConnectionResetError('a'), ConnectionResetError('b')
    a.__context__, b.__context__ = b, a
    assert retriable_connect_failure(a) is True


def test_default_random_source_stays_within_the_backoff() -> None:
    delay = Attempts(Retry(total=1, backoff=0.5)).after_connect_error()
    assert delay is not None and 0.0 <= delay <= 0.5
