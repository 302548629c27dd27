"""What seeing into the client costs: import time, per call and per stream chunk, today's tree against this one.

    python bench/observe.py --before DIR       # DIR: a copy of the tree to compare with (e.g. main's)
    python bench/observe.py --before DIR --quick

The load and stop calls, client defaults, ``stream.final()`` and the watch machinery (logger, event hooks,
OpenTelemetry spans) must cost nothing measurable when unused. Each row runs in fresh processes, the trees
taking turns, against ``bench/server.py`` on 127.0.0.1. What is timed is the client process's CPU time
(``time.process_time``), not the wall clock: the overhead in question is the client's own work, and CPU time
stays readable on a machine busy with other work, where wall-clock times of a request are mostly waiting.

- ``import``: ``import ollama_lite; ollama_lite.Client()``.
- ``sync_chat``/``async_chat``: sequential non-streamed chats, per call.
- ``sync_stream``/``async_stream``: one long chat stream, per chunk (every chunk now also feeds ``final()``).

``--after`` (default: this working tree) is measured unwatched with OpenTelemetry made unimportable (the
default install), and then, for scale, with the API installed but no SDK, with a no-op request and response
hook, and with the logger at INFO into its NullHandler. Prints a table of medians and ratios and writes JSON to
``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import ROOT, Server, _env  # noqa: E402  (bench/ is not a package)

#: Runs in a fresh interpreter: ``MODE WHAT BASE N REPEAT``; prints the CPU seconds of each repeat as JSON.
_WORKER = r"""
import asyncio, importlib.abc, json, logging, sys, time
mode, what, base, n, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
if mode != 'otel-api':
    class _Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split('.')[0] == 'opentelemetry':
                raise ImportError(name)
    sys.meta_path.insert(0, _Absent())
if what == 'import':
    t0 = time.process_time()
    import ollama_lite
    ollama_lite.Client()
    print(json.dumps([time.process_time() - t0]))
    raise SystemExit
import ollama_lite
kwargs = {}
if mode == 'hook':
    kwargs['event_hooks'] = {'request': [lambda view: None], 'response': [lambda view: None]}
if mode == 'info-log':
    logging.getLogger('ollama_lite').setLevel(logging.INFO)
MESSAGES = [{'role': 'user', 'content': 'Why is the sky blue?'}]
out = []
if what.startswith('sync'):
    client = ollama_lite.Client(base, **kwargs)
    def once():
        if what == 'sync_chat':
            for _ in range(n):
                client.chat('bench', MESSAGES)
        else:
            for _ in client.chat(f'chunks-{n}', MESSAGES, stream=True):
                pass
    once()
    for _ in range(repeat):
        t0 = time.process_time(); once(); out.append(time.process_time() - t0)
else:
    async def main():
        async with ollama_lite.AsyncClient(base, **kwargs) as client:
            async def once():
                if what == 'async_chat':
                    for _ in range(n):
                        await client.chat('bench', MESSAGES)
                else:
                    async for _ in await client.chat(f'chunks-{n}', MESSAGES, stream=True):
                        pass
            await once()
            for _ in range(repeat):
                t0 = time.process_time(); await once(); out.append(time.process_time() - t0)
    asyncio.run(main())
print(json.dumps(out))
"""

ROWS = ('import', 'sync_chat', 'async_chat', 'sync_stream', 'async_stream')
MODES_AFTER = ('unwatched', 'otel-api', 'hook', 'info-log')


def _run(tree: Path, mode: str, what: str, base: str, n: int, repeat: int) -> List[float]:
    env = _env()
    env['PYTHONPATH'] = str(tree)
    done = subprocess.run(
        [sys.executable, '-c', _WORKER, mode, what, base, str(n), str(repeat)],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f'{tree} {mode} {what}: {done.stderr.strip().splitlines()[-1:]}')
    return [float(x) for x in json.loads(done.stdout.strip().splitlines()[-1])]


def _unit(what: str) -> Tuple[str, float]:
    if what == 'import':
        return 'ms', 1e3
    return ('us/call', 1e6) if 'chat' in what else ('ns/chunk', 1e9)


def measure(before: Path, after: Path, quick: bool, rounds: int) -> Dict[str, Dict[str, Tuple[float, str]]]:
    chats, chunks = (200, 5000) if quick else (500, 20_000)
    repeat = 1 if quick else 3
    sizes = {'import': 1, 'sync_chat': chats, 'async_chat': chats, 'sync_stream': chunks, 'async_stream': chunks}
    results: Dict[str, Dict[str, Tuple[float, str]]] = {}
    server = Server()
    try:
        for what in ROWS:
            n = sizes[what]
            columns = [('before', before, 'unwatched')] + [(m, after, m) for m in MODES_AFTER]
            if what == 'import':
                columns = columns[:3]  # hooks and logging are not set up at import
            times: Dict[str, List[float]] = {}
            # The trees and modes take turns, so that drift in the machine's speed hits them alike.
            for _ in range(rounds * (5 if what == 'import' else 1)):
                for name, tree, mode in columns:
                    times.setdefault(name, []).extend(_run(tree, mode, what, server.base, n, repeat))
            unit, scale = _unit(what)
            per = 1 if what == 'import' else n
            results[what] = {k: (statistics.median(v) / per * scale, unit) for k, v in times.items()}
            print(what, {k: f'{v[0]:.2f} {v[1]}' for k, v in results[what].items()}, flush=True)
    finally:
        server.close()
    return results


#: In-process timings of exactly what an unwatched call and a stream chunk now do more, beside what they did anyway.
_MICRO = r"""
import importlib.abc, json, sys, timeit
if sys.argv[1] == 'unwatched':  # as installed by default: no OpenTelemetry
    class _Absent(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split('.')[0] == 'opentelemetry':
                raise ImportError(name)
    sys.meta_path.insert(0, _Absent())
from ollama_lite import _api
from ollama_lite._assemble import ChatAssembler
from ollama_lite._observe import Observer
observer = Observer(None, (), lambda url: {})
body = _api.chat('bench', [{'role': 'user', 'content': 'Why is the sky blue?'}]).body
line = (
    b'{"model":"bench","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"word "},'
    b'"done":false}\n'
)
decoder = _api.chat('bench', stream=True).stream_decoder()
chunk = next(decoder.feed(line))
assembler = ChatAssembler()
n = 200_000
def best(stmt):
    return min(timeit.repeat(stmt, number=n, repeat=7)) / n * 1e9
print(json.dumps({
    'begin() of an unwatched call': best(lambda: observer.begin('chat', 'POST', 'http://h/api/chat', body, False)),
    'building the chat request (for scale)': best(lambda: _api.chat('bench', [{'role': 'user', 'content': 'hi'}])),
    'final()\'s feed of one chunk': best(lambda: assembler.feed(chunk)),
    'decoding one chunk line (for scale)': best(lambda: list(decoder.feed(line))),
}))
"""


def micro(after: Path, mode: str = 'unwatched') -> Dict[str, float]:
    """Nanoseconds per operation, best of 7, in one process of the tree under test (``mode``: ``unwatched``,
    without OpenTelemetry, or ``otel-api``, with its API and no SDK)."""
    env = _env()
    env['PYTHONPATH'] = str(after)
    done = subprocess.run(
        [sys.executable, '-c', _MICRO, mode], capture_output=True, text=True, env=env, timeout=600, check=True
    )
    return {k: float(v) for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items()}


def _cell(cells: Dict[str, Tuple[float, str]], mode: str) -> str:
    return f'{cells[mode][0]:.2f}' if mode in cells else '—'


def table(results: Dict[str, Dict[str, Tuple[float, str]]]) -> str:
    head = (
        '| workload | unit | before | after, unused | ratio | after, otel API, no SDK | after, a no-op hook '
        '| after, INFO log |'
    )
    lines = [head, '|' + '---|' * 8]
    for what, cells in results.items():
        before, after = cells['before'][0], cells['unwatched'][0]
        lines.append(
            f'| {what} | {cells["before"][1]} | {before:.2f} | {after:.2f} | {after / before:.3f} | '
            f'{_cell(cells, "otel-api")} | {_cell(cells, "hook")} | {_cell(cells, "info-log")} |'
        )
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--before', required=True, type=Path, help='a copy of the tree to compare with')
    parser.add_argument('--after', type=Path, default=ROOT, help='the tree under test (default: this one)')
    parser.add_argument('--quick', action='store_true', help='small sizes: a smoke run')
    parser.add_argument('--rounds', type=int, default=None, help='processes per tree and row (default 3, quick 1)')
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 3)
    started = time.time()
    costs = micro(args.after.resolve())
    with_api = micro(args.after.resolve(), 'otel-api')
    costs['begin() with the OpenTelemetry API, no SDK'] = with_api['begin() of an unwatched call']
    print('\n'.join(f'{name}: {ns:.0f} ns' for name, ns in costs.items()))
    results = measure(args.before.resolve(), args.after.resolve(), args.quick, rounds)
    print(table(results))
    out = HERE / 'results' / f'observe-{int(started)}.json'
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({'rounds': rounds, 'quick': args.quick, 'micro_ns': costs, 'results': results}, indent=1))
    print(f'wrote {out.relative_to(ROOT)}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
