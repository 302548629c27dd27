"""The relay workload: an aiohttp app streaming a model's reply to many browsers, four ways side by side.

    python bench/relay.py            # the run recorded in BENCHMARKS.md (about ten minutes)
    python bench/relay.py --quick    # a smoke run with a tenth of the tokens (about a minute)

The model server is ``bench/server.py`` (burst, or one line every 10 ms); each app of
``bench/relay_app.py`` runs in a process of its own, fresh for every measurement, and the browsers
(``bench/relay_browsers.py``) in another, so the app's CPU time (``getrusage`` in the app) is the app's
alone. Reported per workload and app: app CPU seconds per 100,000 relayed tokens, resident memory per
concurrent stream, time to finish, medians over interleaved rounds, and the ratios the goals speak of.
Then 200 browsers leave at once, and the model server's view of it is timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.request import urlopen

import run
from relay_app import APPS
from run import HERE, Server, _env, machine

#: --before's directory: another copy of ollama_lite (an export of an older commit), run as the app ``before``.
BEFORE: List[Path] = []
#: The apps measured, in table order: relay_app's, and ``before`` with --before.
COLUMNS: List[str] = list(APPS)
#: app -> the relay_app.py option that profiles it (--profile-dir).
PROFILE: Dict[str, List[str]] = {}
#: A browsers process may take this long; a stuck app fails its row, not the whole run.
RUN_TIMEOUT = 900.0
TOKENS = 100_000


@dataclass(frozen=True)
class Load:
    key: str
    browsers: int
    tokens: int  # per browser
    pace_ms: int = 0

    @property
    def title(self) -> str:
        how = f'{self.pace_ms} ms a token' if self.pace_ms else 'burst'
        return f'{self.browsers} browser{"s" if self.browsers > 1 else ""} x {self.tokens:,} tokens, {how}'

    @property
    def model(self) -> str:
        return f'chunks-{self.tokens}' + (f':{self.pace_ms}ms' if self.pace_ms else '')


#: The goals for ollama_lite's app CPU: (the app it is held to, the ratio it may reach), burst and paced.
GOALS = {False: (('raw_json', 1.0), ('raw', 3.0)), True: (('raw_json', 1.1), ('raw', 1.6))}
MEMORY_GOAL = ('raw', 1.5)


def loads(quick: bool) -> List[Load]:
    total = TOKENS // 10 if quick else TOKENS
    return [
        Load('burst_1', 1, total),
        Load('burst_100', 100, total // 100),
        Load('burst_1000', 1000, total // 1000),
        Load('paced_100', 100, total // 100, 10),
        Load('paced_1000', 1000, total // 1000, 10),
    ]


class App:
    """``bench/relay_app.py APP`` in a child process; it exits when we close its stdin."""

    def __init__(self, name: str, ollama: str) -> None:
        env = _env('ollama_lite')
        if name == 'before':  # ollama_lite's app, importing the package from --before's directory
            saved, run.LITE_PATH = run.LITE_PATH, BEFORE[0]
            env, name = _env('ollama_lite'), 'ollama_lite'
            run.LITE_PATH = saved
        cmd = [sys.executable, str(HERE / 'relay_app.py'), name, '--base', ollama, *PROFILE.get(name, [])]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        line: List[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(30)
        if not line or not line[0].startswith(b'PORT '):
            self.close()
            raise RuntimeError(f'the {name} app did not start')
        self.base = f'http://127.0.0.1:{int(line[0].split()[1])}'

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def browsers(app: App, count: int, model: str, *extra: str) -> Dict[str, Any]:
    cmd = [sys.executable, str(HERE / 'relay_browsers.py'), app.base, '--browsers', str(count), '--model', model]
    try:
        done = subprocess.run(
            [*cmd, *extra], capture_output=True, text=True, env=_env(), timeout=RUN_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return {'error': f'timed out after {RUN_TIMEOUT:.0f} s'}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ['no output']
        return {'error': f'exit {done.returncode}: {tail[0]}'}
    return json.loads(lines[-1])


def measure(name: str, ollama: str, load: Load) -> Dict[str, Any]:
    app = App(name, ollama)
    try:
        got = browsers(app, load.browsers, load.model)
    finally:
        app.close()
    if 'error' in got:
        return got
    return {
        'cpu_per_100k': got['cpu'] * TOKENS / (load.browsers * load.tokens),
        'seconds': got['seconds'],
        'kb_per_stream': max(0, got['peak'] - got['rss0']) / 1024 / max(1, got['most']),
        'most': got['most'],
    }


def departures(name: str, server: Server, count: int) -> Dict[str, Any]:
    """``count`` browsers leave at once: how long until the model server saw each stream close."""
    urlopen(server.base + '/bench/closed').read()  # forget earlier departures
    app = App(name, server.base)
    try:
        got = browsers(app, count, f'chunks-{10**6}:10ms', '--leave')
        if 'error' in got:
            return got
        deadline = time.monotonic() + 5
        closed: List[float] = []
        while len(closed) < count and time.monotonic() < deadline:
            time.sleep(0.25)
            closed += json.loads(urlopen(server.base + '/bench/closed').read())
    finally:
        app.close()
    late = sorted(t - got['left_at'] for t in closed)
    return {
        'noticed': len(late),
        'of': count,
        'median': statistics.median(late) if late else None,
        'max': max(late, default=None),
    }


# --- report ---------------------------------------------------------------------------------------


def med(results: Dict[str, Any], key: str) -> Optional[float]:
    values = [r[key] for r in results.get('runs', []) if key in r]
    return statistics.median(values) if values else None


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return f'{a / b:.2f}x' if a is not None and b else 'n/a'


def tables(rows: List[Tuple[Load, Dict[str, Dict[str, Any]]]]) -> str:
    out = []
    extra = ['before/raw_json', 'before/raw'] if 'before' in COLUMNS else []
    head = ['workload', *COLUMNS, 'lite/raw_json', 'lite/raw', 'official/raw_json', *extra, 'goals met']
    for key, what, fmt in (
        ('cpu_per_100k', 'app CPU seconds per 100,000 relayed tokens, median', '{:.2f} s'),
        ('kb_per_stream', 'app memory per concurrent stream (peak RSS growth / streams held), median', '{:.0f} KB'),
        ('seconds', 'time until every browser has its whole stream, median', '{:.2f} s'),
    ):
        out += [f'\n{what}:', '| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
        for load, results in rows:
            m = {a: med(results[a], key) for a in COLUMNS}
            cells = [fmt.format(m[a]) if m[a] is not None else results[a].get('error', 'n/a') for a in COLUMNS]
            met = ''
            if key == 'cpu_per_100k' and m['ollama_lite'] is not None:
                verdicts = []
                for other, limit in GOALS[bool(load.pace_ms)]:
                    if m[other]:
                        ok = m['ollama_lite'] / m[other] <= limit
                        verdicts.append(f'<= {limit}x {other}: {"yes" if ok else "NO"}')
                met = '; '.join(verdicts)
            elif key == 'kb_per_stream' and m['ollama_lite'] is not None and m['raw']:
                ok = m['ollama_lite'] / m['raw'] <= MEMORY_GOAL[1]
                met = f'<= {MEMORY_GOAL[1]}x raw: {"yes" if ok else "NO"}'
            ratios = [
                _ratio(m['ollama_lite'], m['raw_json']),
                _ratio(m['ollama_lite'], m['raw']),
                _ratio(m['official'], m['raw_json']),
                *((_ratio(m['before'], m['raw_json']), _ratio(m['before'], m['raw'])) if extra else ()),
            ]
            out.append('| ' + ' | '.join([load.title, *cells, *ratios, met]) + ' |')
    return '\n'.join(out)


def leave_table(leaving: Dict[str, Dict[str, Any]]) -> str:
    out = ['| app | streams whose close reached the model server | median | slowest |', '|---|---|---|---|']
    for name, r in leaving.items():
        if 'error' in r:
            out.append(f'| {name} | {r["error"]} | | |')
            continue
        ms = [f'{r[k] * 1000:.0f} ms' if r[k] is not None else 'n/a' for k in ('median', 'max')]
        out.append(f'| {name} | {r["noticed"]} of {r["of"]} | {ms[0]} | {ms[1]} |')
    return '\n'.join(out)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true', help='a tenth of the tokens, one round')
    parser.add_argument('--rounds', type=int, help='app processes per app and workload (default 3, quick 1)')
    parser.add_argument('--apps', default=','.join(APPS), help='comma-separated subset of ' + ','.join(APPS))
    parser.add_argument('--only', help='comma-separated workload keys (burst_1, …, paced_1000, leave)')
    parser.add_argument('--leaving', type=int, default=200, help='browsers that leave at once (default 200)')
    parser.add_argument('--lite-path', help='import ollama_lite from this directory instead of the working tree')
    parser.add_argument('--before', help='also run ollama_lite imported from this directory, as the app "before"')
    parser.add_argument('--profile-dir', help='cProfile each app process into this directory (APP-LOAD.prof)')
    args = parser.parse_args(argv)
    if args.lite_path:
        run.LITE_PATH = Path(args.lite_path).resolve()
    rounds = args.rounds or (1 if args.quick else 3)
    apps = [a for a in args.apps.split(',') if a]
    if args.before:
        BEFORE.append(Path(args.before).resolve())
        COLUMNS.append('before')
        apps.append('before')
    if set(apps) - set(COLUMNS):
        parser.error(f'unknown app(s): {", ".join(sorted(set(apps) - set(APPS)))}')
    only = set(args.only.split(',')) if args.only else None
    info = machine()
    print(f'# {info["date"]} · {info["nproc"]} cores · {info["cpu"]} · Python {info["python"]}', flush=True)
    rows: List[Tuple[Load, Dict[str, Dict[str, Any]]]] = []
    leaving: Dict[str, Dict[str, Any]] = {}
    server = Server()
    try:
        for load in loads(args.quick):
            if only is not None and load.key not in only:
                continue
            results: Dict[str, Dict[str, Any]] = {a: {'runs': []} for a in COLUMNS}
            for r in range(rounds):
                # Apps take turns, a different one first each round, so a slow spell hits them all alike.
                for a in apps[r % len(apps) :] + apps[: r % len(apps)]:
                    if 'error' in results[a]:
                        continue
                    if args.profile_dir:
                        PROFILE[a] = ['--profile', str(Path(args.profile_dir) / f'{a}-{load.key}.prof')]
                    got = measure(a, server.base, load)
                    if 'error' in got:
                        results[a] = got
                    else:
                        results[a]['runs'].append(got)
                    print(f'  {load.key:11} {a:12} {got}', flush=True)
            rows.append((load, results))
        if only is None or 'leave' in only:
            for a in apps:
                leaving[a] = departures(a, server, args.leaving)
                print(f'  leave       {a:12} {leaving[a]}', flush=True)
    finally:
        server.close()
    report = tables(rows)
    print(report)
    if leaving:
        print(f'\n{args.leaving} browsers leave at once: time until the model server sees each stream closed')
        print(leave_table(leaving))
    out_dir = HERE / 'results'
    out_dir.mkdir(exist_ok=True)
    record = {
        'machine': info,
        'quick': args.quick,
        'rounds': rounds,
        'loads': {load.key: {'title': load.title, **results} for load, results in rows},
        'leaving': leaving,
        'tables': report,
        'leave_table': leave_table(leaving) if leaving else '',
    }
    name = time.strftime('%Y%m%d-%H%M%S') + '-relay' + ('-quick' if args.quick else '') + '.json'
    (out_dir / name).write_text(json.dumps(record, indent=2))
    print(f'\nwrote {out_dir / name}')
    errors = [a for _, results in rows for a, r in results.items() if 'error' in r]
    return 1 if errors or any('error' in r for r in leaving.values()) else 0


if __name__ == '__main__':
    sys.exit(main())
