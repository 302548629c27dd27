"""One line per request the emulator answered, for ``ollama-lite serve-emulator --log``.

    03:41:07 POST /api/chat model=llama3.2 200 2.314s client left early

The time the request arrived, its method and path, the model it named (``-`` when none), the status sent, the
seconds until the reply ended, and ``client left early`` when the client went away before a streamed or delayed
reply was over: with a web app in front, the line to watch for the model stopping when a browser tab closes.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Optional, TextIO

from aiohttp import web

from ._http import Handler, recorded

__all__ = ['add_access_log']

_STATUS: Any = web.RequestKey('ollama_lite.status', int) if hasattr(web, 'RequestKey') else 'ollama_lite.status'


def _model(body: Any) -> str:
    if isinstance(body, dict):
        for field in ('model', 'name'):  # "name": the older spelling of pull, push, show and delete
            if isinstance(body.get(field), str) and body[field]:
                return str(body[field])
    return '-'


def add_access_log(app: web.Application, out: TextIO) -> None:
    """Write a line to ``out`` for each request ``app`` answers, when its reply ends (see the module's doc).

    Call before the app starts; the log is outermost, so it sees the status the client got.
    """

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        # The status as sent: a streamed reply's handler may end (cancelled) without returning its response.
        request[_STATUS] = response.status

    @web.middleware
    async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
        arrived, started = time.strftime('%H:%M:%S'), time.monotonic()
        status: Optional[int] = None
        gone = False
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        except (asyncio.CancelledError, ConnectionError):
            gone = True  # aiohttp's handler cancellation, or a write to a client that has left
            raise
        finally:
            _write(out, request, arrived, time.monotonic() - started, request.get(_STATUS, status), gone)

    app.on_response_prepare.append(on_prepare)
    app.middlewares.insert(0, access_log)


def _write(out: TextIO, request: web.Request, arrived: str, seconds: float, status: Optional[int], gone: bool) -> None:
    entry = recorded(request) if _recorded(request) else None
    model = _model(entry.body) if entry is not None else '-'
    left = gone or (entry is not None and entry.client_disconnected)
    line = f'{arrived} {request.method} {request.path} model={model} {status if status is not None else "-"}'
    out.write(f'{line} {seconds:.3f}s{" client left early" if left else ""}\n')
    out.flush()


def _recorded(request: web.Request) -> bool:
    try:
        recorded(request)
    except KeyError:
        return False  # the body could not be read: the client left while sending it
    return True
