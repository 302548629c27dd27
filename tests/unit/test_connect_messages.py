"""What a refused or unreachable host says: the host and port in words, the reason as the system gives it,
a hint that fits the case, and none of the transports' object reprs.

The transports' errors here are real ones, raised by connecting to a port on 127.0.0.1 that refuses;
replaying them for another host (with ``responses``/``aioresponses``) shows the hint for a remote machine,
which no test can reach for real.
"""

from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests
import responses

import ollama_lite as ollama
from ollama_lite._errors import cannot_connect, plain_reason
from tests._faults import refused_port
from tests._loops import run_async

REMOTE = 'http://gpu-box.lan:11434'
#: What must never reach the user: object reprs and urllib3 2's connection prefix.
REPRS = re.compile(r'object at 0x|HTTPConnection\(|HTTPConnectionPool\(| at 0x')


@pytest.fixture
def refused() -> Iterator[int]:
    sock, port = refused_port()
    try:
        yield port
    finally:
        sock.close()


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost', '127.0.1.1', '[::1]', '0.0.0.0'])
def test_this_machine_gets_the_ollama_serve_hint(host: str) -> None:
    message = str(cannot_connect(f'http://{host}:11434/api/tags', 'the connection was refused'))
    assert message.startswith(f'could not connect to Ollama at http://{host}:11434/api/tags (host ')
    assert 'port 11434): the connection was refused.' in message
    assert '`ollama serve`' in message


def test_another_machine_gets_a_hint_about_that_machine() -> None:
    message = str(cannot_connect(REMOTE + '/api/tags', 'the connection was refused'))
    assert message.startswith(
        f'could not connect to Ollama at {REMOTE}/api/tags (host gpu-box.lan, port 11434): the connection was refused.'
    )
    assert 'ollama serve' not in message  # run here, it would not help a server on gpu-box.lan
    assert 'runs on gpu-box.lan' in message and 'OLLAMA_HOST=0.0.0.0' in message and 'port 11434' in message


def test_a_name_that_does_not_resolve_gets_a_hint_about_the_name() -> None:
    message = str(cannot_connect('https://olama.lan/api/tags', 'the host name does not resolve', unresolved=True))
    assert '(host olama.lan, port 443)' in message  # the scheme's port when the URL names none
    assert 'Check the host name' in message and 'ollama serve' not in message


@pytest.mark.parametrize(
    'text',
    [
        "_HTTPConnection(host='127.0.0.1', port=9): Failed to establish a new connection: [Errno 111] refused",
        '<urllib3.connection.HTTPConnection object at 0x7f3a2c1d0e50>: Failed to establish a new connection',
        "HTTPConnectionPool(host='h', port=1): Max retries exceeded with url: /api/tags",
        "(<HTTPConnection(host='127.0.0.1', port=9) at 0x7f7ebbc5b550>, 'Connection to 127.0.0.1 timed out.')",
    ],
)
def test_plain_reason_drops_the_reprs(text: str) -> None:
    assert not REPRS.search(plain_reason(text))
    assert not re.search(r'0x[0-9a-f]{6,}|<|>', plain_reason(text))
    assert plain_reason(text)


def test_plain_reason_unwraps_urllib3s_argument_tuple() -> None:
    text = "(<urllib3.connection.HTTPConnection object at 0x7f3a2c1d0e50>, 'Connection to h timed out. (timeout=1)')"
    assert plain_reason(text) == 'Connection to h timed out. (timeout=1)'


def test_connect_timeout_has_no_reprs() -> None:
    from tests._faults import stalled_port

    sockets, port = stalled_port()
    try:
        if port is None:
            pytest.skip('this platform answers a connect to a full backlog')
        client = ollama.Client(f'http://127.0.0.1:{port}', timeout=0.3, retries=0)
        with client, pytest.raises(ollama.ConnectTimeout) as info:
            client.list()
    finally:
        for sock in sockets:
            sock.close()
    message = str(info.value)
    assert message.startswith(f'timed out connecting to Ollama at http://127.0.0.1:{port}/api/tags: ')
    assert not re.search(r'0x[0-9a-f]{6,}|<|>', message), message


def _real_requests_error(port: int) -> requests.ConnectionError:
    try:
        requests.get(f'http://127.0.0.1:{port}/api/tags', timeout=5)
    except requests.ConnectionError as exc:
        return exc
    raise AssertionError('the port did not refuse')


def test_sync_refused_here(refused: int) -> None:
    with ollama.Client(f'http://127.0.0.1:{refused}', retries=0) as client, pytest.raises(ollama.ConnectError) as info:
        client.list()
    message = str(info.value)
    assert message.startswith(
        f'could not connect to Ollama at http://127.0.0.1:{refused}/api/tags (host 127.0.0.1, port {refused}): '
        'the connection was refused. Is Ollama running (`ollama serve`)?'
    )
    assert not REPRS.search(message)


def test_sync_refused_by_another_machine(refused: int) -> None:
    error = _real_requests_error(refused)
    with responses.RequestsMock() as mock, ollama.Client(REMOTE, retries=0) as client:
        mock.add(responses.GET, REMOTE + '/api/tags', body=error)
        with pytest.raises(ollama.ConnectError) as info:
            client.list()
    message = str(info.value)
    assert (
        '(host gpu-box.lan, port 11434): the connection was refused. Check that Ollama runs on gpu-box.lan' in message
    )
    assert 'ollama serve' not in message and not REPRS.search(message)


def test_async_refused_here(refused: int) -> None:
    pytest.importorskip('aiohttp', reason='the async client needs aiohttp (the "async" extra)')

    async def main() -> str:
        async with ollama.AsyncClient(f'http://127.0.0.1:{refused}', retries=0) as client:
            with pytest.raises(ollama.ConnectError) as info:
                await client.list()
        return str(info.value)

    message = run_async(main())
    assert message.startswith(
        f'could not connect to Ollama at http://127.0.0.1:{refused}/api/tags (host 127.0.0.1, port {refused}): '
        'the connection was refused. Is Ollama running (`ollama serve`)?'
    )
    assert not REPRS.search(message) and 'ssl:default' not in message


def test_async_refused_by_another_machine(refused: int) -> None:
    aiohttp = pytest.importorskip('aiohttp', reason='the async client needs aiohttp (the "async" extra)')
    from tests._mocks import aiohttp_mock

    async def real_error() -> BaseException:
        async with aiohttp.ClientSession() as session:
            try:
                await session.get(f'http://127.0.0.1:{refused}/api/tags')
            except aiohttp.ClientConnectionError as exc:
                return exc
        raise AssertionError('the port did not refuse')

    async def main() -> str:
        error = await real_error()
        with aiohttp_mock() as mock:
            mock.get(REMOTE + '/api/tags', exception=error)
            async with ollama.AsyncClient(REMOTE, retries=0) as client:
                with pytest.raises(ollama.ConnectError) as info:
                    await client.list()
        return str(info.value)

    message = run_async(main())
    assert (
        '(host gpu-box.lan, port 11434): the connection was refused. Check that Ollama runs on gpu-box.lan' in message
    )
    assert 'ollama serve' not in message and not REPRS.search(message)
