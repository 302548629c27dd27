"""The real ``ollama-lite`` console script in a real pseudo-terminal, read with bounded waits.

Only the standard library: ``pty.openpty`` gives the terminal, ``subprocess`` starts the program as the leader
of a new session whose controlling terminal is that pty (so Ctrl-C written to it becomes SIGINT, as in a shell),
and ``select`` bounds every read.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Callable, Dict, List, Pattern, Union

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0
# Make the pty the controlling terminal of the new session, then become the program. SIGINT goes back to its
# default first, as a shell in a terminal has it: a test runner started with it ignored (a background job, nohup)
# would hand that on through exec, and a Python started so never turns Ctrl-C into KeyboardInterrupt.
_SPAWN = (
    'import fcntl, os, signal, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); '
    'signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])'
)
_ANSI = re.compile(r'\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]')

UP, LEFT, CTRL_C, CTRL_D = '\x1b[A', '\x1b[D', '\x03', '\x04'


def plain(text: str) -> str:
    """``text`` without terminal escape sequences."""
    return _ANSI.sub('', text)


_CONTROL = re.compile(r'\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][0-9A-B]|\x1b[=>]|[\r\n\x08]|[^\x1b\r\n\x08]+')


def screen(text: str) -> List[str]:
    """The lines a terminal shows after ``text``: enough of a terminal for these tests (cursor up, left, right,
    to column one, clear to the end of the line, carriage return, backspace); lines are never wider than needed.
    """
    lines: List[List[str]] = [[]]
    row = column = 0
    for match in _CONTROL.finditer(text):
        token, arguments, command = match.group(0), match.group(1), match.group(2)
        count = int(arguments) if arguments and arguments.isdigit() else 1
        if command == 'A':
            row = max(row - count, 0)
        elif command == 'D':
            column = max(column - count, 0)
        elif command == 'C':
            column += count
        elif command == 'G':
            column = count - 1
        elif command == 'K':
            del lines[row][column:]
        elif command is not None or token.startswith('\x1b'):
            continue  # colours, cursor visibility, modes
        elif token == '\r':
            column = 0
        elif token == '\x08':
            column = max(column - 1, 0)
        elif token == '\n':
            row, column = row + 1, 0
            while len(lines) <= row:
                lines.append([])
        else:
            line = lines[row]
            line.extend(' ' * (column + len(token) - len(line)))
            line[column : column + len(token)] = token
            column += len(token)
    return [''.join(line).rstrip() for line in lines]


def console_script() -> List[str]:
    """The installed ``ollama-lite`` next to this Python, or ``python -m ollama_lite`` where there is none."""
    script = Path(sys.executable).parent / 'ollama-lite'
    return [str(script)] if script.exists() else [sys.executable, '-m', 'ollama_lite']


def cli_env(home: Path) -> Dict[str, str]:
    """An environment of our own: a fresh home and state directory, no inputrc, no OLLAMA_HOST."""
    env = dict(os.environ)
    env.pop('OLLAMA_HOST', None)
    env.update(
        HOME=str(home), XDG_STATE_HOME=str(home / 'state'), INPUTRC='/dev/null', TERM='xterm-256color',
        PYTHONPATH=str(ROOT) + os.pathsep + env.get('PYTHONPATH', ''), LC_ALL='C.UTF-8', PYTHONIOENCODING='utf-8',
    )  # fmt: skip
    return env


def _winsize(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, columns, 0, 0))


class Terminal:
    """``ollama-lite ARGV...`` in a pty of ``columns`` x ``rows``; everything it printed is in :attr:`output`."""

    def __init__(self, argv: List[str], env: Dict[str, str], *, columns: int = 100, rows: int = 40) -> None:
        master, slave = pty.openpty()
        _winsize(slave, columns, rows)
        self._process = subprocess.Popen(
            [sys.executable, '-c', _SPAWN, *console_script(), *argv],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=str(ROOT), start_new_session=True, close_fds=True,
        )  # fmt: skip
        os.close(slave)
        self._master = master
        self._raw = b''
        self._seen = 0

    @property
    def output(self) -> str:
        """Everything read so far, decoded."""
        return self._raw.decode('utf-8', 'replace')

    def _read(self, timeout: float) -> str:
        """Read what is there within ``timeout``: ``'data'``, ``'quiet'`` (nothing came) or ``'closed'``."""
        ready, _, _ = select.select([self._master], [], [], max(timeout, 0))
        if not ready:
            return 'quiet'
        try:
            data = os.read(self._master, 65536)
        except OSError:  # EIO: the program closed the terminal
            return 'closed'
        if not data:
            return 'closed'
        self._raw += data
        return 'data'

    def expect(self, pattern: Union[str, Pattern[str]], timeout: float = WAIT) -> str:
        """Wait until ``pattern`` appears after what earlier calls consumed; return the text up to its end."""
        regex = re.compile(re.escape(pattern)) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            text = self.output
            found = regex.search(text, self._seen)
            if found:
                chunk = text[self._seen : found.end()]
                self._seen = found.end()
                return chunk
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._read(remaining) == 'closed':
                raise AssertionError(f'{regex.pattern!r} not seen; the terminal shows:\n{self.output[-3000:]!r}')

    def send(self, text: str) -> None:
        """Type ``text`` (escape sequences and control characters as they are).

        Wait for the prompt first: what is typed before readline takes the terminal is read by the terminal's
        line discipline instead (echoed as is, Ctrl-D lost), which is not what a person at a prompt sees.
        """
        os.write(self._master, text.encode())

    def ready(self) -> None:
        """Wait until readline reads keys: type a letter, see it echoed, and rub it out again.

        Seeing the prompt is not enough for Ctrl-C: Python checks for SIGINT only while readline waits for a
        key, so a Ctrl-C that lands between the prompt being drawn and that wait is noticed at the next key.
        """
        self.send('x')
        self.expect('x')
        self.send('\x7f')
        self.expect(re.compile(r'\x08(\x1b\[K| \x08)'))
        self.settle()

    def settle(self) -> None:
        """Give readline a moment to go back to waiting after echoing a key (a pause, not a check)."""
        time.sleep(0.2)

    @property
    def position(self) -> int:
        """Where in :attr:`output` the last :meth:`expect` stopped."""
        return self._seen

    def skip_read(self) -> None:
        """Make the next :meth:`expect` look only at what is read from now on."""
        self._seen = len(self.output)

    def resize(self, columns: int, rows: int = 40) -> None:
        """Change the window size, as a terminal emulator does (the program gets SIGWINCH)."""
        _winsize(self._master, columns, rows)

    def wait(self, timeout: float = WAIT) -> int:
        """Read until the program exits; return its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self._read(0.05)
            if state == 'closed' or (state == 'quiet' and self._process.poll() is not None):
                break
        return self._process.wait(timeout=max(deadline - time.monotonic(), 1))

    def close(self) -> None:
        """Stop the program if it still runs and release the terminal."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=WAIT)
        os.close(self._master)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> None:
    """Wait, bounded, until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError('condition not met in time')
        time.sleep(0.02)
