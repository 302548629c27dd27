"""``ollama-lite create NAME -f Modelfile``: a Modelfile to a create request, uploading local model files.

``FROM`` (or ``ADAPTER``) naming a file or directory next to the Modelfile uploads it first: a GGUF file, or a
directory's safetensors (or GGUF, or PyTorch) weights with their JSON configuration and tokenizer. Each file is
sent with ``create_blob``, which skips what the server already has; the request then names the files by their
path relative to the directory they share.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, TextIO

from .._errors import RequestError
from .._modelfile import ModelfileCommand, ModelfileError, parse_modelfile
from .._sync import Client
from .._types import ProgressResponse
from ._output import progress
from ._progress import ProgressPrinter

# Weights looked for in a model directory, the first pattern that matches wins (Ollama's order).
_WEIGHTS = (
    'model*.safetensors',
    'consolidated*.safetensors',
    'pytorch_model*.bin',
    'consolidated*.pth',
    '*.gguf',
    '*.bin',
)
_EXTRAS = ('*.json', '*/*.json', 'chat_template.jinja', 'tokenizer.model', '*/tokenizer.model')


def create_arguments(parser: argparse.ArgumentParser) -> None:
    """``create``'s options: ``ollama create``'s, and some Modelfile lines as options."""
    parser.add_argument('model')
    parser.add_argument('-f', '--file', metavar='MODELFILE', help='the Modelfile (default: ./Modelfile)')
    parser.add_argument('-q', '--quantize', help='quantize the model to this level (e.g. q4_K_M)')
    parser.add_argument('--from', dest='from_', metavar='MODEL', help='as FROM MODEL (instead of a Modelfile)')
    parser.add_argument('--system', help='as a SYSTEM line')
    parser.add_argument('--template', help='as a TEMPLATE line')
    parser.add_argument('--license', help='as a LICENSE line')
    parser.add_argument('--parameter', action='append', metavar='KEY=VALUE', help='as a PARAMETER line')
    parser.add_argument('--blob', action='append', metavar='NAME=DIGEST', help='a file uploaded with create_blob')


def _read_modelfile(args: argparse.Namespace) -> Optional[Path]:
    if args.file:
        path = Path(args.file).expanduser()
        if not path.is_file():
            raise RequestError(f"specified Modelfile wasn't found: {args.file}")
        return path
    if args.from_ or args.blob:
        return None
    default = Path('Modelfile')
    return default if default.is_file() else None


def _pairs(items: Optional[List[str]], flag: str, sep_hint: str) -> Dict[str, str]:
    pairs: Dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition('=')
        if not sep or not key or not value:
            raise RequestError(f'{flag} takes {sep_hint}, got {item!r}')
        pairs[key] = value
    return pairs


def _parameters(items: Optional[List[str]]) -> Dict[str, Any]:
    values: Dict[str, Any] = {}
    for key, text in _pairs(items, '--parameter', 'KEY=VALUE').items():
        try:
            values[key] = json.loads(text)
        except ValueError:
            values[key] = text
    return values


def _local_path(command: ModelfileCommand, base: Path) -> Optional[Path]:
    path = Path(os.path.expanduser(command.value))
    path = path if path.is_absolute() else base / path
    return path if path.exists() else None


def _model_files(path: Path, command: ModelfileCommand) -> List[Path]:
    if path.is_file():
        return [path]
    for pattern in _WEIGHTS:
        weights = sorted(path.glob(pattern))
        if weights:
            if pattern == 'model*.safetensors':
                weights += sorted(path.glob('*/model*.safetensors'))
            break
    else:
        raise ModelfileError(f'no safetensors, GGUF or PyTorch weights in {path}', command.line)
    extras = [p for pattern in _EXTRAS for p in sorted(path.glob(pattern)) if p.is_file()]
    return weights + [p for p in extras if p not in weights]


def _request_names(files: List[Path]) -> Dict[Path, str]:
    """The name each file goes by in the request: its base name, or its path below the folder all share."""
    if len(files) < 2:
        return {f: f.name for f in files}
    root = Path(os.path.commonpath([str(f.resolve().parent) for f in files]))
    return {f: f.resolve().relative_to(root).as_posix() for f in files}


def _upload(client: Client, files: List[Path], printer: ProgressPrinter) -> Dict[str, str]:
    names = _request_names(files)
    uploaded: Dict[str, str] = {}
    for path in files:
        # A bar per file, moving as the upload reads it; full once create_blob returns (also when skipped).
        name, size = names[path], path.stat().st_size
        status, key = f'copying file {name}', f'file:{name}'

        def sent(done: int, total: int, status: str = status, key: str = key) -> None:
            printer.update(ProgressResponse(status=status, digest=key, total=total, completed=done))

        sent(0, size)
        uploaded[name] = client.create_blob(path, progress=sent)
        sent(size, size)
    return uploaded


def create(client: Client, args: argparse.Namespace, out: TextIO) -> None:
    """Build the create request from the Modelfile (and options), upload local files, and create the model."""
    blobs = _pairs(args.blob, '--blob', 'NAME=sha256:DIGEST')
    parameters = _parameters(args.parameter)
    modelfile = _read_modelfile(args)
    if modelfile is not None or not (args.from_ or blobs):
        kwargs = _from_modelfile(client, modelfile, blobs, args, out)
    else:
        kwargs = {'files': blobs} if blobs else {}
    for key in ('from_', 'system', 'template', 'license'):
        value = getattr(args, key)
        if value is not None:
            kwargs[key] = value
    if args.from_:
        kwargs.pop('files', None)
    if parameters:
        kwargs['parameters'] = {**kwargs.get('parameters', {}), **parameters}
    if args.quantize:
        kwargs['quantize'] = args.quantize
    progress(client.create(args.model, stream=True, **kwargs), args, out, 'create')


def _from_modelfile(
    client: Client, path: Optional[Path], blobs: Dict[str, str], args: argparse.Namespace, out: TextIO
) -> Dict[str, Any]:
    """``create()``'s arguments from the Modelfile at ``path`` (none: ``FROM .``, as ollama), its local files
    uploaded; a ``ModelfileError`` becomes ``<path>:<line>: <message>``."""
    text = path.read_text(encoding='utf-8') if path is not None else 'FROM .\n'
    base = (path or Path('Modelfile')).resolve().parent
    try:
        modelfile = parse_modelfile(text)
        printer = ProgressPrinter(out, out.isatty() and not args.json, verb='create')
        try:
            files = {**blobs, **_upload_local(client, modelfile.from_, base, printer, required=False)}
            adapter = modelfile.adapter
            adapters = _upload_local(client, adapter, base, printer, required=True) if adapter else {}
        finally:
            printer.finish()
        kwargs = modelfile.create_kwargs(files=files or None, adapters=adapters or None)
    except ModelfileError as error:
        if path is None:
            raise RequestError(f'no Modelfile here and {error.message}: pass -f MODELFILE or --from MODEL') from None
        line = f':{error.line}' if error.line is not None else ''
        raise RequestError(f'{path}{line}: {error.message}') from None
    return kwargs


def _upload_local(
    client: Client, command: ModelfileCommand, base: Path, printer: ProgressPrinter, *, required: bool
) -> Dict[str, str]:
    """Upload the file or directory ``command`` names, if it is local; return ``{name: digest}``."""
    found = _local_path(command, base)
    if found is None:
        if required:
            raise ModelfileError(f'{command.name.upper()} {command.value}: no such file or directory', command.line)
        return {}  # FROM a model name
    return _upload(client, _model_files(found, command), printer)
