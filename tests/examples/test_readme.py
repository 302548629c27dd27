"""The README's structured-output example, run as a user's program against the emulator on this Python.

It uses ``list[str]`` and ``int | None`` under ``from __future__ import annotations``, which must work from
Python 3.8 on, as the README says.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ollama_lite.testing import emulator

ROOT = Path(__file__).resolve().parents[2]


def _python_block_after(heading: str) -> str:
    text = (ROOT / 'README.md').read_text(encoding='utf-8')
    section = text.split(f'\n{heading}\n', 1)[1]
    return section.split('```python\n', 1)[1].split('\n```', 1)[0]


def test_structured_output_example_runs(tmp_path: Path) -> None:
    program = tmp_path / 'country.py'
    block = _python_block_after('## Structured outputs with dataclasses')
    program.write_text(block + '\nprint(repr(country))\n', encoding='utf-8')
    with emulator() as url:
        env = dict(os.environ, OLLAMA_HOST=url, PYTHONPATH=str(ROOT))
        env.pop('OLLAMA_API_KEY', None)
        done = subprocess.run(
            [sys.executable, str(program)], capture_output=True, text=True, timeout=60, env=env, check=False
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('Country(name=')
