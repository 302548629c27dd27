"""No module of ollama_lite imports, through any chain, a module that imports it back.

Every import counts: at the top of a file, inside a function (an import put off to break a circle still makes
one), under ``TYPE_CHECKING``. The graph is read from the source, so nothing is imported to build it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import ollama_lite

PACKAGE = Path(ollama_lite.__file__).resolve().parent


def _modules(root: Path) -> Dict[str, Path]:
    modules = {}
    for path in sorted(root.rglob('*.py')):
        parts = list(path.relative_to(root.parent).with_suffix('').parts)
        if parts[-1] == '__init__':
            parts.pop()
        modules['.'.join(parts)] = path
    return modules


def import_graph(root: Path) -> Dict[str, Set[str]]:
    """Module -> the modules of the same package it imports anywhere in its text."""
    modules = _modules(root)
    graph: Dict[str, Set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == '__init__.py' else name.rsplit('.', 1)[0]
        found: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            if isinstance(node, ast.ImportFrom):
                target = node.module or ''
                if node.level:
                    base = package.split('.')[: len(package.split('.')) - (node.level - 1)]
                    target = '.'.join([*base, *([node.module] if node.module else [])])
                # from . import _api names a submodule; from . import Client, a name of the package.
                submodules = {f'{target}.{a.name}' for a in node.names} & set(modules)
                found.update(submodules)
                if node.module is not None or len(submodules) < len(node.names):
                    found.add(target)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The groups of modules that reach each other (Tarjan's strongly connected components of two or more)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    found: List[List[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in sorted(graph[module]):
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_ollama_lite_has_no_import_circle() -> None:
    assert circles(import_graph(PACKAGE)) == []


def test_a_circle_through_an_import_inside_a_function_is_found(tmp_path: Path) -> None:
    package = tmp_path / 'pkg'
    (package / 'sub').mkdir(parents=True)
    (package / '__init__.py').write_text('from ._a import A\n')
    (package / '_a.py').write_text('from ._b import B\nA = 1\n')
    (package / '_b.py').write_text('def f():\n    from ._a import A\n    return A\nB = 2\n')
    (package / 'sub' / '__init__.py').write_text('')
    (package / 'sub' / '_c.py').write_text(
        'from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import A\n'
    )
    (package / '_d.py').write_text('from .sub import _c\n')
    graph = import_graph(package)
    assert graph['pkg._d'] == {'pkg.sub', 'pkg.sub._c'}
    assert graph['pkg.sub._c'] == {'pkg'}
    assert circles(graph) == [['pkg._a', 'pkg._b']]


def test_the_modules_that_were_a_circle_now_import_one_way() -> None:
    # _codec and _dump read models through _record; _model builds on all three.
    graph = import_graph(PACKAGE)
    assert 'ollama_lite._model' not in graph['ollama_lite._codec'] | graph['ollama_lite._dump']
    assert {'ollama_lite._codec', 'ollama_lite._dump', 'ollama_lite._record'} <= graph['ollama_lite._model']
