"""Stream a completion with the async client."""

import asyncio

import ollama_lite as ollama


async def main() -> None:
    client = ollama.AsyncClient()
    async for part in await client.generate('llama3.2', 'Why is the sky blue?', stream=True):
        print(part['response'], end='', flush=True)
    print()
    await client.close()


asyncio.run(main())
