"""Annotations as users write them, in modules of their own, read the same on every supported Python.

Each case is a real module file imported the usual way, so names resolve in its own globals as they would
in a user's code. Under ``from __future__ import annotations`` every annotation is a string; ``int | None``
and ``list[int]`` there must work on Python 3.8 and 3.9, where evaluating them would fail.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Union

import pytest

import ollama_lite as ollama
from ollama_lite._codec import encode
from ollama_lite._hints import resolve
from ollama_lite._schema import format_schema, function_tool
from ollama_lite._typeinfo import is_union, unwrap

USER_MODULE = '''
from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Literal, Optional

try:
    from typing import Annotated
except ImportError:  # Python 3.8
    from typing_extensions import Annotated


class Unit(enum.Enum):
    C = 'celsius'
    F = 'fahrenheit'


@dataclasses.dataclass
class Address:
    street: str
    tags: list[str]


@dataclasses.dataclass
class Person:
    """A person.

    Attributes:
        age: Years, if known.
    """

    name: str
    age: int | None
    home: Address
    past: list[Address]
    scores: dict[str, int]
    pair: tuple[int, str]
    readings: tuple[float, ...]
    unit: Unit | None = None
    kind: Literal['friend', 'colleague'] | None = None
    nick: Optional[str] = None
    nested: dict[str, list[int | None]] = dataclasses.field(default_factory=dict)
    qualified: typing.List[typing.Optional[int]] = dataclasses.field(default_factory=list)
    later: Later | None = None


@dataclasses.dataclass
class Later:
    """Defined after the class that names it."""

    note: str


def find_people(
    city: str,
    limit: int | None = None,
    fields: list[str] | None = None,
    where: dict[str, int | str] | None = None,
    like: Person | None = None,
    count: Annotated[int | None, 'How many at most.'] = None,
) -> list[Person]:
    """Find people in a city.

    Args:
        city: Where to look.
    """
    return []
'''

PERSON = {
    'name': 'Ada',
    'age': None,
    'home': {'street': 'Main', 'tags': ['a']},
    'past': [{'street': 'Old', 'tags': []}],
    'scores': {'x': 1},
    'pair': [1, 'one'],
    'readings': [1.5, 2],
    'unit': 'celsius',
    'kind': 'friend',
    'nested': {'k': [1, None]},
    'qualified': [None, 3],
    'later': {'note': 'n'},
}


def _import(path: Path, name: str, source: str) -> ModuleType:
    path.write_text(textwrap.dedent(source), encoding='utf-8')
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def user(tmp_path: Path) -> Iterator[ModuleType]:
    name = 'ollama_lite_user_models'
    try:
        yield _import(tmp_path / f'{name}.py', name, USER_MODULE)
    finally:
        sys.modules.pop(name, None)


def test_dataclass_schema_from_string_annotations(user: ModuleType) -> None:
    schema = ollama.json_schema(user.Person)
    address = {
        'type': 'object',
        'properties': {'street': {'type': 'string'}, 'tags': {'type': 'array', 'items': {'type': 'string'}}},
        'required': ['street', 'tags'],
    }
    assert schema['required'] == ['name', 'age', 'home', 'past', 'scores', 'pair', 'readings']
    assert schema['properties'] == {
        'name': {'type': 'string'},
        'age': {'type': ['integer', 'null'], 'description': 'Years, if known.'},
        'home': address,
        'past': {'type': 'array', 'items': address},
        'scores': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
        'pair': {
            'type': 'array',
            'prefixItems': [{'type': 'integer'}, {'type': 'string'}],
            'minItems': 2,
            'maxItems': 2,
        },
        'readings': {'type': 'array', 'items': {'type': 'number'}},
        'unit': {'type': ['string', 'null'], 'enum': ['celsius', 'fahrenheit', None]},
        'kind': {'type': ['string', 'null'], 'enum': ['friend', 'colleague', None]},
        'nick': {'type': ['string', 'null']},
        'nested': {
            'type': 'object',
            'additionalProperties': {'type': 'array', 'items': {'type': ['integer', 'null']}},
        },
        'qualified': {'type': 'array', 'items': {'type': ['integer', 'null']}},
        'later': {
            'type': ['object', 'null'],
            'properties': {'note': {'type': 'string'}},
            'required': ['note'],
        },
    }
    assert format_schema(user.Person) == schema


def test_tool_from_string_annotations(user: ModuleType) -> None:
    function = encode(function_tool(user.find_people))['function']
    props = function['parameters']['properties']
    assert function['parameters']['required'] == ['city']
    assert props['city'] == {'type': 'string', 'description': 'Where to look.'}
    assert props['limit'] == {'type': ['integer', 'null']}
    assert props['fields'] == {'type': ['array', 'null'], 'items': {'type': 'string'}}
    assert props['where'] == {'type': ['object', 'null'], 'additionalProperties': {'type': ['integer', 'string']}}
    assert props['like']['type'] == ['object', 'null']
    assert props['like']['required'][:2] == ['name', 'age']
    assert props['count'] == {'type': ['integer', 'null'], 'description': 'How many at most.'}


def test_parse_into_string_annotated_dataclass(user: ModuleType) -> None:
    person = ollama.parse(user.Person, json.dumps(PERSON))
    assert person.home == user.Address('Main', ['a'])
    assert person.past == [user.Address('Old', [])]
    assert person.pair == (1, 'one')
    assert person.readings == (1.5, 2.0)
    assert person.unit is user.Unit.C
    assert person.kind == 'friend'
    assert person.nested == {'k': [1, None]}
    assert person.qualified == [None, 3]
    assert person.later == user.Later('n')
    with pytest.raises(ollama.StructuredOutputError, match=r'at nested\.k\[0\]: expected an integer'):
        ollama.parse(user.Person, json.dumps({**PERSON, 'nested': {'k': ['x']}}))


def test_readme_structured_output_dataclass(tmp_path: Path) -> None:
    # The dataclass of the README's structured-output section, as a user's module on any supported Python.
    source = """
    from __future__ import annotations

    from dataclasses import dataclass

    @dataclass
    class Country:
        name: str
        capital: str
        languages: list[str]
        population: int | None = None
    """
    module = _import(tmp_path / 'readme_country.py', 'readme_country', source)
    try:
        country = ollama.parse(module.Country, '{"name": "Canada", "capital": "Ottawa", "languages": ["en", "fr"]}')
        assert country == module.Country('Canada', 'Ottawa', ['en', 'fr'])
        assert format_schema(module.Country)['properties']['population'] == {'type': ['integer', 'null']}
    finally:
        sys.modules.pop('readme_country', None)


def test_forward_references_inside_evaluated_annotations(tmp_path: Path) -> None:
    # Without the __future__ import only the quoted parts are strings: List['Item'], Optional['Item'].
    source = """
    import dataclasses
    from typing import Dict, List, Optional

    try:
        from typing import Annotated
    except ImportError:  # Python 3.8
        from typing_extensions import Annotated

    @dataclasses.dataclass
    class Box:
        items: List['Item']
        best: Optional['Item'] = None
        index: Dict[str, 'List[Item]'] = dataclasses.field(default_factory=dict)
        loose: 'int | None' = None
        spare: Annotated[Optional['Item'], 'A second choice.'] = None

    @dataclasses.dataclass
    class Item:
        label: str
    """
    module = _import(tmp_path / 'user_boxes.py', 'user_boxes', source)
    try:
        box = ollama.parse(module.Box, '{"items": [{"label": "a"}], "best": {"label": "b"}, "index": {"k": []}}')
        assert box == module.Box([module.Item('a')], module.Item('b'), {'k': []})
        properties = ollama.json_schema(module.Box)['properties']
        assert properties['loose'] == {'type': ['integer', 'null']}
        assert properties['spare']['description'] == 'A second choice.'
        assert properties['spare']['properties'] == {'label': {'type': 'string'}}
    finally:
        sys.modules.pop('user_boxes', None)


def _shape(tp: Any) -> Any:
    """An annotation as (origin, argument shapes), which compares equal across typing's spellings."""
    _, base, args = unwrap(tp)
    if not args:
        return base
    return (Union if is_union(base) else base, tuple(_shape(a) for a in args))


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('int | None', Optional[int]),
        ('None | int', Union[None, int]),
        ('int | str | None', Union[int, str, None]),
        ('list[int]', List[int]),
        ('list[list[int]]', List[List[int]]),
        ('dict[str, int | None]', Dict[str, Optional[int]]),
        ('tuple[int, ...]', Tuple[int, ...]),
        ('tuple[int, str]', Tuple[int, str]),
        ('tuple[()]', Tuple[()]),
        ('Optional[list[int]]', Optional[List[int]]),
        ("list['int']", List[int]),
        ('typing.Dict[str, list[float]]', Dict[str, List[float]]),
        ('Callable[[int], str]', Callable[[int], str]),
    ],
)
def test_resolve_annotation_text(text: str, expected: Any) -> None:
    import typing

    namespace = {'typing': typing, 'Optional': Optional, 'Callable': Callable}
    assert _shape(resolve(text, namespace)) == _shape(expected)


def test_literal_and_annotated_arguments_stay_values() -> None:
    import typing

    resolved = resolve("Literal['int', 'str'] | None", {'Literal': typing.Literal})
    assert typing.get_args(typing.get_args(resolved)[0]) == ('int', 'str')
    assert ollama.json_schema(resolve("Literal['x', 2]", {'Literal': typing.Literal})) == {
        'type': ['string', 'integer'],
        'enum': ['x', 2],
    }


@pytest.mark.parametrize(
    ('text', 'error', 'match'),
    [
        ('Missing | None', NameError, "'Missing'"),
        ('list[int', SyntaxError, None),
        ('open("/etc/passwd")', TypeError, r'open\("/etc/passwd"\).* is not a type'),
        ('int + str', TypeError, r"'int \+ str' in annotation"),
        ('list[1 + 2]', TypeError, r"'1 \+ 2' in annotation 'list\[1 \+ 2\]' is not a type"),
    ],
)
def test_resolve_refuses_what_is_not_an_annotation(text: str, error: type, match: Optional[str]) -> None:
    with pytest.raises(error, match=match):
        resolve(text, {})


def test_tool_with_unresolvable_annotation_names_the_parameter(tmp_path: Path) -> None:
    source = """
    from __future__ import annotations

    def lookup(city: str, when: Missing | None = None) -> str:
        return city
    """
    module = _import(tmp_path / 'user_broken_tool.py', 'user_broken_tool', source)
    try:
        with pytest.raises(TypeError, match=r"parameter 'when' of function 'lookup'.*'Missing'"):
            function_tool(module.lookup)
    finally:
        sys.modules.pop('user_broken_tool', None)


def test_dataclass_with_unresolvable_annotation_names_the_class(tmp_path: Path) -> None:
    source = """
    from __future__ import annotations
    import dataclasses

    @dataclasses.dataclass
    class Report:
        body: Missing | None = None
    """
    module = _import(tmp_path / 'user_broken_class.py', 'user_broken_class', source)
    try:
        match = r"format=Report: cannot resolve the annotations of Report.*'Missing'"
        with pytest.raises(ollama.RequestError, match=match):
            format_schema(module.Report)
    finally:
        sys.modules.pop('user_broken_class', None)


def test_annotations_resolve_in_the_module_that_wrote_them(tmp_path: Path) -> None:
    # A base class from another module: each class's annotations are read in its own module's globals.
    base = """
    from __future__ import annotations
    import dataclasses

    class Local:
        pass

    @dataclasses.dataclass
    class Base:
        tag: Tag | None = None

    Tag = str
    """
    child = """
    from __future__ import annotations
    import dataclasses
    from user_base import Base

    Tag = int  # a different Tag here must not change Base's field

    @dataclasses.dataclass
    class Child(Base):
        count: Tag = 0
    """
    _import(tmp_path / 'user_base.py', 'user_base', base)
    module = _import(tmp_path / 'user_child.py', 'user_child', child)
    try:
        assert ollama.json_schema(module.Child)['properties'] == {
            'tag': {'type': ['string', 'null']},
            'count': {'type': 'integer'},
        }
    finally:
        sys.modules.pop('user_base', None)
        sys.modules.pop('user_child', None)


def test_typing_extensions_literal_and_annotated(tmp_path: Path) -> None:
    # Codebases that support old Pythons import these from typing_extensions, whose Literal is a form of its
    # own before Python 3.10.1.
    source = """
    from __future__ import annotations
    import dataclasses
    from typing_extensions import Annotated, Literal

    @dataclasses.dataclass
    class Order:
        size: Literal['small', 'large']
        note: Annotated[str | None, 'Anything to add.'] = None

    def order(size: Literal['small', 'large'], count: Annotated[int, 'How many.'] = 1) -> None:
        pass
    """
    module = _import(tmp_path / 'user_orders.py', 'user_orders', source)
    try:
        properties = ollama.json_schema(module.Order)['properties']
        assert properties['size'] == {'type': 'string', 'enum': ['small', 'large']}
        assert properties['note'] == {'type': ['string', 'null'], 'description': 'Anything to add.'}
        tool = encode(function_tool(module.order))['function']['parameters']['properties']
        assert tool == {
            'size': {'type': 'string', 'enum': ['small', 'large']},
            'count': {'type': 'integer', 'description': 'How many.'},
        }
        assert ollama.parse(module.Order, '{"size": "large"}') == module.Order('large')
        with pytest.raises(ollama.StructuredOutputError, match=r"at size: expected one of \['small', 'large'\]"):
            ollama.parse(module.Order, '{"size": "medium"}')
    finally:
        sys.modules.pop('user_orders', None)


def test_typing_extensions_literal_object() -> None:
    import typing_extensions

    assert ollama.json_schema(typing_extensions.Literal['a', 1]) == {'type': ['string', 'integer'], 'enum': ['a', 1]}


def test_literal_names_and_annotated_calls_in_strings(tmp_path: Path) -> None:
    # Literal may name enum members; Annotated metadata may hold another library's marker, a call that is
    # not run (ollama_lite reads only the text).
    source = """
    from __future__ import annotations
    import enum

    try:
        from typing import Annotated, Literal
    except ImportError:  # Python 3.8
        from typing_extensions import Annotated, Literal

    calls = []

    def marker() -> object:
        calls.append('called')
        return object()

    class Color(enum.Enum):
        RED = 'red'
        BLUE = 'blue'

    def paint(color: Literal[Color.RED, 'green'], coats: Annotated[int, marker(), 'How many coats.'] = 1) -> None:
        pass
    """
    module = _import(tmp_path / 'user_paint.py', 'user_paint', source)
    try:
        properties = encode(function_tool(module.paint))['function']['parameters']['properties']
        assert properties == {
            'color': {'type': 'string', 'enum': ['red', 'green']},
            'coats': {'type': 'integer', 'description': 'How many coats.'},
        }
        assert module.calls == []
    finally:
        sys.modules.pop('user_paint', None)
