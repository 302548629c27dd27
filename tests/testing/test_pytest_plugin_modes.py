"""The plugin's ``async_ollama_emulator`` in a user's test without ``@pytest.mark.asyncio``: it runs in
pytest-asyncio's strict mode (its default) as in auto mode. A real pytest run in a fresh directory, no
configuration of ours."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = textwrap.dedent(
    """
    import aiohttp
    import pytest

    from ollama_lite.testing import Reply

    async def test_unmarked(async_ollama_emulator):
        async with aiohttp.ClientSession() as session:
            async with session.get(async_ollama_emulator + '/api/tags') as response:
                assert len((await response.json())['models']) == 4

    @pytest.mark.ollama_emulator(models=['mistral'])
    @pytest.mark.parametrize('text', ['one', 'two'])
    async def test_unmarked_parametrized(async_ollama_emulator, text):
        async_ollama_emulator.emulator.reply(Reply.text(text))
        body = {'model': 'mistral', 'prompt': 'x', 'stream': False}
        async with aiohttp.ClientSession() as session:
            async with session.post(async_ollama_emulator + '/api/generate', json=body) as response:
                assert (await response.json())['response'] == text

    @pytest.mark.asyncio
    async def test_marked(async_ollama_emulator):
        assert async_ollama_emulator.startswith('http://127.0.0.1:')

    class TestInAClass:
        async def test_method(self, async_ollama_emulator):
            assert async_ollama_emulator.emulator.requests == []
    """
)


@pytest.mark.parametrize('mode', ['strict', 'auto'])
def test_async_fixture_needs_no_marker(tmp_path: Path, mode: str) -> None:
    pytest.importorskip('pytest_asyncio', reason='the async fixture needs pytest-asyncio')
    (tmp_path / 'test_user.py').write_text(USER_TESTS)
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')])}
    result = subprocess.run(
        [
            sys.executable, '-m', 'pytest', '-q', '-p', 'ollama_lite.testing.pytest_plugin', '-p', 'no:cacheprovider',
            '-o', f'asyncio_mode={mode}', '-rs',
        ],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert '5 passed' in result.stdout, result.stdout
    assert 'skipped' not in result.stdout and 'warning' not in result.stdout.lower(), result.stdout
