"""The emulator's state: installed models, uploaded blobs and the models loaded in memory (``/api/ps``)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ._catalog import parameter_count, profile_for, weights_size
from ._clock import FOREVER_NS, now_ns, rfc3339
from ._names import ModelName

DEFAULT_MODELS: Tuple[str, ...] = ('qwen3:latest', 'llama3.2:latest', 'nomic-embed-text:latest', 'llava:latest')
"""The models an emulator starts with: a thinking chat model with tools, a chat model with tools, an embedding
model and a vision model."""

DEFAULT_KEEP_ALIVE_NS = 5 * 60 * 1_000_000_000
_MEDIA = 'application/vnd.ollama.image.'
_DURATION_UNITS = {'ns': 1, 'us': 1_000, 'µs': 1_000, 'μs': 1_000, 'ms': 1_000_000, 's': 10**9, 'm': 60 * 10**9}
_DURATION_UNITS['h'] = 3600 * 10**9
_DURATION_PART = re.compile(r'(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)')


@dataclass(frozen=True)
class ModelSpec:
    """A model to preload, with whatever should differ from what its name suggests.

    Fields left ``None`` are guessed from the name: ``qwen3`` thinks and calls tools, ``nomic-embed-text``
    embeds, ``llava`` sees images, an unknown name is a llama-family chat model with tools.

    Example: ``Emulator(models=[ModelSpec('tiny:1b', capabilities=['completion'])])`` serves a chat model that
    has neither tools nor thinking.
    """

    name: str
    capabilities: Optional[Sequence[str]] = None
    family: Optional[str] = None
    parameter_size: Optional[str] = None
    quantization_level: Optional[str] = None
    context_length: Optional[int] = None
    embedding_length: Optional[int] = None
    template: Optional[str] = None
    system: Optional[str] = None
    parameters: Optional[Mapping[str, Any]] = None
    license: Optional[str] = None


@dataclass(frozen=True)
class Layer:
    """One blob of a model's manifest."""

    media_type: str
    digest: str
    size: int


@dataclass(frozen=True)
class Model:
    """An installed model: everything ``/api/tags``, ``/api/show`` and ``/api/ps`` report about it."""

    name: ModelName
    family: str
    families: Tuple[str, ...]
    parameter_size: str
    quantization_level: str
    format: str
    capabilities: Tuple[str, ...]
    context_length: int
    embedding_length: int
    template: str
    system: str
    license: str
    parameters: Mapping[str, Any]
    messages: Tuple[Mapping[str, Any], ...]
    parent_model: str
    modified_at_ns: int
    weights: Tuple[Layer, ...]

    @property
    def layers(self) -> Tuple[Layer, ...]:
        """The manifest's layers: the weights (shared by copies and derived models), then one per text part."""
        texts = (
            ('template', self.template),
            ('system', self.system),
            ('license', self.license),
            ('params', json.dumps(dict(self.parameters), sort_keys=True) if self.parameters else ''),
            ('messages', json.dumps(list(self.messages), sort_keys=True) if self.messages else ''),
        )
        return self.weights + tuple(_text_layer(kind, text) for kind, text in texts if text)

    @property
    def size(self) -> int:
        """Bytes on disk: the sum of the layers."""
        return sum(layer.size for layer in self.layers)

    @property
    def digest(self) -> str:
        """The manifest digest (bare hex, as ``/api/tags`` shows it)."""
        manifest = [[layer.media_type, layer.digest, layer.size] for layer in self.layers]
        return hashlib.sha256(json.dumps(manifest).encode()).hexdigest()

    def details(self) -> Dict[str, Any]:
        """The ``details`` object of tags, show and ps."""
        return {
            'parent_model': self.parent_model,
            'format': self.format,
            'family': self.family,
            'families': list(self.families),
            'parameter_size': self.parameter_size,
            'quantization_level': self.quantization_level,
        }

    def tags_entry(self) -> Dict[str, Any]:
        """This model as one entry of ``GET /api/tags``."""
        return {
            'name': self.name.display,
            'model': self.name.display,
            'modified_at': rfc3339(self.modified_at_ns, local=True),
            'size': self.size,
            'digest': self.digest,
            'details': self.details(),
            'capabilities': list(self.capabilities),
        }

    def show(self, *, verbose: bool = False) -> Dict[str, Any]:
        """The body of ``POST /api/show``; ``verbose`` fills the tokenizer arrays and lists the tensors."""
        body: Dict[str, Any] = {
            'modelfile': self._modelfile(),
            'parameters': '\n'.join(f'{key:<30} {json.dumps(value)}' for key, value in self._parameter_items()),
            'template': self.template,
            'details': self.details(),
            'model_info': self._model_info(verbose),
            'capabilities': list(self.capabilities),
            'modified_at': rfc3339(self.modified_at_ns, local=True),
        }
        if self.system:
            body['system'] = self.system
        if self.license:
            body['license'] = self.license
        if self.messages:
            body['messages'] = [dict(message) for message in self.messages]
        if 'vision' in self.capabilities:
            body['projector_info'] = {'clip.has_vision_encoder': True, 'clip.vision.embedding_length': 1024}
        if verbose:
            body['tensors'] = self._tensors()
        return body

    def _parameter_items(self) -> List[Tuple[str, Any]]:
        items: List[Tuple[str, Any]] = []
        for key, value in sorted(self.parameters.items()):
            values = value if isinstance(value, (list, tuple)) else [value]
            items.extend((key, each) for each in values)
        return items

    def _modelfile(self) -> str:
        lines = [
            '# Modelfile generated by "ollama show"',
            '# To build a new Modelfile based on this, replace FROM with:',
            f'# FROM {self.name.display}',
            '',
            f'FROM /root/.ollama/models/blobs/{self.weights[0].digest.replace(":", "-")}',
        ]
        if self.template:
            lines.append(f'TEMPLATE """{self.template}"""')
        if self.system:
            lines.append(f'SYSTEM """{self.system}"""')
        lines.extend(f'PARAMETER {key} {json.dumps(value)}' for key, value in self._parameter_items())
        if self.license:
            lines.append(f'LICENSE """{self.license}"""')
        return '\n'.join(lines) + '\n'

    def _model_info(self, verbose: bool) -> Dict[str, Any]:
        arch = self.family
        tokens = ['<|endoftext|>', '!', '"', '#', '$', '%'] if verbose else []
        return {
            'general.architecture': arch,
            'general.file_type': 15,
            'general.parameter_count': parameter_count(self.parameter_size),
            'general.quantization_version': 2,
            f'{arch}.block_count': 32,
            f'{arch}.context_length': self.context_length,
            f'{arch}.embedding_length': self.embedding_length,
            f'{arch}.attention.head_count': 32,
            f'{arch}.attention.head_count_kv': 8,
            'tokenizer.ggml.model': 'gpt2',
            'tokenizer.ggml.tokens': tokens,
            'tokenizer.ggml.token_type': [1] * len(tokens),
            'tokenizer.ggml.merges': ['Ġ t', 'Ġ a'] if verbose else [],
        }

    def _tensors(self) -> List[Dict[str, Any]]:
        width, vocab = self.embedding_length, 151936
        return [
            {'name': 'token_embd.weight', 'type': 'Q4_K', 'shape': [width, vocab]},
            {'name': 'blk.0.attn_q.weight', 'type': 'Q4_K', 'shape': [width, width]},
            {'name': 'blk.0.ffn_down.weight', 'type': 'Q6_K', 'shape': [width * 3, width]},
            {'name': 'output_norm.weight', 'type': 'F32', 'shape': [width]},
        ]


def _text_layer(kind: str, text: str) -> Layer:
    data = text.encode()
    return Layer(_MEDIA + kind, 'sha256:' + hashlib.sha256(data).hexdigest(), len(data))


def model_from_spec(spec: Union[str, ModelSpec], modified_at_ns: int) -> Model:
    """Build the model ``spec`` names, guessing from the name whatever the spec leaves out.

    Raises :class:`~ollama_lite.testing._names.InvalidName` for a name Ollama would refuse.
    """
    spec = ModelSpec(spec) if isinstance(spec, str) else spec
    name = ModelName.parse(spec.name)
    profile = profile_for(name.model, name.tag)
    family = spec.family or profile.family
    parameter_size = spec.parameter_size or profile.parameter_size
    quantization = spec.quantization_level or profile.quantization_level
    capabilities = tuple(spec.capabilities if spec.capabilities is not None else profile.capabilities)
    seed = f'{name.model.lower()}|{family}|{parameter_size}|{quantization}'
    weights = [Layer(_MEDIA + 'model', _fake_digest(seed), weights_size(parameter_size, quantization))]
    if 'vision' in capabilities:
        weights.append(Layer(_MEDIA + 'projector', _fake_digest(seed + '|projector'), 624_434_368))
    return Model(
        name=name,
        family=family,
        families=profile.families or (family,),
        parameter_size=parameter_size,
        quantization_level=quantization,
        format=profile.format,
        capabilities=capabilities,
        context_length=spec.context_length or profile.context_length,
        embedding_length=spec.embedding_length or profile.embedding_length,
        template=spec.template if spec.template is not None else profile.template,
        system=spec.system or '',
        license=spec.license if spec.license is not None else profile.license,
        parameters=dict(spec.parameters if spec.parameters is not None else profile.parameters),
        messages=(),
        parent_model='',
        modified_at_ns=modified_at_ns,
        weights=tuple(weights),
    )


def derive(base: Model, name: ModelName, changes: Mapping[str, Any], modified_at_ns: int) -> Model:
    """A model made by ``/api/create`` or ``/api/copy`` from ``base``: same weights, some fields changed."""
    return dataclasses.replace(base, name=name, modified_at_ns=modified_at_ns, **changes)


def _fake_digest(seed: str) -> str:
    return 'sha256:' + hashlib.sha256(seed.encode()).hexdigest()


def keep_alive_ns(value: Any) -> int:
    """Turn a request's ``keep_alive`` into nanoseconds, as Ollama reads it.

    A number is seconds; a string is a Go duration (``"5m"``, ``"1h30m"``, ``"0"``); ``None`` is the default five
    minutes; anything below zero keeps the model loaded forever. Raises ``ValueError`` with Ollama's message for
    anything else.

    >>> keep_alive_ns('1m30s')
    90000000000
    """
    if value is None:
        return DEFAULT_KEEP_ALIVE_NS
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"Unsupported type: '{type(value).__name__}'")
    if isinstance(value, str):
        nanoseconds = _parse_duration(value)
    else:
        nanoseconds = FOREVER_NS if value < 0 else int(value * 1_000_000_000)
    # A duration past int64 (Go's limit) would overflow there; here it simply never ends.
    return FOREVER_NS if nanoseconds < 0 or nanoseconds > FOREVER_NS else nanoseconds


def _parse_duration(text: str) -> int:
    sign, body = (-1, text[1:]) if text.startswith('-') else (1, text.lstrip('+'))
    if body == '0':
        return 0
    position, total = 0, 0.0
    while position < len(body):
        part = _DURATION_PART.match(body, position)
        if part is None or part.group(1) in ('', '.'):
            if re.fullmatch(r'\d+(\.\d*)?', body):
                raise ValueError(f'time: missing unit in duration "{text}"')
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(part.group(1)) * _DURATION_UNITS[part.group(2)]
        position = part.end()
    if not body:
        raise ValueError(f'time: invalid duration "{text}"')
    return sign * int(total)


@dataclass(frozen=True)
class Running:
    """A model in memory: what ``/api/ps`` lists."""

    model: Model
    expires_at_ns: int
    context_length: int

    def ps_entry(self) -> Dict[str, Any]:
        """This model as one entry of ``GET /api/ps``."""
        return {
            'name': self.model.name.display,
            'model': self.model.name.display,
            'size': self.model.size,
            'digest': self.model.digest,
            'details': self.model.details(),
            'expires_at': rfc3339(self.expires_at_ns, local=True),
            'size_vram': self.model.size,
            'context_length': self.context_length,
        }


class Registry:
    """Models, blobs and loaded models, shared by the server's loop and the test's thread (hence the lock)."""

    def __init__(self, models: Optional[Sequence[Union[str, ModelSpec]]] = None) -> None:
        self._initial = tuple(DEFAULT_MODELS if models is None else models)
        self._lock = threading.RLock()
        self._models: Dict[str, Model] = {}
        self._blobs: Dict[str, bytes] = {}
        self._running: Dict[str, Running] = {}
        self.reset()

    def reset(self) -> None:
        """Go back to the models given at construction, with no blobs and nothing loaded."""
        start = now_ns()
        # Each preloaded model a minute older than the one before keeps /api/tags in the order given.
        initial = [model_from_spec(spec, start - index * 60 * 10**9) for index, spec in enumerate(self._initial)]
        with self._lock:
            self._models = {model.name.key: model for model in initial}
            self._blobs = {}
            self._running = {}

    def find(self, name: str) -> Optional[Model]:
        """The installed model called ``name`` (any case, tag defaulting to ``latest``), or ``None``.

        Raises :class:`~ollama_lite.testing._names.InvalidName` for a name Ollama would refuse.
        """
        key = ModelName.parse(name).key
        with self._lock:
            return self._models.get(key)

    def add(self, model: Model) -> Model:
        """Install ``model``, replacing one of the same name."""
        with self._lock:
            self._models[model.name.key] = model
            running = self._running.get(model.name.key)
            if running is not None:
                self._running[model.name.key] = dataclasses.replace(running, model=model)
        return model

    def remove(self, model: Model) -> None:
        """Uninstall ``model`` and unload it."""
        with self._lock:
            self._models.pop(model.name.key, None)
            self._running.pop(model.name.key, None)

    def models(self) -> List[Model]:
        """Installed models, most recently modified first (the order of ``/api/tags``)."""
        with self._lock:
            return sorted(self._models.values(), key=lambda model: model.modified_at_ns, reverse=True)

    def has_blob(self, digest: str) -> bool:
        """Whether a blob with ``digest`` (``sha256:<hex>``) was uploaded."""
        with self._lock:
            return digest in self._blobs

    def put_blob(self, digest: str, data: bytes) -> None:
        """Store an uploaded blob; the caller has checked ``digest``."""
        with self._lock:
            self._blobs[digest] = data

    def blob_size(self, digest: str) -> int:
        """The size of an uploaded blob (0 if there is none)."""
        with self._lock:
            return len(self._blobs.get(digest, b''))

    def load(self, model: Model, keep_alive: int, context_length: int) -> bool:
        """Mark ``model`` loaded until ``keep_alive`` nanoseconds from now; return whether it was loaded already."""
        now = now_ns()
        with self._lock:
            was_loaded = self._current(model.name.key, now) is not None
            self._running[model.name.key] = Running(model, now + keep_alive, context_length)
        return was_loaded

    def unload(self, model: Model) -> None:
        """Take ``model`` out of memory."""
        with self._lock:
            self._running.pop(model.name.key, None)

    def running(self) -> List[Running]:
        """Models still in memory, the one that stays longest first (the order of ``/api/ps``)."""
        now = now_ns()
        with self._lock:
            alive = [entry for key in list(self._running) if (entry := self._current(key, now)) is not None]
        return sorted(alive, key=lambda entry: entry.expires_at_ns, reverse=True)

    def _current(self, key: str, now: int) -> Optional[Running]:
        entry = self._running.get(key)
        if entry is not None and entry.expires_at_ns <= now:
            del self._running[key]
            return None
        return entry
