"""The optional extras and what a missing one says: one message wherever aiohttp is first needed.

``import ollama_lite`` and the sync ``Client`` never need aiohttp; ``AsyncClient``, ``ollama_lite.testing``,
``ollama_lite.web`` and the ``serve-emulator`` and ``demo`` commands do. Each asks here, so that a user
without it reads how to install it instead of a bare ``No module named 'aiohttp'``.
"""

from __future__ import annotations

__all__ = ['ASYNC_INSTALL', 'aiohttp_missing', 'needs_aiohttp', 'require_aiohttp']

#: How to install the ``async`` extra (quoted for every shell).
ASYNC_INSTALL = 'pip install "ollama-lite[async]"'


def needs_aiohttp(what: str) -> ImportError:
    """The error for ``what`` (a module, a class, a command) being used without aiohttp installed."""
    return ImportError(f'{what} needs aiohttp: install it with  {ASYNC_INSTALL}', name='aiohttp')


def aiohttp_missing(exc: ModuleNotFoundError, what: str) -> BaseException:
    """What to raise for ``exc``, met importing what ``what`` needs: :func:`needs_aiohttp`'s error when the
    missing module is aiohttp, else ``exc`` itself (a broken install names the package it lacks)."""
    return needs_aiohttp(what) if exc.name == 'aiohttp' else exc


def require_aiohttp(what: str) -> None:
    """Import aiohttp, or raise :func:`needs_aiohttp`'s ``ImportError`` for ``what``.

    Only aiohttp itself missing is reported so; a broken install (one of aiohttp's own dependencies
    missing) raises as Python raised it, naming that package.
    """
    try:
        import aiohttp  # noqa: F401
    except ModuleNotFoundError as exc:
        raise aiohttp_missing(exc, what) from None
