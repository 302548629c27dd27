"""A pool of hosts behind a real nginx, each host a path prefix, one prefix whose upstream is down.

nginx answers 502 for the host that is down: the pool cools it down as it does a refused connection and
the request goes to a live host. Skipped only when nginx is not installed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator, List

import ollama_lite as ollama
from ollama_lite.testing import Emulator, EmulatorURL
from tests._faults import refused_port
from tests._loops import run_async
from tests._nginx import requires_nginx, running_nginx

pytestmark = requires_nginx

_LOCATION = """\
        location /{name}/ {{
            proxy_pass http://127.0.0.1:{port}/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_connect_timeout 2s;
        }}"""


@contextlib.contextmanager
def behind_nginx(tmp_path: Path) -> Iterator[tuple]:
    emulators = [Emulator(['qwen3']), Emulator(['llama3.2']), Emulator(['qwen3', 'llama3.2'])]
    down_sock, down = refused_port()
    with contextlib.ExitStack() as stack:
        stack.callback(down_sock.close)
        urls: List[EmulatorURL] = [stack.enter_context(e.running()) for e in emulators]
        names = ['a', 'b', 'c']
        locations = '\n'.join(_LOCATION.format(name=n, port=u.port) for n, u in zip(names, urls))
        locations += '\n' + _LOCATION.format(name='down', port=down)
        port = stack.enter_context(running_nginx(tmp_path, locations))
        hosts = [f'http://127.0.0.1:{port}/{n}' for n in [*names, 'down']]
        yield emulators, hosts


def chats(emulator: Emulator) -> List[str]:
    return [r.body['messages'][-1]['content'] for r in emulator.requests if r.path == '/api/chat' and r.body]


def test_pool_behind_nginx_with_path_prefixes(tmp_path: Path) -> None:
    with behind_nginx(tmp_path) as (emus, hosts), ollama.Client(hosts=hosts, per_host=2) as client:
        a, b, c, down = hosts
        replies = [client.chat('llama3.2', [{'role': 'user', 'content': f'l{i}'}]) for i in range(8)]
        assert {ollama.host_of(r) for r in replies} <= {b, c}
        listed = client.list()
        assert sorted(ollama.host_of(m) or '' for m in listed.models) == sorted([a, b, c, c])
        status = {h.url: h for h in client.hosts}
        assert not status[down].healthy  # nginx said 502 for it once; it is cooling, not asked again
        assert chats(emus[0]) == [] and sorted(chats(emus[1]) + chats(emus[2])) == sorted(f'l{i}' for i in range(8))
        client.host(b).copy('llama3.2', 'mine')  # a write through the prefix of the host named
        assert 'mine:latest' in emus[1].model_names and 'mine:latest' not in emus[2].model_names
        with client.chat('qwen3', [{'role': 'user', 'content': 'stream'}], stream=True) as stream:
            assert {ollama.host_of(chunk) for chunk in stream} <= {a, c}


def test_async_pool_behind_nginx(tmp_path: Path) -> None:
    with behind_nginx(tmp_path) as (emus, hosts):

        async def main() -> None:
            async with ollama.AsyncClient(hosts=hosts, per_host=2) as client:
                replies = [await client.chat('qwen3', [{'role': 'user', 'content': f'q{i}'}]) for i in range(6)]
                assert {ollama.host_of(r) for r in replies} <= {hosts[0], hosts[2]}
                assert len((await client.ps()).models) >= 1

        run_async(main())
        assert chats(emus[1]) == []
