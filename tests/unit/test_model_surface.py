"""The to/from dict/json and schema surface of every type, and an import that loads neither aiohttp nor
dataclasses-json."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ollama_lite as ollama


def test_import_does_not_load_dataclasses_json_or_aiohttp() -> None:
    code = (
        'import sys, ollama_lite; ollama_lite.Client(); '
        'print(sorted(m for m in ("aiohttp", "dataclasses_json") if m in sys.modules))'
    )
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == '[]'


# schema() is dataclasses-json's marshmallow schema; its deprecation notices are not ours to fix.
@pytest.mark.filterwarnings('ignore::DeprecationWarning:marshmallow')
@pytest.mark.filterwarnings('ignore::DeprecationWarning:dataclasses_json')
@pytest.mark.filterwarnings('ignore:.*Marshmallow4')
@pytest.mark.filterwarnings('ignore:Unknown type:UserWarning')  # bytes/Path in a Union have no marshmallow field
def test_from_dict_from_json_and_schema_honour_wire_names() -> None:
    wire = {'model_info': {'general.architecture': 'llama'}, 'modified_at': '2024-05-01T12:34:56Z', 'new': 1}
    show = ollama.ShowResponse.from_dict(wire)
    assert show.modelinfo == {'general.architecture': 'llama'}
    assert show.modified_at is not None and show.modified_at.year == 2024
    assert show['new'] == 1
    assert ollama.ShowResponse.from_json(json.dumps(wire)).modelinfo == show.modelinfo
    dumped = ollama.ShowResponse.schema().dump(show)
    assert dumped['model_info'] == {'general.architecture': 'llama'}
    assert 'modelinfo' not in dumped
    tool = ollama.Tool.from_dict({'function': {'name': 'f', 'parameters': {'type': 'object', '$defs': {'A': {}}}}})
    assert tool.function is not None and tool.function.parameters is not None
    assert tool.function.parameters.defs == {'A': {}}


def test_nested_models_through_dataclasses_json() -> None:
    reply = ollama.ChatResponse.from_dict(
        {'message': {'role': 'assistant', 'content': 'x', 'tool_calls': [{'function': {'name': 'f', 'arguments': {}}}]}}
    )
    assert isinstance(reply.message, ollama.Message)
    assert isinstance(reply.message.tool_calls[0], ollama.Message.ToolCall)  # type: ignore[index]
    assert reply.to_dict()['message']['tool_calls'][0]['function']['name'] == 'f'
