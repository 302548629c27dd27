"""Clients that travel: pickled into worker processes (spawned, and a Dask cluster's), used there against the
emulator on 127.0.0.1, with the same results as in this process."""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import multiprocessing
import pickle
from typing import Any, List

import aiohttp
import pytest
import requests

from ollama_lite import AsyncClient, Client, Retry, Timeout
from ollama_lite.testing import EMULATED_VERSION, EmulatorURL
from ollama_lite.testing.pytest_plugin import ollama_emulator
from tests._loops import run_async

__all__ = ['ollama_emulator']

MODEL = 'nomic-embed-text'
TEXTS = [f'document {i}' for i in range(40)]
PARTS = [TEXTS[i : i + 10] for i in range(0, len(TEXTS), 10)]
WAIT = 120.0  # starting worker processes is slow on a busy machine; the bound only stops a hung test


def embed_part(client: Client, texts: List[str]) -> List[Any]:
    """What a worker does with the client it was sent (module level, so that spawned processes find it)."""
    return client.embed_many(MODEL, texts, batch_size=3).embeddings


def embed_part_async(client: AsyncClient, texts: List[str]) -> List[Any]:
    """An AsyncClient in a worker, used by two event loops one after the other."""

    async def half(part: List[str]) -> List[Any]:
        return (await client.embed_many(MODEL, part, batch_size=3)).embeddings

    first = asyncio.run(half(texts[:5]))
    return first + asyncio.run(half(texts[5:]))


def test_a_pickled_client_keeps_its_configuration_and_opens_its_own_session(ollama_emulator: EmulatorURL) -> None:
    client = Client(ollama_emulator, headers={'X-Team': 'search'}, timeout=Timeout(connect=3, read=40), retries=5)
    client.version()
    copy = pickle.loads(pickle.dumps(client))
    assert copy.config == client.config
    assert copy._session is not client._session
    assert copy.version().version == client.version().version
    assert ollama_emulator.emulator.requests[-1].headers['X-Team'] == 'search'
    client.close()
    copy.close()


def test_a_pickled_async_client_keeps_its_configuration(ollama_emulator: EmulatorURL) -> None:
    client = AsyncClient(ollama_emulator, headers={'X-Team': 'search'}, retries=Retry(total=4), limit=7)
    copy = pickle.loads(pickle.dumps(client))
    assert copy.config == client.config and copy._session_kwargs == {'limit': 7}

    async def use() -> str:
        async with copy:
            return (await copy.version()).version

    assert run_async(use()) == EMULATED_VERSION


def test_a_client_on_a_callers_session_refuses_to_pickle_saying_why() -> None:
    with requests.Session() as session, pytest.raises(TypeError, match='Client made with session= cannot be pickled'):
        pickle.dumps(Client('http://127.0.0.1:9', session=session))

    async def make() -> None:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(TypeError, match='AsyncClient made with session= cannot be pickled'):
                pickle.dumps(AsyncClient('http://127.0.0.1:9', session=session))

    run_async(make())


def test_clients_travel_to_spawned_worker_processes(ollama_emulator: EmulatorURL) -> None:
    with Client(ollama_emulator) as client:
        expected = client.embed_many(MODEL, TEXTS).embeddings
        context = multiprocessing.get_context('spawn')
        with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
            parts = list(pool.map(embed_part, [client] * len(PARTS), PARTS, timeout=WAIT))
            async_parts = list(pool.map(embed_part_async, [AsyncClient(ollama_emulator)] * 2, PARTS[:2], timeout=WAIT))
    assert [e for part in parts for e in part] == expected
    assert [e for part in async_parts for e in part] == expected[:20]


@pytest.fixture(scope='module')
def _dask_offload_thread() -> None:
    """Start distributed's process-wide offload thread (one per process, never stopped, by its design) before
    the test's thread check begins, so that it is not taken for a thread the test left behind."""
    utils = pytest.importorskip('distributed.utils', reason='dask[distributed] is a test extra (Python >= 3.10)')
    utils._offload_executor.submit(lambda: None).result(timeout=WAIT)


@pytest.mark.usefixtures('_dask_offload_thread')
def test_embed_many_over_partitions_on_a_dask_cluster(ollama_emulator: EmulatorURL) -> None:
    distributed = pytest.importorskip('dask.distributed', reason='dask[distributed] is a test extra (Python >= 3.10)')
    with Client(ollama_emulator) as client:
        expected = client.embed_many(MODEL, TEXTS).embeddings
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host='127.0.0.1'
        ) as cluster, distributed.Client(cluster, timeout=WAIT) as dask:
            futures = dask.map(embed_part, [client] * len(PARTS), PARTS, pure=False)
            parts = dask.gather(futures)
    assert [e for part in parts for e in part] == expected


def test_a_pickled_client_carries_its_configuration_not_what_the_caller_changed_since() -> None:
    headers = {'X-Team': 'search'}
    client = Client('http://127.0.0.1:9', headers=headers)
    headers['X-Team'] = 'ads'
    copy = pickle.loads(pickle.dumps(client))
    assert copy.config.headers['x-team'] == 'search' == client.config.headers['x-team']


def test_the_arguments_kept_for_pickling_never_show_credentials() -> None:
    client = Client('http://127.0.0.1:9', headers={'Authorization': 'Bearer sk-travel-0123'}, auth=('u', 'pw-0123'))
    kept = repr(client._arguments)
    assert 'sk-travel-0123' not in kept and 'pw-0123' not in kept
    assert 'sk-travel-0123' not in repr(vars(client))  # (requests keeps auth= as given, as before)
    copy = pickle.loads(pickle.dumps(client))  # and yet they travel: they are the client's configuration
    assert copy.config.headers['authorization'] == 'Bearer sk-travel-0123'


def test_copy_copy_stays_a_shallow_copy_sharing_the_session() -> None:
    with requests.Session() as session:
        client = Client('http://127.0.0.1:9', session=session)  # a caller's session: copy.copy still works
        assert copy.copy(client)._session is session
    own = Client('http://127.0.0.1:9')
    assert copy.copy(own)._session is own._session
    own.close()


def test_a_pickled_client_of_several_hosts_keeps_them() -> None:
    hosts = ['http://127.0.0.1:9', {'host': 'http://127.0.0.1:10', 'headers': {'X-Box': 'b'}}]
    client = Client(hosts=hosts, per_host=3)
    copy_ = pickle.loads(pickle.dumps(client))
    assert copy_._host_configs == client._host_configs and len(copy_._host_configs) == 2
    assert copy_._pool is not None and copy_._pool.per_host == 3
