"""Every request and reply field: exactly what reaches the server, sync and async, and every field read back.

Bodies are compared whole, so a field sent as ``null`` or under a wrong name fails the test.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Literal

import pytest

import ollama_lite as ollama
from ollama_lite._codec import decode
from tests.unit._roundtrip import TRANSPORTS, roundtrip

USER = {'role': 'user', 'content': 'Hi'}


@dataclasses.dataclass
class Answer:
    text: str
    confidence: float = 1.0


def get_weather(city: str, unit: Literal['c', 'f'] = 'c') -> str:
    """Get the current weather.

    Args:
        city: The city name.
    """
    return f'22 {unit} in {city}'


WEATHER_TOOL = {
    'type': 'function',
    'function': {
        'name': 'get_weather',
        'description': 'Get the current weather.',
        'parameters': {
            'type': 'object',
            'properties': {
                'city': {'type': 'string', 'description': 'The city name.'},
                'unit': {'type': 'string', 'enum': ['c', 'f']},
            },
            'required': ['city'],
        },
    },
}


# --- Requests ------------------------------------------------------------------------------------


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_chat_with_every_field(transport: str) -> None:
    options = ollama.Options(temperature=0.0, num_ctx=8192, draft_num_predict=4, stop=['\n\n'], use_mmap=False)
    _, body = await roundtrip(
        transport,
        lambda c: c.chat(
            'qwen3',
            [USER],
            tools=[get_weather],
            think='high',
            logprobs=True,
            top_logprobs=5,
            format=Answer,
            options=options,
            keep_alive='5m',
            truncate=False,
            shift=True,
        ),
    )
    assert body == {
        'model': 'qwen3',
        'messages': [USER],
        'tools': [WEATHER_TOOL],
        'stream': False,
        'format': {
            'type': 'object',
            'properties': {'text': {'type': 'string'}, 'confidence': {'type': 'number'}},
            'required': ['text'],
        },
        'options': {'temperature': 0.0, 'num_ctx': 8192, 'draft_num_predict': 4, 'stop': ['\n\n'], 'use_mmap': False},
        'keep_alive': '5m',
        'think': 'high',
        'truncate': False,
        'shift': True,
        'logprobs': True,
        'top_logprobs': 5,
    }


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_generate_with_every_field(transport: str) -> None:
    _, body = await roundtrip(
        transport,
        lambda c: c.generate(
            'llama3.2',
            'Why?',
            'The end.',
            system='Be brief.',
            template='{{ .Prompt }}',
            context=[1, 2, 3],
            think=True,
            logprobs=True,
            top_logprobs=0,
            raw=True,
            format='json',
            options={'seed': 42, 'future_option': 'kept'},
            keep_alive=0,
            truncate=True,
            shift=False,
        ),
        path='/api/generate',
    )
    assert body == {
        'model': 'llama3.2',
        'prompt': 'Why?',
        'suffix': 'The end.',
        'system': 'Be brief.',
        'template': '{{ .Prompt }}',
        'context': [1, 2, 3],
        'stream': False,
        'raw': True,
        'format': 'json',
        'options': {'seed': 42, 'future_option': 'kept'},
        'keep_alive': 0,
        'think': True,
        'truncate': True,
        'shift': False,
        'logprobs': True,
        'top_logprobs': 0,
    }


@pytest.mark.filterwarnings('ignore::DeprecationWarning')  # still sent, with a warning: see test_server_routes
@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_image_generation_fields(transport: str) -> None:
    _, body = await roundtrip(
        transport,
        lambda c: c.generate('x/z-image', 'a red fox', width=1024, height=768, steps=9),
        path='/api/generate',
    )
    assert body == {
        'model': 'x/z-image',
        'prompt': 'a red fox',
        'stream': False,
        'width': 1024,
        'height': 768,
        'steps': 9,
    }


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_unset_fields_are_not_sent(transport: str) -> None:
    _, chat = await roundtrip(transport, lambda c: c.chat('m', [USER]))
    _, generate = await roundtrip(transport, lambda c: c.generate('m', 'Hi'), path='/api/generate')
    # "tools": [] is always sent, as the official client sends it (tests/compat/test_oracle.py).
    assert chat == {'model': 'm', 'messages': [USER], 'tools': [], 'stream': False}
    assert generate == {'model': 'm', 'prompt': 'Hi', 'stream': False}


@pytest.mark.filterwarnings('ignore::DeprecationWarning')  # penalize_newline is ignored by the server now
@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_options_object_sends_only_what_is_set(transport: str) -> None:
    # Zero and False are values; only None means unset.
    options = ollama.Options(temperature=0, top_k=0, penalize_newline=False)
    _, body = await roundtrip(transport, lambda c: c.chat('m', [USER], options=options))
    assert body is not None
    assert body['options'] == {'temperature': 0, 'top_k': 0, 'penalize_newline': False}
    assert body['options'] == ollama.Options(**body['options']).to_dict()


def test_options_has_every_documented_option() -> None:
    documented = (  # noqa: SIM905
        'num_keep seed num_predict top_k top_p min_p typical_p repeat_last_n temperature repeat_penalty '
        'presence_penalty frequency_penalty stop num_ctx num_batch num_gpu main_gpu use_mmap num_thread '
        'draft_num_predict numa low_vram f16_kv logits_all vocab_only use_mlock embedding_only tfs_z mirostat '
        'mirostat_tau mirostat_eta penalize_newline'
    ).split()
    assert {f.name for f in dataclasses.fields(ollama.Options)} == set(documented)


@pytest.mark.parametrize('transport', TRANSPORTS)
@pytest.mark.parametrize('keep_alive', [0, -1, 300, 1.5, '5m', '1h30m', '0', '-1s'])
async def test_keep_alive_number_or_duration(transport: str, keep_alive: Any) -> None:
    _, body = await roundtrip(transport, lambda c: c.chat('m', [USER], keep_alive=keep_alive))
    assert body is not None
    assert body['keep_alive'] == keep_alive
    assert type(body['keep_alive']) is type(keep_alive)


@pytest.mark.parametrize('transport', TRANSPORTS)
@pytest.mark.parametrize('think', [True, False, 'low', 'medium', 'high', 'max'])
async def test_think_bool_or_level(transport: str, think: Any) -> None:
    _, body = await roundtrip(transport, lambda c: c.generate('m', 'Hi', think=think), path='/api/generate')
    assert body is not None
    assert body['think'] == think
    assert type(body['think']) is type(think)


@pytest.mark.parametrize(
    ('kwargs', 'match'),
    [
        ({'think': 'extreme'}, 'think must be True, False or one of low, medium, high, max'),
        ({'think': 1}, 'think must be'),
        ({'keep_alive': True}, 'keep_alive must be seconds'),
        ({'keep_alive': [5]}, 'keep_alive must be seconds'),
        ({'top_logprobs': 21}, 'top_logprobs must be a whole number from 0 to 20'),
        ({'options': ['temperature']}, 'options must be a dict or ollama_lite.Options'),
        ({'format': 'yaml'}, "format must be '', 'json'"),
    ],
)
def test_bad_field_values_fail_before_sending(kwargs: Dict[str, Any], match: str) -> None:
    with pytest.raises(ollama.RequestError, match=match):
        ollama.Client('http://127.0.0.1:9', retries=0).chat('m', [USER], **kwargs)


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_tools_mixed_dicts_objects_and_functions(transport: str) -> None:
    as_dict = {
        'type': 'function',
        'function': {
            'name': 'lookup',
            'description': 'Look a word up.',
            'parameters': {
                'type': 'object',
                'properties': {'word': {'type': 'string', 'minLength': 1}},
                'required': ['word'],
            },
        },
    }
    as_object = ollama.Tool(
        function=ollama.Tool.Function(
            name='now',
            description='The time.',
            parameters=ollama.Tool.Function.Parameters(
                properties={'tz': ollama.Tool.Function.Parameters.Property(type=['string', 'null'], enum=['UTC', None])}
            ),
        )
    )
    _, body = await roundtrip(transport, lambda c: c.chat('m', [USER], tools=[as_dict, as_object, get_weather]))
    assert body is not None
    assert body['tools'] == [
        as_dict,
        {
            'type': 'function',
            'function': {
                'name': 'now',
                'description': 'The time.',
                'parameters': {
                    'type': 'object',
                    'properties': {'tz': {'type': ['string', 'null'], 'enum': ['UTC', None]}},
                },
            },
        },
        WEATHER_TOOL,
    ]


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_show_verbose_is_sent(transport: str) -> None:
    _, body = await roundtrip(transport, lambda c: c.show('m', verbose=True), path='/api/show', reply={})
    assert body == {'model': 'm', 'verbose': True}


# --- Tool calls: read, run, answered -----------------------------------------------------------------

TOOL_CALL_REPLY = {
    'model': 'qwen3',
    'created_at': '2025-10-01T12:00:00.5Z',
    'message': {
        'role': 'assistant',
        'content': '',
        'thinking': 'I should look up the weather.',
        'tool_calls': [
            {'id': 'call_1', 'function': {'index': 0, 'name': 'get_weather', 'arguments': {'city': 'Paris'}}},
            {'function': {'index': 1, 'name': 'get_weather', 'arguments': {'city': 'Rome', 'unit': 'f'}}},
        ],
    },
    'done': True,
    'done_reason': 'stop',
}


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_tool_call_round_trip(transport: str) -> None:
    r, _ = await roundtrip(transport, lambda c: c.chat('qwen3', [USER], tools=[get_weather]), TOOL_CALL_REPLY)
    assert isinstance(r, ollama.ChatResponse)
    calls = r.message.tool_calls
    assert calls is not None and len(calls) == 2
    first, second = calls
    assert (first.id, first.function.index, first.function.name) == ('call_1', 0, 'get_weather')
    assert first.function.arguments == {'city': 'Paris'} and isinstance(first.function.arguments, dict)
    assert second.id is None and second.function.index == 1
    assert r['message']['tool_calls'][1]['function']['arguments']['unit'] == 'f'
    assert r.message.thinking == 'I should look up the weather.'

    results = [
        {
            'role': 'tool',
            'content': get_weather(**call.function.arguments),
            'tool_name': call.function.name,
            'tool_call_id': call.id,
        }
        for call in calls
    ]
    _, body = await roundtrip(transport, lambda c: c.chat('qwen3', [USER, r.message, *results]))
    assert body is not None
    # The reply's empty content is left out, as the official client leaves it out.
    sent_back = {k: v for k, v in TOOL_CALL_REPLY['message'].items() if k != 'content'}
    assert body['messages'] == [
        USER,
        sent_back,
        {'role': 'tool', 'content': '22 c in Paris', 'tool_name': 'get_weather', 'tool_call_id': 'call_1'},
        {'role': 'tool', 'content': '22 f in Rome', 'tool_name': 'get_weather'},
    ]


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_tool_message_object_is_sent(transport: str) -> None:
    message = ollama.Message(role='tool', content='{"temp": 22}', tool_name='get_weather', tool_call_id='call_9')
    _, body = await roundtrip(transport, lambda c: c.chat('m', [message]))
    assert body is not None
    assert body['messages'] == [
        {'role': 'tool', 'content': '{"temp": 22}', 'tool_name': 'get_weather', 'tool_call_id': 'call_9'}
    ]


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_generate_reply_tool_calls(transport: str) -> None:
    reply = {
        'model': 'm',
        'response': '',
        'done': True,
        'tool_calls': [{'function': {'name': 'f', 'arguments': {'a': 1}}}],
    }
    r, _ = await roundtrip(transport, lambda c: c.generate('m', 'Hi'), reply, path='/api/generate')
    assert r.tool_calls[0].function.name == 'f'
    assert r.tool_calls[0].function.arguments == {'a': 1}


# --- Replies -------------------------------------------------------------------------------------


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_logprobs_with_bytes_and_alternatives(transport: str) -> None:
    reply = {
        'model': 'm',
        'message': {'role': 'assistant', 'content': 'Hé'},
        'done': True,
        'logprobs': [
            {
                'token': 'H',
                'logprob': -0.1,
                'bytes': [72],
                'top_logprobs': [{'token': 'H', 'logprob': -0.1, 'bytes': [72]}, {'token': 'W', 'logprob': -2.5}],
            },
            {'token': 'é', 'logprob': -0.3, 'bytes': [195, 169]},
        ],
    }
    r, _ = await roundtrip(transport, lambda c: c.chat('m', [USER], logprobs=True, top_logprobs=2), reply)
    first, second = r.logprobs
    assert isinstance(first, ollama.Logprob)
    assert (first.token, first.logprob, first.bytes) == ('H', -0.1, [72])
    assert all(isinstance(t, ollama.TokenLogprob) for t in first.top_logprobs)
    assert [t.token for t in first.top_logprobs] == ['H', 'W']
    assert first.top_logprobs[1].bytes is None
    assert bytes(second.bytes).decode() == 'é'
    assert second.top_logprobs is None
    assert r['logprobs'][0]['top_logprobs'][1]['logprob'] == -2.5


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_generate_thinking_and_stats(transport: str) -> None:
    reply = {
        'model': 'deepseek-r1',
        'created_at': '2025-10-01T12:00:00Z',
        'response': 'Blue.',
        'thinking': 'Rayleigh scattering.',
        'done': True,
        'done_reason': 'stop',
        'context': [1, 2],
        'total_duration': 5_000_000_000,
        'load_duration': 1_000_000,
        'prompt_eval_count': 10,
        'prompt_eval_duration': 2_000_000,
        'eval_count': 3,
        'eval_duration': 3_000_000,
        'remote_model': 'deepseek-r1:671b',
        'remote_host': 'https://ollama.com',
    }
    r, _ = await roundtrip(
        transport, lambda c: c.generate('deepseek-r1', 'Why?', think=True), reply, path='/api/generate'
    )
    assert r.to_dict() == reply
    assert (r.response, r.thinking, r.remote_model, r.remote_host) == (
        'Blue.',
        'Rayleigh scattering.',
        'deepseek-r1:671b',
        'https://ollama.com',
    )


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_image_generation_stream(transport: str) -> None:
    lines = [
        {'model': 'x/z-image', 'done': False, 'completed': 1, 'total': 2},
        {'model': 'x/z-image', 'done': False, 'completed': 2, 'total': 2},
        {'model': 'x/z-image', 'done': True, 'done_reason': 'stop', 'image': 'iVBORw0KGgo='},
    ]
    ndjson = b''.join(json.dumps(x).encode() + b'\n' for x in lines)
    chunks, _ = await roundtrip(
        transport, lambda c: c.generate('x/z-image', 'a fox', stream=True), ndjson, path='/api/generate'
    )
    assert [(c.completed, c.total) for c in chunks] == [(1, 2), (2, 2), (None, None)]
    assert chunks[-1].image == 'iVBORw0KGgo=' and chunks[-1]['image'] == 'iVBORw0KGgo='


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_thinking_stream(transport: str) -> None:
    lines: List[Dict[str, Any]] = [
        {'model': 'm', 'message': {'role': 'assistant', 'content': '', 'thinking': 'Hmm'}, 'done': False},
        {'model': 'm', 'message': {'role': 'assistant', 'content': 'Yes'}, 'done': False},
        {'model': 'm', 'message': {'role': 'assistant', 'content': ''}, 'done': True, 'done_reason': 'stop'},
    ]
    ndjson = b''.join(json.dumps(x).encode() + b'\n' for x in lines)
    chunks, body = await roundtrip(transport, lambda c: c.chat('m', [USER], think=True, stream=True), ndjson)
    assert body == {'model': 'm', 'messages': [USER], 'tools': [], 'stream': True, 'think': True}
    assert [(c.message.thinking, c.message.content) for c in chunks] == [('Hmm', ''), (None, 'Yes'), (None, '')]


SHOW_VERBOSE_REPLY: Dict[str, Any] = {
    'modelfile': 'FROM llava',
    'parameters': 'stop "</s>"',
    'template': '{{ .Prompt }}',
    'system': 'You see.',
    'license': 'MIT',
    'renderer': 'qwen3-vl',
    'parser': 'qwen3-vl',
    'requires': '0.12.0',
    'details': {
        'parent_model': '',
        'format': 'gguf',
        'family': 'llama',
        'families': ['llama', 'clip'],
        'parameter_size': '7B',
        'quantization_level': 'Q4_0',
        'context_length': 32768,
        'embedding_length': 4096,
    },
    'model_info': {'general.architecture': 'llama', 'llama.context_length': 32768},
    'projector_info': {'clip.has_vision_encoder': True},
    'tensors': [{'name': 'token_embd.weight', 'type': 'Q4_0', 'shape': [4096, 32000]}],
    'capabilities': ['completion', 'vision'],
    'messages': [{'role': 'user', 'content': 'Hi'}],
    'modified_at': '2025-05-01T10:00:00.123456789Z',
    'remote_model': 'llava:34b',
    'remote_host': 'https://ollama.com',
}


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_show_verbose_reply(transport: str) -> None:
    r, _ = await roundtrip(transport, lambda c: c.show('llava', verbose=True), SHOW_VERBOSE_REPLY, path='/api/show')
    assert isinstance(r, ollama.ShowResponse)
    tensor = r.tensors[0]
    assert isinstance(tensor, ollama.Tensor) and isinstance(tensor, ollama.ShowResponse.Tensor)
    assert (tensor.name, tensor.type, tensor.shape) == ('token_embd.weight', 'Q4_0', [4096, 32000])
    assert r['tensors'][0]['shape'] == [4096, 32000]
    assert r.projector_info == {'clip.has_vision_encoder': True}
    assert r.modelinfo == {'general.architecture': 'llama', 'llama.context_length': 32768}
    assert r['model_info']['llama.context_length'] == 32768
    assert r.capabilities == ['completion', 'vision']
    assert r.details.context_length == 32768 and r.details.embedding_length == 4096
    assert (r.renderer, r.parser, r.requires) == ('qwen3-vl', 'qwen3-vl', '0.12.0')
    assert r.remote_model == 'llava:34b' and r.remote_host == 'https://ollama.com'
    assert r.modified_at == datetime(2025, 5, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    assert isinstance(r.messages[0], ollama.Message)
    # Nothing the server sent is lost on the way back to a dict (the date comes back as ISO text).
    assert {**r.to_dict(), 'modified_at': SHOW_VERBOSE_REPLY['modified_at']} == SHOW_VERBOSE_REPLY


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_list_capabilities_and_remote_models(transport: str) -> None:
    reply = {
        'models': [
            {
                'name': 'gpt-oss:120b-cloud',
                'model': 'gpt-oss:120b-cloud',
                'remote_model': 'gpt-oss:120b',
                'remote_host': 'https://ollama.com:443',
                'modified_at': '2025-10-01T12:00:00Z',
                'size': 384,
                'digest': 'abc',
                'details': {'format': '', 'family': 'gptoss', 'parameter_size': '116.8B'},
                'capabilities': ['completion', 'tools', 'thinking'],
            }
        ]
    }
    r, body = await roundtrip(transport, lambda c: c.list(), reply, path='/api/tags', method='GET')
    assert body is None
    m = r.models[0]
    assert isinstance(m, ollama.ListResponse.Model)
    assert m.capabilities == ['completion', 'tools', 'thinking']
    assert (m.remote_model, m.remote_host) == ('gpt-oss:120b', 'https://ollama.com:443')


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_ps_context_length(transport: str) -> None:
    reply = {
        'models': [
            {
                'name': 'm:latest',
                'model': 'm:latest',
                'size': 10,
                'size_vram': 5,
                'digest': 'd',
                'expires_at': '2025-10-01T12:05:00+02:00',
                'context_length': 4096,
            }
        ]
    }
    r, _ = await roundtrip(transport, lambda c: c.ps(), reply, path='/api/ps', method='GET')
    assert r.models[0].context_length == 4096 and r.models[0].size_vram == 5
    assert r.models[0].expires_at.utcoffset().total_seconds() == 7200


# --- Forward compatibility -----------------------------------------------------------------------------

FUTURE_REPLY: Dict[str, Any] = {
    'model': 'm',
    'done': True,
    'new_top_level': {'nested': [1, 2]},
    'message': {
        'role': 'assistant',
        'content': 'ok',
        'signature': 'sig-123',
        'tool_calls': [{'function': {'name': 'f', 'arguments': {}, 'strict': True}, 'type': 'function'}],
    },
    'logprobs': [{'token': 'ok', 'logprob': -0.5, 'entropy': 0.25}],
}


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_unknown_reply_fields_are_kept_at_every_level(transport: str) -> None:
    r, _ = await roundtrip(transport, lambda c: c.chat('m', [USER]), FUTURE_REPLY)
    assert r['new_top_level'] == {'nested': [1, 2]}
    assert 'new_top_level' in r and r.get('new_top_level') == {'nested': [1, 2]}
    assert ('new_top_level', {'nested': [1, 2]}) in list(r)
    assert r.message['signature'] == 'sig-123'
    assert r.message.tool_calls[0]['type'] == 'function'
    assert r.message.tool_calls[0].function['strict'] is True
    assert r.logprobs[0]['entropy'] == 0.25
    assert r.to_dict() == FUTURE_REPLY
    assert json.loads(r.to_json()) == FUTURE_REPLY
    assert 'absent' not in r and r.get('absent') is None
    with pytest.raises(KeyError):
        r['absent']


@pytest.mark.parametrize('transport', TRANSPORTS)
async def test_unknown_message_fields_go_back_to_the_server(transport: str) -> None:
    # A field a newer server adds to the assistant message (a reasoning signature, say) must survive the
    # next turn, or multi-turn conversations would silently lose it.
    r = decode(ollama.ChatResponse, FUTURE_REPLY)
    _, body = await roundtrip(transport, lambda c: c.chat('m', [USER, r.message]))
    assert body is not None
    assert body['messages'][1] == FUTURE_REPLY['message']


def test_unknown_fields_in_nested_list_and_model_entries() -> None:
    reply = {
        'models': [{'name': 'a', 'details': {'family': 'llama', 'vision_encoder': 'siglip'}, 'pinned': True}],
        'next_page': 'tok',
    }
    r = decode(ollama.ListResponse, reply)
    assert r['next_page'] == 'tok'
    assert r.models[0]['pinned'] is True
    assert r.models[0].details['vision_encoder'] == 'siglip'
    assert r.to_dict() == reply
