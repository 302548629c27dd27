"""The README's relay example, run as written (only the Ollama address points at the emulator)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

from aiohttp import web

from ollama_lite.testing import Reply, async_emulator
from tests.web._harness import Browser, events

README = Path(__file__).resolve().parents[2] / 'README.md'


def _relay_example() -> str:
    section = README.read_text().split('### Streaming to a browser: `ollama_lite.web.relay`', 1)[1]
    found = re.search(r'```python\n(.*?)```', section, re.S)
    assert found is not None
    return found.group(1)


async def test_the_readme_relay_example_streams_sse() -> None:
    async with async_emulator() as url:
        url.emulator.reply(Reply.text('Rayleigh scattering.'))
        namespace: Dict[str, Any] = {}
        exec(_relay_example().replace('http://127.0.0.1:11434', url), namespace)
        runner = web.AppRunner(namespace['app'])
        await runner.setup()
        await web.TCPSite(runner, '127.0.0.1', 0).start()
        try:
            browser = await Browser.get(runner.addresses[0][1], '/ask?q=Why')
            pieces, complete = await browser.chunks()
            browser.leave()
        finally:
            await runner.cleanup()
    assert complete
    framed = events(b''.join(pieces))
    assert framed[1:-1] == [('content', '"Rayleigh"'), ('content', '" scattering."')]
    assert url.emulator.last_request is not None
    assert url.emulator.last_request.body['messages'] == [{'role': 'user', 'content': 'Why'}]
