"""Create a model from another with a system prompt, use it, then remove it."""

import ollama_lite as ollama

for progress in ollama.create('mario', from_='llama3.2', system='You are Mario from Super Mario Bros.', stream=True):
    print(progress.status)

print(ollama.show('mario').system)
print(ollama.chat('mario', messages=[{'role': 'user', 'content': 'Who are you?'}]).message.content)
ollama.delete('mario')
