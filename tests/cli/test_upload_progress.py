"""``create``'s bar for a local file moves with the upload: what ``create_blob`` reports reaches the bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple

from ollama_lite import ProgressResponse
from ollama_lite._cli._create import _upload


class _Client:
    def create_blob(self, path: Path, *, progress: Optional[Callable[[int, int], None]] = None) -> str:
        assert progress is not None
        progress(4, 10)
        progress(10, 10)
        return 'sha256:' + '0' * 64


class _Printer:
    def __init__(self) -> None:
        self.seen: List[Tuple[Optional[str], Optional[int], Optional[int]]] = []

    def update(self, line: ProgressResponse) -> None:
        self.seen.append((line.digest, line.completed, line.total))


def test_the_bar_follows_the_upload(tmp_path: Path) -> None:
    path = tmp_path / 'weights.gguf'
    path.write_bytes(b'x' * 10)
    printer: Any = _Printer()
    client: Any = _Client()
    assert _upload(client, [path], printer) == {'weights.gguf': 'sha256:' + '0' * 64}
    key = 'file:weights.gguf'
    assert printer.seen == [(key, 0, 10), (key, 4, 10), (key, 10, 10), (key, 10, 10)]
