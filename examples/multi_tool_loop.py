"""An agent loop: keep running the tools the model asks for until it answers in words (at most 5 rounds).

The loop written out by hand, as the official example does; tool_runner.py gets the same from run_tools.
"""

import ollama_lite as ollama


def get_temperature(city: str) -> str:
    """Get the current temperature of a city.

    Args:
        city: The name of the city.
    """
    return {'Paris': '22°C', 'London': '18°C'}.get(city, 'unknown')


def get_conditions(city: str) -> str:
    """Get the weather conditions of a city.

    Args:
        city: The name of the city.
    """
    return {'Paris': 'sunny', 'London': 'rain'}.get(city, 'unknown')


tools = {f.__name__: f for f in (get_temperature, get_conditions)}
messages = [{'role': 'user', 'content': 'What is the weather in Paris?'}]
for _ in range(5):
    response = ollama.chat('qwen3', messages=messages, tools=list(tools.values()), think=True)
    messages.append(response.message)
    if response.message.thinking:
        print(f'thinking: {response.message.thinking}')
    if not response.message.tool_calls:
        print(response.message.content)
        break
    for call in response.message.tool_calls:
        result = tools[call.function.name](**call.function.arguments)
        print(f'{call.function.name}({call.function.arguments}) -> {result}')
        messages.append({'role': 'tool', 'content': result, 'tool_name': call.function.name})
