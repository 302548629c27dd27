"""Run ``bench/worker.py`` under cProfile and print the 40 functions with the most own time."""

from __future__ import annotations

import cProfile
import os
import pstats
import runpy
import sys

if __name__ == '__main__':
    sys.argv = sys.argv[1:]
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        runpy.run_path(sys.argv[0], run_name='__main__')
    finally:
        profiler.disable()
        pstats.Stats(profiler).sort_stats('tottime').print_stats(40)
        dump = os.environ.get('BENCH_PSTATS')
        if dump:
            profiler.dump_stats(dump)  # for a closer look with pstats
