"""Modelfiles, the recipe ``ollama create`` builds a model from, parsed into what ``create()`` needs.

The grammar is Ollama's (``parser/parser.go``): one instruction per line (``FROM``, ``PARAMETER``,
``TEMPLATE``, ``SYSTEM``, ``ADAPTER``, ``LICENSE``, ``MESSAGE``, ``REQUIRES``, ``RENDERER``, ``PARSER``) in any
case; ``#`` starts a comment line; a value in ``"`` or ``\"\"\"`` may span lines. Parsing is pure: no file is
opened, so deciding whether ``FROM`` names a local file is left to the caller (see
:meth:`Modelfile.create_kwargs`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ._errors import RequestError
from ._types import Options

__all__ = ['Modelfile', 'ModelfileCommand', 'ModelfileError', 'parameter_value', 'parse_modelfile']

_INSTRUCTIONS = (
    'from', 'parameter', 'template', 'system', 'adapter', 'license', 'message', 'requires', 'renderer', 'parser',
)  # fmt: skip
_ROLES = ('system', 'user', 'assistant')
_SEMVER = re.compile(r'v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?')
_TRUE, _FALSE = ('1', 't', 'T', 'TRUE', 'true', 'True'), ('0', 'f', 'F', 'FALSE', 'false', 'False')


class ModelfileError(RequestError):
    """A Modelfile that cannot be parsed; ``line`` is the 1-based line it is about (``None`` for the whole file).

    ``str(error)`` is ``'line 3: unknown parameter "temprature"'``; ``message`` is the text without the line.
    It is a ``RequestError`` (so a ``ValueError``): nothing was sent.
    """

    def __init__(self, message: str, line: Optional[int] = None) -> None:
        super().__init__(f'line {line}: {message}' if line is not None else message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class ModelfileCommand:
    """One instruction: ``name`` in lower case, ``key`` the parameter name or message role, ``value`` unquoted."""

    name: str
    value: str
    line: int
    key: Optional[str] = None


@functools.lru_cache(maxsize=None)
def _option_types() -> Dict[str, Any]:
    # Built on first use: resolving the hints costs milliseconds that `import ollama_lite` should not pay.
    hints = typing.get_type_hints(Options)
    return {f.name: hints[f.name] for f in dataclasses.fields(Options)}


def parameter_value(name: str, values: List[str]) -> Any:
    """Turn a parameter's text into its type (``'0.5'`` to ``0.5`` for ``temperature``, a list for ``stop``).

    Raises ``ValueError`` for a name that is no option of Ollama's or a value not of the option's type.
    """
    hint = _option_types().get(name)
    if hint is None:
        raise ValueError(f"unknown parameter '{name}'")
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    kind = args[0] if args else hint
    if typing.get_origin(kind) in (list, List):
        return list(values)
    text = values[0] if values else ''
    try:
        if kind is bool:
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
            raise ValueError(text)
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError:
        raise ValueError(f'invalid {kind.__name__} value [{" ".join(values)}] for {name}') from None
    return text


@dataclass(frozen=True)
class Modelfile:
    """A parsed Modelfile: its instructions in order, and what they mean for ``create()``.

    >>> mf = parse_modelfile('FROM llama3.2\\nPARAMETER temperature 0.2\\nSYSTEM You are Mario.')
    >>> client.create('mario', **mf.create_kwargs())
    """

    commands: Tuple[ModelfileCommand, ...]

    def _last(self, name: str) -> Optional[ModelfileCommand]:
        found = [c for c in self.commands if c.name == name]
        return found[-1] if found else None

    def _value(self, name: str) -> Optional[str]:
        command = self._last(name)
        return command.value if command is not None else None

    @property
    def from_(self) -> ModelfileCommand:
        """The ``FROM`` instruction (the last one when there are several): a model name or a local path."""
        command = self._last('from')
        assert command is not None  # parse_modelfile refuses a Modelfile without one
        return command

    @property
    def adapter(self) -> Optional[ModelfileCommand]:
        """The ``ADAPTER`` instruction (a local file or directory), if any."""
        return self._last('adapter')

    @property
    def template(self) -> Optional[str]:
        """The ``TEMPLATE``, if set."""
        return self._value('template')

    @property
    def system(self) -> Optional[str]:
        """The ``SYSTEM`` message, if set."""
        return self._value('system')

    @property
    def licenses(self) -> List[str]:
        """Every ``LICENSE``, in order."""
        return [c.value for c in self.commands if c.name == 'license']

    @property
    def requires(self) -> Optional[str]:
        """The Ollama version the model ``REQUIRES`` (without a leading ``v``), if set."""
        value = self._value('requires')
        return value[1:] if value and value.startswith('v') else value

    @property
    def parameters(self) -> Dict[str, Any]:
        """The ``PARAMETER`` values, typed as ``Options`` types them; repeated ``stop`` lines make one list."""
        values: Dict[str, Any] = {}
        for command in self.commands:
            if command.name != 'parameter' or command.key is None:
                continue
            value = parameter_value(command.key, [command.value])
            if isinstance(value, list) and isinstance(values.get(command.key), list):
                values[command.key] = values[command.key] + value
            else:
                values[command.key] = value
        return values

    @property
    def messages(self) -> List[Dict[str, str]]:
        """The ``MESSAGE`` lines as chat messages."""
        return [{'role': c.key or '', 'content': c.value} for c in self.commands if c.name == 'message']

    def create_kwargs(
        self, files: Optional[Mapping[str, str]] = None, adapters: Optional[Mapping[str, str]] = None
    ) -> Dict[str, Any]:
        """The keyword arguments of ``Client.create`` (all but the model's name) that this Modelfile asks for.

        ``FROM`` goes as ``from_`` unless ``files`` are given: when ``FROM`` names a local GGUF file or a
        directory of safetensors, upload them (``create_blob``) and pass ``{name: digest}`` here; the same for
        ``ADAPTER`` with ``adapters``. Raises ``ModelfileError`` naming the ``ADAPTER`` line when it is given
        without ``adapters``, since an adapter is always a local file. ``REQUIRES`` goes as ``requires``.
        """
        kwargs: Dict[str, Any] = {}
        if files:
            kwargs['files'] = dict(files)
        else:
            kwargs['from_'] = self.from_.value
        adapter = self.adapter
        if adapter is not None and not adapters:
            raise ModelfileError(
                f'ADAPTER {adapter.value} must be uploaded first: pass its blobs as adapters', adapter.line
            )
        if adapters:
            kwargs['adapters'] = dict(adapters)
        for key, value in (('template', self.template), ('system', self.system)):
            if value is not None:
                kwargs[key] = value
        licenses = self.licenses
        if licenses:
            kwargs['license'] = licenses[0] if len(licenses) == 1 else licenses
        if self.parameters:
            kwargs['parameters'] = self.parameters
        if self.messages:
            kwargs['messages'] = self.messages
        for key in ('renderer', 'parser', 'requires'):
            value = self._value(key)
            if value is not None:
                kwargs[key] = value
        return kwargs


def _closed(text: str, quote: str) -> bool:
    return len(text) >= 2 * len(quote) and text.endswith(quote)


def _read_value(rest: str, lines: List[str], index: int) -> Tuple[str, int]:
    """The value starting with ``rest`` on line ``index``; a quoted one may go on over the next lines.

    Returns the unquoted value and the index of the line after it.
    """
    text = rest.strip()
    quote = '"""' if text.startswith('"""') else '"' if text.startswith('"') else ''
    if not quote:
        return text, index + 1
    end = index
    while not _closed(text, quote):
        end += 1
        if end >= len(lines):
            raise ModelfileError(f'the {quote} opened here is never closed', index + 1)
        text = (text + '\n' + lines[end]).strip()
    return text[len(quote) : -len(quote)], end + 1


def _parse_command(word: str, rest: str, line: int) -> Tuple[str, Optional[str], str]:
    """Check an instruction's name and, for PARAMETER and MESSAGE, its key; return name, key and the rest."""
    name = word.lower()
    if not word.isalpha() or name not in _INSTRUCTIONS:
        listed = ', '.join(i.upper() for i in _INSTRUCTIONS)
        raise ModelfileError(f'unknown instruction "{word}": an instruction is one of {listed}', line)
    if name == 'parameter':
        match = re.match(r'([A-Za-z0-9_]+)[ \t]+(\S.*)$', rest)
        if match is None:
            raise ModelfileError('PARAMETER takes a name and a value, e.g. PARAMETER temperature 0.7', line)
        return name, match.group(1), match.group(2)
    if name == 'message':
        match = re.match(r'([A-Za-z]+)[ \t]+(\S.*)$', rest)
        if match is None:
            raise ModelfileError('MESSAGE takes a role and a text, e.g. MESSAGE user Hello', line)
        if match.group(1) not in _ROLES:
            raise ModelfileError('message role must be one of "system", "user", or "assistant"', line)
        return name, match.group(1), match.group(2)
    if not rest.strip():
        raise ModelfileError(f'{word.upper()} needs a value', line)
    return name, None, rest


def parse_modelfile(text: str) -> Modelfile:
    """Parse the text of a Modelfile.

    Raises :class:`ModelfileError` with the line of the first problem: an unknown instruction, a PARAMETER that
    is no option of Ollama's or not of its type, a MESSAGE role other than system, user or assistant, a quote
    never closed, a REQUIRES that is not a version; or (with no line) a Modelfile without FROM.

    >>> parse_modelfile('FROM llama3.2\\nPARAMETER temperature 0.2').parameters
    {'temperature': 0.2}
    """
    lines = text.lstrip('\ufeff').splitlines()
    commands: List[ModelfileCommand] = []
    index = 0
    while index < len(lines):
        stripped = lines[index].strip()
        if not stripped or stripped.startswith('#'):
            index += 1
            continue
        line = index + 1
        word, rest = _split_word(stripped)
        name, key, rest = _parse_command(word, rest, line)
        value, index = _read_value(rest, lines, index)
        command = ModelfileCommand(name, value, line, key)
        if name == 'parameter' and key is not None:
            try:
                parameter_value(key, [value])
            except ValueError as error:
                raise ModelfileError(str(error), line) from None
        if name == 'requires' and not _SEMVER.fullmatch(value):
            raise ModelfileError(f'REQUIRES must be a version such as 0.14.0, got "{value}"', line)
        commands.append(command)
    if not any(c.name == 'from' for c in commands):
        raise ModelfileError('no FROM line: a Modelfile starts FROM a model name or a local file')
    return Modelfile(tuple(commands))


def _split_word(stripped: str) -> Tuple[str, str]:
    match = re.match(r'(\S+)(?:[ \t]+(.*))?$', stripped)
    assert match is not None  # stripped is not empty
    return match.group(1), match.group(2) or ''
