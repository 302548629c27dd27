"""``ollama-lite run MODEL [PROMPT]`` and ``ollama-lite chat MODEL [PROMPT]``.

``run`` is ``ollama run``: the model is pulled first when missing (with progress), then a prompt is answered
once (``/api/generate``), or, with no prompt on a terminal, a conversation starts. ``chat`` uses ``/api/chat``
for a prompt too; without a prompt it converses, a message per line when its input is a pipe.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, TextIO

from .._errors import RequestError, ResponseError
from .._sync import Client
from .._types import ShowResponse
from ._answer import chat_parts, generate_parts, show_answer
from ._arguments import answer_arguments, format_value, think_value
from ._attachments import extract_files
from ._interactive import Session, apply_show, converse, preload
from ._output import not_found, print_json, progress


def run_arguments(parser: argparse.ArgumentParser) -> None:
    """``run``'s options, those of ``ollama run``."""
    parser.add_argument('model', metavar='MODEL')
    parser.add_argument('prompt', nargs='*', metavar='PROMPT', help='answered once; without it, a conversation starts')
    answer_arguments(parser)
    parser.add_argument('--insecure', action='store_true', help='use an insecure registry when pulling')
    parser.add_argument('--dimensions', type=int, help='embedding models: truncate the vector to this size')


def chat_arguments(parser: argparse.ArgumentParser) -> None:
    """``chat``'s options: ``run``'s, and ``--system``."""
    parser.add_argument('model', metavar='MODEL')
    parser.add_argument('prompt', nargs='*', metavar='PROMPT', help='answered once; without it, a conversation starts')
    answer_arguments(parser)
    parser.add_argument('--system', help='a system message to start with')


def _show_or_pull(client: Client, args: argparse.Namespace, out: TextIO) -> ShowResponse:
    try:
        return client.show(args.model)
    except ResponseError as error:
        if not not_found(error):
            raise
    progress(client.pull(args.model, insecure=args.insecure, stream=True), args, out, 'pull')
    return client.show(args.model)


def _session(args: argparse.Namespace) -> Session:
    """A session with the options of the command line."""
    think = think_value(args.think)
    return Session(
        args.model, think=think, think_explicit=think is not None, hide_thinking=args.hidethinking,
        format=format_value(args.format), keep_alive=args.keepalive, verbose=args.verbose,
        word_wrap=not args.nowordwrap,
    )  # fmt: skip


def run(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    """Pull if missing, then answer the prompt or hold a conversation."""
    info = _show_or_pull(client, args, out)
    capabilities = info.capabilities or []
    if 'image' in capabilities:
        raise RequestError('image generation models are not currently supported')
    session = _session(args)
    apply_show(session, info)
    prompt = ' '.join(args.prompt)
    from_terminal = sys.stdin.isatty()
    if not from_terminal:  # as in ollama, piped text comes first and the words on the line after it
        prompt = ' '.join(part for part in (sys.stdin.read(), prompt) if part)
    interactive = from_terminal and not prompt and out.isatty()
    if 'embedding' in capabilities:
        if not prompt:
            raise RequestError(f'embedding models require input text. Usage: ollama-lite run {args.model} "your text"')
        vectors = client.embed(args.model, prompt, dimensions=args.dimensions, keep_alive=args.keepalive).embeddings
        out.write(json.dumps(vectors[0], separators=(',', ':')) + '\n')
        return
    if interactive:
        preload(client, session, out)
        converse(client, session, out, interactive=True)
        return
    _answer_once(client, session, prompt, args, out)


def _answer_once(client: Client, session: Session, prompt: str, args: argparse.Namespace, out: TextIO) -> None:
    images: Any = None
    if session.multimodal:
        prompt, files = extract_files(prompt, sys.stderr)
        images = files or None
    _print_answer(
        lambda: client.generate(
            session.model, prompt, stream=True, think=session.think, format=session.format, images=images,
            keep_alive=session.keep_alive,
        ),
        generate_parts, args, out,
    )  # fmt: skip
    if prompt and not args.json:
        out.write('\n')  # ollama leaves a blank line after a one-off answer


def _print_answer(request: Callable[[], Any], parts: Any, args: argparse.Namespace, out: TextIO) -> None:
    on_chunk = (lambda chunk: print_json(chunk, out)) if args.json else None
    show_answer(request, parts, out, on_chunk=on_chunk, hide_thinking=args.hidethinking, wrap=not args.nowordwrap,
                verbose=args.verbose)  # fmt: skip


def chat(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    """Answer the prompt through ``/api/chat``, or converse (a terminal: ``run``'s REPL; a pipe: line by line)."""
    session = _session(args)
    if args.system:
        session.system = args.system
        session.messages.append({'role': 'system', 'content': args.system})
    if args.prompt:
        session.messages.append({'role': 'user', 'content': ' '.join(args.prompt)})
        _print_answer(
            lambda: client.chat(
                args.model, session.messages, stream=True, think=session.think, format=session.format,
                keep_alive=session.keep_alive,
            ),
            chat_parts, args, out,
        )  # fmt: skip
        return
    interactive = sys.stdin.isatty() and out.isatty()
    if interactive:
        apply_show(session, client.show(args.model))
        preload(client, session, out)
    converse(client, session, out, interactive=interactive)
