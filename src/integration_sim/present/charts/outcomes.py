"""Charts of paired effects: the gain that lasts after the money ends, and every effect per replicate.

Effects are paired differences from the baseline strategy (same seeds, same
weeks, same localities; see :mod:`integration_sim.metrics`), in the long form
of :func:`integration_sim.analysis.comparison.paired_effects`.
"""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from integration_sim.metrics import Metric, headline, metric_info
from integration_sim.present.charts import data
from integration_sim.present.style import Chart, Look, label_of, looks, new_figure, styled

# The three moments of the sustainability chart, each a paired effect in the localities
# the strategy funds first (see metrics.METRICS).
MOMENTS = {
    "gain_at_funding_end": "as the money ends\n(13 weeks before)",
    "retained_gain_1y": "a year later\n(39-52 weeks after)",
    "gain_first_localities": "end of the run\n(last 13 weeks)",
}


def _order(df: pd.DataFrame, strategies: list[str] | None) -> list[str]:
    return strategies or list(dict.fromkeys(df["strategy"].astype(str)))


def _values(effects: pd.DataFrame, strategy: str, metric: str) -> np.ndarray:
    e = effects[(effects["strategy"] == strategy) & (effects["metric"] == metric)]
    return e["difference"].to_numpy(dtype=float)


def _moment_line(
    ax: Axes, effects: pd.DataFrame, s: str, x: np.ndarray, look: Look, label: str
) -> bool:
    qs = [data.quantiles(_values(effects, s, m) * 100.0) for m in MOMENTS]
    ok = [i for i, q in enumerate(qs) if np.isfinite(q[1])]
    if not ok:
        return False
    ax.plot(
        x[ok],
        [qs[i][1] for i in ok],
        color=look.colour,
        ls=look.linestyle,
        marker=look.marker,
        lw=1.6,
        label=label,
    )
    ax.vlines(x[ok], [qs[i][0] for i in ok], [qs[i][2] for i in ok], color=look.colour, lw=1)
    return True


@styled
def sustainability(
    effects: pd.DataFrame,
    *,
    baseline: str,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Gain over the baseline (points) in the localities funded first, as the money ends and after.

    Per funded strategy: the median over replicate pairs (line) and 10-90% of
    them (bars) 13 weeks before funding ends, 39-52 weeks after, and in the
    last 13 weeks of the run. A strategy with no funding has no such moments.
    """
    strategies = [s for s in _order(effects, strategies) if s != baseline]
    labels = labels or {}
    look = looks([baseline, *strategies])
    fig = new_figure(7.5, 4.4 + 0.22 * len(strategies))
    ax = fig.subplots()
    shown = 0
    for i, s in enumerate(strategies):
        x = np.arange(len(MOMENTS)) + (i - (len(strategies) - 1) / 2) * 0.05  # dodge the bars
        shown += _moment_line(ax, effects, s, x, look[s], label_of(s, labels, 45))
    ax.axhline(0, color="0.3", ls="--", lw=1)
    ax.set_xticks(range(len(MOMENTS)), list(MOMENTS.values()))
    ax.set_xlim(-0.4, len(MOMENTS) - 0.6)
    base = label_of(baseline, labels, 60)
    ax.set_ylabel(f"Gain over {base}\n(points of integration index)")
    if shown:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, ncols=1)
    else:
        ax.text(0.5, 0.5, "no strategy has funding that ends", ha="center", transform=ax.transAxes)
    title = "Does the gain over the baseline last when the money ends?"
    fig.suptitle(title, fontweight="bold")
    caption = (
        f"Each line is a strategy's gain over {labels.get(baseline, baseline)} in the localities it "
        "funds first (median, bars 10-90% of replicate pairs); the dashed line is no gain. A line that "
        "stays up after the money ends was built; one that falls to the dashed line was bought. "
        "A moment past the end of the run is left out."
    )
    return Chart("sustainability", title, caption, fig)


def _display(info: Metric) -> Metric:
    if info.unit == "pounds":  # thousands read better than six-digit tick labels
        return dataclasses.replace(info, unit="thousand pounds", scale=info.scale / 1e3)
    return info


def _difference_panel(
    ax: Axes, metric: str, others: list[str], effects: pd.DataFrame, table: pd.DataFrame, look: dict
) -> None:
    info = _display(metric_info(metric))
    for i, s in enumerate(others):
        d = _values(effects, s, metric) * info.scale
        if not d.size:
            continue
        jitter = np.random.default_rng(i).uniform(
            -0.18, 0.18, d.size
        )  # fixed: same picture each time
        ax.scatter(
            d, i + jitter, s=9, color=look[s].colour, marker=look[s].marker, alpha=0.45, lw=0
        )
        q10, q50, q90 = data.quantiles(d)
        ax.plot([q10, q90], [i, i], color="0.35", lw=1)
        row = table[(table["strategy"] == s) & (table["metric"] == metric)]
        if len(row) and np.isfinite(row["ci_low"].iloc[0]):
            r = row.iloc[0]
            ax.plot([r.ci_low * info.scale, r.ci_high * info.scale], [i, i], color="0.05", lw=3.5)
        ax.plot([q50], [i], marker="D", color="white", mec="0.05", ms=6)
    ax.axvline(0, color="0.3", lw=0.9, ls="--")
    ax.set_title(textwrap.fill(info.label, 30), fontsize=9)
    arrow = {True: " (better →)", False: " (← better)", None: ""}[info.higher_is_better]
    ax.set_xlabel(textwrap.fill(f"{info.unit}{arrow}", 32))


@styled
def paired_difference_distributions(
    effects: pd.DataFrame,
    table: pd.DataFrame,
    *,
    baseline: str,
    metrics: list[str] | None = None,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Per-replicate paired effects against ``baseline``, one panel per effect.

    Dots are replicate pairs; the thin line spans 10-90% of them, the thick
    line is the 95% bootstrap interval of the median (drawn only with enough
    pairs) and the diamond is the median. Quantities fixed by the scenario
    (programme spend) and ratios have no panel: they are in the tables.
    """
    candidates = metrics or [m for m in headline(paired=True) if not metric_info(m).fixed]
    metrics = [m for m in candidates if (effects["metric"] == m).any()]
    others = [s for s in _order(effects, strategies) if s != baseline]
    labels = labels or {}
    look = looks([baseline, *others])
    ncols = min(3, max(len(metrics), 1))
    nrows = -(-len(metrics) // ncols) or 1
    fig = new_figure(3.6 * ncols, 1.0 + nrows * (1.0 + 0.42 * len(others)))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    for ax, metric in zip(axes, metrics, strict=False):
        _difference_panel(ax, metric, others, effects, table, look)
    for ax in axes[::ncols]:
        ax.set_yticks(range(len(others)), [label_of(s, labels, 28) for s in others])
        ax.set_ylim(len(others) - 0.5, -0.5)
    key = [
        Line2D([], [], marker="D", color="white", mec="0.05", ls="", label="median difference"),
        Line2D([], [], color="0.05", lw=3.5, label="95% bootstrap interval of the median"),
        Line2D([], [], color="0.35", lw=1, label="10-90% of replicate pairs"),
        Line2D([], [], marker="o", color="0.5", ls="", alpha=0.6, label="one replicate pair"),
    ]
    fig.legend(handles=key, loc="outside lower center", ncols=2, frameon=False)
    title = f"Effects against {labels.get(baseline) or baseline}, replicate by replicate"
    fig.suptitle(textwrap.fill(title, 90), fontweight="bold")
    caption = (
        "A thick bar clear of the dashed zero line means a difference we can be sure of; dots on both "
        "sides of zero mean the strategy wins in some replicates and loses in others."
    )
    return Chart("paired_differences", title, caption, fig)
