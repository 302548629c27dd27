"""The README's table of which calls are sent again after the request may have reached the server is the
endpoint table's ``repeatable`` flags, call by call: a new endpoint must take its place in one of the rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Set

from ollama_lite import _api

README = Path(__file__).resolve().parents[2] / 'README.md'

# Calls that are not one endpoint of the table: what their requests are flagged with.
_OTHER_CALLS = {
    'create_blob': _api.BLOB_REPEATABLE,
    'blob_exists': _api.BLOB_REPEATABLE,
}


def _row(starts: str) -> Set[str]:
    for line in README.read_text(encoding='utf-8').splitlines():
        cells = [c.strip() for c in line.strip('|').split('|')]
        if len(cells) == 3 and cells[0].startswith(starts):
            return set(re.findall(r'`(\w+)`', cells[1]))
    raise AssertionError(f'no row starting {starts!r} in the README retry table')


def _flags() -> Dict[str, bool]:
    endpoints = [v for v in vars(_api).values() if isinstance(v, _api.Endpoint)]
    return {**{e.name: e.repeatable for e in endpoints}, **_OTHER_CALLS}


def test_every_call_is_in_the_row_its_flag_says() -> None:
    again = _row('The connection closed or reset after the request was written')
    never = _row('... the same') - {'never'}
    flags = _flags()
    assert again == {name for name, repeatable in flags.items() if repeatable}
    assert never == {name for name, repeatable in flags.items() if not repeatable}


def test_the_liveness_checks_ask_once() -> None:
    assert _api.LIVENESS_RETRY.total == 0
    text = ' '.join(README.read_text(encoding='utf-8').split())
    assert 'The liveness checks `heartbeat()` and `is_running()` are never sent again' in text
