"""Python types as JSON schemas: tools from functions, ``format=`` from dataclasses and pydantic models.

:func:`json_schema` is the one translation from a type to a schema; tools and formats both use it, so a
type means the same in either place (and :mod:`._structured` reads replies back with the same rules).
Nested dataclasses are written inline rather than through ``$ref``: the server reads tool parameters
into fixed fields and would drop a reference.
"""

from __future__ import annotations

import inspect
import sys
from enum import Enum
from typing import Any, Callable, Dict, List, Literal, Mapping, Tuple

from . import _typeinfo as ti
from ._codec import decode
from ._docstrings import parse_docstring
from ._errors import RequestError
from ._types import Tool, ToolFunction, ToolParameters, ToolProperty

__all__ = ['format_schema', 'function_tool', 'json_schema', 'to_tool']

_SIMPLE = {str: 'string', int: 'integer', float: 'number', bool: 'boolean', type(None): 'null'}
_Schema = Dict[str, Any]


def json_schema(tp: Any) -> _Schema:
    """The JSON schema of a Python type, as sent in tools and ``format=``.

    str, int, float, bool, None; ``List``/``Sequence`` (array with ``items``), ``Tuple`` (``prefixItems``,
    or ``items`` for ``Tuple[T, ...]``), ``Set``/``FrozenSet`` (``uniqueItems``), ``Dict``/``Mapping`` with
    str keys (object, ``additionalProperties`` from the value type), ``Optional``/``Union``, ``Literal`` and
    ``Enum`` (``enum`` with its ``type``), dataclasses (object with ``properties`` and ``required``, field
    descriptions from an ``Attributes:`` docstring section), ``Annotated[T, 'text']`` (a description),
    ``Any`` (no constraint). Raises ``TypeError`` for anything else, naming the part that failed.

    >>> json_schema(Optional[List[int]])
    {'type': ['array', 'null'], 'items': {'type': 'integer'}}
    """
    return _schema(tp, ())


def _schema(tp: Any, outer: Tuple[type, ...]) -> _Schema:
    text = ti.annotated_text(tp)
    tp, base, args = ti.unwrap(tp)
    schema = _unannotated(tp, base, args, outer)
    if text is not None:
        schema = {**schema, 'description': text}
    return schema


def _unannotated(tp: Any, base: Any, args: Tuple[Any, ...], outer: Tuple[type, ...]) -> _Schema:
    if tp is Any or tp is object:
        return {}
    if tp is None or (isinstance(tp, type) and tp in _SIMPLE):
        return {'type': _SIMPLE[type(None) if tp is None else tp]}
    if ti.is_union(base):
        return _union(args, outer)
    if base is Literal or (isinstance(tp, type) and issubclass(tp, Enum)):
        return _enum(tp)
    if ti.is_dataclass_type(tp):
        return _object(tp, outer)
    if base in ti.ARRAYS:
        return {'type': 'array', 'items': _schema(args[0], outer)} if args else {'type': 'array'}
    if base in ti.SETS:
        items = {'items': _schema(args[0], outer)} if args else {}
        return {'type': 'array', **items, 'uniqueItems': True}
    if base is tuple:
        return _tuple(args, outer)
    if base in ti.MAPPINGS:
        return _mapping(args, outer)
    raise TypeError(f'{ti.type_name(tp)} has no JSON schema')


def _union(args: Tuple[Any, ...], outer: Tuple[type, ...]) -> _Schema:
    nullable = type(None) in args
    schemas = [_schema(a, outer) for a in args if a is not type(None)]
    if len(schemas) == 1:
        schema = schemas[0]
    elif all(list(s) == ['type'] and isinstance(s['type'], str) for s in schemas):
        schema = {'type': _unique(s['type'] for s in schemas)}
    else:
        schema = {'anyOf': schemas}
    return _allow_null(schema) if nullable else schema


def _allow_null(schema: _Schema) -> _Schema:
    """``schema`` widened to accept ``null`` too, keeping its shape where it has one."""
    if 'anyOf' in schema:
        return {**schema, 'anyOf': [*schema['anyOf'], {'type': 'null'}]}
    if 'type' not in schema:
        # No type means any value already, null included.
        return schema
    types = schema['type'] if isinstance(schema['type'], list) else [schema['type']]
    out = {**schema, 'type': _unique([*types, 'null'])}
    if 'enum' in schema and None not in schema['enum']:
        out['enum'] = [*schema['enum'], None]
    return out


def _enum(tp: Any) -> _Schema:
    values = ti.enum_values(tp)
    types = _unique(ti.json_type(v) for v in values)
    return {'type': types[0] if len(types) == 1 else types, 'enum': values}


def _object(cls: type, outer: Tuple[type, ...]) -> _Schema:
    if cls in outer:
        raise TypeError(f'{cls.__qualname__} contains itself; a recursive dataclass has no inline JSON schema')
    described = parse_docstring(cls.__doc__).params
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for f in ti.dataclass_fields(cls):
        try:
            schema = _schema(f.type, (*outer, cls))
        except TypeError as exc:
            raise TypeError(f'{cls.__qualname__}.{f.name}: {exc}') from None
        if f.name in described:
            schema = {**schema, 'description': described[f.name]}
        properties[f.name] = schema
        if f.required:
            required.append(f.name)
    out: _Schema = {'type': 'object', 'properties': properties}
    if required:
        out['required'] = required
    return out


def _tuple(args: Tuple[Any, ...], outer: Tuple[type, ...]) -> _Schema:
    if not args:
        return {'type': 'array'}
    if len(args) == 2 and args[1] is Ellipsis:
        return {'type': 'array', 'items': _schema(args[0], outer)}
    items = [_schema(a, outer) for a in args]
    return {'type': 'array', 'prefixItems': items, 'minItems': len(items), 'maxItems': len(items)}


def _mapping(args: Tuple[Any, ...], outer: Tuple[type, ...]) -> _Schema:
    if not args:
        return {'type': 'object'}
    key = ti.unwrap(args[0])[0]
    if key is not str and key is not Any:
        raise TypeError(f'JSON object keys are strings, so a mapping cannot have {ti.type_name(key)} keys')
    values = _schema(args[1], outer)
    return {'type': 'object', 'additionalProperties': values} if values else {'type': 'object'}


def _unique(items: Any) -> List[Any]:
    return list(dict.fromkeys(items))


# --- Tools -------------------------------------------------------------------------------------------


def function_tool(func: Callable[..., Any]) -> Tool:
    """Describe a function as a tool, from its signature, type hints and Google-style docstring.

    The tool's description is the docstring's summary; each parameter's description comes from its
    ``Args:`` entry. ``required`` lists the parameters without a default. ``*args`` and ``**kwargs`` are
    left out (the model can only pass named arguments), and so is a first parameter named ``self`` or
    ``cls`` (a method taken from its class). A parameter without annotation gets a schema with no type.
    Raises ``TypeError`` naming the function and the parameter whose annotation has no JSON schema.

    >>> function_tool(get_weather).function.parameters.required
    ['city']
    """
    name = getattr(func, '__name__', None) or type(func).__name__
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as exc:
        raise TypeError(f'cannot read the signature of {name!r} to describe it as a tool: {exc}') from None
    doc = parse_docstring(inspect.getdoc(func))
    globalns = _globals_of(func)
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for i, param in enumerate(signature.parameters.values()):
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or (i == 0 and param.name in ('self', 'cls')):
            continue
        schema: _Schema = {}
        if param.annotation is not param.empty:
            try:
                schema = _schema(ti.resolve_hint(param.annotation, globalns), ())
            except Exception as exc:  # an unresolvable name, ``X | Y`` on 3.9, a type with no schema
                raise TypeError(f'cannot describe parameter {param.name!r} of function {name!r}: {exc}') from None
        if param.name in doc.params:
            schema = {**schema, 'description': doc.params[param.name]}
        properties[param.name] = decode(ToolProperty, schema)
        if param.default is param.empty:
            required.append(param.name)
    parameters = ToolParameters(type='object', properties=properties, required=required or None)
    return Tool(
        type='function', function=ToolFunction(name=name, description=doc.summary or None, parameters=parameters)
    )


def _globals_of(func: Any) -> Dict[str, Any]:
    """The namespace the function's string annotations are written in."""
    namespace = getattr(inspect.unwrap(func), '__globals__', None)
    if isinstance(namespace, dict):
        return namespace
    module = sys.modules.get(getattr(func, '__module__', None) or '')
    return vars(module) if module is not None else {}


def to_tool(value: Any) -> Any:
    """A tool for the request body: a dict or ``Tool`` as given, a callable described by :func:`function_tool`.

    Raises ``RequestError`` for anything else, ``TypeError`` for a function that cannot be described.
    """
    if isinstance(value, Tool):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    if callable(value):
        return function_tool(value)
    raise RequestError(f'a tool must be a dict, ollama_lite.Tool or a function, not {type(value).__name__}')


# --- Structured outputs ------------------------------------------------------------------------------


def format_schema(value: Any) -> Any:
    """The ``format`` field: ``''``, ``'json'``, a JSON schema dict, or the schema of a dataclass or pydantic
    model class.

    Raises ``RequestError`` naming the value for anything else, or naming the field of a dataclass that
    has no JSON schema.

    >>> format_schema(Weather)['required']
    ['city', 'temperature']
    """
    if value is None or (isinstance(value, str) and value in ('', 'json')):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    if ti.is_pydantic_model(value):
        return value.model_json_schema()
    if ti.is_dataclass_type(value):
        try:
            return json_schema(value)
        except TypeError as exc:
            raise RequestError(f'format={value.__qualname__}: {exc}') from None
    raise RequestError(
        f"format must be '', 'json', a JSON schema dict, a dataclass or a pydantic model class; got {value!r}"
    )
