"""Fetch Ollama's OpenAPI spec at the commit the spec tests are written against, and check it by its sha256.

    python -m tests.spec.fetch                  # from the checkout: writes tests/spec/ollama-openapi.yaml
    python -m tests.spec.fetch --base-url URL   # from a mirror laid out as the raw file host is

The file is Ollama's (MIT, as its own ``info.license`` says), so it is fetched rather than kept in this repository;
where it is written git ignores it. Standard library only, so it runs before the test dependencies are installed.
A file whose sha256 is not the pinned one is refused and nothing is written.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional

NAME = 'ollama-openapi.yaml'
#: The ollama/ollama commit whose ``docs/openapi.yaml`` the tests and ``SPEC_EXCEPTIONS`` are written against.
COMMIT = 'e2c2edcc27637fbabe9ce6bb2d2d6db8e676f99e'
SHA256 = '9c660bb9a714bcb746cff7ec4270a0e43f63b705f7f3362fcc335f18b5d0b178'
BASE_URL = 'https://raw.githubusercontent.com/ollama/ollama'
#: Where the command writes the file by default, and where the spec tests look for it.
DESTINATION = Path(__file__).resolve().parent / NAME
COMMAND = 'python -m tests.spec.fetch'
# The file is ~100 KB; anything far larger is not it, and is not read into memory whole.
_LIMIT = 8 * 1024 * 1024


class FetchError(Exception):
    """The spec could not be fetched, or what came is not the pinned file."""


def url(base_url: str = BASE_URL) -> str:
    """The address of the pinned file under ``base_url``."""
    return f'{base_url.rstrip("/")}/{COMMIT}/docs/openapi.yaml'


def digest(path: Path) -> str:
    """The sha256 of the file at ``path``, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(base_url: str = BASE_URL, destination: Path = DESTINATION, *, timeout: float = 60.0) -> Path:
    """Download the pinned spec from ``base_url`` to ``destination`` and return that path.

    Raises :class:`FetchError` when the server cannot be reached or answers with an error, or when the bytes are
    not the pinned file (their sha256 differs); ``destination`` is then left as it was.
    """
    source = url(base_url)
    try:
        with urllib.request.urlopen(source, timeout=timeout) as response:
            data = response.read(_LIMIT + 1)
    except urllib.error.HTTPError as error:
        raise FetchError(f'{source} answered {error.code} {error.reason}') from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, 'reason', error)
        raise FetchError(f'could not fetch {source}: {reason}') from None
    if len(data) > _LIMIT:
        raise FetchError(f'{source} sent more than {_LIMIT} bytes: not the spec; nothing written')
    got = hashlib.sha256(data).hexdigest()
    if got != SHA256:
        raise FetchError(f'{source} has sha256 {got}, not the pinned {SHA256}; nothing written')
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the destination and renamed over it: a reader never sees half a file.
    fd, partial = tempfile.mkstemp(dir=str(destination.parent), prefix=f'.{destination.name}.')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.replace(partial, destination)
    except BaseException:
        os.unlink(partial)
        raise
    return destination


def main(argv: Optional[List[str]] = None) -> int:
    """The command line: fetch unless the destination already holds the pinned file; 1 on failure."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split('\n\n')[0])
    parser.add_argument('--base-url', default=BASE_URL, help=f'where to fetch from (default {BASE_URL})')
    parser.add_argument('--output', type=Path, default=DESTINATION, help='where to write it (default %(default)s)')
    parser.add_argument('--timeout', type=float, default=60.0, help='seconds to wait for the server')
    args = parser.parse_args(argv)
    destination: Path = args.output
    if destination.is_file() and digest(destination) == SHA256:
        print(f'{destination} is already the spec of ollama/ollama {COMMIT[:12]} (sha256 checked)')
        return 0
    try:
        fetch(args.base_url, destination, timeout=args.timeout)
    except FetchError as error:
        print(f'{COMMAND}: {error}', file=sys.stderr)
        return 1
    print(f'{destination}: the spec of ollama/ollama {COMMIT[:12]}, sha256 checked')
    return 0


if __name__ == '__main__':
    sys.exit(main())
