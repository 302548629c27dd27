"""Fidelity check from the other side: Ollama's official Python client drives the emulator as a real server."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from ollama_lite.testing import EmulatorURL, Reply

ollama = pytest.importorskip('ollama', reason="the official 'ollama' package is a test-only dependency")


@pytest.fixture
def client(ollama_emulator: EmulatorURL) -> Iterator[Any]:
    with ollama.Client(host=ollama_emulator) as official:
        yield official


def test_list_pull_show_copy_delete(client: Any) -> None:
    assert [m.model for m in client.list().models] == [
        'qwen3:latest',
        'llama3.2:latest',
        'nomic-embed-text:latest',
        'llava:latest',
    ]
    progress = list(client.pull('gemma3:1b', stream=True))
    assert progress[0].status == 'pulling manifest'
    assert progress[-1].status == 'success'
    assert any(p.total and p.completed == p.total for p in progress)
    assert client.pull('all-minilm').status == 'success'
    shown = client.show('gemma3:1b')
    assert shown.details.family == 'gemma3'
    assert shown.details.parameter_size == '1B'
    assert 'vision' in shown.capabilities
    assert shown.modelinfo['general.architecture'] == 'gemma3'
    assert shown.modified_at is not None
    assert client.copy('gemma3:1b', 'backup/gemma').status == 'success'
    assert client.delete('backup/gemma').status == 'success'
    assert 'backup/gemma:latest' not in [m.model for m in client.list().models]


def test_chat_generate_and_embed(client: Any) -> None:
    reply = client.chat('qwen3', messages=[{'role': 'user', 'content': 'Why is the sky blue?'}])
    assert reply.message.content.startswith('This is qwen3')
    assert reply.message.thinking
    assert reply.done_reason == 'stop'
    parts = list(client.chat('llama3.2', messages=[{'role': 'user', 'content': 'hi'}], stream=True))
    assert (
        ''.join(part.message.content or '' for part in parts)
        == 'This is llama3.2, emulated by ollama_lite. You said: "hi"'
    )
    assert parts[-1].done
    assert client.generate('llama3.2', 'hi').response.startswith('This is llama3.2')
    embedded = client.embed('nomic-embed-text', ['a', 'b'], dimensions=16)
    assert [len(vector) for vector in embedded.embeddings] == [16, 16]


def test_tool_calls_parse_into_the_official_types(client: Any, ollama_emulator: EmulatorURL) -> None:
    def add(a: int, b: int) -> int:
        """Add two numbers.

        Args:
          a: The first number
          b: The second number
        """
        return a + b

    reply = client.chat('llama3.2', messages=[{'role': 'user', 'content': '1 + 2?'}], tools=[add])
    (call,) = reply.message.tool_calls
    assert call.function.name == 'add'
    assert set(call.function.arguments) == {'a', 'b'}
    ollama_emulator.emulator.reply(Reply.tool_call('add', {'a': 1, 'b': 2}))
    reply = client.chat('llama3.2', messages=[{'role': 'user', 'content': '1 + 2?'}], tools=[add])
    assert reply.message.tool_calls[0].function.arguments == {'a': 1, 'b': 2}


def test_ps_lists_what_requests_loaded(client: Any) -> None:
    client.generate('llama3.2', 'hi', keep_alive='10m')
    (running,) = client.ps().models
    assert running.model == 'llama3.2:latest'
    assert running.expires_at is not None
    assert running.size_vram == running.size


def test_unknown_models_raise_a_404(client: Any) -> None:
    with pytest.raises(ollama.ResponseError) as caught:
        client.chat('missing-model', messages=[{'role': 'user', 'content': 'hi'}])
    assert caught.value.status_code == 404
    assert caught.value.error == "model 'missing-model' not found"
    with pytest.raises(ollama.ResponseError) as caught:
        client.show('missing-model')
    assert caught.value.status_code == 404


def test_scripted_stream_errors_surface_as_response_errors(client: Any, ollama_emulator: EmulatorURL) -> None:
    ollama_emulator.emulator.reply(Reply.text('a b c').error_after(1, 'model crashed'))
    with pytest.raises(ollama.ResponseError, match='model crashed'):
        list(client.chat('llama3.2', messages=[{'role': 'user', 'content': 'hi'}], stream=True))


def test_create_from_a_model(client: Any) -> None:
    assert client.create('mario', from_='llama3.2', system='You are Mario.').status == 'success'
    assert client.show('mario').modelfile and 'You are Mario.' in client.show('mario').modelfile


@pytest.mark.asyncio
async def test_the_async_client(async_ollama_emulator: EmulatorURL) -> None:
    async with ollama.AsyncClient(host=async_ollama_emulator) as client:
        reply = await client.chat('llama3.2', messages=[{'role': 'user', 'content': 'hi'}])
        assert reply.message.content
        stream = await client.generate('llama3.2', 'hi', stream=True)
        assert [part.done async for part in stream][-1]
