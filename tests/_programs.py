"""Programs the tests run on 127.0.0.1 (nginx, Chromium, the example app): a port to give them, a bounded wait
until they listen, and stopping them so that none outlives the tests."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 10.0) -> None:
    """Wait until something accepts connections on ``port``; fail naming ``what`` if ``process`` exits first
    (with its stderr, when piped) or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
            return
        except OSError:
            pass
        if process.poll() is not None:
            stderr = process.communicate(timeout=5)[1] if process.stderr is not None else b''
            raise AssertionError(f'{what} exited with {process.returncode}: {stderr.decode(errors="replace")}')
        if time.monotonic() > deadline:
            raise AssertionError(f'{what} did not listen on port {port} within {timeout} s')
        time.sleep(0.02)


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM (nginx's fast shutdown), a bounded wait, then SIGKILL; the pipes are closed."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()
