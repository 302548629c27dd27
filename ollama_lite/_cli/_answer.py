"""Printing a model's answer as it streams: thinking first (dimmed, between ``Thinking...`` and
``...done thinking.``), then the content; Ctrl-C stops the answer by closing the connection."""

from __future__ import annotations

import json
import os
import sys
import threading
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List, Optional, TextIO, Tuple

GREY, BOLD, RESET = '\x1b[38;5;245m', '\x1b[1m', '\x1b[0m'

# thinking, content and tool calls of one chunk, whatever the endpoint.
Parts = Tuple[str, str, List[Any]]


@dataclass
class Answer:
    """What the model said, whether Ctrl-C cut it short, and its last chunk (for the timings)."""

    content: str = ''
    thinking: str = ''
    interrupted: bool = False
    last: Any = None
    tool_calls: List[Any] = field(default_factory=list)


def _columns(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ('W', 'F') else 1


def terminal_columns(out: TextIO) -> int:
    """The width of ``out``'s terminal (80 when it has none)."""
    try:
        return os.get_terminal_size(out.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return 80


class WordWrap:
    """Breaks streamed text between words before the right edge, as ``ollama run`` does.

    Text comes a few characters at a time, so a word is only known to be too long once it has been printed:
    the cursor then goes back over it, clears it, and writes it again on the next line.
    """

    _MARGIN = 5

    def __init__(self, width: Callable[[], int]) -> None:
        self._width = width
        self._column = 0
        self._word = ''

    def feed(self, text: str) -> str:
        """The characters to write for ``text``, line breaks and cursor moves included."""
        limit = self._width() - self._MARGIN
        shown: List[str] = []
        for ch in text:
            if ch == '\n':
                shown.append(ch)
                self._column, self._word = 0, ''
                continue
            size = _columns(ch)
            if self._column + size > limit:
                if ch in ' \t':
                    shown.append('\n')  # the break takes the space's place
                    self._column, self._word = 0, ''
                    continue
                word = sum(_columns(c) for c in self._word)
                if self._word and word < limit - self._MARGIN:
                    shown.append(f'\x1b[{word}D\x1b[K\n{self._word}{ch}')
                    self._column, self._word = word + size, self._word + ch
                else:  # a word longer than a line is cut
                    shown.append('\n' + ch)
                    self._column, self._word = size, ch
                continue
            shown.append(ch)
            self._column += size
            self._word = '' if ch in ' \t' else self._word + ch
        return ''.join(shown)


class Spinner:
    """ollama's spinner while nothing has come yet (the model loads, reads the prompt): drawn by a thread at the
    start of the line every tenth of a second, wiped before the first character of the answer is written."""

    _FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏'

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._stopped = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Start spinning (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._spin, name='ollama-lite-spinner', daemon=True)
            self._thread.start()

    def _spin(self) -> None:
        frame = 0
        while not self._stopped.wait(0.1):
            self._out.write(f'\x1b[1G{self._FRAMES[frame % len(self._FRAMES)]} ')
            self._out.flush()
            frame += 1

    def stop(self) -> None:
        """Stop spinning and wipe the line; the caller writes next (the thread has ended)."""
        if self._thread is not None and not self._stopped.is_set():
            self._stopped.set()
            self._thread.join()
            self._out.write('\x1b[2K\x1b[1G')
            self._out.flush()


class AnswerPrinter:
    """Writes thinking and content to ``out`` as they arrive; ``color`` dims the thinking (off for pipes) and
    ``wrap`` breaks lines between words at the terminal's width."""

    def __init__(self, out: TextIO, *, color: bool, hide_thinking: bool, wrap: bool = False) -> None:
        self._out = out
        self._color = color
        self._hide_thinking = hide_thinking
        self._wrap: Optional[WordWrap] = WordWrap(lambda: terminal_columns(out)) if wrap else None
        self._spinner: Optional[Spinner] = None

    def wait(self) -> None:
        """Show a spinner until the answer starts (only on a terminal); call before sending the request."""
        if self._color and self._spinner is None:
            self._spinner = Spinner(self._out)
            self._spinner.start()
        self._thinking_open = False
        self._thought = ''
        self._dimmed = False

    def feed(self, thinking: str, content: str, tool_calls: List[Any]) -> None:
        """Show one chunk's parts."""
        if thinking and not self._hide_thinking:
            if not self._thinking_open:
                self._write(self._styled('Thinking...\n', opening=True))
                self._thinking_open = True
            self._thought += thinking
            self._write_text(thinking)
        if self._thinking_open and (content or tool_calls):
            self._close_thinking()
        if tool_calls:
            self._write(self._tool_calls(tool_calls))
        if content:
            self._write_text(content)

    def _write_text(self, text: str) -> None:
        self._write(self._wrap.feed(text) if self._wrap is not None else text)

    def _close_thinking(self) -> None:
        if not self._thought.endswith('\n'):
            self._write('\n')
        self._write(self._styled('...done thinking.\n\n', opening=False))
        self._thinking_open = False
        if self._wrap is not None:
            self._wrap.feed('\n')

    def end(self) -> None:
        """Close a thinking block left open (an answer cut short, or thinking without content)."""
        self._stop_spinner()
        if self._thinking_open:
            self._close_thinking()
        if self._dimmed:
            self._write(RESET)
            self._dimmed = False

    def _styled(self, text: str, *, opening: bool) -> str:
        if not self._color:
            return text
        self._dimmed = True
        # The grey stays on after the opening line, so the thinking itself is dimmed.
        return GREY + BOLD + text + RESET + (GREY if opening else '')

    def _tool_calls(self, calls: List[Any]) -> str:
        lines = []
        for call in calls:
            function = call.function
            arguments = json.dumps(function.arguments or {}, separators=(',', ':'))
            lines.append(f"  Model called a non-existent function '{function.name}()' with arguments: {arguments}")
        text = '\n'.join(lines) + '\n'
        return GREY + BOLD + text + RESET if self._color else text

    def _stop_spinner(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()

    def _write(self, text: str) -> None:
        self._stop_spinner()
        self._out.write(text)
        self._out.flush()


def stream_answer(
    stream: Any,
    parts: Callable[[Any], Parts],
    printer: Optional[AnswerPrinter],
    on_chunk: Optional[Callable[[Any], None]] = None,
) -> Answer:
    """Read ``stream`` to its end, showing each chunk with ``printer`` (or handing it to ``on_chunk``).

    Ctrl-C ends the answer early: leaving the ``with`` block closes the connection, which is how Ollama is told
    to stop generating; the answer so far is returned with ``interrupted`` set.
    """
    answer = Answer()
    content: List[str] = []
    thinking: List[str] = []
    try:
        with stream:
            chunks: Iterator[Any] = iter(stream)
            for chunk in chunks:
                answer.last = chunk
                think, text, calls = parts(chunk)
                content.append(text)
                thinking.append(think)
                answer.tool_calls.extend(calls)
                if on_chunk is not None:
                    on_chunk(chunk)
                elif printer is not None:
                    printer.feed(think, text, calls)
    except KeyboardInterrupt:
        answer.interrupted = True
    finally:
        if printer is not None:
            printer.end()
    answer.content, answer.thinking = ''.join(content), ''.join(thinking)
    return answer


def chat_parts(chunk: Any) -> Parts:
    """Thinking, content and tool calls of a chat chunk."""
    message = chunk.message
    return message.thinking or '', message.content or '', list(message.tool_calls or [])


def generate_parts(chunk: Any) -> Parts:
    """Thinking, content and tool calls of a generate chunk."""
    return chunk.thinking or '', chunk.response or '', list(chunk.tool_calls or [])


def _go_duration(ns: int) -> str:
    """A duration in nanoseconds as Go prints one: ``1.5s``, ``250.5ms``, ``2m3.25s``, ``800ns``."""
    if ns < 1000:
        return f'{ns}ns'
    if ns < 1_000_000:
        return f'{ns / 1000:g}µs'
    if ns < 1_000_000_000:
        return f'{ns / 1_000_000:g}ms'
    seconds = ns / 1e9
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f'{seconds:.9f}'.rstrip('0').rstrip('.') + 's'
    if hours:
        return f'{int(hours)}h{int(minutes)}m{text}'
    return f'{int(minutes)}m{text}' if minutes else text


def write_stats(last: Any, err: TextIO) -> None:
    """The timings of ``--verbose`` (and ``/set verbose``), from the final chunk, as ollama prints them."""
    if last is None:
        return
    rows: List[str] = []
    total, load = last.get('total_duration') or 0, last.get('load_duration') or 0
    prompt_count, prompt_ns = last.get('prompt_eval_count') or 0, last.get('prompt_eval_duration') or 0
    count, eval_ns = last.get('eval_count') or 0, last.get('eval_duration') or 0
    if total:
        rows.append(f'total duration:       {_go_duration(total)}')
    if load:
        rows.append(f'load duration:        {_go_duration(load)}')
    if prompt_count:
        rows.append(f'prompt eval count:    {prompt_count} token(s)')
    if prompt_ns:
        rows.append(f'prompt eval duration: {_go_duration(prompt_ns)}')
        rows.append(f'prompt eval rate:     {prompt_count / (prompt_ns / 1e9):.2f} tokens/s')
    if count:
        rows.append(f'eval count:           {count} token(s)')
    if eval_ns:
        rows.append(f'eval duration:        {_go_duration(eval_ns)}')
        rows.append(f'eval rate:            {count / (eval_ns / 1e9):.2f} tokens/s')
    err.write(''.join(row + '\n' for row in rows))


def show_answer(
    request: Callable[[], Any],
    parts: Callable[[Any], Parts],
    out: TextIO,
    *,
    on_chunk: Optional[Callable[[Any], None]] = None,
    hide_thinking: bool = False,
    wrap: bool = True,
    verbose: bool = False,
) -> Answer:
    """Send ``request`` (a spinner turns meanwhile on a terminal), print the answer as it streams (or hand each
    chunk to ``on_chunk``) and end it with a newline; ``verbose`` adds the timings on stderr. Ctrl-C stops the
    answer and is raised again once the connection is closed, so the command ends as interrupted."""
    tty = out.isatty()
    printer = None if on_chunk else AnswerPrinter(out, color=tty, hide_thinking=hide_thinking, wrap=wrap and tty)
    if printer is not None:
        printer.wait()
    try:
        stream = request()
    except BaseException:
        if printer is not None:
            printer.end()
        raise
    answer = stream_answer(stream, parts, printer, on_chunk)
    if on_chunk is None:
        out.write('\n')
        out.flush()
    if verbose:
        write_stats(answer.last, sys.stderr)
    if answer.interrupted:
        raise KeyboardInterrupt
    return answer
