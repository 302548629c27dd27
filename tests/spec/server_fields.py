"""Regenerate (or ``--check``) ``server_fields.json``: the JSON field names of Ollama's server, as facts.

The file holds, for the pinned server commit, each struct of ``api/types.go`` with its fields' Go names and JSON
tags (embedded structs named as such), and the key sets of the ``gin.H{...}`` objects ``server/routes.go``
answers with where no struct exists (errors, the version). Names only: no code of the server is copied.

    git --git-dir=<ollama clone>/.git show <commit>:api/types.go > types.go
    git --git-dir=<ollama clone>/.git show <commit>:server/routes.go > routes.go
    python -m tests.spec.server_fields --types-go types.go --routes-go routes.go          # rewrite the file
    python -m tests.spec.server_fields --types-go types.go --routes-go routes.go --check  # compare, exit 1 if not

``--commit`` records another commit than the pinned one (when moving the pin).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

DATA = Path(__file__).with_name('server_fields.json')
#: The server snapshot the project tests against (see the spec's SOURCES note).
PINNED_COMMIT = 'fb30760996871fa9460115c753afd2c60d4ab0f7'

_STRUCT = re.compile(r'^type (\w+) struct \{$')
# A field line: `Name Type` or an embedded `Type`, then an optional tag; comments stripped first.
_FIELD = re.compile(r'^(?P<names>\w+(?:\s*,\s*\w+)*)?\s*(?P<type>[^`]*?)\s*(?:`(?P<tag>[^`]*)`)?$')
_JSON_TAG = re.compile(r'json:"([^"]*)"')
_GIN_H = re.compile(r'gin\.H\{(.*?)\}', re.DOTALL)
_GIN_KEY = re.compile(r'"(\w+)"\s*:')


def parse_types(source: str) -> Dict[str, List[Dict[str, str]]]:
    """Each top-level struct of ``source`` (Go), in file order: its fields as ``{"field", "json"}`` (``json`` is
    the tag's text, ``""`` when untagged) or ``{"embed"}`` for an embedded struct without a tag."""
    structs: Dict[str, List[Dict[str, str]]] = {}
    current: Optional[List[Dict[str, str]]] = None
    for raw in source.splitlines():
        # A tag never holds "//"; a comment may follow it.
        line = '`'.join(raw.split('`')[:2]) + '`' if raw.count('`') >= 2 else raw.split('//', 1)[0]
        line = line.strip()
        if current is None:
            match = _STRUCT.match(line)
            if match:
                current = structs.setdefault(match.group(1), [])
            continue
        if line == '}':
            current = None
            continue
        if not line:
            continue
        if line.endswith('{'):
            raise ValueError(f'a nested struct is not read: {raw!r}')
        field = _FIELD.match(line)
        if field is None:
            raise ValueError(f'cannot read the struct field line {raw!r}')
        tag = _JSON_TAG.search(field.group('tag') or '')
        names = field.group('names') or ''
        kind = field.group('type')
        if not kind:  # an embedded type: the "names" group holds the type's name
            if tag is None:
                current.append({'embed': names})
            else:  # embedded with a tag (``Tools `json:"tools"```): an ordinary field of that name
                current.append({'field': names, 'json': tag.group(1)})
            continue
        for name in re.split(r'\s*,\s*', names):
            if name[:1].isupper():  # unexported fields never reach JSON
                current.append({'field': name, 'json': tag.group(1) if tag else ''})
    return structs


def parse_routes(source: str) -> List[List[str]]:
    """The distinct key sets of the ``gin.H{...}`` literals in ``source`` (Go), each sorted, sorted."""
    sets = {tuple(sorted(set(_GIN_KEY.findall(body)))) for body in _GIN_H.findall(source)}
    return [list(keys) for keys in sorted(s for s in sets if s)]


def generate(types_go: Path, routes_go: Path, commit: str) -> Dict[str, Any]:
    """The data file's content for the two sources."""
    types_text = types_go.read_text(encoding='utf-8')
    routes_text = routes_go.read_text(encoding='utf-8')
    return {
        'about': 'JSON field names of the Ollama server, from api/types.go and server/routes.go at "commit"; '
        'regenerate with python -m tests.spec.server_fields',
        'repository': 'https://github.com/ollama/ollama',
        'commit': commit,
        'sha256': {
            'api/types.go': hashlib.sha256(types_text.encode()).hexdigest(),
            'server/routes.go': hashlib.sha256(routes_text.encode()).hexdigest(),
        },
        'structs': parse_types(types_text),
        'gin_h': parse_routes(routes_text),
    }


def render(data: Dict[str, Any]) -> str:
    """The file's text: JSON with one field per line, stable and diffable."""
    dump = functools.partial(json.dumps, ensure_ascii=False)
    lines = ['{']
    for key, value in data.items():
        if key == 'structs':
            lines.append(f' {dump(key)}: {{')
            for i, (name, fields) in enumerate(value.items()):
                entries = ',\n'.join(f'   {dump(entry)}' for entry in fields)
                comma = ',' if i < len(value) - 1 else ''
                lines.append(f'  {dump(name)}: [\n{entries}\n  ]{comma}' if fields else f'  {dump(name)}: []{comma}')
            lines.append(' },')
        elif key == 'gin_h':
            lines.append(f' {dump(key)}: [\n' + ',\n'.join(f'  {dump(keys)}' for keys in value) + '\n ],')
        else:
            lines.append(f' {dump(key)}: {dump(value)},')
    lines[-1] = lines[-1].rstrip(',')
    return '\n'.join(lines) + '\n}\n'


def committed() -> Dict[str, Any]:
    """The data file as committed."""
    with open(DATA, encoding='utf-8') as f:
        loaded: Dict[str, Any] = json.load(f)
    return loaded


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.spec.server_fields', description=__doc__.split('\n')[0])
    parser.add_argument('--types-go', type=Path, required=True, help="the server's api/types.go at the commit")
    parser.add_argument('--routes-go', type=Path, help='its server/routes.go (default: ../server/routes.go)')
    parser.add_argument('--commit', default=None, help=f'the commit they come from (default: {PINNED_COMMIT})')
    parser.add_argument('--check', action='store_true', help='compare with the committed file; change nothing')
    args = parser.parse_args(argv)
    routes_go = args.routes_go or args.types_go.resolve().parent.parent / 'server' / 'routes.go'
    for path in (args.types_go, routes_go):
        if not path.is_file():
            parser.error(f'{path} is not a file')
    commit = args.commit or (committed()['commit'] if DATA.is_file() and args.check else PINNED_COMMIT)
    text = render(generate(args.types_go, routes_go, commit))
    if not args.check:
        DATA.write_text(text, encoding='utf-8')
        print(f'wrote {DATA.name} from {args.types_go} and {routes_go} at {commit}')
        return 0
    current = DATA.read_text(encoding='utf-8') if DATA.is_file() else ''
    if current == text:
        print(f'{DATA.name} is what {args.types_go} and {routes_go} give')
        return 0
    old, new = json.loads(current or '{}'), json.loads(text)
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            print(f'{DATA.name}: {key!r} differs from what the sources give', file=sys.stderr)
    for name in sorted(set(old.get('structs', {})) | set(new['structs'])):
        if old.get('structs', {}).get(name) != new['structs'].get(name):
            print(f'  struct {name}: committed {old.get("structs", {}).get(name)}', file=sys.stderr)
            print(f'  {"":>{len(name) + 7}}  sources   {new["structs"].get(name)}', file=sys.stderr)
    print('regenerate it: ' + ' '.join(['python -m tests.spec.server_fields', '--types-go', str(args.types_go),
                                         '--routes-go', str(routes_go)]), file=sys.stderr)  # fmt: skip
    return 1


if __name__ == '__main__':
    sys.exit(main())
