"""relay behind nginx with its default proxy buffering, as aiohttp apps are deployed.

Tokens must pass nginx at once, a browser that leaves nginx must still stop the model (nginx closes its
upstream connection, which relay notices), and a browser that stops reading must stop the reading from
Ollama, which needs nginx to stream rather than buffer the reply (relay sends ``X-Accel-Buffering: no``).
Skipped only when nginx is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import AsyncIterator, Optional

import pytest

from ollama_lite.testing import Reply
from tests.web._harness import Browser, running_relay, until_stalled, wait_for

NGINX: Optional[str] = shutil.which('nginx') or next((p for p in ('/usr/sbin/nginx',) if Path(p).exists()), None)

pytestmark = pytest.mark.skipif(
    NGINX is None, reason='nginx is not installed (apt-get install nginx-light; .ci/run installs it)'
)

_CONFIG = """\
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} sndbuf=16k;  # a small kernel buffer towards the browser
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


@contextlib.asynccontextmanager
async def nginx_in_front_of(upstream: int, directory: Path) -> AsyncIterator[int]:
    """Run nginx proxying to ``upstream`` with its default buffering; yield its port; stop it on exit."""
    assert NGINX is not None
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = int(probe.getsockname()[1])
    # Workers would otherwise drop to an unprivileged user that cannot write the temp directories here.
    user = 'user root;' if hasattr(os, 'geteuid') and os.geteuid() == 0 else ''
    config = directory / 'nginx.conf'
    config.write_text(_CONFIG.format(user=user, dir=directory, port=port, upstream=upstream))
    command = [NGINX, '-p', str(directory), '-e', str(directory / 'error.log'), '-c', str(config), '-g', 'daemon off;']
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        await wait_for(lambda: _listening(port) or process.poll() is not None, 'nginx to listen')
        assert process.poll() is None, (directory / 'error.log').read_text()
        yield port
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
    except OSError:
        return False
    return True


async def test_tokens_pass_nginx_at_once_and_leaving_nginx_stops_the_model(tmp_path: Path) -> None:
    async with running_relay() as r, nginx_in_front_of(r.port, tmp_path) as port:
        r.emulator.reply(Reply.text('First then nothing for a minute').paced(60))
        browser = await Browser.get(port, '/ask?format=sse')
        assert browser.head['content-type'] == 'text/event-stream'
        # The stream goes on for minutes, so this arrives only if nginx does not buffer it.
        await asyncio.wait_for(browser.until(b'event: content\ndata: "First"\n\n'), 10)
        browser.leave()
        await r.wait_disconnect()


async def test_a_paused_browser_behind_nginx_pauses_the_reading_from_ollama(tmp_path: Path) -> None:
    words = 2000  # 16 MB in 8 kB tokens: nginx would buffer all of it, were buffering on
    async with running_relay() as r, nginx_in_front_of(r.port, tmp_path) as port:
        r.emulator.reply(Reply.text(' '.join(['x' * 8000] * words)))
        browser = await Browser.get(port, '/ask?format=text&count=1&sndbuf=1', rcvbuf=4096)
        stalled = await until_stalled(r.shaped)
        assert stalled < words / 2, stalled
        browser.leave()
        await r.wait_disconnect()
