"""What the verbs print beyond their own tables: JSON lines, progress, and how a missing model is told."""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from .._errors import ResponseError
from .._model import Model
from ._progress import ProgressPrinter


def print_json(value: Any, out: TextIO) -> None:
    """One JSON object on a line, flushed at once so a reader of a pipe gets each as it comes."""
    out.write(json.dumps(value.to_dict() if isinstance(value, Model) else value, default=str) + '\n')
    out.flush()


def progress(stream: Any, args: argparse.Namespace, out: TextIO, verb: str) -> None:
    """Show a pull, push or create stream: JSON lines, or progress bars (plain lines off a terminal)."""
    with stream:  # also on Ctrl-C or a closed pipe: the connection closes and the server stops
        if args.json:
            for line in stream:
                print_json(line, out)
            return
        printer = ProgressPrinter(out, out.isatty(), verb=verb)
        try:
            for line in stream:
                printer.update(line)
        finally:
            printer.finish()


def not_found(error: ResponseError) -> bool:
    """Whether the server said the model does not exist."""
    return error.status_code == 404 or 'not found' in error.error
