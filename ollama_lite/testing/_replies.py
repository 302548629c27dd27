"""Deterministic default content: text, thinking, tool calls, logprobs, embeddings, images, web results.

Everything here is a pure function of the request, so the same request always gets the same reply and tests
can assert on it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import struct
import zlib
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ._schema import example_for

_TOKEN = re.compile(r'\s*\S+|\s+')
_SNIPPET = 120
_THOUGHTS = (
    'The user wrote: "{prompt}".',
    'I should answer briefly and stay on topic.',
    'A short, friendly reply is enough here.',
    'Let me check the answer once more before replying.',
)
_THINK_SENTENCES = {'low': 1, 'medium': 2, 'high': 3, 'max': 4}


def tokens(text: str) -> List[str]:
    """Split ``text`` into the pieces streamed one per chunk: each word with the whitespace before it.

    >>> tokens('Hello there, world')
    ['Hello', ' there,', ' world']
    """
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    """How many tokens ``text`` counts as, for ``prompt_eval_count`` (at least 1)."""
    return max(1, len(tokens(text)))


def token_ids(pieces: Sequence[str]) -> List[int]:
    """Stable token ids for ``pieces``, for the ``context`` field of ``/api/generate``."""
    return [zlib.crc32(piece.encode()) % 150_000 for piece in pieces]


def _snippet(prompt: str) -> str:
    flat = ' '.join(prompt.split())
    return flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 3] + '...'


def text_reply(model: str, prompt: str) -> str:
    """The default answer of ``model`` to ``prompt``."""
    if not prompt.strip():
        return f'Hello! This is {model}, emulated by ollama_lite. How can I help?'
    return f'This is {model}, emulated by ollama_lite. You said: "{_snippet(prompt)}"'


def thinking_reply(prompt: str, level: Any) -> str:
    """The default thinking text; ``level`` (``True``, ``"low"`` .. ``"max"``) sets how many sentences."""
    sentences = _THINK_SENTENCES.get(level, 2) if isinstance(level, str) else 2
    return ' '.join(_THOUGHTS[:sentences]).format(prompt=_snippet(prompt))


def json_reply(prompt: str, schema: Any) -> str:
    """Content for a ``format``: ``"json"`` gets a JSON object, a schema gets a document valid against it."""
    value = {'response': _snippet(prompt)} if schema == 'json' else example_for(schema)
    return json.dumps(value)


def tool_result_reply(messages: Sequence[Mapping[str, Any]]) -> str:
    """The answer after tool results: it restates what the tools returned."""
    results = []
    for message in reversed(messages):
        if message.get('role') != 'tool':
            break
        name = message.get('tool_name') or 'the tool'
        results.append(f'{name} returned {_snippet(str(message.get("content", "")))}')
    return 'Based on the tool results: ' + '; '.join(reversed(results)) + '.'


def tool_call(tools: Sequence[Any]) -> Optional[Dict[str, Any]]:
    """A call of the first function in ``tools`` with arguments valid for its parameter schema (or ``None``)."""
    for tool in tools:
        function = tool.get('function') if isinstance(tool, Mapping) else None
        if isinstance(function, Mapping) and isinstance(function.get('name'), str):
            parameters = function.get('parameters') or {'type': 'object'}
            arguments = example_for(parameters)
            return {'name': function['name'], 'arguments': arguments if isinstance(arguments, dict) else {}}
    return None


def call_id(name: str, arguments: Any, index: int) -> str:
    """A stable ``call_`` id, shaped like the random ones Ollama gives."""
    digest = hashlib.sha256(json.dumps([name, arguments, index], sort_keys=True).encode()).digest()
    return 'call_' + ''.join('abcdefghijklmnopqrstuvwxyz0123456789'[byte % 36] for byte in digest[:8])


def logprobs(pieces: Sequence[str], top: int) -> List[Dict[str, Any]]:
    """Log probabilities of ``pieces`` with ``top`` alternatives each (the token itself comes first)."""
    entries = []
    for piece in pieces:
        logprob = -(_unit(piece) * 2.0 + 0.001)
        entry: Dict[str, Any] = {'token': piece, 'logprob': logprob, 'bytes': list(piece.encode())}
        if top:
            alternatives = [{'token': piece, 'logprob': logprob, 'bytes': list(piece.encode())}]
            for rank in range(1, top):
                other = f'{piece.strip() or piece}_{rank}'
                alternatives.append({'token': other, 'logprob': logprob - rank, 'bytes': list(other.encode())})
            entry['top_logprobs'] = alternatives
        entries.append(entry)
    return entries


def _unit(text: str) -> float:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], 'big') / 2**32


def embedding(model: str, text: str, size: int, dimensions: Optional[int]) -> List[float]:
    """A unit-length vector of ``size`` floats fixed by ``model`` and ``text``.

    It is the normalised sum of one pseudo-random vector per word, so texts that share words point the same
    way (cosine similarity behaves believably in users' tests and the demo) while any two different texts
    still differ. ``dimensions`` below ``size`` keeps that many leading values and normalises again, as
    Ollama does.
    """
    words = _WORD.findall(text.lower()) or [text]
    total = [0.0] * size
    for word in words:
        for i, v in enumerate(_word_vector(model, word, size)):
            total[i] += v
    # A small part that only this exact text has, so two texts with the same words in another order differ.
    for i, v in enumerate(_word_vector(model, '\0' + text, size)):
        total[i] += 0.05 * v
    values = _normalised(total)
    if dimensions and 0 < dimensions < size:
        values = _normalised(values[:dimensions])
    return values


_WORD = re.compile(r'\w+')


@functools.lru_cache(maxsize=4096)
def _word_vector(model: str, word: str, size: int) -> Tuple[float, ...]:
    values: List[float] = []
    counter = 0
    while len(values) < size:
        block = hashlib.sha256(f'{model}\0{word}\0{counter}'.encode()).digest()
        values.extend(n / 2**31 - 1.0 for n in struct.unpack('>8I', block))
        counter += 1
    return tuple(values[:size])


def _normalised(values: List[float]) -> List[float]:
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def search_results(query: str, count: int) -> List[Dict[str, str]]:
    """``count`` fake web-search results for ``query``."""
    slug = re.sub(r'[^a-z0-9]+', '-', query.lower()).strip('-') or 'query'
    return [
        {
            'title': f'{query} - result {rank}',
            'url': f'https://example.com/{slug}/{rank}',
            'content': f'Result {rank} about {query}, from the ollama_lite emulator.',
        }
        for rank in range(1, count + 1)
    ]


def fetched_page(url: str) -> Dict[str, Any]:
    """A fake web page for ``url``: title, content and two links."""
    base = url.rstrip('/')
    return {
        'title': f'Page at {url}',
        'content': f'This is the content of {url}, from the ollama_lite emulator.',
        'links': [f'{base}/about', f'{base}/contact'],
    }
