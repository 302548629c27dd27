"""dataclasses-json's own generic decoder: the reference the fast per-class decoders are checked against."""

from __future__ import annotations

from typing import Any, Dict

from ollama_lite._model import _mixin


def dataclasses_json_from_dict(cls: Any, wire: Dict[str, Any]) -> Any:
    """Decode ``wire`` into ``cls`` the slow, generic way, as ``DataClassJsonMixin.from_dict`` does."""
    mixin = _mixin()
    return mixin.from_dict.__func__(cls, wire, infer_missing=True)
