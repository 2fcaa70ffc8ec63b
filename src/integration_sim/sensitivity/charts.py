"""Charts of a sweep: Sobol/FAST bars with intervals, Morris mu*-sigma, measurement priorities.

Drawn in the house style (:mod:`integration_sim.present.style`: the Okabe-Ito
palette, figures without pyplot or a display).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from integration_sim.present.style import MAIN, OKABE_ITO, REFERENCE, new_figure, save_png, styled


def _save(fig: Figure, path: Path) -> Path:
    return save_png(fig, path)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


@styled
def variance_bars(table: pd.DataFrame, output: str, method: str, out_dir: Path) -> Path:
    """Grouped bars of first-order and total-order indices (with 95% intervals) for one output."""
    t = table[table["output"] == output]
    n = len(t)
    fig = new_figure(max(5.0, 0.9 * n + 2), 4)
    ax = fig.subplots()
    pos = np.arange(n)
    for k, (col, label) in enumerate((("S1", "first order (S1)"), ("ST", "total order (ST)"))):
        if col not in t:
            continue
        conf = t[f"{col}_conf"].to_numpy() if f"{col}_conf" in t else None
        ax.bar(
            pos + (k - 0.5) * 0.38,
            t[col].to_numpy(),
            width=0.38,
            color=(MAIN, OKABE_ITO["orange"])[k],
            yerr=conf,
            capsize=3,
            label=label,
            ecolor="0.2",
        )
    ax.set_xticks(pos, t["parameter"], rotation=30, ha="right")
    ax.set_ylabel("share of output variance (0-1)")
    ax.set_xlabel("parameter")
    ax.set_title(
        f"{method.upper()} sensitivity of {output}"
        + (" (bars: 95% bootstrap CI)" if method == "sobol" else "")
    )
    ax.axhline(0, color=REFERENCE, linewidth=0.8)
    ax.legend(frameon=False)
    return _save(fig, out_dir / f"indices_{_safe(output)}.png")


@styled
def morris_plot(table: pd.DataFrame, output: str, out_dir: Path) -> Path:
    """Morris mu* (mean absolute elementary effect) against sigma for one output."""
    t = table[table["output"] == output]
    fig = new_figure(6, 4.5)
    ax = fig.subplots()
    ax.errorbar(
        t["mu_star"],
        t["sigma"],
        xerr=t["mu_star_conf"],
        fmt="o",
        color=MAIN,
        ecolor=OKABE_ITO["sky_blue"],
        capsize=3,
    )
    for row in t.itertuples():
        ax.annotate(
            row.parameter,
            (row.mu_star, row.sigma),
            textcoords="offset points",
            xytext=(4, 4),
            fontsize=8,
        )
    top = np.nanmax(np.r_[t["mu_star"].to_numpy(), t["sigma"].to_numpy(), 0.0]) * 1.1 or 1.0
    ax.plot(
        [0, top],
        [0, top],
        linestyle="--",
        color=REFERENCE,
        linewidth=0.8,
        label="sigma = mu* (effect varies as much as it matters)",
    )
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"mu*: mean |effect| of a full-range change ({output} units)")
    ax.set_ylabel(f"sigma: spread of effects ({output} units)")
    ax.set_title(f"Morris screening of {output}")
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, out_dir / f"morris_{_safe(output)}.png")


@styled
def priorities_chart(table: pd.DataFrame, index_label: str, out_dir: Path) -> Path:
    """Horizontal bars: behaviours by priority score, most important at the top."""
    t = table.iloc[::-1]
    fig = new_figure(7, 0.45 * len(t) + 1.5)
    ax = fig.subplots()
    colours = [
        OKABE_ITO["black"] if b == "system" else OKABE_ITO["bluish_green"] for b in t["behaviour"]
    ]
    ax.barh(t["behaviour"], t["score"], color=colours)
    ax.set_xlabel(
        f"priority score: summed {index_label} of the behaviour's parameters (mean over outputs)"
    )
    ax.set_ylabel("behaviour (relationship)")
    ax.set_title("What to measure first")
    ax.set_yticks(
        range(len(t)),
        [f"{b}\n{r}" if r else b for b, r in zip(t["behaviour"], t["relationship"], strict=True)],
        fontsize=8,
    )
    return _save(fig, out_dir / "priorities.png")


def write_charts(
    method: str,
    table: pd.DataFrame,
    priorities: pd.DataFrame | None,
    index_label: str,
    out_dir: Path,
) -> list[Path]:
    """Every chart of a sweep into ``out_dir``; returns the paths written."""
    paths = []
    for output in table["output"].unique():
        if method in ("sobol", "fast"):
            paths.append(variance_bars(table, output, method, out_dir))
        elif method == "morris":
            paths.append(morris_plot(table, output, out_dir))
        elif method == "lhs":
            paths.append(variance_bars(table, output, "rbd-fast", out_dir))
    if priorities is not None and len(priorities):
        paths.append(priorities_chart(priorities, index_label, out_dir))
    return paths
