"""The charts every `run` writes: integration index and behaviour performance over time.

The richer comparison charts for programme leads live in ``charts.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from integration_sim.files import atomic_path  # noqa: E402

if TYPE_CHECKING:
    from integration_sim.runner import Results

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
LINESTYLES = ["-", "--", "-.", ":"]


def band(records: pd.DataFrame, metric: str, by: str = "strategy", **where: str) -> pd.DataFrame:
    """Median and 10th/90th percentiles over replicates of one metric, per week and ``by``."""
    sel = records["metric"] == metric
    for col, value in {
        "locality": "all",
        "organisation_type": "all",
        "behaviour": "all",
        **where,
    }.items():
        sel &= records[col] == value
    grouped = records[sel].groupby([by, "week"], observed=True)["value"]
    out = grouped.quantile([0.1, 0.5, 0.9]).unstack()
    out.columns = ["p10", "median", "p90"]
    return out.reset_index()


def _save(fig: plt.Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def write_basic_charts(results: Results, out_dir: Path) -> list[Path]:
    """Write integration_index.png and behaviours.png; return their paths."""
    rec = results.records
    paths = []
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, (name, g) in enumerate(
        band(rec, "integration_index").groupby("strategy", observed=True)
    ):
        colour = PALETTE[i % len(PALETTE)]
        ax.fill_between(g["week"], g["p10"], g["p90"], color=colour, alpha=0.2, linewidth=0)
        ax.plot(g["week"], g["median"], color=colour, linestyle=LINESTYLES[i % 4], label=str(name))
    ax.set(
        title="Integration index by strategy (median, 10-90% band)",
        xlabel="week",
        ylabel="share of cases handled in an integrated way",
    )
    ax.legend(frameon=False)
    paths.append(_save(fig, out_dir / "integration_index.png"))
    behaviours = [b for b in rec["behaviour"].cat.categories if b not in ("all", "budget_pooling")]
    fig, axes = plt.subplots(
        1, len(behaviours), figsize=(3.2 * len(behaviours), 3.2), sharey=True, squeeze=False
    )
    for ax, b in zip(axes[0], behaviours, strict=True):
        for i, (name, g) in enumerate(
            band(rec, "performance_rate", behaviour=b).groupby("strategy", observed=True)
        ):
            colour = PALETTE[i % len(PALETTE)]
            ax.fill_between(g["week"], g["p10"], g["p90"], color=colour, alpha=0.2, linewidth=0)
            ax.plot(
                g["week"], g["median"], color=colour, linestyle=LINESTYLES[i % 4], label=str(name)
            )
        ax.set(title=b.replace("_", " "), xlabel="week")
    axes[0][0].set_ylabel("share of eligible practitioners performing")
    axes[0][-1].legend(frameon=False, fontsize=8)
    fig.suptitle("Behaviour performance by strategy (median, 10-90% band)")
    paths.append(_save(fig, out_dir / "behaviours.png"))
    return paths
