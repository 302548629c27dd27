"""A conversation: each answer is added to the history sent with the next question."""

import ollama_lite as ollama

messages = [
    {'role': 'system', 'content': 'You answer in one sentence.'},
]
for question in ['Why is the sky blue?', 'And at sunset?', 'What about on Mars?']:
    messages.append({'role': 'user', 'content': question})
    response = ollama.chat('llama3.2', messages=messages)
    messages.append({'role': 'assistant', 'content': response.message.content})
    print(f'> {question}\n{response.message.content}\n')
print(f'{len(messages)} messages in the history')
