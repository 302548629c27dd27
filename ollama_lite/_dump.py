"""``model_dump()`` and ``model_dump_json()`` as pydantic gives them, for code written for the official client.

pydantic's meaning of each supported argument is kept: every field is listed (``None`` included) under its
Python name (``by_alias=True``: its wire name); ``include``/``exclude`` take sets of names or nested dicts
(``{'message': {'content'}}``, ``{'models': {'__all__': {'digest'}}}``, list indices); ``exclude_none``,
``exclude_defaults`` and ``exclude_unset`` (a field is set when it holds a value or was given as null,
as every field a server sends is) filter; ``mode='json'`` gives JSON values (RFC 3339 datetimes).
Arguments of pydantic's that have no meaning here are not accepted, so they are never ignored silently.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import datetime
from pathlib import PurePath
from typing import Any, Dict, Mapping, Optional, Tuple

from ._record import JSON_NAME, Record

__all__ = ['dump', 'dump_json']

#: What ``include``/``exclude`` hold once normalised: a key maps to True (all of it) or to a nested spec.
_Spec = Optional[Mapping[Any, Any]]


def _spec(value: Any, what: str) -> _Spec:
    if value is None:
        return None
    if isinstance(value, (set, frozenset)):
        return dict.fromkeys(value, True)
    if isinstance(value, Mapping):
        return {k: True if v is True or v is Ellipsis else _spec(v, what) for k, v in value.items()}
    raise TypeError(f'{what} must be a set of field names or a dict of them, as pydantic takes it; got {value!r}')


def _sub(spec: _Spec, key: Any) -> Tuple[bool, _Spec]:
    """(whether ``key`` is named at all, what the spec says below it: None for everything)."""
    if spec is None:
        return False, None
    inner = spec.get(key, spec.get('__all__'))
    if inner is None:
        return False, None
    return True, None if inner is True else inner


@dataclasses.dataclass(frozen=True)
class _Options:
    mode: str
    by_alias: bool
    exclude_unset: bool
    exclude_defaults: bool
    exclude_none: bool


def _keep(key: Any, include: _Spec, exclude: _Spec) -> Tuple[bool, _Spec, _Spec]:
    named, inc = _sub(include, key)
    if include is not None and not named:
        return False, None, None
    excluded, exc = _sub(exclude, key)
    if excluded and exc is None:
        return False, None, None
    return True, inc, exc


def _default(f: dataclasses.Field) -> Any:  # type: ignore[type-arg]
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _model(obj: Any, include: _Spec, exclude: _Spec, opts: _Options) -> Dict[str, Any]:
    nulls = obj._nulls or ()
    out: Dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        keep, inc, exc = _keep(f.name, include, exclude)
        if not keep:
            continue
        value = getattr(obj, f.name)
        if value is None and (opts.exclude_none or (opts.exclude_unset and f.name not in nulls)):
            continue
        if opts.exclude_defaults and value == _default(f):
            continue
        out[f.metadata.get(JSON_NAME, f.name) if opts.by_alias else f.name] = _value(value, inc, exc, opts)
    for key, value in (obj._extra or {}).items():
        keep, inc, exc = _keep(key, include, exclude)
        if keep and not (value is None and opts.exclude_none):
            out[key] = _value(value, inc, exc, opts)
    return out


def _value(value: Any, include: _Spec, exclude: _Spec, opts: _Options) -> Any:
    if isinstance(value, Record):
        return _model(value, include, exclude, opts)
    if isinstance(value, (list, tuple)):
        out = []
        for i, item in enumerate(value):
            keep, inc, exc = _keep(i, include, exclude)
            if keep:
                out.append(_value(item, inc, exc, opts))
        return out
    if isinstance(value, dict):
        items = {}
        for key, item in value.items():
            keep, inc, exc = _keep(key, include, exclude)
            if keep and not (item is None and opts.exclude_none):
                items[key] = _value(item, inc, exc, opts)
        return items
    if opts.mode == 'json':
        if isinstance(value, datetime):
            text = value.isoformat()
            return text[:-6] + 'Z' if text.endswith('+00:00') else text
        if isinstance(value, bytes):
            return base64.b64encode(value).decode()
        if isinstance(value, PurePath):
            return str(value)
    return value


def dump(
    obj: Any,
    *,
    mode: str = 'python',
    include: Any = None,
    exclude: Any = None,
    by_alias: Optional[bool] = None,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
) -> Dict[str, Any]:
    """``obj.model_dump(...)`` with pydantic's meaning; raises ``TypeError`` for an ``include``/``exclude``
    of another shape and ``ValueError`` for a ``mode`` other than ``'python'`` or ``'json'``."""
    if mode not in ('python', 'json'):
        raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
    opts = _Options(mode, bool(by_alias), exclude_unset, exclude_defaults, exclude_none)
    return _model(obj, _spec(include, 'include'), _spec(exclude, 'exclude'), opts)


def dump_json(obj: Any, *, indent: Optional[int] = None, **kwargs: Any) -> str:
    """``obj.model_dump_json(...)``: the JSON of ``dump(mode='json')``, laid out as pydantic lays it out
    (compact, or indented by ``indent``; non-ASCII characters as they are)."""
    data = dump(obj, mode='json', **kwargs)
    separators = (',', ':') if indent is None else (',', ': ')
    return json.dumps(data, indent=indent, separators=separators, ensure_ascii=False)
