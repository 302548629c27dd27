"""``ollama-lite`` over several servers: ``--hosts`` and ``OLLAMA_HOSTS``, the host column of ``ls`` and ``ps``."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

if sys.platform == 'win32':  # the console script's path is POSIX here
    pytest.skip('POSIX only', allow_module_level=True)

from ollama_lite.testing import Emulator, EmulatorURL

from ._pty import ROOT, cli_env, console_script


@pytest.fixture(scope='module')
def two() -> Iterator[Tuple[EmulatorURL, EmulatorURL]]:
    with Emulator(['qwen3']).running() as a, Emulator(['llama3.2']).running() as b:
        yield a, b


def run(*argv: str, env: Optional[Dict[str, str]] = None) -> Tuple[int, str, str]:
    done = subprocess.run(
        [*console_script(), *argv], capture_output=True, text=True, timeout=60, env={**cli_env(ROOT), **(env or {})},
        check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def rows(text: str) -> List[List[str]]:
    return [re.split(r' {4,}', line) for line in text.splitlines()]


def test_ls_over_several_hosts_has_a_host_column(two: Tuple[EmulatorURL, EmulatorURL]) -> None:
    a, b = two
    code, text, _ = run('ls', '--hosts', f'{a},{b}')
    assert code == 0
    table = rows(text)
    assert table[0] == ['NAME', 'ID', 'SIZE', 'MODIFIED', 'HOST']
    assert sorted((r[0], r[-1]) for r in table[1:]) == [('llama3.2:latest', b), ('qwen3:latest', a)]


def test_ps_from_ollama_hosts_and_run_goes_where_the_model_is(two: Tuple[EmulatorURL, EmulatorURL]) -> None:
    a, b = two
    env = {'OLLAMA_HOSTS': f'{a}, {b}'}
    code, text, _ = run('run', 'llama3.2', 'hi', env=env)
    assert code == 0 and text.strip()
    code, text, _ = run('ps', env=env)
    table = rows(text)
    assert table[0][-1] == 'HOST' and [(r[0], r[-1]) for r in table[1:]] == [('llama3.2:latest', b)]


def test_host_wins_and_one_host_has_no_host_column(two: Tuple[EmulatorURL, EmulatorURL]) -> None:
    a, b = two
    code, text, _ = run('ls', '--host', a, env={'OLLAMA_HOSTS': f'{a},{b}'})
    assert code == 0 and rows(text)[0] == ['NAME', 'ID', 'SIZE', 'MODIFIED']
    assert [r[0] for r in rows(text)[1:]] == ['qwen3:latest']


def test_a_write_over_several_hosts_asks_for_one(two: Tuple[EmulatorURL, EmulatorURL]) -> None:
    a, b = two
    code, _, err = run('pull', 'qwen3', '--hosts', f'{a},{b}')
    assert (
        code == 1
        and err.strip() == 'Error: pull changes the models of one server; with several hosts name one with --host'
    )
    code, _, _ = run('pull', 'qwen3', '--host', b)
    assert code == 0
