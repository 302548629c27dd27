"""Text with a lone surrogate: what ollama_lite sends is what the official client sends where it sends it.

The official client builds its body with httpx's ``json=``: before httpx 0.28 that was ``json.dumps`` with its
defaults, which writes a lone surrogate as a ``\\udce9`` escape; from 0.28 on it is ``ensure_ascii=False``, which
leaves it raw, and encoding it to UTF-8 then raises ``UnicodeEncodeError`` (DIFFERENCES in test_oracle lists
this). Here the official client runs with httpx's JSON step as it was before 0.28, and the recording server must
receive the same request from it as from both of ours.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Iterator, List

import pytest

import ollama_lite
from tests._loops import run_async
from tests.compat._recorder import Recorder

official = pytest.importorskip('ollama', reason='the official client is a test dependency (ollama-lite[test])')
httpx_content = pytest.importorskip('httpx._content')

CALLS: Dict[str, Callable[[Any], Any]] = {
    'generate': lambda c: c.generate('m', 'caf\udce9, déjà vu'),
    'chat': lambda c: c.chat('m', [{'role': 'user', 'content': 'half an emoji: \ud83d'}]),
    'system': lambda c: c.generate('m', 'hi', system='\udcff\udcfe'),
    'pair-in-halves': lambda c: c.chat('m', [{'role': 'user', 'content': '\ud83d\ude00'}]),
}


@pytest.fixture(scope='module')
def recorder() -> Iterator[Recorder]:
    server = Recorder().start()
    yield server
    server.stop()


@pytest.fixture
def httpx_before_0_28(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(httpx_content, 'json_dumps'):
        pytest.skip("this httpx builds JSON bodies otherwise; the oracle needs httpx._content's json_dumps")

    def dumps(obj: Any, **kwargs: Any) -> str:
        return json.dumps(obj)  # httpx 0.27's encode_json: json.dumps(json) and nothing else

    monkeypatch.setattr(httpx_content, 'json_dumps', dumps)


def _sent(recorder: Recorder) -> List[Dict[str, Any]]:
    return [{k: r[k] for k in ('method', 'path', 'body')} for r in recorder.take()]


@pytest.mark.usefixtures('httpx_before_0_28')
@pytest.mark.parametrize('name', sorted(CALLS))
def test_both_clients_send_what_the_official_client_sent(recorder: Recorder, name: str) -> None:
    call = CALLS[name]
    with official.Client(recorder.url) as theirs:
        call(theirs)
    expected = _sent(recorder)
    assert len(expected) == 1

    with ollama_lite.Client(recorder.url) as client:
        call(client)
    assert _sent(recorder) == expected

    async def run() -> None:
        async with ollama_lite.AsyncClient(recorder.url) as client:
            await call(client)

    run_async(run())
    assert _sent(recorder) == expected
