"""The suite's own leak checks, proved on tests that leak: a socket or a file left open and a thread left running
each fail the test that did it, under setup.cfg's settings, which every run of the suite reads (the README's test
command, tox, CI, an unpacked sdist)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

pytest_plugins = ['pytester']

ROOT = Path(__file__).resolve().parents[2]


def test_this_run_reads_the_filters() -> None:
    # Whichever way this suite was started (the README's line, tox, an unpacked sdist), setup.cfg's filters hold.
    with pytest.raises(ResourceWarning, match='unclosed'):
        warnings.warn('unclosed thing', ResourceWarning, stacklevel=1)


def test_leaks_fail_the_test_that_leaked(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('PYTHONPATH', str(ROOT))
    pytester.makefile('.cfg', setup=(ROOT / 'setup.cfg').read_text(encoding='utf-8'))
    pytester.makeconftest(
        """
        import tests.conftest
        from tests.conftest import _no_thread_left  # noqa: F401

        tests.conftest._THREAD_GRACE = 0.5  # the real grace, shortened for the forgotten thread below
        """
    )
    pytester.makepyfile(
        test_leaks="""
        import socket
        import threading
        import time
        import warnings

        def test_clean(tmp_path):
            with socket.socket(), open(tmp_path / 'f', 'w'):
                pass
            threading.Thread(target=time.sleep, args=(0.05,)).start()  # ends within the grace

        def test_leaked_socket():
            socket.socket()

        def test_leaked_file(tmp_path):
            open(tmp_path / 'f', 'w')

        def test_resource_warning():
            warnings.warn('unclosed thing', ResourceWarning, stacklevel=1)

        def test_leaked_thread():
            threading.Thread(target=time.sleep, args=(30,), name='forgotten', daemon=True).start()
        """
    )
    result = pytester.runpytest_subprocess('test_leaks.py', '-p', 'no:cacheprovider', f'--rootdir={pytester.path}')
    out = result.stdout.str()
    reported = set(re.findall(r'^(?:FAILED|ERROR) test_leaks\.py::(\w+)', out, re.MULTILINE))
    assert reported == {'test_leaked_socket', 'test_leaked_file', 'test_resource_warning', 'test_leaked_thread'}, out
    assert "the test left threads running: ['forgotten']" in out
