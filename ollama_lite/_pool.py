"""Routing over several Ollama servers, decided here once for both clients, with no I/O.

The transports ask a :class:`Pool` where to send a request (:meth:`Route.enter`), move the bytes, and tell
it what happened (:meth:`Route.failed`, :meth:`Route.answered`, :meth:`Route.finish`); when a host's
knowledge of its models is stale the pool says so (:meth:`Pool.due_refreshes`) and the transports fetch
``/api/ps`` and ``/api/tags`` for it. Time comes from a clock passed in, so every rule is a unit test.

The policy, in the order it is applied to a request for model M:

1. Hosts cooling down are skipped; a host whose cooldown has passed takes one request as its probe.
2. Model-aware: hosts known to lack M are skipped while another host has it; among the rest, a host with
   M loaded (``/api/ps``) comes before one that has it installed (``/api/tags``), before one not yet asked.
3. Affinity: a conversation goes back to the host that served it (an explicit key waits for that host
   while it is healthy; the default key, a hash of the conversation's leading messages, only prefers it).
4. Slots: at most ``per_host`` requests in flight per host (half that for a while after a 503); over that,
   callers wait in one first-come first-served queue.
5. Least in flight among equals; the host picked longest ago breaks a tie.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import time
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Deque,
    FrozenSet,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from ._config import ClientConfig, Defaults, Retry, _check_headers, basic_authorization, parse_host
from ._errors import ConnectError, PoolTimeout, RequestError, RequestTimeout, ResponseError

__all__ = [
    'DEFAULT_PER_HOST',
    'HostSpec',
    'HostStatus',
    'Pool',
    'Route',
    'Ticket',
    'WRITES',
    'configure',
    'conversation_key',
    'host_specs',
    'model_key',
]

#: Ollama's own default for ``OLLAMA_NUM_PARALLEL`` (envconfig: ``Uint("OLLAMA_NUM_PARALLEL", 1)``): one
#: request per loaded model at a time; more wait in the server's queue.
DEFAULT_PER_HOST = 1
#: How long a caller waits for a free slot before ``PoolTimeout``, by default.
DEFAULT_QUEUE_TIMEOUT = 300.0
#: The first cooldown of a host that refused or timed out, doubled at each failure in a row up to the cap.
COOLDOWN = 1.0
MAX_COOLDOWN = 60.0
#: How long a host that answered 503 (or 429) takes half its share of requests.
BUSY_SECONDS = 10.0
#: A host's models are asked again after this long; after a reply that loaded a model, after REFRESH_GAP.
REFRESH_EVERY = 30.0
REFRESH_GAP = 1.0
#: Conversations remembered for affinity (least recently used forgotten first).
_AFFINITY_MAX = 4096

#: Calls that change one server's models or its sign-in: sent to the host the caller names, never to "some" host.
WRITES = frozenset({'pull', 'push', 'create', 'copy', 'delete', 'signout'})
#: Calls that hold one of a server's parallel slots while they run; the rest (reads Ollama answers at once,
#: outside its scheduler) only avoid hosts that are down.
SLOTTED = frozenset({'generate', 'chat', 'embed', 'embeddings'})
#: Calls every host answers for itself; the client asks each and merges the answers.
MERGED = frozenset({'list', 'ps'})

HostLike = Union[str, Mapping[str, Any]]
#: What went wrong with a host: ``refused`` the request was never sent (refused, DNS, connect timeout);
#: ``timeout`` it was sent and no reply came in time; ``lost`` the connection closed without a reply.
Failure = Literal['refused', 'timeout', 'lost']


@dataclass(frozen=True)
class HostSpec:
    """One host of a pool as the caller gave it: its base URL and the headers only it gets."""

    base_url: str
    headers: Mapping[str, str]


def host_specs(hosts: Sequence[HostLike]) -> Tuple[HostSpec, ...]:
    """Normalise ``hosts=``: each a host string (as ``host=`` takes it) or a mapping with ``host`` and
    optionally ``headers`` (a mapping) and ``auth`` (a ``(user, password)`` pair, sent as Basic auth to
    that host only). Raises ``RequestError`` naming the entry that is wrong."""
    if isinstance(hosts, (str, bytes)) or not isinstance(hosts, Sequence):
        raise RequestError(f'hosts= must be a list of hosts, not {type(hosts).__name__}; for one host use host=')
    if not hosts:
        raise RequestError('hosts= is empty; give at least one host')
    specs: List[HostSpec] = []
    for i, entry in enumerate(hosts):
        where = f'hosts[{i}]'
        if isinstance(entry, str):
            url, headers = entry, {}
        elif isinstance(entry, Mapping):
            unknown = set(entry) - {'host', 'headers', 'auth'}
            if unknown or not isinstance(entry.get('host'), str):
                raise RequestError(
                    f"{where} must be a host string or a mapping with 'host' (a string) and optionally "
                    f"'headers' and 'auth'; got keys {sorted(map(str, entry))}"
                )
            url = entry['host']
            headers = {str(k).lower(): v for k, v in dict(entry.get('headers') or {}).items() if v is not None}
            auth = entry.get('auth')
            if auth is not None:
                if not (isinstance(auth, (tuple, list)) and len(auth) == 2 and all(isinstance(a, str) for a in auth)):
                    raise RequestError(f'{where}: auth must be a (user, password) pair of strings')
                headers['authorization'] = basic_authorization(auth[0], auth[1])
            _check_headers(headers, f'{where} headers')
        else:
            raise RequestError(f'{where} must be a host string or a mapping, not {type(entry).__name__}')
        try:
            base = parse_host(url)
        except ValueError as exc:
            raise RequestError(f'{where}: {exc}') from None
        if any(s.base_url == base for s in specs):
            raise RequestError(f'{where}: {base} is given twice')
        specs.append(HostSpec(base, headers))
    return tuple(specs)


def configure(
    host: Optional[str],
    hosts: Optional[Sequence[HostLike]],
    headers: Optional[Mapping[str, str]],
    timeout: Any,
    retries: Union[int, Retry],
    follow_redirects: bool,
    *,
    strict_streams: bool,
    max_reply_bytes: Optional[int],
    per_host: int,
    queue_timeout: Optional[float],
    defaults: Optional[Defaults] = None,
) -> Tuple[Tuple[ClientConfig, ...], Optional[Pool]]:
    """The constructor's policy for where requests go: one configuration per host (its own headers over the
    client's, its path prefix), and for several hosts the :class:`Pool` that routes between them. One host in
    ``hosts=`` is ``host=`` exactly: no pool. Raises ``RequestError`` for both ``host`` and ``hosts``, a bad
    host list, or bad ``per_host``/``queue_timeout``."""
    _check_pool_options(per_host, queue_timeout)

    def build(base: Optional[str], own: Optional[Mapping[str, str]] = None) -> ClientConfig:
        merged = headers if own is None else {**(headers or {}), **own}
        return ClientConfig.build(
            base,
            merged,
            timeout,
            retries,
            follow_redirects,
            strict_streams=strict_streams,
            max_reply_bytes=max_reply_bytes,
            defaults=defaults,
        )

    if hosts is None:
        return (build(host),), None
    specs = host_specs(hosts)
    if host is not None:
        raise RequestError('give host= for one server or hosts= for several, not both')
    configs = tuple(build(spec.base_url, spec.headers) for spec in specs)
    if len(specs) == 1:
        return configs, None
    return configs, Pool(specs, per_host=per_host, queue_timeout=queue_timeout)


def _check_pool_options(per_host: Any, queue_timeout: Any) -> None:
    if isinstance(per_host, bool) or not isinstance(per_host, int) or per_host < 1:
        raise RequestError(f'per_host must be a whole number >= 1, not {per_host!r}')
    if queue_timeout is not None and (
        isinstance(queue_timeout, bool) or not isinstance(queue_timeout, (int, float)) or not queue_timeout > 0
    ):
        raise RequestError(f'queue_timeout must be a positive number of seconds or None, not {queue_timeout!r}')


def model_key(name: str) -> str:
    """A model name as the server matches it: ``llama3.2`` is ``llama3.2:latest``."""
    name = name.strip()
    return name if ':' in name.rsplit('/', 1)[-1] else f'{name}:latest'


def conversation_key(lead: Any) -> Optional[str]:
    """The default affinity key of a call: a hash of the conversation's leading messages (the system
    messages and the first user message, which every later turn repeats), or of a generation's system
    prompt and the start of its prompt. ``None`` when there is nothing to hash."""
    if lead is None:
        return None
    h = hashlib.blake2b(digest_size=8)
    if isinstance(lead, tuple):  # generate: (system, prompt)
        system, prompt = lead
        if not (system or prompt):
            return None
        h.update(f'{system or ""}\0{(prompt or "")[:512]}'.encode('utf-8', 'replace'))
        return h.hexdigest()
    seen = False
    for message in lead:
        role = getattr(message, 'role', None)
        h.update(f'{role}\0{getattr(message, "content", None) or ""}\0'.encode('utf-8', 'replace'))
        seen = True
        if role == 'user':
            break
    return h.hexdigest() if seen else None


@dataclass(frozen=True)
class HostStatus:
    """One host of a pool as the client sees it now (``client.hosts``).

    ``healthy`` is false while it cools down after a refused connection or a timeout, for ``cooling_for``
    more seconds (then the next request to it is its probe); ``failures`` counts those in a row.
    ``busy_for``: seconds it still takes half its share after a 503. ``in_flight`` requests out of
    ``slots``; ``waiting``, callers queued for the whole pool. ``loaded`` (``/api/ps``) and ``models``
    (``/api/tags``) as last heard, ``None`` before the first answer.
    """

    url: str
    healthy: bool
    cooling_for: float
    failures: int
    busy_for: float
    in_flight: int
    slots: int
    waiting: int
    loaded: Optional[Tuple[str, ...]]
    models: Optional[Tuple[str, ...]]


class _Host:
    __slots__ = (
        'available',
        'busy_until',
        'cool_until',
        'failures',
        'in_flight',
        'index',
        'inventory_at',
        'lacks',
        'loaded',
        'picked',
        'probing',
        'refreshing',
        'spec',
        'stale',
    )

    def __init__(self, index: int, spec: HostSpec) -> None:
        self.index = index
        self.spec = spec
        self.in_flight = 0
        self.failures = 0
        self.cool_until: Optional[float] = None
        self.probing = False
        self.busy_until = 0.0
        self.loaded: Optional[FrozenSet[str]] = None
        self.available: Optional[FrozenSet[str]] = None
        #: Models it answered 404 for since it was last asked.
        self.lacks: Set[str] = set()
        self.inventory_at: Optional[float] = None
        self.stale = False
        self.refreshing = False
        self.picked = 0


class Ticket:
    """One request's place in the pool: waiting (``host`` is None), placed on ``host``, or refused with
    ``failure`` (every host it may use is cooling down). ``waker`` belongs to the transport."""

    __slots__ = ('_done', 'affinity', 'exclude', 'failure', 'host', 'model', 'slotted', 'strong', 'waker')

    def __init__(
        self, model: Optional[str], affinity: Optional[str], strong: bool, exclude: FrozenSet[int], slotted: bool
    ) -> None:
        self.model = model
        self.slotted = slotted
        self.affinity = affinity
        self.strong = strong
        self.exclude = exclude
        self.host: Optional[int] = None
        self.failure: Optional[str] = None
        self.waker: Any = None
        self._done = False

    @property
    def waiting(self) -> bool:
        return self.host is None and self.failure is None


_WAIT = object()


class Pool:
    """The routing state of a client's hosts; see the module docstring for the policy.

    Not thread-safe by itself: the sync client calls it under a lock, the async client from its loop.
    """

    def __init__(
        self,
        specs: Sequence[HostSpec],
        *,
        per_host: int = DEFAULT_PER_HOST,
        queue_timeout: Optional[float] = DEFAULT_QUEUE_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
        cooldown: float = COOLDOWN,
        max_cooldown: float = MAX_COOLDOWN,
        busy_seconds: float = BUSY_SECONDS,
        refresh_every: float = REFRESH_EVERY,
        refresh_gap: float = REFRESH_GAP,
    ) -> None:
        _check_pool_options(per_host, queue_timeout)
        self.specs = tuple(specs)
        self.per_host = per_host
        self.queue_timeout = None if queue_timeout is None else float(queue_timeout)
        self._clock = clock
        self._cooldown = cooldown
        self._max_cooldown = max_cooldown
        self._busy_seconds = busy_seconds
        self._refresh_every = refresh_every
        self._refresh_gap = refresh_gap
        self._hosts = [_Host(i, spec) for i, spec in enumerate(self.specs)]
        self._queue: Deque[Ticket] = collections.deque()
        self._affinity: collections.OrderedDict[str, int] = collections.OrderedDict()
        self._picks = 0

    # --- what the transports ask ---------------------------------------------------------------------

    def route(
        self, model: Optional[str] = None, affinity: Optional[str] = None, *, strong: bool = False, slotted: bool = True
    ) -> Route:
        """A new request's walk over the hosts, for ``model`` (None: any host serves it). ``affinity`` keys
        the conversation (``strong``: the caller named it); ``slotted`` requests count against ``per_host``."""
        return Route(self, None if not model else model_key(model), affinity, strong, slotted)

    def route_for(self, name: str, model: Optional[str], lead: Any, affinity: Optional[str]) -> Route:
        """The route of a call to the endpoint ``name``: a caller's ``affinity`` key is held to, else the
        conversation's own key is preferred. Raises ``RequestError`` for a write, which has no "any host"."""
        if name in WRITES:
            raise RequestError(
                f'{name} changes the models of one server; with several hosts name it: '
                f"client.host('http://...').{name}(...)"
                + (', or client.pull_all(...) for every host' if name == 'pull' else '')
            )
        slotted = name in SLOTTED
        if affinity is not None:
            return self.route(model, affinity, strong=True, slotted=slotted)
        return self.route(model, conversation_key(lead) if slotted else None, slotted=slotted)

    def no_host(self, route: Route) -> ConnectError:
        """The error for a request no host may take: each host and why."""
        now = self._clock()
        why = []
        for h in self._hosts:
            if h.cool_until is not None and h.cool_until > now:
                why.append(
                    f'{h.spec.base_url} (cooling down {h.cool_until - now:.1f} s more after {h.failures} failure(s))'
                )
            elif h.index in route.tried:
                why.append(f'{h.spec.base_url} (failed this request)')
            else:
                why.append(f'{h.spec.base_url} (its probe is under way)')
        return ConnectError('no Ollama host can take the request: ' + '; '.join(why))

    def queue_full(self, waited: float) -> PoolTimeout:
        """The error for a caller that waited ``waited`` seconds for a slot without getting one."""
        return PoolTimeout(
            f'no Ollama host had a free slot within {waited:g} s ({len(self.specs)} hosts, per_host={self.per_host}, '
            f'{len(self._queue)} callers waiting); raise per_host= if the servers run more requests at once '
            '(OLLAMA_NUM_PARALLEL), or queue_timeout= to wait longer'
        )

    def capacity(self) -> int:
        """How many requests the pool runs at once now: the slots of the hosts not cooling down (at least
        one, so a caller sizing its concurrency by it always makes progress)."""
        now = self._clock()
        return max(1, sum(self._slots(h, now) for h in self._hosts if not self._cooling(h, now)))

    def status(self) -> Tuple[HostStatus, ...]:
        """Each host's state now, in the order given."""
        now = self._clock()
        return tuple(
            HostStatus(
                url=h.spec.base_url,
                healthy=h.cool_until is None,
                cooling_for=max(0.0, h.cool_until - now) if h.cool_until is not None else 0.0,
                failures=h.failures,
                busy_for=max(0.0, h.busy_until - now),
                in_flight=h.in_flight,
                slots=self._slots(h, now),
                waiting=len(self._queue),
                loaded=None if h.loaded is None else tuple(sorted(h.loaded)),
                models=None if h.available is None else tuple(sorted(h.available)),
            )
            for h in self._hosts
        )

    def index_of(self, url: str) -> int:
        """The index of the host whose base URL is ``url`` (normalised as ``host=`` is); ``RequestError``
        naming the pool's hosts when it is not one of them."""
        try:
            base = parse_host(url)
        except ValueError as exc:
            raise RequestError(str(exc)) from None
        for h in self._hosts:
            if h.spec.base_url == base:
                return h.index
        raise RequestError(f"{base} is not one of this client's hosts: {', '.join(s.base_url for s in self.specs)}")

    def usable(self) -> List[int]:
        """The hosts not cooling down now (for a request every host answers: list, ps)."""
        now = self._clock()
        return [h.index for h in self._hosts if not self._cooling(h, now)]

    # --- model knowledge -----------------------------------------------------------------------------

    def due_refreshes(self) -> List[int]:
        """Hosts whose models should be asked now (``/api/ps`` and ``/api/tags``), marked as being asked:
        the caller answers each with :meth:`refreshed` or :meth:`refresh_failed`."""
        now = self._clock()
        due = []
        for h in self._hosts:
            if h.refreshing or h.cool_until is not None:
                continue  # a host that failed is asked nothing until a request (its probe) succeeds
            age = None if h.inventory_at is None else now - h.inventory_at
            if age is None or age >= self._refresh_every or (h.stale and age >= self._refresh_gap):
                h.refreshing = True
                due.append(h.index)
        return due

    def refreshed(self, index: int, loaded: Optional[Iterable[str]], available: Optional[Iterable[str]]) -> None:
        """What a host said it has: ``loaded`` from ``/api/ps``, ``available`` from ``/api/tags`` (either
        None when not asked)."""
        h = self._hosts[index]
        h.refreshing = False
        if loaded is not None:
            h.loaded = frozenset(model_key(n) for n in loaded)
        if available is not None:
            h.available = frozenset(model_key(n) for n in available)
            h.lacks.clear()
        if loaded is not None and available is not None:
            h.inventory_at = self._clock()
            h.stale = False
        self._healthy(h)

    def never_asked(self, index: int) -> bool:
        """Whether the pool has yet to hear from host ``index`` about its models."""
        return self._hosts[index].inventory_at is None

    def asking_first(self) -> bool:
        """Whether a host is being asked its models for the first time: a caller routing by model waits
        for that answer rather than guess (with the hosts' own answers a moment away)."""
        return any(h.refreshing and h.inventory_at is None for h in self._hosts)

    def refresh_failed(self, index: int, failure: Optional[Failure]) -> List[Ticket]:
        """Asking a host its models failed: with a ``failure`` it cools down; returns tickets that can
        now move (see :meth:`Route.finish`)."""
        h = self._hosts[index]
        h.refreshing = False
        h.inventory_at = self._clock()  # not asked again before the next period, even if it answered badly
        if failure in ('refused', 'timeout'):
            self._cool(h)
            return self._dispatch()
        return []

    # --- internals -----------------------------------------------------------------------------------

    def _cooling(self, h: _Host, now: float) -> bool:
        """Whether ``h`` takes no request now: cooling, or its cooldown over but its probe under way."""
        return h.cool_until is not None and (now < h.cool_until or h.probing)

    def _slots(self, h: _Host, now: float) -> int:
        if h.cool_until is not None:
            return 1  # its probe
        if now < h.busy_until:
            return max(1, self.per_host // 2)
        return self.per_host

    def _tier(self, h: _Host, model: Optional[str]) -> int:
        if model is None:
            return 0
        if model in h.lacks:
            return 3
        if h.loaded is not None and model in h.loaded:
            return 0
        if h.available is not None and model in h.available:
            return 1
        if h.available is None:
            return 2  # not asked yet
        return 3  # known to lack it

    def _choose(self, t: Ticket, now: float) -> Any:
        """The host for ``t`` now, ``_WAIT`` when every host it may use is full, ``None`` when none may
        be used (all cooling down or already tried)."""
        usable = [h for h in self._hosts if h.index not in t.exclude and not self._cooling(h, now)]
        if not usable:
            return None
        tiers = {h.index: self._tier(h, t.model) for h in usable}
        if any(tier < 3 for tier in tiers.values()):
            usable = [h for h in usable if tiers[h.index] < 3]
        remembered = self._affinity.get(t.affinity) if t.affinity is not None else None
        if t.strong and remembered is not None:
            for h in usable:
                if h.index == remembered:
                    return h if h.in_flight < self._slots(h, now) or not t.slotted else _WAIT
        free = [h for h in usable if h.in_flight < self._slots(h, now) or not t.slotted]
        if not free:
            return _WAIT
        best_tier = min(tiers[h.index] for h in free)
        if remembered is not None:
            for h in free:
                # Not a host that just said it is busy: its prompt cache is worth less than an answer.
                if h.index == remembered and tiers[h.index] == best_tier and now >= h.busy_until:
                    return h
        return min(free, key=lambda h: (tiers[h.index], now < h.busy_until, h.in_flight, h.picked))

    def _place(self, t: Ticket, h: _Host) -> None:
        self._picks += 1
        h.picked = self._picks
        if t.slotted:
            h.in_flight += 1
        if h.cool_until is not None:
            h.probing = True
        t.host = h.index
        if t.affinity is not None:
            self._affinity[t.affinity] = h.index
            self._affinity.move_to_end(t.affinity)
            if len(self._affinity) > _AFFINITY_MAX:
                self._affinity.popitem(last=False)

    def _dispatch(self) -> List[Ticket]:
        """Place waiting tickets in arrival order; each takes the best host free for it, so a later one
        only gets a host no earlier one could use. Returns the tickets placed or refused."""
        now = self._clock()
        moved: List[Ticket] = []
        if not self._queue:
            return moved
        free = self._any_free(now)
        for t in list(self._queue):
            if not free and t.slotted:
                break  # every host is full: nobody waiting can move (the common case under load)
            h = self._choose(t, now)
            if h is _WAIT:
                continue
            self._queue.remove(t)
            if h is None:
                t.failure = 'down'
            else:
                self._place(t, h)
                free = self._any_free(now)
            moved.append(t)
        return moved

    def _any_free(self, now: float) -> bool:
        """Whether a slotted caller may move now: a host has a free slot, or none is up (then each caller
        is refused at once rather than left waiting)."""
        up = [h for h in self._hosts if not self._cooling(h, now)]
        return not up or any(h.in_flight < self._slots(h, now) for h in up)

    def _enter(self, t: Ticket) -> List[Ticket]:
        # Through the whole queue in order: a slot that time freed (a cooldown or a 503's penalty ending)
        # goes to the oldest caller that can use it, not to the newcomer.
        self._queue.append(t)
        return self._dispatch()

    def _release(self, t: Ticket) -> Optional[_Host]:
        if t._done:
            return None
        t._done = True
        if t.host is None:
            if t in self._queue:
                self._queue.remove(t)
            return None
        h = self._hosts[t.host]
        if t.slotted:
            h.in_flight -= 1
        # A probe that ended without a word from the host proves nothing: the next request probes again.
        h.probing = False
        return h

    def _cool(self, h: _Host) -> None:
        now = self._clock()
        if h.cool_until is not None and now < h.cool_until:
            return  # a request placed before the first failure came back: the same outage, counted once
        h.failures += 1
        h.probing = False
        h.cool_until = now + min(self._max_cooldown, self._cooldown * 2.0 ** (h.failures - 1))

    def _healthy(self, h: _Host) -> None:
        h.failures = 0
        h.cool_until = None
        h.probing = False


class Route:
    """One request's walk over the pool: the hosts it tried, the one it holds now.

    ``enter`` asks for a host (a :class:`Ticket`, which may have to wait); ``answered`` and ``failed``
    say what the host did; ``finish`` gives the slot back once the reply is read. Each returns the
    tickets of other callers that can now move, for the transport to wake.
    """

    __slots__ = ('_pool', 'affinity', 'model', 'slotted', 'strong', 'ticket', 'tried')

    def __init__(self, pool: Pool, model: Optional[str], affinity: Optional[str], strong: bool, slotted: bool) -> None:
        self._pool = pool
        self.slotted = slotted
        self.model = model
        self.affinity = affinity
        self.strong = strong
        self.tried: Set[int] = set()
        self.ticket: Optional[Ticket] = None

    @property
    def host(self) -> Optional[int]:
        """The host this request holds now, if any."""
        return None if self.ticket is None else self.ticket.host

    def enter(self) -> List[Ticket]:
        """Ask for a host, skipping those this request already tried; :attr:`ticket` says whether it got
        one, must wait, or none may be used. Returns the other callers' tickets that moved meanwhile."""
        ticket = Ticket(self.model, self.affinity, self.strong, frozenset(self.tried), self.slotted)
        self.ticket = ticket
        moved = self._pool._enter(ticket)
        if ticket.host is not None:
            self.tried.add(ticket.host)
        return [t for t in moved if t is not ticket]

    def placed(self) -> None:
        """The ticket that waited has been placed: remember its host as tried."""
        if self.ticket is not None and self.ticket.host is not None:
            self.tried.add(self.ticket.host)

    def leave(self) -> List[Ticket]:
        """Give up waiting (the queue timeout or the caller's deadline passed, or the task was cancelled);
        a ticket placed meanwhile gives its slot back."""
        return self.finish()

    def answered(self, status: int) -> bool:
        """The host answered with ``status``: it is up; a 503 or 429 lowers its share for a while; a 502
        or 504 (a proxy's word for a server behind it that is down) cools it down; a success for a model
        means the model is loaded there now; a 404 for a model, that the host lacks it.

        Returns whether the request goes on to another host at once: a 404 for a model that another host
        may have (Ollama answers it before doing anything, so nothing is duplicated). The transport then
        closes the reply and asks :meth:`enter` again.
        """
        pool = self._pool
        if self.host is None:
            return False
        h = pool._hosts[self.host]
        if status in (502, 504):
            # A proxy in front of the host answers for it: the server behind is down or hung.
            pool._cool(h)
            return False
        pool._healthy(h)
        if status == 404 and self.model is not None:
            h.lacks.add(self.model)
            if h.loaded is not None:
                h.loaded = h.loaded - {self.model}
            others = [o for o in pool._hosts if o.index not in self.tried and pool._tier(o, self.model) < 3]
            return bool(others)
        if status in (429, 503):
            h.busy_until = pool._clock() + pool._busy_seconds
        elif status < 300 and self.model is not None:
            if h.loaded is None or self.model not in h.loaded:
                # Loading it may have unloaded others: ask again soon, not at once.
                h.stale = True
            h.loaded = (h.loaded or frozenset()) | {self.model}
            h.available = (h.available or frozenset()) | {self.model}
        return False

    def failed(self, failure: Failure, *, sent: bool, repeatable: bool) -> Tuple[bool, List[Ticket]]:
        """The host failed this request. A refused connection or a timeout cools it down. Returns whether
        the request goes on to another host (never sent, or sent but safe to repeat, and an untried host
        is left), and the tickets that can now move."""
        pool = self._pool
        held = pool._release(self.ticket) if self.ticket is not None else None
        if held is not None and failure in ('refused', 'timeout'):
            pool._cool(held)
        moved = pool._dispatch()
        again = (not sent or repeatable) and any(h.index not in self.tried for h in pool._hosts)
        if again:
            self.ticket = None
        return again, moved

    def broke(self) -> List[Ticket]:
        """The connection failed in the middle of the reply: the host cools down (a server that died
        midway is the usual cause); the request is not sent again. Returns the tickets that can now move."""
        pool = self._pool
        held = pool._release(self.ticket) if self.ticket is not None else None
        if held is not None:
            pool._cool(held)
        return pool._dispatch()

    def retry(self) -> List[Ticket]:
        """The request is sent again (after a 503, as the retry policy allows): give the slot back; the
        next :meth:`enter` may pick another host, this one counting less for a while."""
        moved = self.finish()
        self.tried.clear()
        self.ticket = None
        return moved

    def finish(self) -> List[Ticket]:
        """The reply is read (or the stream closed): give the slot back. Harmless twice."""
        pool = self._pool
        if self.ticket is None or pool._release(self.ticket) is None:
            if self.ticket is not None and self.ticket.host is None:
                return pool._dispatch()
            return []
        return pool._dispatch()


#: Where a reply keeps the host that answered it: an instance attribute, not a field, so ``model_dump()``,
#: ``dict(reply)`` and equality are what they are with one host.
_HOST_ATTRIBUTE = '_ollama_lite_host'


def mark(reply: Any, url: str) -> None:
    """Remember on ``reply`` (a reply, a stream chunk, a list or ps entry) which host it came from."""
    with contextlib.suppress(AttributeError):  # an object with __slots__ keeps no host
        setattr(reply, _HOST_ATTRIBUTE, url)


def host_of(reply: Any) -> Optional[str]:
    """The base URL of the host that answered ``reply``, for a client with several hosts (``hosts=``):
    a reply, a stream or one of its chunks, or one entry of a merged ``list()`` or ``ps()``. ``None``
    for what a single-host client returned (its host is ``client.config.base_url``).

    >>> ollama_lite.host_of(client.chat('llama3.2', messages))
    'http://127.0.0.1:11435'
    """
    value = getattr(reply, _HOST_ATTRIBUTE, None)
    return value if isinstance(value, str) else None


def failure_of(exc: BaseException) -> Optional[Failure]:
    """What a failed request to one host says about the host, from the error the client raised: ``None``
    when the host answered (a ``ResponseError`` but a proxy's 502 or 504, a reply not as expected)."""
    if isinstance(exc, ConnectError):
        return 'refused'
    if isinstance(exc, RequestTimeout):
        return 'timeout'
    if isinstance(exc, ResponseError) and exc.status_code in (502, 504):
        return 'refused'  # a proxy's word for a server behind it that is down or hung
    return None


#: How long asking a host its models (``/api/ps``, ``/api/tags``) may take before the host counts as down.
REFRESH_TIMEOUT = 5.0


def model_names(entries: Iterable[Any]) -> List[str]:
    """The model names of ``list()`` or ``ps()`` entries."""
    return [n for n in (getattr(e, 'model', None) or getattr(e, 'name', None) for e in entries) if isinstance(n, str)]


def heard(pool: Pool, index: int, endpoint: str, reply: Any, host: str) -> None:
    """The ``list`` or ``ps`` reply of host ``index`` to a merged call: each entry marked with its host, and the
    pool told what the host has installed or loaded."""
    for entry in reply.models:
        mark(entry, host)
    names = model_names(reply.models)
    pool.refreshed(index, names if endpoint == 'ps' else None, names if endpoint == 'list' else None)


def merged(pool: Pool, replies: List[Any], error: Optional[BaseException]) -> Any:
    """The replies of the hosts asked, as one (their entries in host order); with none, the last host's error,
    or the pool's when no host could be asked."""
    if not replies:
        raise error if error is not None else pool.no_host(pool.route())
    return type(replies[0])(models=[entry for reply in replies for entry in reply.models])
