"""A recording Ollama on 127.0.0.1: answers every endpoint plausibly and keeps what each request carried.

Both the official client and ollama_lite are pointed at it, and the differential tests compare what it
received from each. It is the standard library's threaded HTTP server, so it depends on neither client's
stack. Streams are NDJSON when the body asks for ``"stream": true``; blob HEADs answer 404, so a client
that asks first goes on to upload.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

_STATS = {'total_duration': 10, 'load_duration': 1, 'prompt_eval_count': 2, 'eval_count': 3, 'eval_duration': 4}


def _answer(method: str, path: str, body: Any) -> Tuple[int, List[Dict[str, Any]], bool]:
    """(status, objects, stream) for a request; an empty list means an empty body."""
    stream = isinstance(body, dict) and body.get('stream') is True
    model = body.get('model', 'm') if isinstance(body, dict) else 'm'
    if path == '/api/generate':
        last = {'model': model, 'created_at': '2024-01-01T00:00:00Z', 'response': '', 'done': True, **_STATS}
        parts = [{'model': model, 'response': 'Hel', 'done': False}, {'model': model, 'response': 'lo', 'done': False}]
        return 200, [*parts, last] if stream else [{**last, 'response': 'Hello', 'context': [1, 2]}], stream
    if path == '/api/chat':
        message = {'role': 'assistant', 'content': 'Hello'}
        last = {'model': model, 'message': {'role': 'assistant', 'content': ''}, 'done': True, **_STATS}
        first = {'model': model, 'message': message, 'done': False}
        return 200, [first, last] if stream else [{**last, 'message': message}], stream
    if path == '/api/embed':
        inputs = body.get('input') if isinstance(body, dict) else ''
        n = len(inputs) if isinstance(inputs, list) else 1
        return 200, [{'model': model, 'embeddings': [[0.1, 0.2]] * n}], False
    if path == '/api/embeddings':
        return 200, [{'embedding': [0.1, 0.2]}], False
    if path in ('/api/pull', '/api/push', '/api/create'):
        progress = [{'status': 'pulling manifest'}, {'status': 'downloading', 'completed': 1, 'total': 2}]
        return 200, [*progress, {'status': 'success'}] if stream else [{'status': 'success'}], stream
    if path == '/api/tags':
        return 200, [{'models': [{'model': 'm:latest', 'name': 'm:latest', 'size': 1, 'digest': 'd'}]}], False
    if path == '/api/ps':
        return 200, [{'models': [{'model': 'm:latest', 'name': 'm:latest', 'size': 1, 'size_vram': 1}]}], False
    if path == '/api/show':
        return 200, [{'modelfile': 'FROM m', 'template': '{{ .Prompt }}', 'model_info': {'a': 1}}], False
    if path == '/api/version':
        return 200, [{'version': '0.12.0'}], False
    if path in ('/api/copy', '/api/delete'):
        return 200, [], False
    if path.startswith('/api/blobs/'):
        return (404 if method == 'HEAD' else 201), [], False
    if path == '/api/web_search':
        return 200, [{'results': [{'title': 't', 'url': 'https://e.com', 'content': 'c'}]}], False
    if path == '/api/web_fetch':
        return 200, [{'title': 't', 'content': 'c', 'links': ['https://e.com']}], False
    return 404, [{'error': f'no route {method} {path}'}], False


def _parse(raw: bytes, content_type: Optional[str]) -> Any:
    """The body as JSON when it is JSON (so key order and 300 vs 300.0 do not matter), else its bytes."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return {'<bytes>': len(raw)}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def finish(self) -> None:
        super().finish()
        with self.server.lock:
            self.server.connections -= 1

    def log_message(self, format: str, *args: Any) -> None:  # the test output stays clean
        pass

    def _body(self) -> bytes:
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            out = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _handle(self) -> None:
        raw = self._body()
        split = urllib.parse.urlsplit(self.path)
        body = _parse(raw, self.headers.get('Content-Type'))
        self.server.seen.append(
            {
                'method': self.command,
                'path': split.path,
                'query': urllib.parse.parse_qs(split.query),
                'body': body,
                'content_type': self.headers.get('Content-Type'),
                'authorization': 'Authorization' in self.headers,
            }
        )
        status, objs, stream = _answer(self.command, split.path, body)
        if stream:
            self.send_response(status)
            self.send_header('Content-Type', 'application/x-ndjson')
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for obj in objs:
                line = json.dumps(obj).encode() + b'\n'
                self.wfile.write(b'%x\r\n%s\r\n' % (len(line), line))
            self.wfile.write(b'0\r\n\r\n')
            return
        data = json.dumps(objs[0]).encode() if objs else b''
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_HEAD = do_PUT = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    seen: List[Dict[str, Any]]
    connections = 0
    lock = threading.Lock()


class Recorder:
    """``url`` is where it listens; ``take()`` returns what arrived since the last call and forgets it;
    ``connections`` counts the connections clients hold open."""

    def __init__(self) -> None:
        self._server = _Server(('127.0.0.1', 0), _Handler)
        self._server.seen = []
        self._thread = threading.Thread(target=self._server.serve_forever, name='recorder', daemon=True)

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self._server.server_address[1]}'

    def start(self) -> Recorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    @property
    def connections(self) -> int:
        """How many client connections are open now."""
        return self._server.connections

    def take(self) -> List[Dict[str, Any]]:
        seen, self._server.seen = self._server.seen, []
        return seen
