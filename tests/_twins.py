"""Generates ollama_lite's committed generated parts: the method layer of ``Client`` and ``AsyncClient`` (their
constructor, ``config`` and public methods) from its one source, ``ollama_lite/_methods.py``, with the twins'
imports of the names they use; the tool runner's sync driver from its async one; ``__init__.py``'s imports and
``__all__`` from its list of names.

Run ``python -m tests._twins`` after editing ``ollama_lite/_methods.py``, the driver in
``ollama_lite/_tool_runner_async.py``, the batch entry points in ``ollama_lite/_batch_async.py`` or the list of
public names in ``ollama_lite/__init__.py``;
``python -m tests._twins --check`` (tox env ``lint``, and ``tests/unit/test_twins.py``) fails while a generated
part is not what this makes. It is a tool for changing the library, not part of it: it lives with the tests, is
not installed, and imports nothing of ollama_lite, so that it runs on a tree whose package does not import (in
the middle of a merge, say).

Why this shape
--------------
The two clients differ in how they move bytes (requests or aiohttp: ``_sync.py``/``_async.py`` above their
marker lines, written by hand) and in nothing else. Their constructor and public methods -- signatures, the three
``stream`` overloads, docstrings, the call into ``_api`` -- are written once, in ``_methods.py``, as the coroutines of
``AsyncClient``, the form that says the most (what is awaited). From it this module writes:

- the async twin: each method as written, plus, for a method with ``stream: bool = False`` and a return of
  ``Union[Reply, AsyncStream[Reply]]``, its ``Literal[False]``/``Literal[True]``/``bool`` overloads; a call
  whose arguments end in ``...`` (``self._many(_api.chat(...))``) gets the method's parameters there, as they
  were declared (positional ones by position, keyword-only ones by name, ``*args``/``**kwargs`` spread);
- the sync twin, from that, as httpcore's unasync does: ``async``/``await`` go, ``AsyncStream`` becomes
  ``Stream`` and the other names in ``_SYNC_NAMES`` are swapped, token by token, so strings and comments keep
  their words; in docstrings, prose only swaps the stream types (``an ``AsyncStream`` `` reads ``a ``Stream`` ``),
  while ``>>>`` examples lose ``await`` and the parentheses it needed: ``(await client.ps()).models`` is
  ``client.ps().models``.

The generated text replaces what stands between the marker lines of each twin, and the whole file is then
formatted by ruff, so it reads as the rest does. A table of endpoints (openai-python, boto3) would repeat what a
signature says in a second notation, and cannot hold a method whose body is logic; a hand-written async source
holds both, is type-hinted Python an editor understands, and its docstrings are the ones users read.

Each twin's imports from ``_types``, ``_errors`` and ``_pool`` are generated from the names the twin uses, so a
signature or a method body that starts to use one needs no import by hand, and the two twins keep no list in
step.

The tool runner's driver (``run_tools``: send, run the calls, send again) is written once too, as the coroutine
in ``_tool_runner_async.py`` between its marker lines, and its sync twin generated into ``_tool_runner.py``; so
are the batch runner's entry points (``iter_embed_many``, ``embed_many``, ``iter_many``: the plan and what each
piece of work sends), in ``_batch_async.py``, their sync twins generated into ``_batch_sync.py``. What really
differs (threads or tasks: ``run``, ``collect``) each runner writes by hand, outside the marker lines.

``__init__.py`` names each public name once, in ``_NAMES`` (module, and whether it is imported with the package,
on first use, or is a module-level function); its ``__getattr__`` reads the lazy names and the functions from
it. Type checkers and IDEs need the names spelled out, as imports and a literal ``__all__``: those are generated
from ``_NAMES`` between the file's marker lines.

How to add an endpoint or a parameter
-------------------------------------
1. Teach ``_api.py`` the request: a function that builds the ``Call`` (its body builder), taking the new
   endpoint's parameters, or the new parameter.
2. In ``_methods.py``, write the method once as an ``async def`` of ``AsyncClient`` (or add the parameter to its
   signature, with its type, default and a docstring line). A plain endpoint's body is
   ``return await self._one(_api.name(...))`` (``self._many`` with ``stream``); a method with logic is written
   out, awaiting what the async client awaits (``await self.show(model)``), once for both twins. It calls
   the twins' private transport methods (``_one``, ``_many``, ``_ask_within``, ...), which both have; where
   the twins must really differ (threads or tasks, reading files), it calls a private method each twin
   writes by hand above its marker lines, as ``create_blob`` calls ``_create_blob``. A name the sync side
   spells otherwise goes in ``_SYNC_NAMES``.
3. Run ``python -m tests._twins``. It imports into each twin the names of ``_types.py``, ``_errors.py`` and
   ``_pool.py`` (``IMPORTED``) the twin uses; a name from elsewhere that is new to the twins is imported by hand
   in both (ruff names it).
4. For a module-level function (``ollama_lite.name``, the method of a default client), add the name to
   ``_NAMES['functions']`` in ``__init__.py`` (a new public type: to ``_NAMES['eager']``), and run step 3 again:
   the imports, ``__all__`` and the names type checkers see are generated from that one list.
5. Test both twins (``tests/unit``), and the official client's signature if it has the method
   (``tests/compat/test_dropin.py``).

A constructor parameter is one of ``__init__``'s in ``_methods.py``: policy (``keep_alive=``, ``hosts=``, ...) is
passed to ``ClientConfig.build`` there and kept in ``ClientConfig`` (``_config.py``), which both transports read;
a parameter only one transport can use has no place in the shared signature (it is one of ``**kwargs``, checked
by each twin's ``_options``). Describe it in both class docstrings, which are the twins' own.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

_HERE = Path(__file__).resolve().parents[1] / 'ollama_lite'
SOURCE = _HERE / '_methods.py'
ASYNC_TARGET = _HERE / '_async.py'
SYNC_TARGET = _HERE / '_sync.py'

INIT_TARGET = _HERE / '__init__.py'

BEGIN = '    # --- the API: generated from _methods.py by `python -m tests._twins`; edit it there, not here ---'
END = '    # --- end of the generated API ---'
INIT_BEGIN = '# --- public names: generated from _NAMES below by `python -m tests._twins`; edit _NAMES, not here ---'
INIT_END = '# --- end of the generated names ---'
#: The modules each twin imports names from as it uses them: its imports of them are generated from that use.
IMPORTED = ('_errors', '_pool', '_types')


def import_markers(module: str) -> Tuple[str, str]:
    return (
        f'# --- the names this module uses from {module}: generated by `python -m tests._twins` ---',
        f'# --- end of the generated import from {module} ---',
    )


#: The tool runner's driver is written once, as a coroutine, in _tool_runner_async.py; its sync twin is made here.
DRIVER_SOURCE = _HERE / '_tool_runner_async.py'
DRIVER_TARGET = _HERE / '_tool_runner.py'
DRIVER_SOURCE_MARKERS = (
    '# --- The driver, written once: `python -m tests._twins` writes its sync twin into _tool_runner.py ---',
    '# --- end of the driver ---',
)
DRIVER_MARKERS = (
    '# --- The sync driver: generated from _tool_runner_async.py by `python -m tests._twins`; edit it there ---',
    '# --- end of the generated driver ---',
)
#: The batch runner's entry points likewise: written once in _batch_async.py, their sync twins made here.
BATCH_SOURCE = _HERE / '_batch_async.py'
BATCH_TARGET = _HERE / '_batch_sync.py'
BATCH_SOURCE_MARKERS = (
    '# --- The entry points, written once: `python -m tests._twins` writes their sync twins into _batch_sync.py ---',
    '# --- end of the entry points ---',
)
BATCH_MARKERS = (
    '# --- The entry points: generated from _batch_async.py by `python -m tests._twins`; edit them there ---',
    '# --- end of the generated entry points ---',
)
#: The parts written once as async code (source, its markers) and where their sync twins go (target, its markers).
DERIVED = (
    (DRIVER_SOURCE, DRIVER_SOURCE_MARKERS, DRIVER_TARGET, DRIVER_MARKERS),
    (BATCH_SOURCE, BATCH_SOURCE_MARKERS, BATCH_TARGET, BATCH_MARKERS),
)

#: Names the sync twin spells otherwise (token by token; strings and comments are left alone).
_SYNC_NAMES = {
    'AsyncClient': 'Client',
    'AsyncStream': 'Stream',
    'AsyncToolRunStream': 'ToolRunStream',
    '_tool_runner_async': '_tool_runner',
    '_batch_async': '_batch_sync',
    'AsyncBatchResults': 'BatchResults',
    'AsyncIterator': 'Iterator',
    'AsyncGenerator': 'Generator',
    '__aenter__': '__enter__',
    '__aexit__': '__exit__',
    'aclose': 'close',
}
#: Qualified names the sync twin spells otherwise (the session types).
_SYNC_DOTTED = {'aiohttp.ClientSession': 'requests.Session'}
#: The names docstring prose swaps (with their article): the types a method returns.
_PROSE_NAMES = ('AsyncToolRunStream', 'AsyncStream')

_Span = Tuple[int, int, str]  # start and end offsets in a text, and what replaces them


_Func = Union[ast.AsyncFunctionDef, ast.FunctionDef]


class _Text:
    """A source text, with ast positions (1-based lines, UTF-8 byte columns) turned into character offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        for line in text.splitlines(keepends=True):
            self._starts.append(self._starts[-1] + len(line))
        self._lines = text.splitlines(keepends=True)

    def offset(self, line: int, col: int) -> int:
        raw = self._lines[line - 1].encode('utf-8')[:col]
        return self._starts[line - 1] + len(raw.decode('utf-8'))

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def segment(self, node: ast.AST) -> str:
        return self.text[self.start(node) : self.end(node)]

    def line_start(self, line: int) -> int:
        return self._starts[line - 1]


def _replace(text: str, spans: Sequence[_Span]) -> str:
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


class GeneratorError(Exception):
    """The source asks for something the generator cannot make; the message says where."""


def _forwarded(func: _Func) -> str:
    """The method's parameters as a call passes them on, each as it was declared."""
    args = func.args
    parts = [a.arg for a in (*args.posonlyargs, *args.args)][1:]  # without self
    if args.vararg is not None:
        parts.append(f'*{args.vararg.arg}')
    parts += [f'{a.arg}={a.arg}' for a in args.kwonlyargs]
    if args.kwarg is not None:
        parts.append(f'**{args.kwarg.arg}')
    return ', '.join(parts)


def _header_end(src: _Text, func: _Func) -> int:
    """Where the ``def`` line(s) end: just after the colon before the body."""
    body_start = src.line_start(func.body[0].lineno)
    return src.text.rindex(':', src.start(func), body_start) + 1


def _overloads(src: _Text, func: _Func, indent: str) -> str:
    """The three ``stream`` overloads of ``func``, or nothing for a method without ``stream``."""
    stream = next((a for a in func.args.kwonlyargs if a.arg == 'stream'), None)
    if stream is None:
        if any(a.arg == 'stream' for a in func.args.args):
            raise GeneratorError(f'{func.name}: stream must be keyword-only (after *) to have overloads')
        return ''
    default = func.args.kw_defaults[func.args.kwonlyargs.index(stream)]
    returns = func.returns
    if (
        stream.annotation is None
        or src.segment(stream.annotation) != 'bool'
        or default is None
        or src.segment(default) != 'False'
    ):
        raise GeneratorError(f'{func.name}: write the parameter as  stream: bool = False')
    if not (
        isinstance(returns, ast.Subscript)
        and src.segment(returns.value) == 'Union'
        and isinstance(_slice(returns), ast.Tuple)
        and len(_slice(returns).elts) == 2  # type: ignore[attr-defined]
    ):
        raise GeneratorError(f'{func.name}: with stream, return Union[Reply, AsyncStream[Reply]]')
    whole, streamed = (src.segment(e) for e in _slice(returns).elts)  # type: ignore[attr-defined]
    start, header_end = src.start(func), _header_end(src, func)
    annotation = (src.start(stream.annotation), src.end(stream.annotation))
    variants = [
        [(*annotation, 'Literal[False]'), (src.start(returns), src.end(returns), whole)],
        [(annotation[0], src.end(default), 'Literal[True]'), (src.start(returns), src.end(returns), streamed)],
        [],
    ]
    out = []
    for spans in variants:
        shifted = [(a - start, b - start, new) for a, b, new in spans]
        out.append(f'{indent}@overload\n{indent}{_replace(src.text[start:header_end], shifted)} ...\n')
    return ''.join(out)


def _slice(node: ast.Subscript) -> ast.AST:
    # Python 3.8 wraps a subscript's slice in ast.Index.
    inner = node.slice
    return getattr(inner, 'value', inner) if type(inner).__name__ == 'Index' else inner


def _is_ellipsis(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _method(src: _Text, func: _Func, indent: str) -> str:
    """The method as the async twin has it: overloads, then itself with its ``...`` calls filled in."""
    spans = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and node.args and _is_ellipsis(node.args[-1]):
            if any(_is_ellipsis(a) for a in node.args[:-1]):
                raise GeneratorError(f'{func.name}: only the last positional argument may be ...')
            # Keywords may follow ``...`` (what the call adds of its own, like the client's defaults), but
            # none may name a parameter ``...`` already passes on.
            params = {a.arg for a in (*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs)}
            doubled = sorted(k.arg for k in node.keywords if k.arg is None or k.arg in params)
            if doubled:
                raise GeneratorError(f'{func.name}: ... already passes {", ".join(map(str, doubled))}')
            spans.append((src.start(node.args[-1]), src.end(node.args[-1]), _forwarded(func)))
    first = func.decorator_list[0] if func.decorator_list else func
    start = src.line_start(first.lineno)
    end = src.end(func)
    body = _replace(src.text[start:end], [(a - start, b - start, new) for a, b, new in spans])
    return _overloads(src, func, indent) + body + '\n'


def _returns_clients(func: ast.FunctionDef) -> bool:
    # ``-> AsyncClient`` or ``-> List[AsyncClient]``: a method that only makes clients of the pool (``host``,
    # ``affinity``) sends nothing.
    returns = func.returns
    if isinstance(returns, ast.Subscript) and isinstance(returns.value, ast.Name) and returns.value.id == 'List':
        returns = _slice(returns)
    return isinstance(returns, ast.Name) and returns.id == 'AsyncClient'


def _sync_in_both(func: ast.FunctionDef) -> bool:
    # What is no coroutine in AsyncClient either: the constructor and the other dunders, properties, what
    # returns clients rather than replies, and private helpers (a public method that sends must be awaited).
    properties = [d for d in func.decorator_list if isinstance(d, ast.Name) and d.id == 'property']
    private = func.name.startswith('_')
    return private or bool(properties) or _returns_clients(func)


def async_methods(source: str) -> str:
    """The async twin's method layer: the class body of ``AsyncClient`` in ``source``, overloads derived."""
    src = _Text(source)
    tree = ast.parse(source)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == 'AsyncClient']
    if len(classes) != 1:
        raise GeneratorError('the source must define one class AsyncClient')
    cls = classes[0]
    pieces: List[str] = []
    position = src.line_start(cls.body[0].lineno)
    for node in cls.body:
        first = node.decorator_list[0] if getattr(node, 'decorator_list', None) else node  # type: ignore[attr-defined]
        node_start = src.line_start(first.lineno)
        pieces.append(src.text[position:node_start])  # comments and blank lines between methods
        if isinstance(node, ast.FunctionDef) and not _sync_in_both(node):
            raise GeneratorError(f'{node.name}: write the method as async def (the sync twin is derived)')
        if isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef)):
            indent = src.text[node_start : src.start(first)]
            pieces.append(_method(src, node, indent))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            pass  # the class docstring describes the source, not the clients
        else:
            raise GeneratorError(f'line {node.lineno}: only methods go in the class')
        position = src.line_start(node.end_lineno + 1)  # type: ignore[operator]
    pieces.append(src.text[position:])
    return ''.join(pieces).strip('\n') + '\n'


def _strip_awaited_parentheses(line: str) -> str:
    """``(await x.f(a)).b`` -> ``x.f(a).b``: the parentheses were there for the ``await``."""
    while True:
        start = line.find('(await ')
        if start < 0:
            return line
        depth = 0
        for i in range(start, len(line)):
            depth += {'(': 1, ')': -1}.get(line[i], 0)
            if depth == 0:
                line = line[:start] + line[start + len('(await ') : i] + line[i + 1 :]
                break
        else:
            return line  # unbalanced: leave the line as it is


def _sync_docstring_line(line: str) -> str:
    if line.lstrip().startswith(('>>> ', '... ')):
        line = _strip_awaited_parentheses(line)
        line = re.sub(r'\basync (for|with) ', r'\1 ', line).replace('await ', '')
        for old, new in _SYNC_NAMES.items():
            line = re.sub(rf'\b{old}\b', new, line)
        return line
    for old in _PROSE_NAMES:
        new = _SYNC_NAMES[old]
        line = re.sub(rf'\ban ``{old}\b', f'a ``{new}', line)
        line = re.sub(rf'\b{old}\b', new, line)
    return line


def _sync_docstring(text: str) -> str:
    return '\n'.join(_sync_docstring_line(line) for line in text.split('\n'))


def unasync(code: str) -> str:
    """The sync twin of async code: token by token, so that strings and comments keep their words."""
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    src = _Text(code)
    spans: List[_Span] = []
    for i, tok in enumerate(tokens):
        # tokenize counts columns in characters, not bytes
        start = src.line_start(tok.start[0]) + tok.start[1]
        end = src.line_start(tok.end[0]) + tok.end[1]
        if tok.type == tokenize.NAME and tok.string in ('async', 'await'):
            following = tokens[i + 1]
            if tok.string == 'async' and following.string not in ('def', 'for', 'with'):
                continue
            spans.append((start, src.line_start(following.start[0]) + following.start[1], ''))
        elif tok.type == tokenize.NAME and i + 2 < len(tokens) and tokens[i + 1].string == '.':
            dotted = f'{tok.string}.{tokens[i + 2].string}'
            if dotted in _SYNC_DOTTED:
                last = tokens[i + 2]
                spans.append((start, src.line_start(last.end[0]) + last.end[1], _SYNC_DOTTED[dotted]))
        elif tok.type == tokenize.NAME and tok.string in _SYNC_NAMES:
            spans.append((start, end, _SYNC_NAMES[tok.string]))
        elif tok.type == tokenize.STRING and tok.string.endswith(('"""', "'''")):
            spans.append((start, end, _sync_docstring(tok.string)))
    return _replace(code, spans)


def region(text: str, markers: Tuple[str, str]) -> str:
    """What stands between two marker lines of ``text``."""
    lines = text.split('\n')
    return '\n'.join(lines[lines.index(markers[0]) + 1 : lines.index(markers[1])])


def _with_region(
    target: str, code: str, path: Path, markers: Tuple[str, str] = (BEGIN, END), gap: bool = True, after: bool = False
) -> str:
    lines = target.split('\n')
    try:
        begin, end = lines.index(markers[0]), lines.index(markers[1])
    except ValueError:
        raise GeneratorError(f'{path.name}: the marker lines are missing:\n{markers[0]}\n{markers[1]}') from None
    # No blank line under the names' marker: isort reads it as the comment of the imports it heads.
    # (after: a blank line closes an import block before the end marker, as isort wants it.)
    code = code.rstrip('\n') + ('\n' if after else '')
    return '\n'.join([*lines[: begin + 1], *([''] if gap else []), code, *lines[end:]])


def _defined(module: str) -> List[str]:
    """The names a module defines at its top level."""
    names = []
    for node in ast.parse(module).body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith('__')]


def names_import(module: str, imported: str, source: str) -> str:
    """``from .<imported> import ...`` with exactly the names ``source`` (that module's text) defines and
    ``module`` reads, outside its generated imports, without binding them itself."""
    lines = module.split('\n')
    for name in IMPORTED:
        begin, end = (lines.index(m) for m in import_markers(name))
        lines[begin : end + 1] = [''] * (end + 1 - begin)
    tree = ast.parse('\n'.join(lines))
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    bound |= {a.asname or a.name.split('.')[0] for n in imports for a in n.names}  # taken from elsewhere
    names = sorted((read - bound) & set(_defined(source)), key=_import_order)
    return f'from .{imported} import ({", ".join(names)})\n' if names else ''


def _import_order(name: str) -> Tuple[int, str]:
    # isort's (and ruff's) order within one import: CONSTANTS, then Classes, then functions, ignoring case.
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[0].isupper() else 2
    return kind, name.lower()


def public_names(init_source: str) -> str:
    """The static part of ``__init__.py`` -- imports, the names type checkers and IDEs see, ``__all__`` --
    from the one list of public names, its ``_NAMES``."""
    table = None
    for node in ast.parse(init_source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == '_NAMES' and node.value is not None:  # type: ignore[union-attr]
            table = ast.literal_eval(node.value)  # type: ignore[union-attr]
    if table is None:
        raise GeneratorError('__init__.py: no _NAMES: Dict[str, Any] = {...} to generate the public names from')
    eager = {module: names.split() for module, names in table['eager'].items()}
    lazy = {module: names.split() for module, names in table['lazy'].items()}
    functions = table['functions'].split()

    def imports(modules: Dict[str, List[str]], indent: str = '') -> List[str]:
        return [
            f'{indent}from .{module} import {", ".join(sorted(names, key=_import_order))}'
            for module, names in sorted(modules.items())
        ]

    everything = [n for names in (*eager.values(), *lazy.values()) for n in names] + functions
    doubles = sorted({n for n in everything if everything.count(n) > 1})
    if doubles:
        raise GeneratorError(f'__init__.py: _NAMES lists {", ".join(doubles)} more than once')
    lines = [*imports(eager), '', 'if TYPE_CHECKING:', *imports(lazy, '    '), '']
    lines += ['    _client = Client()', *(f'    {name} = _client.{name}' for name in functions), '']
    lines.append(f'__all__ = [{", ".join(repr(n) for n in sorted(everything))}]')
    return '\n'.join(lines) + '\n'


def _ruff_format(text: str, path: Path) -> str:
    done = subprocess.run(
        # The project's settings, named: ruff would look for them beside a file outside the checkout.
        [
            sys.executable,
            '-m',
            'ruff',
            'format',
            '--config',
            str(_HERE.parent / 'ruff.toml'),
            '--stdin-filename',
            str(path),
            '-',
        ],
        input=text,
        capture_output=True,
        text=True,
        cwd=str(_HERE.parent),
        check=False,
    )
    if done.returncode != 0:
        raise GeneratorError(f'ruff format failed on the generated {path.name}:\n{done.stderr}')
    return done.stdout


def generated(source: Optional[str] = None) -> Dict[Path, Tuple[str, str]]:
    """For each file with a generated part: that part as made (not yet formatted), and the file as it should be."""
    source = SOURCE.read_text(encoding='utf-8') if source is None else source
    async_layer = async_methods(source)
    layers = {ASYNC_TARGET: async_layer, SYNC_TARGET: unasync(async_layer)}
    sources = {name: (_HERE / f'{name}.py').read_text(encoding='utf-8') for name in IMPORTED}
    out = {}
    for path, layer in layers.items():
        text = _with_region(path.read_text(encoding='utf-8'), layer, path)
        for name in IMPORTED:
            # The last import of the block is followed by a blank line, as isort wants it.
            last = name == IMPORTED[-1]
            imports = names_import(text, name, sources[name])
            text = _with_region(text, imports, path, import_markers(name), gap=False, after=last)
        out[path] = (layer, _ruff_format(text, path))
    for derived_source, source_markers, target, markers in DERIVED:
        derived = unasync(region(derived_source.read_text(encoding='utf-8'), source_markers).strip('\n') + '\n')
        text = _with_region(target.read_text(encoding='utf-8'), '\n' + derived + '\n', target, markers)
        out[target] = (derived, _ruff_format(text, target))
    init = INIT_TARGET.read_text(encoding='utf-8')
    names = public_names(init)
    text = _with_region(init, names, INIT_TARGET, (INIT_BEGIN, INIT_END), gap=False)
    out[INIT_TARGET] = (names, _ruff_format(text, INIT_TARGET))
    return out


def main(argv: Sequence[str]) -> int:
    check = '--check' in argv
    stale = []
    for path, (_, text) in generated().items():
        if path.read_text(encoding='utf-8') != text:
            stale.append(path)
            if not check:
                path.write_text(text, encoding='utf-8')
    if check and stale:
        names = ', '.join(f'ollama_lite/{p.name}' for p in stale)
        print(f'{names}: not what the generator makes; run  python -m tests._twins', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
