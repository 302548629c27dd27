"""A plain install, without the ``async`` extra: everything that needs aiohttp says how to install it.

The oracle is a real missing package: a fresh virtual environment (no pip, made once per session) that sees
this environment's packages except aiohttp, so Python finds no aiohttp anywhere, as after
``pip install ollama-lite``.
"""

from __future__ import annotations

import os
import subprocess
import sysconfig
import textwrap
import venv
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]
HINT = 'needs aiohttp: install it with  pip install "ollama-lite[async]"'


@pytest.fixture(scope='session')
def plain_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interpreter of a virtual environment with requests and dataclasses-json but no aiohttp."""
    base = tmp_path_factory.mktemp('without-aiohttp')
    packages = base / 'packages'
    packages.mkdir()
    site = Path(sysconfig.get_paths()['purelib'])
    for entry in site.iterdir():
        # aiohttp and its metadata stay behind; so do the .pth files, which only a site directory runs.
        if not entry.name.lower().startswith('aiohttp') and entry.suffix != '.pth':
            (packages / entry.name).symlink_to(entry)
    env = base / 'venv'
    venv.EnvBuilder(with_pip=False, symlinks=os.name != 'nt').create(env)
    python = env / ('Scripts/python.exe' if os.name == 'nt' else 'bin/python')
    purelib = subprocess.run(
        [str(python), '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    Path(purelib, 'ollama_lite_test.pth').write_text(f'{ROOT}\n{packages}\n', encoding='utf-8')
    return python


def _run(python: Path, args: List[str]) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'PYTHONHOME')}
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, timeout=60, check=False, env=env, cwd=ROOT
    )


def test_aiohttp_is_really_missing_and_the_sync_client_works(plain_python: Path) -> None:
    script = textwrap.dedent(
        """
        import importlib.util, sys
        assert importlib.util.find_spec('aiohttp') is None, 'aiohttp is importable'
        import ollama_lite
        ollama_lite.Client('http://127.0.0.1:1')
        assert 'aiohttp' not in sys.modules
        print('ok')
        """
    )
    done = _run(plain_python, ['-c', script])
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'ok\n'


@pytest.mark.parametrize(
    ('statement', 'what'),
    [
        ('ollama_lite.AsyncClient', 'ollama_lite.AsyncClient'),
        ('import ollama_lite.testing', 'ollama_lite.testing (the Ollama emulator)'),
        ('from ollama_lite.testing import emulator', 'ollama_lite.testing (the Ollama emulator)'),
        ('import ollama_lite.testing.pytest_plugin', 'ollama_lite.testing (the Ollama emulator)'),
        ('import ollama_lite.web', 'ollama_lite.web'),
        ('from ollama_lite.web import relay', 'ollama_lite.web'),
    ],
)
def test_every_entry_point_names_the_extra(plain_python: Path, statement: str, what: str) -> None:
    script = textwrap.dedent(
        f"""
        import ollama_lite
        try:
            {statement}
        except ImportError as exc:
            print(type(exc).__name__, exc.name, exc, sep='|')
        """
    )
    done = _run(plain_python, ['-c', script])
    assert done.returncode == 0, done.stderr
    assert done.stdout == f'ImportError|aiohttp|{what} {HINT}\n'


@pytest.mark.parametrize(
    ('verb', 'what'), [('serve-emulator', 'ollama-lite serve-emulator'), ('demo', 'the demo (the bundled emulator')]
)
def test_commands_that_need_aiohttp_name_the_extra(plain_python: Path, verb: str, what: str) -> None:
    done = _run(plain_python, ['-m', 'ollama_lite', verb])
    assert done.returncode == 1
    assert done.stderr.startswith(f'Error: {what}')
    assert done.stderr.rstrip('\n').endswith(HINT)
    assert 'Traceback' not in done.stderr and done.stderr.count('\n') == 1


def test_the_sync_command_line_works(plain_python: Path) -> None:
    done = _run(plain_python, ['-m', 'ollama_lite', '--host', 'http://127.0.0.1:9', 'list'])
    assert done.returncode == 1
    assert done.stderr.startswith('Error: could not connect to Ollama at http://127.0.0.1:9/api/tags')
