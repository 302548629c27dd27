"""``ollama-lite demo``: a tour of the library, against the bundled emulator or a real Ollama (``--host``).

It shows both clients doing what users do most: list, pull with progress, a streamed chat, a tool-call
round trip, structured output into a dataclass, embeddings, and a burst of concurrent async chats.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import List, Optional, TextIO

from ._cli._progress import ProgressPrinter
from ._extras import require_aiohttp
from ._structured import parse
from ._sync import Client

__all__ = ['run']

CHAT_MODEL = 'llama3.2'
EMBED_MODEL = 'nomic-embed-text'
PULL_MODEL = 'gemma3:270m'
BURST = 50


@dataclass
class City:
    """What the structured-output step asks for."""

    name: str
    country: str
    population: int
    landmarks: List[str]


def get_weather(city: str, unit: str = 'celsius') -> str:
    """Get the current weather in a city.

    Args:
        city: The city's name.
        unit: celsius or fahrenheit.
    """
    return f'21 degrees {unit} and sunny in {city}'


def _heading(out: TextIO, text: str) -> None:
    out.write(f'\n== {text}\n')
    out.flush()


def _cosine(a: List[float], b: List[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    return dot / ((math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))) or 1.0)


def _tour(host: str, out: TextIO) -> None:
    with Client(host) as client:
        _heading(out, f'Server {host}: version {client.version().version}')
        for m in client.list().models:
            family = m.details.family if m.details else ''
            out.write(f'  {m.model:28} {(m.size or 0) / 1e9:6.2f} GB  {family}\n')

        _heading(out, f'Pull {PULL_MODEL} with progress')
        printer = ProgressPrinter(out, out.isatty())
        for progress in client.pull(PULL_MODEL, stream=True):
            printer.update(progress)
        printer.finish()

        _heading(out, f'Streamed chat with {CHAT_MODEL}')
        question = {'role': 'user', 'content': 'Why is the sky blue? One sentence.'}
        with client.chat(CHAT_MODEL, [question], stream=True) as stream:
            for chunk in stream:
                out.write(chunk.message.content or '')
                out.flush()
        out.write('\n')

        _heading(out, 'Tool call round trip with run_tools (a plain Python function as the tool)')
        question = {'role': 'user', 'content': 'What is the weather in Lisbon?'}
        run = client.run_tools(CHAT_MODEL, [question], [get_weather])
        for call in run.calls:
            out.write(f'  model asked: {call.name}({call.arguments}) -> {call.content!r}\n')
        out.write(f'  answer: {run.final.message.content}\n')
        out.write(f'  {len(run)} rounds, {len(run.messages)} messages in the history\n')

        _heading(out, 'Structured output into a dataclass')
        reply = client.chat(CHAT_MODEL, [{'role': 'user', 'content': 'Describe Lisbon.'}], format=City)
        city = parse(City, reply)
        out.write(f'  {city!r}\n')

        _heading(out, f'Embeddings with {EMBED_MODEL}')
        texts = ['The sky is blue.', 'The sky is azure.', 'Cats purr.']
        vectors = client.embed(EMBED_MODEL, texts).embeddings
        out.write(f'  {len(vectors)} vectors of {len(vectors[0])} dimensions\n')
        out.write(f'  similarity(0,1)={_cosine(vectors[0], vectors[1]):.3f} ')
        out.write(f'similarity(0,2)={_cosine(vectors[0], vectors[2]):.3f}\n')

    _heading(out, f'{BURST} concurrent chats on one AsyncClient')
    elapsed, answers = asyncio.run(_burst(host))
    out.write(f'  {len(answers)} answers in {elapsed:.2f} s; the first: {answers[0]!r}\n')
    _heading(out, 'Done')


async def _burst(host: str) -> tuple[float, List[str]]:
    from ._async import AsyncClient

    async with AsyncClient(host) as client:
        started = time.perf_counter()
        replies = await asyncio.gather(
            *(client.chat(CHAT_MODEL, [{'role': 'user', 'content': f'Say {i}.'}]) for i in range(BURST))
        )
        return time.perf_counter() - started, [r.message.content or '' for r in replies]


def run(host: Optional[str] = None, out: Optional[TextIO] = None) -> None:
    """Run the tour against ``host``, or against a bundled emulator on a free port when ``host`` is None.

    Raises ``ImportError`` naming the ``async`` extra when aiohttp is not installed.
    """
    import sys

    # Also with a host: the tour ends with a burst of AsyncClient chats.
    require_aiohttp('the demo (the bundled emulator and AsyncClient)')
    stream = out or sys.stdout
    if host is not None:
        _tour(host, stream)
        return
    from .testing import emulator

    with emulator(token_delay=0.01) as url:
        stream.write(f'Started the bundled Ollama emulator at {url} (no GPU, no download)\n')
        _tour(url, stream)
