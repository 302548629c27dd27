"""Pull a model, showing progress per layer."""

import ollama_lite as ollama

current = None
for progress in ollama.pull('gemma3:270m', stream=True):
    digest = progress.get('digest', '')
    if digest != current and digest:
        current = digest
        print(f'\n{progress.status}', end='')
    if progress.total and progress.completed:
        print(f'\r{progress.status} {100 * progress.completed / progress.total:5.1f}%', end='', flush=True)
    elif not digest:
        print(f'\n{progress.status}', end='')
print()
