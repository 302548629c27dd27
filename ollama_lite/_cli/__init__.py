"""The ``ollama-lite`` command line (also ``python -m ollama_lite``): the ``ollama`` CLI's client-side verbs.

Every command talks to ``--host`` (default ``OLLAMA_HOST``) through the sync ``Client``, or to several servers
with ``--hosts a,b,...`` (default ``OLLAMA_HOSTS``; ``--host`` wins, ``OLLAMA_HOST`` stays one host, as the
official tools read it); ``ls`` and ``ps`` then show each model's host. Options go anywhere on
the line. Failures print ``Error: <message>`` on stderr, with no traceback, and exit 1; a usage error exits 2,
Ctrl-C 130, and a closed pipe (``ollama-lite --json pull m | head -1``) ends quietly with 141, as a program
killed by SIGPIPE does. ``--json`` prints replies as JSON (one object per line for streams) for scripts.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence, TextIO, Tuple

from .._errors import ConnectError, ProtocolError, RequestTimeout, ResponseError
from ._commands import Verb, verbs
from ._progress import ProgressPrinter

__all__ = ['ProgressPrinter', 'main']

_EXIT_FAILURE = 1
_EXIT_INTERRUPTED = 130
_EXIT_BROKEN_PIPE = 128 + 13
_THINK_VALUES = ('true', 'false', 'low', 'medium', 'high', 'max')
_HOST_HELP = 'Ollama host (default: $OLLAMA_HOST or 127.0.0.1:11434)'
_HOSTS_HELP = 'several Ollama hosts, comma-separated, one client over all (default: $OLLAMA_HOSTS)'
_VERSION_FLAGS = ('-v', '--version')


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--host', default=None, help=_HOST_HELP)
    common.add_argument('--hosts', default=None, help=_HOSTS_HELP)
    common.add_argument('--json', action='store_true', help='print replies as JSON, one object per line')
    return common


def _overview() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='ollama-lite',
        description='Talk to an Ollama server, as the ollama command line does.',
        epilog='Options go before or after the command. Run "ollama-lite COMMAND --help" for its options.',
    )
    parser.add_argument('--host', help=_HOST_HELP)
    parser.add_argument('--hosts', help=_HOSTS_HELP)
    parser.add_argument('--json', action='store_true', help='print replies as JSON, one object per line')
    parser.add_argument(
        '-v', '--version', action='store_true', help="show ollama-lite's version, and the server's when reachable"
    )
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    for verb in verbs():
        sub.add_parser(verb.name, aliases=list(verb.aliases), help=verb.help)
    return parser


def _verb_parser(verb: Verb) -> argparse.ArgumentParser:
    parents = [] if verb.name == 'serve-emulator' else [_common()]
    parser = argparse.ArgumentParser(prog=f'ollama-lite {verb.name}', description=verb.help, parents=parents)
    verb.arguments(parser)
    return parser


def _split(argv: Sequence[str]) -> Tuple[List[str], Optional[str], List[str]]:
    """Find the command: the first word that is neither an option nor the value of ``--host``/``--hosts``."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in ('--host', '--hosts'):
            index += 2
        elif token.startswith('-'):
            index += 1
        else:
            return list(argv[:index]), token, list(argv[index + 1 :])
    return list(argv), None, []


def _bare_think(argv: List[str]) -> List[str]:
    """``--think`` alone means ``--think=true`` (as in ollama), so the word after it stays a prompt."""
    fixed: List[str] = []
    for index, token in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else None
        if token == '--think' and (following is None or following.lower() not in _THINK_VALUES):
            fixed.append('--think=true')
        else:
            fixed.append(token)
    return fixed


def _parse(argv: Sequence[str]) -> Tuple[Verb, argparse.Namespace]:
    before, word, after = _split(argv)
    overview = _overview()
    version = [token for token in before if token in _VERSION_FLAGS]
    if version:
        # As ``ollama -v``: the version, whatever else is on the line (--host and --json still apply).
        word, before, after = 'version', [t for t in before if t not in _VERSION_FLAGS], []
    elif word is None:
        overview.parse_args(before)  # --help exits here, a bad option with a usage error
        overview.print_help(sys.stdout)  # no command: the help, as `ollama` with nothing else on the line
        raise SystemExit(0)
    verb = next((v for v in verbs() if word == v.name or word in v.aliases), None)
    if verb is None:
        overview.error(f"unknown command '{word}' (choose from {', '.join(v.name for v in verbs())})")
    args = _verb_parser(verb).parse_intermixed_args(_bare_think(before + after))
    args.command = verb.name
    return verb, args


def _message(exc: BaseException) -> str:
    """The error as a command-line user reads it: options, not keyword arguments."""
    text = exc.error if isinstance(exc, ResponseError) else str(exc)
    several = text.find('; with several hosts name it')
    if several >= 0:
        text = text[:several] + '; with several hosts name one with --host'
    return text.replace('pass host=', 'pass --host')


def _quiet_stdout() -> None:
    """After the reader of our output went away, send what is left to /dev/null instead of failing at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the command line; return the exit code (0 success, 1 failure, 130 Ctrl-C, 141 closed pipe).

    Usage errors (an unknown command or option) exit 2 through ``SystemExit``, as argparse does.
    """
    verb, args = _parse(sys.argv[1:] if argv is None else argv)
    try:
        verb.run(args, out or sys.stdout)
    except BrokenPipeError:
        _quiet_stdout()
        return _EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        sys.stderr.write('\ninterrupted\n')
        return _EXIT_INTERRUPTED
    except (ResponseError, ConnectError, RequestTimeout, ProtocolError, ValueError, OSError, ImportError) as exc:
        sys.stderr.write(f'Error: {_message(exc)}\n')
        return _EXIT_FAILURE
    return 0
