"""``ollama-lite embed MODEL -f FILE``: JSON lines out in order, errors by line, and the bar in a real terminal."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from ollama_lite import Client
from ollama_lite._cli import main
from ollama_lite.testing import EmulatorURL, Reply, emulator

from ._pty import Terminal, cli_env, screen

MODEL = 'nomic-embed-text'
TEXTS = [f'line {i}' for i in range(50)] + ['', 'the last line']


@pytest.fixture(scope='module')
def url() -> Iterator[EmulatorURL]:
    with emulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(url: EmulatorURL) -> None:
    url.emulator.reset()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / 'corpus.txt'
    path.write_text('\n'.join(TEXTS) + '\n', encoding='utf-8')
    return path


def run(url: str, *argv: str) -> Tuple[int, str]:
    out = io.StringIO()
    code = main(['--host', url, *argv], out=out)
    return code, out.getvalue()


def expected(url: str) -> List[List[float]]:
    with Client(url) as client:
        return client.embed(MODEL, TEXTS).embeddings


def test_each_line_becomes_one_json_line_in_order(url: EmulatorURL, corpus: Path) -> None:
    code, text = run(url, 'embed', MODEL, '-f', str(corpus), '--batch-size', '8')
    assert code == 0
    records = [json.loads(line) for line in text.splitlines()]
    assert [r['index'] for r in records] == list(range(len(TEXTS)))
    assert [r['embedding'] for r in records] == expected(url)
    sent = [r.body['input'] for r in url.emulator.requests if r.path == '/api/embed'][:-1]
    assert max(len(batch) for batch in sent) == 8


def test_keep_going_writes_an_error_line_for_each_line_that_failed(url: EmulatorURL, corpus: Path) -> None:
    url.emulator.reply(Reply.error('the model crashed', status=500), path='/api/embed')
    code, text = run(url, 'embed', MODEL, '-f', str(corpus), '--batch-size', '26', '--concurrency', '1', '--keep-going')
    assert code == 0
    records = [json.loads(line) for line in text.splitlines()]
    assert [r['index'] for r in records] == list(range(len(TEXTS)))
    assert all(r['error'].startswith('the model crashed') for r in records[:26])
    assert [r['embedding'] for r in records[26:]] == expected(url)[26:]


def test_without_keep_going_a_failure_names_its_line_and_exits_1(
    url: EmulatorURL, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url.emulator.reply(Reply.error('the model crashed', status=500), path='/api/embed')
    code, _ = run(url, 'embed', MODEL, '-f', str(corpus), '--concurrency', '1')
    assert code == 1
    assert capsys.readouterr().err.startswith('Error: line 1: the model crashed')


def test_texts_and_a_file_together_are_refused(
    url: EmulatorURL, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(url, 'embed', MODEL, 'a text', '-f', str(corpus))[0] == 1
    assert 'give texts or -f FILE, not both' in capsys.readouterr().err
    assert run(url, 'embed', MODEL)[0] == 1
    assert 'nothing to embed' in capsys.readouterr().err


def test_the_console_script_draws_a_bar_while_the_lines_go_to_a_file(
    url: EmulatorURL, corpus: Path, tmp_path: Path
) -> None:
    output = tmp_path / 'vectors.jsonl'
    argv = ['embed', MODEL, '-f', str(corpus), '-o', str(output), '--batch-size', '4', '--host', url]
    with Terminal(argv, cli_env(tmp_path), columns=90) as t:
        t.expect(re.compile(r'embedding 100% ▕█+▏ +52'))
        assert t.wait() == 0
    final = [line for line in screen(t.output) if line]
    assert re.fullmatch(r'embedding 100% ▕█+▏ +52', final[-1]), final
    assert len(final[-1]) <= 89
    records = [json.loads(line) for line in output.read_text(encoding='utf-8').splitlines()]
    assert [r['embedding'] for r in records] == expected(url)
