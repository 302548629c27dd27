"""A ``requests.Session`` (or ``aiohttp.ClientSession``) of the caller's is used as it is: its User-Agent is
kept, and a urllib3 ``Retry`` mounted on it never multiplies with ``retries``. Real servers on 127.0.0.1,
counting what arrives."""

from __future__ import annotations

from typing import List, Tuple

import pytest
import requests
import requests.adapters
import urllib3

import ollama_lite as ollama
from tests._faults import DROP, FaultServer, status
from tests._loops import run_async
from tests.fault_cases import CHAT_OK, MESSAGES

URLLIB3_MAJOR = int(urllib3.__version__.split('.')[0])


@pytest.fixture
def server(fault_servers: Tuple[FaultServer, FaultServer]) -> FaultServer:
    return fault_servers[0]


def _session(**retry: object) -> requests.Session:
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(max_retries=urllib3.Retry(**retry))  # type: ignore[arg-type]
    session.mount('http://', adapter)
    return session


@pytest.fixture
def waits() -> List[float]:
    return []


# --- User-Agent ------------------------------------------------------------------------------------


def test_a_sessions_own_user_agent_is_kept(server: FaultServer) -> None:
    server.script(CHAT_OK)
    with requests.Session() as session, ollama.Client(server.url, session=session) as client:
        session.headers['User-Agent'] = 'acme-billing/4.2'
        client.chat('m', MESSAGES)
    assert server.requests[0].headers['user-agent'] == 'acme-billing/4.2'


def test_a_session_without_one_gets_ollama_lites(server: FaultServer) -> None:
    server.script(CHAT_OK)
    with requests.Session() as session, ollama.Client(server.url, session=session) as client:
        client.chat('m', MESSAGES)
    assert server.requests[0].headers['user-agent'].startswith('ollama-lite/')


def test_headers_beat_the_sessions_user_agent(server: FaultServer) -> None:
    server.script(CHAT_OK)
    with requests.Session() as session:
        session.headers['User-Agent'] = 'acme-billing/4.2'
        with ollama.Client(server.url, session=session, headers={'User-Agent': 'chosen/1'}) as client:
            client.chat('m', MESSAGES)
    assert server.requests[0].headers['user-agent'] == 'chosen/1'


def test_an_aiohttp_sessions_own_user_agent_is_kept(server: FaultServer) -> None:
    aiohttp = pytest.importorskip('aiohttp', reason='the async client needs aiohttp (the "async" extra)')
    server.script(CHAT_OK, CHAT_OK)

    async def main() -> None:
        for headers in ({'User-Agent': 'acme-billing/4.2'}, {}):
            async with aiohttp.ClientSession(headers=headers) as session, ollama.AsyncClient(
                server.url, session=session
            ) as client:
                await client.chat('m', MESSAGES)

    run_async(main())
    assert [r.headers['user-agent'].split('/')[0] for r in server.requests] == ['acme-billing', 'ollama-lite']


# --- a urllib3 Retry mounted on the session ----------------------------------------------------------


@pytest.mark.parametrize('raise_on_status', [False, True], ids=['returns-last-reply', 'raises'])
def test_a_mounted_retry_governs_the_statuses_it_lists(
    server: FaultServer, raise_on_status: bool, waits: List[float]
) -> None:
    server.script(then=status(503))
    session = _session(total=3, status_forcelist=[503], raise_on_status=raise_on_status, allowed_methods=None)
    with session, ollama.Client(server.url, session=session, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ResponseError) as info:
            client.chat('m', MESSAGES)
    assert info.value.status_code == 503
    # Off: the last reply's own error. On: urllib3 drained that reply, and says it gave up.
    expected = "too many 503 error responses: the session's urllib3 Retry gave up" if raise_on_status else 'status 503'
    assert info.value.error == expected
    assert len(server.requests) == 4  # the adapter's 1 + 3, not (1 + 3) * (1 + 2) = 12
    assert waits == []  # and no wait of ours on top


@pytest.mark.parametrize('raise_on_status', [False, True], ids=['returns-last-reply', 'raises'])
def test_a_mounted_retry_that_lists_the_status_for_get_only(
    server: FaultServer, raise_on_status: bool, waits: List[float]
) -> None:
    # urllib3's default allowed_methods leave POST out: a chat's 503 is not the adapter's to retry, so ours do.
    server.script(then=status(503))
    session = _session(total=3, status_forcelist=[503], raise_on_status=raise_on_status)
    with session, ollama.Client(server.url, session=session, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ResponseError):
            client.chat('m', MESSAGES)
        assert len(server.requests) == 3 and len(waits) == 2
        server.reset()
        server.script(then=status(503))
        with pytest.raises(ollama.ResponseError) as info:
            client.list()  # a GET: the adapter's
    assert info.value.status_code == 503
    assert len(server.requests) == 4 and len(waits) == 2


def test_statuses_the_mounted_retry_does_not_list_stay_ours(server: FaultServer, waits: List[float]) -> None:
    server.script(status(429), status(429), CHAT_OK)
    session = _session(total=3, status_forcelist=[503], allowed_methods=None)
    with session, ollama.Client(server.url, session=session, retries=2) as client:
        client._sleep = waits.append
        assert client.chat('m', MESSAGES).message.content == 'ok'
    assert len(server.requests) == 3 and len(waits) == 2


def test_the_default_adapter_leaves_retrying_to_ollama_lite(server: FaultServer, waits: List[float]) -> None:
    server.script(then=status(503))
    with requests.Session() as session, ollama.Client(server.url, session=session, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ResponseError):
            client.chat('m', MESSAGES)
    assert len(server.requests) == 3 and len(waits) == 2


def test_a_mounted_retry_governs_refused_connections(refused: int, waits: List[float]) -> None:
    session = _session(total=3, backoff_factor=0)
    with session, ollama.Client(f'http://127.0.0.1:{refused}', session=session, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ConnectError, match='the connection was refused'):
            client.list()
    assert waits == []  # the adapter tried 4 times; ours did not try 3 x 4


def test_a_mounted_retry_without_connect_retries_leaves_them_to_ollama_lite(refused: int, waits: List[float]) -> None:
    session = _session(total=3, connect=0)
    with session, ollama.Client(f'http://127.0.0.1:{refused}', session=session, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ConnectError):
            client.list()
    assert len(waits) == 2


def test_a_mounted_retry_governs_connections_closed_before_the_reply(server: FaultServer, waits: List[float]) -> None:
    # A GET is urllib3's to resend on a read error: 1 + 3 requests, and none of ours on top (they made 12).
    server.script(then=DROP)
    session = _session(total=3, read=3, backoff_factor=0)
    with session, ollama.Client(server.url, session=session, retries=2) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ConnectError, match='closed the connection without replying'):
            client.list()
    assert len(server.requests) == 4 and waits == []
