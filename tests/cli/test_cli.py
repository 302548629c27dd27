"""The ollama-lite command line against the emulator: outputs, JSON mode, exit codes; the demo as a subprocess."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from ollama_lite._cli import main
from ollama_lite.testing import EmulatorURL, Reply, emulator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def url() -> Iterator[EmulatorURL]:
    with emulator() as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(url: EmulatorURL) -> None:
    url.emulator.reset()


def run(url: str, *argv: str) -> Tuple[int, str]:
    out = io.StringIO()
    code = main(['--host', url, *argv], out=out)
    return code, out.getvalue()


def test_list_table_and_json(url: EmulatorURL) -> None:
    code, text = run(url, 'list')
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split() == ['NAME', 'ID', 'SIZE', 'MODIFIED']
    assert any(line.startswith('llama3.2:latest') for line in lines[1:])
    code, text = run(url, '--json', 'list')
    names = [m['name'] for m in json.loads(text)['models']]
    assert code == 0
    assert 'llama3.2:latest' in names


def test_options_after_the_command(url: EmulatorURL) -> None:
    assert main(['list', '--host', url, '--json'], out=io.StringIO()) == 0
    out = io.StringIO()
    assert main(['version', '--json', '--host', url], out=out) == 0
    assert json.loads(out.getvalue())['server']


def test_show_ps_version(url: EmulatorURL) -> None:
    code, text = run(url, 'show', 'llama3.2')
    assert code == 0
    assert 'Capabilities' in text
    assert 'tools' in text
    run(url, 'generate', 'llama3.2', 'hi')
    code, text = run(url, 'ps')
    assert code == 0
    assert 'llama3.2' in text
    code, text = run(url, 'version')
    assert code == 0
    assert text.startswith('ollama-lite ')


def test_pull_plain_lines_when_not_a_tty(url: EmulatorURL) -> None:
    code, text = run(url, 'pull', 'gemma3:270m')
    assert code == 0
    lines = text.splitlines()
    assert lines[0] == 'pulling manifest'
    assert lines[-1] == 'success'
    assert len(lines) == len(set(lines)), 'a line per status, not per progress update'
    assert '\r' not in text
    assert 'gemma3:270m' in run(url, 'list')[1]


def test_pull_json_lines(url: EmulatorURL) -> None:
    code, text = run(url, '--json', 'pull', 'gemma3:270m')
    assert code == 0
    statuses = [json.loads(line)['status'] for line in text.splitlines()]
    assert statuses[-1] == 'success'
    assert len(statuses) > 5


def test_create_cp_rm(url: EmulatorURL) -> None:
    code, text = run(
        url, 'create', 'mario', '--from', 'llama3.2', '--system', 'You are Mario.', '--parameter', 'temperature=0.5'
    )
    assert code == 0
    assert text.splitlines()[-1] == 'success'
    assert url.emulator.requests[-1].body['parameters'] == {'temperature': 0.5}
    assert run(url, 'cp', 'mario', 'luigi') == (0, "copied 'mario' to 'luigi'\n")
    assert run(url, 'rm', 'mario', 'luigi') == (0, "deleted 'mario'\ndeleted 'luigi'\n")
    assert 'mario' not in run(url, 'list')[1]


def test_chat_streams_tokens(url: EmulatorURL) -> None:
    url.emulator.reply(Reply.text('Hello there, friend.'))
    code, text = run(url, 'chat', 'llama3.2', 'Say', 'hello')
    assert code == 0
    assert text == 'Hello there, friend.\n'
    body = url.emulator.requests[-1].body
    assert body['messages'] == [{'role': 'user', 'content': 'Say hello'}]
    assert body['stream'] is True


def test_interactive_chat_keeps_history(url: EmulatorURL, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, 'stdin', io.StringIO('first\n\nsecond\n/bye\nnever sent\n'))
    url.emulator.reply(Reply.text('one'), Reply.text('two'))
    code, text = run(url, 'chat', 'llama3.2', '--system', 'Be brief.')
    assert code == 0
    assert text == 'one\ntwo\n'
    assert url.emulator.requests[-1].body['messages'] == [
        {'role': 'system', 'content': 'Be brief.'},
        {'role': 'user', 'content': 'first'},
        {'role': 'assistant', 'content': 'one'},
        {'role': 'user', 'content': 'second'},
    ]


def test_generate_and_think(url: EmulatorURL) -> None:
    url.emulator.reply(Reply.text('Blue.'))
    code, text = run(url, 'generate', 'qwen3', 'Why?', '--think', 'high')
    assert (code, text) == (0, 'Blue.\n')
    assert url.emulator.requests[-1].body['think'] == 'high'


def test_embed(url: EmulatorURL) -> None:
    code, text = run(url, 'embed', 'nomic-embed-text', 'a', 'b', '--dimensions', '8')
    assert code == 0
    lines = text.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("'a': [")
    assert lines[0].endswith('(8 dimensions)')


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['show', 'no-such-model'], "Error: model 'no-such-model' not found"),
        (['chat', 'no-such-model', 'hi'], "Error: model 'no-such-model' not found"),
        (['create', 'x', '--parameter', 'oops'], 'Error: --parameter takes KEY=VALUE'),
    ],
)
def test_failures_exit_nonzero_with_message_and_no_traceback(
    url: EmulatorURL, capsys: pytest.CaptureFixture[str], argv: List[str], message: str
) -> None:
    code, _ = run(url, *argv)
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(message)
    assert 'Traceback' not in err


def test_unreachable_host(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(['--host', 'http://127.0.0.1:9', 'list'], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert 'could not connect to Ollama at http://127.0.0.1:9' in err
    assert 'Traceback' not in err


def _env() -> dict:
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT) + os.pathsep + env.get('PYTHONPATH', '')
    env.pop('OLLAMA_HOST', None)
    return env


def test_demo_runs_end_to_end() -> None:
    done = subprocess.run(
        [sys.executable, '-m', 'ollama_lite', 'demo'],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(),
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in (
        'Pull gemma3:270m',
        'Streamed chat',
        'Tool call round trip',
        'Structured output',
        'Embeddings',
        'concurrent chats',
        'Done',
    ):
        assert heading in out
    assert 'model asked: get_weather(' in out
    assert '2 rounds, 4 messages in the history' in out  # the round trip is run_tools'
    assert 'City(name=' in out


def test_demo_against_host(url: EmulatorURL) -> None:
    out = io.StringIO()
    assert main(['demo', '--host', url], out=out) == 0
    assert f'Server {url}' in out.getvalue()
    assert any(r.path == '/api/pull' for r in url.emulator.requests)


def test_demo_without_aiohttp_says_which_extra(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The emulator needs aiohttp; a plain install must get a one-line hint, not a traceback.
    for name in [m for m in sys.modules if m == 'aiohttp' or m.startswith(('aiohttp.', 'ollama_lite.testing'))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'aiohttp', None)
    assert main(['demo'], out=io.StringIO()) == 1
    err = capsys.readouterr().err
    assert err.startswith('Error: the demo (the bundled emulator and AsyncClient) needs aiohttp')
    assert 'ollama-lite[async]' in err
