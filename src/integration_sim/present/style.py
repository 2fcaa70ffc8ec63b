"""Colours, line styles and markers that survive colour-blindness and black-and-white print.

Colours are the Okabe-Ito palette (Okabe and Ito 2008, "Color Universal
Design"); every strategy also gets its own line style and marker, so charts
still read when printed in grey or viewed by someone who cannot tell the
colours apart. Figures are built with :class:`matplotlib.figure.Figure`
directly (no pyplot): no global state, no GUI backend, safe in worker
processes, and nothing to close.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import matplotlib as mpl
from matplotlib.figure import Figure

from integration_sim.files import atomic_path

# Okabe-Ito, ordered so the first few are the most distinct on white paper
# (yellow last: it is faint in print).
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
COLOURS = list(OKABE_ITO.values())
LINESTYLES = [
    "-",
    "--",
    "-.",
    ":",
    (0, (5, 1, 1, 1, 1, 1)),
    (0, (1, 1)),
    (0, (8, 2)),
    (0, (3, 2, 1, 2)),
]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
FUNDED_GREY = "0.85"
# Roles used by every chart (comparison, sweep, calibration), so meanings keep their colour.
MAIN = OKABE_ITO["blue"]  # the thing measured (posterior, index, estimate)
CONTRAST = OKABE_ITO["vermillion"]  # what it is checked against (truth, miss, outside)
SECOND = OKABE_ITO["orange"]  # a second series on the same axes
REFERENCE = "0.55"  # priors, reference lines, intervals

RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "0.9",
    "grid.linewidth": 0.6,
}
DPI = 150  # enough for print at the report's width, small enough to embed


@dataclass(frozen=True)
class Look:
    """How one strategy is drawn everywhere."""

    colour: str
    linestyle: str | tuple
    marker: str


def looks(strategies: list[str]) -> dict[str, Look]:
    """A fixed look per strategy, by position in ``strategies`` (scenario order)."""
    return {
        s: Look(
            COLOURS[i % len(COLOURS)], LINESTYLES[i % len(LINESTYLES)], MARKERS[i % len(MARKERS)]
        )
        for i, s in enumerate(strategies)
    }


@dataclass
class Chart:
    """A finished figure with the words that go with it in the report."""

    name: str  # file stem, e.g. "integration_over_time"
    title: str
    caption: str  # one line: what to look for
    figure: Figure


def wrap(text: str, width: int = 30) -> str:
    """Break a long (user-supplied) label over lines so panels and legends keep their size."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def label_of(name: str, labels: Mapping[str, str] | None, width: int = 30) -> str:
    """A strategy's display label (its ``label`` if set, else its name), wrapped."""
    return wrap((labels or {}).get(name) or name, width)


P = ParamSpec("P")
R = TypeVar("R")


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Build the chart inside the house style (rcParams are read as artists are made)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float, dpi: int = DPI) -> Figure:
    """A figure of ``width`` x ``height`` inches with constrained layout, saved at ``dpi``."""
    return Figure(figsize=(width, height), dpi=dpi, layout="constrained")


def png_bytes(fig: Figure) -> bytes:
    """A figure rendered as PNG bytes (for pages that embed their charts)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi="figure", facecolor="white")
    return buf.getvalue()


def save_png(chart: Chart | Figure, path: str | Path) -> Path:
    """Write a chart as PNG (atomically); the caption goes in the PNG's Description."""
    fig = chart.figure if isinstance(chart, Chart) else chart
    meta = {"Title": chart.title, "Description": chart.caption} if isinstance(chart, Chart) else {}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi="figure", metadata=meta, facecolor="white")
    return path
