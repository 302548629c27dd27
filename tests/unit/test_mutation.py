"""The mutation check's own machinery (``tests/mutation.py``, ``tests/_mutant_site``): a planted rename reaches
the wire from the client and the emulator alike, does nothing without the variable, and the check is the one the
README describes and CI runs."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import mutation

ROOT = Path(__file__).resolve().parents[2]
_BODY = 'from ollama_lite import _api; print(_api.chat("m", keep_alive="5m").body.decode())'


def _python(code: str, mutant: str = '') -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = dict(os.environ, PYTHONPATH=str(mutation._SITE))
    env.pop('OLLAMA_LITE_MUTANT', None)
    if mutant:
        env['OLLAMA_LITE_MUTANT'] = mutant
    return subprocess.run(
        [sys.executable, '-c', code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize('planted', [m for m in mutation.MUTATIONS if m.floor >= 10], ids=lambda m: m.old)
def test_a_planted_rename_reaches_the_wire_from_both_sides(planted: mutation.Mutation) -> None:
    mutation.probe(planted)  # raises SystemExit, saying which side, when it does not


def test_a_planted_request_field_is_sent_under_its_new_name() -> None:
    done = _python(_BODY, 'keep_alive:keepalive')
    assert done.returncode == 0, done.stderr
    assert '"keepalive":"5m"' in done.stdout and 'keep_alive' not in done.stdout


def test_without_the_variable_nothing_changes() -> None:
    done = _python(_BODY)
    assert done.returncode == 0, done.stderr
    assert '"keep_alive":"5m"' in done.stdout
    assert done.stderr == ''


def test_a_rename_of_a_field_nobody_has_fails_loudly() -> None:
    with pytest.raises(SystemExit, match='did not reach the wire'):
        mutation.probe(mutation.Mutation('no_such_field', 'other', 'nothing'))


def test_the_check_is_the_one_the_readme_describes_and_ci_runs() -> None:
    floors = {m.old: (m.new, m.floor) for m in mutation.MUTATIONS}
    assert floors['done_reason'] == ('finish_reason', 10)
    assert floors['keep_alive'] == ('keepalive', 10)
    assert len(mutation.MUTATIONS) == 7  # the README: "and five more"
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    assert '`done_reason` → `finish_reason`, `keep_alive` → `keepalive`, and five more' in readme
    tox = configparser.ConfigParser()
    tox.read(ROOT / 'tox.ini')
    assert 'mutation' in [e.strip() for e in tox['tox']['envlist'].split(',')]
    assert tox['testenv:mutation']['commands'].strip().startswith('python -m tests.mutation')
