"""Generated, committed code: the clients' method layer, from one source (``ollama_lite/_methods.py``), and the
static part of ``ollama_lite/__init__.py``, from its one list of public names (``_NAMES``).

These tests fail when a generated part is stale (its source was edited and ``python -m tests._twins`` not run,
or the generated part was edited by hand), and pin down what the generator derives.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest

import ollama_lite
from tests import _twins
from tests._twins import BEGIN, END, INIT_BEGIN, INIT_END, GeneratorError, async_methods, public_names, unasync

_HAS_RUFF = importlib.util.find_spec('ruff') is not None
needs_ruff = pytest.mark.skipif(not _HAS_RUFF, reason='the generated files are formatted by ruff, not installed here')


def _region(path: Path, begin: str = BEGIN, end: str = END) -> str:
    lines = path.read_text(encoding='utf-8').split('\n')
    return '\n'.join(lines[lines.index(begin) + 1 : lines.index(end)])


def _shape(class_body: str) -> str:
    """The code as Python sees it, whatever its layout: formatting is ruff's, meaning is the generator's."""
    return ast.dump(ast.parse('class _:\n' + class_body))


def test_the_sync_tool_runner_driver_means_what_the_async_one_makes() -> None:
    source = _twins.region(_twins.DRIVER_SOURCE.read_text(encoding='utf-8'), _twins.DRIVER_SOURCE_MARKERS)
    committed = _twins.region(_twins.DRIVER_TARGET.read_text(encoding='utf-8'), _twins.DRIVER_MARKERS)
    assert 'async def run_tools' in source
    assert ast.dump(ast.parse(committed)) == ast.dump(ast.parse(unasync(source))), 'run  python -m tests._twins'


@pytest.mark.parametrize('imported', _twins.IMPORTED)
@pytest.mark.parametrize('target', [_twins.ASYNC_TARGET, _twins.SYNC_TARGET], ids=['async', 'sync'])
def test_each_twin_imports_exactly_the_names_it_uses(target: Path, imported: str) -> None:
    text = target.read_text(encoding='utf-8')
    committed = _twins.region(text, _twins.import_markers(imported))
    source = (target.parent / f'{imported}.py').read_text(encoding='utf-8')
    expected = _twins.names_import(text, imported, source)
    assert ast.dump(ast.parse(committed)) == ast.dump(ast.parse(expected)), 'run  python -m tests._twins'


def _module(body: str) -> str:
    regions = [f'{m[0]}\n{m[1]}' for m in map(_twins.import_markers, _twins.IMPORTED)]
    return '\n'.join(regions) + '\n' + body


def test_a_type_a_signature_starts_to_use_is_imported_and_one_it_stops_using_is_not() -> None:
    module = _module('def f(x: New, y: Optional[Other]) -> Old2: ...\n')
    types = 'class New: ...\nclass Old: ...\nclass Old2: ...\nOther = int\n__all__ = []\nclass Unused: ...\n'
    assert _twins.names_import(module, '_types', types) == 'from ._types import (New, Old2, Other)\n'


def test_a_name_the_module_binds_itself_is_not_imported() -> None:
    module = _module(
        'from ._api import redact\ndef f(refused):\n    return refused, broke_off, redact\ndef gone(): ...\n'
    )
    errors = 'def refused(): ...\ndef broke_off(): ...\ndef gone(): ...\ndef redact(): ...\n'
    assert _twins.names_import(module, '_errors', errors) == 'from ._errors import (broke_off)\n'


def test_the_generated_public_names_mean_what_the_list_makes() -> None:
    init = _twins.INIT_TARGET.read_text(encoding='utf-8')
    committed = _region(_twins.INIT_TARGET, INIT_BEGIN, INIT_END)
    assert ast.dump(ast.parse(committed)) == ast.dump(ast.parse(public_names(init))), 'run  python -m tests._twins'


@pytest.mark.parametrize('target', [_twins.ASYNC_TARGET, _twins.SYNC_TARGET], ids=['async', 'sync'])
def test_each_twins_generated_part_means_what_the_source_makes(target: Path) -> None:
    source = _twins.SOURCE.read_text(encoding='utf-8')
    layer = async_methods(source)
    if target == _twins.SYNC_TARGET:
        layer = unasync(layer)
    assert _shape(_region(target)) == _shape(layer), f'run  python -m tests._twins  ({target.name} is stale)'


@needs_ruff
def test_the_committed_files_are_exactly_what_the_generator_writes() -> None:
    assert _twins.main(['--check']) == 0


@needs_ruff
def test_check_fails_and_names_a_stale_twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    stale = tmp_path / '_sync.py'
    text = _twins.SYNC_TARGET.read_text(encoding='utf-8')
    stale.write_text(text.replace('"""Delete a model', '"""Remove a model', 1), encoding='utf-8')
    monkeypatch.setattr(_twins, 'SYNC_TARGET', stale)
    monkeypatch.setattr(_twins, 'ASYNC_TARGET', _twins.ASYNC_TARGET)
    assert _twins.main(['--check']) == 1
    assert 'ollama_lite/_sync.py' in capsys.readouterr().err
    assert stale.read_text(encoding='utf-8') != text  # --check writes nothing
    assert _twins.main([]) == 0
    assert stale.read_text(encoding='utf-8') == text  # and a run without it restores the generated part


# --- what the generator derives, on a small source --------------------------------------------------------

SOURCE = '''
class AsyncClient:
    async def talk(
        self,
        model: str = '',
        *,
        stream: bool = False,
        tone: Optional[str] = None,
    ) -> Union[TalkResponse, AsyncStream[TalkResponse]]:
        """Talk; with ``stream=True`` an ``AsyncStream`` of replies. ``async def`` hooks are awaited.

        ``tone``: how the model should sound.

        >>> (await client.talk('m')).text
        >>> async for r in await client.talk('m', stream=True): print(r.text)
        """
        return await self._many(_api.talk(...))

    async def count(self, model: str, *words: str, **extra: Any) -> int:
        """Count."""
        # a comment about await, kept as it is
        return len(await self._one(_api.count(self._config, ...)))
'''


def _methods(code: str, cls: str = 'AsyncClient') -> dict:
    namespace: dict = {}
    stubs = 'from typing import *\nclass TalkResponse: pass\nclass AsyncStream(Generic[TypeVar("T")]): pass\n'
    stubs += 'Stream = AsyncStream\n'
    exec(compile(stubs + f'class {cls}:\n' + code, '<generated>', 'exec'), namespace)
    return namespace


def test_a_parameter_written_once_reaches_every_overload_and_the_call_of_both_twins() -> None:
    layer = async_methods(SOURCE)
    for code in (layer, unasync(layer)):
        assert code.count('tone: Optional[str] = None') == 4  # three overloads and the method itself
        assert code.count('``tone``: how the model should sound.') == 1  # the method's docstring
        assert 'tone=tone' in code
        assert code.count('@overload') == 3


def test_the_overloads_tie_stream_to_the_return_type() -> None:
    layer = async_methods(SOURCE)
    heads = [line.strip() for line in layer.splitlines() if line.strip().startswith((') ->', 'stream:'))]
    assert heads[:6] == [
        'stream: Literal[False] = False,',
        ') -> TalkResponse: ...',
        'stream: Literal[True],',
        ') -> AsyncStream[TalkResponse]: ...',
        'stream: bool = False,',
        ') -> Union[TalkResponse, AsyncStream[TalkResponse]]: ...',
    ]


def test_forwarded_calls_pass_each_parameter_as_it_was_declared() -> None:
    layer = async_methods(SOURCE)
    assert 'self._many(_api.talk(model, stream=stream, tone=tone))' in layer
    assert '_api.count(self._config, model, *words, **extra)' in layer


def test_a_forwarded_call_may_add_keywords_of_its_own_after_the_parameters() -> None:
    source = (
        'class AsyncClient:\n    async def f(self, model: str, *, tone: int = 0) -> A:\n        return g(..., x=1)\n'
    )
    assert 'return g(model, tone=tone, x=1)' in async_methods(source)


def test_a_keyword_after_the_forwarded_parameters_may_not_repeat_one() -> None:
    source = (
        'class AsyncClient:\n    async def f(self, model: str, *, tone: int = 0) -> A:\n        return g(..., tone=1)\n'
    )
    with pytest.raises(GeneratorError, match=r'\.\.\. already passes tone'):
        async_methods(source)


def test_the_sync_twin_loses_async_and_await_in_code_and_examples_but_not_in_prose_or_comments() -> None:
    sync = unasync(async_methods(SOURCE))
    assert 'def talk(' in sync
    assert 'async def talk' not in sync
    assert 'return self._many(_api.talk(' in sync
    assert ">>> client.talk('m').text" in sync
    assert ">>> for r in client.talk('m', stream=True): print(r.text)" in sync
    assert 'with ``stream=True`` a ``Stream`` of replies. ``async def`` hooks are awaited.' in sync
    assert '-> Stream[TalkResponse]: ...' in sync
    assert '# a comment about await, kept as it is' in sync
    assert 'return len(self._one(' in sync


def test_generated_methods_have_the_signatures_written_in_the_source() -> None:
    layer = async_methods(SOURCE)
    twins = (_methods(layer), _methods(unasync(layer), 'Client'))
    for namespace, cls in zip(twins, ('AsyncClient', 'Client')):
        params = inspect.signature(namespace[cls].talk).parameters
        assert list(params) == ['self', 'model', 'stream', 'tone']
        assert params['tone'].default is None
        assert params['tone'].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.iscoroutinefunction(twins[0]['AsyncClient'].count)
    assert not inspect.iscoroutinefunction(twins[1]['Client'].count)


@pytest.mark.parametrize(
    ('signature', 'message'),
    [
        ('self, model: str, stream: bool = False', 'stream must be keyword-only'),
        ('self, model: str, *, stream: Optional[bool] = None', 'stream: bool = False'),
    ],
)
def test_a_stream_parameter_the_overloads_cannot_describe_is_refused(signature: str, message: str) -> None:
    source = f'class AsyncClient:\n    async def f({signature}) -> Union[A, AsyncStream[A]]:\n        return 1\n'
    with pytest.raises(GeneratorError, match=message):
        async_methods(source)


def test_a_streaming_method_must_say_both_of_its_return_types() -> None:
    source = 'class AsyncClient:\n    async def f(self, *, stream: bool = False) -> A:\n        return 1\n'
    with pytest.raises(GeneratorError, match=r'Union\[Reply, AsyncStream\[Reply\]\]'):
        async_methods(source)


def test_the_constructor_and_properties_stay_plain_functions_in_both_twins() -> None:
    source = (
        'class AsyncClient:\n'
        '    def __init__(self, *, session: Optional[aiohttp.ClientSession] = None) -> None:\n'
        '        self._start(session)\n'
        '\n'
        '    @property\n'
        '    def config(self) -> ClientConfig:\n'
        '        return self._config\n'
    )
    layer = async_methods(source)
    assert layer.count('    def ') == 2
    assert 'async def' not in layer
    sync = unasync(layer)
    assert 'session: Optional[requests.Session] = None' in sync
    assert '@property\n    def config(self) -> ClientConfig:' in sync


def test_a_sync_method_in_the_source_is_refused() -> None:
    with pytest.raises(GeneratorError, match='write the method as async def'):
        async_methods('class AsyncClient:\n    def f(self) -> int:\n        return 1\n')


def test_the_module_level_functions_are_the_generated_methods() -> None:
    for name in ('chat', 'generate', 'create', 'show', 'run_tools'):
        function = getattr(ollama_lite, name)
        assert inspect.signature(function) == inspect.signature(getattr(ollama_lite.Client(), name)), name
        assert function.__doc__ == getattr(ollama_lite.Client, name).__doc__, name


def test_the_one_source_is_not_imported_with_the_package() -> None:
    # It is a template (its calls end in ...); the clients generated from it are the code that runs.
    import subprocess
    import sys

    code = 'import sys, ollama_lite; ollama_lite.AsyncClient; print("ollama_lite._methods" in sys.modules)'
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ['False']


# --- the one list of public names ---------------------------------------------------------------------------


def test_every_public_name_comes_from_the_one_list_and_is_there() -> None:
    listed = ollama_lite._NAMES
    names = [n for group in ('eager', 'lazy') for ns in listed[group].values() for n in ns.split()]
    names += listed['functions'].split()
    assert sorted(names) == sorted(ollama_lite.__all__)
    for name in names:
        assert getattr(ollama_lite, name) is not None, name
    assert frozenset(listed['functions'].split()) == ollama_lite._FUNCTIONS
    for module, lazy in listed['lazy'].items():
        for name in lazy.split():
            assert getattr(ollama_lite, name) is getattr(importlib.import_module(f'ollama_lite.{module}'), name)


def test_a_name_listed_twice_is_refused() -> None:
    init = "from typing import Any, Dict\n_NAMES: Dict[str, Any] = {'eager': {'_a': 'X Y'}, 'lazy': {'_b': 'Y'}, "
    init += "'functions': 'f'}\n"
    with pytest.raises(GeneratorError, match='lists Y more than once'):
        public_names(init)


def test_the_names_type_checkers_see_are_generated_in_order() -> None:
    init = "_NAMES: Dict[str, Any] = {'eager': {'_b': 'f X CONST', '_a': 'Z'}, 'lazy': {'_c': 'L'}, 'functions': 'go'}"
    assert public_names(init).splitlines() == [
        'from ._a import Z',
        'from ._b import CONST, X, f',
        '',
        'if TYPE_CHECKING:',
        '    from ._c import L',
        '',
        '    _client = Client()',
        '    go = _client.go',
        '',
        "__all__ = ['CONST', 'L', 'X', 'Z', 'f', 'go']",
    ]


def test_ruff_is_found_where_the_check_runs() -> None:
    # tox's lint env installs ruff and runs the check; without it there, staleness would go unnoticed.
    tox = (Path(__file__).resolve().parents[2] / 'tox.ini').read_text(encoding='utf-8')
    lint = tox.split('[testenv:lint]', 1)[1].split('\n[', 1)[0]
    assert 'ruff' in lint
    assert 'python -m tests._twins --check' in lint
