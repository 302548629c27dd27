"""The mapping half of every request and reply type, with no dependency on how models are encoded.

``_codec`` and ``_dump`` need to recognise a model and read its wire names; ``_model.Model`` needs them to
encode and dump itself. This module is what both sides need, so that neither imports the other.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, FrozenSet, Iterator, Optional, Tuple

__all__ = ['JSON_NAME', 'Record', 'json_name']

#: Metadata key under which a field records the name it has on the wire, when that differs.
JSON_NAME = 'ollama_lite.json_name'


def json_name(name: str, **kwargs: Any) -> Any:
    """A dataclass field whose JSON key is ``name`` (for keys that are not Python identifiers)."""
    # What dataclasses_json.config(field_name=name) writes, without importing dataclasses-json.
    metadata: Dict[str, Any] = {'dataclasses_json': {'letter_case': _FieldName(name)}}
    metadata[JSON_NAME] = name
    return dataclasses.field(metadata=metadata, **kwargs)


class _FieldName:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, _: str) -> str:
        return self.name


def _wire_names(cls: type) -> Dict[str, str]:
    return {f.name: f.metadata.get(JSON_NAME, f.name) for f in dataclasses.fields(cls)}


class Record:
    """Mapping-style access on top of a dataclass: what ``Model`` is, less encoding (see ``Model``)."""

    # Unknown reply fields, kept as sent; set per instance by the decoder, absent on most objects.
    # Record is not itself a dataclass, so this is no dataclass field of its subclasses.
    _extra: Optional[Dict[str, Any]] = None
    # Fields given as None explicitly (a JSON null, ``r[key] = None``): pydantic counts them as set.
    _nulls: Optional[FrozenSet[str]] = None

    def _field_name(self, key: str) -> Optional[str]:
        names: Dict[str, str] = _aliases(type(self))
        return names.get(key)

    def __getitem__(self, key: str) -> Any:
        name = self._field_name(key)
        if name is not None:
            value = getattr(self, name)
            if value is not None or (self._nulls is not None and name in self._nulls):
                return value
        elif self._extra is not None and key in self._extra:
            return self._extra[key]
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        name = self._field_name(key)
        if name is not None:
            setattr(self, name, value)
            if value is None:
                self._nulls = frozenset((*(self._nulls or ()), name))
            return
        if self._extra is None:
            self._extra = {}
        self._extra[key] = value

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = self._field_name(key)
        if name is not None:
            return getattr(self, name) is not None or (self._nulls is not None and name in self._nulls)
        return self._extra is not None and key in self._extra

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``'s value (``None`` included) or the extra field ``key``; else ``default``."""
        name = self._field_name(key)
        if name is not None:
            return getattr(self, name)
        if self._extra is not None:
            return self._extra.get(key, default)
        return default

    def __iter__(self) -> Iterator[Tuple[str, Any]]:
        """Yield ``(name, value)`` pairs of every field, then the extra fields, so ``dict(r)`` works as it
        does on the official client's types. (No ``keys()``: ``dict()`` would then skip ``None`` fields.)"""
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            yield f.name, getattr(self, f.name)
        if self._extra:
            yield from self._extra.items()


_ALIASES: Dict[type, Dict[str, str]] = {}


def _aliases(cls: type) -> Dict[str, str]:
    """Key → field name, for both the Python name and the wire name of each field."""
    try:
        return _ALIASES[cls]
    except KeyError:
        names: Dict[str, str] = {}
        for name, wire in _wire_names(cls).items():
            names[name] = name
            names[wire] = name
        _ALIASES[cls] = names
        return names
