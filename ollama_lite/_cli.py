"""The ``ollama-lite`` command line (also ``python -m ollama_lite``).

Every command talks to ``--host`` (default ``OLLAMA_HOST``) through the sync ``Client``. Failures print the
server's message on stderr, with no traceback, and exit non-zero. ``--json`` prints replies as JSON (one
object per line for streams) for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, TextIO

from ._errors import ConnectError, ProtocolError, RequestError, RequestTimeout, ResponseError
from ._model import Model
from ._sync import Client
from ._types import ProgressResponse

__all__ = ['main']

_EXIT_FAILURE = 1
_EXIT_INTERRUPTED = 130


def _size(n: float) -> str:
    for unit in ('B', 'KB', 'MB', 'GB'):
        if abs(n) < 1000 or unit == 'GB':
            return f'{n:.0f} {unit}' if unit == 'B' else f'{n:.1f} {unit}'
        n /= 1000
    return f'{n:.1f} GB'


class ProgressPrinter:
    """Renders pull/push/create progress: a bar redrawn in place on a terminal, plain lines otherwise.

    On a terminal each digest gets ``status  42% 1.2 GB/2.9 GB 35.0 MB/s``; elsewhere a line is printed
    only when the status or digest changes, so logs stay short.
    """

    def __init__(self, out: TextIO, tty: bool, clock: Any = time.monotonic) -> None:
        self._out = out
        self._tty = tty
        self._clock = clock
        self._last_key: Optional[str] = None
        self._started: Dict[str, float] = {}
        self._open_line = False

    def update(self, p: ProgressResponse) -> None:
        status = p.status or ''
        key = f'{status}|{p.digest or ""}'
        if p.total:
            now = self._clock()
            started = self._started.setdefault(p.digest or status, now)
            completed = p.completed or 0
            elapsed = max(now - started, 1e-9)
            pct = 100 * completed / p.total
            text = (
                f'{status}  {pct:3.0f}% {_size(completed)}/{_size(p.total)} {_size(completed / elapsed)}/s'
                if self._tty
                else f'{status}  {_size(p.total)}'
            )
        else:
            text = status
        if self._tty:
            if key != self._last_key and self._open_line:
                self._out.write('\n')
            self._out.write(f'\r\x1b[K{text}')
            self._open_line = True
        elif key != self._last_key:
            self._out.write(text + '\n')
        self._last_key = key
        self._out.flush()

    def finish(self) -> None:
        if self._open_line:
            self._out.write('\n')
            self._open_line = False
        self._out.flush()


def _print_json(obj: Any, out: TextIO) -> None:
    value = obj.to_dict() if isinstance(obj, Model) else obj
    out.write(json.dumps(value, default=str) + '\n')


def _table(rows: List[List[str]], headers: List[str], out: TextIO) -> None:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, *rows]:
        out.write('  '.join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip() + '\n')


def _progress(stream: Iterable[ProgressResponse], args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        for p in stream:
            _print_json(p, out)
        return
    printer = ProgressPrinter(out, out.isatty())
    try:
        for p in stream:
            printer.update(p)
    finally:
        printer.finish()


def _model_columns(m: Any) -> List[str]:
    """NAME, ID and SIZE, as both ``list`` and ``ps`` show a model."""
    return [m.model or m.name or '', (m.digest or '')[:12], _size(m.size or 0)]


def _cmd_list(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    reply = client.list()
    if args.json:
        _print_json(reply, out)
        return
    rows = [
        [*_model_columns(m), m.modified_at.strftime('%Y-%m-%d %H:%M') if m.modified_at else ''] for m in reply.models
    ]
    _table(rows, ['NAME', 'ID', 'SIZE', 'MODIFIED'], out)


def _cmd_ps(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    reply = client.ps()
    if args.json:
        _print_json(reply, out)
        return
    rows = [
        [
            *_model_columns(m),
            f'{100 * (m.size_vram or 0) // max(m.size or 1, 1)}% GPU',
            str(m.context_length or ''),
            m.expires_at.strftime('%Y-%m-%d %H:%M:%S') if m.expires_at else '',
        ]
        for m in reply.models
    ]
    _table(rows, ['NAME', 'ID', 'SIZE', 'PROCESSOR', 'CONTEXT', 'UNTIL'], out)


def _cmd_show(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    reply = client.show(args.model, verbose=args.verbose or None)
    if args.json:
        _print_json(reply, out)
        return
    details = reply.details
    lines = [f'  Model: {args.model}']
    if details is not None:
        lines += [
            f'    architecture        {details.family or ""}',
            f'    parameters          {details.parameter_size or ""}',
            f'    quantization        {details.quantization_level or ""}',
        ]
    if reply.capabilities:
        lines.append('  Capabilities')
        lines += [f'    {c}' for c in reply.capabilities]
    if reply.parameters:
        lines.append('  Parameters')
        lines += [f'    {p}' for p in reply.parameters.splitlines()]
    if reply.system:
        lines += ['  System', f'    {reply.system}']
    out.write('\n'.join(lines) + '\n')


def _cmd_pull(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    _progress(client.pull(args.model, insecure=args.insecure, stream=True), args, out)


def _cmd_push(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    _progress(client.push(args.model, insecure=args.insecure, stream=True), args, out)


def _cmd_create(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    parameters: Dict[str, Any] = {}
    for item in args.parameter or []:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise RequestError(f'--parameter takes KEY=VALUE, got {item!r}')
        try:
            parameters[key] = json.loads(value)
        except ValueError:
            parameters[key] = value
    files = dict(_pair(f, '--file') for f in args.file or []) or None
    stream = client.create(
        args.model,
        quantize=args.quantize,
        from_=args.from_,
        files=files,
        template=args.template,
        system=args.system,
        license=args.license,
        parameters=parameters or None,
        stream=True,
    )
    _progress(stream, args, out)


def _pair(item: str, flag: str) -> Any:
    name, sep, digest = item.partition('=')
    if not sep or not name or not digest:
        raise RequestError(f'{flag} takes NAME=sha256:DIGEST, got {item!r}')
    return name, digest


def _cmd_cp(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    client.copy(args.source, args.destination)
    if args.json:
        _print_json({'status': 'success'}, out)
    else:
        out.write(f"copied '{args.source}' to '{args.destination}'\n")


def _cmd_rm(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    for model in args.models:
        client.delete(model)
        if args.json:
            _print_json({'status': 'success', 'model': model}, out)
        else:
            out.write(f"deleted '{model}'\n")


def _stream_chat(client: Client, args: argparse.Namespace, messages: List[Dict[str, Any]], out: TextIO) -> str:
    parts: List[str] = []
    with client.chat(args.model, messages, stream=True, think=args.think) as stream:
        for chunk in stream:
            if args.json:
                _print_json(chunk, out)
            else:
                out.write(chunk.message.content or '')
                out.flush()
            parts.append(chunk.message.content or '')
    if not args.json:
        out.write('\n')
    return ''.join(parts)


def _cmd_chat(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    messages: List[Dict[str, Any]] = []
    if args.system:
        messages.append({'role': 'system', 'content': args.system})
    if args.prompt:
        messages.append({'role': 'user', 'content': ' '.join(args.prompt)})
        _stream_chat(client, args, messages, out)
        return
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            out.write('>>> ')
            out.flush()
        line = sys.stdin.readline()
        if not line or line.strip() in ('/bye', '/exit'):
            return
        if not line.strip():
            continue
        messages.append({'role': 'user', 'content': line.rstrip('\n')})
        messages.append({'role': 'assistant', 'content': _stream_chat(client, args, messages, out)})


def _cmd_generate(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    with client.generate(args.model, ' '.join(args.prompt), stream=True, think=args.think) as stream:
        for chunk in stream:
            if args.json:
                _print_json(chunk, out)
            else:
                out.write(chunk.response or '')
                out.flush()
    if not args.json:
        out.write('\n')


def _cmd_embed(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    reply = client.embed(args.model, args.text, dimensions=args.dimensions)
    if args.json:
        _print_json(reply, out)
        return
    for text, vector in zip(args.text, reply.embeddings):
        shown = ', '.join(f'{x:.4f}' for x in vector[:4])
        out.write(f'{text!r}: [{shown}{", …" if len(vector) > 4 else ""}] ({len(vector)} dimensions)\n')


def _cmd_version(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    from ._version import __version__

    server = client.version().version
    if args.json:
        _print_json({'client': __version__, 'server': server}, out)
    else:
        out.write(f'ollama-lite {__version__}\nserver {server}\n')


def _cmd_serve_emulator(args: argparse.Namespace, out: TextIO) -> None:
    from .testing import serve

    models = [m.strip() for m in args.models.split(',') if m.strip()] if args.models else None
    serve(host=args.bind, port=args.port, models=models, token_delay=args.token_delay)


def _cmd_demo(args: argparse.Namespace, out: TextIO) -> None:
    from ._demo import run

    run(host=args.host, out=out)


def _parser() -> argparse.ArgumentParser:
    host_help = 'Ollama host (default: $OLLAMA_HOST or 127.0.0.1:11434)'
    parser = argparse.ArgumentParser(prog='ollama-lite', description='Talk to an Ollama server.')
    parser.add_argument('--host', default=None, help=host_help)
    parser.add_argument('--json', action='store_true', help='print replies as JSON')
    # The same options are also taken after the command; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--host', default=argparse.SUPPRESS, help=host_help)
    common.add_argument('--json', action='store_true', default=argparse.SUPPRESS, help='print replies as JSON')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    sub.required = True
    add = sub.add_parser

    def add_parser(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return add(name, parents=[] if name == 'serve-emulator' else [common], **kwargs)

    sub.add_parser = add_parser  # type: ignore[method-assign]

    sub.add_parser('list', help='list local models')
    sub.add_parser('ps', help='list loaded models')
    sub.add_parser('version', help='client and server versions')
    p = sub.add_parser('show', help='show a model')
    p.add_argument('model')
    p.add_argument('--verbose', action='store_true')
    for name in ('pull', 'push'):
        p = sub.add_parser(name, help=f'{name} a model, with progress')
        p.add_argument('model')
        p.add_argument('--insecure', action='store_true')
    p = sub.add_parser('create', help='create a model from another or from blobs')
    p.add_argument('model')
    p.add_argument('--from', dest='from_', metavar='MODEL')
    p.add_argument('--file', action='append', metavar='NAME=DIGEST', help='a blob uploaded with create_blob')
    p.add_argument('--system')
    p.add_argument('--template')
    p.add_argument('--license')
    p.add_argument('--quantize')
    p.add_argument('--parameter', action='append', metavar='KEY=VALUE')
    p = sub.add_parser('cp', help='copy a model')
    p.add_argument('source')
    p.add_argument('destination')
    p = sub.add_parser('rm', help='delete models')
    p.add_argument('models', nargs='+')
    for name in ('chat', 'generate'):
        p = sub.add_parser(name, help=f'{name} (streams tokens)')
        p.add_argument('model')
        p.add_argument('prompt', nargs='*' if name == 'chat' else '+')
        p.add_argument('--think', default=None, help='true, false, low, medium, high or max')
        if name == 'chat':
            p.add_argument('--system')
    p = sub.add_parser('embed', help='embed texts')
    p.add_argument('model')
    p.add_argument('text', nargs='+')
    p.add_argument('--dimensions', type=int)
    p = sub.add_parser('serve-emulator', help='run the bundled Ollama emulator')
    p.add_argument('--host', '--bind', dest='bind', default='127.0.0.1', help='address to listen on')
    p.add_argument('--port', type=int, default=11434)
    p.add_argument('--models', help='comma-separated models to preload')
    p.add_argument('--token-delay', type=float, default=0.0, help='seconds between streamed tokens')
    p = sub.add_parser('demo', help='tour ollama_lite against the emulator (or --host)')
    return parser


_COMMANDS = {
    'list': _cmd_list,
    'ps': _cmd_ps,
    'show': _cmd_show,
    'pull': _cmd_pull,
    'push': _cmd_push,
    'create': _cmd_create,
    'cp': _cmd_cp,
    'rm': _cmd_rm,
    'chat': _cmd_chat,
    'generate': _cmd_generate,
    'embed': _cmd_embed,
    'version': _cmd_version,
}


def _think(value: Optional[str]) -> Any:
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ('true', 'false'):
        return lowered == 'true'
    return lowered


def main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    """Run the command line; returns the exit code (0 on success, 1 on failure, 130 on Ctrl-C)."""
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    if hasattr(args, 'think'):
        args.think = _think(args.think)
    try:
        if args.command == 'serve-emulator':
            _cmd_serve_emulator(args, out)
        elif args.command == 'demo':
            _cmd_demo(args, out)
        else:
            with Client(args.host) as client:
                _COMMANDS[args.command](client, args, out)
    except KeyboardInterrupt:
        sys.stderr.write('\ninterrupted\n')
        return _EXIT_INTERRUPTED
    except ResponseError as exc:
        sys.stderr.write(f'Error: {exc.error}\n')
        return _EXIT_FAILURE
    except (ConnectError, RequestTimeout, ProtocolError, RequestError, ValueError, OSError, ImportError) as exc:
        sys.stderr.write(f'Error: {exc}\n')
        return _EXIT_FAILURE
    return 0
