"""Every endpoint of the AsyncClient against `aioresponses`: exact requests, decoded replies, error paths.

The twin of test_sync_endpoints.py: the same table of cases (tests/cases.py), driven through aiohttp.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import inspect
import json
import platform
import threading
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any, AsyncIterator, Iterator, List, Tuple

import aiohttp
import pytest
from aioresponses import aioresponses
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import ollama_lite as ollama
from ollama_lite import _api as ollama_api
from tests._loops import run_async
from tests._mocks import aiohttp_mock, sent_body
from tests.cases import CASES, ERROR_CASES, HOST, Case, ErrorCase

pytestmark = pytest.mark.usefixtures('no_leaks')


@pytest.fixture
def mock() -> Iterator[aioresponses]:
    with aiohttp_mock() as m:
        yield m


@pytest.fixture
async def client() -> AsyncIterator[ollama.AsyncClient]:
    async with ollama.AsyncClient(HOST, retries=0) as c:
        yield c


def _basic_auth(user: str, password: str) -> aiohttp.BasicAuth:
    # aiohttp 3.14 deprecates BasicAuth, but callers still hand it over and aiohttp still takes it.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        return aiohttp.BasicAuth(user, password)


def _sent(mock: aioresponses, method: str, url: str, index: int = 0) -> Any:
    """The keyword arguments of the ``index``-th request to ``method url``, as aiohttp got them."""
    return mock.requests[(method, URL(url))][index].kwargs


def _chat_lines(*contents: str) -> bytes:
    lines = [{'model': 'm', 'message': {'role': 'assistant', 'content': c}, 'done': False} for c in contents]
    lines.append({'model': 'm', 'message': {'role': 'assistant', 'content': ''}, 'done': True, 'eval_count': 2})
    return b''.join(json.dumps(x).encode() + b'\n' for x in lines)


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
async def test_endpoint(mock: aioresponses, client: ollama.AsyncClient, case: Case) -> None:
    if case.reply is None:
        mock.add(HOST + case.path, case.method, status=case.status, body=b'')
    else:
        mock.add(HOST + case.path, case.method, status=case.status, payload=case.reply)
    case.check(await case.call(client))
    sent = _sent(mock, case.method, HOST + case.path)
    if case.body is None:
        assert sent['data'] is None
    else:
        assert isinstance(sent['data'], bytes)
        assert json.loads(sent['data']) == case.body
        assert b'null' not in sent['data']
    headers = CIMultiDict(sent['headers'])
    assert headers['Content-Type'] == 'application/json'
    assert headers['Accept'] == 'application/json'
    ua = headers['User-Agent']
    assert ua.startswith(f'ollama-lite/{ollama.__version__} ')
    assert f'Python/{platform.python_version()}' in ua


@pytest.mark.parametrize('case', ERROR_CASES, ids=[c.id for c in ERROR_CASES])
async def test_error_status_becomes_response_error(
    mock: aioresponses, client: ollama.AsyncClient, case: ErrorCase
) -> None:
    mock.post(HOST + '/api/chat', status=case.status, body=case.body, content_type=case.content_type)
    with pytest.raises(ollama.ResponseError) as info:
        await client.chat('llama3.2', [{'role': 'user', 'content': 'Hi'}])
    assert info.value.status_code == case.status
    assert info.value.error == case.error
    assert str(info.value) == f'{case.error} (status code: {case.status})'


@pytest.mark.parametrize('case', ERROR_CASES, ids=[c.id for c in ERROR_CASES])
async def test_error_status_on_stream_open(mock: aioresponses, client: ollama.AsyncClient, case: ErrorCase) -> None:
    mock.post(HOST + '/api/generate', status=case.status, body=case.body, content_type=case.content_type)
    with pytest.raises(ollama.ResponseError) as info:
        await client.generate('llama3.2', 'Hi', stream=True)
    assert (info.value.status_code, info.value.error) == (case.status, case.error)


async def test_error_body_on_success_status(mock: aioresponses, client: ollama.AsyncClient) -> None:
    mock.post(HOST + '/api/chat', payload={'error': 'something went wrong'})
    with pytest.raises(ollama.ResponseError, match='something went wrong'):
        await client.chat('llama3.2')


@pytest.mark.parametrize(
    ('body', 'match'),
    [(b'', 'empty body'), (b'<html>', 'not JSON'), (b'[1, 2]', 'not a JSON object')],
)
async def test_bad_success_body(mock: aioresponses, client: ollama.AsyncClient, body: bytes, match: str) -> None:
    mock.post(HOST + '/api/chat', body=body)
    with pytest.raises(ollama.InvalidResponseError, match=match):
        await client.chat('llama3.2')


async def test_stream_yields_typed_chunks(mock: aioresponses, client: ollama.AsyncClient) -> None:
    mock.post(HOST + '/api/chat', body=_chat_lines('Hel', 'lo'))
    stream = await client.chat('m', [{'role': 'user', 'content': 'Hi'}], stream=True)
    assert isinstance(stream, ollama.AsyncStream)
    assert stream.status_code == 200
    chunks = [c async for c in stream]
    assert [c.message.content for c in chunks] == ['Hel', 'lo', '']
    assert all(isinstance(c, ollama.ChatResponse) for c in chunks)
    assert chunks[-1].done and chunks[-1].eval_count == 2
    assert json.loads(_sent(mock, 'POST', HOST + '/api/chat')['data'])['stream'] is True
    # Exhausted means exhausted: a finished stream keeps saying so.
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_stream_of_progress_and_last_line_without_newline(mock: aioresponses, client: ollama.AsyncClient) -> None:
    mock.post(HOST + '/api/pull', body=b'{"status":"pulling manifest"}\n{"status":"success"}')
    got = [p.status async for p in await client.pull('m', stream=True)]
    assert got == ['pulling manifest', 'success']


async def test_stream_error_line_raises(mock: aioresponses, client: ollama.AsyncClient) -> None:
    mock.post(HOST + '/api/generate', body=b'{"response":"a","done":false}\n{"error":"out of memory"}\n')
    stream = await client.generate('m', 'Hi', stream=True)
    assert (await stream.__anext__()).response == 'a'
    with pytest.raises(ollama.ResponseError, match='out of memory') as info:
        await stream.__anext__()
    assert info.value.status_code == -1
    # The error ends the stream, as it ends a generator.
    with pytest.raises(StopAsyncIteration):
        await stream.__anext__()


async def test_stream_without_final_line_ends_as_the_official_client(
    mock: aioresponses, client: ollama.AsyncClient
) -> None:
    mock.post(HOST + '/api/pull', body=b'{"status":"pulling manifest"}\n')
    assert [p.status async for p in await client.pull('m', stream=True)] == ['pulling manifest']


async def test_stream_without_final_line_raises_with_strict_streams(mock: aioresponses) -> None:
    mock.post(HOST + '/api/pull', body=b'{"status":"pulling manifest"}\n')
    async with ollama.AsyncClient(HOST, retries=0, strict_streams=True) as client:
        with pytest.raises(ollama.IncompleteStreamError, match='pull stream ended after 1 line'):
            [p async for p in await client.pull('m', stream=True)]


async def test_stream_non_json_line_names_it(mock: aioresponses, client: ollama.AsyncClient) -> None:
    mock.post(HOST + '/api/generate', body=b'{"response":"a","done":false}\nnot json at all\n')
    with pytest.raises(ollama.InvalidResponseError, match=r"line 2 is not JSON.*'not json at all'"):
        [c async for c in await client.generate('m', 'Hi', stream=True)]


async def test_request_errors_before_sending(mock: aioresponses, client: ollama.AsyncClient) -> None:
    with pytest.raises(ollama.RequestError, match='must provide a model'):
        await client.chat('')
    with pytest.raises(ollama.RequestError, match='must provide a model'):
        await client.generate(model='  ')
    with pytest.raises(ollama.RequestError, match=r'messages\[1\] has no role'):
        await client.chat('m', [{'role': 'user', 'content': 'a'}, {'content': 'b'}])
    with pytest.raises(ollama.RequestError, match='wrap it as'):
        await client.chat('m', {'role': 'user', 'content': 'a'})  # type: ignore[arg-type]
    with pytest.raises(ollama.RequestError, match='think must be'):
        await client.chat('m', think='extreme')  # type: ignore[arg-type]
    with pytest.raises(ollama.RequestError, match='top_logprobs'):
        await client.chat('m', top_logprobs=21)
    with pytest.raises(ollama.RequestError, match='input must be'):
        await client.embed('m', [1, 2])  # type: ignore[list-item]
    with pytest.raises(ollama.RequestError, match='source'):
        await client.copy('', 'b')
    assert not mock.requests


async def test_headers_auth_from_env(mock: aioresponses, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_API_KEY', 'secret-key')
    mock.get(HOST + '/api/tags', payload={'models': []})
    mock.get(HOST + '/api/ps', payload={'models': []})
    async with ollama.AsyncClient(HOST, headers={'X-Custom': '1'}) as c:
        await c.list()
        assert 'secret-key' not in repr(c) and 'secret-key' not in repr(c.config)
    async with ollama.AsyncClient(HOST, headers={'Authorization': 'Basic abc'}) as c:
        await c.ps()
    first = CIMultiDict(_sent(mock, 'GET', HOST + '/api/tags')['headers'])
    second = CIMultiDict(_sent(mock, 'GET', HOST + '/api/ps')['headers'])
    assert first['Authorization'] == 'Bearer secret-key'
    assert first['X-Custom'] == '1'
    assert second['Authorization'] == 'Basic abc'


async def test_host_from_env(mock: aioresponses, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_HOST', 'example.test:1234/prefix/')
    mock.get('http://example.test:1234/prefix/api/version', payload={'version': '1'})
    async with ollama.AsyncClient() as c:
        assert (await c.version()).version == '1'
        assert repr(c) == "AsyncClient('http://example.test:1234/prefix')"


def test_same_surface_as_the_sync_client() -> None:
    # The twins differ only in how bytes move: every public method of Client, same parameters and
    # defaults, as a coroutine; a method added to one and not the other fails here.
    def public(cls: type) -> List[str]:
        return sorted(n for n in vars(cls) if not n.startswith('_'))

    assert public(ollama.AsyncClient) == public(ollama.Client)
    # Views of the client (several hosts): no I/O, so plain methods on both twins, each returning its own kind.
    views = {'host', 'affinity'}
    for name in public(ollama.Client):
        sync, coro = getattr(ollama.Client, name), getattr(ollama.AsyncClient, name)
        if isinstance(sync, property):
            continue
        if name in views:
            assert not inspect.iscoroutinefunction(coro), name
            assert str(inspect.signature(coro)) == str(inspect.signature(sync)).replace('Client', 'AsyncClient')
            assert coro.__doc__, name
            continue
        assert inspect.iscoroutinefunction(coro), name
        expected = str(inspect.signature(sync)).replace('Stream[', 'AsyncStream[')
        expected = expected.replace('ToolRunStream', 'AsyncToolRunStream')  # run_tools(stream=True)
        expected = expected.replace('BatchResults[', 'AsyncBatchResults[')  # the iter_ forms of embed_many...
        expected = expected.replace('Iterator[ProgressResponse]', 'AsyncIterator[ProgressResponse]')  # pull_all
        assert str(inspect.signature(coro)) == expected, name
        assert coro.__doc__, name


def test_unknown_kwargs_rejected() -> None:
    with pytest.raises(TypeError, match=r'follow_redirect;.*accepted.*limit_per_host.*proxy_auth'):
        ollama.AsyncClient(HOST, follow_redirect=True)
    # verify= is accepted now (the official client's name, see test_connection.py); httpx-only ones are not.
    with pytest.raises(TypeError, match='transport'):
        ollama.AsyncClient(HOST, transport=object())


async def test_session_kwargs_rejected_with_callers_session() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TypeError, match='limit configure the session AsyncClient makes'):
            ollama.AsyncClient(HOST, session=session, limit=5)


@pytest.mark.filterwarnings('ignore:BasicAuth is deprecated:DeprecationWarning')  # aioresponses copies it
async def test_aiohttp_kwargs_and_timeouts_reach_aiohttp(mock: aioresponses) -> None:
    mock.get(HOST + '/api/tags', payload={'models': []})
    proxy_auth = _basic_auth('p', 'q')
    async with ollama.AsyncClient(
        HOST, timeout=(3, 7), ssl=False, proxy='http://proxy.test:3128', proxy_auth=proxy_auth, follow_redirects=False
    ) as c:
        await c.list()
    sent = _sent(mock, 'GET', HOST + '/api/tags')
    assert sent['ssl'] is False
    assert sent['proxy'] == 'http://proxy.test:3128'
    assert sent['proxy_auth'] == proxy_auth
    assert sent['allow_redirects'] is False
    assert sent['raise_for_status'] is False
    # Same meaning as the sync client: a bound on making the connection, one on each wait for bytes,
    # none on the whole reply (a generation may take minutes).
    timeout = sent['timeout']
    assert (timeout.sock_connect, timeout.sock_read, timeout.total, timeout.connect) == (3, 7, None, None)


async def test_default_timeout_connects_in_seconds_and_reads_forever(mock: aioresponses) -> None:
    mock.get(HOST + '/api/tags', payload={'models': []})
    async with ollama.AsyncClient(HOST) as c:
        await c.list()
    timeout = _sent(mock, 'GET', HOST + '/api/tags')['timeout']
    assert (timeout.sock_connect, timeout.sock_read, timeout.total) == (10, None, None)


@pytest.mark.parametrize('auth', [('user', 'pw'), _basic_auth('user', 'pw')], ids=['pair', 'BasicAuth'])
async def test_auth_becomes_basic_authorization_replacing_the_api_key(
    mock: aioresponses, monkeypatch: pytest.MonkeyPatch, auth: Any
) -> None:
    monkeypatch.setenv('OLLAMA_API_KEY', 'secret-key')
    mock.get(HOST + '/api/tags', payload={'models': []})
    async with ollama.AsyncClient(HOST, auth=auth) as c:
        await c.list()
    # What ollama.com gets instead (the API key, not these credentials): test_auth_stays_with_the_ollama_host.
    sent = _sent(mock, 'GET', HOST + '/api/tags')
    assert 'auth' not in sent
    assert CIMultiDict(sent['headers'])['Authorization'] == 'Basic ' + base64.b64encode(b'user:pw').decode()


def test_auth_of_another_kind_is_rejected() -> None:
    with pytest.raises(TypeError, match=r'auth must be a \(user, password\) pair'):
        ollama.AsyncClient(HOST, auth='user:pw')


async def test_own_session_pool_size(mock: aioresponses) -> None:
    mock.get(HOST + '/api/tags', payload={'models': []}, repeat=True)
    async with ollama.AsyncClient(HOST) as c:
        await c.list()
        assert c._session is not None and isinstance(c._session.connector, aiohttp.TCPConnector)
        assert (c._session.connector.limit, c._session.connector.limit_per_host) == (100, 0)
        assert c._session.trust_env is False
    async with ollama.AsyncClient(HOST, limit=7, limit_per_host=3, trust_env=True) as c:
        await c.list()
        assert c._session is not None and isinstance(c._session.connector, aiohttp.TCPConnector)
        assert (c._session.connector.limit, c._session.connector.limit_per_host) == (7, 3)
        assert c._session.trust_env is True


async def test_callers_session_is_used_and_left_open(mock: aioresponses) -> None:
    mock.get(HOST + '/api/tags', payload={'models': []})
    mock.get(HOST + '/api/ps', payload={'models': []})
    mock.post(HOST + '/api/show', status=404, payload={'error': "model 'x' not found"})
    async with aiohttp.ClientSession(headers={'X-From-Session': 'yes'}, raise_for_status=True) as session:
        async with ollama.AsyncClient(HOST, session=session) as c:
            await c.list()
            # The session raises aiohttp's error on failure statuses; the client still maps them itself.
            with pytest.raises(ollama.ResponseError, match="model 'x' not found"):
                await c.show('x')
        await c.close()
        assert not session.closed
        assert CIMultiDict(_sent(mock, 'GET', HOST + '/api/tags')['headers'])['X-From-Session'] == 'yes'
        async with session.get(HOST + '/api/ps') as r:
            assert await r.json() == {'models': []}


async def test_session_is_made_lazily_and_close_is_idempotent(mock: aioresponses) -> None:
    mock.get(HOST + '/api/version', payload={'version': '1'})
    c = ollama.AsyncClient(HOST)
    assert c._session is None
    assert (await c.version()).version == '1'
    session = c._session
    assert session is not None and not session.closed
    await c.close()
    await c.close()
    assert session.closed
    with pytest.raises(RuntimeError, match='closed'):
        await c.version()


def test_built_outside_any_event_loop(mock: aioresponses) -> None:
    mock.get(HOST + '/api/version', payload={'version': '1'})
    c = ollama.AsyncClient(HOST)

    async def use() -> str:
        async with c:
            return (await c.version()).version

    assert run_async(use()) == '1'


def test_a_client_with_its_own_session_moves_to_the_next_event_loop(mock: aioresponses) -> None:
    mock.get(HOST + '/api/version', payload={'version': '1'}, repeat=True)
    c = ollama.AsyncClient(HOST)
    sessions = []

    async def use() -> str:
        version = (await c.version()).version
        sessions.append(c._session)
        return version

    assert run_async(use()) == '1'  # the first loop ends, closed, with the client still open
    assert run_async(use()) == '1'
    assert sessions[0] is not sessions[1] and sessions[0] is not None and sessions[0].closed
    run_async(c.close())


def test_a_client_in_use_in_a_loop_still_running_is_refused_elsewhere(mock: aioresponses) -> None:
    mock.get(HOST + '/api/version', payload={'version': '1'}, repeat=True)
    c = ollama.AsyncClient(HOST)
    other = asyncio.new_event_loop()
    worker = threading.Thread(target=other.run_forever, daemon=True)
    worker.start()
    try:
        asyncio.run_coroutine_threadsafe(c.version(), other).result(timeout=30)

        async def here() -> None:
            with pytest.raises(RuntimeError, match='in use in another event loop, still running'):
                await c.version()

        run_async(here())
        asyncio.run_coroutine_threadsafe(c.close(), other).result(timeout=30)
    finally:
        other.call_soon_threadsafe(other.stop)
        worker.join(timeout=30)
        other.close()


def test_a_callers_session_keeps_to_its_loop(mock: aioresponses) -> None:
    mock.get(HOST + '/api/version', payload={'version': '1'}, repeat=True)
    loop = asyncio.new_event_loop()

    async def make() -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    session = loop.run_until_complete(make())
    c = ollama.AsyncClient(HOST, session=session)
    try:
        assert loop.run_until_complete(c.version()).version == '1'

        async def elsewhere() -> None:
            with pytest.raises(RuntimeError, match='session= of this AsyncClient was first used in another event loop'):
                await c.version()

        run_async(elsewhere())
    finally:
        loop.run_until_complete(session.close())
        loop.close()


async def test_create_blob_skips_upload_when_present(
    mock: aioresponses, client: ollama.AsyncClient, tmp_path: Path
) -> None:
    path = tmp_path / 'weights.gguf'
    path.write_bytes(b'x' * 3_000_000)
    digest = 'sha256:' + hashlib.sha256(path.read_bytes()).hexdigest()
    mock.head(f'{HOST}/api/blobs/{digest}', status=200)
    assert await client.create_blob(path) == digest
    assert list(mock.requests) == [('HEAD', URL(f'{HOST}/api/blobs/{digest}'))]


@pytest.mark.parametrize('head_status', [405, 500, 403])
async def test_create_blob_uploads_when_head_is_not_understood(
    mock: aioresponses, client: ollama.AsyncClient, tmp_path: Path, head_status: int
) -> None:
    path = tmp_path / 'a.bin'
    path.write_bytes(b'abc')
    digest = 'sha256:' + hashlib.sha256(b'abc').hexdigest()
    mock.head(f'{HOST}/api/blobs/{digest}', status=head_status)
    mock.post(f'{HOST}/api/blobs/{digest}', status=201)
    assert await client.create_blob(path) == digest
    assert [method for method, _ in mock.requests] == ['HEAD', 'POST']


async def test_create_blob_uploads_when_missing(mock: aioresponses, client: ollama.AsyncClient, tmp_path: Path) -> None:
    path = tmp_path / 'adapter.bin'
    path.write_bytes(bytes(range(256)) * 10_000)
    digest = 'sha256:' + hashlib.sha256(path.read_bytes()).hexdigest()
    mock.head(f'{HOST}/api/blobs/{digest}', status=404)
    mock.post(f'{HOST}/api/blobs/{digest}', status=201)
    assert await client.create_blob(str(path)) == digest
    # The pieces of the async body add up to the file.
    sent = _sent(mock, 'POST', f'{HOST}/api/blobs/{digest}')
    assert hashlib.sha256(await sent_body(sent['data'])).hexdigest() == digest.split(':')[1]
    assert sent['headers']['content-type'] == 'application/octet-stream'


async def test_create_blob_hashes_off_the_event_loop(
    mock: aioresponses, client: ollama.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Hashing a model file of gigabytes takes seconds; on the loop's thread it would stall every other task.
    threads: List[int] = []
    digest_of = ollama_api.blob_digest

    def recording_digest(path: Any) -> str:
        threads.append(threading.get_ident())
        return digest_of(path)

    monkeypatch.setattr(ollama_api, 'blob_digest', recording_digest)
    path = tmp_path / 'a.bin'
    path.write_bytes(b'abc')
    mock.head(f'{HOST}/api/blobs/sha256:{hashlib.sha256(b"abc").hexdigest()}', status=200)
    await client.create_blob(path)
    assert threads and threads[0] != threading.get_ident()


async def test_create_blob_errors(mock: aioresponses, client: ollama.AsyncClient, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r'missing\.bin'):
        await client.create_blob(tmp_path / 'missing.bin')
    path = tmp_path / 'a.bin'
    path.write_bytes(b'abc')
    digest = 'sha256:' + hashlib.sha256(b'abc').hexdigest()
    mock.head(f'{HOST}/api/blobs/{digest}', status=404)
    mock.post(f'{HOST}/api/blobs/{digest}', status=400, payload={'error': 'digest mismatch'})
    with pytest.raises(ollama.ResponseError, match='digest mismatch'):
        await client.create_blob(path)
    # A failing HEAD leads to the upload, whose failure is the one reported.
    mock.head(f'{HOST}/api/blobs/{digest}', status=500, body=b'head failed')
    mock.post(f'{HOST}/api/blobs/{digest}', status=500, body=b'disk full')
    with pytest.raises(ollama.ResponseError, match='disk full'):
        await client.create_blob(path)


async def test_web_search_and_fetch_need_key_and_go_to_ollama_com(
    mock: aioresponses, client: ollama.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match='Bearer token is required for web search'):
        await client.web_search('ollama')
    monkeypatch.setenv('OLLAMA_API_KEY', 'k')
    mock.post('https://ollama.com/api/web_search', payload={'results': [{'title': 'Ollama', 'url': 'u'}]})
    mock.post('https://ollama.com/api/web_fetch', payload={'title': 'T', 'content': 'C', 'links': ['l']})
    async with ollama.AsyncClient(HOST, retries=0) as c:
        assert (await c.web_search('ollama', max_results=2)).results[0].title == 'Ollama'
        assert (await c.web_fetch('https://ollama.com')).links == ['l']
    assert json.loads(_sent(mock, 'POST', 'https://ollama.com/api/web_search')['data']) == {
        'query': 'ollama',
        'max_results': 2,
    }
    assert CIMultiDict(_sent(mock, 'POST', 'https://ollama.com/api/web_fetch')['headers'])['Authorization'] == (
        'Bearer k'
    )


# --- retries and transport failures --------------------------------------------------------------------


def _recording_client(**kwargs: Any) -> Tuple[ollama.AsyncClient, List[float]]:
    c = ollama.AsyncClient(HOST, **kwargs)
    slept: List[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    c._sleep = sleep
    return c, slept


_INFO = aiohttp.RequestInfo(URL(HOST), 'GET', CIMultiDictProxy(CIMultiDict()), URL(HOST))


async def test_retries_refused_connection_then_succeeds(mock: aioresponses) -> None:
    mock.get(HOST + '/api/tags', exception=aiohttp.ClientOSError(111, 'Connection refused'))
    mock.get(HOST + '/api/tags', exception=aiohttp.ServerDisconnectedError())
    mock.get(HOST + '/api/tags', payload={'models': []})
    c, slept = _recording_client(retries=2)
    async with c:
        assert (await c.list()).models == []
    assert len(slept) == 2


async def test_connection_error_after_retries_names_url(mock: aioresponses) -> None:
    mock.get(HOST + '/api/tags', exception=aiohttp.ClientOSError(111, 'Connection refused'), repeat=True)
    c, slept = _recording_client(retries=1)
    async with c:
        with pytest.raises(
            ConnectionError,
            match=r'127\.0\.0\.1:11434/api/tags \(host 127\.0\.0\.1, port 11434\): '
            r'the connection was refused.*OLLAMA_HOST',
        ) as e:
            await c.list()
    assert isinstance(e.value, ollama.ConnectError)
    assert len(slept) == 1


async def test_retries_status_with_retry_after(mock: aioresponses) -> None:
    mock.post(HOST + '/api/chat', status=503, body=b'busy', headers={'Retry-After': '1.5'})
    mock.post(HOST + '/api/chat', status=429, body=b'slow down')
    mock.post(HOST + '/api/chat', payload={'message': {'role': 'assistant', 'content': 'ok'}, 'done': True})
    c, slept = _recording_client(retries=2)
    async with c:
        assert (await c.chat('m')).message.content == 'ok'
    assert slept[0] == 1.5 and len(slept) == 2


async def test_failure_status_after_retries_raises(mock: aioresponses) -> None:
    mock.post(HOST + '/api/chat', status=503, body=b'busy', repeat=True)
    c, slept = _recording_client(retries=2)
    async with c:
        with pytest.raises(ollama.ResponseError) as info:
            await c.chat('m')
    assert (info.value.status_code, info.value.error, len(slept)) == (503, 'busy', 2)


@pytest.mark.parametrize(
    ('exc', 'expected', 'match'),
    [
        (aiohttp.ConnectionTimeoutError('Connection timeout to host'), ollama.ConnectTimeout, 'timed out connecting'),
        (aiohttp.SocketTimeoutError('Timeout on reading data'), ollama.ReadTimeout, 'within the read timeout'),
        (aiohttp.InvalidURL('http://bad url'), ollama.ConnectError, 'could not connect'),
        (
            aiohttp.TooManyRedirects(_INFO, ()),
            ollama.ProtocolError,
            'too many redirects',
        ),
        (
            aiohttp.ClientResponseError(_INFO, (), message='Bad status line'),
            ollama.ProtocolError,
            'not answer with HTTP',
        ),
        # aiohttp's sign that part of the reply's head had arrived: the half-parsed head as the message.
        (aiohttp.ServerDisconnectedError(SimpleNamespace(code=2)), ollama.ProtocolError, 'in the middle of the status'),
        (aiohttp.ClientPayloadError('Response payload is not completed'), ollama.ConnectError, 'request to .* failed'),
    ],
    ids=['connect-timeout', 'read-timeout', 'invalid-url', 'redirects', 'not-http', 'cut-in-head', 'other'],
)
async def test_failures_that_are_not_retried(mock: aioresponses, exc: Exception, expected: type, match: str) -> None:
    mock.get(HOST + '/api/tags', exception=exc, repeat=True)
    c, slept = _recording_client(retries=3)
    async with c:
        with pytest.raises(expected, match=match):
            await c.list()
    assert slept == []
    assert len(mock.requests[('GET', URL(HOST + '/api/tags'))]) == 1


async def test_read_timeout_is_a_timeout_error(mock: aioresponses, client: ollama.AsyncClient) -> None:
    mock.get(HOST + '/api/tags', exception=aiohttp.SocketTimeoutError('Timeout on reading data'))
    with pytest.raises(TimeoutError):
        await client.list()


async def test_refused_connection_names_url() -> None:
    async with ollama.AsyncClient('http://127.0.0.1:9', retries=0, timeout=2) as c:
        with pytest.raises(ConnectionError, match=r'127\.0\.0\.1:9/api/tags.*OLLAMA_HOST') as info:
            await c.list()
    assert isinstance(info.value, ollama.ConnectError)


async def test_auth_stays_with_the_ollama_host(mock: aioresponses, monkeypatch: pytest.MonkeyPatch) -> None:
    # auth= is for the caller's own server; ollama.com must get the API key, not those credentials.
    monkeypatch.setenv('OLLAMA_API_KEY', 'cloud-key')
    mock.get(HOST + '/api/tags', payload={'models': []})
    mock.post('https://ollama.com/api/web_search', payload={'results': []})
    async with ollama.AsyncClient(HOST, retries=0, auth=('local-user', 'local-password')) as client:
        await client.list()
        await client.web_search('q')
    own = _sent(mock, 'GET', HOST + '/api/tags')['headers']['authorization']
    cloud = _sent(mock, 'POST', 'https://ollama.com/api/web_search')['headers']['authorization']
    assert own.startswith('Basic ')
    assert cloud == 'Bearer cloud-key'
