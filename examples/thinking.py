"""Thinking models: the reasoning arrives apart from the answer; some models take a level."""

import ollama_lite as ollama

messages = [{'role': 'user', 'content': 'How many letters r are in strawberry?'}]
response = ollama.chat('qwen3', messages=messages, think=True)
print('Thinking:\n' + (response.message.thinking or ''))
print('Answer:\n' + (response.message.content or ''))

for level in ('low', 'medium', 'high'):
    reply = ollama.chat('gpt-oss:20b', messages=messages, think=level)
    print(f'[{level}] {len(reply.message.thinking or "")} characters of thinking')

for part in ollama.chat('qwen3', messages=messages, think=True, stream=True):
    if part.message.thinking:
        print(part.message.thinking, end='', flush=True)
    elif part.message.content:
        print(part.message.content, end='', flush=True)
print()
