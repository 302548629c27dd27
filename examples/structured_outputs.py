"""Structured outputs: a dataclass describes the answer; the reply is parsed straight into it."""

from dataclasses import dataclass
from typing import List, Optional

import ollama_lite as ollama


@dataclass
class Country:
    name: str
    capital: str
    languages: List[str]
    population: Optional[int] = None


response = ollama.chat(
    'llama3.2',
    messages=[{'role': 'user', 'content': 'Tell me about Canada.'}],
    format=Country,
    options={'temperature': 0},
)
country = ollama.parse(Country, response)
print(country)
