"""Money against effect: the cost-effectiveness plane and the acceptability curve.

Both use the per-replicate paired effects against the baseline: the
integration gain (points) and the net cost (extra programme spend minus the
cost of delays and admissions avoided, pounds). A willingness to pay ``λ``
pounds per point turns them into a net benefit ``λ * gain - net cost``; the
baseline's is zero.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from integration_sim.analysis.decision import best_shares
from integration_sim.present.charts import data
from integration_sim.present.style import REFERENCE, Chart, label_of, looks, new_figure, styled

GAIN, COST = "integration_gain", "net_cost"


def _pairs(effects: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """Gain (points) and net cost (pounds) per replicate for one strategy."""
    e = effects[(effects["strategy"] == strategy) & effects["metric"].isin([GAIN, COST])]
    wide = e.pivot_table(index="replicate", columns="metric", values="difference")
    if GAIN not in wide or COST not in wide:
        return pd.DataFrame(columns=[GAIN, COST])
    wide[GAIN] = wide[GAIN] * 100.0
    return wide[[GAIN, COST]].dropna()


def _order(effects: pd.DataFrame, baseline: str, strategies: list[str] | None) -> list[str]:
    names = strategies or list(dict.fromkeys(effects["strategy"].astype(str)))
    return [s for s in names if s != baseline]


def _finish(ax: Axes, name: str, title: str, caption: str) -> Chart:
    """Legend outside the axes on the right, bold title; the chart with its words."""
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    ax.set_title(title, fontweight="bold")
    return Chart(name, title, caption, ax.figure)


def _clouds(ax: Axes, effects: pd.DataFrame, others: list[str], look: dict, labels) -> list[float]:
    """Each strategy's replicate pairs (dots) and median (large marker); returns every x drawn."""
    xs = [0.0]
    for s in others:
        p = _pairs(effects, s)
        lk = look[s]
        x, y = p[GAIN].to_numpy(), p[COST].to_numpy() / 1e3
        ax.scatter(x, y, s=16, color=lk.colour, marker=lk.marker, alpha=0.35, lw=0)
        (_, x50, _), (_, y50, _) = data.quantiles(x), data.quantiles(y)
        label = label_of(s, labels, 40)
        ax.plot(
            [x50], [y50], marker=lk.marker, color=lk.colour, mec="black", ms=10, ls="", label=label
        )
        xs += list(x)
    return xs


@styled
def cost_effectiveness(
    effects: pd.DataFrame,
    *,
    baseline: str,
    willingness_to_pay: float,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Incremental net cost (thousand pounds) against incremental gain (points) over the baseline.

    Small dots are replicate pairs (the uncertainty cloud), large markers the
    medians; the dashed line is the willingness to pay: below it a strategy is
    worth its money at that price per point.
    """
    others = _order(effects, baseline, strategies)
    labels = labels or {}
    look = looks([baseline, *others])
    fig = new_figure(7.2, 5.2)
    ax = fig.subplots()
    xs = _clouds(ax, effects, others, look, labels)
    lo, hi = min(min(xs), -0.5), max(max(xs), 0.5)
    line = np.array([lo, hi]) * 1.1
    ax.plot(
        line,
        line * willingness_to_pay / 1e3,
        color=REFERENCE,
        ls="--",
        lw=1.2,
        label=f"willingness to pay £{willingness_to_pay:,.0f} per point",
    )
    ax.axhline(0, color="0.3", lw=0.8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlabel("Integration gain over the baseline (points; better →)")
    ax.set_ylabel(
        "Net cost over the baseline (thousand pounds;\nextra spend minus care costs avoided)"
    )
    caption = (
        "Right is more integration, down is cheaper; below the dashed line a strategy is worth its "
        "money at the stated price per point. Each cloud is one strategy's replicate pairs: clouds "
        "that straddle a line or an axis mean the verdict is uncertain."
    )
    return _finish(ax, "cost_effectiveness", "Cost-effectiveness plane", caption)


def acceptability(
    effects: pd.DataFrame, baseline: str, strategies: list[str], prices: np.ndarray
) -> pd.DataFrame:
    """Probability each strategy (baseline included) is best at each price per point (rows)."""
    others = _order(effects, baseline, strategies)
    pairs = {s: _pairs(effects, s) for s in others}
    reps = sorted(set().union(*(p.index for p in pairs.values()))) if pairs else []
    rows = []
    for price in prices:
        benefit = pd.DataFrame({baseline: 0.0}, index=reps)
        for s, p in pairs.items():
            benefit[s] = (price * p[GAIN] - p[COST]).reindex(reps)
        rows.append(best_shares(benefit, higher_is_better=True))
    return pd.DataFrame(rows, index=pd.Index(prices, name="price_per_point"))


@styled
def acceptability_curve(
    effects: pd.DataFrame,
    *,
    baseline: str,
    willingness_to_pay: float,
    strategies: list[str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Chart:
    """Cost-effectiveness acceptability curve: probability each strategy is best against price per point."""
    names = [baseline, *_order(effects, baseline, strategies)]
    labels = labels or {}
    look = looks(names)
    prices = np.linspace(0.0, 4.0 * max(willingness_to_pay, 1.0), 81)
    curve = acceptability(effects, baseline, names, prices)
    fig = new_figure(7.2, 4.4)
    ax = fig.subplots()
    for s in names:
        lk = look[s]
        ax.plot(
            prices / 1e3,
            curve[s],
            color=lk.colour,
            ls=lk.linestyle,
            marker=lk.marker,
            markevery=10,
            lw=1.6,
            label=label_of(s, labels, 40),
        )
    ax.axvline(willingness_to_pay / 1e3, color=REFERENCE, ls="--", lw=1.2)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, prices[-1] / 1e3)
    ax.set_xlabel("Willingness to pay (thousand pounds per point of integration gained)")
    ax.set_ylabel("Probability of the highest net benefit\n(share of replicates)")
    caption = (
        "For each price a commissioner might pay per point of integration, the share of replicates in "
        "which a strategy gives the most integration for its net cost; the dashed line is the "
        "scenario's stated willingness to pay."
    )
    return _finish(
        ax, "acceptability_curve", "Which strategy is best, at each price per point", caption
    )
