"""List the local models with their size and family."""

import ollama_lite as ollama

for model in ollama.list().models:
    details = model.details
    print(f'{model.model:30} {(model.size or 0) / 1e9:6.2f} GB  {details.family if details else ""}')
