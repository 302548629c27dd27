"""The async client: one chat, then several at once."""

import asyncio

import ollama_lite as ollama


async def main() -> None:
    async with ollama.AsyncClient() as client:
        message = {'role': 'user', 'content': 'Why is the sky blue?'}
        response = await client.chat('llama3.2', messages=[message])
        print(response.message.content)

        questions = ['Why is the grass green?', 'Why is the sea salty?', 'Why do cats purr?']
        replies = await asyncio.gather(
            *(client.chat('llama3.2', messages=[{'role': 'user', 'content': q}]) for q in questions)
        )
        for question, reply in zip(questions, replies):
            print(f'> {question}\n{reply.message.content}')


asyncio.run(main())
