"""README examples, run as a user's programs against the emulator on this Python.

The structured-output example uses ``list[str]`` and ``int | None`` under ``from __future__ import annotations``,
which must work from Python 3.8 on, as the README says. The Tools and Images sections' blocks run one after
another in one program, on the ``client`` and ``messages`` the README sets up before them.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import List

from ollama_lite.testing import emulator

ROOT = Path(__file__).resolve().parents[2]


def _python_block_after(heading: str) -> str:
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    section = text.split(f'\n{heading}\n', 1)[1]
    return section.split('```python\n', 1)[1].split('\n```', 1)[0]


def _python_blocks_of(heading: str) -> List[str]:
    """Every python block of the README section under ``heading`` (up to the next section of its level)."""
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    level = heading.split(' ', 1)[0]
    section = text.split(f'\n{heading}\n', 1)[1].split(f'\n{level} ', 1)[0]
    return [part.split('\n```', 1)[0] for part in section.split('```python\n')[1:]]


def _run(program: Path, cwd: Path) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    with emulator() as url:
        env = dict(os.environ, OLLAMA_HOST=url, PYTHONPATH=str(ROOT))
        env.pop('OLLAMA_API_KEY', None)
        return subprocess.run(
            [sys.executable, str(program)], capture_output=True, text=True, timeout=60, env=env, cwd=cwd, check=False
        )


def test_tools_and_images_examples_run(tmp_path: Path) -> None:
    setup = (
        'from typing import Literal\nimport ollama_lite as ollama\nfrom ollama_lite import Client\n'
        "client = Client()\nmessages = [{'role': 'user', 'content': 'Weather in Lisbon?'}]\n"
    )
    blocks = _python_blocks_of('## Tools') + _python_blocks_of('## Images')
    assert len(blocks) == 4
    # The images example reads photo.jpg: a one-pixel PNG stands in for it.
    (tmp_path / 'photo.jpg').write_bytes(
        base64.b64decode(
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='
        )
    )
    program = tmp_path / 'tools.py'
    program.write_text(setup + '\n'.join(blocks) + '\n', encoding='utf-8')
    done = _run(program, tmp_path)
    assert done.returncode == 0, done.stderr
    assert 'get_weather' in done.stdout


def test_structured_output_example_runs(tmp_path: Path) -> None:
    program = tmp_path / 'country.py'
    block = _python_block_after('## Structured outputs with dataclasses')
    program.write_text(block + '\nprint(repr(country))\n', encoding='utf-8')
    done = _run(program, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('Country(name=')


def test_many_inputs_examples_run(tmp_path: Path) -> None:
    blocks = _python_blocks_of('## Many inputs: `embed_many`, `chat_many`, `generate_many`')
    assert len(blocks) == 3
    program = tmp_path / 'many.py'
    program.write_text(blocks[0], encoding='utf-8')
    done = _run(program, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith('1000 ')
    # The worker recipes: multiprocessing always; Dask where the test extra installed it, in the same program.
    recipe = blocks[1]
    if importlib.util.find_spec('distributed') is not None:
        guard = "if __name__ == '__main__':\n"
        recipe += '\n' + guard + ''.join('    ' + line + '\n' for line in blocks[2].splitlines())
        recipe += '    print(len(vectors))\n'
    program = tmp_path / 'workers.py'
    program.write_text(recipe, encoding='utf-8')
    done = _run(program, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == (['400', '400'] if 'dask' in recipe else ['400'])


def test_several_servers_example_runs(tmp_path: Path) -> None:
    # The example's three hosts stand for three emulators; the block runs as written otherwise.
    from ollama_lite.testing import Emulator

    (block,) = _python_blocks_of('## Several servers')
    named = ['http://127.0.0.1:11434', 'http://127.0.0.1:11435', 'http://127.0.0.1:11436']
    emulators = [Emulator(['llama3.2']) for _ in named]
    with emulators[0].running() as a, emulators[1].running() as b, emulators[2].running() as c:
        for name, url in zip(named, (a, b, c)):
            assert name in block
            block = block.replace(name, url)
        program = tmp_path / 'several.py'
        program.write_text(block, encoding='utf-8')
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        done = subprocess.run(
            [sys.executable, str(program)], capture_output=True, text=True, timeout=60, env=env, check=False
        )
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].split(' ', 1)[0] in (a, b, c)
        assert [line.split()[0] for line in lines[1:4]] == [a, b, c] and all(' up ' in line for line in lines[1:4])
        assert [line for line in lines if line.endswith(' success')] == [f'{u} success' for u in (a, b, c)]
        assert any(r.path == '/api/pull' for r in emulators[1].requests)


def test_sync_session_example_runs(tmp_path: Path) -> None:
    program = tmp_path / 'session.py'
    program.write_text(_python_block_after('## A requests session of yours'), encoding='utf-8')
    done = _run(program, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('[')
