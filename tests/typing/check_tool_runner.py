"""Checked by mypy, never run: what a type checker sees of run_tools (see test_typing.py)."""

from __future__ import annotations

from typing import Any, List, Union

from typing_extensions import assert_type

import ollama_lite as ollama

MESSAGES = [{'role': 'user', 'content': 'hi'}]


def add(a: int, b: int) -> int:
    return a + b


async def fetch(url: str) -> str:
    return url


def sync_runs(client: ollama.Client, tool: ollama.Tool) -> None:
    run = client.run_tools('m', MESSAGES, [add, (tool, add)], think=True)
    assert_type(run, ollama.ToolRun)
    assert_type(run.final, ollama.ChatResponse)
    assert_type(run.messages, List[ollama.Message])
    assert_type(run.calls, List[ollama.ToolCallRecord])
    assert_type(run.parsed, Any)
    for reply in run:
        assert_type(reply, ollama.ChatResponse)
    assert_type(client.run_tools('m', MESSAGES, {'plus': add}, stream=False), ollama.ToolRun)
    stream = client.run_tools('m', MESSAGES, [add], stream=True)
    assert_type(stream, ollama.ToolRunStream)
    for item in stream:
        assert_type(item, Union[ollama.ChatResponse, ollama.ToolCallEvent, ollama.ToolResultEvent])
    assert_type(stream.run, ollama.ToolRun)
    flag: bool = bool(client)
    assert_type(client.run_tools('m', MESSAGES, [add], stream=flag), Union[ollama.ToolRun, ollama.ToolRunStream])
    assert_type(ollama.run_tools('m', MESSAGES, [add]), ollama.ToolRun)
    client.run_tools('m', MESSAGES, [add], on_error='ignore')  # type: ignore[call-overload]


async def async_runs(client: ollama.AsyncClient) -> None:
    assert_type(await client.run_tools('m', MESSAGES, [add, fetch]), ollama.ToolRun)
    stream = await client.run_tools('m', MESSAGES, [fetch], stream=True, on_error='raise')
    assert_type(stream, ollama.AsyncToolRunStream)
    async for item in stream:
        assert_type(item, Union[ollama.ChatResponse, ollama.ToolCallEvent, ollama.ToolResultEvent])


def errors(error: ollama.ToolRunError) -> None:
    assert_type(error.run, ollama.ToolRun)
    if isinstance(error, ollama.ToolCallError):
        assert_type(error.call, ollama.ToolCallRecord)
    if isinstance(error, ollama.MaxRoundsError):
        assert_type(error.max_rounds, int)
