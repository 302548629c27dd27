"""What a newcomer types first, through the installed console script: nothing at all, ``--version``, ``version``,
``run --help``. The wording is the ``ollama`` CLI's (``cmd/cmd.go``: ``versionHandler``, ``run MODEL [PROMPT]``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from ollama_lite import __version__
from ollama_lite.testing import EMULATED_VERSION, EmulatorURL, emulator
from tests._faults import refused_port
from tests.cli._pty import ROOT, cli_env, console_script


@pytest.fixture(scope='module')
def url() -> Iterator[EmulatorURL]:
    with emulator() as running:
        yield running


@pytest.fixture
def refused() -> Iterator[str]:
    sock, port = refused_port()
    try:
        yield f'http://127.0.0.1:{port}'
    finally:
        sock.close()


def cli(*argv: str) -> Tuple[int, str, str]:
    done = subprocess.run(
        [*console_script(), *argv], capture_output=True, text=True, timeout=60, cwd=ROOT, env=cli_env(ROOT),
        check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_no_arguments_prints_the_help_and_succeeds() -> None:
    code, out, err = cli()
    assert (code, err) == (0, '')
    assert out.startswith('usage: ollama-lite ')
    assert all(verb in out for verb in ('run', 'list', 'pull', 'version', 'serve-emulator'))
    assert cli('--help')[:2] == (0, out)  # the same help as asked for


VERSION_FORMS: List[List[str]] = [['--version'], ['-v'], ['version']]


@pytest.mark.parametrize('form', VERSION_FORMS, ids=lambda f: f[0])
def test_every_version_form_prints_ollamas_lines_with_the_server(url: EmulatorURL, form: List[str]) -> None:
    code, out, err = cli(*form, '--host', url)
    assert (code, err) == (0, '')
    assert out == f'ollama-lite version is {__version__}\nollama version is {EMULATED_VERSION}\n'
    assert [r.path for r in url.emulator.requests][-1] == '/api/version'


@pytest.mark.parametrize('form', VERSION_FORMS, ids=lambda f: f[0])
def test_every_version_form_warns_when_no_server_answers(refused: str, form: List[str]) -> None:
    code, out, err = cli('--host', refused, *form)
    assert (code, err) == (0, '')  # as ollama: the client's version is still an answer
    assert out == f'ollama-lite version is {__version__}\nWarning: could not connect to a running Ollama instance\n'


def test_version_as_json(url: EmulatorURL, refused: str) -> None:
    assert (
        cli('--version', '--json', '--host', url)[1]
        == f'{{"client": "{__version__}", "server": "{EMULATED_VERSION}"}}\n'
    )
    assert cli('version', '--json', '--host', refused)[1] == f'{{"client": "{__version__}", "server": null}}\n'


@pytest.mark.parametrize('verb', ['run', 'chat'])
def test_the_usage_shows_the_prompt_as_optional(verb: str) -> None:
    code, out, _ = cli(verb, '--help')
    assert code == 0
    usage = ' '.join(out.split('\n\n', 1)[0].split())
    # argparse's spelling of an optional, repeatable word: "[PROMPT ...]" (Python 3.9+), "[PROMPT [PROMPT ...]]" (3.8).
    assert re.search(r' MODEL \[PROMPT( \[PROMPT)? \.\.\.\]?\]$', usage), usage
    assert 'without it, a conversation starts' in ' '.join(out.split())


def test_run_without_a_prompt_starts_the_conversation(url: EmulatorURL, tmp_path: Path) -> None:
    from tests.cli._pty import Terminal

    with Terminal(['run', 'llama3.2', '--host', url], cli_env(tmp_path)) as t:
        t.expect('>>> ')
        t.send('/bye\r')
        assert t.wait() == 0
