"""Run summary metrics, computed from one run's tidy weekly records.

Summaries are computed from the tidy records alone, so anything a summary says
can be checked against the records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from integration_sim.engine.recorder import ALL

SUMMARY_WINDOW = 13  # weeks: a quarter, long enough to smooth weekly noise and seasonality

SUMMARY_METRICS = {
    "integration_final": "mean integration index (share of cases integrated, 0-1) over the last 13 weeks",
    "integration_peak": "highest 13-week rolling mean of the integration index (0-1)",
    "integration_auc": "area under the integration index curve (index-years)",
    "integration_gain": "final minus baseline (first 13 weeks) integration index",
    "sustainability": "integration index 39-52 weeks after funding ends over the 13 weeks before it ends",
    "gain_retained": "share of the gain over baseline still there a year after funding ends",
    "spread": "mean gain in localities outside the first ones reached (all localities if the first wave is everywhere)",
    "equity": "standard deviation of the final integration index across localities (lower is more equal)",
    "total_spend": "intervention spend over the horizon (pounds)",
    "cost_per_point": "spend per percentage point of integration gain (pounds)",
    "delay_days": "delayed days summed over all cases",
    "emergency_admissions": "emergency admissions summed over all cases",
    "care_cost": "cost of delays and emergency admissions (pounds)",
    "cross_boundary_density_final": "cross-boundary ties per possible pair, last 13 weeks",
    "mean_trust_final": "mean trust of cross-boundary ties (0-1), last 13 weeks",
}


def _window_mean(series: pd.Series, start: int, stop: int) -> float:
    part = series[(series.index >= start) & (series.index < stop)]
    return float(part.mean()) if len(part) else float("nan")


def summarise(
    records: pd.DataFrame, horizon: int, funding_end: int | None, first_localities: list[str]
) -> dict[str, float]:
    """Run summary metrics (see SUMMARY_METRICS) from one run's tidy records."""
    agg = records[(records["organisation_type"] == ALL) & (records["behaviour"] == ALL)]
    wide = agg.pivot_table(
        index="week", columns=["metric", "locality"], values="value", observed=True, dropna=False
    )
    w = SUMMARY_WINDOW
    index = wide[("integration_index", ALL)]
    last = index.index.max() + 1 if len(index) else horizon
    final = _window_mean(index, last - w, last)
    baseline = _window_mean(index, 0, w)
    out = {
        "integration_final": final,
        "integration_peak": float(index.rolling(w, min_periods=1).mean().max()),
        "integration_auc": float(index.mean() * horizon / 52.0),
        "integration_gain": final - baseline,
    }
    out.update(_sustainability(index, baseline, funding_end, last))
    locs = [c for c in wide["integration_index"].columns if c != ALL]
    finals = {loc: _window_mean(wide[("integration_index", loc)], last - w, last) for loc in locs}
    bases = {loc: _window_mean(wide[("integration_index", loc)], 0, w) for loc in locs}
    outside = [loc for loc in locs if loc not in first_localities] or locs
    out["spread"] = float(np.mean([finals[n] - bases[n] for n in outside]))
    out["equity"] = float(np.std(list(finals.values())))
    spend = float(wide[("spend", ALL)].sum())
    out["total_spend"] = spend
    gain_points = 100.0 * out["integration_gain"]
    out["cost_per_point"] = spend / gain_points if gain_points > 0 and spend > 0 else float("nan")
    for metric in ("delay_days", "emergency_admissions", "care_cost"):
        out[metric] = float(wide[(metric, ALL)].sum())
    for metric in ("cross_boundary_density", "mean_trust"):
        out[f"{metric}_final"] = _window_mean(wide[(metric, ALL)], last - w, last)
    perf = records[
        (records["metric"] == "performance_rate")
        & (records["locality"] == ALL)
        & (records["organisation_type"] == ALL)
    ]
    for b, group in perf.groupby("behaviour", observed=True):
        out[f"final_{b}"] = _window_mean(group.set_index("week")["value"], last - w, last)
    return out


def _sustainability(
    index: pd.Series, baseline: float, funding_end: int | None, last: int
) -> dict[str, float]:
    nan = float("nan")
    if funding_end is None or funding_end + 52 > last:
        return {"sustainability": nan, "gain_retained": nan}
    at_end = _window_mean(index, funding_end - SUMMARY_WINDOW, funding_end)
    after = _window_mean(index, funding_end + 52 - SUMMARY_WINDOW, funding_end + 52)
    gain_end = at_end - baseline
    return {
        "sustainability": after / at_end if at_end > 0 else nan,
        "gain_retained": (after - baseline) / gain_end if gain_end > 0.005 else nan,
    }
