"""Tool calling: plain Python functions become tools; the model asks, we run them, it answers."""

import ollama_lite as ollama


def add_two_numbers(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def subtract_two_numbers(a: int, b: int) -> int:
    """Subtract the second number from the first.

    Args:
        a (int): The first number.
        b (int): The number to subtract.
    """
    return a - b


available = {f.__name__: f for f in (add_two_numbers, subtract_two_numbers)}
messages = [{'role': 'user', 'content': 'What is three plus one?'}]
response = ollama.chat('llama3.2', messages=messages, tools=[add_two_numbers, subtract_two_numbers])

for call in response.message.tool_calls or []:
    function = available.get(call.function.name)
    if function is None:
        print(f'the model asked for an unknown tool: {call.function.name}')
        continue
    result = function(**call.function.arguments)
    print(f'{call.function.name}({call.function.arguments}) = {result}')
    messages.append(response.message)
    messages.append({'role': 'tool', 'content': str(result), 'tool_name': call.function.name})

final = ollama.chat('llama3.2', messages=messages)
print(final.message.content)
