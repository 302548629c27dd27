"""Caller mistakes are ``RequestError`` (a ``ValueError``), raised before anything is sent, by both clients;
and what looks like one but is not (a lone surrogate in text) is sent.

Never a ``ConnectionError``, which code that retries on ``ConnectionError`` would repeat forever, nor a raw
``UnicodeEncodeError`` from deep inside a transport. Each case points a client at the misbehaving server of
``tests/_faults.py`` and checks that no request reached it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import pytest

import ollama_lite as ollama
from tests._faults import FaultServer, json_reply
from tests._loops import run_async
from tests.fault_cases import MESSAGES, chat_line

KEY = 'sk-careless-0123456789'


@dataclass(frozen=True)
class Mistake:
    id: str
    match: str
    client: Mapping[str, Any] = field(default_factory=dict)
    api_key: Optional[str] = None
    call: Callable[[Any], Any] = lambda c: c.chat('m', MESSAGES)
    #: Text that must not appear in the message (a credential).
    hidden: Tuple[str, ...] = ()


MISTAKES = [
    Mistake('crlf-in-a-header', 'line break', client={'headers': {'X-Trace': 'a\r\nX-Injected: 1'}}),
    Mistake('non-latin-1-header', 'outside Latin-1', client={'headers': {'X-Name': 'caf\u00e9 \u20ac'}}),
    Mistake('bad-header-name', 'not a valid header name', client={'headers': {'X Bad': '1'}}),
    Mistake('content-length-header', "'content-length' cannot be set", client={'headers': {'Content-Length': '5'}}),
    Mistake(
        'transfer-encoding-header',
        "'transfer-encoding' cannot be set",
        client={'headers': {'Transfer-Encoding': 'chunked'}},
    ),
    Mistake('host-header', "'host' cannot be set", client={'headers': {'Host': 'elsewhere'}}),
    Mistake(
        'crlf-in-authorization',
        'line break',
        client={'headers': {'Authorization': f'Bearer {KEY}\r\nX: 1'}},
        hidden=(KEY,),
    ),
    Mistake('crlf-in-api-key', 'OLLAMA_API_KEY contains a line break', api_key=f'{KEY}\nX: 1', hidden=(KEY,)),
    Mistake(
        'non-latin-1-api-key',
        'OLLAMA_API_KEY contains characters outside Latin-1',
        api_key=f'{KEY}\u20ac',
        hidden=(KEY,),
    ),
    Mistake(
        'nan-in-options',
        'NaN or infinity',
        call=lambda c: c.chat('m', MESSAGES, options={'temperature': float('nan')}),
    ),
    Mistake(
        'inf-in-options',
        'NaN or infinity',
        call=lambda c: c.generate('m', 'hi', options=ollama.Options(top_p=float('inf'))),
    ),
    Mistake('nan-timeout', 'or None to wait forever', client={'timeout': float('nan')}),
    Mistake('inf-timeout', 'or None to wait forever', client={'timeout': (1, float('inf'))}),
    Mistake('absurd-timeout', 'or None to wait forever', client={'timeout': 1e12}),
]


def _check(mistake: Mistake, error: Optional[BaseException], server: FaultServer) -> None:
    assert isinstance(error, ollama.RequestError), f'expected RequestError, got {error!r}'
    assert isinstance(error, ValueError) and not isinstance(error, ConnectionError)
    assert mistake.match in str(error), str(error)
    for text in mistake.hidden:
        assert text[:8] not in str(error)
    assert server.requests == []


def _arm(server: FaultServer, mistake: Mistake, monkeypatch: pytest.MonkeyPatch) -> Dict[str, Any]:
    server.script(then=json_reply(chat_line('ok', done=True)))
    if mistake.api_key is None:
        monkeypatch.delenv('OLLAMA_API_KEY', raising=False)
    else:
        monkeypatch.setenv('OLLAMA_API_KEY', mistake.api_key)
    return dict(mistake.client)


@pytest.mark.parametrize('mistake', MISTAKES, ids=[m.id for m in MISTAKES])
def test_sync(
    mistake: Mistake, fault_servers: Tuple[FaultServer, FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = fault_servers
    kwargs = _arm(server, mistake, monkeypatch)
    error: Optional[BaseException] = None
    try:
        with ollama.Client(server.url, **kwargs) as client:
            mistake.call(client)
    except Exception as exc:
        error = exc
    _check(mistake, error, server)


@pytest.mark.parametrize('mistake', MISTAKES, ids=[m.id for m in MISTAKES])
def test_async(
    mistake: Mistake, fault_servers: Tuple[FaultServer, FaultServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = fault_servers
    kwargs = _arm(server, mistake, monkeypatch)

    async def run() -> None:
        async with ollama.AsyncClient(server.url, **kwargs) as client:
            await mistake.call(client)

    error: Optional[BaseException] = None
    try:
        run_async(run())
    except Exception as exc:
        error = exc
    _check(mistake, error, server)


# --- Not a mistake: text with a lone surrogate is sent, as JSON can carry it ---------------------------------

#: Text read with errors='surrogateescape' (byte 0xE9 of Latin-1 "café"), and half of an emoji's UTF-16 pair.
SURROGATE_CALLS = {
    'prompt': (lambda c: c.generate('m', 'caf\udce9 \u2013 ok'), b'"prompt":"caf\\udce9 \xe2\x80\x93 ok"'),
    'message': (lambda c: c.chat('m', [{'role': 'user', 'content': '\ud83d'}]), b'"content":"\\ud83d"'),
}


@pytest.mark.parametrize('twin', ['sync', 'async'])
@pytest.mark.parametrize('where', sorted(SURROGATE_CALLS))
def test_a_lone_surrogate_is_sent_as_a_json_escape(
    fault_servers: Tuple[FaultServer, FaultServer], where: str, twin: str
) -> None:
    server, _ = fault_servers
    server.script(then=json_reply({**chat_line('ok', done=True), 'response': 'ok'}))
    call, expected = SURROGATE_CALLS[where]
    if twin == 'sync':
        with ollama.Client(server.url) as client:
            call(client)
    else:

        async def run() -> None:
            async with ollama.AsyncClient(server.url) as client:
                await call(client)

        run_async(run())
    [request] = server.requests
    # The surrogate as a \uXXXX escape, the rest of the text as UTF-8: the body is valid UTF-8 JSON.
    assert expected in request.body, request.body
    request.body.decode('utf-8')
