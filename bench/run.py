"""Benchmark ollama_lite against the official ``ollama`` client and a raw requests/aiohttp floor.

    python bench/run.py            # the full run recorded in BENCHMARKS.md (a few minutes)
    python bench/run.py --quick    # a smoke run with small sizes (well under a minute)

Starts ``bench/server.py`` on 127.0.0.1 (ephemeral port), runs every workload for every client in a
process of its own (``bench/worker.py``), prints a table of medians and ratios, and writes the whole
result as JSON to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, MutableMapping, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLIENTS = ('ollama_lite', 'official', 'raw')
#: No single worker may run longer than this; a stuck client fails its row, not the whole run.
WORKER_TIMEOUT = 900.0
SERVER_START_TIMEOUT = 30.0

# What `import X; X.Client()` means for each client (the raw floor's "client" is a requests Session).
IMPORTS = {
    'ollama_lite': 'import ollama_lite; ollama_lite.Client()',
    'official': 'import ollama; ollama.Client()',
    'raw': 'import requests; requests.Session()',
}
_IMPORT_PROBE = """
import sys, time
t0 = time.perf_counter()
{stmt}
t = time.perf_counter() - t0
print(repr((t, 'aiohttp' in sys.modules, len(sys.modules))))
"""


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    worker: str
    size: int
    size2: int = 0
    #: Target of issue 7: ollama_lite's median divided by this client's must not exceed ``limit``.
    versus: Optional[str] = None
    limit: Optional[float] = None


def workloads(quick: bool) -> List[Workload]:
    """The timed workloads, full size or smoke-test size."""
    chats = 100 if quick else 1000
    chunks = 5000 if quick else 50_000
    embeds = 1 if quick else 5
    achats, conc = (200, 20) if quick else (2000, 100)
    streams, schunks = (10, 200) if quick else (100, 2000)
    return [
        Workload('sync_chats', f'{chats} chats, sync', 'sync_chats', chats, 0, 'official', 0.85),
        Workload('sync_stream', f'stream of {chunks:,} chunks, sync', 'sync_stream', chunks, 0, 'raw', 1.2),
        Workload('embeds', f'embed 200x768, {embeds} times', 'embeds', embeds, 200, 'raw', 1.15),
        Workload('async_chats', f'{achats} chats, async, {conc} at a time', 'async_chats', achats, conc, 'raw', 1.3),
        Workload(
            'async_streams',
            f'{streams} async streams x {schunks} chunks',
            'async_streams',
            streams,
            schunks,
            'raw',
            1.3,
        ),
    ]


def memory_workloads(quick: bool) -> List[Workload]:
    """Peak memory: a long stream (must stay flat) and one large embed reply."""
    chunks = 100_000 if quick else 1_000_000
    vectors = 500 if quick else 2000
    return [
        Workload('stream_memory', f'stream of {chunks:,} chunks', 'stream_memory', chunks),
        Workload('embed_memory', f'embed reply {vectors}x768', 'embed_memory', vectors),
    ]


# --- processes ------------------------------------------------------------------------------------


#: Where the ollama_lite under test is imported from; --lite-path points it at another copy (say, an
#: export of an older commit) to compare versions of the package in the same run.
LITE_PATH = ROOT


def bypass_proxy(env: MutableMapping[str, str]) -> None:
    """Add 127.0.0.1 and localhost to ``env``'s no-proxy lists: a proxy set in the environment must not
    carry the benchmark's 127.0.0.1 traffic for any client."""
    for key in ('NO_PROXY', 'no_proxy'):
        env[key] = ','.join(filter(None, [env.get(key, ''), '127.0.0.1', 'localhost']))


def _env(client: str = '') -> Dict[str, str]:
    env = dict(os.environ)
    # The working tree's ollama_lite (or --lite-path's), and bench/ for the adapters.
    first = str(LITE_PATH) if client == 'ollama_lite' else str(ROOT)
    env['PYTHONPATH'] = os.pathsep.join([first, str(HERE), env.get('PYTHONPATH', '')]).rstrip(os.pathsep)
    bypass_proxy(env)
    env.pop('OLLAMA_HOST', None)
    # Installed packages have their bytecode compiled; give the working tree's package (and every
    # other module) the same chance, in a cache of our own rather than __pycache__ dirs in the tree.
    env.pop('PYTHONDONTWRITEBYTECODE', None)
    env['PYTHONPYCACHEPREFIX'] = str(HERE / 'results' / 'pycache')
    return env


class Server:
    """``bench/server.py`` in a child process; it exits when we close its stdin."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / 'server.py')],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=_env(),
        )
        line: List[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(SERVER_START_TIMEOUT)
        if not line or not line[0].startswith(b'PORT '):
            self.close()
            raise RuntimeError('the bench server did not start')
        self.base = f'http://127.0.0.1:{int(line[0].split()[1])}'

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def run_worker(client: str, w: Workload, base: str, repeat: int) -> Dict[str, Any]:
    cmd = [sys.executable, str(HERE / 'worker.py'), client, w.worker, '--base', base]
    cmd += ['--size', str(w.size), '--size2', str(w.size2), '--repeat', str(repeat)]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, env=_env(client), timeout=WORKER_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return {'error': f'timed out after {WORKER_TIMEOUT:.0f} s'}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ['no output']
        return {'error': f'exit {done.returncode}: {tail[0]}'}
    return json.loads(lines[-1])


def import_times(clients: List[str], runs: int) -> Dict[str, Dict[str, Any]]:
    """``import X; X.Client()`` timed in ``runs`` fresh interpreters per client, the clients taking turns."""
    cmds = {c: [sys.executable, '-c', _IMPORT_PROBE.format(stmt=IMPORTS[c])] for c in clients}
    out: Dict[str, Dict[str, Any]] = {c: {'seconds': []} for c in clients}
    for c in clients:
        # One untimed run first, so every timed run finds the bytecode caches written.
        subprocess.run(cmds[c], env=_env(c), capture_output=True, check=True, timeout=120)
    for i in range(runs):
        for c in clients[i % len(clients) :] + clients[: i % len(clients)]:
            done = subprocess.run(cmds[c], env=_env(c), capture_output=True, text=True, check=True, timeout=120)
            t, aiohttp, modules = eval(done.stdout.strip().splitlines()[-1], {})  # our own probe's repr of a tuple
            out[c]['seconds'].append(t)
            out[c].update(imports_aiohttp=aiohttp, modules=modules)
    return out


# --- report ---------------------------------------------------------------------------------------


def median(result: Dict[str, Any], key: str = 'seconds') -> Optional[float]:
    seconds = result.get(key)
    return statistics.median(seconds) if seconds else None


def _cell(result: Dict[str, Any], key: str = 'seconds') -> str:
    m = median(result, key)
    if m is not None:
        return f'{m * 1000:.1f} ms' if m < 1 else f'{m:.3f} s'
    if not result:
        return '-'  # not run
    return 'n/a' if 'na' in result else 'error'


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return f'{a / b:.2f}x' if a is not None and b else 'n/a'


def best(result: Dict[str, Any], key: str = 'seconds') -> Optional[float]:
    values = result.get(key)
    return min(values) if values else None


def table(rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]], key: str = 'seconds') -> str:
    """Medians of wall-clock time (``key='seconds'``) or of the client's CPU time (``key='cpu'``).

    The target is judged on the ratio of medians; the last column gives the same ratio taken between
    the best runs, the least disturbed by whatever else the machine was doing.
    """
    head = ['workload', *CLIENTS, 'lite/official', 'lite/raw', 'target', 'met', 'same ratio, best runs']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for w, results in rows:
        lite, official, raw = (median(results.get(c, {}), key) for c in CLIENTS)
        met = ''
        best_ratio = ''
        if w.limit is not None and lite is not None:
            other = official if w.versus == 'official' else raw
            if other:
                met = 'yes' if lite / other <= w.limit else 'NO'
                best_ratio = _ratio(best(results['ollama_lite'], key), best(results[w.versus or ''], key))
        target = f'<= {w.limit}x {w.versus}' if w.limit else ''
        cells = [w.title, *(_cell(results.get(c, {}), key) for c in CLIENTS)]
        lines.append(
            '| ' + ' | '.join([*cells, _ratio(lite, official), _ratio(lite, raw), target, met, best_ratio]) + ' |'
        )
    return '\n'.join(lines)


def memory_table(rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]]) -> str:
    head = ['peak RSS growth', *CLIENTS]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for w, results in rows:
        cells = []
        for c in CLIENTS:
            result = results.get(c, {})
            mem = result.get('memory')
            if mem is None:
                cells.append(_cell(result))
                continue
            text = f'{mem["peak_growth_mb"]} MB'
            tenths = mem.get('growth_by_tenth_mb')
            if tenths:
                text += f' (after 10%: {tenths[0]} MB, at end: {tenths[-1]} MB)'
            cells.append(text)
        lines.append('| ' + ' | '.join([w.title, *cells]) + ' |')
    return '\n'.join(lines)


def machine() -> Dict[str, Any]:
    cpu = ''
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next((ln.split(':', 1)[1].strip() for ln in f if ln.startswith('model name')), '')
    except OSError:
        pass
    return {
        'date': time.strftime('%Y-%m-%d %H:%M:%S %Z'),
        'nproc': os.cpu_count(),
        'cpu': cpu or platform.processor(),
        'python': platform.python_version(),
        'platform': platform.platform(),
    }


def _errors(rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]]) -> List[str]:
    return [f'{w.key}/{c}: {r["error"]}' for w, results in rows for c, r in results.items() if 'error' in r]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes, one repeat: a smoke run')
    parser.add_argument('--rounds', type=int, help='worker processes per client and workload (default 5, quick 1)')
    parser.add_argument(
        '--repeat', type=int, help='timed repeats in each worker process, at least (default 2, quick 1)'
    )
    parser.add_argument('--imports', type=int, help='interpreters per client timing the import (default 15, quick 3)')
    parser.add_argument('--clients', default=','.join(CLIENTS), help='comma-separated subset of ' + ','.join(CLIENTS))
    parser.add_argument('--only', help='comma-separated workload keys (import, sync_chats, …, stream_memory)')
    parser.add_argument('--no-memory', action='store_true', help='skip the memory workloads')
    parser.add_argument('--lite-path', help='import ollama_lite from this directory instead of the working tree')
    args = parser.parse_args(argv)
    global LITE_PATH
    if args.lite_path:
        LITE_PATH = Path(args.lite_path).resolve()
        if not (LITE_PATH / 'ollama_lite' / '__init__.py').is_file():
            parser.error(f'no ollama_lite package in {LITE_PATH}')
    repeat = args.repeat or (1 if args.quick else 2)
    rounds = args.rounds or (1 if args.quick else 5)
    import_runs = args.imports or (3 if args.quick else 15)
    clients = [c for c in args.clients.split(',') if c]
    if set(clients) - set(CLIENTS):
        parser.error(f'unknown client(s): {", ".join(sorted(set(clients) - set(CLIENTS)))}')
    only = set(args.only.split(',')) if args.only else None

    def wanted(key: str) -> bool:
        return only is None or key in only

    info = machine()
    print(f'# {info["date"]} · {info["nproc"]} cores · {info["cpu"]} · Python {info["python"]}', flush=True)
    imports: Dict[str, Dict[str, Any]] = {}
    rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]] = []
    mem_rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]] = []
    if wanted('import'):
        imports = import_times(clients, import_runs)
        for c in clients:
            print(f'  import   {c:12} {_cell(imports[c])}', flush=True)
    server = Server()
    try:
        for w in workloads(args.quick):
            if not wanted(w.key):
                continue
            results: Dict[str, Dict[str, Any]] = {c: {'seconds': []} for c in clients}
            # Clients take turns round by round, so a slow spell on a shared machine hits them all alike.
            for r in range(rounds):
                # A different client goes first in each round, so none always follows the same neighbour.
                for c in clients[r % len(clients) :] + clients[: r % len(clients)]:
                    if 'seconds' not in results[c]:
                        continue  # n/a or failed: another round would say the same
                    got = run_worker(c, w, server.base, repeat)
                    if 'seconds' in got:
                        results[c]['seconds'] += got['seconds']
                        results[c].setdefault('cpu', []).extend(got.get('cpu', []))
                    else:
                        results[c] = got
            for c in clients:
                print(f'  {w.key:14} {c:12} {_cell(results[c])}', flush=True)
            rows.append((w, results))
        if not args.no_memory:
            for w in memory_workloads(args.quick):
                if not wanted(w.key):
                    continue
                results = {c: run_worker(c, w, server.base, 1) for c in clients}
                mem_rows.append((w, results))
                print(f'  {w.key:14} done', flush=True)
    finally:
        server.close()

    import_row = Workload('import', 'import + Client(), sync path', 'import', 0, 0, 'official', 0.6)
    all_rows = ([(import_row, imports)] if imports else []) + rows
    print('\nwall-clock time, median:')
    print(table(all_rows))
    if rows:
        print("\nCPU time of the client's process, median (what the client itself costs):")
        print(table(rows, 'cpu'))
    if mem_rows:
        print()
        print(memory_table(mem_rows))
    if imports:
        print()
        for c, r in imports.items():
            print(f'{c}: {r["modules"]} modules after import; aiohttp imported: {r["imports_aiohttp"]}')
    errors = _errors(all_rows + mem_rows)
    for e in errors:
        print('error:', e, file=sys.stderr)

    out_dir = HERE / 'results'
    out_dir.mkdir(exist_ok=True)
    record = {
        'machine': info,
        'quick': args.quick,
        'lite_path': str(LITE_PATH),
        'rounds': rounds,
        'repeat': repeat,
        'import': imports,
        'workloads': {w.key: {'title': w.title, 'target': [w.versus, w.limit], **results} for w, results in rows},
        'memory': {w.key: {'title': w.title, **results} for w, results in mem_rows},
        'table': table(all_rows),
        'cpu_table': table(rows, 'cpu') if rows else '',
        'memory_table': memory_table(mem_rows) if mem_rows else '',
    }
    name = time.strftime('%Y%m%d-%H%M%S') + ('-quick' if args.quick else '') + '.json'
    (out_dir / name).write_text(json.dumps(record, indent=2))
    print(f'\nwrote {out_dir / name}')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
