"""How a Python annotation reads as JSON: the vocabulary shared by schema generation and structured parsing.

Both sides must agree on what ``Sequence[int]`` or a dataclass means, so the classification lives here once.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections import abc
from enum import Enum
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from ._hints import class_hints, is_annotated, is_literal_form, resolve

__all__ = [
    'ARRAYS',
    'MAPPINGS',
    'SETS',
    'FieldInfo',
    'annotated_text',
    'dataclass_fields',
    'enum_members',
    'enum_values',
    'is_dataclass_type',
    'is_pydantic_model',
    'is_union',
    'json_type',
    'resolve_hint',
    'type_name',
    'unwrap',
]

#: Origins read as JSON arrays, as arrays of unique items, and as JSON objects.
ARRAYS = (list, abc.Sequence, abc.MutableSequence)
SETS = (set, frozenset, abc.Set, abc.MutableSet)
MAPPINGS = (dict, abc.Mapping, abc.MutableMapping)

# ``int | str`` (Python 3.10+) has its own origin besides typing.Union.
_UNIONS: Tuple[Any, ...]
if sys.version_info >= (3, 10):  # a statement, so type checkers for 3.9 skip the branch
    _UNIONS = (typing.Union, types.UnionType)
else:
    _UNIONS = (typing.Union,)


class FieldInfo(NamedTuple):
    """A dataclass field as JSON sees it."""

    name: str
    type: Any
    required: bool


def type_name(tp: Any) -> str:
    """A short readable name for an annotation, for error messages."""
    if isinstance(tp, type):
        return tp.__qualname__
    return repr(tp).replace('typing.', '')


def unwrap(tp: Any) -> Tuple[Any, Any, Tuple[Any, ...]]:
    """Split an annotation into ``(annotation without Annotated, origin or the class itself, arguments)``.

    ``List[int]`` gives ``(List[int], list, (int,))``; ``list`` gives ``(list, list, ())``.
    """
    while is_annotated(tp):
        tp = tp.__origin__
    origin = typing.get_origin(tp)
    if is_literal_form(origin):
        origin = typing.Literal  # typing_extensions' own before Python 3.10.1
    args = typing.get_args(tp)
    if args == ((),):  # Tuple[()] spells "no items" this way before Python 3.11
        args = ()
    return tp, origin if origin is not None else tp, args


def annotated_text(tp: Any) -> Optional[str]:
    """The first string in an ``Annotated[T, ...]``'s metadata: ``Annotated[int, 'how many']``."""
    if is_annotated(tp):
        for meta in tp.__metadata__:
            if isinstance(meta, str):
                return meta
    return None


def is_union(origin: Any) -> bool:
    return origin in _UNIONS


def is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def is_pydantic_model(tp: Any) -> bool:
    """A pydantic model class, recognised by its methods so that pydantic is never imported here."""
    return isinstance(tp, type) and callable(getattr(tp, 'model_json_schema', None))


def json_type(value: Any) -> str:
    """The JSON type of a ``Literal`` or ``Enum`` value; ``TypeError`` for a value JSON cannot hold."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, int):
        return 'integer'
    if isinstance(value, float):
        return 'number'
    if isinstance(value, str):
        return 'string'
    raise TypeError(f'{value!r} ({type(value).__name__}) is not a JSON value')


def enum_members(tp: Any) -> List[Tuple[Any, Any]]:
    """``(member, value on the wire)`` for each choice of an ``Enum`` class or ``Literal[...]``."""
    # An Enum class iterates over its members (aliases left out).
    members = typing.cast(Iterable[Any], tp) if isinstance(tp, type) else typing.get_args(tp)
    return [(m, m.value if isinstance(m, Enum) else m) for m in members]


def enum_values(tp: Any) -> List[Any]:
    """The values an ``Enum`` class or ``Literal[...]`` allows on the wire."""
    return [value for _, value in enum_members(tp)]


def resolve_hint(annotation: Any, globalns: Dict[str, Any]) -> Any:
    """Evaluate one annotation, string or not, in ``globalns`` (``Annotated`` kept).

    Done one at a time so an error can name the parameter it belongs to, without the implicit ``Optional``
    that Python < 3.11 adds for a ``None`` default, and reading ``X | Y`` and ``list[int]`` on every Python,
    so every version gives the same schema.
    """
    return resolve(annotation, globalns)


def dataclass_fields(cls: type) -> List[FieldInfo]:
    """The fields of a dataclass that its constructor takes, with resolved types.

    Raises ``TypeError`` naming the class when an annotation cannot be resolved (e.g. an undefined name).
    """
    try:
        hints = class_hints(cls)
    except Exception as exc:  # NameError for an undefined name, SyntaxError, TypeError for a bad subscript
        raise TypeError(f'cannot resolve the annotations of {cls.__qualname__}: {exc}') from None
    return [
        FieldInfo(
            f.name,
            hints[f.name],
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
        if f.init
    ]
