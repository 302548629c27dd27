"""Default replies are valid for the request: schemas, tool calls, thinking, logprobs, vectors, images."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Mapping

import pytest
import requests

from ollama_lite.testing import EmulatorURL
from ollama_lite.testing._schema import example_for

_TYPES = {
    'object': dict,
    'array': list,
    'string': str,
    'boolean': bool,
    'null': type(None),
    'number': (int, float),
    'integer': int,
}


def violations(value: Any, schema: Any, root: Any = None) -> List[str]:
    """What makes ``value`` invalid for ``schema`` (a small validator for the keywords the emulator honours)."""
    root = schema if root is None else root
    if schema is True or schema == {}:
        return []
    while '$ref' in schema:
        target = root
        for part in schema['$ref'][2:].split('/'):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != '$ref'}}
    problems: List[str] = []
    kinds = schema.get('type')
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        fits = [
            isinstance(value, _TYPES[k]) and not (isinstance(value, bool) and k in ('number', 'integer')) for k in kinds
        ]
        if not any(fits) and not ('integer' in kinds and isinstance(value, float) and value.is_integer()):
            return [f'{value!r} is not of type {kinds}']
    if 'enum' in schema and value not in schema['enum']:
        problems.append(f'{value!r} not in enum')
    if 'const' in schema and value != schema['const']:
        problems.append(f'{value!r} is not the const')
    for branch in schema.get('allOf', []):
        problems += violations(value, branch, root)
    if 'anyOf' in schema and all(violations(value, b, root) for b in schema['anyOf']):
        problems.append(f'{value!r} matches no anyOf branch')
    if 'oneOf' in schema and sum(not violations(value, b, root) for b in schema['oneOf']) != 1:
        problems.append(f'{value!r} does not match exactly one oneOf branch')
    if isinstance(value, dict):
        properties = schema.get('properties', {})
        problems += [f'missing {name}' for name in schema.get('required', []) if name not in value]
        for name, item in value.items():
            if name in properties:
                problems += violations(item, properties[name], root)
            elif schema.get('additionalProperties') is False:
                problems.append(f'unexpected {name}')
    if isinstance(value, list):
        prefix = schema.get('prefixItems', [])
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else schema.get('items', True)
            problems += violations(item, sub, root)
        if len(value) < schema.get('minItems', 0) or len(value) > schema.get('maxItems', math.inf):
            problems.append(f'{len(value)} items is out of bounds')
        if schema.get('uniqueItems') and len({json.dumps(v) for v in value}) != len(value):
            problems.append('items are not unique')
    if isinstance(value, str) and not schema.get('minLength', 0) <= len(value) <= schema.get('maxLength', math.inf):
        problems.append(f'{value!r} has a length out of bounds')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < schema.get('minimum', -math.inf) or value > schema.get('maximum', math.inf):
            problems.append(f'{value} is out of bounds')
        if value <= schema.get('exclusiveMinimum', -math.inf) or value >= schema.get('exclusiveMaximum', math.inf):
            problems.append(f'{value} is out of exclusive bounds')
        step = schema.get('multipleOf')
        if step and abs(value / step - round(value / step)) > 1e-9:
            problems.append(f'{value} is not a multiple of {step}')
    return problems


PERSON = {
    '$defs': {
        'Address': {
            'type': 'object',
            'properties': {'street': {'type': 'string'}, 'zip': {'type': 'string', 'minLength': 5, 'maxLength': 5}},
            'required': ['street', 'zip'],
        },
        'Color': {'enum': ['red', 'green'], 'type': 'string'},
    },
    'type': 'object',
    'properties': {
        'name': {'type': 'string', 'title': 'Name'},
        'age': {'type': 'integer', 'minimum': 0, 'maximum': 30},
        'height': {'type': 'number', 'exclusiveMinimum': 100, 'exclusiveMaximum': 101},
        'email': {'type': 'string', 'format': 'email'},
        'nickname': {'anyOf': [{'type': 'string'}, {'type': 'null'}], 'default': None},
        'address': {'$ref': '#/$defs/Address'},
        'favourite': {'$ref': '#/$defs/Color'},
        'tags': {'type': 'array', 'items': {'type': 'string'}, 'minItems': 2, 'uniqueItems': True},
        'scores': {'type': 'array', 'items': {'type': 'integer', 'multipleOf': 7}, 'maxItems': 3},
        'pair': {'type': 'array', 'prefixItems': [{'type': 'integer'}, {'type': 'boolean'}], 'items': False},
        'kind': {'const': 'person'},
        'active': {'type': ['boolean', 'null']},
    },
    'required': ['name', 'age', 'address', 'tags'],
    'additionalProperties': False,
}
TREE = {
    '$defs': {
        'Node': {
            'type': 'object',
            'properties': {
                'value': {'type': 'integer'},
                'children': {'type': 'array', 'items': {'$ref': '#/$defs/Node'}},
                'parent': {'anyOf': [{'$ref': '#/$defs/Node'}, {'type': 'null'}]},
            },
            'required': ['value', 'children', 'parent'],
        }
    },
    '$ref': '#/$defs/Node',
}
SCHEMAS = [
    PERSON,
    TREE,
    {'type': 'array', 'items': {'type': 'number', 'minimum': 5.5, 'maximum': 6}, 'minItems': 3},
    {'allOf': [{'properties': {'a': {'type': 'integer'}}, 'required': ['a']}, {'required': ['b']}]},
    {'oneOf': [{'type': 'integer', 'maximum': 0}, {'type': 'string'}]},
    {'type': 'integer', 'minimum': 100, 'multipleOf': 9},
    {'type': 'string', 'format': 'date-time'},
    {'type': 'object', 'properties': {'when': {'type': 'string', 'format': 'date'}}, 'additionalProperties': False},
    {},
]


@pytest.mark.parametrize('schema', SCHEMAS)
def test_examples_validate_against_their_schema(schema: Mapping[str, Any]) -> None:
    assert violations(example_for(schema), schema) == []


def test_recursive_schemas_give_small_documents_and_impossible_ones_end() -> None:
    assert len(json.dumps(example_for(TREE))) < 200
    node = {'type': 'object', 'properties': {'a': {'$ref': '#'}, 'b': {'$ref': '#'}}, 'required': ['a', 'b']}
    assert isinstance(example_for(node), dict)


def chat(url: str, **body: Any) -> Dict[str, Any]:
    base = {'model': 'llama3.2', 'messages': [{'role': 'user', 'content': 'Tell me about Ada'}], 'stream': False}
    response = requests.post(f'{url}/api/chat', json={**base, **body})
    assert response.status_code == 200, response.text
    reply: Dict[str, Any] = response.json()
    return reply


def test_format_schema_gets_a_valid_document_in_chat_and_generate(ollama_emulator: EmulatorURL) -> None:
    content = chat(ollama_emulator, format=PERSON)['message']['content']
    assert violations(json.loads(content), PERSON) == []
    body = {'model': 'llama3.2', 'prompt': 'Ada?', 'format': TREE, 'stream': False}
    response = requests.post(f'{ollama_emulator}/api/generate', json=body).json()['response']
    assert violations(json.loads(response), TREE) == []


def test_format_json_gets_a_json_object(ollama_emulator: EmulatorURL) -> None:
    assert isinstance(json.loads(chat(ollama_emulator, format='json')['message']['content']), dict)


def test_replies_are_deterministic(ollama_emulator: EmulatorURL) -> None:
    first, second = chat(ollama_emulator), chat(ollama_emulator)
    assert first['message'] == second['message']
    assert 'Tell me about Ada' in first['message']['content']


WEATHER = {
    'type': 'function',
    'function': {
        'name': 'get_weather',
        'description': 'Weather in a city',
        'parameters': {
            'type': 'object',
            'properties': {
                'city': {'type': 'string', 'description': 'The city'},
                'unit': {'type': 'string', 'enum': ['celsius', 'fahrenheit']},
                'days': {'type': 'integer', 'minimum': 1, 'maximum': 7},
            },
            'required': ['city', 'unit'],
        },
    },
}
CLOCK = {'type': 'function', 'function': {'name': 'get_time', 'parameters': {'type': 'object', 'properties': {}}}}


def test_tools_get_a_call_of_the_first_tool_with_valid_arguments(ollama_emulator: EmulatorURL) -> None:
    message = chat(ollama_emulator, tools=[WEATHER, CLOCK])['message']
    assert message['content'] == ''
    (call,) = message['tool_calls']
    assert call['id'].startswith('call_')
    assert call['function']['name'] == 'get_weather'
    assert call['function']['index'] == 0
    assert violations(call['function']['arguments'], WEATHER['function']['parameters']) == []


def test_after_a_tool_result_the_model_answers_in_text(ollama_emulator: EmulatorURL) -> None:
    messages = [
        {'role': 'user', 'content': 'Weather in Paris?'},
        {'role': 'assistant', 'content': '', 'tool_calls': [{'function': {'name': 'get_weather', 'arguments': {}}}]},
        {'role': 'tool', 'content': '21 degrees', 'tool_name': 'get_weather'},
    ]
    message = chat(ollama_emulator, tools=[WEATHER], messages=messages)['message']
    assert 'tool_calls' not in message
    assert 'get_weather returned 21 degrees' in message['content']


def test_streamed_tool_call_arrives_in_one_chunk_before_the_final_one(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'llama3.2', 'messages': [{'role': 'user', 'content': 'Paris?'}], 'tools': [WEATHER]}
    lines = [json.loads(line) for line in requests.post(f'{ollama_emulator}/api/chat', json=body).iter_lines()]
    assert [line['done'] for line in lines] == [False, True]
    assert lines[0]['message']['tool_calls'][0]['function']['name'] == 'get_weather'


def test_thinking_models_think_by_default_and_levels_change_the_length(ollama_emulator: EmulatorURL) -> None:
    default = chat(ollama_emulator, model='qwen3')['message']
    assert default['thinking']
    assert 'thinking' not in chat(ollama_emulator, model='qwen3', think=False)['message']
    low = chat(ollama_emulator, model='qwen3', think='low')['message']['thinking']
    high = chat(ollama_emulator, model='qwen3', think='high')['message']['thinking']
    assert len(low) < len(default['thinking']) < len(high)
    body = {'model': 'qwen3', 'prompt': 'hi', 'think': True, 'stream': False}
    assert requests.post(f'{ollama_emulator}/api/generate', json=body).json()['thinking']


def test_streamed_thinking_comes_before_content(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'qwen3', 'messages': [{'role': 'user', 'content': 'hi'}]}
    lines = [json.loads(line) for line in requests.post(f'{ollama_emulator}/api/chat', json=body).iter_lines()]
    kinds = ['thinking' if line['message'].get('thinking') else 'content' for line in lines[:-1]]
    assert kinds == sorted(kinds, key=lambda kind: kind != 'thinking')
    assert 'thinking' in kinds


def test_logprobs_describe_each_token(ollama_emulator: EmulatorURL) -> None:
    reply = chat(ollama_emulator, logprobs=True, top_logprobs=3)
    tokens = [entry['token'] for entry in reply['logprobs']]
    assert ''.join(tokens) == reply['message']['content']
    for entry in reply['logprobs']:
        assert entry['logprob'] < 0
        assert bytes(entry['bytes']).decode() == entry['token']
        assert len(entry['top_logprobs']) == 3
        assert entry['top_logprobs'][0]['token'] == entry['token']
    assert 'top_logprobs' not in chat(ollama_emulator, logprobs=True)['logprobs'][0]
    assert 'logprobs' not in chat(ollama_emulator)


def test_options_num_predict_and_stop_shorten_the_text(ollama_emulator: EmulatorURL) -> None:
    short = chat(ollama_emulator, options={'num_predict': 2})
    assert (len(short['message']['content'].split()), short['done_reason'], short['eval_count']) == (2, 'length', 2)
    stopped = chat(ollama_emulator, options={'stop': ['emulated']})['message']['content']
    assert 'emulated' not in stopped


def norm(vector: List[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


def test_embeddings_are_unit_vectors_fixed_by_text(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'nomic-embed-text', 'input': ['sky', 'sea', 'sky']}
    reply = requests.post(f'{ollama_emulator}/api/embed', json=body).json()
    first, second, third = reply['embeddings']
    assert len(first) == 768
    assert first == third != second
    assert abs(norm(first) - 1) < 1e-9
    assert reply['prompt_eval_count'] == 3
    assert reply['model'] == 'nomic-embed-text'
    small = requests.post(f'{ollama_emulator}/api/embed', json={**body, 'input': 'sky', 'dimensions': 8}).json()
    (vector,) = small['embeddings']
    assert len(vector) == 8
    assert abs(norm(vector) - 1) < 1e-9
    assert all(a * b > 0 for a, b in zip(vector, first[:8]))
    empty = requests.post(f'{ollama_emulator}/api/embed', json={**body, 'input': []}).json()
    assert empty == {'model': 'nomic-embed-text', 'embeddings': []}


def test_legacy_embeddings_answer_one_vector(ollama_emulator: EmulatorURL) -> None:
    body = {'model': 'nomic-embed-text', 'prompt': 'sky'}
    legacy = requests.post(f'{ollama_emulator}/api/embeddings', json=body).json()['embedding']
    current = requests.post(f'{ollama_emulator}/api/embed', json={'model': 'nomic-embed-text', 'input': 'sky'}).json()
    assert legacy == current['embeddings'][0]
    unknown = requests.post(f'{ollama_emulator}/api/embeddings', json={'model': 'nope', 'prompt': 'x'})
    assert (unknown.status_code, unknown.json()) == (404, {'error': 'model "nope" not found, try pulling it first'})


def test_image_generation_is_gone(ollama_emulator: EmulatorURL) -> None:
    # Ollama dropped image generation on 2026-07-28: width, height and steps are unknown fields, ignored.
    body = {'model': 'llama3.2', 'prompt': 'a red fox', 'width': 32, 'height': 16, 'steps': 3, 'stream': False}
    reply = requests.post(f'{ollama_emulator}/api/generate', json=body).json()
    assert reply['response'] and not {'image', 'completed', 'total'} & set(reply)
    ollama_emulator.emulator.add_model('x/z-image')
    image_model = requests.post(f'{ollama_emulator}/api/generate', json={**body, 'model': 'x/z-image'})
    assert (image_model.status_code, image_model.json()) == (
        400,
        {'error': 'image generation models are not currently supported'},
    )


def test_web_search_and_fetch_need_a_bearer_key(ollama_emulator: EmulatorURL) -> None:
    search = f'{ollama_emulator}/api/web_search'
    assert requests.post(search, json={'query': 'ollama'}).status_code == 401
    headers = {'Authorization': 'Bearer secret'}
    results = requests.post(search, json={'query': 'ollama', 'max_results': 2}, headers=headers).json()['results']
    assert len(results) == 2
    assert set(results[0]) == {'title', 'url', 'content'}
    page = requests.post(f'{ollama_emulator}/api/web_fetch', json={'url': 'https://ollama.com'}, headers=headers)
    assert set(page.json()) == {'title', 'content', 'links'}
    missing = requests.post(search, json={}, headers=headers)
    assert (missing.status_code, missing.json()) == (400, {'error': 'query is required'})


def test_embeddings_of_texts_sharing_words_are_similar() -> None:
    from ollama_lite.testing._replies import embedding

    def cosine(a: List[float], b: List[float]) -> float:
        return sum(x * y for x, y in zip(a, b))  # unit vectors

    sky = embedding('m', 'The sky is blue.', 64, None)
    azure = embedding('m', 'The sky is azure.', 64, None)
    cats = embedding('m', 'Cats purr.', 64, None)
    assert cosine(sky, azure) > 0.6
    assert abs(cosine(sky, cats)) < 0.4
    assert embedding('m', 'blue sky', 64, None) != embedding('m', 'sky blue', 64, None)
    assert math.isclose(sum(x * x for x in sky), 1.0)
    assert embedding('m', 'The sky is blue.', 64, None) == sky
