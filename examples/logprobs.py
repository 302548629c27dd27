"""Log probabilities of each generated token, and the likeliest alternatives."""

import math

import ollama_lite as ollama

response = ollama.chat(
    'llama3.2',
    messages=[{'role': 'user', 'content': 'Say hello.'}],
    logprobs=True,
    top_logprobs=3,
)
for entry in response.logprobs or []:
    alternatives = ', '.join(f'{alt.token!r} {math.exp(alt.logprob):.2f}' for alt in entry.top_logprobs or [])
    print(f'{entry.token!r:>12} p={math.exp(entry.logprob):.2f}  [{alternatives}]')
