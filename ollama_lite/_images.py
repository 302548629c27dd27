"""Images for multimodal models: a path, bytes, base64 text or an ``Image``, always sent as base64."""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path
from typing import Any, List, Sequence

from ._types import Image

__all__ = ['encode_image', 'encode_images']

_IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.heic')
# Longer strings cannot be paths on any platform; skip the file-system probe for them (base64 payloads).
_MAX_PATH = 4096
# Base64 copied from a web page or an HTML/CSS file often comes as a data URL.
_DATA_URL = re.compile(r'^\s*data:[\w/+.-]*(?:;[\w=.-]+)*;base64,', re.IGNORECASE)


def encode_image(value: Any) -> str:
    """Return the base64 text of one image.

    Accepts a ``Path`` or path string of an existing file (read once; ``~`` expanded), raw ``bytes``, base64
    text (a ``data:image/...;base64,`` prefix is dropped), or an ``Image`` holding any of these. Raises
    ``FileNotFoundError`` naming a path that looks like an image file but does not exist, ``ValueError``
    for empty data or a string that is neither a file nor valid base64, ``TypeError`` for anything else.

    >>> encode_image(b'GIF89a')
    'R0lGODlh'
    """
    if isinstance(value, Image):
        value = value.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        if not len(value):
            raise ValueError('invalid image data: empty bytes')
        return base64.b64encode(value).decode('ascii')
    if isinstance(value, os.PathLike):
        return _read_file(Path(value).expanduser())
    if isinstance(value, str):
        if len(value) < _MAX_PATH:
            path = Path(value).expanduser()
            try:
                is_file = path.is_file()
            except (OSError, ValueError):
                is_file = False
            if is_file:
                return _read_file(path)
            if value.lower().endswith(_IMAGE_SUFFIXES):
                raise FileNotFoundError(f'image file {value!r} does not exist')
        return _check_base64(_DATA_URL.sub('', value, count=1))
    raise TypeError(f'an image must be a path, bytes, base64 text or ollama_lite.Image, not {type(value).__name__}')


def encode_images(values: Sequence[Any]) -> List[str]:
    """``encode_image`` for each item; a lone string or bytes is refused (it is not a list of images)."""
    if isinstance(values, (str, bytes, os.PathLike, Image)):
        raise TypeError('images must be a list of images, not a single image: wrap it as [image]')
    return [encode_image(v) for v in values]


def _read_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f'image file {str(path)!r} does not exist') from None
    except IsADirectoryError:
        raise IsADirectoryError(f'image path {str(path)!r} is a directory, not a file') from None
    if not data:
        raise ValueError(f'image file {str(path)!r} is empty')
    return base64.b64encode(data).decode('ascii')


def _check_base64(text: str) -> str:
    compact = ''.join(text.split())
    try:
        base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        shown = text if len(text) <= 60 else text[:60] + '…'
        raise ValueError(
            f'invalid image data {shown!r}: expected an existing file path, raw bytes or base64 text'
        ) from None
    if not compact:
        raise ValueError('invalid image data: empty string')
    return compact
