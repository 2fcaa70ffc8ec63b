"""Charts of run outcomes: sustainability, paired differences, cost against outcome."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from integration_sim.analysis import comparison
from integration_sim.config.strategies import Intervention
from integration_sim.engine.schedule import funding_end
from integration_sim.metrics import headline, metric_info
from integration_sim.present.charts import data
from integration_sim.present.style import Chart, label_of, looks, new_figure, styled

PCT = 100.0
# Windows match outcomes.SUMMARY_METRICS["sustainability"]: the 13 weeks before funding
# ends against weeks 39-52 after it ends, averaged to damp weekly noise.
WINDOW = 13
YEAR = 52


def _order(df: pd.DataFrame, strategies: list[str] | None) -> list[str]:
    return strategies or list(dict.fromkeys(df["strategy"]))


@styled
def sustainability(
    records: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    summary: pd.DataFrame | None = None,
    *,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    horizon: int | None = None,
) -> Chart:
    """Integration index (percent) when the money ends and a year later, per strategy.

    Left: median and 10-90% of the mean index over the last ``WINDOW`` weeks of
    funding and over ``WINDOW`` weeks a year after (clamped to the end of the
    run). Right (when ``summary`` has ``sustainability``): each replicate's
    sustainability ratio, with 1 meaning fully sustained.
    """
    strategies = _order(records, strategies)
    labels = labels or {}
    horizon = horizon or int(records["week"].max()) + 1
    look = looks(strategies)
    overall = data.series(records)
    with_ratio = summary is not None and "sustainability" in summary.columns
    fig = new_figure(10 if with_ratio else 6, 4.2 + 0.2 * len(strategies))
    axes = fig.subplots(1, 2 if with_ratio else 1, squeeze=False).ravel()
    ax = axes[0]
    clamped = False
    for i, s in enumerate(strategies):
        end = funding_end(interventions.get(s, []), horizon)
        if end is None:
            continue
        clamped |= end + YEAR > horizon
        df = overall[overall["strategy"] == s]
        before = data.window_mean(df, end - WINDOW, end)
        after = data.window_mean(df, end + YEAR - WINDOW, end + YEAR)
        if before.empty or after.empty:
            continue
        qs = [data.quantiles(before * PCT), data.quantiles(after * PCT)]
        x = np.array([0, 1]) + (i - (len(strategies) - 1) / 2) * 0.04  # dodge overlapping bars
        lk = look[s]
        ax.plot(
            x,
            [q[1] for q in qs],
            color=lk.colour,
            ls=lk.linestyle,
            marker=lk.marker,
            lw=1.6,
            label=f"{label_of(s, labels)} (money ends week {end})",
        )
        ax.vlines(x, [q[0] for q in qs], [q[2] for q in qs], color=lk.colour, lw=1)
    ax.set_xticks([0, 1], ["13 weeks before\nfunding ends", "39-52 weeks after\nfunding ends"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel("Integration index (% of cases integrated)")
    ax.set_title("Before and after the money ends\n(median, bars: 10-90% of replicates)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, ncols=1)
    if with_ratio:
        ax2 = axes[1]
        ratio = {
            s: v[np.isfinite(v)]
            for s in strategies
            if (
                v := summary.loc[summary["strategy"] == s, "sustainability"]
                .astype(float)
                .to_numpy()
            ).size
        }
        ratio = {
            s: v for s, v in ratio.items() if v.size
        }  # strategies with no funding have no ratio
        for i, (s, v) in enumerate(ratio.items()):
            jitter = np.random.default_rng(i).uniform(
                -0.15, 0.15, v.size
            )  # fixed: same picture every time
            ax2.scatter(
                v, i + jitter, s=12, color=look[s].colour, marker=look[s].marker, alpha=0.6, lw=0
            )
            q10, q50, q90 = data.quantiles(v)
            ax2.plot([q10, q90], [i, i], color="0.2", lw=1.2)
            ax2.plot([q50], [i], marker="|", color="0.1", ms=14, mew=2)
        ax2.axvline(1.0, color="0.3", ls="--", lw=1)
        ax2.set_yticks(range(len(ratio)), [label_of(s, labels) for s in ratio])
        if ratio:
            ax2.set_ylim(len(ratio) - 0.5, -0.5)
        else:
            ax2.text(
                0.5,
                0.5,
                "no run lasts a year after its funding ends",
                ha="center",
                transform=ax2.transAxes,
            )
        ax2.set_xlabel("Index a year after funding ends / index before it ends (ratio)")
        ax2.set_title(
            "Sustainability per replicate\n(| median, line 10-90%; dashed: fully sustained)"
        )
    title = "Does integrated working last when the money ends?"
    fig.suptitle(title, fontweight="bold")
    caption = "Flat or rising lines (ratios at or above 1) mean the change outlived its funding; falling lines mean it faded."
    if clamped:
        caption += (
            " Where the run ends within a year of funding, the later point is the end of the run."
        )
    return Chart("sustainability", title, caption, fig)


@styled
def paired_difference_distributions(
    summary: pd.DataFrame,
    baseline: str | None = None,
    *,
    metrics: list[str] | None = None,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
    table: pd.DataFrame | None = None,
) -> Chart:
    """Per-replicate differences from ``baseline`` for key metrics, one panel per metric.

    Dots are replicate pairs (strategy minus baseline, same seeds); the thin
    line spans 10-90% of them, the thick line is the 95% bootstrap interval
    of the median and the diamond is the median.
    """
    baseline = baseline or comparison.default_baseline(summary)
    metrics = [
        m for m in (metrics or headline()) if m in summary.columns and metric_info(m).compute
    ]
    strategies = _order(summary, strategies)
    others = [s for s in strategies if s != baseline]
    labels = labels or {}
    look = looks(strategies)
    pairs = comparison.paired_samples(summary, baseline, metrics)
    # A metric with no finite pair (e.g. sustainability against a baseline with no
    # funding to end) would only add an empty panel.
    metrics = [m for m in metrics if (pairs["metric"] == m).any()]
    table = (
        table if table is not None else comparison.paired_differences(summary, baseline, metrics)
    )
    ncols = min(3, max(len(metrics), 1))
    nrows = -(-len(metrics) // ncols) or 1
    fig = new_figure(3.5 * ncols, 0.9 + nrows * (0.7 + 0.45 * len(others)))
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    for ax, metric in zip(axes, metrics, strict=False):
        info = metric_info(metric)
        if info.unit == "pounds":  # thousands read better than six-digit tick labels
            info = dataclasses.replace(info, unit="thousand pounds", scale=info.scale / 1e3)
        for i, s in enumerate(others):
            d = (
                pairs[(pairs["strategy"] == s) & (pairs["metric"] == metric)]["difference"]
                * info.scale
            )
            row = table[(table["strategy"] == s) & (table["metric"] == metric)]
            if d.empty or row.empty:
                continue
            jitter = np.random.default_rng(i).uniform(-0.18, 0.18, len(d))
            ax.scatter(
                d, i + jitter, s=9, color=look[s].colour, marker=look[s].marker, alpha=0.45, lw=0
            )
            r = row.iloc[0]
            ax.plot([r.diff_q10 * info.scale, r.diff_q90 * info.scale], [i, i], color="0.35", lw=1)
            ax.plot([r.ci_low * info.scale, r.ci_high * info.scale], [i, i], color="0.05", lw=3.5)
            ax.plot([r.diff_median * info.scale], [i], marker="D", color="white", mec="0.05", ms=6)
        ax.axvline(0, color="0.3", lw=0.9, ls="--")
        ax.set_title(textwrap.fill(info.label, 34), fontsize=9)
        arrow = {True: "   better →", False: "   ← better", None: ""}[info.higher_is_better]
        unit = f" ({info.unit})" if info.unit else ""
        ax.set_xlabel(f"difference{unit}{arrow}")
        ax.set_yticks(range(len(others)), [label_of(s, labels) for s in others])
        ax.set_ylim(len(others) - 0.5, -0.5)
    key = [
        Line2D([], [], marker="D", color="white", mec="0.05", ls="", label="median difference"),
        Line2D([], [], color="0.05", lw=3.5, label="95% bootstrap interval of the median"),
        Line2D([], [], color="0.35", lw=1, label="10-90% of replicate pairs"),
        Line2D([], [], marker="o", color="0.5", ls="", alpha=0.6, label="one replicate pair"),
    ]
    fig.legend(handles=key, loc="outside lower center", ncols=4, frameon=False)
    title = f"Paired differences from {(labels or {}).get(baseline) or baseline} (same seeds per replicate)"
    fig.suptitle(title, fontweight="bold")
    caption = (
        "A thick bar clear of the dashed zero line means a difference we can be sure of; dots on both "
        "sides of zero mean the strategy wins in some replicates and loses in others."
    )
    return Chart("paired_differences", title, caption, fig)


@styled
def cost_effectiveness(
    summary: pd.DataFrame,
    *,
    outcome: str = "integration_gain",
    cost: str = "total_spend",
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Cost against outcome: each replicate's programme spend (thousand pounds) vs its gain.

    Large markers are medians, with lines spanning 10-90% of replicates on
    each axis. Falls back to ``integration_final`` when ``outcome`` is absent.
    """
    if outcome not in summary.columns:
        outcome = "integration_final"
    strategies = _order(summary, strategies)
    labels = labels or {}
    look = looks(strategies)
    info_y = metric_info(outcome)
    fig = new_figure(6.5, 4.6)
    ax = fig.subplots()
    for s in strategies:
        rows = summary[summary["strategy"] == s]
        x = rows[cost].astype(float).to_numpy() / 1e3
        y = rows[outcome].astype(float).to_numpy() * info_y.scale
        lk = look[s]
        ax.scatter(x, y, s=14, color=lk.colour, marker=lk.marker, alpha=0.35, lw=0)
        (x10, x50, x90), (y10, y50, y90) = data.quantiles(x), data.quantiles(y)
        ax.plot([x10, x90], [y50, y50], color=lk.colour, lw=1.2)
        ax.plot([x50, x50], [y10, y90], color=lk.colour, lw=1.2)
        ax.plot(
            [x50],
            [y50],
            marker=lk.marker,
            color=lk.colour,
            mec="black",
            ms=9,
            ls="",
            label=label_of(s, labels),
        )
    ax.set_xlabel(f"{metric_info(cost).label} (thousand pounds)")
    ax.set_ylabel(f"{info_y.label} ({info_y.unit})")
    ax.set_xlim(left=0)
    ax.legend(frameon=False, loc="best", title="median, lines 10-90%")
    title = "Cost against outcome"
    ax.set_title(title, fontweight="bold")
    caption = (
        "Up and to the left is better (more integration for less money); small dots are replicates, "
        "so overlapping clouds mean the strategies are hard to tell apart."
    )
    return Chart("cost_effectiveness", title, caption, fig)
