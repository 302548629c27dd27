"""Reading Google-style docstrings: the summary, and one description per argument or attribute."""

from __future__ import annotations

import inspect
import re
from typing import Dict, List, NamedTuple, Optional

__all__ = ['Docstring', 'parse_docstring']

# Sections whose entries describe parameters (``Attributes`` is how a dataclass documents its fields).
_ENTRY_SECTIONS = frozenset(
    {'args', 'arguments', 'parameters', 'params', 'keyword args', 'keyword arguments', 'attributes', 'other parameters'}
)
_OTHER_SECTIONS = frozenset(
    {
        'returns', 'return', 'yields', 'yield', 'raises', 'examples', 'example', 'note', 'notes', 'see also',
        'warning', 'warnings', 'todo', 'references',
    }
)  # fmt: skip
_HEADER = re.compile(r'([A-Za-z][A-Za-z ]*):\s*$')
# ``name: text``, ``name (type): text``, ``*args: text``; the text may also start on the next line.
_ENTRY = re.compile(r'\*{0,2}(?P<name>\w+)\s*(?:\([^)]*\))?\s*:(?:\s+|$)(?P<text>.*)$')


class Docstring(NamedTuple):
    """What a docstring says: its summary (sections excluded, lines joined) and each parameter's text."""

    summary: str
    params: Dict[str, str]


def _section(line: str) -> Optional[str]:
    m = _HEADER.match(line)
    if m is None:
        return None
    name = m.group(1).strip().lower()
    return name if name in _ENTRY_SECTIONS or name in _OTHER_SECTIONS else None


def parse_docstring(doc: Optional[str]) -> Docstring:
    """Split a Google-style docstring into its summary and its ``Args:``/``Attributes:`` descriptions.

    The summary is the text before the first section (``Args:``, ``Returns:``, ``Raises:``...) or doctest,
    its lines joined by spaces. Entries may be written ``name: text`` or ``name (type): text``; lines
    indented deeper than the entry continue it.

    >>> parse_docstring('Add.\\n\\nArgs:\\n    a (int): first\\n        number').params
    {'a': 'first number'}
    """
    if not doc:
        return Docstring('', {})
    summary: List[str] = []
    params: Dict[str, str] = {}
    section: Optional[str] = None
    entry_indent: Optional[int] = None
    current: Optional[str] = None
    for line in inspect.cleandoc(doc).splitlines():
        text = line.strip()
        indent = len(line) - len(line.lstrip())
        if indent == 0 and text:
            header = _section(text)
            if header is not None or section is not None or text.startswith('>>>'):
                # A header starts a section; unindented text after a section, or a doctest, ends the summary.
                section, entry_indent, current = header or '', None, None
                continue
        if section is None:
            if text:
                summary.append(text)
            continue
        if section not in _ENTRY_SECTIONS or not text:
            continue
        if entry_indent is None:
            entry_indent = indent
        m = _ENTRY.match(text) if indent <= entry_indent else None
        if m is not None:
            current = m.group('name')
            params[current] = m.group('text').strip()
        elif current is not None:
            params[current] = f'{params[current]} {text}'.strip()
    return Docstring(' '.join(summary), params)
