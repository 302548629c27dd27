"""What each client retries, over mocked transports: one table of scenarios, a responses driver and an
aioresponses driver.

A scenario lists what the transport does attempt by attempt (a status, or a failure before any reply
such as a refused connection) and what the caller must see: the result or the error, how many requests
were made and how many waits the policy asked for. Failures are named once here and raised by each
driver as its own library raises them, nested the same way. The waits are recorded, never slept.
The same behaviours against a real misbehaving server, and the resending of a streamed upload, are in
tests/integration/test_faults_*.py.
"""

from __future__ import annotations

import json
import socket
import ssl
import types
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Tuple, Type, Union

import aiohttp
import pytest
import requests
import responses
import urllib3
from yarl import URL

import ollama_lite as ollama
from tests._mocks import aiohttp_mock
from tests.cases import HOST

CHAT_URL = HOST + '/api/chat'
OK = {'model': 'm', 'message': {'role': 'assistant', 'content': 'ok'}, 'done': True}
STREAM = b''.join(
    json.dumps({'model': 'm', 'message': {'role': 'assistant', 'content': c}, 'done': c == ''}).encode() + b'\n'
    for c in ('a', '')
)

#: A failure before any byte of the reply, by name; each driver raises its library's own exception.
Failure = str
#: An HTTP reply: (status, headers).
Status = Tuple[int, Mapping[str, str]]
Attempt = Union[Failure, Status]


def ok() -> Status:
    return (200, {})


def fail(code: int, retry_after: Optional[str] = None) -> Status:
    return (code, {'Retry-After': retry_after} if retry_after else {})


@dataclass(frozen=True)
class Scenario:
    id: str
    attempts: Tuple[Attempt, ...]
    retries: Union[int, ollama.Retry] = 2
    stream: bool = False
    raises: Optional[Type[BaseException]] = None
    match: str = ''
    calls: int = 1
    waits: Tuple[Optional[float], ...] = ()  # exact seconds, or None for a backoff


SCENARIOS = [
    Scenario('503-twice-then-ok', (fail(503), fail(503), ok()), calls=3, waits=(None, None)),
    Scenario('429-retry-after', (fail(429, '2'), ok()), calls=2, waits=(2.0,)),
    Scenario('retry-after-at-the-cap', (fail(503, '60'), ok()), calls=2, waits=(60.0,)),
    # A Retry-After past Retry.max_retry_after: the server will not be ready within our patience.
    Scenario('retry-after-past-the-cap', (fail(503, '86400'), ok()), raises=ollama.ResponseError, calls=1),
    Scenario(
        'gives-up', (fail(503),) * 3, raises=ollama.ResponseError, match='status code: 503', calls=3, waits=(None, None)
    ),
    Scenario('retries-off', (fail(503),), retries=0, raises=ollama.ResponseError, calls=1),
    Scenario('one-retry', (fail(502), fail(502)), retries=1, raises=ollama.ResponseError, calls=2, waits=(None,)),
    Scenario('500-not-retried', (fail(500),), raises=ollama.ResponseError, calls=1),
    Scenario(
        'custom-statuses', (fail(500), ok()), retries=ollama.Retry(total=1, statuses=(500,)), calls=2, waits=(None,)
    ),
    Scenario(
        'custom-statuses-exclude-503',
        (fail(503),),
        retries=ollama.Retry(total=1, statuses=(500,)),
        raises=ollama.ResponseError,
        calls=1,
    ),
    Scenario('refused-then-ok', ('refused', ok()), calls=2, waits=(None,)),
    # The chat may have reached the server: not safe to send again (README, "Which requests are sent again").
    Scenario(
        'disconnected-not-resent',
        ('disconnected', ok()),
        raises=ollama.ConnectError,
        match='closed the connection without replying',
        calls=1,
    ),
    Scenario(
        'refused-every-time',
        ('refused',) * 3,
        raises=ollama.ConnectError,
        match='could not connect',
        calls=3,
        waits=(None, None),
    ),
    Scenario('dns-not-retried', ('dns',), raises=ollama.ConnectError, calls=1),
    Scenario('tls-not-retried', ('tls',), raises=ollama.ConnectError, match='TLS failed', calls=1),
    Scenario('stream-after-503', (fail(503), ok()), stream=True, calls=2, waits=(None,)),
    Scenario('stream-after-refused', ('refused', ok()), stream=True, calls=2, waits=(None,)),
]


def _check(scenario: Scenario, result: Any, error: Optional[BaseException], waits: List[float], calls: int) -> None:
    if scenario.raises is None:
        assert error is None, error
        assert result == (['a', ''] if scenario.stream else ['ok'])
    else:
        assert isinstance(error, scenario.raises), error
        assert scenario.match in str(error)
    assert calls == scenario.calls
    assert len(waits) == len(scenario.waits), waits
    for waited, expected in zip(waits, scenario.waits):
        assert waited == expected if expected is not None else 0.0 <= waited <= ollama.Retry().max_backoff


# --- sync: responses ---------------------------------------------------------------------------------


def _requests_failure(name: Failure) -> requests.RequestException:
    """What requests raises for ``name``, nested as requests and urllib3 nest it."""
    if name == 'disconnected':
        reason: Exception = urllib3.exceptions.ProtocolError(
            'Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')
        )
        return requests.ConnectionError(reason)
    if name == 'tls':
        cert = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')
        return requests.exceptions.SSLError(
            urllib3.exceptions.MaxRetryError(None, '/', urllib3.exceptions.SSLError(cert))
        )
    new_connection = urllib3.exceptions.NewConnectionError(None, 'Failed to establish a new connection')
    new_connection.__cause__ = (
        socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
        if name == 'dns'
        else ConnectionRefusedError(111, 'Connection refused')
    )
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, '/', new_connection))


@pytest.mark.parametrize('scenario', SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_sync(scenario: Scenario) -> None:
    waits: List[float] = []
    result: Any = None
    error: Optional[BaseException] = None
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for attempt in scenario.attempts:
            if isinstance(attempt, str):
                mock.post(CHAT_URL, body=_requests_failure(attempt))
            elif attempt[0] == 200:
                kind = 'application/x-ndjson' if scenario.stream else 'application/json'
                mock.post(CHAT_URL, body=STREAM if scenario.stream else json.dumps(OK), content_type=kind)
            else:
                mock.post(CHAT_URL, status=attempt[0], headers=dict(attempt[1]), json={'error': 'later'})
        with ollama.Client(HOST, retries=scenario.retries) as client:
            client._sleep = waits.append
            try:
                reply = client.chat('m', [{'role': 'user', 'content': 'hi'}], stream=scenario.stream)
                result = [c.message.content for c in reply] if scenario.stream else [reply.message.content]
            except Exception as exc:
                error = exc
        sent = [c.request.body for c in mock.calls]
    _check(scenario, result, error, waits, len(sent))
    assert len(set(sent)) == 1, 'every attempt sends the same body'


# --- async: aioresponses -----------------------------------------------------------------------------


def _key() -> Any:
    # The connection errors read only these attributes of their key; aiohttp's own ConnectionKey is private
    # and changes shape between releases (a dataclass in 3.10, a NamedTuple later).
    return types.SimpleNamespace(host='127.0.0.1', port=11434, is_ssl=False, ssl=True)


def _aiohttp_failure(name: Failure) -> aiohttp.ClientError:
    """What aiohttp raises for ``name``."""
    if name == 'disconnected':
        return aiohttp.ServerDisconnectedError()
    if name == 'tls':
        cert = ssl.SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')
        return aiohttp.ClientConnectorCertificateError(_key(), cert)
    if name == 'dns':
        dns_error = getattr(aiohttp, 'ClientConnectorDNSError', aiohttp.ClientConnectorError)  # aiohttp >= 3.10
        return dns_error(_key(), socket.gaierror(socket.EAI_NONAME, 'Name or service not known'))
    return aiohttp.ClientConnectorError(_key(), ConnectionRefusedError(111, 'Connect call failed'))


@pytest.mark.usefixtures('no_leaks')
@pytest.mark.parametrize('scenario', SCENARIOS, ids=[s.id for s in SCENARIOS])
async def test_async(scenario: Scenario) -> None:
    waits: List[float] = []
    result: Any = None
    error: Optional[BaseException] = None

    async def record(delay: float) -> None:
        waits.append(delay)

    with aiohttp_mock() as mock:
        for attempt in scenario.attempts:
            if isinstance(attempt, str):
                mock.post(CHAT_URL, exception=_aiohttp_failure(attempt))
            elif attempt[0] == 200:
                mock.post(CHAT_URL, body=STREAM) if scenario.stream else mock.post(CHAT_URL, payload=OK)
            else:
                mock.post(CHAT_URL, status=attempt[0], headers=dict(attempt[1]), payload={'error': 'later'})
        async with ollama.AsyncClient(HOST, retries=scenario.retries) as client:
            client._sleep = record
            try:
                reply = await client.chat('m', [{'role': 'user', 'content': 'hi'}], stream=scenario.stream)
                result = [c.message.content async for c in reply] if scenario.stream else [reply.message.content]
            except Exception as exc:
                error = exc
        sent = [c.kwargs['data'] for c in mock.requests.get(('POST', URL(CHAT_URL)), [])]
    _check(scenario, result, error, waits, len(sent))
    assert len(set(sent)) == 1, 'every attempt sends the same body'
