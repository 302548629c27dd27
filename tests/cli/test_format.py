"""Sizes, counts, times and processors written as the ollama CLI writes them (cases from ollama's format tests)."""

from __future__ import annotations

import datetime

import pytest

from ollama_lite._cli._format import go_duration, human_bytes, human_number, human_time, processor

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize(
    ('n', 'text'),
    [(0, '0 B'), (999, '999 B'), (1000, '1 KB'), (1500, '1.5 KB'), (999_999, '999 KB'), (1_500_000, '1.5 MB'),
     (999_999_999, '999 MB'), (1_234_567_890, '1.2 GB'), (1_000_000_000_000, '1 TB'), (1_999_999_999_999, '2.0 TB'),
     (42_000_000, '42 MB')],
)  # fmt: skip
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


@pytest.mark.parametrize(
    ('n', 'text'), [(999, '999'), (23_000, '23K'), (137_000_000, '137M'), (1_250_000, '1.25M'), (8_000_000_000, '8B'),
                    (8_190_000_000, '8.2B')],
)  # fmt: skip
def test_human_number(n: int, text: str) -> None:
    assert human_number(n) == text


@pytest.mark.parametrize(
    ('delta', 'text'),
    [(0.5, 'Less than a second ago'), (1, '1 second ago'), (59, '59 seconds ago'), (90, 'About a minute ago'),
     (150, '2 minutes ago'), (3600, 'About an hour ago'), (5 * 3600, '5 hours ago'), (3 * 86400, '3 days ago'),
     (20 * 86400, '2 weeks ago'), (90 * 86400, '3 months ago'), (800 * 86400, '2 years ago'),
     (-2 * 86400, '2 days from now'), (-0.1, 'Less than a second from now'), (-300 * 365 * 86400, 'Forever')],
)  # fmt: skip
def test_human_time(delta: float, text: str) -> None:
    assert human_time(NOW - datetime.timedelta(seconds=delta), 'Never', now=NOW) == text


def test_human_time_without_a_time() -> None:
    assert human_time(None, 'Never') == 'Never'


@pytest.mark.parametrize(
    ('size', 'vram', 'text'),
    [(100, 0, '100% CPU'), (100, 100, '100% GPU'), (100, 52, '48%/52% CPU/GPU'), (100, 101, 'Unknown')],
)
def test_processor(size: int, vram: int, text: str) -> None:
    assert processor(size, vram) == text


@pytest.mark.parametrize(('seconds', 'text'), [(0, '0s'), (7, '7s'), (90, '1m30s'), (7500, '2h5m'), (400_000, '99h+')])
def test_go_duration(seconds: int, text: str) -> None:
    assert go_duration(seconds) == text


@pytest.mark.parametrize(
    ('value', 'text'),
    [(15, '15'), (131072, '131072'), (7_000_000_000, '7e+09'), (1_234_567, '1.234567e+06'), (0.5, '0.5'),
     (1e-05, '1e-05'), (0.0001, '0.0001'), (-2.5, '-2.5'), (0, '0'), (100000, '100000'), (1000000, '1e+06')],
)  # fmt: skip
def test_go_number(value: float, text: str) -> None:
    from ollama_lite._cli._format import go_number

    assert go_number(value) == text
