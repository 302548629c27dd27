"""Structured outputs, the way back: a reply's JSON content read into the dataclass that was its ``format``.

The rules mirror :func:`._schema.json_schema`, so whatever a schema allows converts, and whatever does not
fit is reported with the path of the value that failed.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any, Dict, List, Literal, Tuple, Type, TypeVar, Union, overload

from . import _typeinfo as ti
from ._types import ChatResponse, GenerateResponse, Message

__all__ = ['StructuredOutputError', 'parse']

T = TypeVar('T')

# What a JSON value must be to stand for a simple type: int refuses bool, float also takes a JSON integer.
_SIMPLE: Dict[type, Tuple[Tuple[type, ...], str]] = {
    str: ((str,), 'a string'),
    int: ((int,), 'an integer'),
    float: ((int, float), 'a number'),
    bool: ((bool,), 'a boolean'),
}


class StructuredOutputError(ValueError):
    """A structured reply that does not fit the type asked for.

    ``path`` locates the value that failed (``'items[2].name'``, ``''`` for the whole content), ``reason``
    says what was wrong, ``content`` is the reply text.
    """

    def __init__(self, target: str, path: str, reason: str, content: str) -> None:
        where = f'at {path}: ' if path else ''
        super().__init__(f'the reply does not fit {target}: {where}{reason}')
        self.path = path
        self.reason = reason
        self.content = content


class _Mismatch(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


_Reply = Union[ChatResponse, GenerateResponse, Message, str, bytes]


@overload
def parse(cls: Type[T], reply: _Reply) -> T: ...
@overload
def parse(cls: Any, reply: _Reply) -> Any: ...
def parse(cls: Any, reply: _Reply) -> Any:
    """Read a structured reply's content (the JSON a ``format=`` request produced) into an instance of ``cls``.

    ``cls`` is a dataclass (nested dataclasses, ``Enum``, ``Literal``, lists, dicts, ``Optional`` and unions
    are built as :func:`json_schema` describes them; keys the class does not know are ignored), any other
    type ``json_schema`` accepts, or a pydantic model class (read with its ``model_validate_json``).
    ``reply`` is a ``ChatResponse``, ``GenerateResponse``, ``Message`` or the content itself.

    Raises ``StructuredOutputError`` (a ``ValueError``) naming the path and the problem when the content is
    empty, is not JSON, lacks a required field or holds a value of the wrong type; ``TypeError`` when ``cls``
    has no JSON form or ``reply`` is none of the above.

    >>> weather = ollama_lite.parse(Weather, client.chat('llama3.2', messages, format=Weather))
    """
    content = _content_of(reply)
    target = ti.type_name(cls)
    if ti.is_pydantic_model(cls):
        return _parse_pydantic(cls, content, target)
    if not content.strip():
        raise StructuredOutputError(target, '', 'the reply has no content', content)
    try:
        data = json.loads(content)
    except ValueError as exc:
        shown = content if len(content) <= 80 else content[:80] + '…'
        raise StructuredOutputError(target, '', f'the content is not JSON ({exc}): {shown!r}', content) from None
    try:
        return _convert(data, cls, '')
    except _Mismatch as exc:
        raise StructuredOutputError(target, exc.path, exc.reason, content) from None


def _content_of(reply: Any) -> str:
    if isinstance(reply, str):
        return reply
    if isinstance(reply, (bytes, bytearray)):
        return bytes(reply).decode('utf-8', errors='replace')
    if isinstance(reply, ChatResponse):
        reply = reply.message
    if isinstance(reply, Message):
        return reply.content or ''
    if isinstance(reply, GenerateResponse):
        return reply.response or ''
    raise TypeError(f'parse() reads a ChatResponse, GenerateResponse, Message or str, not {type(reply).__name__}')


def _parse_pydantic(cls: Any, content: str, target: str) -> Any:
    try:
        return cls.model_validate_json(content)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        errors = exc.errors() if callable(getattr(exc, 'errors', None)) else []  # type: ignore[attr-defined]
        first = errors[0] if errors else {}
        path = _join_path(first.get('loc', ()))
        raise StructuredOutputError(target, path, first.get('msg', str(exc)), content) from exc


def _join_path(loc: Tuple[Any, ...]) -> str:
    path = ''
    for part in loc:
        path = _at(path, part)
    return path


def _at(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f'{path}[{key}]'
    return f'{path}.{key}' if path else str(key)


def _got(value: Any) -> str:
    kind = {dict: 'an object', list: 'an array', str: 'a string', bool: 'a boolean', type(None): 'null'}
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + '…'
    return f'got {kind.get(type(value), "a number")} {shown}' if value is not None else 'got null'


def _convert(value: Any, tp: Any, path: str) -> Any:
    tp, base, args = ti.unwrap(tp)
    if tp is Any or tp is object:
        return value
    if tp is None or tp is type(None):
        if value is not None:
            raise _Mismatch(path, f'expected null, {_got(value)}')
        return None
    if isinstance(tp, type) and tp in _SIMPLE:
        accepted, what = _SIMPLE[tp]
        if not isinstance(value, accepted) or (tp is not bool and isinstance(value, bool)):
            raise _Mismatch(path, f'expected {what}, {_got(value)}')
        return tp(value)
    if ti.is_union(base):
        return _union(value, args, path)
    if base is Literal or (isinstance(tp, type) and issubclass(tp, Enum)):
        return _choice(value, tp, path)
    if ti.is_dataclass_type(tp):
        return _dataclass(value, tp, path)
    if base in ti.ARRAYS or base in ti.SETS or base is tuple:
        return _array(value, base, args, path)
    if base in ti.MAPPINGS:
        if not isinstance(value, dict):
            raise _Mismatch(path, f'expected an object, {_got(value)}')
        item = args[1] if args else Any
        return {k: _convert(v, item, _at(path, k)) for k, v in value.items()}
    raise TypeError(f'{ti.type_name(tp)} has no JSON form to parse into')


def _union(value: Any, args: Tuple[Any, ...], path: str) -> Any:
    if value is None and type(None) in args:
        return None
    members = [a for a in args if a is not type(None)]
    if len(members) == 1:
        return _convert(value, members[0], path)
    for member in members:
        try:
            return _convert(value, member, path)
        except _Mismatch:
            continue
    names = ', '.join(ti.type_name(m) for m in members)
    raise _Mismatch(path, f'expected one of {names}, {_got(value)}')


def _choice(value: Any, tp: Any, path: str) -> Any:
    for member, wire in ti.enum_members(tp):
        # True == 1 in Python, so compare JSON types too.
        if value == wire and isinstance(value, bool) == isinstance(wire, bool):
            return member
    raise _Mismatch(path, f'expected one of {ti.enum_values(tp)!r}, {_got(value)}')


def _dataclass(value: Any, cls: type, path: str) -> Any:
    if not isinstance(value, dict):
        raise _Mismatch(path, f'expected an object for {cls.__qualname__}, {_got(value)}')
    kwargs: Dict[str, Any] = {}
    for f in ti.dataclass_fields(cls):
        here = _at(path, f.name)
        if f.name in value:
            kwargs[f.name] = _convert(value[f.name], f.type, here)
        elif f.required:
            raise _Mismatch(here, 'missing required field')
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:  # a __post_init__ that checks its values
        raise _Mismatch(path, f'{cls.__qualname__} refused the values: {exc}') from None


def _array(value: Any, base: Any, args: Tuple[Any, ...], path: str) -> Any:
    if not isinstance(value, list):
        raise _Mismatch(path, f'expected an array, {_got(value)}')
    if base is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        if len(value) != len(args):
            raise _Mismatch(path, f'expected an array of {len(args)} items, got {len(value)}')
        return tuple(_convert(v, t, _at(path, i)) for i, (v, t) in enumerate(zip(value, args)))
    item = args[0] if args else Any
    items: List[Any] = [_convert(v, item, _at(path, i)) for i, v in enumerate(value)]
    if base is tuple:
        return tuple(items)
    if base in ti.SETS:
        return frozenset(items) if base is frozenset else set(items)
    return items
