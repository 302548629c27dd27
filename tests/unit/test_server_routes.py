"""The routes of today's server (status, account, web search relay, recommendations, liveness, blob HEAD),
the request fields it added, and the fields it dropped, through both clients against mocked servers."""

from __future__ import annotations

import inspect
import json
import warnings
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import pytest
import responses

import ollama_lite as ollama
from ollama_lite import _deprecated
from tests._mocks import aiohttp_mock
from tests.unit._roundtrip import CHAT_REPLY, GENERATE_REPLY, HOST, TRANSPORTS, roundtrip

USER = {'role': 'user', 'content': 'Hi'}
SIGNIN = 'https://ollama.com/connect?name=box&key=abc'
DIGEST = 'sha256:' + 'a' * 64

Sent = Tuple[Optional[bytes], Mapping[str, str]]


async def exchange(
    transport: str,
    call: Callable[[Any], Any],
    method: str,
    path: str,
    *,
    status: int = 200,
    body: Any = None,
    text: Optional[str] = None,
    headers: Optional[Dict[str, str]] = None,
) -> Tuple[Any, Sent]:
    """Run ``call(client)`` against one mocked reply; return the result (or the exception) and what was sent."""
    result: Any
    if transport == 'sync':
        with responses.RequestsMock() as mock:
            if text is not None:
                mock.add(method, HOST + path, body=text, status=status)
            else:
                mock.add(method, HOST + path, json=body, status=status)
            with ollama.Client(HOST, retries=0, headers=headers) as client:
                try:
                    result = call(client)
                except Exception as exc:
                    result = exc
            request = mock.calls[0].request
            data = request.body if isinstance(request.body, bytes) or request.body is None else request.body.encode()
            return result, (data, {k.lower(): v for k, v in request.headers.items()})
    from yarl import URL

    with aiohttp_mock() as mock:
        if text is not None:
            mock.add(HOST + path, method=method, body=text, status=status)
        else:
            mock.add(HOST + path, method=method, payload=body, status=status)
        async with ollama.AsyncClient(HOST, retries=0, headers=headers) as client:
            try:
                result = call(client)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                result = exc
        sent = mock.requests[(method, URL(HOST + path))][0].kwargs
        data = sent.get('data')
        return result, (data, {k.lower(): v for k, v in (sent.get('headers') or {}).items()})


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_status_names_why_cloud_is_off(transport: str) -> None:
    reply = {'cloud': {'disabled': True, 'source': 'env'}}
    result, (data, _) = await exchange(transport, lambda c: c.status(), 'GET', '/api/status', body=reply)
    assert isinstance(result, ollama.ServerStatusResponse)
    assert result.cloud == ollama.CloudStatus(disabled=True, source='env')
    assert data is None


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_whoami_reads_the_user(transport: str) -> None:
    user = {'id': '4f1c', 'email': 'ada@example.com', 'name': 'ada', 'plan': 'free'}
    result, _ = await exchange(transport, lambda c: c.whoami(), 'POST', '/api/me', body=user)
    assert isinstance(result, ollama.UserResponse)
    assert (result.name, result.email, result.plan) == ('ada', 'ada@example.com', 'free')


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_401_keeps_the_signin_url(transport: str) -> None:
    reply = {'error': 'unauthorized', 'signin_url': SIGNIN}
    error, _ = await exchange(transport, lambda c: c.whoami(), 'POST', '/api/me', status=401, body=reply)
    assert isinstance(error, ollama.ResponseError)
    assert (error.error, error.status_code, error.signin_url) == ('unauthorized', 401, SIGNIN)
    assert SIGNIN in str(error)


def test_a_response_error_without_signin_url_reads_as_before() -> None:
    error = ollama.ResponseError('model not found', 404)
    assert error.signin_url is None
    assert str(error) == 'model not found (status code: 404)'


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_signout(transport: str) -> None:
    result, _ = await exchange(transport, lambda c: c.signout(), 'POST', '/api/signout', text='null')
    assert result == ollama.StatusResponse(status='success')
    error, _ = await exchange(
        transport,
        lambda c: c.signout(),
        'POST',
        '/api/signout',
        status=401,
        body={'error': 'you are not currently signed in'},
    )
    assert isinstance(error, ollama.ResponseError) and error.status_code == 401


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_server_web_search_sends_no_api_key(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_API_KEY', 'sk-secret-key-1234')
    reply = {'results': [{'title': 'T', 'url': 'https://example.com', 'content': 'C'}]}
    result, (data, headers) = await exchange(
        transport,
        lambda c: c.server_web_search('ollama', max_results=2),
        'POST',
        '/api/experimental/web_search',
        body=reply,
    )
    assert isinstance(result, ollama.WebSearchResponse)
    assert result.results[0].url == 'https://example.com'
    assert data is not None and json.loads(data) == {'query': 'ollama', 'max_results': 2}
    assert 'authorization' not in headers


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_server_web_fetch_sends_no_api_key(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_API_KEY', 'sk-secret-key-1234')
    reply = {'title': 'Example', 'content': 'Hello', 'links': ['https://example.com/a']}
    result, (data, headers) = await exchange(
        transport,
        lambda c: c.server_web_fetch('https://example.com'),
        'POST',
        '/api/experimental/web_fetch',
        body=reply,
    )
    assert isinstance(result, ollama.WebFetchResponse) and result.title == 'Example'
    assert data is not None and json.loads(data) == {'url': 'https://example.com'}
    assert 'authorization' not in headers


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_other_routes_still_get_the_api_key(transport: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # As the official client does: a :cloud model on the configured host may need it.
    monkeypatch.setenv('OLLAMA_API_KEY', 'sk-secret-key-1234')
    _, (_, headers) = await exchange(transport, lambda c: c.status(), 'GET', '/api/status', body={'cloud': {}})
    assert headers['authorization'] == 'Bearer sk-secret-key-1234'


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_relay_keeps_an_authorization_the_caller_passed(transport: str) -> None:
    # An Authorization in headers= may be for a proxy in front of Ollama: it is the caller's, not the API key.
    _, (_, headers) = await exchange(
        transport,
        lambda c: c.server_web_fetch('https://example.com'),
        'POST',
        '/api/experimental/web_fetch',
        body={'title': '', 'content': ''},
        headers={'Authorization': 'Bearer proxy-token'},
    )
    assert headers['authorization'] == 'Bearer proxy-token'


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_web_search_without_key_never_falls_back_to_the_relay(transport: str) -> None:
    client: Any = ollama.Client(HOST) if transport == 'sync' else ollama.AsyncClient(HOST)
    try:
        with pytest.raises(ollama.RequestError):
            result = client.web_search('ollama')
            if inspect.isawaitable(result):
                await result
    finally:
        closed = client.close()
        if inspect.isawaitable(closed):
            await closed


@pytest.mark.parametrize('bad', [{'query': ''}, {'query': 'x', 'max_results': 0}, {'query': 'x', 'max_results': 11}])
def test_server_web_search_checks_its_arguments(bad: Dict[str, Any]) -> None:
    with ollama.Client(HOST) as client, pytest.raises(ollama.RequestError):
        client.server_web_search(**bad)


def test_server_web_fetch_needs_a_url() -> None:
    with ollama.Client(HOST) as client, pytest.raises(ollama.RequestError, match='url'):
        client.server_web_fetch('  ')


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_model_recommendations(transport: str) -> None:
    reply = {'recommendations': [{'model': 'gemma4', 'description': 'Local', 'vram_bytes': 12_000_000_000}]}
    result, _ = await exchange(
        transport, lambda c: c.model_recommendations(), 'GET', '/api/experimental/model-recommendations', body=reply
    )
    assert isinstance(result, ollama.ModelRecommendationsResponse)
    assert result.recommendations == [
        ollama.ModelRecommendation(model='gemma4', description='Local', vram_bytes=12_000_000_000)
    ]


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_heartbeat_returns_the_liveness_text(transport: str) -> None:
    result, _ = await exchange(transport, lambda c: c.heartbeat(), 'GET', '/', text='Ollama is running')
    assert result == 'Ollama is running'


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_is_running(transport: str) -> None:
    up, _ = await exchange(transport, lambda c: c.is_running(), 'HEAD', '/api/version', text='')
    not_ollama, _ = await exchange(transport, lambda c: c.is_running(), 'HEAD', '/api/version', status=404, text='')
    assert (up, not_ollama) == (True, False)


def test_is_running_is_false_when_nothing_listens(unused_port: int) -> None:
    with ollama.Client(f'http://127.0.0.1:{unused_port}', retries=0) as client:
        assert client.is_running() is False


async def test_async_is_running_is_false_when_nothing_listens(unused_port: int) -> None:
    async with ollama.AsyncClient(f'http://127.0.0.1:{unused_port}', retries=0) as client:
        assert await client.is_running() is False


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_blob_exists(transport: str) -> None:
    path = f'/api/blobs/{DIGEST}'
    there, _ = await exchange(transport, lambda c: c.blob_exists(DIGEST), 'HEAD', path, text='')
    missing, _ = await exchange(transport, lambda c: c.blob_exists(DIGEST), 'HEAD', path, status=404, text='')
    assert (there, missing) == (True, False)


@pytest.mark.parametrize('digest', ['', 'sha256:abc', 'md5:' + 'a' * 64, 'sha256:' + 'g' * 64, None])
def test_blob_exists_checks_the_digest(digest: Any) -> None:
    with ollama.Client(HOST) as client, pytest.raises(ollama.RequestError, match='digest'):
        client.blob_exists(digest)


# --- request fields the server added ---------------------------------------------------------------


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_create_sends_the_new_fields(transport: str) -> None:
    _, body = await roundtrip(
        transport,
        lambda c: c.create(
            'draft',
            files={'model.gguf': DIGEST},
            draft_files={'draft.gguf': DIGEST},
            draft_quantize='q8_0',
            remote_host='https://ollama.com',
            requires='0.13.0',
            info={'source': 'test'},
        ),
        {'status': 'success'},
        path='/api/create',
    )
    assert body == {
        'model': 'draft',
        'files': {'model.gguf': DIGEST},
        'stream': False,
        'draft_files': {'draft.gguf': DIGEST},
        'draft_quantize': 'q8_0',
        'remote_host': 'https://ollama.com',
        'requires': '0.13.0',
        'info': {'source': 'test'},
    }


def test_create_info_must_be_a_dict() -> None:
    with ollama.Client(HOST) as client, pytest.raises(ollama.RequestError, match='info'):
        client.create('m', from_='llama3.2', info=['not', 'a', 'dict'])  # type: ignore[arg-type]


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_show_sends_system_and_options(transport: str) -> None:
    _, body = await roundtrip(
        transport,
        lambda c: c.show('llama3.2', system='Be brief.', options={'temperature': 0.1}),
        {'modelfile': ''},
        path='/api/show',
    )
    assert body == {'model': 'llama3.2', 'system': 'Be brief.', 'options': {'temperature': 0.1}}


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_debug_render_only_and_debug_info(transport: str) -> None:
    info = {'rendered_template': '<|user|>Hi', 'image_count': 1}
    chat, chat_body = await roundtrip(
        transport, lambda c: c.chat('m', [USER], _debug_render_only=True), {**CHAT_REPLY, '_debug_info': info}
    )
    generate, generate_body = await roundtrip(
        transport,
        lambda c: c.generate('m', 'Hi', _debug_render_only=True),
        {**GENERATE_REPLY, '_debug_info': info},
        path='/api/generate',
    )
    assert chat_body is not None and chat_body['_debug_render_only'] is True
    assert generate_body is not None and generate_body['_debug_render_only'] is True
    for reply in (chat, generate):
        assert reply.debug_info == ollama.DebugInfo(rendered_template='<|user|>Hi', image_count=1)
        assert reply['_debug_info']['rendered_template'] == '<|user|>Hi'


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_tool_items_are_sent(transport: str) -> None:
    tool = ollama.Tool(
        function=ollama.Tool.Function(
            name='tag',
            parameters=ollama.Tool.Function.Parameters(
                properties={'tags': ollama.Tool.Function.Parameters.Property(type='array', items={'type': 'string'})}
            ),
        ),
        items={'type': 'string'},
    )
    _, body = await roundtrip(transport, lambda c: c.chat('m', [USER], tools=[tool]))
    assert body is not None
    sent = body['tools'][0]
    assert sent['items'] == {'type': 'string'}
    assert sent['function']['parameters']['properties']['tags'] == {'type': 'array', 'items': {'type': 'string'}}


# --- fields the server dropped: still sent, with a warning once per field ---------------------------------


@pytest.fixture
def fresh_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_deprecated, '_warned', set())


def _deprecations(record: Any) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for w in record:
        if issubclass(w.category, DeprecationWarning):
            name = str(w.message).split("'")[1]
            counts[name] = counts.get(name, 0) + 1
    return counts


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_removed_generate_fields_warn_once_each(transport: str, fresh_warnings: None) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        for _ in range(2):
            _, body = await roundtrip(
                transport, lambda c: c.generate('m', 'a fox', width=64, steps=2), path='/api/generate'
            )
            assert body is not None and (body['width'], body['steps']) == (64, 2)
    assert _deprecations(record) == {'width': 1, 'steps': 1}
    if transport == 'sync':  # async: the frame that awaits the coroutine, here inside the roundtrip helper
        assert all(w.filename == __file__ for w in record)


@pytest.mark.parametrize(
    'options',
    [
        {'mirostat': 2, 'temperature': 0.1, 'numa': True},
        ollama.Options(mirostat=2, temperature=0.1, numa=True),
    ],
)
async def test_ignored_options_warn_once_each(options: Any, fresh_warnings: None) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        for _ in range(3):
            _, body = await roundtrip('sync', lambda c: c.chat('m', [USER], options=options))
            assert body is not None and body['options'] == {'mirostat': 2, 'temperature': 0.1, 'numa': True}
    assert _deprecations(record) == {'mirostat': 1, 'numa': 1}
    assert all(w.filename == __file__ for w in record)


def test_every_ignored_option_is_an_options_field() -> None:
    assert set(ollama.Options.__dataclass_fields__) >= _deprecated.IGNORED_OPTIONS


async def test_current_options_do_not_warn(fresh_warnings: None) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter('always')
        await roundtrip('sync', lambda c: c.chat('m', [USER], options={'temperature': 0, 'num_ctx': 8}))
    assert _deprecations(record) == {}
