"""parse_modelfile: Ollama's Modelfile grammar, typed parameters, create() arguments, errors with their line."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ollama_lite
from ollama_lite import ModelfileError, RequestError, parse_modelfile


def test_every_instruction_case_insensitive_with_comments() -> None:
    mf = parse_modelfile(
        '# a comment\n'
        'from llama3.2\n'
        'PARAMETER temperature 0.2\n'
        'Parameter num_ctx 8192\n'
        'PARAMETER stop <|eot_id|>\n'
        'PARAMETER stop "<|end|> "\n'
        'PARAMETER use_mmap false\n'
        '   # an indented comment\n'
        'TEMPLATE {{ .Prompt }}\n'
        'SYSTEM You are Mario # not a comment\n'
        'LICENSE MIT\n'
        'license Apache-2.0\n'
        'MESSAGE user Who are you?\n'
        'MESSAGE assistant It is-a me, Mario!\n'
        'REQUIRES 0.14.0\n'
        'RENDERER qwen3\n'
        'PARSER qwen3\n'
    )
    assert [c.name for c in mf.commands][:2] == ['from', 'parameter']
    assert mf.create_kwargs() == {
        'from_': 'llama3.2',
        'template': '{{ .Prompt }}',
        'system': 'You are Mario # not a comment',
        'license': ['MIT', 'Apache-2.0'],
        'parameters': {'temperature': 0.2, 'num_ctx': 8192, 'stop': ['<|eot_id|>', '<|end|> '], 'use_mmap': False},
        'messages': [
            {'role': 'user', 'content': 'Who are you?'},
            {'role': 'assistant', 'content': 'It is-a me, Mario!'},
        ],
        'renderer': 'qwen3',
        'parser': 'qwen3',
        'requires': '0.14.0',
    }
    assert mf.requires == '0.14.0'


def test_triple_quoted_values_span_lines_and_keep_them() -> None:
    mf = parse_modelfile(
        'FROM x\nTEMPLATE """{{ if .System }}\n# kept\n  {{ .System }}{{ end }}"""\nSYSTEM "one\ntwo"\n'
    )
    assert mf.template == '{{ if .System }}\n# kept\n  {{ .System }}{{ end }}'
    assert mf.system == 'one\ntwo'
    assert parse_modelfile('\ufeffFROM x\r\nSYSTEM """a"""\r\n').system == 'a'


def test_local_files_replace_from_and_adapters_are_passed_in() -> None:
    mf = parse_modelfile('FROM ./model.gguf\nADAPTER ./lora.gguf\n')
    assert mf.from_.value == './model.gguf'
    assert mf.from_.line == 1
    kwargs = mf.create_kwargs(files={'model.gguf': 'sha256:' + 'a' * 64}, adapters={'lora.gguf': 'sha256:' + 'b' * 64})
    assert kwargs == {'files': {'model.gguf': 'sha256:' + 'a' * 64}, 'adapters': {'lora.gguf': 'sha256:' + 'b' * 64}}
    with pytest.raises(ModelfileError) as caught:
        mf.create_kwargs()
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ('text', 'line', 'message'),
    [
        ('FROM x\nPARAMETER temprature 1\n', 2, "unknown parameter 'temprature'"),
        ('FROM x\n\nPARAMETER num_ctx big\n', 3, 'invalid int value [big] for num_ctx'),
        ('FROM x\nPARAMETER use_mmap maybe\n', 2, 'invalid bool value [maybe] for use_mmap'),
        ('FROM x\nPARAMETER temperature\n', 2, 'PARAMETER takes a name and a value'),
        ('FROM x\nMESSAGE bot hi\n', 2, 'message role must be one of "system", "user", or "assistant"'),
        ('FROM x\nMESSAGE user\n', 2, 'MESSAGE takes a role and a text'),
        ('FROM x\nFRMO y\n', 2, 'unknown instruction "FRMO"'),
        ('FROM x\nSYSTEM\n', 2, 'SYSTEM needs a value'),
        ('FROM x\nSYSTEM """never\nclosed\n', 2, 'the """ opened here is never closed'),
        ('FROM x\nREQUIRES soon\n', 2, 'REQUIRES must be a version'),
    ],
)
def test_errors_name_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ModelfileError) as caught:
        parse_modelfile(text)
    assert caught.value.line == line
    assert caught.value.message.startswith(message)
    assert str(caught.value).startswith(f'line {line}: {message}')


def test_no_from_is_an_error_of_the_whole_file() -> None:
    with pytest.raises(ModelfileError) as caught:
        parse_modelfile('# empty\nSYSTEM hi\n')
    assert caught.value.line is None
    assert str(caught.value).startswith('no FROM line')
    assert isinstance(caught.value, RequestError)
    assert isinstance(caught.value, ValueError)


def test_public() -> None:
    for name in ('parse_modelfile', 'Modelfile', 'ModelfileCommand', 'ModelfileError'):
        assert name in ollama_lite.__all__


def test_the_parser_loads_on_first_use_not_with_the_package() -> None:
    code = (
        'import sys, ollama_lite; before = "ollama_lite._modelfile" in sys.modules; '
        'ollama_lite.parse_modelfile; print(before, "ollama_lite._modelfile" in sys.modules)'
    )
    done = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ['False', 'True']
