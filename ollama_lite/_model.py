"""The base of every request and reply type: a dataclass that also reads like a mapping.

Replies are read both ways in code written for the official client: ``r.message.content`` and
``r['message']['content']``. Fields the server sends that this version does not know are kept in
``_extra`` so that a server upgrade never needs a client upgrade to expose new data.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Optional, Type, TypeVar

from ._codec import decode, encode
from ._record import JSON_NAME, Record, json_name

M = TypeVar('M', bound='Model')

__all__ = ['JSON_NAME', 'Model', 'json_name']


class Model(Record):
    """Mapping-style access on top of a dataclass, as the official client's pydantic types give it.

    ``key in r`` is true for a field that holds a value, for one the server sent as ``null`` (or that
    was assigned ``r[key] = None``) and for any extra field the server sent; ``r[key]`` returns it or
    raises ``KeyError``; ``r.get(key, default)`` returns a field's value, ``None`` included, and
    ``default`` only for a key that is no field; ``dict(r)`` has every field, ``None`` ones too.

    >>> Message(role='user', content='hi')['content']
    'hi'
    """

    def to_dict(self, encode_json: bool = False) -> Dict[str, Any]:
        """The object as a dict keyed by wire names, extra fields included, ``None`` values dropped."""
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
        # Imported on first use: most programs never dump a reply, and import ollama_lite should not pay for it.
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
