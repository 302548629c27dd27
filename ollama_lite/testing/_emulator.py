"""The public face of the emulator: :class:`Emulator`, the URL handle, and the ways to run it."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator, Callable, Iterator, List, Optional, Sequence, Union

from aiohttp import web

from ._app import build_app
from ._clock import now_ns
from ._http import State
from ._names import InvalidName
from ._registry import ModelSpec, Registry, model_from_spec
from ._runner import ThreadServer, serve_forever, serving, url_for
from ._script import RecordedRequest, Reply, Script

EMULATED_VERSION = '0.13.0'
_LOOPBACK = '127.0.0.1'

Models = Optional[Sequence[Union[str, ModelSpec]]]


class EmulatorURL(str):
    """The base URL of a running emulator (``'http://127.0.0.1:PORT'``), usable wherever a host string is.

    It also carries the :class:`Emulator` behind it, for scripting replies and inspecting requests:
    ``url.emulator.reply(Reply.text('Hi'))``.
    """

    emulator: Emulator

    def __new__(cls, url: str, emulator: Emulator) -> EmulatorURL:
        """Wrap ``url``, remembering ``emulator``."""
        handle = super().__new__(cls, url)
        handle.emulator = emulator
        return handle

    @property
    def port(self) -> int:
        """The TCP port the emulator listens on."""
        return int(self.rsplit(':', 1)[1])


class Emulator:
    """An Ollama server in memory: the whole HTTP API, deterministic replies, and a script for tests.

    ``models`` are the installed models at start (names or :class:`ModelSpec`; default
    :data:`DEFAULT_MODELS`); ``token_delay`` is the pause in seconds between streamed lines. Raises
    ``ValueError`` for a model name Ollama would refuse.

    Example: ``with Emulator(models=['qwen3']).running() as url: ...``
    """

    def __init__(self, models: Models = None, token_delay: float = 0.0, *, version: str = EMULATED_VERSION) -> None:
        try:
            registry = Registry(models)
        except InvalidName as error:
            raise ValueError(f'invalid model name: {error}') from None
        self._state = State(registry, Script(), max(0.0, token_delay), version)
        self._app: Optional[web.Application] = None

    @property
    def app(self) -> web.Application:
        """The aiohttp application, for aiohttp's test utilities (``aiohttp_client(emu.app)``); built once."""
        if self._app is None:
            self._app = self.make_app()
        return self._app

    def make_app(self) -> web.Application:
        """A new aiohttp application over this emulator's state (an application can be run only once)."""
        return build_app(self._state)

    @property
    def token_delay(self) -> float:
        """Seconds between streamed lines; may be changed while the emulator runs."""
        return self._state.token_delay

    @token_delay.setter
    def token_delay(self, seconds: float) -> None:
        self._state.token_delay = max(0.0, seconds)

    def reply(self, *replies: Reply, path: Optional[str] = None) -> None:
        """Queue ``replies``, answered in order by the next valid requests to ``path``.

        With no ``path`` they answer ``/api/generate`` and ``/api/chat`` requests, whichever comes. Requests that
        only load or unload a model (no prompt, no messages) are not answered from the queue. Raises
        ``ValueError`` when text, thinking or tool calls are queued for another path.

        Example: ``emu.reply(Reply.error('boom', status=500), path='/api/pull')``
        """
        self._state.script.add(replies, path)

    @property
    def pending_replies(self) -> int:
        """How many queued replies no request has taken yet."""
        return self._state.script.pending

    @property
    def requests(self) -> List[RecordedRequest]:
        """Every request received so far, oldest first (method, path, query, headers, parsed JSON body)."""
        return self._state.script.requests

    @property
    def last_request(self) -> Optional[RecordedRequest]:
        """The most recent request, or ``None`` before the first."""
        received = self._state.script.requests
        return received[-1] if received else None

    def add_model(self, model: Union[str, ModelSpec]) -> str:
        """Install ``model`` as if pulled; return its name as ``/api/tags`` shows it.

        Raises ``ValueError`` for a name Ollama would refuse. Example: ``emu.add_model('mistral:7b')``
        """
        try:
            installed = self._state.registry.add(model_from_spec(model, now_ns()))
        except InvalidName as error:
            raise ValueError(f'invalid model name: {error}') from None
        return installed.name.display

    @property
    def model_names(self) -> List[str]:
        """Installed models, newest first, as ``/api/tags`` names them."""
        return [model.name.display for model in self._state.registry.models()]

    @property
    def loaded_model_names(self) -> List[str]:
        """Models in memory, as ``/api/ps`` names them."""
        return [entry.model.name.display for entry in self._state.registry.running()]

    def reset(self) -> None:
        """Back to the start: initial models, no blobs, nothing loaded, no queued replies, no recorded requests."""
        self._state.registry.reset()
        self._state.script.reset()

    @contextlib.contextmanager
    def running(self, port: int = 0) -> Iterator[EmulatorURL]:
        """Serve on 127.0.0.1 from a background thread; yield the :class:`EmulatorURL`; stop on exit.

        Raises ``OSError`` when ``port`` is taken. Example: ``with Emulator().running() as url: ...``
        """
        with ThreadServer(self.make_app(), _LOOPBACK, port) as bound:
            yield EmulatorURL(url_for(_LOOPBACK, bound), self)

    @contextlib.asynccontextmanager
    async def running_async(self, port: int = 0) -> AsyncIterator[EmulatorURL]:
        """Serve on 127.0.0.1 in the running event loop; yield the :class:`EmulatorURL`; stop on exit.

        Raises ``OSError`` when ``port`` is taken. Example: ``async with Emulator().running_async() as url: ...``
        """
        async with serving(self.make_app(), _LOOPBACK, port) as bound:
            yield EmulatorURL(url_for(_LOOPBACK, bound), self)


def emulator(models: Models = None, token_delay: float = 0.0) -> contextlib.AbstractContextManager[EmulatorURL]:
    """Run a new :class:`Emulator` in a background thread for the ``with`` block; yield its URL.

    Example: ``with emulator() as url: ollama_lite.Client(host=url).list()``
    """
    return Emulator(models, token_delay).running()


def async_emulator(
    models: Models = None, token_delay: float = 0.0
) -> contextlib.AbstractAsyncContextManager[EmulatorURL]:
    """Run a new :class:`Emulator` in the current event loop for the ``async with`` block; yield its URL.

    Example: ``async with async_emulator() as url: await ollama_lite.AsyncClient(host=url).list()``
    """
    return Emulator(models, token_delay).running_async()


def serve(
    host: str = _LOOPBACK,
    port: int = 11434,
    models: Models = None,
    token_delay: float = 0.0,
    *,
    ready: Optional[Callable[[str], None]] = None,
) -> None:
    """Serve an emulator in the foreground until Ctrl-C or SIGTERM (for ``ollama-lite serve-emulator``).

    ``ready`` is called with the base URL once listening (default: print it). Raises ``OSError`` when the port
    is taken, ``ValueError`` for an invalid model name. Example: ``serve(port=11434, models=['qwen3'])``
    """
    app = Emulator(models, token_delay).make_app()
    serve_forever(app, host, port, ready or _announce)


def _announce(url: str) -> None:
    print(f'Ollama emulator listening on {url} (Ctrl-C to stop)', flush=True)
