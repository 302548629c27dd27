"""examples/web_chat/app.py runs as a program, as its docstring says, against the emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import requests

from ollama_lite.testing import EmulatorURL, Reply, emulator
from tests._programs import free_port, stop, wait_listening

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / 'examples' / 'web_chat' / 'app.py'


@pytest.fixture
def site() -> Iterator[Tuple[str, EmulatorURL]]:
    with emulator(models=['qwen3']) as url:
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        command = [sys.executable, str(APP), '--port', str(port), '--ollama', url]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_listening(port, process, 'the web chat app', 20)
            yield f'http://127.0.0.1:{port}', url
        finally:
            stop(process, 10)


def test_the_page_and_the_stream(site: Tuple[str, EmulatorURL]) -> None:
    base, url = site
    page = requests.get(f'{base}/', timeout=10)
    assert page.status_code == 200 and 'new EventSource' in page.text and 'id="stop"' in page.text
    assert requests.get(f'{base}/ask', timeout=10).status_code == 400
    url.emulator.reply(Reply.text('Hello there.', thinking='Greet back.'))
    answer = requests.get(f'{base}/ask', params={'q': 'Hi'}, timeout=10)
    assert answer.headers['Content-Type'] == 'text/event-stream'
    assert 'event: thinking\ndata: "Greet"\n\n' in answer.text and 'event: content\ndata: " there."\n\n' in answer.text
    assert answer.text.endswith('\n\n') and '\nevent: done\n' in answer.text
