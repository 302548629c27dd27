"""One completion, then the same prompt streamed."""

import ollama_lite as ollama

response = ollama.generate('llama3.2', 'Why is the sky blue?')
print(response.response)
print(f'{response.eval_count} tokens in {(response.total_duration or 0) / 1e9:.3f} s')

for part in ollama.generate('llama3.2', 'Why is the grass green?', stream=True):
    print(part['response'], end='', flush=True)
print()
