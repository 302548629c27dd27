"""``ollama-lite embed MODEL -f FILE``: one text a line in, one JSON line per text out, with a progress bar.

The file is read twice: once to count its lines (for the bar's total), then as the batches go, so a file of
any size is never held whole. ``-f -`` reads standard input, once, with a count but no total. The bar is drawn
on standard error, like the pull bar, when that is a terminal the JSON lines do not also go to.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from typing import IO, Iterator, Optional, TextIO

from .._batch import DEFAULT_BATCH_SIZE, BatchItemError
from .._sync import Client
from ._progress import Bar, Status, _terminal_size

__all__ = ['embed_file', 'embed_file_arguments']

_REDRAW_EVERY = 0.1


def embed_file_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('-f', '--file', help='embed each line of FILE (- for standard input); JSON lines out')
    parser.add_argument('-o', '--output', help='write the JSON lines to OUTPUT instead of standard output')
    parser.add_argument('--batch-size', type=int, default=DEFAULT_BATCH_SIZE, help='texts per request')
    parser.add_argument('--concurrency', type=int, help='requests at once (default: 2 per server)')
    parser.add_argument(
        '--keep-going', action='store_true', help='write an error line for a text that fails, and go on'
    )


def _lines(source: IO[str]) -> Iterator[str]:
    for line in source:
        yield line[:-1] if line.endswith('\n') else line


def _count(path: str) -> int:
    with open(path, encoding='utf-8') as source:
        return sum(1 for _ in source)


class _Meter:
    """The bar (a known total) or a running count, redrawn in place on ``err`` at most ten times a second."""

    def __init__(self, err: TextIO, total: Optional[int]) -> None:
        self._err = err
        self._total = total
        self._last = -1e18
        self._bar = None if total is None else Bar('embedding', total, 0, time.monotonic, amount=lambda n: str(int(n)))

    def __call__(self, done: int, total: Optional[int], final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self._last < _REDRAW_EVERY:
            return
        self._last = now
        width, _ = _terminal_size(self._err)
        if self._bar is not None:
            self._bar.set(done)
            line = self._bar.render(width)
        else:
            line = Status(f'embedded {done}', time.monotonic).render(width)
        self._err.write(f'\x1b[1G{line}\x1b[K' + ('\n' if final else ''))
        self._err.flush()


def embed_file(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    """Embed every line of ``args.file``; write ``{"index": i, "embedding": [...]}`` per line, in order
    (with ``--keep-going``, ``{"index": i, "error": "..."}`` for a line that failed)."""
    stdin = args.file == '-'
    total = None if stdin else _count(args.file)
    with contextlib.ExitStack() as stack:
        source = sys.stdin if stdin else stack.enter_context(open(args.file, encoding='utf-8'))
        sink: TextIO = out if args.output is None else stack.enter_context(open(args.output, 'w', encoding='utf-8'))
        err = sys.stderr
        shown = err.isatty() and not (sink.isatty() and sink is out)
        meter = _Meter(err, total) if shown else None
        done = 0
        try:
            results = client.iter_embed_many(
                args.model, _lines(source), batch_size=args.batch_size, concurrency=args.concurrency,
                progress=meter, on_error='return' if args.keep_going else 'raise', dimensions=args.dimensions,
            )  # fmt: skip
            for index, result in enumerate(results):
                if isinstance(result, BaseException):
                    record = {'index': index, 'error': str(result)}
                else:
                    record = {'index': index, 'embedding': result}
                sink.write(json.dumps(record, separators=(',', ':')) + '\n')
                done = index + 1
        except BatchItemError as error:
            raise ValueError(f'line {error.index + 1}: {error.error}') from None
        finally:
            if meter is not None:
                meter(done, total, final=True)
