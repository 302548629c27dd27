"""``ollama-lite serve-emulator --log``, through the installed console script: one line per request, with the
model, the status, the time and whether the client left early, as the README shows it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import List

import pytest

import ollama_lite as ollama
from tests.cli._pty import ROOT, cli_env, console_script

#: A line of the log: time, method, path, model, status, seconds, and maybe the client leaving early.
LINE = re.compile(
    r'^(?P<time>\d\d:\d\d:\d\d) (?P<method>[A-Z]+) (?P<path>/\S*) model=(?P<model>\S+) (?P<status>\d{3}|-) '
    r'(?P<seconds>\d+\.\d{3})s(?P<left> client left early)?$'
)


def _readme_sample() -> List[str]:
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    block = text.split('**Watch it happen.**', 1)[1].split('```\n', 1)[1].split('\n```', 1)[0]
    return block.splitlines()


def test_the_log_shows_each_request_and_the_client_leaving(tmp_path: Path) -> None:
    with subprocess.Popen(
        [*console_script(), 'serve-emulator', '--port', '0', '--log', '--token-delay', '0.05'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path),
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None and server.stderr is not None
            found = re.search(r'listening on (http://127\.0\.0\.1:\d+)', server.stdout.readline())
            assert found
            with ollama.Client(found.group(1)) as client:
                client.list()
                with pytest.raises(ollama.ResponseError):
                    client.chat('nope', [{'role': 'user', 'content': 'hi'}])
                stream = client.chat('llama3.2', [{'role': 'user', 'content': 'a long story'}], stream=True)
                next(stream)
                stream.close()  # gone after the first token; the emulator sees it within its next pause
                client.chat('llama3.2', [{'role': 'user', 'content': 'hi'}])
            # Each line is written when its reply ends: four requests, four lines (the stream's may come after the
            # next request's, as the emulator notices the client gone at its next pause).
            lines = [server.stderr.readline().rstrip('\n') for _ in range(4)]
        finally:
            server.terminate()
            assert server.wait(timeout=30) == 0
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    seen = [(m['method'], m['path'], m['model'], m['status'], bool(m['left'])) for m in parsed if m]
    assert seen[:2] == [('GET', '/api/tags', '-', '200', False), ('POST', '/api/chat', 'nope', '404', False)]
    assert sorted(seen[2:]) == [
        ('POST', '/api/chat', 'llama3.2', '200', False),
        ('POST', '/api/chat', 'llama3.2', '200', True),
    ]


def test_the_readme_shows_the_log_as_it_is() -> None:
    sample = _readme_sample()
    assert sample[0] == '$ ollama-lite serve-emulator --log --token-delay 0.05'
    assert sample[1].startswith('Ollama emulator listening on http://127.0.0.1:11434')
    assert all(LINE.match(line) for line in sample[2:]), sample[2:]
    assert sample[-1].endswith(' client left early')


def test_without_log_nothing_is_printed_per_request(tmp_path: Path) -> None:
    with subprocess.Popen(
        [*console_script(), 'serve-emulator', '--port', '0'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(tmp_path),
    ) as server:  # fmt: skip
        try:
            assert server.stdout is not None
            found = re.search(r'listening on (http://127\.0\.0\.1:\d+)', server.stdout.readline())
            assert found
            with ollama.Client(found.group(1)) as client:
                client.list()
        finally:
            server.terminate()
            assert server.wait(timeout=30) == 0
            _, err = server.communicate(timeout=10)
    assert err == ''
