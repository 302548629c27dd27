"""``python -m tests.spec.fetch`` fetches the pinned spec and refuses anything else; the spec tests find it there,
at ``$OLLAMA_OPENAPI`` or in ``shared/`` beside the repository, and without it skip for one reason that says how
to get it. The server is a real one on 127.0.0.1, laid out as the raw file host is."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Tuple

import pytest
from aiohttp import web

from tests._live import LiveServer

from . import _oracle, fetch

ROOT = Path(__file__).resolve().parents[2]
PATH = f'/{fetch.COMMIT}/docs/openapi.yaml'


def _serve(live: LiveServer, body: bytes, status: int = 200) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, status=status, content_type='text/yaml')

    live.route('GET', PATH)(handler)


def _command(*args: str) -> Tuple[int, str, str]:
    """The documented command, run as a user runs it: from the checkout, with this Python."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    done = subprocess.run(
        [sys.executable, '-m', 'tests.spec.fetch', *args],
        cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def test_the_url_is_the_pinned_commits_raw_file() -> None:
    assert fetch.url() == (
        'https://raw.githubusercontent.com/ollama/ollama/e2c2edcc27637fbabe9ce6bb2d2d6db8e676f99e/docs/openapi.yaml'
    )
    assert fetch.url('http://127.0.0.1:1/mirror/') == f'http://127.0.0.1:1/mirror{PATH}'


def test_the_command_fetches_the_pinned_spec_and_checks_it(live: LiveServer, tmp_path: Path) -> None:
    spec = _oracle.spec_file().read_bytes()
    assert hashlib.sha256(spec).hexdigest() == fetch.SHA256, 'the spec beside the repository is the pinned one'
    _serve(live, spec)
    output = tmp_path / 'spec' / fetch.NAME
    code, out, err = _command('--base-url', live.url, '--output', str(output))
    assert (code, err) == (0, '')
    assert 'sha256 checked' in out
    assert output.read_bytes() == spec
    assert [r['path'] for r in live.requests] == [PATH]
    assert [p.name for p in output.parent.iterdir()] == [fetch.NAME], 'no partial file is left beside it'

    code, out, err = _command('--base-url', live.url, '--output', str(output))
    assert (code, err) == (0, '')
    assert 'already' in out
    assert len(live.requests) == 1, 'a file that is already the pinned one is not fetched again'


def test_a_file_with_another_hash_is_refused_and_nothing_is_written(live: LiveServer, tmp_path: Path) -> None:
    _serve(live, b'openapi: 3.1.0\ninfo: {title: not the pinned file}\n')
    output = tmp_path / fetch.NAME
    code, out, err = _command('--base-url', live.url, '--output', str(output))
    assert code == 1
    assert out == ''
    assert f'not the pinned {fetch.SHA256}; nothing written' in err
    assert list(tmp_path.iterdir()) == []

    output.write_bytes(b'an older download')  # not the pinned file either: fetched again, and kept on refusal
    code, _, err = _command('--base-url', live.url, '--output', str(output))
    assert code == 1
    assert output.read_bytes() == b'an older download'
    assert [p.name for p in tmp_path.iterdir()] == [fetch.NAME]


def test_an_error_reply_is_named_with_its_url(live: LiveServer, tmp_path: Path) -> None:
    _serve(live, b'404: Not Found', status=404)
    with pytest.raises(fetch.FetchError, match=f'^{re.escape(live.url + PATH)} answered 404 Not Found$'):
        fetch.fetch(live.url, tmp_path / fetch.NAME)
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_host_is_named(tmp_path: Path) -> None:
    with pytest.raises(fetch.FetchError, match=r'^could not fetch http://127\.0\.0\.1:1/'):
        fetch.fetch('http://127.0.0.1:1', tmp_path / fetch.NAME, timeout=10)


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No spec anywhere: no $OLLAMA_OPENAPI, no fetched file, no shared/ beside a repository in ``tmp_path``."""
    monkeypatch.delenv('OLLAMA_OPENAPI', raising=False)
    monkeypatch.setattr(fetch, 'DESTINATION', tmp_path / 'repo' / 'tests' / 'spec' / fetch.NAME)
    monkeypatch.setattr(_oracle, '_REPO', tmp_path / 'work' / 'repo')
    return tmp_path


def test_without_the_spec_the_one_reason_says_how_to_get_it(nowhere: Path) -> None:
    assert _oracle.locate() == (
        None,
        "Ollama's OpenAPI spec (ollama-openapi.yaml) not found: run `python -m tests.spec.fetch` in the project's "
        "top folder to fetch it, or set OLLAMA_OPENAPI to the file's path",
    )


def test_the_spec_tests_skip_without_it_and_fail_under_ci(nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, reason = _oracle.locate()
    monkeypatch.delenv('CI', raising=False)
    with pytest.raises(pytest.skip.Exception, match=r'python -m tests\.spec\.fetch'):
        _oracle.spec_file()
    monkeypatch.setenv('CI', 'true')
    with pytest.raises(pytest.fail.Exception) as failed:
        _oracle.spec_file()
    assert str(failed.value) == reason


def test_the_places_are_looked_at_in_order(nowhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = nowhere / 'shared' / fetch.NAME  # beside the worktree's folder, as for a git worktree
    shared.parent.mkdir()
    shared.write_text('shared', encoding='utf-8')
    assert _oracle.locate() == (shared, '')
    beside = nowhere / 'work' / 'shared' / fetch.NAME  # beside the repository: wins over the one further up
    beside.parent.mkdir(parents=True)
    beside.write_text('beside', encoding='utf-8')
    assert _oracle.locate() == (beside, '')

    fetch.DESTINATION.parent.mkdir(parents=True)
    fetch.DESTINATION.write_text('a damaged download', encoding='utf-8')
    path, reason = _oracle.locate()
    assert path is None
    assert reason.startswith(f'{fetch.DESTINATION} is not the pinned spec (its sha256 differs): run `python -m')
    monkeypatch.setattr(fetch, 'SHA256', hashlib.sha256(b'a damaged download').hexdigest())
    assert _oracle.locate() == (fetch.DESTINATION, ''), 'the fetched file wins over shared/'

    named = nowhere / 'mine.yaml'
    monkeypatch.setenv('OLLAMA_OPENAPI', str(named))
    path, reason = _oracle.locate()
    assert path is None
    assert reason.startswith(f'OLLAMA_OPENAPI is {str(named)!r}, which is not a file: run `python -m')
    named.write_text('mine', encoding='utf-8')
    assert _oracle.locate() == (named, ''), '$OLLAMA_OPENAPI wins over every other place'


def test_the_readme_names_the_command_and_where_it_writes() -> None:
    readme = (ROOT / 'README.md').read_text(encoding='utf-8')
    quickstart = readme.split('\n## Quickstart\n', 1)[1].split('\n## ', 1)[0]
    assert f'`.venv/bin/{fetch.COMMAND}`' in quickstart
    assert f'`{fetch.DESTINATION.relative_to(ROOT).as_posix()}`, ignored by git' in quickstart
    assert '`OLLAMA_OPENAPI=' in quickstart
    ignore = ROOT / '.gitignore'
    if not ignore.is_file():
        pytest.skip('no .gitignore here: not a git checkout (an unpacked sdist)')
    assert fetch.DESTINATION.relative_to(ROOT).as_posix() in ignore.read_text(encoding='utf-8').splitlines()
