"""Turning wire dicts into typed objects and back, at close to the cost of ``json.loads``.

A decoder is built once per class from its field types: primitives are stored as they come,
nested models, lists and dicts of them are converted, datetimes parsed, unknown keys kept in
``_extra``. dataclasses-json's generic ``from_dict`` stays available to users, but is far too slow
for a stream chunk or a large embedding reply.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar, Union

from ._record import JSON_NAME, Record

__all__ = ['decode', 'decoder_for', 'encode', 'parse_datetime']

T = TypeVar('T', bound=Record)
_Convert = Callable[[Any], Any]

_DATETIME = re.compile(
    r'(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:?\d\d)?$',
)


def parse_datetime(value: Any) -> Any:
    """Parse an RFC 3339 timestamp as Go writes it (nanoseconds, ``Z``) on every supported Python.

    Values that are not strings in that form are returned unchanged rather than dropped.
    """
    if not isinstance(value, str):
        return value
    m = _DATETIME.match(value)
    if m is None:
        return value
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    micro = int((fraction or '0')[:6].ljust(6, '0'))
    tz: Optional[timezone] = None
    if zone in ('Z', 'z'):
        tz = timezone.utc
    elif zone:
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz)


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and issubclass(tp, Record)


def _converter(tp: Any) -> Optional[_Convert]:
    """How to turn a wire value into a value of type ``tp``; ``None`` means store it as it is."""
    tp = _strip_optional(tp)
    if _is_model(tp):
        return decoder_for(tp)
    if tp is datetime:
        return parse_datetime
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, typing.List, typing.Sequence, tuple) or (
        origin is not None and getattr(origin, '__name__', '') == 'Sequence'
    ):
        item = _converter(args[0]) if args else None
        if item is None:
            return None
        return lambda v: [item(x) if x is not None else None for x in v] if isinstance(v, list) else v
    if origin in (dict, typing.Dict) or getattr(origin, '__name__', '') == 'Mapping':
        value = _converter(args[1]) if len(args) == 2 else None
        if value is None:
            return None
        return lambda v: {k: value(x) if x is not None else None for k, x in v.items()} if isinstance(v, dict) else v
    return None


_DECODERS: Dict[type, Callable[[Any], Any]] = {}
#: Stands in the defaults template for a field that has a ``default_factory``.
_FACTORY = object()


def decoder_for(cls: Type[T]) -> Callable[[Any], T]:
    """The decoder of ``cls``: a function from a wire dict to an instance, built on first use."""
    try:
        return _DECODERS[cls]
    except KeyError:
        pass

    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    # wire key -> (attribute, converter or None)
    plan: Dict[str, Tuple[str, Optional[_Convert]]] = {}
    # attribute -> default, in field order: every instance's __dict__ starts as a copy of this.
    template: Dict[str, Any] = {}
    factories: List[Tuple[str, Callable[[], Any]]] = []
    converters: List[Tuple[str, _Convert]] = []
    for f in fields:
        convert = _converter(hints[f.name])
        plan[f.metadata.get(JSON_NAME, f.name)] = (f.name, convert)
        if convert is not None:
            converters.append((f.name, convert))
        if f.default is not dataclasses.MISSING:
            template[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            template[f.name] = _FACTORY
            factories.append((f.name, f.default_factory))
        else:
            template[f.name] = None
    # Attributes whose wire name differs (``from`` for ``from_``, ``_debug_info`` for ``debug_info``): a dict
    # holding either name takes the general path, which maps or keeps it; every other dict the fast one.
    renamed = tuple(name for wire, (name, _) in plan.items() if wire != name)
    new = object.__new__

    def general(d: Dict[str, Any]) -> T:
        # Any dict: unknown keys go to ``_extra``, wire names are mapped to attributes.
        ns = {k: v for k, v in template.items() if v is not _FACTORY}
        extra = None
        nulls = None
        for key, value in d.items():
            step = plan.get(key)
            if step is None:
                if extra is None:
                    extra = {}
                extra[key] = value
            else:
                name, convert = step
                if value is None:
                    nulls = (*(nulls or ()), name)
                ns[name] = value if convert is None or value is None else convert(value)
        for name, factory in factories:
            if name not in ns:
                ns[name] = factory()
        obj = new(cls)
        obj.__dict__ = {name: ns[name] for name in template}
        if extra is not None:
            obj.__dict__['_extra'] = extra
        if nulls is not None:
            obj.__dict__['_nulls'] = frozenset(nulls)
        return obj

    decode_with = _usual_case(cls, template, converters, factories, general, renamed)
    _DECODERS[cls] = decode_with
    return decode_with


def _not_an_object(cls: type, d: Any) -> TypeError:
    return TypeError(f'expected a JSON object for {cls.__name__}, got {type(d).__name__}')


def _usual_case(
    cls: type,
    template: Dict[str, Any],
    converters: List[Tuple[str, _Convert]],
    factories: List[Tuple[str, Callable[[], Any]]],
    general: Callable[[Dict[str, Any]], Any],
    renamed: Tuple[str, ...] = (),
) -> Callable[[Any], Any]:
    """The decoder for dicts whose every key is a field under its own name (all others go to ``general``),
    as straight-line code for this class: a stream decodes two objects per chunk, and a loop over the
    fields that need converting costs about a third of each. Built once per class, as dataclasses builds
    ``__init__``. A field in ``renamed`` (its wire name differs) is never set here: its wire name is not a
    field, so a dict holding it has an entry more than the template, and its attribute name on the wire is
    an unknown key, which ``general`` keeps as extra."""
    env: Dict[str, Any] = {
        'cls': cls,
        'new': object.__new__,
        'template': template,
        'size': len(template),
        'general': general,
        'FACTORY': _FACTORY,
        'not_an_object': _not_an_object,
    }
    # Every key a field: the merged copy has no more entries than the template. Field names are
    # identifiers, so they appear in the code as plain string literals.
    body = [
        'if not isinstance(d, dict):',
        '    raise not_an_object(cls, d)',
        'ns = {**template, **d}',
        'if len(ns) != size' + ''.join(f' or {name!r} in d' for name in renamed) + ':',
        '    return general(d)',
    ]
    factory_of = dict(factories)
    for i, (name, convert) in enumerate(converters):
        if name in renamed:
            continue  # never on the wire under this name here (see above); a factory still runs below
        env[f'convert_{i}'] = convert
        body += [f'v = d.get({name!r})', 'if v is not None:', f'    ns[{name!r}] = convert_{i}(v)']
        if name in factory_of:
            env[f'factory_{i}'] = factory_of.pop(name)
            body += [f'elif ns[{name!r}] is FACTORY:', f'    ns[{name!r}] = factory_{i}()']
    for j, (name, factory) in enumerate(factory_of.items()):
        env[f'make_{j}'] = factory
        body += [f'if ns[{name!r}] is FACTORY:', f'    ns[{name!r}] = make_{j}()']
    # A field sent as null counts as set (``'k' in r``, ``model_dump(exclude_unset=True)``), as in pydantic.
    body += [
        'obj = new(cls)',
        'obj.__dict__ = ns',
        'if None in d.values():',
        '    ns["_nulls"] = frozenset([k for k, v in d.items() if v is None])',
        'return obj',
    ]
    source = 'def decode_with(d):\n' + ''.join(f'    {line}\n' for line in body)
    exec(compile(source, f'<ollama_lite decoder of {cls.__qualname__}>', 'exec'), env)
    return env['decode_with']  # type: ignore[no-any-return]


def decode(cls: Type[T], data: Any) -> T:
    """Decode a wire dict into ``cls``. Raises ``TypeError`` when ``data`` is not a JSON object."""
    return decoder_for(cls)(data)


#: Field name -> wire name of each model class, in field order, built on first use.
_WIRE_NAMES: Dict[type, Tuple[Tuple[str, str], ...]] = {}
#: Values that encode as themselves; checked by exact type, before any isinstance.
_PLAIN = frozenset({str, int, float, bool})


def _wire_names(cls: type) -> Tuple[Tuple[str, str], ...]:
    try:
        return _WIRE_NAMES[cls]
    except KeyError:
        names = tuple((f.name, f.metadata.get(JSON_NAME, f.name)) for f in dataclasses.fields(cls))
        _WIRE_NAMES[cls] = names
        return names


def encode(value: Any) -> Any:
    """Turn models (and lists and dicts of them) into plain JSON values, dropping unset (``None``) fields.

    Wire names replace Python names (``from_`` → ``from``), extra fields are kept, datetimes
    become RFC 3339 strings. Plain dicts are the caller's own data (a JSON schema, options) and
    keep their ``None`` values.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    # Known model classes are found by exact type first: the isinstance check costs more than encoding a
    # small message.
    names = _WIRE_NAMES.get(kind)
    if names is None and isinstance(value, Record):
        names = _wire_names(kind)
    if names is not None:
        out: Dict[str, Any] = {}
        for name, wire in names:
            v = getattr(value, name)
            if v is not None:
                out[wire] = v if type(v) in _PLAIN else encode(v)
        if value._extra:
            # Extra fields are data someone chose to keep (a schema keyword such as "default": null).
            for k, v in value._extra.items():
                out[k] = encode(v)
        return out
    if kind is list or isinstance(value, (list, tuple)):
        return [v if type(v) in _PLAIN else encode(v) for v in value]
    if isinstance(value, dict):
        return _encode_tree(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _encode_tree(root: Dict[Any, Any]) -> Dict[Any, Any]:
    """``encode`` of a plain dict (tool-call arguments, a schema, options), copied with a stack of its
    own rather than by recursion: such data comes from the server and may be nested as deep as
    ``json`` could decode it, deeper than Python's recursion limit allows re-encoding it."""
    out: Dict[Any, Any] = {}
    todo: List[Tuple[Any, Any]] = [(root, out)]  # (source, its copy being filled)
    while todo:
        source, target = todo.pop()
        for k, v in source.items() if isinstance(source, dict) else enumerate(source):
            if type(v) in _PLAIN or v is None:
                target[k] = v
            elif isinstance(v, dict):
                target[k] = {}
                todo.append((v, target[k]))
            elif isinstance(v, (list, tuple)):
                target[k] = [None] * len(v)
                todo.append((v, target[k]))
            else:
                target[k] = encode(v)  # a model or a datetime: not a deep tree of plain data
    return out
