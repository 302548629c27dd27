"""Reading the lines of a conversation: readline (line editing, history kept in a file) on a terminal, plain
lines from a pipe, and plain ``input()`` where Python has no readline module."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Optional

_HISTORY_LINES = 1000


def _readline() -> Optional[ModuleType]:
    try:
        import readline
    except ImportError:  # Python built without it (some Windows and minimal builds): no editing, no history
        return None
    return readline


def history_path() -> Path:
    """Where the history is kept: ``$XDG_STATE_HOME/ollama-lite/history``, else ``~/.local/state/...``."""
    state = os.environ.get('XDG_STATE_HOME') or os.path.join(os.path.expanduser('~'), '.local', 'state')
    return Path(state) / 'ollama-lite' / 'history'


class LineReader:
    """Reads one line at a time; raises ``EOFError`` at the end (Ctrl-D) and ``KeyboardInterrupt`` on Ctrl-C.

    ``interactive`` shows the prompt and uses readline when Python has it; ``history`` turns keeping the lines
    (in memory and in :func:`history_path`) on and off, as ``/set history`` and ``/set nohistory`` do.
    """

    def __init__(self, interactive: bool, *, history: bool = True) -> None:
        self.interactive = interactive
        self.history = history and not os.environ.get('OLLAMA_NOHISTORY')
        self._readline = _readline() if interactive else None
        self._path: Optional[Path] = None
        if self._readline is not None:
            self._open_history()

    def _open_history(self) -> None:
        assert self._readline is not None
        path = history_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                self._readline.read_history_file(str(path))
            self._readline.set_history_length(_HISTORY_LINES)
            self._path = path
        except OSError as error:  # an unwritable home must not stop a conversation
            sys.stderr.write(f'warning: no history ({error})\n')

    @property
    def has_readline(self) -> bool:
        """Whether lines are edited with readline."""
        return self._readline is not None

    def pending_text(self) -> str:
        """What was typed on the line so far (readline only); empty elsewhere."""
        return self._readline.get_line_buffer() if self._readline is not None else ''

    def read(self, prompt: str) -> str:
        """Return the next line, without its newline."""
        if not self.interactive:
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            return line.rstrip('\n')
        line = input(prompt)
        if self._readline is not None and line:
            self._remember(line)
        return line

    def _remember(self, line: str) -> None:
        assert self._readline is not None
        length = self._readline.get_current_history_length()
        if not self.history:
            # input() added the line already; a session with history off keeps none.
            if length:
                self._readline.remove_history_item(length - 1)
            return
        if self._path is not None:
            try:
                self._readline.write_history_file(str(self._path))
            except OSError:
                self._path = None
