"""The verbs of ``ollama-lite``: their options and what each does; the table ``main`` dispatches on."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, TextIO, Tuple

from .._errors import ConnectError, RequestError, RequestTimeout, ResponseError
from .._extras import require_aiohttp
from .._pool import host_of
from .._sync import Client
from ._answer import generate_parts, show_answer
from ._arguments import answer_arguments, format_value, think_value
from ._format import human_bytes, human_time, processor, table
from ._output import not_found, print_json, progress
from ._show import SHOW_PARTS, show_info, show_part

Handler = Callable[[Client, argparse.Namespace, TextIO], None]


@dataclass(frozen=True)
class Verb:
    """One command: its name, aliases, one line of help, its options, and what it runs."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, TextIO], None]
    aliases: Tuple[str, ...] = ()


def _client_verb(handler: Handler) -> Callable[[argparse.Namespace, TextIO], None]:
    def run(args: argparse.Namespace, out: TextIO) -> None:
        with _client(args) as client:
            handler(client, args, out)

    return run


def _client(args: argparse.Namespace) -> Client:
    """``--host`` (one server), else ``--hosts`` or ``OLLAMA_HOSTS`` (several), else ``OLLAMA_HOST``."""
    listed = getattr(args, 'hosts', None) or os.environ.get('OLLAMA_HOSTS') or ''
    hosts = [h.strip() for h in listed.split(',') if h.strip()]
    if getattr(args, 'host', None) is not None or not hosts:
        return Client(getattr(args, 'host', None))
    return Client(hosts=hosts)


def _hosts_column(client: Client, rows: List[List[str]], entries: List[Any], header: List[str]) -> List[str]:
    """With several hosts, each row ends with the host that has the model."""
    if not client.hosts:
        return header
    for row, entry in zip(rows, entries):
        row.append(host_of(entry) or '')
    return [*header, 'HOST']


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


# --- list, ps, show ------------------------------------------------------------------------------------------


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('prefix', nargs='?', help='only models whose name starts with this')


def _matches(name: str, prefix: Optional[str]) -> bool:
    return not prefix or name.lower().startswith(prefix.lower())


def _list(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    reply = client.list()
    if args.json:
        print_json(reply, out)
        return
    rows, shown = [], []
    for m in reply.models:
        name = m.name or m.model or ''
        if _matches(name, args.prefix):
            size = '-' if m.remote_model else human_bytes(m.size or 0)
            rows.append([name, (m.digest or '')[:12], size, human_time(m.modified_at, 'Never')])
            shown.append(m)
    table(rows, out, _hosts_column(client, rows, shown, ['NAME', 'ID', 'SIZE', 'MODIFIED']))


def _until(expires_at: Optional[datetime.datetime]) -> str:
    if expires_at is not None:
        aware = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=datetime.timezone.utc)
        if aware < datetime.datetime.now(datetime.timezone.utc):
            return 'Stopping...'
    return human_time(expires_at, 'Never')


def _ps(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    reply = client.ps()
    if args.json:
        print_json(reply, out)
        return
    rows, shown = [], []
    for m in reply.models:
        name = m.name or m.model or ''
        if _matches(name, args.prefix):
            size = m.size or 0
            rows.append(
                [name, (m.digest or '')[:12], human_bytes(size), processor(size, m.size_vram or 0),
                 str(m.context_length or 0), _until(m.expires_at)]
            )  # fmt: skip
            shown.append(m)
    header = ['NAME', 'ID', 'SIZE', 'PROCESSOR', 'CONTEXT', 'UNTIL']
    table(rows, out, _hosts_column(client, rows, shown, header))


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('model')
    for part in SHOW_PARTS:
        parser.add_argument(f'--{part}', action='store_true', help=f'show only the {part} of the model')
    parser.add_argument('-v', '--verbose', action='store_true', help='also the metadata and the tensors')


def _show(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    chosen = [part for part in SHOW_PARTS if getattr(args, part)]
    if len(chosen) > 1:
        raise RequestError(
            "only one of '--license', '--modelfile', '--parameters', '--system', or '--template' can be specified"
        )
    reply = client.show(args.model, verbose=args.verbose or None)
    if args.json:
        print_json(reply, out)
        return
    if 'image' in (reply.capabilities or []):
        raise RequestError('image generation models are not currently supported')
    if chosen:
        show_part(reply, chosen[0], out)
    else:
        show_info(reply, out, verbose=args.verbose)


# --- pull, push, stop, cp, rm --------------------------------------------------------------------------------


def _transfer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('model')
    parser.add_argument('--insecure', action='store_true', help='use an insecure registry')


def _pull(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    progress(client.pull(args.model, insecure=args.insecure, stream=True), args, out, 'pull')


def _push(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    try:
        progress(client.push(args.model, insecure=args.insecure, stream=True), args, out, 'push')
    except ResponseError as error:
        if 'access denied' in error.error.lower() or 'unauthorized' in error.error.lower():
            raise ResponseError(
                'you are not authorized to push to this namespace, create the model under a namespace you own',
                error.status_code,
            ) from None
        raise
    if not args.json:
        out.write(f'\nYou can find your model at:\n\n\t{_pushed_to(args.model)}\n')


def _pushed_to(name: str) -> str:
    """Where a pushed model is seen: its ollama.com page for the default registry, else its full name."""
    host, _, rest = name.partition('/')
    if not rest or ('.' not in host and ':' not in host):
        host, rest = 'registry.ollama.ai', name
    if not host.endswith(('.ollama.ai', '.ollama.com')):
        return name
    shortest = rest[len('library/') :] if rest.startswith('library/') else rest
    return 'https://ollama.com/' + (shortest[: -len(':latest')] if shortest.endswith(':latest') else shortest)


def _model_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('model')


def unload(client: Client, model: str) -> None:
    """Take ``model`` out of memory now (a generate request with ``keep_alive`` 0 and no prompt)."""
    client.generate(model, keep_alive=0)


def _stop(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    try:
        client.show(args.model)
        unload(client, args.model)
    except ResponseError as error:
        if not_found(error):
            raise ResponseError(f'couldn\'t find model "{args.model}" to stop', error.status_code) from None
        raise
    if args.json:
        print_json({'status': 'success', 'model': args.model}, out)


def _cp_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('source')
    parser.add_argument('destination')


def _cp(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    client.copy(args.source, args.destination)
    if args.json:
        print_json({'status': 'success'}, out)
    else:
        out.write(f"copied '{args.source}' to '{args.destination}'\n")


def _rm_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('models', nargs='+', metavar='model')


def _rm(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    loaded = {m.name or m.model for m in client.ps().models}
    for model in args.models:
        # A model in memory is unloaded first, as ollama does, so deleting it frees the memory too.
        if model in loaded or f'{model}:latest' in loaded:
            unload(client, model)
        client.delete(model)
        if args.json:
            print_json({'status': 'success', 'model': model}, out)
        else:
            out.write(f"deleted '{model}'\n")


# --- generate, embed, version --------------------------------------------------------------------------------


def _generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('model')
    parser.add_argument('prompt', nargs='+')
    answer_arguments(parser)


def _generate(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    show_answer(
        lambda: client.generate(
            args.model, ' '.join(args.prompt), stream=True, think=think_value(args.think),
            format=format_value(args.format), keep_alive=args.keepalive,
        ),
        generate_parts, out, on_chunk=(lambda chunk: print_json(chunk, out)) if args.json else None,
        hide_thinking=args.hidethinking, wrap=not args.nowordwrap, verbose=args.verbose,
    )  # fmt: skip


def _embed_arguments(parser: argparse.ArgumentParser) -> None:
    from ._embed_file import embed_file_arguments

    parser.add_argument('model')
    parser.add_argument('text', nargs='*')
    parser.add_argument('--dimensions', type=int)
    embed_file_arguments(parser)


def _embed(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    if args.file is not None:
        if args.text:
            raise RequestError('give texts or -f FILE, not both')
        from ._embed_file import embed_file

        embed_file(client, args, out)
        return
    if not args.text:
        raise RequestError('nothing to embed: give one or more texts, or -f FILE (one text a line)')
    reply = client.embed(args.model, args.text, dimensions=args.dimensions)
    if args.json:
        print_json(reply, out)
        return
    for text, vector in zip(args.text, reply.embeddings):
        shown = ', '.join(f'{x:.4f}' for x in vector[:4])
        out.write(f'{text!r}: [{shown}{", …" if len(vector) > 4 else ""}] ({len(vector)} dimensions)\n')


def _version(args: argparse.Namespace, out: TextIO) -> None:
    """``ollama -v``'s lines: this client's version, then the server's, or a warning when it cannot be reached."""
    from .._version import __version__

    server: Optional[str] = None
    # Asked once, as ollama asks: a version check does not wait through retries for a server that is not there.
    with Client(args.host, retries=0) as client, contextlib.suppress(ConnectError, RequestTimeout):
        server = client.version().version
    if args.json:
        print_json({'client': __version__, 'server': server}, out)
        return
    out.write(f'ollama-lite version is {__version__}\n')
    out.write(
        f'ollama version is {server}\n' if server else 'Warning: could not connect to a running Ollama instance\n'
    )


# --- serve-emulator, demo ------------------------------------------------------------------------------------


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--host', '--bind', dest='bind', default='127.0.0.1', help='address to listen on')
    parser.add_argument('--port', type=int, default=11434)
    parser.add_argument('--models', help='comma-separated models to preload')
    parser.add_argument('--token-delay', type=float, default=0.0, help='seconds between streamed tokens')
    parser.add_argument(
        '--log',
        action='store_true',
        help='print a line per request on stderr: method, path, model, status, seconds, whether the client left early',
    )


def _serve_emulator(args: argparse.Namespace, out: TextIO) -> None:
    require_aiohttp('ollama-lite serve-emulator')
    from ..testing import serve

    models = [m.strip() for m in args.models.split(',') if m.strip()] if args.models else None
    serve(
        host=args.bind,
        port=args.port,
        models=models,
        token_delay=args.token_delay,
        log=sys.stderr if args.log else None,
    )


def _demo(args: argparse.Namespace, out: TextIO) -> None:
    from .._demo import run

    run(host=args.host, out=out)


def verbs() -> Tuple[Verb, ...]:
    """Every verb, in the order the help lists them."""
    from ._create import create, create_arguments
    from ._run import chat, chat_arguments, run, run_arguments

    return (
        Verb('run', 'run a model: pull it if missing, then chat (or answer PROMPT)', run_arguments, _client_verb(run)),
        Verb(
            'chat', 'chat with a model (streams tokens; no prompt: a conversation)', chat_arguments, _client_verb(chat)
        ),
        Verb('generate', 'a completion for a prompt (streams tokens)', _generate_arguments, _client_verb(_generate)),
        Verb('list', 'list local models', _list_arguments, _client_verb(_list), aliases=('ls',)),
        Verb('ps', 'list loaded models', _list_arguments, _client_verb(_ps)),
        Verb('show', 'show information for a model', _show_arguments, _client_verb(_show)),
        Verb('stop', 'stop a running model (unload it)', _model_argument, _client_verb(_stop)),
        Verb('pull', 'pull a model from a registry, with progress', _transfer_arguments, _client_verb(_pull)),
        Verb('push', 'push a model to a registry, with progress', _transfer_arguments, _client_verb(_push)),
        Verb('create', 'create a model from a Modelfile', create_arguments, _client_verb(create)),
        Verb('cp', 'copy a model', _cp_arguments, _client_verb(_cp)),
        Verb('rm', 'remove models', _rm_arguments, _client_verb(_rm)),
        Verb('embed', 'embed texts, or each line of a file (-f)', _embed_arguments, _client_verb(_embed)),
        Verb('version', "ollama-lite's version, and the server's when reachable", _no_arguments, _version),
        Verb('serve-emulator', 'run the bundled Ollama emulator', _serve_arguments, _serve_emulator),
        Verb('demo', 'tour ollama_lite against the emulator (or --host)', _no_arguments, _demo),
    )
