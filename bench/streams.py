"""One client reading streams, against the raw floors: with json, and with orjson (the ``speedups`` extra).

    python bench/streams.py            # the run recorded in BENCHMARKS.md (a few minutes)
    python bench/streams.py --quick    # a smoke run

A long sync stream and many async streams from ``bench/server.py``, each client in a process of its own
(``bench/worker.py``), taking turns round by round. The floors: requests' ``iter_lines`` and aiohttp's line
reader with ``json.loads`` (``raw_lines``) or ``orjson.loads`` (``raw_orjson``), and ``bench/run.py``'s own
floor that splits each read by hand (``raw``). ``ollama_lite_json`` is ollama_lite without orjson, as when the
extra is not installed; ``ollama_lite`` uses it when it is. Reported: the client process's CPU time, medians.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

from run import HERE, Server, Workload, _cell, machine, median, run_worker

CLIENTS = ('ollama_lite', 'ollama_lite_json', 'official', 'raw_lines', 'raw_orjson', 'raw')
#: (client, floor, the ratio of CPU medians it may reach).
GOALS = (('ollama_lite_json', 'raw_lines', 1.2), ('ollama_lite', 'raw_orjson', 1.3))


def workloads(quick: bool) -> List[Workload]:
    chunks = 10_000 if quick else 100_000
    streams, schunks = (20, 500) if quick else (100, 2000)
    return [
        Workload('sync_stream', f'stream of {chunks:,} chunks, sync', 'sync_stream', chunks),
        Workload('async_streams', f'{streams} async streams x {schunks:,} chunks', 'async_streams', streams, schunks),
    ]


def report(rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]], key: str) -> str:
    head = ['workload', *CLIENTS, *(f'{c}/{f}' for c, f, _ in GOALS), 'goals met']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for w, results in rows:
        m = {c: median(results.get(c, {}), key) for c in CLIENTS}
        ratios, met = [], []
        for c, f, limit in GOALS:
            if m[c] is not None and m[f]:
                ratios.append(f'{m[c] / m[f]:.2f}x')
                met.append(f'<= {limit}x: {"yes" if m[c] / m[f] <= limit else "NO"}')
            else:
                ratios.append('n/a')
        cells = [_cell(results.get(c, {}), key) for c in CLIENTS]
        lines.append('| ' + ' | '.join([w.title, *cells, *ratios, '; '.join(met)]) + ' |')
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='small sizes, one round')
    parser.add_argument('--rounds', type=int, help='worker processes per client and workload (default 5, quick 1)')
    parser.add_argument('--clients', default=','.join(CLIENTS), help='comma-separated subset of ' + ','.join(CLIENTS))
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 5)
    clients = [c for c in args.clients.split(',') if c]
    if set(clients) - set(CLIENTS):
        parser.error(f'unknown client(s): {", ".join(sorted(set(clients) - set(CLIENTS)))}')
    info = machine()
    print(f'# {info["date"]} · {info["nproc"]} cores · {info["cpu"]} · Python {info["python"]}', flush=True)
    rows: List[Tuple[Workload, Dict[str, Dict[str, Any]]]] = []
    server = Server()
    try:
        for w in workloads(args.quick):
            results: Dict[str, Dict[str, Any]] = {c: {'seconds': []} for c in clients}
            for r in range(rounds):
                for c in clients[r % len(clients) :] + clients[: r % len(clients)]:
                    if 'seconds' not in results[c]:
                        continue
                    got = run_worker(c, w, server.base, 1)
                    if 'seconds' in got:
                        results[c]['seconds'] += got['seconds']
                        results[c].setdefault('cpu', []).extend(got.get('cpu', []))
                    else:
                        results[c] = got
                    print(f'  {w.key:14} {c:17} {got}', flush=True)
            rows.append((w, results))
    finally:
        server.close()
    cpu, wall = report(rows, 'cpu'), report(rows, 'seconds')
    print("\nCPU time of the client's process, median:\n" + cpu + '\n\nwall-clock time, median:\n' + wall)
    out_dir = HERE / 'results'
    out_dir.mkdir(exist_ok=True)
    record = {'machine': info, 'quick': args.quick, 'rounds': rounds, 'cpu_table': cpu, 'table': wall}
    record['workloads'] = {w.key: {'title': w.title, **results} for w, results in rows}
    name = time.strftime('%Y%m%d-%H%M%S') + '-streams' + ('-quick' if args.quick else '') + '.json'
    (out_dir / name).write_text(json.dumps(record, indent=2))
    print(f'\nwrote {out_dir / name}')
    return 1 if any('error' in r for _, results in rows for r in results.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
