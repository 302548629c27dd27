"""Ways to run the emulator: background thread, current loop, aiohttp test utilities, foreground, pytest plugin."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import aiohttp
import pytest
import requests
from aiohttp.test_utils import TestClient, TestServer

from ollama_lite.testing import Emulator, EmulatorURL, async_emulator, emulator

ROOT = Path(__file__).resolve().parents[2]


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(('127.0.0.1', port)) == 0


def test_the_sync_context_manager_stops_its_thread_and_port() -> None:
    threads = threading.active_count()
    with emulator(models=['qwen3']) as url:
        assert isinstance(url, str)
        assert url.startswith('http://127.0.0.1:')
        assert isinstance(url.emulator, Emulator)
        assert requests.get(f'{url}/api/tags').json()['models'][0]['name'] == 'qwen3:latest'
        port = url.port
    assert not port_is_open(port)
    assert threading.active_count() == threads


def test_an_emulator_can_run_again_after_stopping() -> None:
    instance = Emulator()
    for _ in range(2):
        with instance.running() as url:
            assert requests.get(url).text == 'Ollama is running'


def test_a_taken_port_raises() -> None:
    with emulator() as url, pytest.raises(OSError), Emulator().running(port=url.port):
        pass


@pytest.mark.asyncio
async def test_the_async_context_manager_serves_in_the_running_loop() -> None:
    async with async_emulator(token_delay=0.001) as url:
        async with aiohttp.ClientSession() as session, session.get(f'{url}/api/version') as response:
            assert (await response.json())['version']
        port = url.port
    assert not port_is_open(port)


@pytest.mark.asyncio
async def test_the_app_works_with_aiohttp_test_utilities() -> None:
    async with TestClient(TestServer(Emulator().app)) as client:
        response = await client.post('/api/chat', json={'model': 'qwen3', 'messages': [], 'keep_alive': 0})
        assert (await response.json())['done_reason'] == 'unload'


@pytest.mark.asyncio
async def test_the_async_fixture(async_ollama_emulator: EmulatorURL) -> None:
    async with aiohttp.ClientSession() as session, session.get(async_ollama_emulator) as response:
        assert await response.text() == 'Ollama is running'


def environment() -> dict:
    return {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')])}


@pytest.mark.skipif(sys.platform == 'win32', reason='stops the server with SIGTERM')
def test_serve_runs_in_the_foreground_until_terminated() -> None:
    code = 'from ollama_lite.testing import serve; serve(port=0, models=["tiny"])'
    with subprocess.Popen(
        [sys.executable, '-c', code], stdout=subprocess.PIPE, text=True, env=environment()
    ) as process:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = banner.split(' on ')[1].split()[0]
        assert requests.get(f'{url}/api/tags').json()['models'][0]['name'] == 'tiny:latest'
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_pytest_plugin_offers_its_fixtures_to_users(tmp_path: Path) -> None:
    (tmp_path / 'test_user.py').write_text(
        textwrap.dedent(
            """
            import aiohttp
            import pytest
            import requests

            from ollama_lite.testing import Reply

            @pytest.mark.ollama_emulator(models=['mistral'])
            def test_sync(ollama_emulator):
                ollama_emulator.emulator.reply(Reply.text('scripted'))
                body = {'model': 'mistral', 'prompt': 'x', 'stream': False}
                assert requests.post(ollama_emulator + '/api/generate', json=body).json()['response'] == 'scripted'

            @pytest.mark.asyncio
            async def test_async(async_ollama_emulator):
                async with aiohttp.ClientSession() as session:
                    async with session.get(async_ollama_emulator + '/api/tags') as response:
                        assert len((await response.json())['models']) == 4
            """
        )
    )
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'ollama_lite.testing.pytest_plugin', '-p', 'no:cacheprovider'],
        check=False,
        cwd=tmp_path,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '2 passed' in result.stdout
