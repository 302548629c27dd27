"""The fast paths give exactly what the plain ones give: ``loads`` is ``json.loads``, the per-class
decoders are dataclasses-json's ``from_dict``, the lazy stream decoder loses no chunk before an error."""

from __future__ import annotations

import codecs
import dataclasses
import json
import random
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest

import ollama_lite as ollama
from ollama_lite import _api, _types
from ollama_lite._codec import decode, encode
from ollama_lite._model import Model
from ollama_lite._ndjson import loads
from tests._reference import dataclasses_json_from_dict

# dataclasses-json, the reference here, warns when it fills a missing required field with None.
pytestmark = pytest.mark.filterwarnings('ignore:Missing value of non-optional type:RuntimeWarning')


def _outcome(fn: Any, data: Any) -> Any:
    try:
        value = fn(data)
        # The repr too: 2**64 == 2.0**64, and an integer read as a float must not pass for the same result.
        return ('ok', value, repr(value))
    except Exception as exc:  # the very same error is part of "exactly"
        return ('error', type(exc), str(exc))


@pytest.mark.parametrize(
    'data',
    [
        b'{"a":1}',
        b'{"a":1}\n',
        b'{"a":1}\r\n',
        b'  {"a":1}  ',
        b'{"a":1} x',
        b'{"a":1}{"b":2}',
        b'{"a":1}\x0b',
        b'\xef\xbb\xbf{"a":1}',
        codecs.BOM_UTF16_LE + '{"a":1}'.encode('utf-16-le'),
        '{"a":1}'.encode('utf-16-le'),
        '{"a":1}'.encode('utf-32-be'),
        b'{"a":"\xed\xa0\x80"}',  # a lone surrogate: json.loads lets it through
        b'{"a":"\xff"}',
        b'{"a":"caf\xc3\xa9 \xf0\x9f\xa6\x99"}',
        b'{"a":"\x01"}',
        b'"s"',
        b'[1,2]',
        b'1',
        b'12 ',
        b'NaN',
        b'{"a":1e400, "b":-0.0, "c":12345678901234567890}',
        b'{"a":' + b'9' * 5000 + b'}',
        b'',
        b' ',
        b'{',
        b'{"a":[1,{"b":null}],"c":true}',
        bytearray(b'{"a":1}'),
        # What orjson reads differently or refuses, when the speedups extra is installed:
        b'{"a":18446744073709551615,"b":-9223372036854775808}',  # the 64-bit ends: orjson reads them as json does
        b'{"a":18446744073709551616}',  # past 64 bits: orjson would give a float
        b'[-9223372036854775809, 111111111111111111111111111111]',
        b'{"a":"' + b'1' * 40 + b'"}',  # a run of digits inside a string: json reads it, the same
        b'{"a":NaN,"b":Infinity,"c":-Infinity}',
        b'{"a":"\\ud800","b":"\\udc00x","c":"\\ud83d\\ude00"}',  # lone surrogates escaped, and a pair
        b'{"a":1,"b":2,"a":3}',  # a repeated key: the last value, at the first key's place
        b'{"a":0.1000000000000000055511151231257827021181583404541015625, "b":2.2250738585072011e-308}',
        b'{"a":4.9e-324,"b":1.7976931348623159e308,"c":1e-400,"d":-0}',
        b'[' * 500 + b']' * 500,
        b'{"a":"\x7f\xe2\x80\xa8"}',
    ],
)
def test_loads_is_json_loads(data: bytes, json_library: str) -> None:
    assert _outcome(loads, data) == _outcome(json.loads, data)


def test_loads_is_json_loads_on_random_bytes(json_library: str) -> None:
    rng = random.Random(3)
    alphabet = b'{}[]",:0123456789.eE+- \t\r\nabcnultrfs\\\xc3\xa9\x00\xff'
    for _ in range(3000):
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert _outcome(loads, data) == _outcome(json.loads, data), data
    digits = b'0123456789-.eE[],'
    for _ in range(3000):
        data = bytes(rng.choice(digits) for _ in range(rng.randint(1, 45)))
        assert _outcome(loads, data) == _outcome(json.loads, data), data


def test_floats_read_alike_with_and_without_orjson(json_library: str) -> None:
    rng = random.Random(5)
    texts = []
    for _ in range(20_000):
        x = float(f'{rng.random():.15f}e{rng.randint(-330, 308)}')
        texts += [repr(x), f'{x:.17g}', f'{x:.20e}']
    data = ('[' + ','.join(texts) + ']').encode()
    assert repr(loads(data)) == repr(json.loads(data))


REPLIES = [
    _types.ChatResponse,
    _types.GenerateResponse,
    _types.EmbedResponse,
    _types.EmbeddingsResponse,
    _types.ProgressResponse,
    _types.ListResponse,
    _types.ShowResponse,
    _types.ProcessResponse,
    _types.WebSearchResponse,
    _types.WebFetchResponse,
    _types.VersionResponse,
    _types.Message,
    _types.ToolParameters,
    _types.CreateRequest,
]

WIRE: List[Dict[str, Any]] = [
    {},
    {'model': 'm', 'created_at': '2024-01-01T00:00:00.5Z', 'done': False},
    {'message': {'role': 'assistant', 'content': 'x'}, 'done': True, 'eval_count': 3},
    {'message': None, 'logprobs': None},
    {'message': {'role': 'assistant', 'tool_calls': [{'function': {'name': 'f', 'arguments': {'a': 1}}}]}},
    {'message': {'role': 'assistant', 'tool_calls': [{'function': {'name': 'f'}, 'id': 'x', 'new': 1}]}},
    {'logprobs': [{'token': 'a', 'logprob': -1.0, 'top_logprobs': [{'token': 'b', 'logprob': -2.0}]}]},
    {'embeddings': [[0.1, 0.2], [0.3]], 'model': 'e'},
    {'embedding': [1.5, -2.5]},
    {'status': 'pulling', 'completed': 5, 'total': 10, 'digest': 'sha256:x'},
    {'models': [{'name': 'a', 'modified_at': '2024-05-01T12:34:56.123456789-07:00', 'size': 1}]},
    {'models': [{'name': 'a', 'expires_at': 'not a date', 'details': {'family': 'llama'}}]},
    {'modified_at': '2024-05-01T12:34:56Z', 'capabilities': ['completion'], 'model_info': {'a': 1}},
    {'results': [{'title': 't', 'url': 'u', 'content': 'c'}]},
    {'version': '0.12.0'},
    {'role': 'user', 'content': 'hi', 'images': ['aGk='], 'unknown': {'deep': [1]}},
    {'type': 'object', '$defs': {'x': {}}, 'properties': {'p': {'type': 'string', 'minLength': 1}}},
    {'model': 'm', 'from': 'base', 'quantize': 'q4_K_M'},
    {'_extra': 1, 'future': None},
    {'done': True, '_debug_info': {'rendered_template': '<|user|>Hi'}},
]


@pytest.mark.parametrize('cls', REPLIES, ids=lambda c: c.__name__)
@pytest.mark.parametrize('wire', WIRE)
def test_decoders_match_dataclasses_json(cls: Any, wire: Dict[str, Any]) -> None:
    try:
        slow = dataclasses_json_from_dict(cls, wire)
    except Exception:
        pytest.skip('dataclasses-json cannot build this combination either')
    fast = decode(cls, wire)
    assert type(fast) is cls
    # The same fields, value for value, nested objects typed alike.
    for name in (f for f in vars(slow) if not f.startswith('_')):
        assert _shape(getattr(fast, name)) == _shape(getattr(slow, name)), name
    known = {f.metadata.get('ollama_lite.json_name', f.name) for f in cls.__dataclass_fields__.values()}
    assert (fast._extra or {}) == {k: v for k, v in wire.items() if k not in known}


def _shape(value: Any) -> Any:
    """A comparable picture of a value: models become (type, fields) pairs, recursively.

    Extra fields are left out: dataclasses-json drops them below the top level, where we keep them.
    """
    if isinstance(value, Model):
        fields = {k: _shape(v) for k, v in vars(value).items() if not k.startswith('_')}
        return (type(value).__name__, fields)
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return value


def test_nested_unknown_fields_are_kept() -> None:
    wire = {
        'message': {'role': 'assistant', 'tool_calls': [{'function': {'name': 'f', 'new': 2}, 'id': 'x', 'new': 1}]}
    }
    call = decode(_types.ChatResponse, wire).message.tool_calls[0]  # type: ignore[index]
    assert call['new'] == 1 and call.function['new'] == 2


def test_wire_names_win_over_python_names() -> None:
    request = decode(_types.CreateRequest, {'model': 'm', 'from': 'base', 'from_': 'other'})
    assert request.from_ == 'base' and request['from_'] == 'base' and request._extra == {'from_': 'other'}


def test_a_stream_chunk_class_with_a_renamed_field_maps_it_both_ways() -> None:
    # ChatResponse has debug_info on the wire as _debug_info: the fast decoder of its chunks must map the one
    # and keep the other as an unknown key, as the general one does.
    chunk = decode(_types.ChatResponse, {'done': True, '_debug_info': {'rendered_template': 't'}})
    assert chunk.debug_info is not None and chunk.debug_info.rendered_template == 't' and not chunk._extra
    chunk = decode(_types.ChatResponse, {'done': False, 'debug_info': 1})
    assert chunk.debug_info is None and chunk._extra == {'debug_info': 1}
    plain = decode(_types.GenerateResponse, {'response': 'a', 'done': False})
    assert plain.debug_info is None and not plain._extra and plain.response == 'a'


def test_decoder_keeps_default_factories_apart() -> None:
    a = decode(_types.ChatResponse, {'done': False})
    b = decode(_types.ChatResponse, {'done': False})
    assert a.message == ollama.Message(role='assistant')
    assert a.message is not b.message
    embed = decode(_types.EmbedResponse, {})
    assert embed.embeddings == [] and embed.embeddings is not decode(_types.EmbedResponse, {}).embeddings


def test_decoder_rejects_non_objects() -> None:
    with pytest.raises(TypeError, match='expected a JSON object for ChatResponse'):
        decode(_types.ChatResponse, [1])


def test_stream_decoder_raises_only_after_the_good_chunks() -> None:
    decoder = _api.StreamDecoder(_api.CHAT)
    chunks = decoder.feed(b'{"message":{"role":"assistant","content":"a"}}\n{"done":true}\nnot json\n')
    assert next(chunks).message.content == 'a'
    assert next(chunks).done is True
    with pytest.raises(ollama.InvalidResponseError, match='line 3 is not JSON'):
        next(chunks)
    assert decoder.close() == []  # the final line came before the bad one


def test_stream_decoder_lines_across_reads() -> None:
    decoder = _api.StreamDecoder(_api.GENERATE)
    payload = b''.join(json.dumps({'response': str(i), 'done': i == 99}).encode() + b'\n' for i in range(100))
    got: List[Any] = []
    for i in range(0, len(payload), 7):
        got.extend(decoder.feed(payload[i : i + 7]))
    got.extend(decoder.close())
    assert [c.response for c in got] == [str(i) for i in range(100)]


def _reference_encode(value: Any) -> Any:
    """encode() as first written: dataclasses.fields on every call, isinstance for everything."""
    if isinstance(value, Model):
        out = {}
        for f in dataclasses.fields(value):  # type: ignore[arg-type]
            v = getattr(value, f.name)
            if v is not None:
                out[f.metadata.get('ollama_lite.json_name', f.name)] = _reference_encode(v)
        for k, v in (value._extra or {}).items():
            out[k] = _reference_encode(v)  # extras keep None: someone chose to keep them
        return out
    if isinstance(value, (list, tuple)):
        return [_reference_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _reference_encode(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def test_encode_matches_the_reference() -> None:
    wire = {'role': 'tool', 'content': 'x', 'tool_name': 'f', 'future': {'a': None}, 'z': None}
    message = decode(_types.Message, wire)
    values = [
        _types.ChatRequest(model='m', messages=[message], stream=False, options={'temperature': 0, 'stop': None}),
        _types.CreateRequest(model='m', from_='base', messages=[message], parameters=_types.Options(seed=1)),
        _types.ToolParameters(defs={'x': {}}, properties={'p': _types.ToolProperty(type=['string', 'null'])}),
        decode(_types.ListResponse, {'models': [{'name': 'a', 'modified_at': '2024-05-01T12:34:56Z'}]}),
        (1, 'two', [3.0, True, None], {'k': datetime(2024, 1, 1, tzinfo=timezone.utc)}),
        _types.Options(stop=('a', 'b')),
    ]
    for value in values:
        assert encode(value) == _reference_encode(value)


@pytest.mark.parametrize(
    ('version', 'used'),
    [
        ('3.9.15', True),
        ('3.10.0', True),
        ('3.11.5', True),
        ('3.9.14', False),
        ('3.8.3', False),
        ('', False),
        ('x', False),
    ],
)
def test_an_orjson_that_crashes_on_deep_objects_is_not_used(version: str, used: bool) -> None:
    from ollama_lite import _speedups

    assert _speedups.usable(version) is used
