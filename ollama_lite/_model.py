"""The base of every request and reply type: a dataclass that also reads like a mapping.

Replies are read both ways in code written for the official client: ``r.message.content`` and
``r['message']['content']``. Fields the server sends that this version does not know are kept in
``_extra`` so that a server upgrade never needs a client upgrade to expose new data.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any, Dict, FrozenSet, Iterator, Mapping, Optional, Tuple, Type, TypeVar

M = TypeVar('M', bound='Model')

__all__ = ['JSON_NAME', 'Model', 'json_name']

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


class Model:
    """Mapping-style access on top of a dataclass, as the official client's pydantic types give it.

    ``key in r`` is true for a field that holds a value, for one the server sent as ``null`` (or that
    was assigned ``r[key] = None``) and for any extra field the server sent; ``r[key]`` returns it or
    raises ``KeyError``; ``r.get(key, default)`` returns a field's value, ``None`` included, and
    ``default`` only for a key that is no field; ``dict(r)`` has every field, ``None`` ones too.

    >>> Message(role='user', content='hi')['content']
    'hi'
    """

    # Unknown reply fields, kept as sent; set per instance by the decoder, absent on most objects.
    # Model is not itself a dataclass, so this is no dataclass field of its subclasses.
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

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        """The object as a dict keyed by wire names, extra fields included, ``None`` values dropped."""
        from ._codec import encode

        result: Dict[str, Any] = encode(self)
        if encode_json:
            return json.loads(json.dumps(result, default=_json_default))  # type: ignore[no-any-return]
        return result

    def to_json(self, *args: Any, **kwargs: Any) -> str:
        """The object as a JSON string; arguments are those of ``json.dumps``."""
        kwargs.setdefault('default', _json_default)
        return json.dumps(self.to_dict(), *args, **kwargs)

    @classmethod
    def from_dict(cls: Type[M], kvs: Any, *, infer_missing: bool = False) -> M:
        """Build an instance from a wire dict, as the clients decode replies: wire names (``model_info``),
        RFC 3339 datetimes, nested types, unknown keys kept. Every field has a default, so
        ``infer_missing`` changes nothing. Raises ``TypeError`` when ``kvs`` is not a dict.

        >>> ChatResponse.from_dict({'message': {'role': 'assistant', 'content': 'Hi'}}).message.content
        'Hi'
        """
        from ._codec import decode

        return decode(cls, kvs)

    @classmethod
    def from_json(cls: Type[M], s: Any, *, infer_missing: bool = False, **kwargs: Any) -> M:
        """:meth:`from_dict` of a JSON document; ``kwargs`` are those of ``json.loads``."""
        return cls.from_dict(json.loads(s, **kwargs))

    @classmethod
    def schema(cls, **kwargs: Any) -> Any:
        """dataclasses-json's marshmallow ``schema()`` (imported on first use)."""
        return _mixin().schema.__func__(cls, **kwargs)

    def model_dump(
        self,
        *,
        mode: str = 'python',
        include: Any = None,
        exclude: Any = None,
        by_alias: Optional[bool] = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> Dict[str, Any]:
        """The object as a dict, as pydantic's ``model_dump`` gives it: every field under its Python name
        (``None`` ones too; ``by_alias=True`` for wire names), extra fields after them; ``include``/``exclude``
        are sets of names or nested dicts; ``exclude_unset`` leaves out ``None`` fields that were never
        given. ``mode='json'`` gives JSON values. Raises ``TypeError`` for any other pydantic argument.

        >>> Message(role='user', content='hi').model_dump(exclude_none=True)
        {'role': 'user', 'content': 'hi'}
        """
        from ._dump import dump

        return dump(
            self, mode=mode, include=include, exclude=exclude, by_alias=by_alias, exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults, exclude_none=exclude_none,
        )  # fmt: skip

    def model_dump_json(
        self,
        *,
        indent: Optional[int] = None,
        include: Any = None,
        exclude: Any = None,
        by_alias: Optional[bool] = None,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> str:
        """:meth:`model_dump` with ``mode='json'`` as a JSON string, laid out as pydantic lays it out."""
        from ._dump import dump_json

        return dump_json(
            self, indent=indent, include=include, exclude=exclude, by_alias=by_alias, exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults, exclude_none=exclude_none,
        )  # fmt: skip


def _mixin() -> Any:
    # dataclasses-json costs ~25 ms to import; only schema() needs it. Registered as a virtual subclass,
    # Model passes dataclasses-json's own checks for nested models.
    from dataclasses_json import DataClassJsonMixin

    if not issubclass(Model, DataClassJsonMixin):
        DataClassJsonMixin.register(Model)
    return DataClassJsonMixin


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    raise TypeError(f'{type(value).__name__} is not JSON serialisable')


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


def wire_items(cls: type) -> Mapping[str, str]:
    """Field name → wire name for a model class."""
    return _wire_names(cls)
