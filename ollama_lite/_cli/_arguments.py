"""Options shared by the verbs that ask a model for an answer (run, chat, generate), and how their text is read."""

from __future__ import annotations

import argparse
import json
from typing import Any, Optional

from .._errors import RequestError


def think_value(value: Optional[str]) -> Any:
    """``--think``'s text as the API takes it: a bool, a level, or ``None`` when not given."""
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ('true', 'false'):
        return lowered == 'true'
    if lowered not in ('low', 'medium', 'high', 'max'):
        raise RequestError(f'invalid value for --think: "{value}" (must be true, false, high, medium, low, or max)')
    return lowered


def format_value(value: Optional[str]) -> Any:
    """``--format``'s text as the API takes it: ``'json'``, or a JSON schema given as JSON text."""
    if value is None or value == 'json':
        return value
    try:
        schema = json.loads(value)
    except ValueError:
        schema = None
    if not isinstance(schema, dict):
        raise RequestError(f'invalid value for --format: {value!r} (json, or a JSON schema)')
    return schema


def answer_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that shape a model's answer, shared by run, chat and generate."""
    parser.add_argument('--think', metavar='LEVEL', help='thinking: true (--think alone), false, low, medium, high')
    parser.add_argument('--hidethinking', action='store_true', help="don't show the model's thinking")
    parser.add_argument('--keepalive', metavar='DURATION', help='how long the model stays loaded (e.g. 5m)')
    parser.add_argument('--format', help='response format (e.g. json)')
    parser.add_argument('--verbose', action='store_true', help='show timings after the answer')
    parser.add_argument('--nowordwrap', action='store_true', help="don't wrap words to the next line")
