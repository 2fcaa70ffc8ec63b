"""The metrics table against hand-computed cases, and a strategy identical to its baseline.

A hand-made place of two localities (A, B) with 10 cases a week each, over 120
weeks. The baseline integrates 4 of 10 cases everywhere, every week. The
strategy funds A first (weeks 10-40, £1,000 a week): A integrates 6 of 10 from
week 10, 5 of 10 from week 79 on; B gains half a case a week in the last 13
weeks only. Delays fall from 10 to 8 a day-count per week, admissions from 1 to
0.5 per week. Every number below follows from these by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from integration_sim import metrics
from integration_sim.analysis import comparison
from integration_sim.metrics import METRICS, RunView

WEEKS = np.arange(120)
COSTS = {"delay_day": 400.0, "emergency_admission": 2000.0}


def _rows(strategy: str, replicate: int, locality: str, metric: str, values) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "week": WEEKS,
            "replicate": replicate,
            "strategy": strategy,
            "locality": locality,
            "organisation_type": "all",
            "behaviour": "all",
            "metric": metric,
            "value": np.broadcast_to(np.asarray(values, dtype=float), WEEKS.shape),
        }
    )


def _run(
    strategy: str, replicate: int, integrated: dict, spend, delays, admissions
) -> pd.DataFrame:
    parts = []
    for loc, integ in integrated.items():
        parts += [
            _rows(strategy, replicate, loc, "cases", 10.0),
            _rows(strategy, replicate, loc, "integrated_cases", integ),
            _rows(strategy, replicate, loc, "integration_index", np.asarray(integ) / 10.0),
        ]
    total = sum(np.broadcast_to(np.asarray(v, float), WEEKS.shape) for v in integrated.values())
    care = (
        np.asarray(delays) * COSTS["delay_day"]
        + np.asarray(admissions) * COSTS["emergency_admission"]
    )
    for metric, values in (
        ("cases", 10.0 * len(integrated)),
        ("integrated_cases", total),
        ("integration_index", total / (10.0 * len(integrated))),
        ("spend", spend),
        ("delay_days", delays),
        ("emergency_admissions", admissions),
        ("care_cost", care),
        ("cross_boundary_density", 0.01),
        ("mean_trust", 0.5),
    ):
        parts.append(_rows(strategy, replicate, "all", metric, values))
    return pd.concat(parts, ignore_index=True)


def baseline_run(replicate: int = 0, name: str = "base") -> pd.DataFrame:
    return _run(name, replicate, {"A": 4.0, "B": 4.0}, 0.0, 10.0, 1.0)


def strategy_run(replicate: int = 0) -> pd.DataFrame:
    a = np.where(WEEKS < 10, 4.0, np.where(WEEKS < 79, 6.0, 5.0))
    b = np.where(WEEKS >= 107, 4.5, 4.0)
    spend = np.where((WEEKS >= 10) & (WEEKS < 40), 1000.0, 0.0)
    return _run("new", replicate, {"A": a, "B": b}, spend, 8.0, 0.5)


def test_per_run_levels_by_hand():
    run = RunView(strategy_run(), 120, funding_end=40, first_localities=["A"])
    got = {m.name: m.compute(run) for m in METRICS.values() if not m.paired and m.compute}
    assert got["integration_final"] == pytest.approx((5 + 4.5) / 20)
    assert got["integration_peak"] == pytest.approx(0.5)  # weeks 10-78: (6 + 4) / 20
    assert got["equity"] == pytest.approx(np.std([0.5, 0.45]))
    assert got["sustainability"] == pytest.approx(((5 + 4) / 20) / ((6 + 4) / 20))
    assert got["total_spend"] == 30 * 1000.0
    assert got["delay_days"] == 8.0 * 120 and got["emergency_admissions"] == 0.5 * 120
    assert got["care_cost"] == pytest.approx(120 * (8 * 400 + 0.5 * 2000))


def test_paired_effects_by_hand():
    run = RunView(strategy_run(), 120, funding_end=40, first_localities=["A"])
    base = RunView(baseline_run(), 120, funding_end=None, first_localities=[])
    got = metrics.effects(run, base)
    assert got["integration_gain"] == pytest.approx((5 + 4.5) / 20 - 0.4)
    assert got["gain_first_localities"] == pytest.approx(0.5 - 0.4)
    assert got["spread"] == pytest.approx(0.45 - 0.4)
    assert got["gain_at_funding_end"] == pytest.approx(0.6 - 0.4)  # weeks 27-39
    assert got["retained_gain_1y"] == pytest.approx(0.5 - 0.4)  # weeks 79-91
    assert got["extra_spend"] == 30_000.0
    assert got["delay_days_avoided"] == pytest.approx(2 * 120)
    assert got["admissions_avoided"] == pytest.approx(0.5 * 120)
    avoided = 120 * (2 * 400 + 0.5 * 2000)
    assert got["care_cost_avoided"] == pytest.approx(avoided)
    assert got["net_cost"] == pytest.approx(30_000 - avoided)
    assert got["return_per_pound"] == pytest.approx(avoided / 30_000)


def test_windows_come_from_the_strategy_not_the_baseline():
    # Funded everywhere first: no localities outside, so spread is undefined, not zero.
    run = RunView(strategy_run(), 120, funding_end=40, first_localities=["A", "B"])
    base = RunView(baseline_run(), 120, funding_end=None, first_localities=[])
    assert np.isnan(metrics.effects(run, base)["spread"])
    # Funding ending within a year of the horizon: no "a year later" window.
    late = RunView(strategy_run(), 120, funding_end=100, first_localities=["A"])
    assert np.isnan(metrics.effects(late, base)["retained_gain_1y"])


def _summary_and_records(strategies: dict, replicates: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    records, rows = [], []
    for name, (make, end, first) in strategies.items():
        for r in range(replicates):
            records.append(make(r).assign(strategy=name))
            rows.append(
                {
                    "strategy": name,
                    "replicate": r,
                    "seed": r,
                    "funding_end": end,
                    "first_localities": first,
                }
            )
    return pd.concat(records, ignore_index=True), pd.DataFrame(rows)


def test_ratios_of_medians_by_hand():
    records, summary = _summary_and_records(
        {"base": (baseline_run, np.nan, ""), "new": (strategy_run, 40.0, "A")}, replicates=8
    )
    effects = comparison.paired_effects(records, summary, "base", 120)
    table = comparison.paired_differences(summary, "base", [], effects=effects).set_index("metric")
    assert table.loc["cost_per_point", "diff_median"] == pytest.approx(30_000 / 7.5)
    assert table.loc["retained_share_1y", "diff_median"] == pytest.approx(0.1 / 0.2)
    assert table.loc["retained_share_horizon", "diff_median"] == pytest.approx(0.1 / 0.2)
    # Fixed by the scenario: a value, never an interval.
    assert np.isnan(table.loc["extra_spend", "ci_low"])
    assert table.loc["extra_spend", "note"] == "fixed by the scenario"


def test_strategy_identical_to_baseline_has_zero_effect_and_no_cost_per_point():
    twin = lambda r: baseline_run(r, "twin")  # noqa: E731
    records, summary = _summary_and_records(
        {"base": (baseline_run, np.nan, ""), "twin": (twin, 40.0, "A")}, replicates=8
    )
    effects = comparison.paired_effects(records, summary, "base", 120)
    assert len(effects) and (effects["difference"] == 0).all()
    table = comparison.paired_differences(summary, "base", [], effects=effects).set_index("metric")
    cost = table.loc["cost_per_point"]
    assert np.isnan(cost["diff_median"]) and cost["note"].startswith("undefined")
    gains = table.loc[["integration_gain", "gain_first_localities", "net_cost"]]
    assert (gains[["diff_median", "ci_low", "ci_high"]] == 0).all().all()


def test_too_few_replicates_give_no_interval_and_no_ratio():
    records, summary = _summary_and_records(
        {"base": (baseline_run, np.nan, ""), "new": (strategy_run, 40.0, "A")}, replicates=3
    )
    effects = comparison.paired_effects(records, summary, "base", 120)
    table = comparison.paired_differences(summary, "base", [], effects=effects).set_index("metric")
    assert table["ci_low"].isna().all()
    assert table.loc["integration_gain", "note"].startswith("too few")
    assert np.isnan(table.loc["cost_per_point", "diff_median"])


def test_every_entry_is_complete_and_named_once():
    for name, m in METRICS.items():
        assert m.name == name and m.label and m.unit and m.window
        assert m.better in ("higher", "lower")
    assert set(metrics.effect_names()) <= set(METRICS)
    assert not set(metrics.effect_names()) & set(metrics.run_metric_names([]))
