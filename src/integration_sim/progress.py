"""A progress bar with ETA on a terminal; silent in CI or when output is piped."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def progress_enabled(stream: TextIO | None = None) -> bool:
    """True when ``stream`` (default stderr) is a terminal and we are not in CI."""
    stream = stream or sys.stderr
    if os.environ.get("CI") or os.environ.get("INTEGRATION_SIM_NO_PROGRESS"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


class Progress:
    """Count finished units of work and redraw a one-line bar with rate and ETA.

    Use as a context manager; call :meth:`advance` as units finish. When
    disabled (see :func:`progress_enabled`) it does nothing at all.
    """

    def __init__(
        self,
        total: int,
        label: str = "",
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        done: int = 0,
    ) -> None:
        self.total = max(int(total), 0)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = progress_enabled(self.stream) if enabled is None else enabled
        self.done = done
        self._start_done = done
        self._start = time.monotonic()
        self._last_draw = 0.0

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more finished units."""
        self.done += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < 0.2 and self.done < self.total:
            return
        self._last_draw = now
        self.stream.write(
            "\r"
            + format_bar(
                self.done, self.total, now - self._start, self.done - self._start_done, self.label
            )
        )
        self.stream.flush()


def format_bar(done: int, total: int, elapsed: float, done_here: int, label: str = "") -> str:
    """Render one line: label, bar, counts, rate and estimated time left (seconds)."""
    width = 28
    frac = done / total if total else 1.0
    filled = int(round(frac * width))
    bar = "#" * filled + "-" * (width - filled)
    if done_here > 0 and elapsed > 0:
        rate = done_here / elapsed
        eta = (total - done) / rate if rate > 0 else float("inf")
        tail = f"{rate:.2f}/s ETA {_clock(eta)}"
    else:
        tail = "ETA --:--"
    return f"{label} [{bar}] {done}/{total} {tail} ".lstrip()


def _clock(seconds: float) -> str:
    if seconds == float("inf"):
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"
