"""What a type checker sees: mypy --strict over the package and check_*.py (assert_type on the public API)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_strict_on_package_and_typing_checks() -> None:
    pytest.importorskip('mypy', reason='mypy is in the test extra; install ollama-lite[test]')
    checks = sorted(str(p) for p in Path(__file__).parent.glob('check_*.py'))
    done = subprocess.run(
        [sys.executable, '-m', 'mypy', '--strict', '--no-error-summary', 'ollama_lite', *checks],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
