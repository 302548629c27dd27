"""Request fields the server no longer reads: still accepted and sent, with a warning once per field.

The official client still takes them, so code written for it must keep running; its authors should still learn
that the server ignores what they set. Each field warns once per process, so a loop does not flood the log.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Iterable, Mapping, Set

__all__ = ['IGNORED_OPTIONS', 'REMOVED_GENERATE_FIELDS', 'warn_ignored_options', 'warn_removed']

#: Runner and sampling options that today's server drops without reading (api/types.go lost them).
IGNORED_OPTIONS = frozenset(
    {
        'numa', 'low_vram', 'f16_kv', 'logits_all', 'vocab_only', 'use_mlock', 'embedding_only', 'tfs_z',
        'mirostat', 'mirostat_tau', 'mirostat_eta', 'penalize_newline',
    }
)  # fmt: skip
#: Image generation fields of generate, which the server removed with image generation itself.
REMOVED_GENERATE_FIELDS = ('width', 'height', 'steps')

_warned: Set[str] = set()
_lock = threading.Lock()


def warn_removed(names: Iterable[str], why: str, stacklevel: int = 4) -> None:
    """Warn once per name in ``names`` that the server ignores it; ``why`` completes the sentence.

    ``stacklevel`` 4 points at the caller of the client method (client method, ``_api`` function, here).
    """
    for name in names:
        with _lock:
            if name in _warned:
                continue
            _warned.add(name)
        warnings.warn(
            f'{name!r} is ignored by the Ollama server ({why}); it is still sent, as the official client does, '
            'but has no effect',
            DeprecationWarning,
            stacklevel=stacklevel,
        )


def warn_ignored_options(options: Any) -> None:
    """Warn for each set option of ``options`` (a dict or ``Options``) that the server ignores."""
    if options is None:
        return
    if isinstance(options, Mapping):
        names = [k for k in options if k in IGNORED_OPTIONS]
    else:
        names = [k for k in sorted(IGNORED_OPTIONS) if getattr(options, k, None) is not None]
    if names:
        # Two frames more than warn_removed's default: _options and this function.
        warn_removed(names, 'it no longer has this option', stacklevel=6)
