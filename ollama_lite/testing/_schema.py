"""A deterministic JSON document that validates against a JSON schema: structured outputs and tool arguments.

Covers what Pydantic, dataclass converters and hand-written tool schemas produce: ``type`` (one or a list),
objects with ``properties``/``required``, arrays with ``items``/``prefixItems``/``minItems``/``maxItems``,
strings with ``format``/``minLength``/``maxLength``, numeric bounds and ``multipleOf``, ``enum``, ``const``,
``anyOf``/``oneOf``/``allOf`` and local ``$ref`` into ``$defs``/``definitions``. ``pattern`` is not honoured.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Mapping, Optional, Union

# A reference met again inside its own expansion is recursion: from there on the generator writes the smallest
# valid value (no optional properties, no array items, null where allowed). The budget caps the work for schemas
# that cannot be satisfied finitely (a required, non-nullable reference to itself).
_BUDGET = 2000
_MAX_NESTED_REFERENCES = 32
_MAX_REFERENCE_CHAIN = 32

_FORMATS = {
    'date-time': '2024-01-01T12:00:00Z',
    'date': '2024-01-01',
    'time': '12:00:00',
    'duration': 'P1D',
    'email': 'user@example.com',
    'hostname': 'example.com',
    'ipv4': '192.0.2.1',
    'ipv6': '2001:db8::1',
    'uri': 'https://example.com/',
    'url': 'https://example.com/',
    'uuid': '123e4567-e89b-42d3-a456-426614174000',
}
_TYPE_OF_KEYWORD = (
    ('properties', 'object'),
    ('required', 'object'),
    ('additionalProperties', 'object'),
    ('items', 'array'),
    ('prefixItems', 'array'),
    ('minimum', 'number'),
    ('maximum', 'number'),
    ('minLength', 'string'),
)

Schema = Union[Mapping[str, Any], bool]

#: The most items, characters or properties a schema may ask the generator for; a test never needs more, and a
#: request for a billion must not take the emulator's memory.
MAX_GENERATED = 4096
_SUBSCHEMA_LISTS = ('anyOf', 'oneOf', 'allOf', 'prefixItems')
_SUBSCHEMA_MAPS = ('properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas')
_SUBSCHEMAS = ('items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames')
_COUNTS = ('minItems', 'maxItems', 'minLength', 'maxLength', 'minProperties', 'maxProperties')
_NUMBERS = ('minimum', 'maximum', 'multipleOf', 'exclusiveMinimum', 'exclusiveMaximum')
_STRINGS = ('$ref', 'format', 'pattern', 'title', 'description')


def schema_problem(schema: Any) -> Optional[str]:
    """What makes ``schema`` one the generator cannot follow (a keyword of the wrong type, a count beyond
    :data:`MAX_GENERATED`), or ``None``; walked without recursion."""
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, bool):
            continue
        if not isinstance(node, Mapping):
            return f'a schema is an object or a boolean, not {_json_kind(node)}'
        problem = _keyword_problem(node)
        if problem is not None:
            return problem
        for key in _SUBSCHEMA_LISTS:
            value = node.get(key)
            if value is not None and not isinstance(value, list):
                return f'{key} must be an array of schemas'
            pending.extend(value or ())
        for key in _SUBSCHEMA_MAPS:
            value = node.get(key)
            if value is not None and not isinstance(value, Mapping):
                return f'{key} must be an object of schemas'
            pending.extend((value or {}).values())
        pending.extend(node[key] for key in _SUBSCHEMAS if node.get(key) is not None)
    return None


def _keyword_problem(node: Mapping[str, Any]) -> Optional[str]:
    for key in _COUNTS:
        value = node.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return f'{key} must be a whole number of 0 or more, not {value!r}'
        if key.startswith('min') and value > MAX_GENERATED:
            return f'{key} {value} asks for more than the emulator generates ({MAX_GENERATED})'
    for key in _NUMBERS:
        value = node.get(key)
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if value is not None and not number and not (key.startswith('exclusive') and isinstance(value, bool)):
            return f'{key} must be a number, not {value!r}'
    if isinstance(node.get('multipleOf'), (int, float)) and node['multipleOf'] <= 0:
        return 'multipleOf must be more than 0'
    kind = node.get('type')
    if kind is not None and not isinstance(kind, str) and not _strings(kind):
        return 'type must be a string or an array of strings'
    for key in _STRINGS:
        if node.get(key) is not None and not isinstance(node[key], str):
            return f'{key} must be a string'
    for key in ('enum', 'required'):
        if node.get(key) is not None and not isinstance(node[key], list):
            return f'{key} must be an array'
    return None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return 'an array'
    if isinstance(value, str):
        return 'a string'
    return 'null' if value is None else 'a number'


def example_for(schema: Schema) -> Any:
    """Return a JSON-compatible value that validates against ``schema``.

    >>> example_for({'type': 'object', 'properties': {'age': {'type': 'integer', 'minimum': 50}}})
    {'age': 50}
    """
    return _Generator(schema).value(schema, 'value', 0, minimal=False)


class _Generator:
    def __init__(self, root: Schema) -> None:
        self.root = root
        self.expanding: List[str] = []
        self.budget = _BUDGET

    def value(self, schema: Schema, key: str, index: int, *, minimal: bool) -> Any:
        self.budget -= 1
        if self.budget < 0 or len(self.expanding) > _MAX_NESTED_REFERENCES:
            return None
        if schema is True or not isinstance(schema, Mapping):
            return f'example {key}'
        reference = schema.get('$ref')
        if not isinstance(reference, str):
            return self.resolved(schema, key, index, minimal)
        self.expanding.append(reference)
        try:
            return self.resolved(self.resolve(schema), key, index, minimal or reference in self.expanding[:-1])
        finally:
            self.expanding.pop()

    def resolved(self, schema: Mapping[str, Any], key: str, index: int, minimal: bool) -> Any:
        if 'const' in schema:
            return schema['const']
        if schema.get('enum'):
            return schema['enum'][index % len(schema['enum'])]
        if 'allOf' in schema:
            return self.value(self.merge(schema), key, index, minimal=minimal)
        for keyword in ('anyOf', 'oneOf'):
            if schema.get(keyword):
                return self.value(self.choose(schema[keyword], minimal), key, index, minimal=minimal)
        kind = self.kind(schema)
        if kind == 'object':
            return self.object(schema, minimal)
        if kind == 'array':
            return self.array(schema, key, minimal)
        if kind in ('integer', 'number'):
            return _number(schema, kind == 'integer', index)
        if kind == 'boolean':
            return index % 2 == 0
        if kind == 'null':
            return None
        return _string(schema, key, index)

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        # A chain of references (A points to B points to C) is followed, within bounds.
        for _ in range(_MAX_REFERENCE_CHAIN):
            reference = schema.get('$ref')
            if not isinstance(reference, str) or not reference.startswith('#'):
                return schema
            target: Any = self.root
            for escaped in filter(None, reference[1:].split('/')):
                part = escaped.replace('~1', '/').replace('~0', '~')
                target = target.get(part) if isinstance(target, Mapping) else None
            siblings = {k: v for k, v in schema.items() if k != '$ref'}
            schema = {**target, **siblings} if isinstance(target, Mapping) else siblings
        return {}

    def merge(self, schema: Mapping[str, Any]) -> Dict[str, Any]:
        merged: Dict[str, Any] = {k: v for k, v in schema.items() if k != 'allOf'}
        for branch in schema['allOf']:
            part = self.resolve(branch) if isinstance(branch, Mapping) else {}
            properties = {**merged.get('properties', {}), **part.get('properties', {})}
            required = list(dict.fromkeys([*merged.get('required', []), *part.get('required', [])]))
            merged = {**part, **merged, 'properties': properties, 'required': required}
        return merged

    def choose(self, branches: List[Schema], minimal: bool) -> Schema:
        # Branches keep their references, so that value() still notices recursion through them.
        is_null = [isinstance(b, Mapping) and self.resolve(b).get('type') == 'null' for b in branches]
        if minimal and any(is_null):
            return branches[is_null.index(True)]
        return next((b for b, null in zip(branches, is_null) if not null), branches[0])

    @staticmethod
    def kind(schema: Mapping[str, Any]) -> str:
        declared = schema.get('type')
        if isinstance(declared, list):
            return next((t for t in declared if t != 'null'), 'null')
        if isinstance(declared, str):
            return declared
        return next((kind for keyword, kind in _TYPE_OF_KEYWORD if keyword in schema), 'string')

    def object(self, schema: Mapping[str, Any], minimal: bool) -> Dict[str, Any]:
        properties: Mapping[str, Any] = schema.get('properties') or {}
        required = [name for name in schema.get('required') or [] if isinstance(name, str)]
        names = required if minimal else list(dict.fromkeys([*properties, *required]))
        extra = schema.get('additionalProperties')
        result = {}
        for name in names:
            sub = properties.get(name, extra if isinstance(extra, Mapping) else True)
            result[name] = self.value(sub, name, 0, minimal=minimal)
        return result

    def array(self, schema: Mapping[str, Any], key: str, minimal: bool) -> List[Any]:
        prefix = schema.get('prefixItems') or []
        items = schema.get('items', True)
        minimum = schema.get('minItems', 0)
        count = max(minimum, len(prefix), 0 if minimal else 1)
        if schema.get('maxItems') is not None:
            count = min(count, schema['maxItems'])
        if items is False:
            count = min(count, len(prefix))
        singular = key[:-1] if key.endswith('s') and len(key) > 1 else key
        return [self.value(prefix[i] if i < len(prefix) else items, singular, i, minimal=minimal) for i in range(count)]


def _string(schema: Mapping[str, Any], key: str, index: int) -> str:
    text = _FORMATS.get(schema.get('format', ''), f'example {key}')
    if index:
        text = f'{text} {index + 1}'
    minimum, maximum = schema.get('minLength', 0), schema.get('maxLength')
    if len(text) < minimum:
        text += 'x' * (minimum - len(text))
    return text if maximum is None else text[:maximum]


def _number(schema: Mapping[str, Any], integer: bool, index: int) -> Union[int, float]:
    target: float = (42 if integer else 3.5) + index
    low, low_open = _bound(schema, 'minimum', 'exclusiveMinimum')
    high, high_open = _bound(schema, 'maximum', 'exclusiveMaximum')
    step = schema.get('multipleOf') or (1 if integer else None)
    if low is not None and (target < low or (low_open and target == low)):
        target = low + (step or 1) if low_open else low
    if high is not None and (target > high or (high_open and target == high)):
        target = (low + high) / 2 if low is not None else (high - (step or 1) if high_open else high)
    if step:
        target = _snap(target, step, low, high, low_open, high_open)
    return int(target) if integer else float(target)


def _snap(
    value: float, step: float, low: Optional[float], high: Optional[float], low_open: bool, high_open: bool
) -> float:
    candidate = math.ceil(value / step) * step
    too_high = high is not None and (candidate > high or (high_open and candidate >= high))
    if too_high:
        candidate = math.floor(value / step) * step
    too_low = low is not None and (candidate < low or (low_open and candidate <= low))
    return candidate + step if too_low else candidate


def _bound(schema: Mapping[str, Any], inclusive: str, exclusive: str) -> Any:
    """A bound and whether it is open; draft 4 spells an open bound as ``exclusiveMinimum: true``."""
    flag = schema.get(exclusive)
    if isinstance(flag, bool):
        return schema.get(inclusive), flag and inclusive in schema
    if isinstance(flag, (int, float)):
        return flag, True
    return schema.get(inclusive), False
