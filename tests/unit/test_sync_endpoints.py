"""Every endpoint of the sync Client against `responses`: exact requests, decoded replies, error paths."""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import requests
import responses

import ollama_lite as ollama
from tests.cases import CASES, ERROR_CASES, HOST, Case, ErrorCase


@pytest.fixture
def mock() -> Any:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _client(**kwargs: Any) -> ollama.Client:
    kwargs.setdefault('retries', 0)
    return ollama.Client(HOST, **kwargs)


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_endpoint(mock: responses.RequestsMock, case: Case) -> None:
    if case.reply is None:
        mock.add(case.method, HOST + case.path, status=case.status, body=b'')
    else:
        mock.add(case.method, HOST + case.path, status=case.status, json=case.reply)
    case.check(case.call(_client()))
    sent = mock.calls[0].request
    if case.body is None:
        assert not sent.body
    else:
        assert json.loads(sent.body) == case.body
        assert 'null' not in sent.body.decode()
    assert sent.headers['Content-Type'] == 'application/json'
    assert sent.headers['Accept'] == 'application/json'
    ua = sent.headers['User-Agent']
    assert ua.startswith(f'ollama-lite/{ollama.__version__} ')
    assert f'Python/{platform.python_version()}' in ua


@pytest.mark.parametrize('case', ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_error_status_becomes_response_error(mock: responses.RequestsMock, case: ErrorCase) -> None:
    mock.add('POST', HOST + '/api/chat', status=case.status, body=case.body, content_type=case.content_type)
    with pytest.raises(ollama.ResponseError) as info:
        _client().chat('llama3.2', [{'role': 'user', 'content': 'Hi'}])
    assert info.value.status_code == case.status
    assert info.value.error == case.error
    assert str(info.value) == f'{case.error} (status code: {case.status})'


@pytest.mark.parametrize('case', ERROR_CASES, ids=[c.id for c in ERROR_CASES])
def test_error_status_on_stream_open(mock: responses.RequestsMock, case: ErrorCase) -> None:
    mock.add('POST', HOST + '/api/generate', status=case.status, body=case.body, content_type=case.content_type)
    with pytest.raises(ollama.ResponseError) as info:
        _client().generate('llama3.2', 'Hi', stream=True)
    assert (info.value.status_code, info.value.error) == (case.status, case.error)


def test_error_body_on_success_status(mock: responses.RequestsMock) -> None:
    mock.add('POST', HOST + '/api/chat', json={'error': 'something went wrong'})
    with pytest.raises(ollama.ResponseError, match='something went wrong'):
        _client().chat('llama3.2')


@pytest.mark.parametrize(
    ('body', 'match'),
    [(b'', 'empty body'), (b'<html>', 'not JSON'), (b'[1, 2]', 'not a JSON object')],
)
def test_bad_success_body(mock: responses.RequestsMock, body: bytes, match: str) -> None:
    mock.add('POST', HOST + '/api/chat', body=body)
    with pytest.raises(ollama.InvalidResponseError, match=match):
        _client().chat('llama3.2')


def test_stream_yields_typed_chunks(mock: responses.RequestsMock) -> None:
    lines = [
        {'model': 'm', 'message': {'role': 'assistant', 'content': 'Hel'}, 'done': False},
        {'model': 'm', 'message': {'role': 'assistant', 'content': 'lo'}, 'done': False},
        {'model': 'm', 'message': {'role': 'assistant', 'content': ''}, 'done': True, 'eval_count': 2},
    ]
    mock.add('POST', HOST + '/api/chat', body=b''.join(json.dumps(x).encode() + b'\n' for x in lines))
    chunks = list(_client().chat('m', [{'role': 'user', 'content': 'Hi'}], stream=True))
    assert [c.message.content for c in chunks] == ['Hel', 'lo', '']
    assert all(isinstance(c, ollama.ChatResponse) for c in chunks)
    assert chunks[-1].done and chunks[-1].eval_count == 2
    assert json.loads(mock.calls[0].request.body)['stream'] is True


def test_stream_error_line_raises(mock: responses.RequestsMock) -> None:
    mock.add('POST', HOST + '/api/generate', body=b'{"response":"a","done":false}\n{"error":"out of memory"}\n')
    stream = _client().generate('m', 'Hi', stream=True)
    assert next(stream).response == 'a'
    with pytest.raises(ollama.ResponseError, match='out of memory') as info:
        next(stream)
    assert info.value.status_code == -1


def test_stream_without_final_line_ends_as_the_official_client(mock: responses.RequestsMock) -> None:
    mock.add('POST', HOST + '/api/pull', body=b'{"status":"pulling manifest"}\n')
    assert [p.status for p in _client().pull('m', stream=True)] == ['pulling manifest']


def test_stream_without_final_line_raises_with_strict_streams(mock: responses.RequestsMock) -> None:
    mock.add('POST', HOST + '/api/pull', body=b'{"status":"pulling manifest"}\n')
    with pytest.raises(ollama.IncompleteStreamError, match='pull stream ended after 1 line'):
        list(ollama.Client(HOST, retries=0, strict_streams=True).pull('m', stream=True))


def test_stream_non_json_line_names_it(mock: responses.RequestsMock) -> None:
    mock.add('POST', HOST + '/api/generate', body=b'{"response":"a","done":false}\nnot json at all\n')
    with pytest.raises(ollama.InvalidResponseError, match=r"line 2 is not JSON.*'not json at all'"):
        list(_client().generate('m', 'Hi', stream=True))


def test_request_errors_before_sending(mock: responses.RequestsMock) -> None:
    client = _client()
    with pytest.raises(ollama.RequestError, match='must provide a model'):
        client.chat('')
    with pytest.raises(ollama.RequestError, match='must provide a model'):
        client.generate(model='  ')
    with pytest.raises(ollama.RequestError, match=r'messages\[1\] has no role'):
        client.chat('m', [{'role': 'user', 'content': 'a'}, {'content': 'b'}])
    with pytest.raises(ollama.RequestError, match='wrap it as'):
        client.chat('m', {'role': 'user', 'content': 'a'})  # type: ignore[arg-type]
    with pytest.raises(ollama.RequestError, match='think must be'):
        client.chat('m', think='extreme')  # type: ignore[arg-type]
    with pytest.raises(ollama.RequestError, match='keep_alive'):
        client.chat('m', keep_alive=[5])  # type: ignore[arg-type]
    with pytest.raises(ollama.RequestError, match='top_logprobs'):
        client.chat('m', top_logprobs=21)
    with pytest.raises(ollama.RequestError, match='input must be'):
        client.embed('m', [1, 2])  # type: ignore[list-item]
    with pytest.raises(ollama.RequestError, match='source'):
        client.copy('', 'b')
    assert not mock.calls


def test_request_error_is_also_value_error() -> None:
    with pytest.raises(ValueError, match='must provide a model'):
        _client().chat('')


def test_headers_auth_from_env(mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_API_KEY', 'secret-key')
    mock.add('GET', HOST + '/api/tags', json={'models': []})
    mock.add('GET', HOST + '/api/ps', json={'models': []})
    ollama.Client(HOST, headers={'X-Custom': '1'}).list()
    ollama.Client(HOST, headers={'Authorization': 'Basic abc'}).ps()
    first, second = (c.request.headers for c in mock.calls)
    assert first['Authorization'] == 'Bearer secret-key'
    assert first['X-Custom'] == '1'
    assert second['Authorization'] == 'Basic abc'
    assert 'secret-key' not in repr(ollama.Client(HOST))
    assert 'secret-key' not in repr(ollama.Client(HOST).config)


def test_host_from_env(mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_HOST', 'example.test:1234/prefix/')
    mock.add('GET', 'http://example.test:1234/prefix/api/version', json={'version': '1'})
    assert ollama.Client().version().version == '1'


def test_module_level_functions_use_lazy_default_client(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ollama, '_default_client', None)
    monkeypatch.setenv('OLLAMA_HOST', 'http://lazy.test:9999')
    mock.add('GET', 'http://lazy.test:9999/api/tags', json={'models': [{'name': 'a'}]})
    assert ollama.list().models[0].name == 'a'
    assert ollama._default_client is not None


def test_unknown_kwargs_rejected() -> None:
    with pytest.raises(TypeError, match='follow_redirect'):
        ollama.Client(HOST, follow_redirect=True)


def test_requests_kwargs_reach_requests(mock: responses.RequestsMock) -> None:
    mock.add('GET', HOST + '/api/tags', json={'models': []})
    ollama.Client(HOST, auth=('user', 'pw'), headers={'Authorization': None}).list()  # type: ignore[dict-item]
    assert mock.calls[0].request.headers['Authorization'].startswith('Basic ')


def test_callers_session_is_used_and_left_open(mock: responses.RequestsMock) -> None:
    session = requests.Session()
    session.headers['X-From-Session'] = 'yes'
    mock.add('GET', HOST + '/api/tags', json={'models': []})
    mock.add('GET', HOST + '/api/ps', json={'models': []})
    with ollama.Client(HOST, session=session) as client:
        client.list()
    assert mock.calls[0].request.headers['X-From-Session'] == 'yes'
    # Still usable: the client did not close a session it does not own.
    assert session.get(HOST + '/api/ps').json() == {'models': []}


def test_create_blob_skips_upload_when_present(mock: responses.RequestsMock, tmp_path: Path) -> None:
    path = tmp_path / 'weights.gguf'
    path.write_bytes(b'x' * 3_000_000)
    digest = 'sha256:' + hashlib.sha256(path.read_bytes()).hexdigest()
    mock.add('HEAD', f'{HOST}/api/blobs/{digest}', status=200)
    assert _client().create_blob(path) == digest
    assert len(mock.calls) == 1


def test_create_blob_uploads_when_missing(mock: responses.RequestsMock, tmp_path: Path) -> None:
    path = tmp_path / 'adapter.bin'
    path.write_bytes(bytes(range(256)) * 10_000)
    digest = 'sha256:' + hashlib.sha256(path.read_bytes()).hexdigest()
    mock.add('HEAD', f'{HOST}/api/blobs/{digest}', status=404)
    received: List[bytes] = []

    def upload(request: requests.PreparedRequest) -> Tuple[int, Dict[str, str], bytes]:
        # Read while the client sends: the file it streams from is closed once the call returns (and
        # whether responses reads a file body into bytes before recording it depends on its version).
        body: Any = request.body
        received.append(body.read() if hasattr(body, 'read') else body)
        return 201, {}, b''

    mock.add_callback('POST', f'{HOST}/api/blobs/{digest}', callback=upload)
    assert _client().create_blob(str(path)) == digest
    assert hashlib.sha256(b''.join(received)).hexdigest() == digest.split(':')[1]
    assert mock.calls[1].request.headers['Content-Type'] == 'application/octet-stream'


@pytest.mark.parametrize('head_status', [405, 500, 403])
def test_create_blob_uploads_when_head_is_not_understood(
    mock: responses.RequestsMock, tmp_path: Path, head_status: int
) -> None:
    # A proxy that refuses HEAD (405) or a mock that knows only the official client's POST (500): the
    # upload the official client would make still happens.
    path = tmp_path / 'a.bin'
    path.write_bytes(b'abc')
    digest = 'sha256:' + hashlib.sha256(b'abc').hexdigest()
    mock.add('HEAD', f'{HOST}/api/blobs/{digest}', status=head_status)
    mock.add('POST', f'{HOST}/api/blobs/{digest}', status=201)
    assert _client().create_blob(path) == digest
    assert [c.request.method for c in mock.calls] == ['HEAD', 'POST']


def test_create_blob_errors(mock: responses.RequestsMock, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r'missing\.bin'):
        _client().create_blob(tmp_path / 'missing.bin')
    path = tmp_path / 'a.bin'
    path.write_bytes(b'abc')
    digest = 'sha256:' + hashlib.sha256(b'abc').hexdigest()
    mock.add('HEAD', f'{HOST}/api/blobs/{digest}', status=404)
    mock.add('POST', f'{HOST}/api/blobs/{digest}', status=400, json={'error': 'digest mismatch'})
    with pytest.raises(ollama.ResponseError, match='digest mismatch'):
        _client().create_blob(path)


def test_web_search_and_fetch_need_key_and_go_to_ollama_com(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValueError, match='Bearer token is required for web search'):
        _client().web_search('ollama')
    monkeypatch.setenv('OLLAMA_API_KEY', 'k')
    mock.add('POST', 'https://ollama.com/api/web_search', json={'results': [{'title': 'Ollama', 'url': 'u'}]})
    mock.add('POST', 'https://ollama.com/api/web_fetch', json={'title': 'T', 'content': 'C', 'links': ['l']})
    client = _client()
    assert client.web_search('ollama', max_results=2).results[0].title == 'Ollama'
    assert client.web_fetch('https://ollama.com').links == ['l']
    assert json.loads(mock.calls[0].request.body) == {'query': 'ollama', 'max_results': 2}
    assert mock.calls[1].request.headers['Authorization'] == 'Bearer k'


def test_refused_connection_names_url() -> None:
    client = ollama.Client('http://127.0.0.1:9', retries=0, timeout=2)
    with pytest.raises(ConnectionError, match=r'127\.0\.0\.1:9/api/tags.*OLLAMA_HOST') as info:
        client.list()
    assert isinstance(info.value, ollama.ConnectError)


def test_requests_auth_stays_with_the_ollama_host(
    mock: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # auth= is for the caller's own server; ollama.com must get the API key, not those credentials.
    monkeypatch.setenv('OLLAMA_API_KEY', 'cloud-key')
    mock.add('GET', HOST + '/api/tags', json={'models': []})
    mock.add('POST', 'https://ollama.com/api/web_search', json={'results': []})
    client = _client(auth=('local-user', 'local-password'))
    client.list()
    client.web_search('q')
    own, cloud = (c.request.headers['Authorization'] for c in mock.calls)
    assert own.startswith('Basic ')
    assert cloud == 'Bearer cloud-key'
