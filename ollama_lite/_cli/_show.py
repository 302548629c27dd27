"""``ollama-lite show MODEL`` (and ``/show info`` in a chat): a model's sections as ``ollama show`` prints them."""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, TextIO

from .._types import ShowResponse
from ._format import go_number, human_number, table

_HEAD_LINES = 2


def _number(value: Any) -> Optional[str]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return str(int(value)) if float(value).is_integer() else str(value)


def _section(out: TextIO, title: str, rows: Sequence[Sequence[str]]) -> None:
    out.write(f'  {title}\n')
    table([['', *row] for row in rows], out)
    out.write('\n')


def _model_rows(reply: ShowResponse) -> List[List[str]]:
    details = reply.details
    info = reply.modelinfo
    rows: List[List[str]] = []
    if reply.remote_host:
        rows += [['Remote model', reply.remote_model or ''], ['Remote URL', reply.remote_host]]
    if info is not None:
        arch = info.get('general.architecture')
        arch = arch if isinstance(arch, str) else ''
        if arch:
            rows.append(['architecture', arch])
        parameters = details.parameter_size if details and details.parameter_size else ''
        count = info.get('general.parameter_count')
        if not parameters and isinstance(count, (int, float)) and not isinstance(count, bool):
            parameters = human_number(int(count))
        if parameters:
            rows.append(['parameters', parameters])
        for key, label in (('context_length', 'context length'), ('embedding_length', 'embedding length')):
            value = _number(info.get(f'{arch}.{key}'))
            if value is not None:
                rows.append([label, value])
    else:
        rows += [['architecture', details.family or '' if details else ''],
                 ['parameters', details.parameter_size or '' if details else '']]  # fmt: skip
    rows.append(['quantization', (details.quantization_level or '') if details else ''])
    if reply.requires:
        rows.append(['requires', reply.requires])
    return rows


def _head(text: str) -> List[List[str]]:
    """The first two non-blank lines, then ``...`` if there are more (System and License are often long)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    rows = [[line] for line in lines[:_HEAD_LINES]]
    return [*rows, ['...']] if len(lines) > _HEAD_LINES else rows


def _go_value(value: Any) -> str:
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float)):
        return go_number(value)
    return str(value)


def _metadata_value(value: Any) -> str:
    if isinstance(value, list):
        shown: List[str] = []
        width = 1
        for index, item in enumerate(value):
            text = _go_value(item)
            extra = len(text) + (2 if index else 0)
            if width + extra > 10 and index:  # a narrow column, as ollama shows arrays
                return f'[{" ".join(shown)} ...+{len(value) - len(shown)} more]'
            width += extra
            shown.append(text)
        return f'[{" ".join(shown)}]'
    return _go_value(value)


def show_info(reply: ShowResponse, out: TextIO, *, verbose: bool = False) -> None:
    """Write the Model, Capabilities, Projector, Parameters, (verbose: Metadata, Tensors), System and License
    sections of ``reply``."""
    _section(out, 'Model', _model_rows(reply))
    if reply.capabilities:
        _section(out, 'Capabilities', [[capability] for capability in reply.capabilities])
    projector = reply.projector_info
    if projector:
        rows: List[List[str]] = []
        arch = projector.get('general.architecture')
        if isinstance(arch, str) and arch:
            rows.append(['architecture', arch])
        count = projector.get('general.parameter_count')
        if isinstance(count, (int, float)) and not isinstance(count, bool):
            rows.append(['parameters', human_number(int(count))])
        for suffix, label in (('embedding_length', 'embedding length'), ('projection_dim', 'dimensions')):
            found = (_number(projector.get(f'{arch}.{kind}.{suffix}')) for kind in ('vision', 'audio'))
            value = next((v for v in found if v is not None), None)
            if value is not None:
                rows.append([label, value])
        _section(out, 'Projector', rows)
    if reply.parameters:
        _section(out, 'Parameters', [line.split() for line in reply.parameters.splitlines() if line.strip()])
    if verbose and reply.modelinfo:
        info = reply.modelinfo
        _section(out, 'Metadata', [[key, _metadata_value(info[key])] for key in sorted(info)])
    if verbose and reply.tensors:
        rows = [
            [t.name or '', t.type or '', '[' + ' '.join(str(d) for d in t.shape or []) + ']'] for t in reply.tensors
        ]
        _section(out, 'Tensors', rows)
    for title, text in (('System', reply.system), ('License', reply.license)):
        if text:
            _section(out, title, _head(text))


SHOW_PARTS = ('license', 'modelfile', 'parameters', 'system', 'template')


def show_part(reply: ShowResponse, part: str, out: TextIO) -> None:
    """Write one part of ``reply`` alone (``--license``, ``--modelfile``, ...), as ``ollama show`` does."""
    text: str = getattr(reply, part) or ''
    # ollama ends license, modelfile and parameters with a newline and prints system and template as they are.
    out.write(text + ('\n' if part in ('license', 'modelfile', 'parameters') else ''))
