"""The routes and rules of today's Ollama (server source of 2026-08-21), as the emulator answers them."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest
import requests

import ollama_lite as ollama
from ollama_lite.testing import Emulator, EmulatorURL

CHAT = {'model': 'qwen3', 'messages': [{'role': 'user', 'content': 'Hi'}], 'stream': False}
NO_MANIFEST = 'pull model manifest: file does not exist'


def test_status_reports_cloud_and_what_disabled_it(ollama_emulator: EmulatorURL) -> None:
    url = f'{ollama_emulator}/api/status'
    assert requests.get(url).json() == {'cloud': {'disabled': False, 'source': 'none'}}
    ollama_emulator.emulator.cloud_disabled_by = 'env'
    assert requests.get(url).json() == {'cloud': {'disabled': True, 'source': 'env'}}
    with pytest.raises(ValueError, match='cloud_disabled_by'):
        ollama_emulator.emulator.cloud_disabled_by = 'sometimes'


def test_signed_out_by_default_then_signed_in_then_out(ollama_emulator: EmulatorURL) -> None:
    me = requests.post(f'{ollama_emulator}/api/me')
    assert me.status_code == 401
    assert me.json()['error'] == 'unauthorized'
    assert me.json()['signin_url'].startswith('https://ollama.com/connect?name=')
    ollama_emulator.emulator.sign_in('ada', plan='pro')
    user = requests.post(f'{ollama_emulator}/api/me').json()
    assert (user['name'], user['email'], user['plan']) == ('ada', 'ada@example.com', 'pro')
    out = requests.post(f'{ollama_emulator}/api/signout')
    assert (out.status_code, out.text) == (200, 'null')
    again = requests.post(f'{ollama_emulator}/api/signout')
    assert (again.status_code, again.json()) == (401, {'error': 'you are not currently signed in'})
    ollama_emulator.emulator.sign_in()
    legacy = requests.delete(f'{ollama_emulator}/api/user/keys/c3NoLWtleQ')
    assert legacy.status_code == 200 and not ollama_emulator.emulator.signed_in


@pytest.mark.parametrize(('path', 'body'), [('web_search', {'query': 'ollama'}), ('web_fetch', {'url': 'https://a.b'})])
def test_web_relay_needs_a_signed_in_server_and_cloud(ollama_emulator: EmulatorURL, path: str, body: Any) -> None:
    url = f'{ollama_emulator}/api/experimental/{path}'
    emulator = ollama_emulator.emulator
    assert requests.post(url, data=b'').json() == {'error': 'missing request body'}
    signed_out = requests.post(url, json=body)
    assert signed_out.status_code == 401 and 'signin_url' in signed_out.json()
    emulator.sign_in()
    assert requests.post(url, json=body).status_code == 200
    emulator.cloud_disabled_by = 'config'
    what = path.replace('_', ' ')
    disabled = requests.post(url, json=body)
    assert (disabled.status_code, disabled.json()) == (
        403,
        {'error': f'ollama cloud is disabled: {what} is unavailable'},
    )


def test_model_recommendations(ollama_emulator: EmulatorURL) -> None:
    reply = requests.get(f'{ollama_emulator}/api/experimental/model-recommendations').json()
    models = [r['model'] for r in reply['recommendations']]
    assert 'gemma4' in models and all(r['description'] for r in reply['recommendations'])


def test_liveness_heads(ollama_emulator: EmulatorURL) -> None:
    assert requests.head(f'{ollama_emulator}/').status_code == 200
    assert requests.head(f'{ollama_emulator}/api/version').status_code == 200
    assert requests.head(f'{ollama_emulator}/api/tags').status_code == 200


def test_a_pull_of_a_name_ollama_com_lacks_fails_after_pulling_manifest(ollama_emulator: EmulatorURL) -> None:
    streamed = requests.post(f'{ollama_emulator}/api/pull', json={'model': 'no-such-model'})
    lines = [json.loads(line) for line in streamed.iter_lines()]
    assert (streamed.status_code, lines) == (200, [{'status': 'pulling manifest'}, {'error': NO_MANIFEST}])
    whole = requests.post(f'{ollama_emulator}/api/pull', json={'model': 'no-such-model', 'stream': False})
    assert (whole.status_code, whole.json()) == (500, {'error': NO_MANIFEST})
    assert 'no-such-model:latest' not in ollama_emulator.emulator.model_names


def test_the_catalog_takes_more_names() -> None:
    emulator = Emulator(catalog=['me/thing', 'other:v1'])
    with emulator.running() as url:

        def pull(name: str) -> int:
            return int(requests.post(f'{url}/api/pull', json={'model': name, 'stream': False}).status_code)

        assert (pull('me/thing:any'), pull('other:v1'), pull('other:v2')) == (200, 200, 500)
        emulator.add_to_catalog('late')
        assert pull('late:7b') == 200
        emulator.reset()
        assert (pull('late'), pull('me/thing')) == (500, 200)
    with pytest.raises(ValueError, match='invalid model name'):
        emulator.add_to_catalog('bad name!')


def test_library_models_pull_with_any_tag(ollama_emulator: EmulatorURL) -> None:
    for name in ('gemma3:270m', 'phi4', 'qwen3:0.6b', 'all-minilm:l6-v2'):
        reply = requests.post(f'{ollama_emulator}/api/pull', json={'model': name, 'stream': False})
        assert reply.json() == {'status': 'success'}


#: A body for each endpoint that schedules a model, and so reads its options with Options.FromMap.
_SCHEDULING = {
    '/api/chat': CHAT,
    '/api/generate': {'model': 'llama3.2', 'prompt': 'hi', 'stream': False},
    '/api/embed': {'model': 'nomic-embed-text', 'input': 'hi'},
    '/api/embeddings': {'model': 'nomic-embed-text', 'prompt': 'hi'},
}


@pytest.mark.parametrize('path', sorted(_SCHEDULING))
@pytest.mark.parametrize(
    ('options', 'error'),
    [
        ({'num_predict': 'ten'}, 'option "num_predict" must be of type integer'),
        ({'temperature': 'hot'}, 'option "temperature" must be of type float32'),
        ({'num_ctx': '4k'}, 'option "num_ctx" must be of type integer'),
        ({'use_mmap': 1}, 'option "use_mmap" must be of type boolean'),
        ({'stop': 'end'}, 'option "stop" must be of type array'),
        ({'stop': ['a', 1]}, 'option "stop" must be of an array of strings'),
    ],
)
def test_bad_option_types_answer_as_ollama_does(
    ollama_emulator: EmulatorURL, options: Dict[str, Any], error: str, path: str
) -> None:
    # Ollama finds these while scheduling the model (scheduleRunner, in server/routes.go) and answers them with
    # handleScheduleError's default: a 500 carrying Options.FromMap's message (api/types.go), not a 400.
    reply = requests.post(f'{ollama_emulator}{path}', json={**_SCHEDULING[path], 'options': options})
    assert (reply.status_code, reply.json()) == (500, {'error': error})


def test_unknown_and_removed_options_are_ignored(ollama_emulator: EmulatorURL) -> None:
    options = {'mirostat': 2, 'numa': True, 'made_up': 'x', 'seed': 4.0, 'temperature': 1}
    assert requests.post(f'{ollama_emulator}/api/chat', json={**CHAT, 'options': options}).status_code == 200


@pytest.mark.parametrize('path', ['/api/chat', '/api/generate'])
def test_debug_render_only_returns_the_prompt_and_no_answer(ollama_emulator: EmulatorURL, path: str) -> None:
    body: Dict[str, Any] = dict(CHAT) if path == '/api/chat' else {'model': 'qwen3', 'prompt': 'Hi'}
    reply = requests.post(f'{ollama_emulator}{path}', json={**body, '_debug_render_only': True}).json()
    assert reply['done'] is False
    assert 'Hi' in reply['_debug_info']['rendered_template']
    assert ('message' in reply) == (path == '/api/chat')


def test_show_with_a_system_prompt_shows_it(ollama_emulator: EmulatorURL) -> None:
    shown = requests.post(f'{ollama_emulator}/api/show', json={'model': 'qwen3', 'system': 'Be brief.'}).json()
    assert shown['system'] == 'Be brief.' and 'SYSTEM' in shown['modelfile'] and 'Be brief.' in shown['modelfile']
    assert 'system' not in requests.post(f'{ollama_emulator}/api/show', json={'model': 'qwen3'}).json()


def test_the_new_request_fields_are_type_checked(ollama_emulator: EmulatorURL) -> None:
    reply = requests.post(f'{ollama_emulator}/api/create', json={'model': 'x', 'from': 'qwen3', 'draft_files': 'no'})
    assert reply.json() == {
        'error': 'json: cannot unmarshal string into Go struct field CreateRequest.draft_files of type map'
    }


# --- the clients against it -------------------------------------------------------------------------


def test_sync_client_covers_the_new_routes(ollama_emulator: EmulatorURL) -> None:
    emulator = ollama_emulator.emulator
    with ollama.Client(ollama_emulator) as client:
        assert client.is_running() and client.heartbeat() == 'Ollama is running'
        assert client.status().cloud == ollama.CloudStatus(disabled=False, source='none')
        with pytest.raises(ollama.ResponseError) as caught:
            client.whoami()
        assert caught.value.status_code == 401 and caught.value.signin_url
        assert caught.value.signin_url in str(caught.value)
        emulator.sign_in('ada')
        assert client.whoami().name == 'ada'
        assert client.server_web_search('ollama', max_results=2).results[1].url
        assert client.server_web_fetch('https://ollama.com').title
        assert client.model_recommendations().recommendations
        assert client.signout().status == 'success'
        digest = 'sha256:' + '0' * 64
        assert client.blob_exists(digest) is False
        with pytest.raises(ollama.ResponseError, match=NO_MANIFEST):
            client.pull('no-such-model')


async def test_async_client_covers_the_new_routes(async_ollama_emulator: EmulatorURL) -> None:
    emulator = async_ollama_emulator.emulator
    async with ollama.AsyncClient(async_ollama_emulator) as client:
        assert await client.is_running() and await client.heartbeat() == 'Ollama is running'
        assert (await client.status()).cloud == ollama.CloudStatus(disabled=False, source='none')
        with pytest.raises(ollama.ResponseError) as caught:
            await client.server_web_search('ollama')
        assert caught.value.status_code == 401 and caught.value.signin_url
        emulator.sign_in('ada')
        assert (await client.whoami()).name == 'ada'
        assert (await client.server_web_search('ollama')).results
        assert (await client.server_web_fetch('https://ollama.com')).links
        assert (await client.model_recommendations()).recommendations
        assert (await client.signout()).status == 'success'
        assert await client.blob_exists('sha256:' + 'f' * 64) is False
        with pytest.raises(ollama.ResponseError, match=NO_MANIFEST):
            async for _ in await client.pull('no-such-model', stream=True):
                pass
