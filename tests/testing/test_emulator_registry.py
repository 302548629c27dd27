"""The emulator's model registry: names, tags/show/ps, pull, push, create, copy, delete, blobs and keep-alive."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import time
from typing import Any, Dict, List

import pytest
import requests

from ollama_lite.testing import DEFAULT_MODELS, Emulator, EmulatorURL, ModelSpec
from ollama_lite.testing._names import InvalidName, ModelName
from ollama_lite.testing._registry import FOREVER_NS, keep_alive_ns


def names(url: str) -> List[str]:
    return [model['name'] for model in requests.get(f'{url}/api/tags').json()['models']]


def ndjson(response: requests.Response) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in response.iter_lines() if line]


def parse_time(text: str) -> datetime.datetime:
    """Read an RFC 3339 time as Go writes it (Python before 3.11 reads neither "Z" nor nanoseconds)."""
    match = re.fullmatch(r'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)', text)
    assert match, text
    base, fraction, zone = match.groups()
    micro = (fraction or '')[:6].ljust(6, '0')
    return datetime.datetime.fromisoformat(f'{base}.{micro}{"+00:00" if zone == "Z" else zone}')


@pytest.mark.parametrize(
    ('text', 'display', 'full'),
    [
        ('llama3.2', 'llama3.2:latest', 'registry.ollama.ai/library/llama3.2:latest'),
        ('library/llama3.2:1b', 'llama3.2:1b', 'registry.ollama.ai/library/llama3.2:1b'),
        ('mattw/pygmalion', 'mattw/pygmalion:latest', 'registry.ollama.ai/mattw/pygmalion:latest'),
        ('example.com:5000/team/model:v1', 'example.com:5000/team/model:v1', 'example.com:5000/team/model:v1'),
        ('https://registry.ollama.ai/library/qwen3:8b', 'qwen3:8b', 'registry.ollama.ai/library/qwen3:8b'),
    ],
)
def test_names_are_normalised_with_latest_as_the_default_tag(text: str, display: str, full: str) -> None:
    name = ModelName.parse(text)
    assert (name.display, name.full) == (display, full)


@pytest.mark.parametrize('text', ['', 'bad name', 'model:', 'ns/', 'a/b/c/d', '-lead', 'dot.in.ns/model', 'x' * 81])
def test_invalid_names_are_refused(text: str) -> None:
    with pytest.raises(InvalidName):
        ModelName.parse(text)


@pytest.mark.parametrize(
    ('value', 'nanoseconds'),
    [
        (None, 300 * 10**9),
        (0, 0),
        ('0', 0),
        (30, 30 * 10**9),
        (1.5, 1_500_000_000),
        ('5m', 300 * 10**9),
        ('1h30m', 5400 * 10**9),
        ('250ms', 250_000_000),
        (-1, FOREVER_NS),
        ('-1s', FOREVER_NS),
    ],
)
def test_keep_alive_reads_seconds_and_go_durations(value: Any, nanoseconds: int) -> None:
    assert keep_alive_ns(value) == nanoseconds


@pytest.mark.parametrize(('value', 'message'), [('5', 'missing unit'), ('soon', 'invalid duration'), (True, 'bool')])
def test_keep_alive_refuses_what_ollama_refuses(value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        keep_alive_ns(value)


def test_tags_list_the_default_models_with_consistent_metadata(ollama_emulator: EmulatorURL) -> None:
    models = requests.get(f'{ollama_emulator}/api/tags').json()['models']
    assert [m['name'] for m in models] == list(DEFAULT_MODELS)
    by_name = {m['name']: m for m in models}
    assert 'thinking' in by_name['qwen3:latest']['capabilities']
    assert 'tools' in by_name['qwen3:latest']['capabilities']
    assert by_name['nomic-embed-text:latest']['capabilities'] == ['embedding']
    assert 'vision' in by_name['llava:latest']['capabilities']
    for model in models:
        assert model['model'] == model['name']
        assert len(model['digest']) == 64
        assert model['size'] > 0
        assert set(model['details']) == {
            'parent_model',
            'format',
            'family',
            'families',
            'parameter_size',
            'quantization_level',
        }
        parse_time(model['modified_at'])


def test_constructor_models_accept_names_and_specs() -> None:
    spec = ModelSpec('plain:1b', capabilities=['completion'], system='Be brief.')
    with Emulator(models=['Mistral', spec]).running() as url:
        assert names(url) == ['Mistral:latest', 'plain:1b']  # Ollama keeps a name's case as given
        shown = requests.post(f'{url}/api/show', json={'model': 'plain:1b'}).json()
        assert shown['capabilities'] == ['completion']
        assert shown['system'] == 'Be brief.'
        assert shown['details']['parameter_size'] == '1B'


def test_invalid_constructor_model_raises() -> None:
    with pytest.raises(ValueError, match='invalid model name'):
        Emulator(models=['no good'])


def test_lookups_ignore_case_and_default_the_tag(ollama_emulator: EmulatorURL) -> None:
    for name in ('QWEN3', 'qwen3:latest', 'library/qwen3', 'registry.ollama.ai/library/Qwen3:LATEST'):
        response = requests.post(f'{ollama_emulator}/api/show', json={'model': name})
        assert response.status_code == 200, name


def test_show_reports_details_model_info_template_and_parameters(ollama_emulator: EmulatorURL) -> None:
    shown = requests.post(f'{ollama_emulator}/api/show', json={'model': 'qwen3'}).json()
    assert shown['details']['family'] == 'qwen3'
    assert shown['capabilities'] == ['completion', 'tools', 'thinking']
    assert shown['model_info']['general.architecture'] == 'qwen3'
    assert shown['model_info']['qwen3.context_length'] == 40960
    assert shown['model_info']['tokenizer.ggml.tokens'] == []
    assert '{{ .System }}' in shown['template']
    assert 'stop' in shown['parameters']
    assert 'FROM ' in shown['modelfile']
    assert 'tensors' not in shown
    parse_time(shown['modified_at'])
    verbose = requests.post(f'{ollama_emulator}/api/show', json={'model': 'qwen3', 'verbose': True}).json()
    assert verbose['tensors'][0]['name'] == 'token_embd.weight'
    assert verbose['model_info']['tokenizer.ggml.tokens']


def test_pull_streams_progress_then_installs_the_model(ollama_emulator: EmulatorURL) -> None:
    response = requests.post(f'{ollama_emulator}/api/pull', json={'model': 'gemma3:4b'}, stream=True)
    lines = ndjson(response)
    statuses = [line['status'] for line in lines]
    assert statuses[0] == 'pulling manifest'
    assert statuses[-3:] == ['verifying sha256 digest', 'writing manifest', 'success']
    layers = [line for line in lines if 'digest' in line]
    big = [line for line in layers if line['total'] > 1_000_000]
    assert len(big) >= 4
    assert big[0]['status'] == f'pulling {big[0]["digest"][7:19]}'
    assert 'completed' not in big[0]
    assert big[-1]['completed'] == big[-1]['total']
    for digest in {line['digest'] for line in big}:
        progress = [line.get('completed', 0) for line in big if line['digest'] == digest]
        assert progress == sorted(progress)
    assert names(ollama_emulator)[0] == 'gemma3:4b'
    tags = requests.get(f'{ollama_emulator}/api/tags').json()['models'][0]
    assert tags['size'] == sum({line['digest']: line['total'] for line in layers}.values())


def test_pull_without_streaming_answers_success_only(ollama_emulator: EmulatorURL) -> None:
    response = requests.post(f'{ollama_emulator}/api/pull', json={'model': 'all-minilm', 'stream': False})
    assert response.json() == {'status': 'success'}
    assert 'all-minilm:latest' in names(ollama_emulator)


def test_push_streams_progress_for_an_installed_model(ollama_emulator: EmulatorURL) -> None:
    lines = ndjson(requests.post(f'{ollama_emulator}/api/push', json={'model': 'llama3.2'}, stream=True))
    statuses = [line['status'] for line in lines]
    assert statuses[0] == 'retrieving manifest'
    assert statuses[-2:] == ['pushing manifest', 'success']
    assert any(status.startswith('pushing ') and len(status) == 20 for status in statuses)
    missing = requests.post(f'{ollama_emulator}/api/push', json={'model': 'someone/else'})
    assert (missing.status_code, missing.json()) == (404, {'error': "model 'someone/else' not found"})


def test_copy_keeps_the_manifest_and_delete_removes_it(ollama_emulator: EmulatorURL) -> None:
    response = requests.post(f'{ollama_emulator}/api/copy', json={'source': 'llama3.2', 'destination': 'mine/llama'})
    assert (response.status_code, response.content) == (200, b'')
    tags = {m['name']: m for m in requests.get(f'{ollama_emulator}/api/tags').json()['models']}
    assert tags['mine/llama:latest']['digest'] == tags['llama3.2:latest']['digest']
    response = requests.delete(f'{ollama_emulator}/api/delete', json={'model': 'mine/llama'})
    assert (response.status_code, response.content) == (200, b'')
    assert 'mine/llama:latest' not in names(ollama_emulator)
    again = requests.delete(f'{ollama_emulator}/api/delete', json={'model': 'mine/llama'})
    assert (again.status_code, again.json()) == (404, {'error': "model 'mine/llama' not found"})


def test_create_from_a_model_derives_it(ollama_emulator: EmulatorURL) -> None:
    body = {
        'model': 'mario',
        'from': 'llama3.2',
        'system': 'You are Mario.',
        'parameters': {'temperature': 0.2},
        'license': ['MIT', 'Apache'],
    }
    lines = ndjson(requests.post(f'{ollama_emulator}/api/create', json=body, stream=True))
    statuses = [line['status'] for line in lines]
    assert statuses[-2:] == ['writing manifest', 'success']
    assert any(s.startswith('using existing layer sha256:') for s in statuses)
    assert any(s.startswith('creating new layer sha256:') for s in statuses)
    shown = requests.post(f'{ollama_emulator}/api/show', json={'model': 'mario'}).json()
    assert shown['system'] == 'You are Mario.'
    assert shown['license'] == 'MIT\nApache'
    assert shown['details']['parent_model'] == 'llama3.2:latest'
    assert 'temperature                    0.2' in shown['parameters']
    assert shown['capabilities'] == ['completion', 'tools']


def test_create_needs_a_known_source(ollama_emulator: EmulatorURL) -> None:
    neither = requests.post(f'{ollama_emulator}/api/create', json={'model': 'x'})
    assert (neither.status_code, neither.json()) == (400, {'error': "neither 'from' or 'files' was specified"})
    unknown = requests.post(f'{ollama_emulator}/api/create', json={'model': 'x', 'from': 'nope'})
    assert (unknown.status_code, unknown.json()) == (404, {'error': "model 'nope' not found"})


def test_blobs_are_verified_and_feed_create(ollama_emulator: EmulatorURL) -> None:
    data = b'GGUF' + bytes(range(256)) * 8
    digest = 'sha256:' + hashlib.sha256(data).hexdigest()
    blob_url = f'{ollama_emulator}/api/blobs/{digest}'
    assert requests.head(blob_url).status_code == 404
    create = {'model': 'from-file', 'files': {'model.gguf': digest}, 'stream': False}
    early = requests.post(f'{ollama_emulator}/api/create', json=create)
    assert early.status_code == 400
    assert digest in early.json()['error']
    wrong = requests.post(f'{ollama_emulator}/api/blobs/sha256:{"0" * 64}', data=data)
    assert wrong.status_code == 400
    assert wrong.json()['error'].startswith('digest mismatch')
    assert requests.post(f'{ollama_emulator}/api/blobs/sha256:xyz', data=data).json() == {
        'error': 'invalid digest format'
    }
    assert requests.post(blob_url, data=data).status_code == 201
    assert requests.post(blob_url, data=data).status_code == 200
    assert requests.head(blob_url).status_code == 200
    created = requests.post(f'{ollama_emulator}/api/create', json=create)
    assert created.json() == {'status': 'success'}
    model = {m['name']: m for m in requests.get(f'{ollama_emulator}/api/tags').json()['models']}['from-file:latest']
    assert model['size'] >= len(data)
    outside = requests.post(
        f'{ollama_emulator}/api/create', json={'model': 'y', 'files': {'../model.gguf': digest}, 'stream': False}
    )
    assert outside.json() == {'error': 'file path must be relative'}


def chat_ps(url: str, keep_alive: Any) -> List[Dict[str, Any]]:
    body = {'model': 'llama3.2', 'messages': [{'role': 'user', 'content': 'hi'}], 'stream': False}
    if keep_alive is not None:
        body['keep_alive'] = keep_alive
    assert requests.post(f'{url}/api/chat', json=body).status_code == 200
    models: List[Dict[str, Any]] = requests.get(f'{url}/api/ps').json()['models']
    return models


def test_ps_lists_models_loaded_by_requests_until_keep_alive_runs_out(ollama_emulator: EmulatorURL) -> None:
    assert requests.get(f'{ollama_emulator}/api/ps').json() == {'models': []}
    before = datetime.datetime.now(datetime.timezone.utc)
    (entry,) = chat_ps(ollama_emulator, '1h')
    assert entry['name'] == entry['model'] == 'llama3.2:latest'
    assert entry['size_vram'] == entry['size'] > 0
    assert entry['context_length'] == 4096
    expires = parse_time(entry['expires_at'])
    assert datetime.timedelta(minutes=59) < expires - before < datetime.timedelta(minutes=61)
    (forever,) = chat_ps(ollama_emulator, -1)
    assert parse_time(forever['expires_at']).year > 2200
    assert chat_ps(ollama_emulator, 0) == []
    assert chat_ps(ollama_emulator, 0.2) != []
    time.sleep(0.3)
    assert requests.get(f'{ollama_emulator}/api/ps').json() == {'models': []}


def test_empty_generate_and_chat_load_and_keep_alive_zero_unloads(ollama_emulator: EmulatorURL) -> None:
    loaded = requests.post(f'{ollama_emulator}/api/generate', json={'model': 'qwen3'}).json()
    assert (loaded['done'], loaded['done_reason'], loaded['response']) == (True, 'load', '')
    chat = requests.post(f'{ollama_emulator}/api/chat', json={'model': 'llama3.2', 'messages': []}).json()
    assert chat['done_reason'] == 'load'
    assert chat['message'] == {'role': 'assistant', 'content': ''}
    assert ollama_emulator.emulator.loaded_model_names == ['llama3.2:latest', 'qwen3:latest']
    unload = requests.post(f'{ollama_emulator}/api/generate', json={'model': 'qwen3', 'keep_alive': 0}).json()
    assert unload['done_reason'] == 'unload'
    unload = requests.post(f'{ollama_emulator}/api/chat', json={'model': 'llama3.2', 'keep_alive': '0'}).json()
    assert unload['done_reason'] == 'unload'
    assert ollama_emulator.emulator.loaded_model_names == []


def test_deleting_a_loaded_model_unloads_it(ollama_emulator: EmulatorURL) -> None:
    requests.post(f'{ollama_emulator}/api/generate', json={'model': 'qwen3'})
    requests.delete(f'{ollama_emulator}/api/delete', json={'model': 'qwen3'})
    assert requests.get(f'{ollama_emulator}/api/ps').json() == {'models': []}


def test_add_model_and_reset(ollama_emulator: EmulatorURL) -> None:
    emulator = ollama_emulator.emulator
    assert emulator.add_model('phi4:14b') == 'phi4:14b'
    assert names(ollama_emulator)[0] == 'phi4:14b'
    with pytest.raises(ValueError, match='invalid model name'):
        emulator.add_model('not valid')
    emulator.reset()
    assert emulator.model_names == list(DEFAULT_MODELS)
