"""relay behind nginx with its default proxy buffering, as aiohttp apps are deployed.

Tokens must pass nginx at once, a browser that leaves nginx must still stop the model (nginx closes its
upstream connection, which relay notices), and a browser that stops reading must stop the reading from
Ollama, which needs nginx to stream rather than buffer the reply (relay sends ``X-Accel-Buffering: no``).
Skipped only when nginx is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import AsyncIterator

from ollama_lite.testing import Reply
from tests._nginx import requires_nginx, running_nginx
from tests.web._harness import Browser, running_relay, until_stalled

pytestmark = requires_nginx

_LOCATIONS = """\
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}"""


@contextlib.asynccontextmanager
async def nginx_in_front_of(upstream: int, directory: Path) -> AsyncIterator[int]:
    """Run nginx proxying to ``upstream`` with its default buffering and a small kernel buffer towards the
    browser; yield its port; stop it on exit."""
    # Waiting for nginx to listen blocks the loop a few milliseconds, before the relay has any request.
    with running_nginx(directory, _LOCATIONS.format(upstream=upstream), listen=' sndbuf=16k') as port:
        yield port


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
