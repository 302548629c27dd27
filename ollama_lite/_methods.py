"""The method layer of ``Client`` and ``AsyncClient``, written once: the one source of both twins.

Not imported: ``python -m tests._twins`` writes, from the class below, the methods of ``AsyncClient`` (in
``_async.py``) and of ``Client`` (in ``_sync.py``), with the ``stream`` overloads and, where a call's arguments
end in ``...``, the method's parameters passed on. ``tests/_twins.py`` says how, and how to add an endpoint or a
parameter. Each method is written as ``AsyncClient`` has it; ``self`` is either client, and the private methods
called here (``_options``, ``_start``, ``_one``, ``_many``, ``_ask_within``, ``_create_blob``, and for several
hosts ``_send_routed``, ``_routed_stream``, ``_read_routed``, ``_read_asked``, ``_merged``, ``_refresh``) are the
twins' transports, written by hand in each.
"""

from __future__ import annotations

import os
from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    overload,
)

from . import _api, _travel
from ._api import Call, R
from ._batch import DEFAULT_BATCH_SIZE
from ._config import ClientConfig, Retry, parse_host
from ._deadline import Deadline
from ._errors import (
    ConnectError,
    IncompleteStreamError,
    ProtocolError,
    ReadTimeout,
    RequestError,
    RequestTimeout,
    ResponseError,
)
from ._observe import Hook, Observer
from ._pool import DEFAULT_PER_HOST, DEFAULT_QUEUE_TIMEOUT, MERGED, Failure, HostLike, configure, mark

if TYPE_CHECKING:
    import aiohttp

    from ._async import _DEFAULT_TIMEOUT, AsyncStream
    from ._batch import AsyncBatchResults, EmbedManyResponse, Progress
    from ._batch import OnError as BatchOnError
    from ._pool import HostStatus
    from ._tool_runner import OnError, ToolRun, ToolsLike
    from ._tool_runner_async import AsyncToolRunStream
    from ._types import (
        ChatResponse,
        EmbeddingsResponse,
        EmbedResponse,
        Format,
        GenerateResponse,
        ImageLike,
        KeepAlive,
        ListResponse,
        MessageLike,
        ModelRecommendationsResponse,
        OptionsLike,
        ProcessResponse,
        ProgressResponse,
        ServerStatusResponse,
        ShowResponse,
        StatusResponse,
        Think,
        ToolLike,
        UserResponse,
        VersionResponse,
        WebFetchResponse,
        WebSearchResponse,
    )


class AsyncClient:
    def __init__(
        self,
        host: Optional[str] = None,
        *,
        headers: Optional[Mapping[str, str]] = None,
        timeout: Any = _DEFAULT_TIMEOUT,
        session: Optional[aiohttp.ClientSession] = None,
        retries: Union[int, Retry] = 2,
        follow_redirects: bool = True,
        strict_streams: bool = False,
        max_reply_bytes: Optional[int] = None,
        hosts: Optional[Sequence[HostLike]] = None,
        per_host: int = DEFAULT_PER_HOST,
        queue_timeout: Optional[float] = DEFAULT_QUEUE_TIMEOUT,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        think: Optional[Think] = None,
        format: Optional[Format] = None,
        event_hooks: Optional[Mapping[str, Sequence[Hook]]] = None,
        **kwargs: Any,
    ) -> None:
        # The named parameters are policy, the same for both clients: they go into the config (the class
        # docstring of each twin describes them). ``session`` and ``**kwargs`` are the transport's; a wrong name
        # among them is reported before any value is checked.
        transport = self._options(session, kwargs)
        configs, pool = configure(
            host,
            hosts,
            headers,
            timeout,
            retries,
            follow_redirects,
            strict_streams=strict_streams,
            max_reply_bytes=max_reply_bytes,
            per_host=per_host,
            queue_timeout=queue_timeout,
            defaults=_api.defaults(options, keep_alive, think, format),
        )
        # What a pickled copy is made from (see _travel): the configuration (the host as it resolved), never the
        # session.
        self._arguments = _travel.arguments(
            session, host=configs[0].base_url if hosts is None else host, hosts=hosts, headers=headers,
            timeout=timeout, retries=retries, follow_redirects=follow_redirects, strict_streams=strict_streams,
            max_reply_bytes=max_reply_bytes, per_host=per_host, queue_timeout=queue_timeout, options=options,
            keep_alive=keep_alive, think=think, format=format, event_hooks=event_hooks, **kwargs,
        )  # fmt: skip
        # Several hosts: one configuration each, and the routing policy (_pool); _spread adds what the transport
        # needs to wait and wake.
        self._pool = pool
        self._host_configs = configs
        self._affinity: Optional[str] = None
        self._root: Optional[AsyncClient] = None  # a view's client, whose session it uses
        if pool is not None:
            self._views: Dict[int, AsyncClient] = {}
            self._spread()
        self._start(configs[0], session, transport)
        # Who watches each call (hooks, the logger, OpenTelemetry); told the credentials to keep out of logs.
        self._observer: Observer = Observer(event_hooks, self._secrets, configs[0].headers_for)

    def __reduce__(self) -> Tuple[Any, ...]:
        # Pickled as its configuration; the copy opens its own session. TypeError for a caller's session.
        return _travel.reduce(self, self._arguments)

    def __copy__(self) -> AsyncClient:
        # copy.copy stays the shallow copy it was before __reduce__ (the pool's per-host views share the session).
        return _travel.shallow_copy(self)

    @property
    def config(self) -> ClientConfig:
        """The client's configuration (host, headers, timeouts, retries)."""
        return self._config

    async def _routed(self, call: Call[R]) -> Union[R, AsyncStream[R]]:
        """A call over the pool: to the host the policy picks, on to another only when that cannot
        duplicate work (see ``_pool``); ``list`` and ``ps`` ask every host. The twins' hooks move the bytes:
        ``_send_routed``, ``_routed_stream``, ``_read_routed``."""
        pool = self._pool
        assert pool is not None
        name = call.endpoint.name
        if name in MERGED:
            return await self._merged(call)
        route = pool.route_for(name, call.model, call.lead, self._affinity)
        if call.model is not None:
            await self._refresh()
        path = call.endpoint.path
        deadline = Deadline.start(self._config.timeout.total)
        while True:
            response = None
            try:
                response = await self._send_routed(call, deadline, route)
                assert route.host is not None
                host = self._host_configs[route.host].base_url
                stream = self._routed_stream(response, call, host, deadline, route)
                if stream is not None:
                    return stream
                status, body = await self._read_routed(response, host + path, deadline)
            except (IncompleteStreamError, ReadTimeout) as exc:
                # The body was cut, or stalled: a read or an embed goes on to another host, nothing else.
                failure: Failure = 'timeout' if isinstance(exc, ReadTimeout) else 'lost'
                lost = response is not None and call.repeatable
                if lost and self._failed(route, failure, sent=True, repeatable=True):
                    continue
                self._finish(route)
                raise
            except BaseException:
                self._finish(route)
                raise
            self._finish(route)
            reply = call.reply(status, body, self._secrets)
            mark(reply, host)
            return reply

    async def _routed_ask(
        self, method: str, url: str, deadline: Optional[Deadline], *, repeatable: bool, retry: Optional[Retry]
    ) -> Tuple[int, bytes]:
        """``_ask`` over the pool: a question any host answers, without a slot (``_read_asked`` reads it)."""
        pool = self._pool
        assert pool is not None
        path = url[len(self._config.base_url) :]
        if path.startswith(_api.blob_path('')):
            raise RequestError(
                'blobs belong to one server; with several hosts name it: '
                "client.host('http://...').create_blob(...) or .blob_exists(...)"
            )
        route = pool.route(slotted=False)
        try:
            response = await self._open(
                method, path, None, repeatable=repeatable, deadline=deadline, retry=retry, route=route
            )
            assert route.host is not None
            return await self._read_asked(response, self._host_configs[route.host].url(path), deadline)
        finally:
            self._finish(route)

    @property
    def hosts(self) -> Tuple[HostStatus, ...]:
        """With several hosts (``hosts=``), each host's state now: healthy or cooling down (and for how
        long), requests in flight, models loaded and installed as last heard. Empty for one host.

        >>> [(h.url, h.healthy, h.in_flight) for h in client.hosts]
        """
        if self._pool is None:
            return ()
        with self._pool_lock:
            return self._pool.status()

    @property
    def _capacity(self) -> Optional[int]:
        """How many requests this client runs at once: the slots of its healthy hosts, or ``None`` for a
        single-host client (no limit of its own; the server queues)."""
        if self._pool is None:
            return None
        with self._pool_lock:
            return self._pool.capacity()

    def _parallelism(self) -> int:
        """How many servers this client spreads its requests over: the batch runners (``embed_many`` and the
        others) keep ``PER_HOST`` requests in flight for each by default, and the pool routes them."""
        return len(self._host_configs)

    def _view(self, index: int) -> AsyncClient:
        """The client of one host of the pool: same session, that host's configuration."""
        view = self._views.get(index)
        if view is None:
            view = self._derive()
            config = self._host_configs[index]
            view._pool = None
            view._config = config
            view._host_configs = (config,)
            self._bound(view, config)
            self._views[index] = view
        return view

    def host(self, url: str) -> AsyncClient:
        """This client bound to one of its hosts, for what must go to a server you name: ``pull``,
        ``push``, ``create``, ``copy``, ``delete``, ``create_blob``, ``signout`` (a client with several
        hosts refuses them), or to ask one server. It shares the client's connections and settings;
        closing it closes only the streams it opened. Raises ``RequestError`` when ``url`` is not one of
        the client's hosts.

        >>> await client.host('http://gpu2:11434').pull('llama3.2')
        """
        if self._pool is None:
            if parse_host(url) != self._config.base_url:
                raise RequestError(f"{parse_host(url)} is not this client's host ({self._config.base_url})")
            return self
        return self._view(self._pool.index_of(url))

    def affinity(self, key: str) -> AsyncClient:
        """This client with an affinity key: with several hosts, every call through it goes to the host
        that served ``key`` before (a conversation id), waiting for it while it is healthy, so the
        server's prompt cache is reused. Without a key, a conversation is kept on its host while that host
        has a free slot. Raises ``RequestError`` for an empty key.

        >>> await client.affinity('conversation-42').chat('llama3.2', messages)
        """
        if not isinstance(key, str) or not key:
            raise RequestError(f'an affinity key is a non-empty string, not {key!r}')
        view = self._derive()
        view._affinity = key
        return view

    def _each_host(self) -> List[AsyncClient]:
        """The client of each host, in order (this client, for one host)."""
        return [self] if self._pool is None else [self._view(i) for i in range(len(self._host_configs))]

    async def _pull_each(
        self, views: Sequence[AsyncClient], model: str, insecure: bool
    ) -> AsyncIterator[ProgressResponse]:
        for view in views:
            async with await view.pull(model, insecure=insecure, stream=True) as progress:
                async for line in progress:
                    mark(line, view._config.base_url)
                    yield line

    async def generate(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        suffix: Optional[str] = None,
        *,
        system: Optional[str] = None,
        template: Optional[str] = None,
        context: Optional[Sequence[int]] = None,
        stream: bool = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        raw: Optional[bool] = None,
        format: Optional[Format] = None,
        images: Optional[Sequence[ImageLike]] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        width: Optional[int] = None,
        height: Optional[int] = None,
        steps: Optional[int] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> Union[GenerateResponse, AsyncStream[GenerateResponse]]:
        """Generate a completion for ``prompt`` (``POST /api/generate``).

        Returns a ``GenerateResponse``, or with ``stream=True`` an ``AsyncStream`` of them. Raises
        ``ResponseError`` when the server refuses (404 for an unknown model), ``RequestError`` for bad
        arguments, ``ConnectError`` when Ollama cannot be reached.

        >>> (await client.generate('llama3.2', 'Why is the sky blue?')).response
        """
        # The client's defaults (Client(options=...)) go with the call's own values, merged by _api.
        return await self._many(_api.generate(..., defaults=self._config.defaults))

    async def chat(
        self,
        model: str = '',
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        tools: Optional[Sequence[ToolLike]] = None,
        stream: bool = False,
        think: Optional[Think] = None,
        logprobs: Optional[bool] = None,
        top_logprobs: Optional[int] = None,
        format: Optional[Format] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        truncate: Optional[bool] = None,
        shift: Optional[bool] = None,
        _debug_render_only: Optional[bool] = None,
    ) -> Union[ChatResponse, AsyncStream[ChatResponse]]:
        """Chat with a model (``POST /api/chat``).

        ``messages`` are dicts or ``Message``; ``tools`` are dicts, ``Tool`` or plain functions; ``format``
        is ``'json'``, a JSON schema, or a dataclass to derive one from. Returns a ``ChatResponse``, or with
        ``stream=True`` an ``AsyncStream`` of them. Raises ``ResponseError``, ``RequestError``, ``ConnectError``.

        >>> (await client.chat('llama3.2', [{'role': 'user', 'content': 'Hi'}])).message.content
        """
        return await self._many(_api.chat(..., defaults=self._config.defaults))

    async def run_tools(
        self,
        model: str,
        messages: Sequence[MessageLike],
        tools: ToolsLike,
        *,
        max_rounds: int = 10,
        parallel: bool = True,
        on_error: OnError = 'report',
        stream: bool = False,
        **chat_options: Any,
    ) -> Union[ToolRun, AsyncToolRunStream]:
        """Chat, run the functions the model asks for, send their results back, until it answers.

        ``tools`` are functions, ``(Tool or tool dict, function)`` pairs, or a mapping of name -> function.
        ``chat_options`` are those of :meth:`chat` (``think``, ``format``, ``options``, ``keep_alive`` ...),
        sent with every round. Returns a ``ToolRun``, or with ``stream=True`` an ``AsyncToolRunStream`` of
        chunks and tool events. Each call's arguments are checked against the tool's schema first; a call that
        fails is reported to the model as its result (``on_error='raise'``: raises ``ToolCallError``). With
        ``Client``, the calls of one reply run at once, each in a worker thread; with ``parallel=False`` one by
        one in the calling thread. With ``AsyncClient``, tools may also be ``async def`` functions, and the
        calls of one reply run concurrently unless ``parallel=False``: coroutines in the event loop, plain
        functions in the loop's default executor. Raises ``MaxRoundsError`` when the model still asks for tools
        after ``max_rounds`` replies, ``RequestError`` for tools that cannot be run, ``TypeError`` for a
        function that cannot be described or an unknown chat option, and what :meth:`chat` raises.

        >>> (await client.run_tools('llama3.2', [{'role': 'user', 'content': 'Weather in Rome?'}], [get_weather])).final
        """
        from ._tool_runner_async import run_tools

        return await run_tools(self.chat, ...)

    async def embed(
        self,
        model: str = '',
        input: Union[str, Sequence[str]] = '',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> EmbedResponse:
        """Embed one text or a list of texts (``POST /api/embed``); ``r.embeddings[i]`` is input ``i``'s vector.

        >>> (await client.embed('all-minilm', ['one', 'two'])).embeddings
        """
        return await self._one(_api.embed(..., defaults=self._config.defaults))

    async def embeddings(
        self,
        model: str = '',
        prompt: Optional[str] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
    ) -> EmbeddingsResponse:
        """The legacy single-text embedding (``POST /api/embeddings``); prefer :meth:`embed`."""
        return await self._one(_api.embeddings(..., defaults=self._config.defaults))

    # --- work over many inputs: the batch runners (_batch_sync, _batch_async) sit above the client ---

    async def embed_many(
        self,
        model: str,
        inputs: Iterable[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> EmbedManyResponse:
        """Embed many texts: ``r.embeddings[i]`` is ``inputs[i]``'s vector, the counters summed over the requests.

        ``inputs`` go ``batch_size`` to a request, at most ``concurrency`` requests at once (default: 2 per
        server), on a bounded thread pool (``Client``) or as tasks (``AsyncClient``) sharing this client's
        connections; an iterator is read as the work goes, never listed. A batch refused for one input (longer
        than the context with ``truncate=False``) is split until that input is alone, and only it fails:
        ``on_error='raise'`` raises ``BatchItemError`` naming its index, ``'return'`` puts the exception in its
        slot. ``progress(done, total)`` hears of each batch. Busy replies (503) are retried by the client's
        policy and then halve the requests in flight. Raises ``RequestError`` for bad arguments, and what
        :meth:`embed` raises.

        >>> (await client.embed_many('all-minilm', (line for line in open('corpus.txt')))).embeddings[0]
        """
        from ._batch_async import embed_many

        return await embed_many(self, ...)

    async def iter_embed_many(
        self,
        model: str,
        inputs: Iterable[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        truncate: Optional[bool] = None,
        options: Optional[OptionsLike] = None,
        keep_alive: Optional[KeepAlive] = None,
        dimensions: Optional[int] = None,
    ) -> AsyncBatchResults[Union[List[float], BaseException]]:
        """:meth:`embed_many`, one embedding at a time in input order as the batches come back: for writing out
        as you go (``AsyncClient``: await it for the async iterator). At most ``concurrency * batch_size`` inputs
        are held at once. Closing the iterator early (``close()``, ``aclose()``) sends no more: ``Client`` waits
        for the requests in flight, ``AsyncClient`` cancels them.

        >>> async for vector in await client.iter_embed_many('all-minilm', texts): store(vector)
        """
        from ._batch_async import iter_embed_many

        return iter_embed_many(self, ...)

    @overload
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **chat_options: Any,
    ) -> List[ChatResponse]: ...
    @overload
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **chat_options: Any,
    ) -> List[Union[ChatResponse, BaseException]]: ...
    @overload
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> List[Union[ChatResponse, BaseException]]: ...
    async def chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> Union[List[ChatResponse], List[Union[ChatResponse, BaseException]]]:
        """One :meth:`chat` per conversation, at most ``concurrency`` at once; the replies in input order.

        ``chat_options`` are :meth:`chat`'s (``tools``, ``format``, ``think``, ``options`` ...), sent with every
        conversation. Errors, progress and busy servers as in :meth:`embed_many`. Raises ``TypeError`` for an
        unknown option, ``RequestError`` for bad arguments, and what :meth:`chat` raises.

        >>> replies = await client.chat_many('llama3.2', [[{'role': 'user', 'content': q}] for q in questions])
        """
        from ._batch_async import collect, iter_many

        return await collect(iter_many(self, 'chat', ...))

    @overload
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **chat_options: Any,
    ) -> AsyncBatchResults[ChatResponse]: ...
    @overload
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **chat_options: Any,
    ) -> AsyncBatchResults[Union[ChatResponse, BaseException]]: ...
    @overload
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> AsyncBatchResults[Union[ChatResponse, BaseException]]: ...
    async def iter_chat_many(
        self,
        model: str,
        conversations: Iterable[Sequence[MessageLike]],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **chat_options: Any,
    ) -> AsyncBatchResults[Union[ChatResponse, BaseException]]:
        """:meth:`chat_many`, one reply at a time in input order, as they come."""
        from ._batch_async import iter_many

        return iter_many(self, 'chat', ...)

    @overload
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **generate_options: Any,
    ) -> List[GenerateResponse]: ...
    @overload
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **generate_options: Any,
    ) -> List[Union[GenerateResponse, BaseException]]: ...
    @overload
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> List[Union[GenerateResponse, BaseException]]: ...
    async def generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> Union[List[GenerateResponse], List[Union[GenerateResponse, BaseException]]]:
        """One :meth:`generate` per prompt, at most ``concurrency`` at once; the replies in input order.

        ``generate_options`` are :meth:`generate`'s (``system``, ``format``, ``think``, ``options`` ...). Errors,
        progress and busy servers as in :meth:`embed_many`; raises as :meth:`chat_many` does.

        >>> [r.response for r in await client.generate_many('llama3.2', ['Why is the sky blue?', 'Why?'])]
        """
        from ._batch_async import collect, iter_many

        return await collect(iter_many(self, 'generate', ...))

    @overload
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['raise'] = 'raise',
        **generate_options: Any,
    ) -> AsyncBatchResults[GenerateResponse]: ...
    @overload
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: Literal['return'],
        **generate_options: Any,
    ) -> AsyncBatchResults[Union[GenerateResponse, BaseException]]: ...
    @overload
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> AsyncBatchResults[Union[GenerateResponse, BaseException]]: ...
    async def iter_generate_many(
        self,
        model: str,
        prompts: Iterable[str],
        *,
        concurrency: Optional[int] = None,
        progress: Optional[Progress] = None,
        on_error: BatchOnError = 'raise',
        **generate_options: Any,
    ) -> AsyncBatchResults[Union[GenerateResponse, BaseException]]:
        """:meth:`generate_many`, one reply at a time in input order, as they come."""
        from ._batch_async import iter_many

        return iter_many(self, 'generate', ...)

    async def pull(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]:
        """Download a model (``POST /api/pull``); with ``stream=True``, progress lines as they come.

        >>> async for p in await client.pull('llama3.2', stream=True): print(p.status, p.completed, p.total)
        """
        return await self._many(_api.pull(...))

    async def pull_all(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[Dict[str, ProgressResponse], AsyncIterator[ProgressResponse]]:
        """Pull ``model`` to every host of a client with several (``hosts=``), one after the other: a dict of
        each host's last progress line by host URL, or with ``stream=True`` every host's progress lines in
        turn, each telling its host (``ollama_lite.host_of(line)``). Raises as ``pull`` does, at the first host
        that fails; the hosts before it keep the model. With one host, that host.

        >>> await client.pull_all('llama3.2')
        """
        views = self._each_host()
        if stream:
            return self._pull_each(views, model, insecure)
        done: Dict[str, ProgressResponse] = {}
        for view in views:
            reply = await view.pull(model, insecure=insecure)
            mark(reply, view.config.base_url)
            done[view.config.base_url] = reply
        return done

    async def push(
        self, model: str, *, insecure: bool = False, stream: bool = False
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]:
        """Upload a model to a registry (``POST /api/push``); with ``stream=True``, progress lines."""
        return await self._many(_api.push(...))

    async def create(
        self,
        model: str,
        quantize: Optional[str] = None,
        from_: Optional[str] = None,
        files: Optional[Dict[str, str]] = None,
        adapters: Optional[Dict[str, str]] = None,
        template: Optional[str] = None,
        license: Union[str, List[str], None] = None,
        system: Optional[str] = None,
        parameters: Optional[OptionsLike] = None,
        messages: Optional[Sequence[MessageLike]] = None,
        *,
        stream: bool = False,
        renderer: Optional[str] = None,
        parser: Optional[str] = None,
        draft_files: Optional[Dict[str, str]] = None,
        draft_quantize: Optional[str] = None,
        remote_host: Optional[str] = None,
        requires: Optional[str] = None,
        info: Optional[Mapping[str, Any]] = None,
    ) -> Union[ProgressResponse, AsyncStream[ProgressResponse]]:
        """Create a model from another (``from_``) or from uploaded blobs (``files``) (``POST /api/create``).

        >>> await client.create('mario', from_='llama3.2', system='You are Mario.')
        """
        return await self._many(_api.create(...))

    async def create_blob(
        self, path: Union[str, os.PathLike[str]], *, progress: Optional[Callable[[int, int], None]] = None
    ) -> str:
        """Upload a file as a blob unless the server has it already; return its ``sha256:<hex>`` digest.

        A ``HEAD`` asks first; any answer but 200 (404, a proxy's 405) leads to the upload.

        The file is hashed and uploaded piece by piece, never read whole into memory (``AsyncClient`` reads the
        disk in a worker thread, so the event loop keeps running); ``progress``, if given, is called with the
        bytes sent so far and the file's size as the upload goes (not at all when the server has the blob).
        Raises ``FileNotFoundError`` for a missing file and ``ResponseError`` when the server refuses it.

        >>> await client.create_blob('model.gguf', progress=lambda sent, size: print(f'{sent}/{size}'))
        """
        return await self._create_blob(path, progress)

    async def delete(self, model: str) -> StatusResponse:
        """Delete a model (``DELETE /api/delete``); ``status`` is ``'success'``, else ``ResponseError``."""
        return await self._one(_api.delete(...))

    async def copy(self, source: str, destination: str) -> StatusResponse:
        """Copy a model under a new name (``POST /api/copy``)."""
        return await self._one(_api.copy(...))

    async def list(self) -> ListResponse:
        """The models available locally (``GET /api/tags``)."""
        return await self._one(_api.list_models())

    async def show(
        self,
        model: str,
        *,
        verbose: Optional[bool] = None,
        system: Optional[str] = None,
        options: Optional[OptionsLike] = None,
    ) -> ShowResponse:
        """Details of a model: template, parameters, capabilities, model info (``POST /api/show``).

        ``system`` and ``options`` show the model as a request with them would run it (its Modelfile and
        parameters with them applied). Raises ``ResponseError`` (404) for a model that is not installed.
        """
        return await self._one(_api.show(...))

    async def ps(self) -> ProcessResponse:
        """The models loaded in memory now (``GET /api/ps``)."""
        return await self._one(_api.ps())

    async def load(self, model: str, *, keep_alive: Optional[KeepAlive] = None) -> GenerateResponse:
        """Load ``model`` into memory now, so the first real request does not wait for it (``POST /api/generate``
        with no prompt); it stays for ``keep_alive`` (seconds, ``'10m'``, ``-1`` for ever; else the client's
        ``keep_alive``, else the server's 5 minutes). The reply has ``done_reason == 'load'``.

        Raises ``ResponseError`` (404) for a model that is not installed.

        >>> await client.load('llama3.2', keep_alive='1h')
        """
        return await self._one(_api.load(..., defaults=self._config.defaults))

    async def unload(self, model: str) -> None:
        """Take ``model`` out of memory now, as ``ollama stop`` does: it asks ``show`` first, then sends a generate
        request with no prompt and ``keep_alive`` ``"0s"``; a cloud model (one ``show`` names a remote host
        for, or a ``:cloud`` name) is left alone. Unloading a model that is not loaded is harmless.

        Raises ``ResponseError`` (404) for a model that is not installed.

        >>> await client.unload('llama3.2')
        """
        if not _api.runs_remotely(model, await self._one(_api.show(model))):
            await self._one(_api.unload(model))

    async def ensure_model(
        self, model: str, *, pull: bool = True, progress: Optional[Callable[[ProgressResponse], None]] = None
    ) -> ShowResponse:
        """Make sure the server has ``model``: ``show`` it, and only when the server answers that it does not
        have it, pull it (``progress``, if given, is called with each progress update of the pull). Returns what
        ``show`` says of the model.

        With ``pull=False`` nothing is ever pulled: a missing model raises the server's ``ResponseError``
        (404, "model 'x' not found"). Raises what :meth:`pull` raises when the pull fails.

        >>> (await client.ensure_model('llama3.2', progress=lambda p: print(p.status))).context_length
        """
        try:
            return await self._one(_api.show(model))
        except ResponseError as error:
            if not pull or not _api.model_missing(error):
                raise
        if progress is None:
            await self._one(_api.pull(model))
        else:
            async with await self.pull(model, stream=True) as updates:
                async for update in updates:
                    progress(update)
        return await self._one(_api.show(model))

    async def version(self) -> VersionResponse:
        """The server's version (``GET /api/version``)."""
        return await self._one(_api.version())

    async def web_search(self, query: str, max_results: int = 3) -> WebSearchResponse:
        """Search the web through ollama.com; needs ``OLLAMA_API_KEY``, which goes only to ollama.com.

        Without a key raises ``RequestError`` (a ``ValueError``) with the official client's message, before
        anything is sent.
        """
        return await self._one(_api.web_search(self._config, ...))

    async def web_fetch(self, url: str) -> WebFetchResponse:
        """Fetch a web page through ollama.com; needs ``OLLAMA_API_KEY``, which goes only to ollama.com.

        Without a key raises ``RequestError`` (a ``ValueError``) with the official client's message, before
        anything is sent.
        """
        return await self._one(_api.web_fetch(self._config, ...))

    # --- today's server: status, account, the web search relay, liveness --------------------------------

    async def status(self) -> ServerStatusResponse:
        """Whether the server's cloud features are on, and if off, what turned them off (``GET /api/status``).

        >>> (await client.status()).cloud.disabled
        """
        return await self._one(_api.status())

    async def whoami(self) -> UserResponse:
        """The ollama.com account the server is signed in as (``POST /api/me``).

        Raises ``ResponseError`` with status 401 and ``signin_url`` (where to sign the server in) when it is
        signed out, 503 when ollama.com cannot say.
        """
        return await self._one(_api.whoami())

    async def signout(self) -> StatusResponse:
        """Sign the server out of ollama.com (``POST /api/signout``); ``status`` is ``'success'``.

        Raises ``ResponseError`` (401 "you are not currently signed in") when it was not signed in.
        """
        return await self._one(_api.signout())

    async def server_web_search(self, query: str, max_results: int = 3) -> WebSearchResponse:
        """Search the web through the Ollama server's relay (``POST /api/experimental/web_search``).

        The server signs the call to ollama.com with its own sign-in: no API key is needed here, and
        ``OLLAMA_API_KEY`` is not sent. Unlike :meth:`web_search`, which calls ollama.com directly with the key.
        Raises ``ResponseError`` 401 (with ``signin_url``) when the server is signed out, 403 when its cloud
        features are disabled, ``RequestError`` for an empty query or ``max_results`` outside 1 to 10.
        """
        return await self._one(_api.server_web_search(...))

    async def server_web_fetch(self, url: str) -> WebFetchResponse:
        """Fetch a web page through the Ollama server's relay (``POST /api/experimental/web_fetch``).

        As :meth:`server_web_search`: no API key, the server signs the call; raises the same errors.
        """
        return await self._one(_api.server_web_fetch(...))

    async def model_recommendations(self) -> ModelRecommendationsResponse:
        """Models the server recommends (``GET /api/experimental/model-recommendations``)."""
        return await self._one(_api.model_recommendations())

    async def heartbeat(self) -> str:
        """``GET /``: the server's liveness text, ``'Ollama is running'``.

        Asked once, without retries. Raises ``ConnectError`` when nothing answers and ``ResponseError`` for a
        failure status; see :meth:`is_running` for a yes-or-no answer.
        """
        url = self._config.url(_api.ROOT_PATH)
        status, body = await self._ask_within(
            'GET', url, repeatable=_api.LIVENESS_REPEATABLE, retry=_api.LIVENESS_RETRY
        )
        return _api.check_alive(status, body)

    async def is_running(self) -> bool:
        """Whether Ollama answers at the host: ``HEAD /api/version``, the cheapest request it serves.

        True for a 200; False when the server cannot be reached or answers otherwise. Never raises for
        either, and asks once: no retries, so a refused connection answers False at once.
        """
        url = self._config.url(_api.VERSION_PATH)
        try:
            status, _ = await self._ask_within(
                'HEAD', url, repeatable=_api.LIVENESS_REPEATABLE, retry=_api.LIVENESS_RETRY
            )
        except (ConnectError, ProtocolError, RequestTimeout):
            return False
        return status == 200

    async def blob_exists(self, digest: str) -> bool:
        """Whether the server holds the blob ``digest`` (``'sha256:<hex>'``) (``HEAD /api/blobs/<digest>``).

        Raises ``RequestError`` for a digest not of that form and ``ResponseError`` when the server refuses.
        """
        url = self._config.url(_api.blob_path(_api.need_digest(digest)))
        return _api.blob_exists_reply(*await self._ask_within('HEAD', url, repeatable=_api.BLOB_REPEATABLE))
