"""The API key stays where it belongs, for both clients; TLS is verified unless the caller says otherwise.

The key must never follow a redirect to another origin, never appear in a ``repr``, a log record (the
transports' own DEBUG logs included) or an exception, and reach only the configured host and ollama.com
(``web_search``/``web_fetch``). Every server here is on 127.0.0.1 or ``localhost``; the ollama.com
requests are answered by responses/aioresponses and never leave the machine.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import ssl
import traceback
from typing import Any, Iterator, List, Tuple

import pytest
import requests
import responses
import urllib3
from aiohttp import web

import ollama_lite as ollama
from tests._faults import FaultServer, json_reply, ndjson, redirect, status, stream
from tests._live import LiveServer
from tests._mocks import aiohttp_mock
from tests._tls import Certificates, make_certificates
from tests.fault_cases import MESSAGES, SECRET, chat_line

CHAT_OK = json_reply(chat_line('ok', done=True))
SEARCH = {'results': [{'title': 't', 'url': 'https://example.com', 'content': 'c'}]}
FETCH = {'title': 't', 'content': 'c', 'links': []}


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv('OLLAMA_API_KEY', SECRET)
    return SECRET


def _assert_hidden(*objects: Any) -> None:
    for obj in objects:
        assert SECRET not in repr(obj) and SECRET not in str(obj), f'the key shows in {type(obj).__name__}'


def _assert_error_hides_key(error: BaseException) -> None:
    shown = ''.join(traceback.format_exception(type(error), error, error.__traceback__))
    assert SECRET not in shown


# --- repr --------------------------------------------------------------------------------------------


@pytest.mark.parametrize('source', ['env', 'header', 'basic-auth'])
def test_repr_never_shows_the_key(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    kwargs: Any = {}
    if source == 'env':
        monkeypatch.setenv('OLLAMA_API_KEY', SECRET)
    elif source == 'header':
        kwargs['headers'] = {'Authorization': f'Bearer {SECRET}'}
    else:
        kwargs['auth'] = ('user', SECRET)
    client = ollama.Client('http://127.0.0.1:9', **kwargs)
    async_client = ollama.AsyncClient('http://127.0.0.1:9', **kwargs)
    if source != 'basic-auth':  # requests applies auth= itself, at send time
        assert 'authorization' in client.config.headers
    _assert_hidden(client, client.config, async_client, async_client.config, vars(async_client))
    if source != 'basic-auth':  # auth= is the caller's own pair, kept as given for requests
        _assert_hidden(vars(client))
    assert 'authorization=<hidden>' in repr(async_client.config)
    client.close()


# --- logs --------------------------------------------------------------------------------------------


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, urllib3's, aiohttp's and asyncio's included."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def _script_a_bit_of_everything(server: FaultServer, other: FaultServer) -> None:
    server.script(
        CHAT_OK,
        status(503, '0'),
        CHAT_OK,
        stream(ndjson(chat_line('a'), chat_line('b', done=True))),
        status(401, body=b'{"error": "unauthorized"}'),
        redirect('{other}/api/chat'),
    )
    other.script(CHAT_OK)


def test_sync_logs_never_show_the_key(
    key: str,
    fault_servers: Tuple[FaultServer, FaultServer],
    debug_logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    server, other = fault_servers
    _script_a_bit_of_everything(server, other)
    with ollama.Client(server.url) as client:
        client._sleep = lambda _: None
        client.chat('m', MESSAGES)
        client.chat('m', MESSAGES)  # after a retried 503
        assert len(list(client.chat('m', MESSAGES, stream=True))) == 2
        with pytest.raises(ollama.ResponseError) as info:
            client.chat('m', MESSAGES)
        _assert_error_hides_key(info.value)
        client.chat('m', MESSAGES)  # redirected to another origin
    assert any(r.name.startswith('urllib3') for r in debug_logs.records), 'urllib3 logged nothing: not captured'
    out, err = capfd.readouterr()
    assert key not in debug_logs.text and key not in out and key not in err


@pytest.mark.usefixtures('no_leaks')
async def test_async_logs_never_show_the_key(
    key: str,
    fault_servers: Tuple[FaultServer, FaultServer],
    debug_logs: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    server, other = fault_servers
    _script_a_bit_of_everything(server, other)

    async def no_wait(_: float) -> None:
        pass

    async with ollama.AsyncClient(server.url) as client:
        client._sleep = no_wait
        await client.chat('m', MESSAGES)
        await client.chat('m', MESSAGES)
        assert len([c async for c in await client.chat('m', MESSAGES, stream=True)]) == 2
        with pytest.raises(ollama.ResponseError) as info:
            await client.chat('m', MESSAGES)
        _assert_error_hides_key(info.value)
        await client.chat('m', MESSAGES)
    out, err = capfd.readouterr()
    assert key not in debug_logs.text and key not in out and key not in err


# --- redirects ---------------------------------------------------------------------------------------


def _localhost_is_loopback() -> bool:
    try:
        return any(info[4][0] == '127.0.0.1' for info in socket.getaddrinfo('localhost', 80, socket.AF_INET))
    except OSError:
        return False


needs_localhost = pytest.mark.skipif(not _localhost_is_loopback(), reason='localhost does not resolve to 127.0.0.1')


@needs_localhost
def test_sync_key_dropped_on_redirect_from_127_0_0_1_to_localhost(
    key: str, fault_servers: Tuple[FaultServer, FaultServer]
) -> None:
    server, _ = fault_servers
    server.script(redirect(f'http://localhost:{server.port}/api/chat'), CHAT_OK)
    with ollama.Client(server.url) as client:
        assert client.chat('m', MESSAGES).message.content == 'ok'
    first, second = server.requests
    assert first.headers['authorization'] == f'Bearer {key}' and first.headers['host'].startswith('127.0.0.1')
    assert 'authorization' not in second.headers and second.headers['host'].startswith('localhost')


@needs_localhost
@pytest.mark.usefixtures('no_leaks')
async def test_async_key_dropped_on_redirect_from_127_0_0_1_to_localhost(
    key: str, fault_servers: Tuple[FaultServer, FaultServer]
) -> None:
    server, _ = fault_servers
    server.script(redirect(f'http://localhost:{server.port}/api/chat'), CHAT_OK)
    async with ollama.AsyncClient(server.url) as client:
        assert (await client.chat('m', MESSAGES)).message.content == 'ok'
    first, second = server.requests
    assert first.headers['authorization'] == f'Bearer {key}'
    assert 'authorization' not in second.headers and second.headers['host'].startswith('localhost')


# --- TLS ---------------------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    made = make_certificates(tmp_path_factory.mktemp('tls'))
    if made is None:
        pytest.skip('the openssl command is not installed; it makes the test certificates')
    return made


@pytest.fixture(scope='module')
def tls_server(certificates: Certificates) -> Iterator[FaultServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert, certificates.key)
    server = FaultServer().start(tls=context)
    yield server
    server.stop()


@pytest.fixture
def https(tls_server: FaultServer) -> Iterator[FaultServer]:
    """An HTTPS server on 127.0.0.1 whose certificate is signed by a CA no system trusts."""
    tls_server.reset()
    tls_server.script(then=json_reply({'version': '0.13.0'}))
    yield tls_server
    tls_server.reset()


def test_sync_verifies_tls_by_default_and_does_not_retry_a_bad_certificate(key: str, https: FaultServer) -> None:
    waits: List[float] = []
    with ollama.Client(https.url) as client:
        client._sleep = waits.append
        with pytest.raises(ollama.ConnectError, match=r'TLS failed.*CERTIFICATE_VERIFY_FAILED.*verify=') as info:
            client.version()
    assert waits == [] and https.requests == []
    _assert_error_hides_key(info.value)


def test_sync_verify_reaches_requests(certificates: Certificates, https: FaultServer) -> None:
    with ollama.Client(https.url, verify=str(certificates.ca)) as client:
        assert client.version().version == '0.13.0'
    with ollama.Client(https.url, verify=False) as client, pytest.warns(urllib3.exceptions.InsecureRequestWarning):
        assert client.version().version == '0.13.0'
    assert len(https.requests) == 2


@pytest.mark.usefixtures('no_leaks')
async def test_async_verifies_tls_by_default_and_does_not_retry_a_bad_certificate(key: str, https: FaultServer) -> None:
    waits: List[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async with ollama.AsyncClient(https.url) as client:
        client._sleep = record
        with pytest.raises(ollama.ConnectError, match=r'TLS failed.*CERTIFICATE_VERIFY_FAILED') as info:
            await client.version()
    assert waits == [] and https.requests == []
    _assert_error_hides_key(info.value)


@pytest.mark.usefixtures('no_leaks')
async def test_async_ssl_reaches_aiohttp(certificates: Certificates, https: FaultServer) -> None:
    trusted = ssl.create_default_context(cafile=str(certificates.ca))
    async with ollama.AsyncClient(https.url, ssl=trusted) as client:
        assert (await client.version()).version == '0.13.0'
    async with ollama.AsyncClient(https.url, ssl=False) as client:
        assert (await client.version()).version == '0.13.0'
    assert len(https.requests) == 2


# --- web_search and web_fetch: the key goes to ollama.com and nowhere else ----------------------------

CLOUD = 'https://ollama.com'


def test_sync_web_search_and_fetch_send_the_key_to_ollama_com_only(key: str) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f'{CLOUD}/api/web_search', json=SEARCH)
        mock.post(f'{CLOUD}/api/web_fetch', json=FETCH)
        # OLLAMA_HOST elsewhere changes nothing: the cloud calls go to ollama.com.
        with ollama.Client('http://127.0.0.1:11434') as client:
            assert client.web_search('llamas').results[0].title == 't'
            assert client.web_fetch('https://example.com').title == 't'
        assert [c.request.url for c in mock.calls] == [f'{CLOUD}/api/web_search', f'{CLOUD}/api/web_fetch']
        assert all(c.request.headers['Authorization'] == f'Bearer {key}' for c in mock.calls)


def test_sync_key_does_not_follow_ollama_com_to_another_host(key: str) -> None:
    with responses.RequestsMock() as mock:
        mock.post(f'{CLOUD}/api/web_search', status=307, headers={'Location': 'https://elsewhere.example/s'})
        mock.post('https://elsewhere.example/s', json=SEARCH)
        with ollama.Client() as client:
            client.web_search('llamas')
        first, second = (c.request for c in mock.calls)
    assert first.headers['Authorization'] == f'Bearer {key}'
    assert 'Authorization' not in second.headers


def test_sync_cloud_calls_without_a_key_send_nothing() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, ollama.Client() as client:
        with pytest.raises(ollama.RequestError, match='Bearer token is required for web search'):
            client.web_search('llamas')
        with pytest.raises(ollama.RequestError, match='Bearer token is required for web fetch'):
            client.web_fetch('https://example.com')
        assert len(mock.calls) == 0


@pytest.mark.usefixtures('no_leaks')
async def test_async_web_search_and_fetch_send_the_key_to_ollama_com_only(key: str) -> None:
    with aiohttp_mock() as mock:
        mock.post(f'{CLOUD}/api/web_search', payload=SEARCH)
        mock.post(f'{CLOUD}/api/web_fetch', payload=FETCH)
        async with ollama.AsyncClient('http://127.0.0.1:11434') as client:
            assert (await client.web_search('llamas')).results[0].title == 't'
            assert (await client.web_fetch('https://example.com')).title == 't'
        sent = {(method, str(url)): calls for (method, url), calls in mock.requests.items()}
    assert set(sent) == {('POST', f'{CLOUD}/api/web_search'), ('POST', f'{CLOUD}/api/web_fetch')}
    for calls in sent.values():
        headers = {k.lower(): v for k, v in calls[0].kwargs['headers'].items()}
        assert headers['authorization'] == f'Bearer {key}'


@pytest.mark.usefixtures('no_leaks')
async def test_async_cloud_calls_without_a_key_send_nothing() -> None:
    with aiohttp_mock() as mock:
        async with ollama.AsyncClient() as client:
            with pytest.raises(ollama.RequestError, match='Bearer token is required for web search'):
                await client.web_search('llamas')
        assert not mock.requests


def test_key_only_reaches_the_configured_origin_and_ollama_com(key: str) -> None:
    config = ollama.Client('http://127.0.0.1:11434/prefix').config
    assert config.headers_for('http://127.0.0.1:11434/prefix/api/chat')['authorization'] == f'Bearer {key}'
    assert config.headers_for(f'{CLOUD}/api/web_search')['authorization'] == f'Bearer {key}'
    for elsewhere in ('http://127.0.0.1:1143/api/chat', 'http://127.0.0.1:11434/prefixed/api', f'{CLOUD}.evil/x'):
        assert 'authorization' not in config.headers_for(elsewhere), elsewhere
    assert re.search('authorization', repr(config)) is not None and SECRET not in repr(config)


def test_requests_is_what_strips_the_header_on_redirect() -> None:
    # Pinned because the sync client relies on it: requests drops Authorization when the host changes.
    session = requests.Session()
    assert session.should_strip_auth('http://127.0.0.1:1/a', 'http://localhost:1/a')
    assert session.should_strip_auth('http://127.0.0.1:1/a', 'http://127.0.0.1:2/a')
    assert not session.should_strip_auth('http://127.0.0.1:1/a', 'http://127.0.0.1:1/b')
    session.close()


# --- A server that echoes the key back --------------------------------------------------------------


def _echoing_routes(live: LiveServer) -> None:
    """Routes that put the request's Authorization header into what they answer, as a careless proxy might."""

    @live.route('POST', '/api/chat')
    async def status_page(request: web.Request) -> web.StreamResponse:
        return web.Response(status=401, text=f'<h1>401</h1> bad credentials: {request.headers["Authorization"]}')

    @live.route('POST', '/api/generate')
    async def error_line(request: web.Request) -> web.StreamResponse:
        auth = request.headers['Authorization']
        lines = [b'{"response":"a","done":false}\n', json.dumps({'error': f'rejected {auth}'}).encode() + b'\n']
        return await live.stream_lines(request, lines)

    @live.route('POST', '/api/pull')
    async def garbage_line(request: web.Request) -> web.StreamResponse:
        return await live.stream_lines(request, [f'not json {request.headers["Authorization"]}\n'.encode()])


ECHO_CALLS = [
    pytest.param(lambda c: c.chat('m'), ollama.ResponseError, id='error-page'),
    pytest.param(lambda c: c.generate('m', 'p', stream=True), ollama.ResponseError, id='error-line'),
    pytest.param(lambda c: c.pull('m', stream=True), ollama.InvalidResponseError, id='garbage-line'),
]


@pytest.mark.parametrize(('call', 'error'), ECHO_CALLS)
def test_sync_errors_never_repeat_an_echoed_key(key: str, live: LiveServer, call: Any, error: type) -> None:
    _echoing_routes(live)
    with pytest.raises(error) as info:
        result = call(ollama.Client(live.url, retries=0))
        if isinstance(result, ollama.Stream):
            list(result)
    assert '<redacted>' in str(info.value)
    _assert_error_hides_key(info.value)


@pytest.mark.parametrize(('call', 'error'), ECHO_CALLS)
async def test_async_errors_never_repeat_an_echoed_key(key: str, live: LiveServer, call: Any, error: type) -> None:
    _echoing_routes(live)
    async with ollama.AsyncClient(live.url, retries=0) as client:
        with pytest.raises(error) as info:
            result = await call(client)
            if isinstance(result, ollama.AsyncStream):
                [chunk async for chunk in result]
    assert '<redacted>' in str(info.value)
    _assert_error_hides_key(info.value)


def test_basic_auth_credentials_are_redacted_too(live: LiveServer) -> None:
    _echoing_routes(live)
    with pytest.raises(ollama.ResponseError) as info:
        ollama.Client(live.url, retries=0, auth=('someone', 'hunter2-password')).chat('m')
    assert 'Basic <redacted>' in info.value.error
