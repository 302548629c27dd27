"""Annotations resolved the same way on every supported Python, strings included.

``typing.get_type_hints`` evaluates a string annotation with ``eval``, so ``'int | None'`` and ``'list[int]'``
(what ``from __future__ import annotations`` leaves in a user's dataclass or tool function) fail before
Python 3.10 and 3.9, and Python 3.8 has no ``include_extras`` to keep ``Annotated``. This module reads the
annotation's syntax tree itself: names come from the namespaces it is given, ``X | Y`` becomes
``Union[X, Y]``, and a builtin or ``collections.abc`` class subscripted where Python cannot (``list[int]`` on
3.8) becomes its ``typing`` alias, so the result is one the rest of the package can take apart with
``typing.get_origin``/``get_args`` on any version. Only the syntax of annotations is accepted: names,
attributes, subscripts, ``|``, constants, tuples and lists (``Callable[[int], str]``); anything else (a call,
arithmetic) is refused, never executed.
"""

from __future__ import annotations

import ast
import builtins
import collections.abc
import sys
import types
import typing
from typing import Any, Dict, List, Mapping, Sequence, Tuple

__all__ = ['class_hints', 'is_annotated', 'is_literal_form', 'resolve']

# What to subscript instead of a class that refuses it on this Python (``list[int]`` before 3.9).
_ALIASES: Dict[Any, Any] = {
    list: typing.List,
    dict: typing.Dict,
    tuple: typing.Tuple,
    set: typing.Set,
    frozenset: typing.FrozenSet,
    type: typing.Type,
    collections.abc.Sequence: typing.Sequence,
    collections.abc.MutableSequence: typing.MutableSequence,
    collections.abc.Mapping: typing.Mapping,
    collections.abc.MutableMapping: typing.MutableMapping,
    collections.abc.Set: typing.AbstractSet,
    collections.abc.MutableSet: typing.MutableSet,
    collections.abc.Iterable: typing.Iterable,
    collections.abc.Iterator: typing.Iterator,
    collections.abc.Collection: typing.Collection,
    collections.abc.Callable: typing.Callable,
}


class _Scope:
    """Where names are looked up: the namespaces in order, then builtins."""

    def __init__(self, namespaces: Sequence[Mapping[str, Any]]) -> None:
        self.namespaces = namespaces

    def lookup(self, name: str) -> Any:
        for namespace in self.namespaces:
            if name in namespace:
                return namespace[name]
        if hasattr(builtins, name):
            return getattr(builtins, name)
        raise NameError(f'name {name!r} is not defined')


def resolve(annotation: Any, *namespaces: Mapping[str, Any]) -> Any:
    """The type an annotation stands for, strings and forward references inside it resolved.

    Names are looked up in ``namespaces`` in order, then in builtins. ``Annotated`` and its metadata are kept;
    no ``Optional`` is added for a ``None`` default. Raises ``NameError`` for an undefined name, ``SyntaxError``
    for a string that is not Python, and ``TypeError`` for syntax an annotation cannot have or a subscript its
    class refuses.
    """
    return _resolve(annotation, _Scope(namespaces))


def class_hints(cls: type) -> Dict[str, Any]:
    """The resolved annotations of a class and its bases, like ``typing.get_type_hints(cls, include_extras=True)``.

    Each class's annotations are read in its own module's globals, then its own namespace (where a nested
    class is found), as ``typing.get_type_hints`` does. Raises as :func:`resolve` does.
    """
    hints: Dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        # The class's own, not inherited; inspect.get_annotations, which reads them so, is Python 3.10+.
        own = base.__dict__.get('__annotations__', {})  # noqa: RUF063
        module = sys.modules.get(base.__module__)
        scope = _Scope([vars(module) if module is not None else {}, dict(vars(base))])
        for name, annotation in own.items():
            hints[name] = _resolve(annotation, scope)
    return hints


def _resolve(annotation: Any, scope: _Scope) -> Any:
    if isinstance(annotation, str):
        return _evaluate_text(annotation, scope)
    if isinstance(annotation, typing.ForwardRef):
        return _evaluate_text(annotation.__forward_arg__, scope)
    return _resolve_inside(annotation, scope)


class _NotAType(Exception):
    def __init__(self, node: ast.expr) -> None:
        super().__init__()
        self.node = node


def _evaluate_text(text: str, scope: _Scope) -> Any:
    source = text.strip()
    tree = ast.parse(source, mode='eval')
    try:
        return _resolve(_evaluate(tree.body, scope), scope)
    except _NotAType as exc:
        part = ast.get_source_segment(source, exc.node) or type(exc.node).__name__
        raise TypeError(f'{part!r} in annotation {source!r} is not a type') from None


def _resolve_inside(tp: Any, scope: _Scope) -> Any:
    """``tp`` with the strings or forward references among its arguments resolved (``List['Item']``)."""
    if is_annotated(tp):
        inner = _resolve(tp.__origin__, scope)
        return tp if inner is tp.__origin__ else _annotated(inner, tp.__metadata__)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    # Literal's arguments are values, not types; Callable's are flattened (``Callable[[int], str]`` has
    # ``(int, str)``) and have no JSON form anyway.
    if not args or origin is None or is_literal_form(origin) or origin is collections.abc.Callable:
        return tp
    resolved = tuple(_resolve(a, scope) for a in args)
    if all(new is old for new, old in zip(resolved, args)):
        return tp
    if origin is typing.Union or (sys.version_info >= (3, 10) and origin is types.UnionType):
        return typing.Union[resolved]
    return _subscript(origin, resolved)


def _evaluate(node: ast.expr, scope: _Scope) -> Any:
    if isinstance(node, ast.Constant):
        # A string here is a forward reference inside the annotation (``List['Item']``), resolved later.
        return node.value
    if isinstance(node, ast.Name):
        return scope.lookup(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_evaluate(node.value, scope), node.attr)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return typing.Union[_evaluate_type(node.left, scope), _evaluate_type(node.right, scope)]
    if isinstance(node, ast.Subscript):
        return _evaluate_subscript(node, scope)
    if isinstance(node, ast.Tuple):
        return tuple(_evaluate_type(e, scope) for e in node.elts)
    if isinstance(node, ast.List):
        return [_evaluate_type(e, scope) for e in node.elts]
    raise _NotAType(node)


def _evaluate_type(node: ast.expr, scope: _Scope) -> Any:
    return _resolve(_evaluate(node, scope), scope)


def _evaluate_subscript(node: ast.Subscript, scope: _Scope) -> Any:
    base = _evaluate(node.value, scope)
    index: Any = node.slice
    if sys.version_info < (3, 9):  # Python 3.8 wraps the subscript in an Index node
        index = index.value
    elements: List[ast.expr] = index.elts if isinstance(index, ast.Tuple) else [index]
    if is_literal_form(base):
        args: Tuple[Any, ...] = tuple(_literal(e, scope) for e in elements)
    elif _is_annotated_form(base) and elements:
        # Only the first argument is a type. Of the metadata, ollama_lite reads only text (a description);
        # a call in it (``Field(gt=0)``, another library's marker) would have to be run, so it is left out.
        metadata = [_literal(e, scope) for e in elements[1:] if not isinstance(e, ast.Call)]
        inner = _evaluate_type(elements[0], scope)
        return _subscript(base, (inner, *metadata)) if metadata else inner
    else:
        args = tuple(_evaluate_type(e, scope) for e in elements)
    return _subscript(base, args)


def _literal(node: ast.expr, scope: _Scope) -> Any:
    """A value as written (``'a'``, ``-1``, ``None``), or the one a name stands for (``Color.RED``)."""
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _evaluate(node, scope)
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise _NotAType(node) from None


def _subscript(base: Any, args: Tuple[Any, ...]) -> Any:
    """``base[args]``, through the ``typing`` alias where this Python cannot subscript the class itself."""
    key: Any = args[0] if len(args) == 1 else args
    try:
        return base[key]
    except TypeError:
        alias = _ALIASES.get(base)
        if alias is None:
            raise
        return alias[key]


def _annotated_forms() -> List[Any]:
    # Python 3.8 has no typing.Annotated; there it comes from typing_extensions, imported by its user.
    forms = [getattr(typing, 'Annotated', None), getattr(sys.modules.get('typing_extensions'), 'Annotated', None)]
    return [form for form in forms if form is not None]


def is_literal_form(base: Any) -> bool:
    """``typing.Literal``, or ``typing_extensions.Literal``, a form of its own before Python 3.10.1."""
    return base is typing.Literal or base is getattr(sys.modules.get('typing_extensions'), 'Literal', typing.Literal)


def is_annotated(tp: Any) -> bool:
    """Whether ``tp`` is an ``Annotated[T, ...]`` (from ``typing``, or ``typing_extensions`` on Python 3.8)."""
    return hasattr(tp, '__metadata__') and hasattr(tp, '__origin__')


def _is_annotated_form(base: Any) -> bool:
    return any(base is form for form in _annotated_forms())


def _annotated(inner: Any, metadata: Tuple[Any, ...]) -> Any:
    args = (inner, *metadata)  # a subscript with * inside is Python 3.11+ syntax to type checkers
    return _annotated_forms()[0][args]
