"""What a model looks like, guessed from its name: family, size, quantization, capabilities, template.

The emulator has no weights; it needs believable metadata for any name a test pulls or preloads. Well-known
families get their real shape; anything else is a small llama-family chat model with tool support.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

_CHATML = (
    '{{- if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}'
    '{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n'
)
_LLAMA3 = (
    '{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}'
    '{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}'
    '<|start_header_id|>assistant<|end_header_id|>\n\n'
)
_INST = '[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }} [/INST]'
_PROMPT_ONLY = '{{ .Prompt }}'

_CHATML_STOPS = {'stop': ['<|im_start|>', '<|im_end|>']}
_LLAMA3_STOPS = {'stop': ['<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>']}

# Bits per weight of each quantization, to turn a parameter count into a believable file size.
_BITS_PER_WEIGHT = {
    'Q4_0': 4.5,
    'Q4_K_S': 4.6,
    'Q4_K_M': 4.85,
    'Q5_K_M': 5.7,
    'Q6_K': 6.6,
    'Q8_0': 8.5,
    'F16': 16.0,
    'BF16': 16.0,
    'F32': 32.0,
    'MXFP4': 4.25,
    'FP8': 8.0,
}


@dataclass(frozen=True)
class Profile:
    """The metadata of one model family."""

    family: str
    parameter_size: str
    quantization_level: str
    capabilities: Tuple[str, ...]
    context_length: int
    embedding_length: int
    template: str
    parameters: Dict[str, Any] = field(default_factory=dict)
    families: Tuple[str, ...] = ()
    format: str = 'gguf'
    license: str = ''


_QWEN3 = Profile(
    'qwen3', '8.2B', 'Q4_K_M', ('completion', 'tools', 'thinking'), 40960, 4096, _CHATML,
    {**_CHATML_STOPS, 'temperature': 0.6, 'top_k': 20, 'top_p': 0.95}, license='Apache License 2.0',
)  # fmt: skip
_LLAMA = Profile(
    'llama', '3.2B', 'Q4_K_M', ('completion', 'tools'), 131072, 3072, _LLAMA3, dict(_LLAMA3_STOPS),
    license='LLAMA 3.2 COMMUNITY LICENSE AGREEMENT',
)  # fmt: skip
_EMBED = Profile('bert', '137M', 'F16', ('embedding',), 2048, 768, _PROMPT_ONLY, {'num_ctx': 2048})

# Checked in order against the lower-cased model part of a name; the first prefix that matches wins.
_BY_PREFIX: Tuple[Tuple[str, Profile], ...] = (
    ('qwen3', _QWEN3),
    ('deepseek-r1', Profile('qwen3', '8.2B', 'Q4_K_M', ('completion', 'tools', 'thinking'), 131072, 4096, _CHATML)),
    ('gpt-oss', Profile('gptoss', '20.9B', 'MXFP4', ('completion', 'tools', 'thinking'), 131072, 2880, _CHATML)),
    ('llama3.2-vision', Profile('mllama', '10.7B', 'Q4_K_M', ('completion', 'vision'), 131072, 4096, _LLAMA3)),
    ('llama', _LLAMA),
    ('llava', Profile('llama', '7B', 'Q4_0', ('completion', 'vision'), 32768, 4096, _INST, families=('llama', 'clip'))),
    ('gemma3', Profile('gemma3', '4.3B', 'Q4_K_M', ('completion', 'vision'), 131072, 2560, _PROMPT_ONLY)),
    ('mistral', Profile('llama', '7.2B', 'Q4_K_M', ('completion', 'tools'), 32768, 4096, _INST)),
    ('nomic-embed-text', Profile('nomic-bert', '137M', 'F16', ('embedding',), 2048, 768, _PROMPT_ONLY)),
    ('all-minilm', Profile('bert', '23M', 'F16', ('embedding',), 512, 384, _PROMPT_ONLY)),
    ('mxbai-embed-large', Profile('bert', '334M', 'F16', ('embedding',), 512, 1024, _PROMPT_ONLY)),
    ('embeddinggemma', Profile('gemma3', '307M', 'BF16', ('embedding',), 2048, 768, _PROMPT_ONLY)),
)
# Tried when no prefix matched: a word anywhere in the name that tells what kind of model it is.
_BY_WORD: Tuple[Tuple[str, Profile], ...] = (
    ('embed', _EMBED),
    ('minilm', _EMBED),
    (
        'vision',
        Profile('llama', '7B', 'Q4_0', ('completion', 'vision'), 32768, 4096, _INST, families=('llama', 'clip')),
    ),
    ('image', Profile('zimage', '6B', 'FP8', ('image',), 4096, 3072, '', format='safetensors')),
    ('flux', Profile('flux', '12B', 'FP8', ('image',), 4096, 3072, '', format='safetensors')),
)
_DEFAULT = Profile('llama', '7B', 'Q4_K_M', ('completion', 'tools'), 8192, 4096, _LLAMA3, dict(_LLAMA3_STOPS))

_SIZE_IN_TAG = re.compile(r'(?:^|[-_])(\d+(?:\.\d+)?)([bm])(?=$|[-_])')
_QUANT_IN_TAG = re.compile(r'(?:^|[-_])(q\d(?:_k)?(?:_[0-9sml])?|fp16|bf16|f16|f32|mxfp4)(?=$|[-_])')


def profile_for(model: str, tag: str) -> Profile:
    """Return the profile of ``model`` (the model part of a name), adjusted by its ``tag`` (``1b``, ``q8_0``).

    >>> profile_for('qwen3', '0.6b').parameter_size
    '0.6B'
    """
    lowered = model.lower()
    profile = next((p for prefix, p in _BY_PREFIX if lowered.startswith(prefix)), None)
    if profile is None:
        profile = next((p for word, p in _BY_WORD if word in lowered), _DEFAULT)
    changes: Dict[str, Any] = {}
    size = _SIZE_IN_TAG.search(tag.lower())
    if size:
        changes['parameter_size'] = size.group(1) + size.group(2).upper()
    quant = _QUANT_IN_TAG.search(tag.lower())
    if quant:
        level = quant.group(1).upper()
        changes['quantization_level'] = {'FP16': 'F16'}.get(level, level)
    return _replace(profile, changes) if changes else profile


def _replace(profile: Profile, changes: Dict[str, Any]) -> Profile:
    values = {name: getattr(profile, name) for name in profile.__dataclass_fields__}
    values.update(changes)
    return Profile(**values)


def parameter_count(parameter_size: str) -> int:
    """Turn ``'8.2B'`` or ``'137M'`` into a count of parameters (0 when the text is not of that form)."""
    match = re.fullmatch(r'(\d+(?:\.\d+)?)([BMK])', parameter_size.upper())
    if not match:
        return 0
    return int(float(match.group(1)) * {'B': 1e9, 'M': 1e6, 'K': 1e3}[match.group(2)])


def weights_size(parameter_size: str, quantization_level: str) -> int:
    """Bytes a model of that many parameters takes at that quantization."""
    bits = _BITS_PER_WEIGHT.get(quantization_level.upper(), 5.0)
    return int(parameter_count(parameter_size) * bits / 8)


#: Models of the ollama.com library a pull finds (any tag): the families above and other well-known ones. A test
#: adds more names with ``Emulator(catalog=...)`` or ``Emulator.add_to_catalog``.
LIBRARY = frozenset(
    {
        'all-minilm', 'codellama', 'deepseek-r1', 'embeddinggemma', 'gemma2', 'gemma3', 'gemma3n', 'gemma4',
        'gpt-oss', 'granite3.3', 'llama2', 'llama3', 'llama3.1', 'llama3.2', 'llama3.2-vision', 'llama3.3', 'llama4',
        'llava', 'mistral', 'mistral-nemo', 'mistral-small', 'mxbai-embed-large', 'nomic-embed-text', 'phi3', 'phi4',
        'qwen2.5', 'qwen2.5-coder', 'qwen3', 'qwen3-coder', 'qwen3-vl', 'qwen3.5', 'smollm2', 'tinyllama',
    }
)  # fmt: skip
