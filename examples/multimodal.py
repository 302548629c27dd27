"""Ask a vision model about an image given as a file path, bytes or base64 text."""

import base64
import sys
import tempfile
from pathlib import Path

import ollama_lite as ollama

# A 1x1 PNG, so the example runs anywhere; pass your own image path as the first argument.
PIXEL = base64.b64decode(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='
)
if len(sys.argv) > 1:
    path = Path(sys.argv[1])
else:
    path = Path(tempfile.mkdtemp()) / 'pixel.png'
    path.write_bytes(PIXEL)

response = ollama.chat(
    'llava',
    messages=[{'role': 'user', 'content': 'What is in this image?', 'images': [path]}],
)
print(response.message.content)

described = ollama.generate('llava', 'Describe this image in one word.', images=[path.read_bytes()])
print(described.response)
