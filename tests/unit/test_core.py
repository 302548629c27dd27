"""The pure core, tested on plain bytes and dicts: host parsing, NDJSON framing, decoding, errors."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from typing import Any, List

import pytest

import ollama_lite as ollama
from ollama_lite import _api
from ollama_lite._codec import decode, encode, parse_datetime
from ollama_lite._config import ClientConfig, Timeout, parse_host
from ollama_lite._errors import error_from_reply
from ollama_lite._ndjson import LineDecoder
from tests._reference import dataclasses_json_from_dict

V6 = '[0001:002:003:0004::1]'


@pytest.mark.parametrize(
    ('host', 'url'),
    [
        (None, 'http://127.0.0.1:11434'),
        ('', 'http://127.0.0.1:11434'),
        ('1.2.3.4', 'http://1.2.3.4:11434'),
        (':56789', 'http://127.0.0.1:56789'),
        ('1.2.3.4:56789', 'http://1.2.3.4:56789'),
        ('http://1.2.3.4', 'http://1.2.3.4:80'),
        ('https://1.2.3.4', 'https://1.2.3.4:443'),
        ('https://1.2.3.4:56789', 'https://1.2.3.4:56789'),
        ('example.com', 'http://example.com:11434'),
        ('example.com:56789', 'http://example.com:56789'),
        ('http://example.com', 'http://example.com:80'),
        ('https://example.com', 'https://example.com:443'),
        ('https://example.com:56789', 'https://example.com:56789'),
        ('example.com/', 'http://example.com:11434'),
        ('example.com:56789/', 'http://example.com:56789'),
        ('example.com/path', 'http://example.com:11434/path'),
        ('example.com:56789/path', 'http://example.com:56789/path'),
        ('https://example.com:56789/path', 'https://example.com:56789/path'),
        ('example.com:56789/path/', 'http://example.com:56789/path'),
        ('http://example.com/a/b/', 'http://example.com:80/a/b'),
        (V6, f'http://{V6}:11434'),
        (f'{V6}:56789', f'http://{V6}:56789'),
        (f'http://{V6}', f'http://{V6}:80'),
        (f'https://{V6}', f'https://{V6}:443'),
        (f'https://{V6}:56789', f'https://{V6}:56789'),
        (f'{V6}/', f'http://{V6}:11434'),
        (f'{V6}:56789/', f'http://{V6}:56789'),
        (f'{V6}/path', f'http://{V6}:11434/path'),
        (f'{V6}:56789/path', f'http://{V6}:56789/path'),
        (f'https://{V6}:56789/path', f'https://{V6}:56789/path'),
        (f'{V6}:56789/path/', f'http://{V6}:56789/path'),
    ],
)
def test_parse_host_matches_official_rules(host: Any, url: str) -> None:
    assert parse_host(host) == url


@pytest.mark.parametrize(
    ('host', 'match'),
    [
        ('ftp://example.com', 'scheme must be http or https'),
        ('example.com:port', 'port must be a number'),
        ('example.com:99999', 'port must be a number'),
        ('exa mple.com', 'white space'),
        ('http://example.com/?q=1', 'query or fragment'),
        ('exa$mple.com', 'not a host name'),
    ],
)
def test_parse_host_rejects_invalid(host: str, match: str) -> None:
    with pytest.raises(ValueError, match=match) as info:
        parse_host(host)
    assert repr(host) in str(info.value)


@pytest.mark.parametrize(
    'host',
    [
        'http://admin:s3cret-passw0rd@localhost:99999',
        'ftp://admin:s3cret-passw0rd@localhost',
        'admin:s3cret-passw0rd@local host',
        'http://admin:s3cret/passw0rd@ex$mple.com',
        'https://admin:s3cret@passw0rd@localhost/?q=1',
    ],
)
def test_credentials_in_the_host_never_appear_in_its_error(host: str) -> None:
    with pytest.raises(ValueError, match=r'\*\*\*@') as info:
        parse_host(host)
    assert 's3cret' not in str(info.value) and 'passw0rd' not in str(info.value)


def test_invalid_host_fails_at_construction() -> None:
    with pytest.raises(ValueError, match='ftp'):
        ollama.Client('ftp://x')


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        (Timeout(), (10.0, None)),
        (None, (None, None)),
        (5, (5.0, 5.0)),
        ((1, 30), (1.0, 30.0)),
        ((1, None), (1.0, None)),
    ],
)
def test_timeout_forms(value: Any, expected: Any) -> None:
    t = Timeout.of(value)
    assert (t.connect, t.read) == expected


@pytest.mark.parametrize('value', [0, -1, (1, 2, 3), 'ten', (0, 1), True])
def test_timeout_rejects_bad_values(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        Timeout.of(value)


@pytest.mark.parametrize(
    'value',
    [
        float('nan'),
        float('inf'),
        1e300,
        (float('nan'), 1),
        (1, float('inf')),
        Timeout,  # built below with each field in turn
    ],
)
def test_timeout_refuses_nan_inf_and_absurd_sizes_as_request_errors(value: Any) -> None:
    if value is Timeout:
        for field in ('connect', 'read', 'total'):
            with pytest.raises(ollama.RequestError, match=f'{field} timeout must be a positive number'):
                Timeout(**{field: float('nan')})
        return
    with pytest.raises(ollama.RequestError, match='or None to wait forever'):
        Timeout.of(value)
    with pytest.raises(ollama.RequestError):
        ollama.Client(timeout=value)


def test_timeout_total() -> None:
    assert Timeout(total=30).total == 30
    assert Timeout().total is None
    assert Timeout.of(5).total is None


def test_config_is_immutable_and_headers_normalised() -> None:
    config = ClientConfig.build('h', {'X-A': '1', 'Content-Type': 'text/plain', 'X-None': None})  # type: ignore[dict-item]
    assert config.headers['x-a'] == '1'
    assert config.headers['content-type'] == 'application/json'
    assert 'x-none' not in config.headers
    with pytest.raises(AttributeError):
        config.base_url = 'x'  # type: ignore[misc]


def test_api_key_goes_only_to_host_and_ollama_com(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('OLLAMA_API_KEY', 'k')
    config = ClientConfig.build('http://127.0.0.1:1234')
    assert config.headers_for('http://127.0.0.1:1234/api/chat')['authorization'] == 'Bearer k'
    assert config.headers_for('https://ollama.com/api/web_search')['authorization'] == 'Bearer k'
    assert 'authorization' not in config.headers_for('https://ollama.com.evil.test/api/web_search')
    assert 'authorization' not in config.headers_for('http://127.0.0.1:12345/api/chat')
    assert 'k' not in repr(config).replace('ClientConfig', '').replace('backoff', '')


# --- NDJSON ------------------------------------------------------------------------------------


def _decode_all(decoder: LineDecoder, pieces: List[bytes]) -> List[Any]:
    out = []
    for piece in pieces:
        out.extend(decoder.decode(line) for line in decoder.feed(piece))
    last = decoder.close()
    if last is not None:
        out.append(last)
    return out


def test_ndjson_any_split_gives_same_objects() -> None:
    objs = [{'i': i, 'text': 'ünïcødé ✓ 🦙' * (i % 3)} for i in range(50)]
    payload = b''.join(json.dumps(o, ensure_ascii=False).encode() + b'\n' for o in objs)
    rng = random.Random(7)
    for _ in range(30):
        cuts = sorted(rng.sample(range(1, len(payload)), 40))
        pieces = [payload[a:b] for a, b in zip([0, *cuts], [*cuts, len(payload)])]
        assert _decode_all(LineDecoder(), pieces) == objs
    assert _decode_all(LineDecoder(), [bytes([b]) for b in payload]) == objs


def test_ndjson_blank_lines_and_crlf() -> None:
    assert _decode_all(LineDecoder(), [b'{"a":1}\r\n\r\n\n{"a":2}\r\n']) == [{'a': 1}, {'a': 2}]


def test_ndjson_last_line_without_newline() -> None:
    assert _decode_all(LineDecoder(), [b'{"a":1}\n{"a"', b':2}']) == [{'a': 1}, {'a': 2}]


def test_ndjson_cut_last_line_is_incomplete() -> None:
    decoder = LineDecoder()
    assert list(decoder.feed(b'{"a":1}\n{"a":')) == [b'{"a":1}']
    with pytest.raises(ollama.IncompleteStreamError, match='middle of line'):
        decoder.close()


@pytest.mark.parametrize(('line', 'match'), [(b'nope', 'not JSON'), (b'[1]', 'not a JSON object'), (b'"s"', 'object')])
def test_ndjson_bad_lines(line: bytes, match: str) -> None:
    decoder = LineDecoder()
    (raw,) = decoder.feed(line + b'\n')
    with pytest.raises(ollama.InvalidResponseError, match=match):
        decoder.decode(raw)


def test_ndjson_error_line() -> None:
    decoder = LineDecoder()
    (raw,) = decoder.feed(b'{"error":"boom"}\n')
    with pytest.raises(ollama.ResponseError, match='boom') as info:
        decoder.decode(raw)
    assert info.value.status_code == -1


def test_ndjson_long_line_in_small_pieces_is_linear() -> None:
    # 4 MB in 1 KB pieces: a quadratic buffer would copy ~8 GB here and time the test out.
    body = json.dumps({'x': 'a' * 4_000_000}).encode() + b'\n'
    pieces = [body[i : i + 1024] for i in range(0, len(body), 1024)]
    assert _decode_all(LineDecoder(), pieces)[0]['x'] == 'a' * 4_000_000


def test_stream_decoder_delivers_chunks_before_error() -> None:
    decoder = _api.StreamDecoder(_api.CHAT)
    items = decoder.feed(b'{"message":{"role":"assistant","content":"a"}}\n{"error":"x"}\n')
    assert next(items).message.content == 'a'
    with pytest.raises(ollama.ResponseError):
        next(items)


def test_stream_decoder_decodes_one_chunk_at_a_time() -> None:
    # A read holding many lines is decoded as its chunks are taken, never into a list of them all at once.
    decoder = _api.StreamDecoder(_api.CHAT)
    line = b'{"message":{"role":"assistant","content":"a"}}\n'
    chunks = decoder.feed(line * 1000 + b'{"done":true}\n')
    assert next(chunks).message.content == 'a'
    assert decoder._lines.lines_seen == 1 and not decoder.finished
    assert len(list(chunks)) == 1000 and decoder.finished
    assert decoder._lines.lines_seen == 1001


def test_stream_decoder_strict_requires_final_line() -> None:
    lenient = _api.StreamDecoder(_api.PULL)
    assert [p.status for p in lenient.feed(b'{"status":"pulling"}\n')] == ['pulling']
    assert lenient.close() == []
    decoder = _api.StreamDecoder(_api.PULL, strict=True)
    assert [p.status for p in decoder.feed(b'{"status":"pulling"}\n')] == ['pulling']
    with pytest.raises(ollama.IncompleteStreamError, match='pull stream ended after 1 line'):
        decoder.close()
    done = _api.StreamDecoder(_api.PULL, strict=True)
    list(done.feed(b'{"status":"pulling"}\n{"status":"success"}\n'))
    assert done.close() == []


# --- Decoding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('2024-05-01T12:34:56Z', datetime(2024, 5, 1, 12, 34, 56, tzinfo=timezone.utc)),
        (
            '2024-05-01T12:34:56.123456789-07:00',
            datetime(2024, 5, 1, 12, 34, 56, 123456, timezone(timedelta(hours=-7))),
        ),
        (
            '2024-05-01T12:34:56.5+0530',
            datetime(2024, 5, 1, 12, 34, 56, 500000, timezone(timedelta(hours=5, minutes=30))),
        ),
        ('2024-05-01 12:34:56', datetime(2024, 5, 1, 12, 34, 56)),
        ('not a date', 'not a date'),
    ],
)
def test_parse_datetime(text: str, expected: Any) -> None:
    assert parse_datetime(text) == expected


def test_decode_matches_dataclasses_json_and_keeps_unknown_fields() -> None:
    wire = {
        'model': 'm',
        'created_at': '2024-01-01T00:00:00Z',
        'message': {
            'role': 'assistant',
            'content': 'x',
            'tool_calls': [{'id': 'c1', 'function': {'index': 0, 'name': 'f', 'arguments': {'a': [1, {'b': 2}]}}}],
            'future_message_field': {'nested': True},
        },
        'logprobs': [{'token': 'x', 'logprob': -0.5, 'bytes': [120], 'top_logprobs': [{'token': 'y', 'logprob': -1}]}],
        'done': True,
        'future_top_field': [1, 2],
    }
    fast = decode(ollama.ChatResponse, wire)
    slow = dataclasses_json_from_dict(ollama.ChatResponse, wire)
    assert fast == slow
    assert fast['future_top_field'] == [1, 2]
    assert fast.message['future_message_field'] == {'nested': True}
    assert fast.to_dict() == wire
    assert json.loads(fast.to_json()) == wire
    assert isinstance(fast.logprobs[0].top_logprobs[0], ollama.TokenLogprob)  # type: ignore[index]


def test_mapping_access_semantics() -> None:
    # As pydantic's: get() returns a field's None rather than the default; a null the server sent
    # counts as set; dict(r) has every field (tests/compat/test_oracle.py compares with the official types).
    r = decode(ollama.GenerateResponse, {'response': 'hi', 'done': False, 'done_reason': None})
    assert 'response' in r and 'thinking' not in r and 'nope' not in r
    assert r.get('thinking') is None and r.get('thinking', 'd') is None and r.get('nope', 'd') == 'd'
    with pytest.raises(KeyError):
        r['thinking']
    assert 'done_reason' in r and r['done_reason'] is None
    r['thinking'] = 'hmm'
    assert r.thinking == 'hmm'
    r['context'] = None
    assert 'context' in r and r['context'] is None
    r['brand_new'] = 1
    assert r['brand_new'] == 1 and r.to_dict()['brand_new'] == 1
    assert dict(r)['response'] == 'hi'
    assert dict(r)['logprobs'] is None and 'done' in dict(r)


def test_decode_rejects_non_objects() -> None:
    with pytest.raises(TypeError, match='expected a JSON object for ChatResponse'):
        decode(ollama.ChatResponse, [1])


def test_encode_drops_unset_fields_only() -> None:
    msg = ollama.Message(role='user', content='')
    assert encode(msg) == {'role': 'user', 'content': ''}
    prop = ollama.Tool.Function.Parameters.Property(type='string')
    prop['default'] = None
    assert encode(prop) == {'type': 'string', 'default': None}
    schema = {'type': 'object', 'properties': {'a': {'default': None}}}
    assert encode({'format': schema}) == {'format': schema}


def test_error_from_reply() -> None:
    assert error_from_reply(404, b'{"error":"gone"}').error == 'gone'
    assert error_from_reply(502, b'<h1>bad</h1>').error == '<h1>bad</h1>'
    assert error_from_reply(500, b'').error == 'HTTP 500'
    long = error_from_reply(502, b'x' * 5000).error
    assert long.endswith('(5000 characters in all)')
    assert str(ollama.ResponseError('{"error":"parsed"}', 400)) == 'parsed (status code: 400)'


def test_copying_a_message_with_images_leaves_callers_message_alone() -> None:
    msg = ollama.Message(role='user', content='look', images=[b'abc'])
    call = _api.chat('m', [msg])
    assert json.loads(call.body or b'')['messages'][0]['images'] == ['YWJj']
    assert msg.images == [b'abc']


@pytest.mark.parametrize('value', [0, -1, True, 1.5, '1000'])
def test_max_reply_bytes_refuses_what_is_not_a_size(value: Any) -> None:
    with pytest.raises(ollama.RequestError, match='max_reply_bytes must be a whole number'):
        ollama.Client(max_reply_bytes=value)
    with pytest.raises(ollama.RequestError, match='max_reply_bytes must be a whole number'):
        ollama.AsyncClient(max_reply_bytes=value)


def test_max_reply_bytes_asks_only_for_encodings_it_decodes() -> None:
    assert ClientConfig.build(max_reply_bytes=10).headers['accept-encoding'] == 'gzip, deflate'
    assert 'accept-encoding' not in ClientConfig.build().headers
