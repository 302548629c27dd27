"""The sync Client's shortcuts through requests: what it sends and reads must be what requests' own
path sends and reads.

``Client._request`` reuses, per URL, the result of ``Session.prepare_request`` and
``Session.merge_environment_settings`` instead of redoing them on every call. These tests put both paths
side by side under many environments (proxies, no_proxy, CA bundles, netrc, caller settings) and compare
the request that reaches the transport, headers, body and keyword arguments alike. ``Client._read``
reads a whole reply with one urllib3 read instead of ``response.content``; it must decode the same.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import requests
import responses

import ollama_lite as ollama

HOST = 'http://ollama.test:11434'
MESSAGES = [{'role': 'user', 'content': 'hi'}]
REPLY = {'model': 'm', 'message': {'role': 'assistant', 'content': 'x'}, 'done': True}
ENV_KEYS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']
ENV_KEYS += ['REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'NETRC']


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    # No developer's ~/.netrc may answer for ollama.test.
    monkeypatch.setenv('NETRC', str(tmp_path / 'no-netrc'))


def _sent(client: ollama.Client, calls: int = 2) -> List[Tuple[str, str, Dict[str, str], Any, Dict[str, Any]]]:
    """What reached the transport for ``calls`` chats: method, URL, headers, body, send kwargs."""
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOST + '/api/chat', json=REPLY)
        for _ in range(calls):
            assert client.chat('m', MESSAGES).message.content == 'x'
        out = []
        for call in mock.calls:
            r = call.request
            out.append((r.method, r.url, dict(r.headers), r.body, dict(r.req_kwargs)))  # type: ignore[attr-defined]
        return out


def _both(**kwargs: Any) -> Tuple[Any, Any]:
    fast = ollama.Client(HOST, retries=0, **kwargs)
    plain = ollama.Client(HOST, retries=0, **kwargs)
    plain._reuse = False  # requests' ordinary path, call after call
    return _sent(fast), _sent(plain)


ENVIRONMENTS: List[Dict[str, str]] = [
    {},
    {'HTTP_PROXY': 'http://proxy.test:3128'},
    {'http_proxy': 'http://proxy.test:3128', 'no_proxy': 'ollama.test'},
    {'HTTP_PROXY': 'http://proxy.test:3128', 'NO_PROXY': '.test'},
    {'HTTP_PROXY': 'http://proxy.test:3128', 'NO_PROXY': 'other.test,localhost'},
    {'ALL_PROXY': 'socks5://proxy.test:1080'},
    {'HTTPS_PROXY': 'http://proxy.test:3128'},
    {'REQUESTS_CA_BUNDLE': '/etc/ssl/certs/bundle.pem'},
    {'CURL_CA_BUNDLE': '/etc/ssl/certs/curl.pem'},
]


@pytest.mark.parametrize('env', ENVIRONMENTS, ids=lambda e: ','.join(e) or 'clean')
@pytest.mark.parametrize(
    'kwargs',
    [{}, {'proxies': {'http': 'http://mine.test:8080'}}, {'verify': False}, {'cert': '/tmp/c.pem'}],
    ids=['no-kwargs', 'proxies', 'verify', 'cert'],
)
def test_same_request_as_requests_path(monkeypatch: pytest.MonkeyPatch, env: Dict[str, str], kwargs: Any) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    fast, plain = _both(**kwargs)
    assert fast == plain


def test_netrc_credentials_as_requests_sends_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine ollama.test login me password secret\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    fast, plain = _both()
    assert fast == plain
    assert fast[0][2]['Authorization'].startswith('Basic ')


def test_environment_is_read_once_per_client(monkeypatch: pytest.MonkeyPatch) -> None:
    client = ollama.Client(HOST, retries=0)
    before = _sent(client, 1)[0][4]['proxies']
    monkeypatch.setenv('HTTP_PROXY', 'http://proxy.test:3128')
    assert _sent(client, 1)[0][4]['proxies'] == before  # this client resolved it already
    assert _sent(ollama.Client(HOST, retries=0), 1)[0][4]['proxies'] == {'http': 'http://proxy.test:3128'}


def test_cookies_from_replies_are_sent_back() -> None:
    client = ollama.Client(HOST, retries=0)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOST + '/api/chat', json=REPLY, headers={'Set-Cookie': 'sticky=node-2; Path=/'})
        client.chat('m', MESSAGES)
        client.chat('m', MESSAGES)
        assert 'Cookie' not in mock.calls[0].request.headers
        assert mock.calls[1].request.headers['Cookie'] == 'sticky=node-2'


def test_a_callers_session_settings_apply_on_every_call() -> None:
    session = requests.Session()
    client = ollama.Client(HOST, retries=0, session=session)
    first = _sent(client, 1)[0]
    session.proxies['http'] = 'http://later.test:3128'
    session.headers['X-Later'] = 'yes'
    second = _sent(client, 1)[0]
    assert 'X-Later' not in first[2] and second[2]['X-Later'] == 'yes'
    assert second[4]['proxies'] == {'http': 'http://later.test:3128'}


def test_auth_objects_see_every_request() -> None:
    seen: List[str] = []

    def auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
        seen.append(request.url or '')
        request.headers['Authorization'] = f'Token {len(seen)}'
        return request

    client = ollama.Client(HOST, retries=0, auth=auth)
    sent = _sent(client, 2)
    assert len(seen) == 2
    assert [s[2]['Authorization'] for s in sent] == ['Token 1', 'Token 2']


def test_prepared_table_stays_small() -> None:
    client = ollama.Client(HOST, retries=0)
    with responses.RequestsMock() as mock:
        for i in range(200):
            mock.add(responses.GET, f'{HOST}/api/x{i}', json={})
            client._open('GET', f'{HOST}/api/x{i}', None).close()
    assert len(client._prepared) <= 64


@pytest.mark.parametrize('encoding', ['gzip', 'deflate', 'identity'])
def test_compressed_replies_are_decoded(encoding: str) -> None:
    raw = json.dumps(REPLY).encode()
    body = {'gzip': gzip.compress, 'deflate': zlib.compress, 'identity': bytes}[encoding](raw)
    client = ollama.Client(HOST, retries=0)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOST + '/api/chat', body=body, headers={'Content-Encoding': encoding})
        assert client.chat('m', MESSAGES).message.content == 'x'


def test_prepared_per_content_type() -> None:
    client = ollama.Client(HOST, retries=0)
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, HOST + '/api/x', json={})
        client._open('POST', HOST + '/api/x', b'{}').close()
        client._open('POST', HOST + '/api/x', b'raw', 'application/octet-stream').close()
        client._open('POST', HOST + '/api/x', b'{}').close()
        sent = [c.request.headers['Content-Type'] for c in mock.calls]
    assert sent == ['application/json', 'application/octet-stream', 'application/json']
