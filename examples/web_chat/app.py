"""A chat page that streams the model's answer over Server-Sent Events, thinking apart, with a Stop button.

    python examples/web_chat/app.py                      # Ollama at OLLAMA_HOST, else http://127.0.0.1:11434
    python examples/web_chat/app.py --port 8080 --model qwen3

Then open http://127.0.0.1:8080. Stop, or closing the tab, closes the EventSource; ollama_lite.web.relay sees
the connection drop and closes the Ollama stream, so the model stops generating at once.
Try it without a GPU: ``ollama-lite serve-emulator`` in another terminal.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional

from aiohttp import web

from ollama_lite.web import CLIENT, client_context, relay

PAGE = Path(__file__).with_name('index.html')
MODEL = web.AppKey('model', str)


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(PAGE)


async def ask(request: web.Request) -> web.StreamResponse:
    question = request.query.get('q', '').strip()
    if not question:
        raise web.HTTPBadRequest(text='ask something: /ask?q=...')
    messages = [{'role': 'user', 'content': question}]
    # Not awaited: relay opens the stream itself, so a browser that leaves while the model loads cancels it.
    stream = request.app[CLIENT].chat(request.app[MODEL], messages, stream=True)
    return await relay(request, stream, format='sse')


def make_app(host: Optional[str] = None, model: str = 'qwen3') -> web.Application:
    """The chat app, its one AsyncClient talking to the Ollama server at ``host``."""
    app = web.Application()
    app[MODEL] = model
    app.cleanup_ctx.append(client_context(host))
    app.router.add_get('/', index)
    app.router.add_get('/ask', ask)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--port', type=int, default=8080)
    parser.add_argument('--model', default='qwen3')
    parser.add_argument('--ollama', default=None, help='the Ollama server (default: OLLAMA_HOST)')
    args = parser.parse_args()
    web.run_app(make_app(args.ollama, args.model), host='127.0.0.1', port=args.port)


if __name__ == '__main__':
    main()
