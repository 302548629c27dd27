"""Images (and audio) named by path in a prompt, for vision models: ``What is in /tmp/cat.png?``.

As in ``ollama run``, a path that starts with ``/``, ``./`` or a drive letter and ends in ``.jpg``, ``.jpeg``,
``.png``, ``.webp`` or ``.wav`` is read, checked to be such a file, and taken out of the text.
"""

from __future__ import annotations

import os
import re
from typing import List, TextIO, Tuple

from .._errors import RequestError

_PATH = re.compile(r'(?:[a-zA-Z]:)?(?:\./|/|\\)[\S\\ ]+?\.(?i:jpg|jpeg|png|webp|wav)\b')
_UNESCAPE = re.compile(r'\\([ ()\[\]{}$&;\'\\*?~])')
_MAX_BYTES = 100 * 1024 * 1024


def _kind(head: bytes) -> str:
    if head.startswith((b'\x89PNG\r\n\x1a\n', b'\xff\xd8\xff')):
        return 'image'
    if head[:4] == b'RIFF' and head[8:12] == b'WEBP':
        return 'image'
    if head[:4] == b'RIFF' and head[8:12] == b'WAVE':
        return 'audio'
    return ''


def extract_files(text: str, err: TextIO) -> Tuple[str, List[bytes]]:
    """Take the image and audio paths out of ``text``; return the rest and the files' bytes.

    A path that does not exist stays in the text. Raises ``RequestError`` for a file that is not a JPEG, PNG,
    WebP or WAV, or is larger than 100 MB.
    """
    files: List[bytes] = []
    for found in _PATH.findall(text):
        path = _UNESCAPE.sub(r'\1', found)
        if not os.path.isfile(path):
            continue
        with open(path, 'rb') as handle:
            head = handle.read(512)
            kind = _kind(head)
            if not kind:
                raise RequestError(f"Couldn't process file '{path}': not a JPEG, PNG, WebP or WAV file")
            if os.path.getsize(path) > _MAX_BYTES:
                raise RequestError(f"Couldn't process file '{path}': file size exceeds maximum limit (100MB)")
            files.append(head + handle.read())
        err.write(f"Added {kind} '{path}'\n")
        for spelling in (f"'{path}'", f"'{found}'", found):
            text = text.replace(spelling, '')
    return text.strip(), files
