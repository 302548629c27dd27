"""A real nginx on 127.0.0.1 in front of a test server, as users deploy both Ollama and aiohttp apps.

nginx runs in the foreground with its own prefix, pid file, logs and temp directories under a directory
of the test's. Tests that need it are skipped only when nginx is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator, Optional

import pytest

from tests._programs import free_port, stop, wait_listening

NGINX: Optional[str] = shutil.which('nginx') or next((p for p in ('/usr/sbin/nginx',) if Path(p).exists()), None)

requires_nginx = pytest.mark.skipif(
    NGINX is None, reason='nginx is not installed (apt-get install nginx-light; .ci/run installs it)'
)

_CONFIG = """\
{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port}{listen};
{locations}
    }}
}}
"""


@contextlib.contextmanager
def running_nginx(directory: Path, locations: str, *, listen: str = '') -> Iterator[int]:
    """Run nginx with ``locations`` (``location`` blocks) in its one server; yield its port; stop it on exit.

    ``listen`` adds parameters to the ``listen`` directive (``' sndbuf=16k'``); requests are logged to
    ``directory / 'access.log'``. Waiting for nginx to listen blocks the thread, for a few milliseconds.
    """
    assert NGINX is not None
    port = free_port()
    # Workers would otherwise drop to an unprivileged user that cannot write the temp directories here.
    user = 'user root;' if hasattr(os, 'geteuid') and os.geteuid() == 0 else ''
    config = directory / 'nginx.conf'
    config.write_text(_CONFIG.format(user=user, dir=directory, port=port, listen=listen, locations=locations))
    command = [NGINX, '-p', str(directory), '-e', str(directory / 'error.log'), '-c', str(config)]
    checked = subprocess.run([*command, '-t'], check=False, capture_output=True, timeout=30)
    assert checked.returncode == 0, checked.stderr.decode()
    process = subprocess.Popen([*command, '-g', 'daemon off;'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            wait_listening(port, process, 'nginx')
        except AssertionError as exc:
            log = directory / 'error.log'
            raise AssertionError(f'{exc} {log.read_text() if log.exists() else ""}') from None
        yield port
    finally:
        stop(process)
