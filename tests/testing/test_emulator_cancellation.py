"""A client that leaves is recorded also where aiohttp's handler cancellation (off by default, on in some apps)
ends the handler first: while a delayed reply still holds its headers, and in the middle of a paced stream."""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import AsyncIterator, Tuple

import pytest
from aiohttp import web

from ollama_lite.testing import Emulator, Reply

CHAT = b'{"model": "llama3.2", "messages": [{"role": "user", "content": "hi"}], "stream": true}'


@pytest.fixture
async def cancelling() -> AsyncIterator[Tuple[Emulator, int]]:
    emulator = Emulator()
    runner = web.AppRunner(emulator.make_app(), handler_cancellation=True, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, '127.0.0.1', 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield emulator, port
    finally:
        await runner.cleanup()


async def _leave_after(port: int, received: bytes, reply: Reply, emulator: Emulator) -> None:
    emulator.reply(reply)
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    writer.write(
        b'POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'
        b'Content-Length: %d\r\n\r\n%s' % (len(CHAT), CHAT)
    )
    await writer.drain()
    if received:
        await asyncio.wait_for(reader.readuntil(received), 5)
    else:
        await asyncio.sleep(0.2)  # the request is read and the reply is waiting on its delay
    # A reset, so the server learns at once that the client has gone.
    writer.transport.get_extra_info('socket').setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    writer.close()
    for _ in range(200):  # bounded: 2 s at most
        if emulator.requests and emulator.requests[-1].disconnected_at is not None:
            return
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ('received', 'reply'),
    [(b'', Reply.text('late').delayed(60)), (b'\n', Reply.text('one two three four five six').paced(60))],
    ids=['waiting-for-headers', 'paced-stream'],
)
async def test_a_client_that_leaves_is_recorded_under_handler_cancellation(
    cancelling: Tuple[Emulator, int],
    received: bytes,
    reply: Reply,
) -> None:
    emulator, port = cancelling
    await _leave_after(port, received, reply, emulator)
    entry = emulator.requests[-1]
    assert entry.path == '/api/chat'
    assert entry.client_disconnected and entry.disconnected_at is not None
