"""Every request body the core builds, over a broad matrix of arguments, is valid against Ollama's OpenAPI spec
(with the exceptions of ``_oracle.SPEC_EXCEPTIONS``). No server: the bodies come from the ``_api`` functions the
clients use, so what is checked here is exactly what both clients send."""

from __future__ import annotations

import dataclasses
import json
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import pytest

import ollama_lite as ollama
from ollama_lite import _api
from ollama_lite._config import ClientConfig

from . import _oracle

DIGEST = 'sha256:' + 'c' * 64
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 16


@dataclasses.dataclass
class Person:
    name: str
    age: int
    tags: List[str]
    nickname: Optional[str] = None


def get_weather(city: str, unit: str = 'celsius') -> str:
    """Get the weather in a city.

    Args:
        city: The city.
        unit: celsius or fahrenheit.
    """
    return city


def no_arguments() -> str:
    """Say hello."""
    return 'hello'


MESSAGES: List[Any] = [
    [{'role': 'user', 'content': 'Why is the sky blue?'}],
    [{'role': 'system', 'content': 'Be brief.'}, ollama.Message(role='user', content='Hi', images=[PNG])],
    [
        {'role': 'user', 'content': 'Weather in Paris?'},
        {'role': 'assistant', 'tool_calls': [{'function': {'name': 'get_weather', 'arguments': {'city': 'Paris'}}}]},
        {'role': 'tool', 'content': '21 degrees', 'tool_name': 'get_weather', 'tool_call_id': 'call_1'},
    ],
    [{'role': 'assistant', 'content': '', 'thinking': 'Hmm.'}, {'role': 'user', 'content': 'Go on'}],
    [  # the client's own Message objects: their fields' wire names are the client's, not the caller's
        ollama.Message(role='user', content='Weather in Paris?'),
        ollama.Message(
            role='assistant',
            thinking='Look it up.',
            tool_calls=[ollama.Message.ToolCall(function=ollama.Message.ToolCall.Function(name='f', arguments={}))],
        ),
        ollama.Message(role='tool', content='21 degrees', tool_name='f', tool_call_id='call_1'),
    ],
]
TOOLS: List[Any] = [
    [get_weather],
    [no_arguments, get_weather],
    [{'type': 'function', 'function': {'name': 'f', 'parameters': {'type': 'object', 'properties': {}}}}],
    [
        ollama.Tool(
            function=ollama.Tool.Function(
                name='tag',
                description='Tag a thing',
                parameters=ollama.Tool.Function.Parameters(
                    required=['tags'],
                    properties={
                        'tags': ollama.Tool.Function.Parameters.Property(type='array', items={'type': 'string'}),
                        'mode': ollama.Tool.Function.Parameters.Property(type=['string', 'null'], enum=['a', 'b']),
                    },
                ),
            )
        )
    ],
]
FORMATS: List[Any] = [None, '', 'json', Person, {'type': 'object', 'properties': {'a': {'type': 'integer'}}}]
OPTIONS: List[Any] = [
    None,
    {'temperature': 0.2, 'seed': 42, 'num_ctx': 8192, 'stop': ['\n\n']},
    ollama.Options(top_k=20, top_p=0.9, min_p=0.05, num_predict=64, stop=['END']),
    ollama.Options(mirostat=2, numa=True),  # ignored by the server, still sent as the official client does
    {},
]
KEEP_ALIVES: List[Any] = [None, 0, -1, 300, 2.5, '5m', '1h30m', '-1']
THINKS: List[Any] = [None, True, False, 'low', 'medium', 'high', 'max']


def _vary(base: Dict[str, Any], choices: Dict[str, List[Any]]) -> Iterator[Dict[str, Any]]:
    """``base``, then ``base`` with each value of each choice in turn (one argument varied at a time)."""
    yield dict(base)
    for name, values in choices.items():
        for value in values:
            yield {**base, name: value}


def _combos() -> Iterator[Tuple[str, Callable[..., Any], Dict[str, Any]]]:
    common = {'format': FORMATS, 'options': OPTIONS, 'keep_alive': KEEP_ALIVES, 'think': THINKS}
    common.update(
        stream=[True, False], truncate=[True, False], shift=[True, False], logprobs=[True, False],
        top_logprobs=[0, 5, 20], _debug_render_only=[True, False],
    )  # fmt: skip
    generate = {
        **common, 'prompt': ['', 'Hi', 'é ü 漢字 🎉'], 'suffix': [None, 'return x'], 'system': ['Be terse.'],
        'template': ['{{ .Prompt }}'], 'context': [[1, 2, 3], []], 'raw': [True, False], 'images': [[PNG]],
        'width': [512], 'height': [512], 'steps': [4],
    }  # fmt: skip
    for args in _vary({'model': 'llama3.2', 'prompt': 'Why?'}, generate):
        yield 'generate', _api.generate, args
    yield 'generate', _api.generate, {'model': 'llama3.2'}  # a load
    yield 'generate', _api.generate, {'model': 'llama3.2', 'keep_alive': 0}  # an unload
    chat = {**common, 'messages': MESSAGES, 'tools': TOOLS}
    for args in _vary({'model': 'qwen3', 'messages': MESSAGES[0]}, chat):
        yield 'chat', _api.chat, args
    for fmt in FORMATS:  # the arguments that interact: output shape, thinking, streaming, tools
        for think in THINKS:
            for stream in (True, False):
                tools = TOOLS[think is None]
                yield 'chat', _api.chat, {'model': 'qwen3', 'messages': MESSAGES[2], 'format': fmt, 'think': think,
                                          'stream': stream, 'tools': tools}  # fmt: skip
    yield 'chat', _api.chat, {'model': 'qwen3'}  # a load: no messages
    yield 'chat', _api.chat, {'model': 'qwen3', 'messages': [], 'keep_alive': 0}
    embed = {
        'input': ['', 'one', ['one', 'two'], []], 'truncate': [True, False], 'options': OPTIONS,
        'keep_alive': KEEP_ALIVES, 'dimensions': [None, 256],
    }  # fmt: skip
    for args in _vary({'model': 'nomic-embed-text', 'input': 'Hello'}, embed):
        yield 'embed', _api.embed, args
    for stream in (True, False):
        for insecure in (True, False):
            yield 'pull', _api.pull, {'model': 'llama3.2:1b', 'insecure': insecure, 'stream': stream}
            yield 'push', _api.push, {'model': 'me/mario', 'insecure': insecure, 'stream': stream}
    create = {
        'from_': ['llama3.2'], 'files': [{'model.gguf': DIGEST}], 'adapters': [{'lora.gguf': DIGEST}],
        'template': ['{{ .Prompt }}'], 'license': ['MIT', ['MIT', 'Apache-2.0']], 'system': ['You are Mario.'],
        'parameters': [{'temperature': 0.7, 'stop': ['<|end|>']}, ollama.Options(num_ctx=4096)],
        'messages': MESSAGES[:3], 'quantize': ['q4_K_M', 'q8_0'], 'stream': [True, False], 'renderer': ['qwen3'],
        'parser': ['qwen3'], 'draft_files': [{'draft.gguf': DIGEST}], 'draft_quantize': ['q8_0'],
        'remote_host': ['https://ollama.com'], 'requires': ['0.13.0'], 'info': [{'source': 'hf'}],
    }  # fmt: skip
    for args in _vary({'model': 'mario', 'from_': 'llama3.2'}, create):
        yield 'create', _api.create, args
    show = {'verbose': [True, False, None], 'system': ['Be brief.'], 'options': OPTIONS}
    for args in _vary({'model': 'llama3.2'}, show):
        yield 'show', _api.show, args
    yield 'delete', _api.delete, {'model': 'mario'}
    yield 'copy', _api.copy, {'source': 'llama3.2', 'destination': 'me/llama'}


CASES = list(_combos())


def _build(function: Callable[..., Any], args: Dict[str, Any]) -> _api.Call[Any]:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)  # the removed fields, on purpose
        return function(**args)  # type: ignore[no-any-return]


def test_the_matrix_is_broad() -> None:
    counts: Dict[str, int] = {}
    for name, _, _ in CASES:
        counts[name] = counts.get(name, 0) + 1
    assert set(counts) == {'generate', 'chat', 'embed', 'pull', 'push', 'create', 'show', 'delete', 'copy'}
    assert len(CASES) > 200


@pytest.mark.parametrize(('name', 'function', 'args'), CASES, ids=[f'{c[0]}-{i}' for i, c in enumerate(CASES)])
def test_every_request_body_fits_the_spec(name: str, function: Callable[..., Any], args: Dict[str, Any]) -> None:
    call = _build(function, args)
    assert call.body is not None
    body = json.loads(call.body)
    _oracle.check(_oracle.request_schema(call.endpoint.method, call.endpoint.path), body)


@pytest.mark.parametrize(
    ('build', 'schema'),
    [
        (lambda: _api.server_web_search('ollama', 5), 'WebSearchRequest'),
        (lambda: _api.server_web_search('ollama'), 'WebSearchRequest'),
        (lambda: _api.server_web_fetch('https://ollama.com'), 'WebFetchRequest'),
        (lambda: _api.web_search(_KEYED, 'ollama', 10), 'WebSearchRequest'),
        (lambda: _api.web_fetch(_KEYED, 'https://ollama.com'), 'WebFetchRequest'),
    ],
)
def test_web_search_bodies_fit_the_spec(build: Callable[[], _api.Call[Any]], schema: str) -> None:
    # The spec describes these bodies among its components, though not the paths (ollama.com's, and the relay's).
    call = build()
    assert call.body is not None
    _oracle.check(f'#/components/schemas/{schema}', json.loads(call.body))


_KEYED = ClientConfig.build(headers={'Authorization': 'Bearer key'})


def test_bodyless_calls_send_no_body() -> None:
    for call in (_api.list_models(), _api.ps(), _api.version(), _api.status(), _api.whoami(), _api.signout()):
        assert call.body is None
    assert _api.model_recommendations().body is None


@pytest.mark.parametrize(
    ('schema', 'instance'),
    [
        ('ChatRequest', {'model': 'm'}),
        ('ChatRequest', {'model': 'm', 'format': ''}),
        ('EmbedRequest', {'model': 'm', 'input': 'x', 'keep_alive': 0}),
        ('ChatMessage', {'role': 'assistant', 'tool_calls': []}),
        ('ChatMessage', {'role': 'developer', 'content': 'x'}),
        ('ToolDefinition', {'type': 'function', 'function': {'name': 'f'}}),
        ('ChatResponse', {'message': {'role': '', 'content': ''}}),
    ],
)
def test_each_exception_is_needed(schema: str, instance: Any) -> None:
    # The file as it is rejects each of these; the corrected spec takes them, as the server does.
    raw = _oracle.jsonschema.Draft202012Validator(
        {'$ref': f'{_oracle.SPEC_URI}#/components/schemas/{schema}'},
        registry=_oracle.referencing.Registry().with_resource(
            _oracle.SPEC_URI,
            _oracle.referencing.Resource.from_contents(_oracle.raw_spec(), _oracle.referencing.jsonschema.DRAFT202012),
        ),
    )
    assert not raw.is_valid(instance)
    _oracle.check(f'#/components/schemas/{schema}', instance)


def test_exceptions_are_listed_once() -> None:
    places = [(name, pointer) for name, pointer, _, _ in _oracle.SPEC_EXCEPTIONS]
    assert len(places) == len(set(places))
    assert all(why for _, _, _, why in _oracle.SPEC_EXCEPTIONS)
