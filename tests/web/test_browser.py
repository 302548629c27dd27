"""examples/web_chat in headless Chromium: tokens arrive one by one, and Stop or closing the tab stops the model.

Chromium is driven over the DevTools protocol with aiohttp's websocket client. The emulator thinks, then
answers one token every 50 ms for far longer than the test runs, so only the page leaving can end the stream
early. Skipped only where Debian's chromium is not installed (``.ci/run`` installs it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib.util
import itertools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Optional

import aiohttp
import pytest
from aiohttp import web

from ollama_lite.testing import Emulator, Reply
from tests._programs import stop
from tests.web._harness import PATIENCE, wait_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next((p for p in (shutil.which('chromium'), '/usr/bin/chromium') if p and os.path.exists(p)), None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason='chromium is not installed (apt-get install chromium; .ci/run installs it)'
)

THINKING = (
    'The sky looks blue because air scatters the short wavelengths of sunlight much more than the long ones;'
    ' say so simply.'
)  # 20 tokens: a second of thinking
ANSWER = ' '.join(['Sunlight', 'meets', 'the', 'air', 'and', 'blue', 'light', 'scatters', 'most.'] * 60)  # 27 s


def _load_example() -> Any:
    spec = importlib.util.spec_from_file_location('web_chat_app', ROOT / 'examples' / 'web_chat' / 'app.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Page:
    """One Chromium tab over its DevTools websocket: one command at a time, events skipped."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> Dict[str, Any]:
        ident = next(self._ids)
        await self._ws.send_json({'id': ident, 'method': method, 'params': params})
        while True:
            message = await asyncio.wait_for(self._ws.receive(), PATIENCE)
            assert message.type == aiohttp.WSMsgType.TEXT, message
            reply = json.loads(message.data)
            if reply.get('id') == ident:
                assert 'error' not in reply, reply
                result: Dict[str, Any] = reply['result']
                return result

    async def js(self, expression: str) -> Any:
        reply = await self.call('Runtime.evaluate', expression=expression, returnByValue=True)
        assert 'exceptionDetails' not in reply, reply
        return reply['result'].get('value')

    async def text(self, element: str) -> str:
        return str(await self.js(f'document.getElementById({element!r}).textContent'))

    async def click(self, element: str) -> None:
        """A real mouse click in the middle of the element."""
        box = await self.js(
            f'(() => {{ const r = document.getElementById({element!r}).getBoundingClientRect();'
            ' return [r.x + r.width / 2, r.y + r.height / 2]; })()'
        )
        for kind in ('mousePressed', 'mouseReleased'):
            await self.call('Input.dispatchMouseEvent', type=kind, x=box[0], y=box[1], button='left', clickCount=1)

    async def type(self, element: str, text: str) -> None:
        await self.click(element)
        for char in text:
            await self.call('Input.dispatchKeyEvent', type='keyDown', text=char)
            await self.call('Input.dispatchKeyEvent', type='keyUp')


@contextlib.asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[str]:
    """Run headless Chromium with its own profile; yield the DevTools HTTP base URL; stop it on exit."""
    assert CHROMIUM is not None
    args = [
        CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--window-size=900,700', f'--user-data-dir={profile}', '--remote-debugging-port=0', 'about:blank',
    ]  # fmt: skip
    with open(profile.parent / 'chromium.log', 'wb') as log:
        process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        try:
            active = profile / 'DevToolsActivePort'
            await wait_for(lambda: active.exists() and active.read_text().count('\n') >= 1, 'Chromium to listen', 30)
            yield f'http://127.0.0.1:{active.read_text().split()[0]}'
        finally:
            stop(process, 10)


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, '127.0.0.1', 0).start()
    try:
        yield f'http://127.0.0.1:{runner.addresses[0][1]}'
    finally:
        await runner.cleanup()


async def _growing(page: Page, element: str, count: int) -> List[str]:
    """Snapshots of the element's text until ``count`` different non-empty ones were seen."""
    seen: List[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while len(seen) < count:
        assert loop.time() < deadline, f'{element} showed only {seen!r}'
        text = await page.text(element)
        if text and (not seen or text != seen[-1]):
            seen.append(text)
        await asyncio.sleep(0.01)
    return seen


def _open_request(emu: Emulator, index: int) -> Optional[Any]:
    chats = [r for r in emu.requests if r.path == '/api/chat']
    return chats[index] if len(chats) > index else None


async def test_web_chat_streams_and_stops_the_model(tmp_path: Path) -> None:
    emu = Emulator(models=['qwen3'], token_delay=0.05)
    emu.reply(Reply.text(ANSWER, thinking=THINKING), Reply.text(ANSWER, thinking=THINKING))
    example = _load_example()
    async with contextlib.AsyncExitStack() as running:
        ollama = await running.enter_async_context(emu.running_async())
        site = await running.enter_async_context(serving(example.make_app(ollama)))
        devtools = await running.enter_async_context(chromium(tmp_path / 'profile'))
        http = await running.enter_async_context(aiohttp.ClientSession())
        async with http.get(f'{devtools}/json/list') as listing:
            target = next(t for t in await listing.json() if t['type'] == 'page')
        async with http.ws_connect(target['webSocketDebuggerUrl'], max_msg_size=0) as ws:
            page = Page(ws)
            await page.call('Page.navigate', url=site + '/')
            await wait_for_page(page)

            await page.type('prompt', 'Why is the sky blue?')
            await page.click('send')
            thoughts = await _growing(page, 'thinking', 3)
            answers = await _growing(page, 'answer', 5)
            # One token at a time: each view extends the one before it.
            assert all(later.startswith(earlier) for earlier, later in zip(thoughts, thoughts[1:]))
            assert all(later.startswith(earlier) for earlier, later in zip(answers, answers[1:]))
            assert THINKING.startswith(await page.text('thinking'))  # thinking kept apart from the answer
            assert ANSWER.startswith(await page.text('answer'))
            assert await page.js("[$('send').disabled, $('stop').disabled]") == [True, False]

            shot = tmp_path / 'web_chat.png'
            shot.write_bytes(base64.b64decode((await page.call('Page.captureScreenshot'))['data']))
            print(f'\nweb chat screenshot: {shot}')

            await page.click('stop')
            first = await wait_for(lambda: _disconnected(emu, 0), 'the emulator to see Stop close the stream')
            assert await page.text('status') == 'Stopped.'
            assert await page.js("[$('send').disabled, $('stop').disabled]") == [False, True]

            await page.click('send')  # the same question again, then the tab closes mid-answer
            await _growing(page, 'answer', 2)
            await page.call('Page.close')
            second = await wait_for(lambda: _disconnected(emu, 1), 'the emulator to see the closed tab')
    assert first.body['messages'] == second.body['messages'] == [{'role': 'user', 'content': 'Why is the sky blue?'}]
    assert _open_request(emu, 2) is None  # the EventSource never reconnected to ask again


async def wait_for_page(page: Page) -> None:
    async def ready() -> bool:
        return bool(await page.js("document.readyState === 'complete' && !!document.getElementById('prompt')"))

    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not await ready():
        assert loop.time() < deadline, 'the chat page did not load'
        await asyncio.sleep(0.02)


def _disconnected(emu: Emulator, index: int) -> Optional[Any]:
    request = _open_request(emu, index)
    return request if request is not None and request.client_disconnected else None
