"""Fill in the middle: the model writes what goes between a prompt and a suffix."""

import ollama_lite as ollama

prompt = 'def remove_non_ascii(s: str) -> str:\n    """'
suffix = '\n    return result\n'
response = ollama.generate(
    'codellama:7b-code',
    prompt=prompt,
    suffix=suffix,
    options={'num_predict': 128, 'temperature': 0, 'top_p': 0.9, 'stop': ['<EOT>']},
)
print(prompt + response.response + suffix)
