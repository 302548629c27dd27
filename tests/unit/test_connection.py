"""The official client's (httpx's) connection settings, passed as one dict to both clients, as
langchain-ollama and llama-index pass them."""

from __future__ import annotations

import ssl
from typing import Any, Dict, Iterator

import pytest
import requests

import ollama_lite as ollama
from tests.compat._recorder import Recorder

httpx = pytest.importorskip('httpx')


@pytest.fixture(scope='module')
def recorder() -> Iterator[Recorder]:
    server = Recorder().start()
    yield server
    server.stop()


def _shared() -> Dict[str, Any]:
    return {
        'verify': False,
        'trust_env': False,
        'follow_redirects': True,
        'timeout': httpx.Timeout(5.0, read=30.0),
        'limits': httpx.Limits(max_connections=7, max_keepalive_connections=3),
    }


async def test_one_dict_configures_both_clients() -> None:
    sync = ollama.Client('http://127.0.0.1:1', **_shared())
    assert sync.config.timeout == ollama.Timeout(connect=5.0, read=30.0)
    assert sync._send_kwargs['verify'] is False
    assert sync._session.trust_env is False
    assert sync._session.get_adapter('http://x')._pool_maxsize == 3  # type: ignore[attr-defined]
    sync.close()
    async with ollama.AsyncClient('http://127.0.0.1:1', **_shared()) as client:
        assert client.config.timeout == ollama.Timeout(connect=5.0, read=30.0)
        assert client._send_kwargs['ssl'] is False
        assert client._session_kwargs == {'trust_env': False, 'limit': 7}


def test_timeout_objects_without_httpx() -> None:
    class Like:
        connect = 2
        read = None

    assert ollama.Client(timeout=Like()).config.timeout == ollama.Timeout(connect=2.0, read=None)
    assert ollama.Client(timeout=httpx.Timeout(None)).config.timeout == ollama.Timeout(None, None)
    assert ollama.Client(timeout=(1, 2)).config.timeout == ollama.Timeout(1.0, 2.0)


async def test_verify_and_cert_become_an_ssl_context_for_aiohttp(tmp_path: Any) -> None:
    context = ssl.create_default_context()
    async with ollama.AsyncClient(verify=context) as client:
        assert client._send_kwargs['ssl'] is context
    with pytest.raises(TypeError, match='not both'):
        ollama.AsyncClient(verify=False, ssl=False)
    with pytest.raises(TypeError, match=r'ssl\.SSLContext'):
        ollama.Client(verify=context)
    with pytest.raises(TypeError, match='password'):
        ollama.Client(cert=('c.pem', 'k.pem', 'secret'))


@pytest.mark.parametrize('option', ['transport', 'mounts', 'http2', 'app', 'base_url'])
@pytest.mark.parametrize('cls', ['Client', 'AsyncClient'])
def test_httpx_only_options_say_what_to_use(option: str, cls: str) -> None:
    with pytest.raises(TypeError, match=rf'{cls}\(\) does not take {option}= \(an httpx option\): \w+'):
        getattr(ollama, cls)(**{option: object()})


def test_sync_proxy_reaches_the_proxy(recorder: Recorder) -> None:
    recorder.take()
    with ollama.Client('http://ollama.invalid:11434', proxy=recorder.url, retries=0) as client:
        assert client.list().models[0].model == 'm:latest'
    with ollama.Client('http://ollama.invalid:11434', proxies={'http://': recorder.url}, retries=0) as client:
        client.ps()
    assert [r['path'] for r in recorder.take()] == ['/api/tags', '/api/ps']


async def test_async_proxy_reaches_the_proxy(recorder: Recorder) -> None:
    recorder.take()
    async with ollama.AsyncClient('http://ollama.invalid:11434', proxy=recorder.url, retries=0) as client:
        assert (await client.list()).models[0].model == 'm:latest'
    proxies = {'http': recorder.url, 'https': 'http://127.0.0.1:1'}
    async with ollama.AsyncClient('http://ollama.invalid:11434', proxies=proxies, retries=0) as client:
        await client.ps()
    assert [r['path'] for r in recorder.take()] == ['/api/tags', '/api/ps']


def test_trust_env_false_ignores_proxy_variables(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('HTTP_PROXY', recorder.url)
    monkeypatch.delenv('NO_PROXY', raising=False)
    monkeypatch.delenv('no_proxy', raising=False)
    recorder.take()
    with ollama.Client('http://ollama.invalid:11434', retries=0) as client:
        client.ps()
    assert len(recorder.take()) == 1
    client = ollama.Client('http://ollama.invalid:11434', trust_env=False, retries=0)
    try:
        with pytest.raises(ollama.ConnectError):
            client.ps()
    finally:
        client.close()
    assert recorder.take() == []


def test_session_settings_need_our_own_session() -> None:
    with pytest.raises(TypeError, match='session='):
        ollama.Client(session=requests.Session(), trust_env=False)
    with pytest.raises(TypeError, match='session='):
        ollama.AsyncClient(session=object(), limits=httpx.Limits(max_connections=1))  # type: ignore[arg-type]


async def test_verify_path_becomes_a_context_with_those_cas(tmp_path: Any) -> None:
    import certifi

    async with ollama.AsyncClient(verify=certifi.where()) as client:
        context = client._send_kwargs['ssl']
        assert isinstance(context, ssl.SSLContext) and context.cert_store_stats()['x509_ca'] > 0
    async with ollama.AsyncClient(verify=str(tmp_path)) as client:  # a directory of CA files
        assert isinstance(client._send_kwargs['ssl'], ssl.SSLContext)
