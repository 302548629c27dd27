"""A tool call's arguments checked against the tool's JSON schema, and read into the function's parameters.

A model's arguments are JSON it wrote itself, so they are checked before any function runs. The check is
the schema's: ``type`` (one or a list), ``enum``, ``anyOf``, ``items``/``prefixItems``, ``properties``/
``required``/``additionalProperties``. Where the schema says what a value must be, a string that spells
such a value is read as one (``"3"`` for an integer, ``"true"`` for a boolean, ``"[1, 2]"`` for an array):
small models often quote everything. Nothing else changes type: a number is never turned into a string, a
``0`` never into ``False``, a ``3.5`` never into an integer. For a plain function the checked values are
then built into its annotations (dataclasses, enums, tuples, sets) by the rules :func:`parse` uses.
"""

from __future__ import annotations

import inspect
import json
import math
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from . import _typeinfo as ti
from ._schema import _globals_of, json_schema
from ._structured import _convert, _Mismatch

__all__ = ['ArgumentError', 'Parameters']

_Schema = Mapping[str, Any]


class ArgumentError(Exception):
    """The arguments a model sent do not fit the tool; the message lists every problem found."""


class _Param(NamedTuple):
    name: str
    schema: _Schema
    #: The resolved annotation (``Any`` without one) the checked value is built into, or ``None`` for a tool
    #: given with its own schema, whose function gets the JSON values as they are.
    hint: Any
    positional_only: bool
    default: Any


class Parameters:
    """How to read a tool call's arguments into a call of ``func``.

    ``schema`` is the tool's ``parameters`` JSON schema when the tool was given with one; without it the
    schema is derived from ``func``'s signature, exactly as :func:`function_tool` describes the function.
    Raises ``TypeError`` when the signature cannot be read or an annotation has no JSON schema.
    """

    def __init__(self, func: Callable[..., Any], schema: Optional[_Schema] = None) -> None:
        try:
            signature: Optional[inspect.Signature] = inspect.signature(func)
        except (TypeError, ValueError) as exc:  # which of the two depends on the Python version
            if schema is None:
                raise TypeError(f'cannot read the signature of {func!r}: {exc}') from None
            signature = None  # as some C functions: every argument goes by keyword, as the schema names them
        self._params: List[_Param] = []
        self._extra_ok = signature is None
        if signature is not None:
            self._read_signature(func, signature, schema)
        if schema is not None:
            properties = schema.get('properties') or {}
            self._schemas: Dict[str, _Schema] = {k: v for k, v in properties.items() if isinstance(v, Mapping)}
            self._required = [r for r in schema.get('required') or () if isinstance(r, str)]
        else:
            self._schemas = {p.name: p.schema for p in self._params}
            self._required = [p.name for p in self._params if p.default is inspect.Parameter.empty]

    def _read_signature(self, func: Callable[..., Any], signature: inspect.Signature, given: Any) -> None:
        globalns = _globals_of(func)
        for i, param in enumerate(signature.parameters.values()):
            if param.kind is param.VAR_KEYWORD:
                self._extra_ok = True
                continue
            # The same parameters function_tool describes: no *args, no leading self/cls.
            if param.kind is param.VAR_POSITIONAL or (i == 0 and param.name in ('self', 'cls')):
                continue
            hint: Any = None
            own: _Schema = {}
            if given is None:
                hint = Any
                if param.annotation is not param.empty:
                    hint = ti.resolve_hint(param.annotation, globalns)
                    own = json_schema(hint)
            positional = param.kind is param.POSITIONAL_ONLY
            self._params.append(_Param(param.name, own, hint, positional, param.default))

    def bind(self, arguments: Any) -> Tuple[List[Any], Dict[str, Any]]:
        """``(args, kwargs)`` to call the function with, from a tool call's ``arguments``.

        Raises ``ArgumentError`` listing each missing, unexpected or ill-typed argument.
        """
        if not isinstance(arguments, Mapping):
            raise ArgumentError(f'the arguments must be a JSON object, got {_shown(arguments)}')
        problems: List[str] = []
        checked: Dict[str, Any] = {}
        for name in self._required:
            if name not in arguments:
                problems.append(f'missing required argument {name!r}')
        known = {p.name for p in self._params}
        for name, value in arguments.items():
            schema = self._schemas.get(name)
            if schema is None and name not in known and not self._extra_ok:
                problems.append(f'unexpected argument {name!r}')
                continue
            try:
                checked[name] = _check(value, schema or {}, name, lenient=True)
            except _Mismatch as exc:
                problems.append(f'argument {exc.path}: {exc.reason}')
        if not problems:
            for param in self._params:
                if param.hint is not None and param.name in checked:
                    try:
                        checked[param.name] = _convert(checked[param.name], param.hint, param.name)
                    except _Mismatch as exc:
                        problems.append(f'argument {exc.path}: {exc.reason}')
        if problems:
            raise ArgumentError('; '.join(problems))
        return self._split(checked)

    def _split(self, checked: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
        args: List[Any] = []
        for param in self._params:
            if not param.positional_only:
                break
            if param.name in checked:
                args.append(checked.pop(param.name))
            elif any(p.positional_only and p.name in checked for p in self._params):
                # A later positional-only argument is given, so this one's default must fill its place.
                args.append(param.default)
            else:
                break
        return args, checked


# --- The check ----------------------------------------------------------------------------------------


def _check(value: Any, schema: _Schema, path: str, *, lenient: bool) -> Any:
    """``value`` checked against ``schema``; with ``lenient``, strings read as the type the schema asks for.

    Raises ``_Mismatch`` naming the path of the value that does not fit.
    """
    if 'anyOf' in schema and isinstance(schema['anyOf'], Sequence):
        value = _any_of(value, schema['anyOf'], path, lenient)
    types = schema.get('type')
    if isinstance(types, str):
        value = _typed(value, types, schema, path, lenient)
    elif isinstance(types, Sequence) and types:
        rest = {k: v for k, v in schema.items() if k not in ('anyOf', 'enum', 'type')}
        value = _any_of(value, [{**rest, 'type': t} for t in types], path, lenient)
    if 'enum' in schema and isinstance(schema['enum'], Sequence):
        value = _member(value, schema['enum'], path, lenient)
    return value


def _any_of(value: Any, options: Sequence[Any], path: str, lenient: bool) -> Any:
    # An exact fit first, so that "3" stays a string for Union[int, str]; only then a string read as a value.
    tries = (False, True) if lenient else (False,)
    for lenient_try in tries:
        for option in options:
            if isinstance(option, Mapping):
                try:
                    return _check(value, option, path, lenient=lenient_try)
                except _Mismatch:
                    continue
    wanted = ' or '.join(_describe(o) for o in options if isinstance(o, Mapping))
    raise _Mismatch(path, f'expected {wanted}, {_got(value)}')


def _typed(value: Any, kind: str, schema: _Schema, path: str, lenient: bool) -> Any:
    if lenient and isinstance(value, str) and kind not in ('string', 'null'):
        value = _read(value, kind)
    if kind == 'string':
        _expect(isinstance(value, str), value, 'a string', path)
    elif kind == 'integer':
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        # JSON Schema counts 3.0 as an integer; the function gets 3.
        _expect(is_number and float(value).is_integer(), value, 'an integer', path)
        value = int(value)
    elif kind == 'number':
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        _expect(is_number and math.isfinite(value), value, 'a number', path)
    elif kind == 'boolean':
        _expect(isinstance(value, bool), value, 'a boolean', path)
    elif kind == 'null':
        _expect(value is None, value, 'null', path)
    elif kind == 'array':
        _expect(isinstance(value, list), value, 'an array', path)
        value = _array(value, schema, path, lenient)
    elif kind == 'object':
        _expect(isinstance(value, dict), value, 'an object', path)
        value = _object(value, schema, path, lenient)
    return value


def _read(text: str, kind: str) -> Any:
    """The value a string spells, when it spells one of ``kind``; else the string, for the check to refuse."""
    if kind == 'boolean':
        word = text.strip().lower()
        return {'true': True, 'false': False}.get(word, text)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        return text
    wanted = {'integer': (int, float), 'number': (int, float), 'array': (list,), 'object': (dict,)}[kind]
    return value if isinstance(value, wanted) and not isinstance(value, bool) else text


def _no_constant(name: str) -> Any:
    raise ValueError(f'{name} is not a JSON number')


def _array(value: List[Any], schema: _Schema, path: str, lenient: bool) -> List[Any]:
    prefix = schema.get('prefixItems')
    items = schema.get('items')
    low, high = schema.get('minItems'), schema.get('maxItems')
    if isinstance(low, int) and len(value) < low:
        raise _Mismatch(path, f'expected at least {low} items, got {len(value)}')
    if isinstance(high, int) and len(value) > high:
        raise _Mismatch(path, f'expected at most {high} items, got {len(value)}')
    out = []
    for i, item in enumerate(value):
        item_schema = prefix[i] if isinstance(prefix, list) and i < len(prefix) else items
        item_schema = item_schema if isinstance(item_schema, Mapping) else {}
        out.append(_check(item, item_schema, f'{path}[{i}]', lenient=lenient))
    if schema.get('uniqueItems') is True:
        seen = [json.dumps(v, sort_keys=True) for v in out]
        if len(set(seen)) != len(seen):
            raise _Mismatch(path, 'expected unique items, got repeated ones')
    return out


def _object(value: Dict[str, Any], schema: _Schema, path: str, lenient: bool) -> Dict[str, Any]:
    properties = schema.get('properties')
    properties = properties if isinstance(properties, Mapping) else {}
    extra = schema.get('additionalProperties', True)
    for name in schema.get('required') or ():
        if name not in value:
            raise _Mismatch(f'{path}.{name}', 'missing required field')
    out = {}
    for key, item in value.items():
        here = f'{path}.{key}'
        if key in properties and isinstance(properties[key], Mapping):
            out[key] = _check(item, properties[key], here, lenient=lenient)
        elif extra is False:
            raise _Mismatch(here, 'unexpected field')
        else:
            out[key] = _check(item, extra, here, lenient=lenient) if isinstance(extra, Mapping) else item
    return out


def _member(value: Any, choices: Sequence[Any], path: str, lenient: bool) -> Any:
    for choice in choices:
        # True == 1 in Python, so compare JSON types too.
        if value == choice and isinstance(value, bool) == isinstance(choice, bool):
            return choice
    if lenient and isinstance(value, str):
        for choice in choices:
            if not isinstance(choice, str) and choice is not None and value.strip() == json.dumps(choice):
                return choice
    raise _Mismatch(path, f'expected one of {list(choices)!r}, {_got(value)}')


def _expect(ok: bool, value: Any, what: str, path: str) -> None:
    if not ok:
        raise _Mismatch(path, f'expected {what}, {_got(value)}')


def _describe(schema: _Schema) -> str:
    if 'enum' in schema:
        return f'one of {schema["enum"]!r}'
    kind = schema.get('type')
    names = {'string': 'a string', 'integer': 'an integer', 'number': 'a number', 'boolean': 'a boolean'}
    names.update({'null': 'null', 'array': 'an array', 'object': 'an object'})
    if isinstance(kind, str):
        return names.get(kind, kind)
    return 'a value of another shape'


def _got(value: Any) -> str:
    return f'got {_shown(value)}'


def _shown(value: Any) -> str:
    kind = {dict: 'an object', list: 'an array', str: 'a string', bool: 'a boolean', type(None): 'null'}
    if value is None:
        return 'null'
    text = json.dumps(value, default=repr)
    text = text if len(text) <= 40 else text[:40] + '…'
    return f'{kind.get(type(value), "a number")} {text}'
