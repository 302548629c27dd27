"""Rename one wire field in the client and the emulator together, for ``python -m tests.mutation``.

On ``PYTHONPATH`` with ``OLLAMA_LITE_MUTANT=old:new`` set, every Python process (the test run and the programs
it starts) believes the field is called ``new``: the client through the one place its wire names live (each
request and reply field's metadata, read by its encoder and decoder alike), the emulator through the one
place its JSON passes (``go_json`` out, ``parse_json`` in, where ``old`` and ``new`` swap). Both are patched
as their modules load, before anything is encoded. Without the variable this file does nothing but hand over
to any ``sitecustomize`` it shadows.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from typing import Any, Callable, Dict, Optional, Sequence

_HERE = os.path.dirname(os.path.abspath(__file__))


def _swap(value: Any, names: Dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {names.get(k, k): _swap(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, names) for v in value]
    return value


def _rename_client(module: types.ModuleType, old: str, new: str) -> None:
    import dataclasses

    from ollama_lite._model import JSON_NAME, Model, json_name

    renamed = 0
    for cls in vars(module).values():
        if not (isinstance(cls, type) and issubclass(cls, Model) and dataclasses.is_dataclass(cls)):
            continue
        for f in dataclasses.fields(cls):
            if f.metadata.get(JSON_NAME, f.name) == old:
                f.metadata = types.MappingProxyType({**f.metadata, **json_name(new).metadata})
                renamed += 1
    if not renamed:
        raise RuntimeError(f'OLLAMA_LITE_MUTANT: no field of ollama_lite._types is called {old!r} on the wire')


def _rename_emulator(module: Any, old: str, new: str) -> None:
    names = {old: new, new: old}
    go_json: Callable[[Any], bytes] = module.go_json
    parse_json: Callable[[bytes], Any] = module.parse_json
    module.go_json = lambda value: go_json(_swap(value, names))
    module.parse_json = lambda raw: _swap(parse_json(raw), names)


_PATCHES = {'ollama_lite._types': _rename_client, 'ollama_lite.testing._http': _rename_emulator}


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patch a module of ``_PATCHES`` right after it executes."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        patch = _PATCHES.get(fullname)
        if patch is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        exec_module = loader.exec_module
        old, new = self.old, self.new

        def exec_and_patch(module: types.ModuleType) -> None:
            exec_module(module)
            patch(module, old, new)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def _install() -> None:
    mutant = os.environ.get('OLLAMA_LITE_MUTANT')
    if not mutant:
        return
    old, sep, new = mutant.partition(':')
    if not (old and sep and new):
        raise RuntimeError(f'OLLAMA_LITE_MUTANT must be old:new, not {mutant!r}')
    sys.meta_path.insert(0, _AfterImport(old, new))


def _hand_over() -> None:
    """Run the ``sitecustomize`` this one shadows, if there is one."""
    others = [p for p in sys.path if os.path.abspath(p or '.') != _HERE]
    spec = importlib.machinery.PathFinder.find_spec('sitecustomize', others)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_install()
_hand_over()
