"""Charts of a sweep: Sobol/FAST bars with intervals, Morris mu*-sigma, measurement priorities.

Matplotlib with the Agg backend (no display needed); the Okabe-Ito palette,
which stays distinguishable with the common forms of colour blindness.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from integration_sim.files import atomic_path

# Okabe-Ito colour-blind-safe palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    _plt().close(fig)
    return path


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def variance_bars(table: pd.DataFrame, output: str, method: str, out_dir: Path) -> Path:
    """Grouped bars of first-order and total-order indices (with 95% intervals) for one output."""
    plt = _plt()
    t = table[table["output"] == output]
    n = len(t)
    fig, ax = plt.subplots(figsize=(max(5.0, 0.9 * n + 2), 4))
    pos = np.arange(n)
    for k, (col, label) in enumerate((("S1", "first order (S1)"), ("ST", "total order (ST)"))):
        if col not in t:
            continue
        conf = t[f"{col}_conf"].to_numpy() if f"{col}_conf" in t else None
        ax.bar(
            pos + (k - 0.5) * 0.38,
            t[col].to_numpy(),
            width=0.38,
            color=OKABE_ITO[k],
            yerr=conf,
            capsize=3,
            label=label,
            ecolor="#333333",
        )
    ax.set_xticks(pos, t["parameter"], rotation=30, ha="right")
    ax.set_ylabel("share of output variance (0-1)")
    ax.set_xlabel("parameter")
    ax.set_title(
        f"{method.upper()} sensitivity of {output}"
        + (" (bars: 95% bootstrap CI)" if method == "sobol" else "")
    )
    ax.axhline(0, color="#777777", linewidth=0.8)
    ax.legend(frameon=False)
    return _save(fig, out_dir / f"indices_{_safe(output)}.png")


def morris_plot(table: pd.DataFrame, output: str, out_dir: Path) -> Path:
    """Morris mu* (mean absolute elementary effect) against sigma for one output."""
    plt = _plt()
    t = table[table["output"] == output]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.errorbar(
        t["mu_star"],
        t["sigma"],
        xerr=t["mu_star_conf"],
        fmt="o",
        color=OKABE_ITO[0],
        ecolor=OKABE_ITO[5],
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
        color="#999999",
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


def priorities_chart(table: pd.DataFrame, index_label: str, out_dir: Path) -> Path:
    """Horizontal bars: behaviours by priority score, most important at the top."""
    plt = _plt()
    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(t) + 1.5))
    colours = [OKABE_ITO[7] if b == "system" else OKABE_ITO[2] for b in t["behaviour"]]
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
