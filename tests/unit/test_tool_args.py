"""A model's tool-call arguments checked against the tool's schema, read where the schema says, else refused."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Dict, List, Literal, Optional, Set, Tuple, Union

import pytest

from ollama_lite._tool_args import ArgumentError, Parameters


class Unit(enum.Enum):
    CELSIUS = 'celsius'
    FAHRENHEIT = 'fahrenheit'


@dataclass
class Place:
    city: str
    zip: Optional[int] = None


def typed(
    count: int,
    ratio: float,
    loud: bool,
    tags: List[int],
    unit: Unit,
    level: Literal[1, 2, 3],
    place: Place,
    maybe: Optional[int] = None,
    either: Union[int, str] = 0,
    pair: Tuple[int, str] = (0, ''),
    unique: Set[int] = frozenset(),  # type: ignore[assignment]
    table: Dict[str, float] = {},  # noqa: B006
    anything: Any = None,
) -> None:
    """Every kind of parameter."""


GOOD: Dict[str, Any] = {
    'count': 3,
    'ratio': 0.5,
    'loud': True,
    'tags': [1, 2],
    'unit': 'celsius',
    'level': 2,
    'place': {'city': 'Paris'},
}


def bound(func: Any, arguments: Dict[str, Any], schema: Any = None) -> Tuple[List[Any], Dict[str, Any]]:
    return Parameters(func, schema).bind(arguments)


def refusal(func: Any, arguments: Dict[str, Any], schema: Any = None) -> str:
    with pytest.raises(ArgumentError) as caught:
        Parameters(func, schema).bind(arguments)
    return str(caught.value)


def test_values_that_fit_are_built_into_the_annotations() -> None:
    _, kwargs = bound(typed, {**GOOD, 'pair': [1, 'a'], 'unique': [3, 4], 'table': {'x': 1}})
    assert kwargs['unit'] is Unit.CELSIUS
    assert kwargs['place'] == Place('Paris')
    assert kwargs['pair'] == (1, 'a')
    assert kwargs['unique'] == {3, 4}
    assert kwargs['table'] == {'x': 1.0}
    assert isinstance(kwargs['table']['x'], float)
    assert isinstance(kwargs['ratio'], float)


@pytest.mark.parametrize(
    ('name', 'sent', 'read'),
    [
        ('count', '3', 3),
        ('count', ' -12 ', -12),
        ('count', 3.0, 3),  # JSON Schema counts 3.0 as an integer
        ('count', '3.0', 3),
        ('ratio', '2.5', 2.5),
        ('ratio', 2, 2.0),
        ('loud', 'true', True),
        ('loud', 'False', False),
        ('tags', '[1, 2]', [1, 2]),
        ('tags', ['1', 2], [1, 2]),  # a string inside a list is read too
        ('unit', 'fahrenheit', Unit.FAHRENHEIT),
        ('level', '3', 3),
        ('place', '{"city": "Oslo", "zip": "150"}', Place('Oslo', 150)),
        ('maybe', None, None),
        ('maybe', '7', 7),
        ('either', '3', '3'),  # a string fits Union[int, str] as it is: nothing is read
        ('either', 3, 3),
        ('anything', {'a': [1]}, {'a': [1]}),
    ],
)
def test_a_string_that_spells_the_type_asked_for_is_read_as_it(name: str, sent: Any, read: Any) -> None:
    _, kwargs = bound(typed, {**GOOD, name: sent})
    assert kwargs[name] == read
    assert type(kwargs[name]) is type(read)


@pytest.mark.parametrize(
    ('name', 'sent', 'reason'),
    [
        ('count', 'three', 'argument count: expected an integer, got a string "three"'),
        ('count', 3.5, 'argument count: expected an integer, got a number 3.5'),
        ('count', True, 'argument count: expected an integer, got a boolean true'),
        ('count', 'NaN', 'argument count: expected an integer'),
        ('ratio', 'Infinity', 'argument ratio: expected a number'),
        ('ratio', False, 'argument ratio: expected a number, got a boolean false'),
        ('loud', 1, 'argument loud: expected a boolean, got a number 1'),
        ('loud', 'yes', 'argument loud: expected a boolean'),
        ('tags', 'not a list', 'argument tags: expected an array'),
        ('tags', [1, 'x'], 'argument tags[1]: expected an integer, got a string "x"'),
        ('unit', 'kelvin', "argument unit: expected one of ['celsius', 'fahrenheit'], got a string \"kelvin\""),
        ('level', 4, 'argument level: expected one of [1, 2, 3], got a number 4'),
        ('place', {'zip': 1}, 'argument place.city: missing required field'),
        ('place', {'city': 5}, 'argument place.city: expected a string, got a number 5'),
        ('maybe', 'null', 'argument maybe: expected an integer or null, got a string "null"'),
        ('pair', [1, 'a', 'b'], 'argument pair: expected at most 2 items, got 3'),
        ('table', {'x': 'y'}, 'argument table.x: expected a number'),
    ],
)
def test_a_value_that_does_not_fit_is_refused_naming_where_and_why(name: str, sent: Any, reason: str) -> None:
    assert reason in refusal(typed, {**GOOD, name: sent})


def test_a_number_is_never_turned_into_a_string() -> None:
    def greet(name: str) -> None:
        """Greet."""

    assert refusal(greet, {'name': 42}) == 'argument name: expected a string, got a number 42'


def test_every_problem_is_listed_at_once() -> None:
    message = refusal(typed, {'count': 'x', 'ratio': 1, 'loud': True, 'tags': [], 'unit': 'celsius', 'oops': 1})
    assert message == (
        "missing required argument 'level'; missing required argument 'place'; "
        'argument count: expected an integer, got a string "x"; unexpected argument \'oops\''
    )


def test_the_arguments_must_be_an_object() -> None:
    assert refusal(typed, ['a']) == 'the arguments must be a JSON object, got an array ["a"]'  # type: ignore[arg-type]


def test_extra_arguments_reach_a_function_that_takes_kwargs() -> None:
    def loose(city: str, **extra: Any) -> None:
        """Loose."""

    assert bound(loose, {'city': 'Rome', 'when': 'now'}) == ([], {'city': 'Rome', 'when': 'now'})


def test_positional_only_parameters_are_passed_by_position() -> None:
    def power(base: int, exponent: int = 2, /, *, mod: Optional[int] = None) -> None:
        """Power."""

    assert bound(power, {'base': '3', 'mod': 5}) == ([3], {'mod': 5})
    assert bound(power, {'exponent': 3, 'base': 2}) == ([2, 3], {})


def test_a_method_is_read_without_self() -> None:
    class Shop:
        def price(self, item: str, count: int = 1) -> None:
            """Price."""

    assert bound(Shop().price, {'item': 'tea', 'count': '2'}) == ([], {'item': 'tea', 'count': 2})
    assert bound(Shop.price, {'item': 'tea'}) == ([], {'item': 'tea'})


SCHEMA = {
    'type': 'object',
    'properties': {
        'city': {'type': 'string'},
        'days': {'type': 'integer'},
        'units': {'type': ['string', 'null'], 'enum': ['c', 'f', None]},
        'spots': {'type': 'array', 'items': {'type': 'object', 'properties': {'x': {'type': 'number'}}}},
        'strict': {'type': 'object', 'additionalProperties': False, 'properties': {'a': {'type': 'boolean'}}},
        'choice': {'anyOf': [{'type': 'integer'}, {'type': 'array', 'items': {'type': 'string'}}]},
        'unique': {'type': 'array', 'uniqueItems': True},
    },
    'required': ['city'],
}


def untyped(**arguments: Any) -> None:
    """A function whose tool was described by hand."""


@pytest.mark.parametrize(
    ('arguments', 'read'),
    [
        ({'city': 'Rome', 'days': '2'}, {'city': 'Rome', 'days': 2}),
        ({'city': 'Rome', 'units': None}, {'city': 'Rome', 'units': None}),
        ({'city': 'Rome', 'spots': [{'x': '1.5', 'y': 'kept'}]}, {'city': 'Rome', 'spots': [{'x': 1.5, 'y': 'kept'}]}),
        ({'city': 'Rome', 'strict': '{"a": "true"}'}, {'city': 'Rome', 'strict': {'a': True}}),
        ({'city': 'Rome', 'choice': '4'}, {'city': 'Rome', 'choice': 4}),
        ({'city': 'Rome', 'choice': ['a']}, {'city': 'Rome', 'choice': ['a']}),
        ({'city': 'Rome', 'other': 1}, {'city': 'Rome', 'other': 1}),  # **arguments takes it
    ],
)
def test_a_tool_given_with_its_own_schema_is_checked_against_that_schema(arguments: Any, read: Any) -> None:
    assert bound(untyped, arguments, SCHEMA) == ([], read)


@pytest.mark.parametrize(
    ('arguments', 'reason'),
    [
        ({}, "missing required argument 'city'"),
        ({'city': 'Rome', 'units': 'k'}, "argument units: expected one of ['c', 'f', None]"),
        ({'city': 'Rome', 'strict': {'b': 1}}, 'argument strict.b: unexpected field'),
        ({'city': 'Rome', 'choice': 'x'}, 'argument choice: expected an integer or an array, got a string "x"'),
        ({'city': 'Rome', 'unique': [1, 1]}, 'argument unique: expected unique items'),
    ],
)
def test_a_tool_given_with_its_own_schema_refuses_what_does_not_fit(arguments: Any, reason: str) -> None:
    assert reason in refusal(untyped, arguments, SCHEMA)


def test_with_its_own_schema_a_function_gets_json_values_not_annotations() -> None:
    def place(where: Place) -> None:
        """Typed, but described by hand."""

    schema = {'type': 'object', 'properties': {'where': {'type': 'object'}}}
    assert bound(place, {'where': {'city': 'Rome'}}, schema) == ([], {'where': {'city': 'Rome'}})
    assert refusal(place, {'elsewhere': 1}, schema) == "unexpected argument 'elsewhere'"


class Unreadable:
    """A callable whose signature cannot be read, as some C functions."""

    __signature__ = 'not a signature'

    def __call__(self, **arguments: Any) -> None: ...


def test_a_callable_without_a_readable_signature_takes_what_its_schema_names() -> None:
    schema = {'type': 'object', 'properties': {'x': {'type': 'integer'}}}
    assert bound(Unreadable(), {'x': '3'}, schema) == ([], {'x': 3})
    with pytest.raises(TypeError):
        Parameters(Unreadable())
