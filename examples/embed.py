"""Embeddings: one vector per input text, then the cosine similarity of two of them."""

import math

import ollama_lite as ollama

texts = ['The sky is blue.', 'The sky is azure.', 'Cats purr.']
response = ollama.embed('all-minilm', input=texts)
a, b, c = response.embeddings


def cosine(x: list, y: list) -> float:
    dot = sum(p * q for p, q in zip(x, y))
    return dot / (math.sqrt(sum(p * p for p in x)) * math.sqrt(sum(q * q for q in y)))


print(f'{len(response.embeddings)} vectors of {len(a)} dimensions')
print(f'similarity(0, 1) = {cosine(a, b):.3f}; similarity(0, 2) = {cosine(a, c):.3f}')
