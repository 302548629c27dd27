"""model_dump()/model_dump_json() with pydantic's meaning of each argument (tests/compat compares the two)."""

from __future__ import annotations

import json

import pytest

import ollama_lite as ollama
from ollama_lite._codec import decode

SHOW = {'model_info': {'a': 1}, 'modified_at': '2024-05-01T12:00:00Z', 'template': None}


def test_every_field_under_its_python_name_none_included() -> None:
    r = decode(ollama.ShowResponse, SHOW)
    dumped = r.model_dump()
    assert dumped['modelinfo'] == {'a': 1} and dumped['license'] is None and 'model_info' not in dumped
    assert r.model_dump(by_alias=True)['model_info'] == {'a': 1}
    assert r.model_dump(mode='json')['modified_at'] == '2024-05-01T12:00:00Z'


def test_include_and_exclude_sets_and_nested_dicts() -> None:
    chat = decode(ollama.ChatResponse, {'model': 'm', 'message': {'role': 'assistant', 'content': 'x'}})
    assert chat.model_dump(include={'model'}) == {'model': 'm'}
    assert chat.model_dump(include={'message': {'content'}}) == {'message': {'content': 'x'}}
    assert 'message' not in chat.model_dump(exclude={'message'})
    assert chat.model_dump(exclude={'message': {'content'}}, include={'message'})['message']['role'] == 'assistant'
    models = decode(ollama.ListResponse, {'models': [{'model': 'a', 'size': 1}, {'model': 'b', 'size': 2}]})
    assert models.model_dump(include={'models': {'__all__': {'model'}}}) == {'models': [{'model': 'a'}, {'model': 'b'}]}
    assert models.model_dump(include={'models': {1: {'size'}}}) == {'models': [{'size': 2}]}


def test_exclude_none_unset_defaults() -> None:
    r = decode(ollama.GenerateResponse, {'response': 'hi', 'thinking': None})
    assert r.model_dump(exclude_none=True) == {'response': 'hi'}
    assert r.model_dump(exclude_unset=True) == {'response': 'hi', 'thinking': None}
    assert r.model_dump(exclude_defaults=True) == {'response': 'hi'}


def test_json_layout_is_pydantics() -> None:
    msg = ollama.Message(role='user', content='é')
    assert msg.model_dump_json(exclude_none=True) == '{"role":"user","content":"é"}'
    assert json.loads(msg.model_dump_json(indent=2))['content'] == 'é'
    assert '\n  "role": "user"' in msg.model_dump_json(indent=2)


def test_arguments_without_meaning_here_are_refused() -> None:
    msg = ollama.Message(role='user')
    with pytest.raises(TypeError):
        msg.model_dump(round_trip=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match='include must be a set'):
        msg.model_dump(include=['role'])
    with pytest.raises(ValueError, match='mode'):
        msg.model_dump(mode='yaml')
