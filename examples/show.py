"""Show what the server knows about a model."""

import ollama_lite as ollama

info = ollama.show('llama3.2')
print('capabilities:', ', '.join(info.capabilities or []))
print('family:', info.details.family if info.details else None)
print('architecture:', (info.modelinfo or {}).get('general.architecture'))
print('parameters:', info.parameters)
print('modified:', info.modified_at)
