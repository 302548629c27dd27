"""Mutation check: rename one wire field in the client and the emulator together, and see the suite fail.

The client and the emulator were written by the same hands, so a wrong belief about a field's name would live
in both and every test between them would agree with it. Each mutation here plants such a belief (through
``tests/_mutant_site``: the client's field metadata and the emulator's JSON edge, so the new name reaches the
wire from both sides) and runs the tests; the oracles nobody here wrote (the spec closed to the server's field
names, the official client) must notice. Per mutation it prints how many tests failed and how many of them are
spec tests; it exits 1 when a mutation survives (fewer spec failures than its floor) or when the unmutated run
is not green.

    python -m tests.mutation            # quick: the spec tests (no fuzzing), as CI runs it
    python -m tests.mutation --full     # the whole suite, every mutation (minutes each)
    python -m tests.mutation --only keep_alive
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import List, NamedTuple, Optional, Sequence, Set, Tuple

_REPO = Path(__file__).resolve().parents[1]
_SITE = Path(__file__).resolve().with_name('_mutant_site')


class Mutation(NamedTuple):
    old: str
    new: str
    where: str
    #: Spec tests that must fail, at least.
    floor: int = 1


MUTATIONS: Tuple[Mutation, ...] = (
    Mutation('done_reason', 'finish_reason', 'reply: why generate and chat stopped', 10),
    Mutation('keep_alive', 'keepalive', 'request: generate, chat, embed', 10),
    Mutation('prompt_eval_count', 'prompt_tokens', 'reply: the token counts of generate, chat, embed'),
    Mutation('tool_calls', 'toolcalls', 'request and reply: chat messages'),
    Mutation('dimensions', 'dims', 'request: embed'),
    Mutation('size_vram', 'vram_size', 'reply: ps'),
    Mutation('model_info', 'modelinfo', 'reply: show'),
)
#: The quick selection: every spec test but the fuzzing (seconds, not minutes).
QUICK = ('tests/spec', '-k', 'not fuzz')
#: The tests that judge against Ollama's OpenAPI spec (closed to the server's fields), and those that judge the
#: client's own types against the server's structs.
SPEC = ('tests/spec/test_request_bodies.py', 'tests/spec/test_emulator_replies.py', 'tests/spec/test_fuzz.py')
CONTRACT = 'tests/spec/test_contract.py'


class Outcome(NamedTuple):
    total: int
    failed: Set[str]
    ran: Set[str]
    seconds: float


def run(selection: Sequence[str], mutation: Optional[Mutation]) -> Outcome:
    """Run pytest on ``selection`` in a child process (with ``mutation`` planted); its tests and failures."""
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join([str(_SITE), *filter(None, [env.get('PYTHONPATH')])])
    env.pop('OLLAMA_LITE_MUTANT', None)
    if mutation is not None:
        env['OLLAMA_LITE_MUTANT'] = f'{mutation.old}:{mutation.new}'
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / 'report.xml'
        # No tracebacks: only which tests failed matters here, and formatting them costs seconds.
        command = [sys.executable, '-m', 'pytest', '-q', '--tb=no', '-p', 'no:cacheprovider', f'--junitxml={report}']
        started = time.monotonic()
        subprocess.run([*command, *selection], cwd=_REPO, env=env, check=False, stdout=subprocess.DEVNULL)
        seconds = time.monotonic() - started
        if not report.is_file():
            raise SystemExit(f'mutation: pytest wrote no report for {mutation or "the unmutated run"}')
        total, failed, ran = _read(report)
    return Outcome(total, failed, ran, seconds)


def _read(report: Path) -> Tuple[int, Set[str], Set[str]]:
    """How many tests the report has, which failed, and which ran (were not skipped)."""
    total, failed, ran = 0, set(), set()
    for case in ET.parse(report).getroot().iter('testcase'):
        total += 1
        path = (case.get('file') or case.get('classname', '').replace('.', '/') + '.py').replace(os.sep, '/')
        name = f'{path}::{case.get("name")}'
        if case.find('failure') is not None or case.find('error') is not None:
            failed.add(name)
        if case.find('skipped') is None:
            ran.add(name)
    return total, failed, ran


def probe(mutation: Mutation) -> None:
    """Fail unless the planted name reaches the wire from both sides (and the old one from neither)."""
    code = (
        'import json\n'
        'from ollama_lite import _types\n'
        'from ollama_lite._record import _wire_names as wire_items\n'
        'from ollama_lite.testing import _http\n'
        f'old, new = {mutation.old!r}, {mutation.new!r}\n'
        'names = [n for c in vars(_types).values() if isinstance(c, type) and hasattr(c, "__dataclass_fields__")'
        ' for n in wire_items(c).values()]\n'
        'assert new in names and old not in names, "client"\n'
        'assert json.loads(_http.go_json({old: 1})) == {new: 1}, "emulator out"\n'
        'assert _http.parse_json(json.dumps({new: 1}).encode()) == {old: 1}, "emulator in"\n'
    )
    env = {**os.environ, 'PYTHONPATH': str(_SITE), 'OLLAMA_LITE_MUTANT': f'{mutation.old}:{mutation.new}'}
    result = subprocess.run(
        [sys.executable, '-c', code], check=False, cwd=_REPO, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f'mutation: {mutation.old} -> {mutation.new} did not reach the wire:\n{result.stderr}')


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.mutation', description=__doc__.split('\n')[0])
    parser.add_argument('--full', action='store_true', help='run the whole suite per mutation, not the spec tests')
    parser.add_argument('--only', action='append', help='only the mutation of this field (repeatable)')
    args = parser.parse_args(argv)
    selection: Sequence[str] = ('tests',) if args.full else QUICK
    mutations = [m for m in MUTATIONS if not args.only or m.old in args.only]
    if not mutations:
        parser.error(f'no mutation of {args.only}; known: {", ".join(m.old for m in MUTATIONS)}')
    for mutation in mutations:
        probe(mutation)
    baseline = run(selection, None)
    print(f'unmutated: {len(baseline.failed)} of {baseline.total} tests failed ({baseline.seconds:.0f} s)')
    if baseline.failed or not baseline.total:
        print('mutation: the unmutated run must pass first:', *sorted(baseline.failed), sep='\n  ')
        return 1
    if not any(name.startswith(SPEC) for name in baseline.ran):
        print("mutation: every spec test was skipped (is Ollama's OpenAPI file there?): nothing can be measured")
        return 1
    survivors: List[str] = []
    for mutation in mutations:
        outcome = run(selection, mutation)
        spec = sorted(name for name in outcome.failed if name.startswith(SPEC))
        contract = sum(name.startswith(CONTRACT) for name in outcome.failed)
        verdict = 'killed' if len(spec) >= mutation.floor else f'SURVIVED (needs {mutation.floor} spec failures)'
        print(
            f'{mutation.old} -> {mutation.new} ({mutation.where}): {len(outcome.failed)} of {outcome.total} tests '
            f'failed, {len(spec)} of them spec tests, {contract} contract tests: {verdict} ({outcome.seconds:.0f} s)'
        )
        for name in spec[:3]:
            print(f'    {name}')
        if len(spec) < mutation.floor:
            survivors.append(mutation.old)
    if survivors:
        print(f'mutation: {len(survivors)} mutation(s) survived: {", ".join(survivors)}')
        return 1
    print(f'mutation: all {len(mutations)} mutations killed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
