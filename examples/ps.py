"""Load a model, then list the models in memory and when each will be unloaded."""

import ollama_lite as ollama

ollama.generate('llama3.2', keep_alive='10m')
for model in ollama.ps().models:
    print(f'{model.model}: {(model.size_vram or 0) / 1e9:.2f} GB in VRAM until {model.expires_at}')
