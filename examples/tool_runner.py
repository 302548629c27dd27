"""The tool runner: run_tools calls the functions the model asks for and sends their results back until it answers.

It replaces the hand-written loop of multi_tool_loop.py. Run it against Ollama, or against the bundled emulator:
`ollama-lite serve-emulator` in one terminal, then `OLLAMA_HOST=http://127.0.0.1:PORT python examples/tool_runner.py`.
"""

import asyncio

import ollama_lite as ollama


def get_temperature(city: str) -> str:
    """Get the current temperature of a city.

    Args:
        city: The name of the city.
    """
    return {'Paris': '22°C', 'London': '18°C'}.get(city, 'unknown')


async def get_conditions(city: str) -> dict:
    """Get the weather conditions of a city.

    Args:
        city: The name of the city.
    """
    await asyncio.sleep(0)  # an async tool: a web API call, say
    return {'city': city, 'sky': {'Paris': 'sunny', 'London': 'rain'}.get(city, 'unknown')}


messages = [{'role': 'user', 'content': 'What is the weather in Paris?'}]

# Streamed: the thinking and the answer as they are written, each tool call and its result in between.
with ollama.run_tools('qwen3', messages, [get_temperature], think=True, stream=True) as stream:
    for item in stream:
        if isinstance(item, ollama.ToolCallEvent):
            print(f'\n-> {item.name}({item.arguments})')
        elif isinstance(item, ollama.ToolResultEvent):
            print(f'<- {item.call.content}')
        elif item.message.thinking:
            print(item.message.thinking, end='', flush=True)  # thinking comes first, then the content
        else:
            print(item.message.content or '', end='', flush=True)
run = stream.run
print(f'\n{len(run)} rounds, {len(run.calls)} calls, {len(run.messages)} messages in the history')


# Async: the calls of one reply run at once, async def tools in the loop, plain ones in a thread.
async def main() -> None:
    async with ollama.AsyncClient() as client:
        run = await client.run_tools('qwen3', messages, [get_conditions, get_temperature])
        for call in run.calls:
            outcome = repr(call.result) if call.ok else f'failed: {call.error}'
            print(f'{call.name}({call.arguments}) -> {outcome} in {call.duration * 1000:.2f} ms')
        print(run.final.message.content)


asyncio.run(main())
