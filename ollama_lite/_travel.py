"""Clients that travel to other processes (multiprocessing, Dask, Ray): what a pickled client carries.

A client pickles as the arguments it was made with, its host resolved: the copy is made afresh from them where
it is unpickled and opens its own session and connections on first use. Sessions, pools and open streams never
travel; ``OLLAMA_API_KEY`` is not written into the pickle but read again where the copy is made, as ``host=None``
would not be (the host goes resolved, so every copy talks to the same server). A client made with a session of
the caller's cannot travel: that session is the caller's to configure and close, and its sockets belong here.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, NoReturn, Optional, Tuple, TypeVar

__all__ = ['Arguments', 'arguments', 'rebuild', 'reduce', 'refuse', 'shallow_copy']

C = TypeVar('C')


class Arguments:
    """The constructor's arguments a copy is made from; never shown, for they may hold credentials (an
    Authorization header, ``auth=``), which a client's ``repr``, ``vars`` and logs must not reveal."""

    __slots__ = ('given',)

    def __init__(self, given: Dict[str, Any]) -> None:
        self.given = given

    def __repr__(self) -> str:
        return '<the arguments the client was made with, not shown>'


def arguments(session: Any, **given: Any) -> Optional[Arguments]:
    """What a client's copy is made from: ``given`` (the constructor's arguments, the host resolved), or ``None``
    for a client on a caller's session."""
    if session is not None:
        return None
    # Copies of the mappings (headers, proxies, each host's own): what the caller changes later is not this
    # client's configuration.
    return Arguments({k: _copied(v) for k, v in given.items()})


def _copied(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, tuple):  # (connect, read) timeouts and auth pairs stay tuples
        return tuple(_copied(item) for item in value)
    return value


def rebuild(cls: Any, given: Dict[str, Any]) -> Any:
    """Make the copy of a pickled client (the function pickle calls; see :func:`reduce`)."""
    return cls(**given)


def refuse(name: str) -> NoReturn:
    raise TypeError(
        f'a {name} made with session= cannot be pickled: the session is yours (its settings, its connections, '
        f'when it closes), and its connections cannot travel to another process. Pickle a {name} made without '
        'session=, which opens its own session on first use where it lands, or make the client in the worker'
    )


def reduce(client: Any, given: Optional[Arguments]) -> Tuple[Any, Tuple[Any, Dict[str, Any]]]:
    """``client.__reduce__()``: rebuilt from its arguments, or refused on a caller's session."""
    if given is None:
        refuse(type(client).__name__)
    return rebuild, (type(client), given.given)


def shallow_copy(client: C) -> C:
    """What ``copy.copy`` of a client is: the same object state, shared (only pickling rebuilds a client)."""
    copied = object.__new__(type(client))
    copied.__dict__.update(client.__dict__)
    return copied
