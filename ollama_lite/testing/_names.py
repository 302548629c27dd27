"""Model names, ``[host/][namespace/]model[:tag]``, parsed and checked by the rules Ollama applies."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_HOST = 'registry.ollama.ai'
DEFAULT_NAMESPACE = 'library'
DEFAULT_TAG = 'latest'

_MAX_PART = {'host': 350, 'namespace': 80, 'model': 80, 'tag': 80}


class InvalidName(ValueError):
    """A model name that Ollama would refuse (``invalid model name``)."""


@dataclass(frozen=True)
class ModelName:
    """A fully qualified model name; compare with :attr:`key`, Ollama matches names case-insensitively."""

    host: str
    namespace: str
    model: str
    tag: str

    @classmethod
    def parse(cls, text: str) -> ModelName:
        """Parse ``text``, filling in the default host, namespace ``library`` and tag ``latest``.

        Raises :class:`InvalidName` when a part is empty, too long or has a character Ollama does not allow.

        >>> ModelName.parse('llama3.2').display
        'llama3.2:latest'
        """
        rest = text.split('://', 1)[1] if '://' in text else text
        tag = ''
        if rest.rfind(':') > rest.rfind('/'):
            rest, tag = rest.rsplit(':', 1)
            if not tag:
                raise InvalidName(text)
        parts = rest.split('/')
        if len(parts) > 3:
            # Only a host may hold further slashes; Ollama rejects them as invalid host characters.
            raise InvalidName(text)
        host, namespace = DEFAULT_HOST, DEFAULT_NAMESPACE
        if len(parts) == 3:
            host, namespace, model = parts
        elif len(parts) == 2:
            namespace, model = parts
        else:
            model = parts[0]
        name = cls(host, namespace, model, tag or DEFAULT_TAG)
        for kind in ('host', 'namespace', 'model', 'tag'):
            if not _valid_part(kind, getattr(name, kind)):
                raise InvalidName(text)
        return name

    @property
    def display(self) -> str:
        """The shortest spelling, as ``/api/tags`` and ``/api/ps`` show it (``llama3.2:latest``)."""
        if self.host.lower() != DEFAULT_HOST:
            return f'{self.host}/{self.namespace}/{self.model}:{self.tag}'
        if self.namespace.lower() != DEFAULT_NAMESPACE:
            return f'{self.namespace}/{self.model}:{self.tag}'
        return f'{self.model}:{self.tag}'

    @property
    def full(self) -> str:
        """Every part spelled out, as Ollama names a model in capability errors."""
        return f'{self.host}/{self.namespace}/{self.model}:{self.tag}'

    @property
    def key(self) -> str:
        """The lookup key: the full name in lower case."""
        return self.full.lower()


def _valid_part(kind: str, part: str) -> bool:
    if not 1 <= len(part) <= _MAX_PART[kind]:
        return False
    if not (part[0].isascii() and (part[0].isalnum() or part[0] == '_')):
        return False
    allowed = r'[A-Za-z0-9_\-' + ('' if kind == 'namespace' else '.') + (':' if kind == 'host' else '') + ']*'
    return re.fullmatch(allowed, part[1:]) is not None
