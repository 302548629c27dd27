"""Python types → JSON schemas (tools and ``format=``), docstrings, and structured replies read back.

Annotations here are strings (``from __future__ import annotations``), so every case also proves that
forward references are resolved in the function's own module.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import subprocess
import sys
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
)

import pytest
from typing_extensions import Annotated

import ollama_lite as ollama
from ollama_lite._codec import encode
from ollama_lite._docstrings import parse_docstring
from ollama_lite._schema import format_schema, function_tool, json_schema, to_tool
from ollama_lite._typeinfo import type_name

# --- Types used by the cases -----------------------------------------------------------------------


class Color(enum.Enum):
    RED = 'red'
    GREEN = 'green'


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Point:
    """A point on a plane.

    Attributes:
        x: Distance from the left.
        y (float): Distance from the top,
            in pixels.
    """

    x: int
    y: float = 0.0


@dataclasses.dataclass
class Shape:
    name: str
    points: List[Point]
    color: Optional[Color] = None
    kind: Literal['open', 'closed'] = 'closed'
    tags: Dict[str, str] = dataclasses.field(default_factory=dict)
    center: Optional[Point] = None
    internal: int = dataclasses.field(default=0, init=False)


@dataclasses.dataclass
class Node:
    value: int
    children: List[Node]


@dataclasses.dataclass
class HasBytes:
    name: str
    blob: bytes


@dataclasses.dataclass
class Checked:
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError('low must not exceed high')


# --- Functions used as tools -----------------------------------------------------------------------


def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b (int): The second number.

    Returns:
        The sum.
    """
    return a + b


def kinds(s: str, i: int, f: float, b: bool, n: None) -> None:
    pass


def optional_and_defaults(a: Optional[int], b: Optional[str] = None, c: int = 3, d: Union[int, str] = 1) -> None:
    """Defaults decide what is required.

    Args:
        a: Required, may be null.
    """


def collections_(
    xs: List[int],
    ys: list[str],
    seq: Sequence[float],
    m: Dict[str, int],
    mm: Mapping[str, Any],
    d: dict,  # type: ignore[type-arg]
    t: Tuple[int, str],
    tv: Tuple[int, ...],
    s: Set[str],
    fs: FrozenSet[int],
    bare: list,  # type: ignore[type-arg]
) -> None:
    pass


def choices(
    unit: Literal['c', 'f'], level: Literal[1, 2], mixed: Literal['a', 1, None], color: Color, p: Priority
) -> None:
    pass


def unions(x: Union[List[int], str], y: Optional[Union[List[int], Dict[str, str]]] = None) -> None:
    pass


def place(where: Point, shapes: List[Shape], maybe: Optional[Point] = None) -> None:
    """Place points.

    Args:
        where: Where to put it.
    """


def loose(a, b: int = 1, *args: Any, **kwargs: Any) -> None:  # type: ignore[no-untyped-def]
    """Accepts anything.

    Args:
        a: Anything at all.
        *args: Not sent.
        **kwargs: Not sent either.
    """


def annotated(n: Annotated[int, 'How many.'], m: Annotated[str, 'Overridden.']) -> None:
    """Annotated parameters.

    Args:
        m: From the docstring.
    """


def ping() -> str:
    """Ping the service.

    >>> ping()
    'pong'
    """
    return 'pong'


class Calculator:
    def multiply(self, x: float, y: float = 2.0) -> float:
        """Multiply x by y."""
        return x * y


def _type_id(value: Any) -> Optional[str]:
    # Name the types in test ids; leave the expected values to pytest's own numbering.
    return None if isinstance(value, (dict, list, set, frozenset, tuple, str, int)) else type_name(value)


def _p(schema: Dict[str, Any], required: Optional[List[str]] = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {'type': 'object', 'properties': schema}
    if required:
        out['required'] = required
    return out


POINT = {
    'type': 'object',
    'properties': {
        'x': {'type': 'integer', 'description': 'Distance from the left.'},
        'y': {'type': 'number', 'description': 'Distance from the top, in pixels.'},
    },
    'required': ['x'],
}
SHAPE = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string'},
        'points': {'type': 'array', 'items': POINT},
        'color': {'type': ['string', 'null'], 'enum': ['red', 'green', None]},
        'kind': {'type': 'string', 'enum': ['open', 'closed']},
        'tags': {'type': 'object', 'additionalProperties': {'type': 'string'}},
        'center': {**POINT, 'type': ['object', 'null']},
    },
    'required': ['name', 'points'],
}

TOOL_CASES = [
    (
        add,
        {
            'name': 'add',
            'description': 'Add two numbers.',
            'parameters': _p(
                {
                    'a': {'type': 'integer', 'description': 'The first number.'},
                    'b': {'type': 'integer', 'description': 'The second number.'},
                },
                ['a', 'b'],
            ),
        },
    ),
    (
        kinds,
        {
            'name': 'kinds',
            'parameters': _p(
                {
                    's': {'type': 'string'},
                    'i': {'type': 'integer'},
                    'f': {'type': 'number'},
                    'b': {'type': 'boolean'},
                    'n': {'type': 'null'},
                },
                ['s', 'i', 'f', 'b', 'n'],
            ),
        },
    ),
    (
        optional_and_defaults,
        {
            'name': 'optional_and_defaults',
            'description': 'Defaults decide what is required.',
            'parameters': _p(
                {
                    'a': {'type': ['integer', 'null'], 'description': 'Required, may be null.'},
                    'b': {'type': ['string', 'null']},
                    'c': {'type': 'integer'},
                    'd': {'type': ['integer', 'string']},
                },
                ['a'],
            ),
        },
    ),
    (
        collections_,
        {
            'name': 'collections_',
            'parameters': _p(
                {
                    'xs': {'type': 'array', 'items': {'type': 'integer'}},
                    'ys': {'type': 'array', 'items': {'type': 'string'}},
                    'seq': {'type': 'array', 'items': {'type': 'number'}},
                    'm': {'type': 'object', 'additionalProperties': {'type': 'integer'}},
                    'mm': {'type': 'object'},
                    'd': {'type': 'object'},
                    't': {
                        'type': 'array',
                        'prefixItems': [{'type': 'integer'}, {'type': 'string'}],
                        'minItems': 2,
                        'maxItems': 2,
                    },
                    'tv': {'type': 'array', 'items': {'type': 'integer'}},
                    's': {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True},
                    'fs': {'type': 'array', 'items': {'type': 'integer'}, 'uniqueItems': True},
                    'bare': {'type': 'array'},
                },
                ['xs', 'ys', 'seq', 'm', 'mm', 'd', 't', 'tv', 's', 'fs', 'bare'],
            ),
        },
    ),
    (
        choices,
        {
            'name': 'choices',
            'parameters': _p(
                {
                    'unit': {'type': 'string', 'enum': ['c', 'f']},
                    'level': {'type': 'integer', 'enum': [1, 2]},
                    'mixed': {'type': ['string', 'integer', 'null'], 'enum': ['a', 1, None]},
                    'color': {'type': 'string', 'enum': ['red', 'green']},
                    'p': {'type': 'integer', 'enum': [1, 2]},
                },
                ['unit', 'level', 'mixed', 'color', 'p'],
            ),
        },
    ),
    (
        unions,
        {
            'name': 'unions',
            'parameters': _p(
                {
                    'x': {'anyOf': [{'type': 'array', 'items': {'type': 'integer'}}, {'type': 'string'}]},
                    'y': {
                        'anyOf': [
                            {'type': 'array', 'items': {'type': 'integer'}},
                            {'type': 'object', 'additionalProperties': {'type': 'string'}},
                            {'type': 'null'},
                        ]
                    },
                },
                ['x'],
            ),
        },
    ),
    (
        place,
        {
            'name': 'place',
            'description': 'Place points.',
            'parameters': _p(
                {
                    'where': {**POINT, 'description': 'Where to put it.'},
                    'shapes': {'type': 'array', 'items': SHAPE},
                    'maybe': {**POINT, 'type': ['object', 'null']},
                },
                ['where', 'shapes'],
            ),
        },
    ),
    (
        loose,
        {
            'name': 'loose',
            'description': 'Accepts anything.',
            'parameters': _p({'a': {'description': 'Anything at all.'}, 'b': {'type': 'integer'}}, ['a']),
        },
    ),
    (
        annotated,
        {
            'name': 'annotated',
            'description': 'Annotated parameters.',
            'parameters': _p(
                {
                    'n': {'type': 'integer', 'description': 'How many.'},
                    'm': {'type': 'string', 'description': 'From the docstring.'},
                },
                ['n', 'm'],
            ),
        },
    ),
    (ping, {'name': 'ping', 'description': 'Ping the service.', 'parameters': {'type': 'object', 'properties': {}}}),
    (
        Calculator.multiply,
        {
            'name': 'multiply',
            'description': 'Multiply x by y.',
            'parameters': _p({'x': {'type': 'number'}, 'y': {'type': 'number'}}, ['x']),
        },
    ),
    (
        Calculator().multiply,
        {
            'name': 'multiply',
            'description': 'Multiply x by y.',
            'parameters': _p({'x': {'type': 'number'}, 'y': {'type': 'number'}}, ['x']),
        },
    ),
]


@pytest.mark.parametrize(('func', 'expected'), TOOL_CASES, ids=[f'{c[1]["name"]}{i}' for i, c in enumerate(TOOL_CASES)])
def test_function_becomes_exact_tool(func: Callable[..., Any], expected: Dict[str, Any]) -> None:
    tool = to_tool(func)
    assert isinstance(tool, ollama.Tool)
    # What reaches the server, every schema keyword included.
    assert encode(tool) == {'type': 'function', 'function': expected}


def test_tool_reads_like_the_official_objects() -> None:
    tool = function_tool(add)
    assert tool.function is not None and tool.function.parameters is not None
    props = tool.function.parameters.properties
    assert props is not None
    assert props['a'].type == 'integer'
    assert props['a']['description'] == 'The first number.'
    assert tool['function']['parameters']['required'] == ['a', 'b']


def test_extra_schema_keywords_survive_tool_object() -> None:
    # Keywords ToolProperty has no field for are kept and sent, not dropped.
    tool = function_tool(collections_)
    assert tool.function is not None and tool.function.parameters is not None
    props = tool.function.parameters.properties
    assert props is not None
    assert props['t']['prefixItems'] == [{'type': 'integer'}, {'type': 'string'}]
    assert encode(props['s']) == {'type': 'array', 'items': {'type': 'string'}, 'uniqueItems': True}


@pytest.mark.skipif(sys.version_info < (3, 10), reason='X | Y needs Python 3.10')
def test_pep604_unions() -> None:
    namespace: Dict[str, Any] = {}
    exec('def f(a: int | None, b: "str | int" = 1) -> None: pass', namespace)
    props = encode(function_tool(namespace['f']))['function']['parameters']['properties']
    assert props == {'a': {'type': ['integer', 'null']}, 'b': {'type': ['string', 'integer']}}


def test_implicit_optional_default_is_not_added() -> None:
    # Python < 3.11 turns ``x: int = None`` into Optional[int] in get_type_hints; the schema must not vary.
    def f(x: int = None) -> None:  # type: ignore[assignment]  # noqa: RUF013
        pass

    assert encode(function_tool(f))['function']['parameters'] == _p({'x': {'type': 'integer'}})


def _with_bytes(data: bytes) -> None:
    pass


def _with_int_keys(m: Dict[int, str]) -> None:
    pass


def _with_undefined(x: Undefined) -> None:  # type: ignore[name-defined]  # noqa: F821
    pass


def _with_callable(cb: Callable[[int], int]) -> None:
    pass


def _with_recursive(node: Node) -> None:
    pass


def _with_bad_field(item: HasBytes) -> None:
    pass


T = TypeVar('T')


def _with_typevar(x: T) -> None:
    pass


@pytest.mark.parametrize(
    ('func', 'param', 'detail'),
    [
        (_with_bytes, 'data', 'bytes has no JSON schema'),
        (_with_int_keys, 'm', 'cannot have int keys'),
        (_with_undefined, 'x', 'Undefined'),
        (_with_callable, 'cb', 'Callable'),
        (_with_recursive, 'node', 'Node contains itself'),
        (_with_bad_field, 'item', 'HasBytes.blob: bytes has no JSON schema'),
        (_with_typevar, 'x', '~T has no JSON schema'),
    ],
)
def test_inexpressible_annotation_raises_type_error(func: Callable[..., Any], param: str, detail: str) -> None:
    with pytest.raises(TypeError) as info:
        to_tool(func)
    message = str(info.value)
    assert f'parameter {param!r} of function {func.__name__!r}' in message
    assert detail in message


def test_chat_refuses_undescribable_function_before_sending() -> None:
    client = ollama.Client('http://127.0.0.1:9', retries=0)
    with pytest.raises(TypeError, match="parameter 'data' of function '_with_bytes'"):
        client.chat('m', [{'role': 'user', 'content': 'hi'}], tools=[_with_bytes])


def test_dict_and_tool_objects_pass_unchanged() -> None:
    as_dict = {'type': 'function', 'function': {'name': 'f', 'parameters': {'type': 'object', 'properties': {}}}}
    tool = ollama.Tool(function=ollama.Tool.Function(name='g'))
    assert to_tool(as_dict) == as_dict
    assert to_tool(tool) is tool
    with pytest.raises(ollama.RequestError, match='not int'):
        to_tool(3)


# --- json_schema and dataclasses --------------------------------------------------------------------


@dataclasses.dataclass
class Everything:
    """All field kinds.

    Attributes:
        title: The title.
    """

    title: str
    count: int
    ratio: float
    flag: bool
    nothing: None
    colors: List[Color]
    pair: Tuple[str, int]
    scores: Dict[str, float]
    level: Literal['low', 'high'] = 'low'
    note: Optional[str] = None
    unique: Set[int] = dataclasses.field(default_factory=set)
    anything: Any = None


EVERYTHING = {
    'type': 'object',
    'properties': {
        'title': {'type': 'string', 'description': 'The title.'},
        'count': {'type': 'integer'},
        'ratio': {'type': 'number'},
        'flag': {'type': 'boolean'},
        'nothing': {'type': 'null'},
        'colors': {'type': 'array', 'items': {'type': 'string', 'enum': ['red', 'green']}},
        'pair': {
            'type': 'array',
            'prefixItems': [{'type': 'string'}, {'type': 'integer'}],
            'minItems': 2,
            'maxItems': 2,
        },
        'scores': {'type': 'object', 'additionalProperties': {'type': 'number'}},
        'level': {'type': 'string', 'enum': ['low', 'high']},
        'note': {'type': ['string', 'null']},
        'unique': {'type': 'array', 'items': {'type': 'integer'}, 'uniqueItems': True},
        'anything': {},
    },
    'required': ['title', 'count', 'ratio', 'flag', 'nothing', 'colors', 'pair', 'scores'],
}


@pytest.mark.parametrize(
    ('tp', 'expected'),
    [
        (Point, POINT),
        (Shape, SHAPE),
        (Everything, EVERYTHING),
        (Optional[Point], {**POINT, 'type': ['object', 'null']}),
        (List[Optional[int]], {'type': 'array', 'items': {'type': ['integer', 'null']}}),
        (Optional[List[int]], {'type': ['array', 'null'], 'items': {'type': 'integer'}}),
        (Optional[Any], {}),
        (Optional[Literal['a', 'b']], {'type': ['string', 'null'], 'enum': ['a', 'b', None]}),
        (Union[Point, Shape], {'anyOf': [POINT, SHAPE]}),
        (Union[int, float, None], {'type': ['integer', 'number', 'null']}),
        (Tuple[()], {'type': 'array'}),
        (Annotated[Optional[int], 'Maybe a number.'], {'type': ['integer', 'null'], 'description': 'Maybe a number.'}),
        (Dict[str, Any], {'type': 'object'}),
        (Dict[str, List[Point]], {'type': 'object', 'additionalProperties': {'type': 'array', 'items': POINT}}),
    ],
    ids=_type_id,
)
def test_json_schema_table(tp: Any, expected: Dict[str, Any]) -> None:
    assert json_schema(tp) == expected
    assert ollama.json_schema(tp) == expected


def test_json_schema_names_the_failing_field() -> None:
    @dataclasses.dataclass
    class Outer:
        inner: HasBytes

    with pytest.raises(TypeError, match=r'Outer\.inner: HasBytes\.blob: bytes has no JSON schema'):
        json_schema(Outer)


# --- Docstrings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('doc', 'summary', 'params'),
    [
        (None, '', {}),
        ('One line.', 'One line.', {}),
        ('First line\nsecond line.\n\nSecond paragraph.', 'First line second line. Second paragraph.', {}),
        ('Do it.\n\nArgs:\n    a: The a.\n    b: The b.', 'Do it.', {'a': 'The a.', 'b': 'The b.'}),
        (
            'Do it.\n\nArgs:\n    a (int): The a.\n    b (str, optional): The b.',
            'Do it.',
            {'a': 'The a.', 'b': 'The b.'},
        ),
        (
            'Do it.\n\nArgs:\n    a: Starts here\n        and goes on\n        here.\n    b (int): Short.',
            'Do it.',
            {'a': 'Starts here and goes on here.', 'b': 'Short.'},
        ),
        ('Do it.\n\nArgs:\n    a:\n        On the next line.', 'Do it.', {'a': 'On the next line.'}),
        ('Do it.\n\nArgs:\n    a: A.\n\n    b: After a blank line.', 'Do it.', {'a': 'A.', 'b': 'After a blank line.'}),
        (
            'Summary.\n\nReturns:\n    x: not a parameter.\n\nRaises:\n    ValueError: never.\n\nArgs:\n    a: The a.',
            'Summary.',
            {'a': 'The a.'},
        ),
        ('Summary.\n\n>>> f(1)\n2', 'Summary.', {}),
        (
            'Summary.\n\nKeyword Args:\n    *args: Many.\n    **opts: Options.',
            'Summary.',
            {'args': 'Many.', 'opts': 'Options.'},
        ),
        ('Note: inline colon stays in the summary.', 'Note: inline colon stays in the summary.', {}),
        (
            '    Indented like a method docstring.\n\n    Args:\n        a: The a.\n    ',
            'Indented like a method docstring.',
            {'a': 'The a.'},
        ),
        ('Summary.\n\nArgs:\n    a: The a.\nTrailing text.', 'Summary.', {'a': 'The a.'}),
        ('Summary.\n\nArgs:\n    a: A (see x): with colons.', 'Summary.', {'a': 'A (see x): with colons.'}),
    ],
)
def test_docstring_forms(doc: Optional[str], summary: str, params: Dict[str, str]) -> None:
    parsed = parse_docstring(doc)
    assert parsed.summary == summary
    assert parsed.params == params


# --- format= ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        (None, None),
        ('', ''),
        ('json', 'json'),
        (
            {'type': 'object', 'properties': {'a': {'type': 'string'}}},
            {'type': 'object', 'properties': {'a': {'type': 'string'}}},
        ),
        (Point, POINT),
        (Shape, SHAPE),
    ],
    ids=['none', 'empty', 'json', 'dict', 'Point', 'Shape'],
)
def test_format_schema(value: Any, expected: Any) -> None:
    assert format_schema(value) == expected


@pytest.mark.parametrize(
    ('value', 'match'),
    [
        ('xml', "got 'xml'"),
        (42, 'got 42'),
        (Point(1), r'got Point\(x=1'),
        (int, "got <class 'int'>"),
        (HasBytes, r'format=HasBytes: HasBytes\.blob: bytes has no JSON schema'),
        (Node, 'Node contains itself'),
    ],
)
def test_format_schema_refuses(value: Any, match: str) -> None:
    with pytest.raises(ollama.RequestError, match=match):
        format_schema(value)


def test_pydantic_format_and_parse() -> None:
    pydantic = pytest.importorskip('pydantic')

    class City(pydantic.BaseModel):  # type: ignore[misc, name-defined]
        name: str
        population: int

    assert format_schema(City) == City.model_json_schema()
    city = ollama.parse(City, '{"name": "Paris", "population": 2100000}')
    assert isinstance(city, City) and city.population == 2100000
    with pytest.raises(ollama.StructuredOutputError) as info:
        ollama.parse(City, '{"name": "Paris", "population": "many"}')
    assert info.value.path == 'population'
    assert isinstance(info.value.__cause__, pydantic.ValidationError)


def test_dataclass_format_never_imports_pydantic() -> None:
    code = (
        'import dataclasses, sys, ollama_lite\n'
        'from ollama_lite._schema import format_schema\n'
        '@dataclasses.dataclass\n'
        'class A:\n'
        '    x: int\n'
        'format_schema(A); format_schema({"type": "object"}); ollama_lite.parse(A, \'{"x": 1}\')\n'
        'assert "pydantic" not in sys.modules, "pydantic was imported"\n'
    )
    subprocess.run([sys.executable, '-c', code], check=True)


# --- parse: structured replies into dataclasses -----------------------------------------------------

SHAPE_JSON = json.dumps(
    {
        'name': 'triangle',
        'points': [{'x': 0, 'y': 1.5}, {'x': 2}, {'x': 4, 'y': 0}],
        'color': 'green',
        'kind': 'open',
        'tags': {'layer': 'top'},
        'center': None,
        'unknown': 'ignored',
    }
)
EXPECTED_SHAPE = Shape(
    name='triangle',
    points=[Point(0, 1.5), Point(2), Point(4, 0.0)],
    color=Color.GREEN,
    kind='open',
    tags={'layer': 'top'},
)


@pytest.mark.parametrize(
    'reply',
    [
        SHAPE_JSON,
        SHAPE_JSON.encode(),
        ollama.Message(role='assistant', content=SHAPE_JSON),
        ollama.ChatResponse(message=ollama.Message(role='assistant', content=SHAPE_JSON)),
        ollama.GenerateResponse(response=SHAPE_JSON),
    ],
    ids=['str', 'bytes', 'Message', 'ChatResponse', 'GenerateResponse'],
)
def test_parse_builds_nested_dataclasses(reply: Any) -> None:
    shape = ollama.parse(Shape, reply)
    assert shape == EXPECTED_SHAPE
    assert isinstance(shape.points[1], Point) and isinstance(shape.points[2].y, float)
    assert shape.color is Color.GREEN


def test_parse_everything() -> None:
    content = json.dumps(
        {
            'title': 't',
            'count': 3,
            'ratio': 1,
            'flag': False,
            'nothing': None,
            'colors': ['red'],
            'pair': ['a', 1],
            'scores': {'x': 0.5},
            'unique': [1, 2, 2],
            'anything': [1, {'a': None}],
        }
    )
    got = ollama.parse(Everything, content)
    assert got == Everything(
        't', 3, 1.0, False, None, [Color.RED], ('a', 1), {'x': 0.5}, unique={1, 2}, anything=[1, {'a': None}]
    )
    assert isinstance(got.ratio, float) and isinstance(got.pair, tuple) and isinstance(got.unique, set)


@pytest.mark.parametrize(
    ('tp', 'content', 'expected'),
    [
        (List[int], '[1, 2]', [1, 2]),
        (Optional[Point], 'null', None),
        (Union[int, Point], '{"x": 1}', Point(1)),
        (Union[int, str], '"a"', 'a'),
        (Dict[str, Priority], '{"a": 2}', {'a': Priority.HIGH}),
        (Literal[1, True], 'true', True),
        (FrozenSet[str], '["a"]', frozenset({'a'})),
        (Tuple[int, ...], '[1, 2, 3]', (1, 2, 3)),
    ],
    ids=_type_id,
)
def test_parse_other_types(tp: Any, content: str, expected: Any) -> None:
    got = ollama.parse(tp, content)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize(
    ('content', 'path', 'reason'),
    [
        ('It is sunny.', '', 'the content is not JSON'),
        ('', '', 'the reply has no content'),
        ('[]', '', 'expected an object for Shape, got an array'),
        ('{"points": []}', 'name', 'missing required field'),
        ('{"name": "n", "points": [{"x": 1}, {"y": 2}]}', 'points[1].x', 'missing required field'),
        ('{"name": 5, "points": []}', 'name', 'expected a string, got a number 5'),
        ('{"name": "n", "points": [{"x": "1"}]}', 'points[0].x', "expected an integer, got a string '1'"),
        ('{"name": "n", "points": [{"x": 1.5}]}', 'points[0].x', 'expected an integer, got a number 1.5'),
        ('{"name": "n", "points": [{"x": true}]}', 'points[0].x', 'expected an integer, got a boolean True'),
        ('{"name": "n", "points": {}}', 'points', 'expected an array, got an object'),
        ('{"name": "n", "points": [], "color": "blue"}', 'color', "expected one of ['red', 'green'], got a string"),
        ('{"name": "n", "points": [], "kind": "half"}', 'kind', "expected one of ['open', 'closed']"),
        ('{"name": "n", "points": [], "tags": {"a": 1}}', 'tags.a', 'expected a string, got a number 1'),
        ('{"name": "n", "points": [], "center": [1]}', 'center', 'expected an object for Point, got an array'),
    ],
)
def test_parse_failures_name_path_and_reason(content: str, path: str, reason: str) -> None:
    with pytest.raises(ollama.StructuredOutputError) as info:
        ollama.parse(Shape, content)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == path
    assert reason in err.reason
    assert err.content == content
    assert str(err).startswith('the reply does not fit Shape: ')
    if path:
        assert f'at {path}: ' in str(err)


def test_parse_failure_in_tuple_and_union() -> None:
    with pytest.raises(ollama.StructuredOutputError, match='expected an array of 2 items, got 3'):
        ollama.parse(Tuple[str, int], '["a", 1, 2]')
    with pytest.raises(ollama.StructuredOutputError, match=r'at \[1\]: expected one of int, Point, got a string'):
        ollama.parse(List[Union[int, Point]], '[1, "x"]')


def test_parse_reports_constructor_refusal() -> None:
    assert ollama.parse(Checked, '{"low": 1, "high": 2}') == Checked(1, 2)
    with pytest.raises(ollama.StructuredOutputError, match='Checked refused the values: low must not exceed high'):
        ollama.parse(Checked, '{"low": 3, "high": 2}')


def test_parse_refuses_wrong_arguments() -> None:
    with pytest.raises(TypeError, match='not dict'):
        ollama.parse(Point, {'x': 1})  # type: ignore[call-overload]
    with pytest.raises(TypeError, match='bytes has no JSON form'):
        ollama.parse(HasBytes, '{"name": "a", "blob": "AA=="}')


def test_parse_chat_response_without_content() -> None:
    reply = ollama.ChatResponse(message=ollama.Message(role='assistant'))
    with pytest.raises(ollama.StructuredOutputError, match='no content'):
        ollama.parse(Point, reply)
