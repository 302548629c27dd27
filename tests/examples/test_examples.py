"""Every program in examples/ runs unchanged against the emulator, as it would against Ollama."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from ollama_lite.testing import DEFAULT_MODELS, EmulatorURL, emulator

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / 'examples').glob('*.py'))

# What each example must print, beyond exiting 0: proof that it did its task.
EXPECTED = {
    'async_chat.py': 'Why do cats purr?',
    'async_generate_stream.py': 'sky',
    'chat.py': 'sky',
    'chat_stream.py': 'sky',
    'chat_with_history.py': '7 messages in the history',
    'create.py': 'success',
    'embed.py': '3 vectors of',
    'fill_in_middle.py': 'return result',
    'generate.py': 'tokens in',
    'list.py': 'llama3.2:latest',
    'logprobs.py': 'p=',
    'multi_tool_loop.py': 'get_temperature(',
    'multimodal.py': '',
    'ps.py': 'in VRAM until',
    'pull.py': 'success',
    'server_status.py': 'not signed in: open https://ollama.com/connect?',
    'show.py': 'capabilities:',
    'structured_outputs.py': 'Country(name=',
    'thinking.py': '[high]',
    'tool_runner.py': 'messages in the history',
    'tools.py': 'add_two_numbers(',
}


def test_every_example_is_listed() -> None:
    assert sorted(EXPECTED) == [p.name for p in EXAMPLES]


@pytest.fixture(scope='module')
def url() -> Iterator[EmulatorURL]:
    models = [*DEFAULT_MODELS, 'codellama:7b-code', 'gpt-oss:20b', 'all-minilm']
    with emulator(models=models) as running:
        yield running


def test_server_status_signed_in(url: EmulatorURL) -> None:
    url.emulator.sign_in('ada')
    try:
        done = _run(url, ROOT / 'examples' / 'server_status.py')
    finally:
        url.emulator.sign_out()
    assert 'signed in as ada (free plan)' in done.stdout and '- ' in done.stdout


def _run(url: EmulatorURL, path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OLLAMA_HOST=url, PYTHONPATH=str(ROOT))
    env.pop('OLLAMA_API_KEY', None)
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize('path', EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(url: EmulatorURL, path: Path) -> None:
    done = _run(url, path)
    assert done.stdout.strip()
    assert EXPECTED[path.name] in done.stdout
