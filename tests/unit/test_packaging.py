"""What setup.cfg declares is what CI tests: the floors env pins exactly the declared minimum versions, and
the supported Pythons agree between python_requires, the classifiers and tox's environments."""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
FLOORS = ROOT / 'tests' / 'constraints-floors.txt'

# ``name[extra] >=1.2, <2; marker``: the name, and the version after >= or ==.
_REQUIREMENT = re.compile(r'^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)')
_FLOOR = re.compile(r'(?:>=|==)\s*([0-9][0-9.]*)')


def _setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / 'setup.cfg', encoding='utf-8')
    return config


def _name(text: str) -> str:
    return re.sub(r'[-_.]+', '-', text).lower()


def _release(version: str) -> Tuple[int, ...]:
    """``'2.28'`` and ``'2.28.0'`` are one version."""
    parts = [int(p) for p in version.split('.')]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _lines(value: str) -> Iterator[str]:
    for raw in value.splitlines():
        line = raw.strip()
        if line and not line.startswith('#'):
            yield line


def _declared_floors() -> List[Tuple[str, str]]:
    config = _setup_cfg()
    lines = list(_lines(config['options']['install_requires']))
    for extra in config['options.extras_require'].values():
        lines.extend(_lines(extra))
    floors = []
    for line in lines:
        match = _REQUIREMENT.match(line)
        assert match, f'cannot read the requirement {line!r}'
        floor = _FLOOR.search(match.group(2))
        if floor:
            floors.append((_name(match.group(1)), floor.group(1)))
    return floors


def _pinned() -> Dict[str, str]:
    pins = {}
    for line in _lines(FLOORS.read_text(encoding='utf-8')):
        name, _, version = line.partition('==')
        assert version, f'{FLOORS.name}: {line!r} is not an exact pin (name==version)'
        pins[_name(name)] = version.strip()
    return pins


def test_floors_env_pins_every_declared_minimum() -> None:
    pinned = _pinned()
    wrong = [
        (name, floor, pinned.get(name))
        for name, floor in _declared_floors()
        if name not in pinned or _release(pinned[name]) != _release(floor)
    ]
    assert wrong == [], f'(package, floor in setup.cfg, pin in {FLOORS.name}) that differ'


def _versions(texts: Iterator[str]) -> Set[Tuple[int, int]]:
    return {(int(major), int(minor)) for major, minor in (t.split('.') for t in texts)}


def test_supported_pythons_agree() -> None:
    config = _setup_cfg()
    classifiers = _versions(
        m.group(1)
        for m in re.finditer(r'Programming Language :: Python :: (3\.\d+)\s*$', config['metadata']['classifiers'], re.M)
    )
    tox = configparser.ConfigParser()
    tox.read(ROOT / 'tox.ini', encoding='utf-8')
    envs = _versions(f'{m.group(1)}.{m.group(2)}' for m in re.finditer(r'\bpy(3)(\d+)\b', tox['tox']['envlist']))
    floor = re.fullmatch(r'>=\s*(3\.\d+)', config['options']['python_requires'].strip())
    assert floor, 'python_requires is a plain >= floor'
    assert classifiers == envs, 'a classifier for each tox environment pyXY, and no other'
    assert min(envs) == _versions(iter([floor.group(1)])).pop(), 'python_requires starts at the oldest tested Python'
    assert tox['testenv:floors']['base_python'] == 'python{}.{}'.format(*min(envs))
    assert tox['testenv:newest']['base_python'] == 'python{}.{}'.format(*max(envs))
