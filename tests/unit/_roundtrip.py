"""One client call against a mocked server, through Client (responses) or AsyncClient (aioresponses).

Tests that are about what reaches the server and what comes back take a ``transport`` parameter and call
:func:`roundtrip`, so the same assertions hold for both clients.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Callable, Dict, Optional, Tuple

import responses

import ollama_lite as ollama
from tests._mocks import aiohttp_mock

HOST = 'http://127.0.0.1:11434'
CHAT_REPLY: Dict[str, Any] = {'model': 'm', 'message': {'role': 'assistant', 'content': ''}, 'done': True}
GENERATE_REPLY: Dict[str, Any] = {'model': 'm', 'response': '', 'done': True}

TRANSPORTS = ['sync', 'async']


async def roundtrip(
    transport: str,
    call: Callable[[Any], Any],
    reply: Any = None,
    *,
    path: str = '/api/chat',
    method: str = 'POST',
) -> Tuple[Any, Optional[Dict[str, Any]]]:
    """Run ``call(client)`` against a server answering ``reply`` (JSON, or NDJSON bytes); return the result
    and the JSON body the server received (``None`` when there was none)."""
    if reply is None:
        reply = CHAT_REPLY if path == '/api/chat' else GENERATE_REPLY
    if transport == 'sync':
        return _sync(call, reply, path, method)
    return await _async(call, reply, path, method)


def _sync(call: Callable[[Any], Any], reply: Any, path: str, method: str) -> Tuple[Any, Optional[Dict[str, Any]]]:
    with responses.RequestsMock() as mock:
        if isinstance(reply, bytes):
            mock.add(method, HOST + path, body=reply, content_type='application/x-ndjson')
        else:
            mock.add(method, HOST + path, json=reply)
        with ollama.Client(HOST, retries=0) as client:
            result = call(client)
            if isinstance(result, ollama.Stream):
                result = list(result)
        body = mock.calls[0].request.body
    return result, json.loads(body) if body else None


async def _async(call: Callable[[Any], Any], reply: Any, path: str, method: str) -> Tuple[Any, Any]:
    from yarl import URL

    with aiohttp_mock() as mock:
        if isinstance(reply, bytes):
            mock.add(HOST + path, method=method, body=reply, content_type='application/x-ndjson')
        else:
            mock.add(HOST + path, method=method, payload=reply)
        async with ollama.AsyncClient(HOST, retries=0) as client:
            result = call(client)
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, ollama.AsyncStream):
                result = [chunk async for chunk in result]
        data = mock.requests[(method, URL(HOST + path))][0].kwargs.get('data')
    return result, json.loads(data) if data else None
