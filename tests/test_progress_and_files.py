"""Progress bar behaviour and atomic output files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from integration_sim.files import atomic_path, write_text
from integration_sim.progress import Progress, format_bar, progress_enabled


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_shows_counts_rate_and_eta() -> None:
    line = format_bar(done=5, total=20, elapsed=10.0, done_here=5, label="runs")
    assert line.startswith("runs [#######")
    assert "5/20" in line and "0.50/s" in line and "ETA 00:30" in line


def test_progress_is_quiet_when_piped_or_in_ci(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert progress_enabled(_Tty()) is True
    assert progress_enabled(io.StringIO()) is False  # piped
    monkeypatch.setenv("CI", "true")
    assert progress_enabled(_Tty()) is False
    out = _Tty()
    with Progress(3, "x", stream=out) as bar:
        bar.advance(3)
    assert out.getvalue() == ""


def test_progress_draws_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    out = _Tty()
    with Progress(2, "runs", stream=out) as bar:
        bar.advance()
        bar.advance()
    assert "2/2" in out.getvalue() and out.getvalue().endswith("\n")


def test_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "records.csv"
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half of it")
        raise KeyboardInterrupt
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    write_text(target, "complete")
    assert target.read_text() == "complete"
