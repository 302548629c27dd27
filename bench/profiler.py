"""Profile one client on one workload with pyinstrument, against the bench server.

    python bench/profiler.py sync_stream                 # ollama_lite, text report on stdout
    python bench/profiler.py sync_chats --client raw --size 300
    python bench/profiler.py embeds --html > /tmp/embeds.html
    python bench/profiler.py async_chats --cprofile     # cProfile, sorted by own time (flat view)

Needs pyinstrument (``pip install -r bench/requirements.txt``); ``--cprofile`` uses the standard library.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import List, Optional

from run import HERE, Server, _env, workloads

SIZES = {w.key: (w.size, w.size2) for w in workloads(quick=False)}
SIZES['stream_memory'] = (1_000_000, 0)
SIZES['embed_memory'] = (2000, 0)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('workload', choices=sorted(SIZES))
    parser.add_argument('--client', default='ollama_lite', choices=['ollama_lite', 'official', 'raw'])
    parser.add_argument('--size', type=int, help='override the workload size')
    parser.add_argument('--size2', type=int, help='override the second size (vectors, concurrency, chunks)')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--html', action='store_true', help='an HTML report instead of text')
    parser.add_argument('--interval', type=float, default=0.0002, help='sampling interval in seconds')
    parser.add_argument('--cprofile', action='store_true', help='cProfile sorted by own time, top 40 functions')
    parser.add_argument('--show-all', action='store_true', help='pyinstrument: keep library frames too')
    args = parser.parse_args(argv)
    size, size2 = SIZES[args.workload]
    server = Server()
    try:
        if args.cprofile:
            cmd = [sys.executable, str(HERE / '_cprofile.py')]
        else:
            cmd = [sys.executable, '-m', 'pyinstrument', '-i', str(args.interval)]
            cmd += ['-r', 'html' if args.html else 'text'] + (['--show-all'] if args.show_all else [])
        cmd += [str(HERE / 'worker.py'), args.client, args.workload, '--base', server.base]
        cmd += ['--size', str(args.size or size), '--size2', str(args.size2 or size2), '--repeat', str(args.repeat)]
        return subprocess.run(cmd, env=_env(args.client), timeout=900, check=False).returncode
    finally:
        server.close()


if __name__ == '__main__':
    sys.exit(main())
