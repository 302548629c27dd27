"""The public face of the emulator: :class:`Emulator`, the URL handle, and the ways to run it."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator, Callable, Iterator, List, Optional, Sequence, TextIO, Union

from aiohttp import web

from ._access_log import add_access_log
from ._app import build_app, catalog_key, signed_in_user
from ._clock import now_ns
from ._http import MAX_BODY, State
from ._names import InvalidName
from ._registry import ModelSpec, Registry, model_from_spec
from ._runner import ThreadServer, serve_forever, serving, url_for
from ._script import REQUEST_LOG_BODY_BYTES, REQUEST_LOG_SIZE, RecordedRequest, Reply, Script

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
    :data:`DEFAULT_MODELS`); ``token_delay`` is the pause in seconds between streamed lines. A pull finds the
    well-known ollama.com library models and the names in ``catalog`` (a name without a tag stands for all its
    tags); any other name fails as Ollama does ("pull model manifest: file does not exist"). The emulator starts
    signed out of ollama.com, with its cloud features enabled: see :meth:`sign_in` and :attr:`cloud_disabled_by`.

    The request log keeps the last ``request_log_size`` requests and the first ``request_log_body_bytes`` of each
    body; bodies over ``max_body_bytes`` get a 413. Raises ``ValueError`` for a model name Ollama would refuse.

    Example: ``with Emulator(models=['qwen3']).running() as url: ...``
    """

    def __init__(
        self,
        models: Models = None,
        token_delay: float = 0.0,
        *,
        version: str = EMULATED_VERSION,
        catalog: Sequence[str] = (),
        request_log_size: int = REQUEST_LOG_SIZE,
        request_log_body_bytes: int = REQUEST_LOG_BODY_BYTES,
        max_body_bytes: int = MAX_BODY,
    ) -> None:
        try:
            registry = Registry(models)
            self._catalog = frozenset(catalog_key(name) for name in catalog)
        except InvalidName as error:
            raise ValueError(f'invalid model name: {error}') from None
        script = Script(request_log_size, request_log_body_bytes)
        self._state = State(registry, script, max(0.0, token_delay), version, max_body_bytes)
        self._state.catalog.update(self._catalog)
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
        """The requests received, oldest first (method, path, query, headers, parsed JSON body): the last
        ``request_log_size`` of them, each body cut to ``request_log_body_bytes``."""
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

    def add_to_catalog(self, *names: str) -> None:
        """Let a pull find ``names`` (without a tag: every tag of that model), as if ollama.com had them.

        Raises ``ValueError`` for a name Ollama would refuse. Example: ``emu.add_to_catalog('me/my-model')``
        """
        try:
            keys = [catalog_key(name) for name in names]
        except InvalidName as error:
            raise ValueError(f'invalid model name: {error}') from None
        self._state.catalog.update(keys)

    def sign_in(self, name: str = 'ollama-lite', email: Optional[str] = None, plan: str = 'free') -> None:
        """Sign the emulated server in to ollama.com as ``name``: ``/api/me`` answers the user, the web search
        relay works, ``/api/signout`` signs out again. Example: ``emu.sign_in('ada', plan='pro')``"""
        self._state.user = signed_in_user(name, email or f'{name}@example.com', plan)

    def sign_out(self) -> None:
        """Back to signed out: ``/api/me`` and the web search relay answer 401 with a ``signin_url``."""
        self._state.user = None

    @property
    def signed_in(self) -> bool:
        """Whether the emulated server is signed in to ollama.com."""
        return self._state.user is not None

    @property
    def cloud_disabled_by(self) -> Optional[str]:
        """What turned the cloud features off, as ``/api/status`` reports it: ``'env'``, ``'config'`` or
        ``'both'``; ``None`` (the default) when they are on. While off, the web search relay answers 403."""
        return self._state.cloud_disabled_by

    @cloud_disabled_by.setter
    def cloud_disabled_by(self, source: Optional[str]) -> None:
        if source not in (None, 'env', 'config', 'both'):
            raise ValueError(f"cloud_disabled_by is None, 'env', 'config' or 'both', not {source!r}")
        self._state.cloud_disabled_by = source

    @property
    def model_names(self) -> List[str]:
        """Installed models, newest first, as ``/api/tags`` names them."""
        return [model.name.display for model in self._state.registry.models()]

    @property
    def loaded_model_names(self) -> List[str]:
        """Models in memory, as ``/api/ps`` names them."""
        return [entry.model.name.display for entry in self._state.registry.running()]

    def reset(self) -> None:
        """Back to the start: initial models and catalog, no blobs, nothing loaded, no queued replies, no recorded
        requests, signed out, cloud enabled."""
        self._state.registry.reset()
        self._state.script.reset()
        self._state.catalog = set(self._catalog)
        self._state.user = None
        self._state.cloud_disabled_by = None

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
    log: Optional[TextIO] = None,
) -> None:
    """Serve an emulator in the foreground until Ctrl-C or SIGTERM (for ``ollama-lite serve-emulator``).

    ``ready`` is called with the base URL once listening (default: print it). ``log`` gets a line per request
    when its reply ends: time, method, path, model, status, seconds, and ``client left early`` when the client
    went away before a streamed or delayed reply was over. Raises ``OSError`` when the port is taken,
    ``ValueError`` for an invalid model name. Example: ``serve(port=11434, models=['qwen3'], log=sys.stderr)``
    """
    app = Emulator(models, token_delay).make_app()
    if log is not None:
        add_access_log(app, log)
    serve_forever(app, host, port, ready or _announce)


def _announce(url: str) -> None:
    print(f'Ollama emulator listening on {url} (Ctrl-C to stop)', flush=True)
