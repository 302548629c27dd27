"""Tools and structured-output formats: turning Python objects into the JSON schemas the server takes."""

from __future__ import annotations

from typing import Any, Mapping

from ._errors import RequestError
from ._types import Tool

__all__ = ['format_schema', 'to_tool']


def to_tool(value: Any) -> Any:
    """A tool for the request body: a dict or ``Tool`` as given, a callable described from its signature."""
    if isinstance(value, Tool):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    raise RequestError(f'a tool must be a dict, ollama_lite.Tool or a function, not {type(value).__name__}')


def format_schema(value: Any) -> Any:
    """The ``format`` field: ``''``, ``'json'`` or a JSON schema dict."""
    if value is None or value in ('', 'json'):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    raise RequestError(f"format must be '', 'json' or a JSON schema dict; got {value!r}")
