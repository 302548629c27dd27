"""The progress printer alone: the bar's parts as ollama draws them, redraws, and plain lines for logs."""

from __future__ import annotations

import io
import re
from typing import List

from ollama_lite._cli._progress import ProgressPrinter
from ollama_lite._types import ProgressResponse

DIGEST = 'sha256:' + 'a' * 64


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def layer(completed: int, total: int = 2_900_000_000) -> ProgressResponse:
    return ProgressResponse(status='pulling aaaaaaaaaaaa', digest=DIGEST, total=total, completed=completed)


def frames(text: str) -> List[str]:
    parts = (re.sub(r'\x1b\[[0-9;?]*[A-Za-z]', '', part) for part in re.split(r'\n|\x1b\[1G', text))
    return [part for part in parts if part]


def test_a_bar_has_percent_sizes_speed_and_time_left_and_fills_the_width() -> None:
    out, clock = io.StringIO(), Clock()
    printer = ProgressPrinter(out, tty=True, clock=clock, size=lambda: (80, 24))
    printer.update(ProgressResponse(status='pulling manifest'))
    printer.update(layer(0))  # announced before the download: no bar at 0%
    clock.now = 2.0
    printer.update(layer(700_000_000))
    clock.now = 4.0
    printer.update(layer(1_200_000_000))
    last = frames(out.getvalue())[-1]
    assert re.fullmatch(r'pulling aaaaaaaaaaaa:  41% ▕█+ +▏ 1\.2 GB/2\.9 GB  250 MB/s      6s', last), last
    assert len(last) == 79
    assert last.count('█') == int((79 - len('pulling aaaaaaaaaaaa:  41%') - 31 - 4) * 1.2 / 2.9)
    clock.now = 6.0
    printer.update(layer(2_900_000_000))
    printer.update(ProgressResponse(status='success'))
    printer.finish()
    shown = frames(out.getvalue())
    assert shown[-3] == 'pulling manifest'  # the spinner stopped when the next line came
    assert re.fullmatch(r'pulling aaaaaaaaaaaa: 100% ▕█+▏ 2\.9 GB {25}', shown[-2]), shown[-2]
    assert shown[-1] == 'success'
    assert out.getvalue().endswith('\n')
    assert '\x1b[A' in out.getvalue(), 'the second redraw moved back up over the first line'


def test_a_narrow_terminal_drops_speed_then_the_bar_rather_than_wrap() -> None:
    for width, kept in ((60, '▕'), (30, '41% 1.2 GB/2.9 GB')):
        out, clock = io.StringIO(), Clock()
        printer = ProgressPrinter(out, tty=True, clock=clock, size=lambda width=width: (width, 24))  # type: ignore[misc]
        printer.update(layer(1))
        clock.now = 2.0
        printer.update(layer(1_200_000_000))
        last = frames(out.getvalue())[-1]
        assert len(last) < width
        assert kept in last


def test_push_names_bars_by_status_and_create_shows_every_step() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=True, clock=Clock(), size=lambda: (100, 24), verb='push')
    printer.update(ProgressResponse(status='pushing aaaaaaaaaaaa', digest=DIGEST, total=10, completed=0))
    printer.finish()
    assert frames(out.getvalue())[-1].startswith('pushing aaaaaaaaaaaa   0% ▕')


def test_plain_lines_off_a_terminal() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=False, clock=Clock())
    for update in (ProgressResponse(status='pulling manifest'), layer(0), layer(10), layer(2_900_000_000)):
        printer.update(update)
    printer.update(ProgressResponse(status='success'))
    printer.finish()
    assert out.getvalue() == 'pulling manifest\npulling aaaaaaaaaaaa: 2.9 GB\nsuccess\n'


def test_only_the_lines_that_fit_the_screen_are_redrawn() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, tty=True, clock=Clock(), size=lambda: (80, 5), verb='create')
    for step in range(10):
        printer.update(ProgressResponse(status=f'step {step}'))
    last_draw = out.getvalue().rsplit('\x1b[?25l', 1)[1]
    assert last_draw.count('\x1b[A') == 3, 'back up over the four lines drawn before, not ten'
    assert frames(last_draw) == ['step 6', 'step 7', 'step 8', 'step 9 ⠋']


def test_word_wrap_goes_back_over_a_word_that_does_not_fit() -> None:
    from ollama_lite._cli._answer import WordWrap

    wrap = WordWrap(lambda: 20)
    shown = ''.join(wrap.feed(piece) for piece in ('The quick', ' brown fox', ' jumps over', ' the dog'))
    assert shown == 'The quick brown\nfox jumps over \nthe dog', 'a space at the edge becomes the line break'
    wrap = WordWrap(lambda: 20)
    assert wrap.feed('aaaa bbbbbbb cc') + wrap.feed('c dd') == 'aaaa bbbbbbb cc\x1b[2D\x1b[K\nccc dd'
