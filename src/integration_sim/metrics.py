"""The one table of run summary metrics, and how each is computed from tidy weekly records.

Every metric the package reports is one :class:`Metric` entry in :data:`METRICS`:
how it is computed, its label and unit, which direction is better, the weeks
and places it covers, and whether it is measured against the paired
counterfactual. Everything that shows or checks metrics (the comparison
tables, the console summary, the report, the charts, the sweep's metric
check) reads this table, so adding a metric is one entry here (plus its test
and its line in the docs).

Summaries are computed from the tidy records alone, so anything a summary says
can be checked against the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from integration_sim.engine.recorder import ALL

SUMMARY_WINDOW = 13  # weeks: a quarter, long enough to smooth weekly noise and seasonality
YEAR = 52  # weeks
PER_BEHAVIOUR = "final_{behaviour}"  # name pattern of the per-behaviour family


class RunView:
    """One run's records, reshaped once, with the windows its metrics use.

    Args:
        records: the run's tidy weekly records.
        horizon: weeks in the run.
        funding_end: week (exclusive) the last paid intervention stops, or None.
        first_localities: localities reached by the strategy's earliest interventions.
    """

    def __init__(
        self,
        records: pd.DataFrame,
        horizon: int,
        funding_end: int | None,
        first_localities: list[str],
    ) -> None:
        agg = records[(records["organisation_type"] == ALL) & (records["behaviour"] == ALL)]
        self.wide = agg.pivot_table(
            index="week",
            columns=["metric", "locality"],
            values="value",
            observed=True,
            dropna=False,
        )
        self.records, self.horizon = records, horizon
        self.funding_end, self.first_localities = funding_end, list(first_localities)
        self.index = self.wide[("integration_index", ALL)]
        self.last = self.index.index.max() + 1 if len(self.index) else horizon
        self.localities = [c for c in self.wide["integration_index"].columns if c != ALL]

    def window(self, metric: str, start: int, stop: int, locality: str = ALL) -> float:
        """Mean of a weekly metric over weeks [start, stop) (NaN when none were recorded)."""
        return _window_mean(self.wide[(metric, locality)], start, stop)

    def final(self, metric: str = "integration_index", locality: str = ALL) -> float:
        """Mean over the last ``SUMMARY_WINDOW`` recorded weeks."""
        return self.window(metric, self.last - SUMMARY_WINDOW, self.last, locality)

    def first(self, metric: str = "integration_index", locality: str = ALL) -> float:
        """Mean over the first ``SUMMARY_WINDOW`` weeks."""
        return self.window(metric, 0, SUMMARY_WINDOW, locality)

    def total(self, metric: str) -> float:
        """Sum over every recorded week, whole system."""
        return float(self.wide[(metric, ALL)].sum())

    def outside_first(self) -> list[str]:
        """Localities outside the first ones reached (all of them if the first wave is everywhere)."""
        return [
            loc for loc in self.localities if loc not in self.first_localities
        ] or self.localities

    def behaviour_finals(self) -> dict[str, float]:
        """Final performance rate of each practitioner behaviour, whole system."""
        r = self.records
        perf = r[
            (r["metric"] == "performance_rate")
            & (r["locality"] == ALL)
            & (r["organisation_type"] == ALL)
        ]
        return {
            PER_BEHAVIOUR.format(behaviour=b): _window_mean(
                group.set_index("week")["value"], self.last - SUMMARY_WINDOW, self.last
            )
            for b, group in perf.groupby("behaviour", observed=True)
        }


@dataclass(frozen=True)
class Metric:
    """One summary metric: how it is computed and how it is read.

    ``compute`` takes a :class:`RunView` (per-run metrics); the per-behaviour
    family (``compute`` None) is filled by :meth:`RunView.behaviour_finals`.
    ``scale`` converts stored values to display units (proportions to points).
    ``fixed`` marks a quantity set by the scenario (no interval is shown for it).
    """

    name: str
    label: str
    unit: str
    better: Literal["higher", "lower"] | None
    window: str
    compute: Callable[[RunView], float] | None
    paired: bool = False
    scale: float = 1.0
    fixed: bool = False
    headline: bool = False  # in the report's tables
    console: bool = False  # in the console summary after ``run``

    @property
    def higher_is_better(self) -> bool | None:
        """True, False, or None where neither direction is better."""
        return None if self.better is None else self.better == "higher"

    @property
    def description(self) -> str:
        """One line: label, unit and window."""
        return f"{self.label} ({self.unit}; {self.window})"


def _window_mean(series: pd.Series, start: int, stop: int) -> float:
    part = series[(series.index >= start) & (series.index < stop)]
    return float(part.mean()) if len(part) else float("nan")


def _gain(run: RunView) -> float:
    return run.final() - run.first()


def _spread(run: RunView) -> float:
    return float(
        np.mean([run.final(locality=n) - run.first(locality=n) for n in run.outside_first()])
    )


def _equity(run: RunView) -> float:
    return float(np.std([run.final(locality=n) for n in run.localities]))


def _after_funding(run: RunView) -> tuple[float, float] | None:
    """Index over the 13 weeks before funding ends and 39-52 weeks after, if both were run."""
    end = run.funding_end
    if end is None or end + YEAR > run.last:
        return None
    at_end = run.window("integration_index", end - SUMMARY_WINDOW, end)
    after = run.window("integration_index", end + YEAR - SUMMARY_WINDOW, end + YEAR)
    return at_end, after


def _sustainability(run: RunView) -> float:
    both = _after_funding(run)
    if both is None or not both[0] > 0:
        return float("nan")
    return both[1] / both[0]


def _gain_retained(run: RunView) -> float:
    both = _after_funding(run)
    baseline = run.first()
    if both is None or not both[0] - baseline > 0.005:
        return float("nan")
    return (both[1] - baseline) / (both[0] - baseline)


def _cost_per_point(run: RunView) -> float:
    spend, gain_points = run.total("spend"), 100.0 * _gain(run)
    return spend / gain_points if gain_points > 0 and spend > 0 else float("nan")


LAST = "last 13 weeks"
POINTS = "points (0-100)"

METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric(
            "integration_final",
            "Integration index, last 13 weeks",
            POINTS,
            "higher",
            LAST + ", all localities",
            lambda run: run.final(),
            scale=100.0,
            headline=True,
            console=True,
        ),
        Metric(
            "integration_peak",
            "Integration index, peak",
            POINTS,
            "higher",
            "highest 13-week rolling mean",
            lambda run: float(run.index.rolling(SUMMARY_WINDOW, min_periods=1).mean().max()),
            scale=100.0,
        ),
        Metric(
            "integration_auc",
            "Integration over the run (area under curve)",
            "index-years",
            "higher",
            "whole run",
            lambda run: float(run.index.mean() * run.horizon / 52.0),
            headline=True,
        ),
        Metric(
            "integration_gain",
            "Integration gain over the first 13 weeks",
            "points",
            "higher",
            "last 13 weeks minus first 13 weeks",
            _gain,
            scale=100.0,
            console=True,
        ),
        Metric(
            "sustainability",
            "Sustainability: index a year after funding ends / before",
            "ratio",
            "higher",
            "39-52 weeks after funding ends over the 13 weeks before it ends",
            _sustainability,
            headline=True,
            console=True,
        ),
        Metric(
            "gain_retained",
            "Share of the gain kept a year after funding ends",
            "ratio",
            "higher",
            "39-52 weeks after funding ends, against the first 13 weeks",
            _gain_retained,
        ),
        Metric(
            "spread",
            "Spread: gain outside the first localities",
            "points",
            "higher",
            "last minus first 13 weeks, localities outside the first reached",
            _spread,
            scale=100.0,
            headline=True,
            console=True,
        ),
        Metric(
            "equity",
            "Inequality: sd of final index across localities",
            "points",
            "lower",
            LAST + ", per locality",
            _equity,
            scale=100.0,
            headline=True,
        ),
        Metric(
            "total_spend",
            "Programme spend",
            "pounds",
            "lower",
            "whole run",
            lambda run: run.total("spend"),
            headline=True,
            console=True,
        ),
        Metric(
            "cost_per_point",
            "Spend per point of integration gain",
            "pounds per point",
            "lower",
            "whole run",
            _cost_per_point,
            headline=True,
            console=True,
        ),
        Metric(
            "delay_days",
            "Delayed days (all cases)",
            "days",
            "lower",
            "whole run",
            lambda run: run.total("delay_days"),
            headline=True,
        ),
        Metric(
            "emergency_admissions",
            "Emergency admissions",
            "admissions",
            "lower",
            "whole run",
            lambda run: run.total("emergency_admissions"),
            headline=True,
        ),
        Metric(
            "care_cost",
            "Cost of delays and admissions",
            "pounds",
            "lower",
            "whole run",
            lambda run: run.total("care_cost"),
            headline=True,
        ),
        Metric(
            "cross_boundary_density_final",
            "Cross-boundary tie density, last 13 weeks",
            "ties per 1,000 possible pairs",
            "higher",
            LAST,
            lambda run: run.final("cross_boundary_density"),
            scale=1000.0,
        ),
        Metric(
            "mean_trust_final",
            "Mean trust of cross-boundary ties",
            "0-1",
            "higher",
            LAST,
            lambda run: run.final("mean_trust"),
        ),
        Metric(
            PER_BEHAVIOUR,
            "Share of eligible practitioners performing the behaviour",
            "0-1",
            "higher",
            LAST,
            None,
        ),
    ]
}


def metric_info(name: str) -> Metric:
    """The table entry for ``name`` (per-behaviour names map to the family); a neutral one if unknown."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith("final_"):
        family = METRICS[PER_BEHAVIOUR]
        behaviour = name.removeprefix("final_").replace("_", " ")
        return Metric(
            name, f"{behaviour}: {family.label.lower()}", family.unit, "higher", LAST, None
        )
    return Metric(name, name.replace("_", " "), "", None, "", None)


def run_metric_names(behaviours: list[str]) -> list[str]:
    """Names of the per-run metrics a run of these practitioner behaviours produces."""
    names = [m.name for m in METRICS.values() if not m.paired and m.compute is not None]
    return names + [PER_BEHAVIOUR.format(behaviour=b) for b in behaviours]


def headline() -> list[str]:
    """Metrics the report's tables show, in table order."""
    return [m.name for m in METRICS.values() if m.headline]


def console() -> list[str]:
    """Metrics the console summary after ``run`` shows, in table order."""
    return [m.name for m in METRICS.values() if m.console]


def summarise(
    records: pd.DataFrame, horizon: int, funding_end: int | None, first_localities: list[str]
) -> dict[str, float]:
    """Per-run summary metrics (every non-paired entry of :data:`METRICS`) from one run's records."""
    run = RunView(records, horizon, funding_end, first_localities)
    out = {m.name: m.compute(run) for m in METRICS.values() if not m.paired and m.compute}
    out.update(run.behaviour_finals())
    return out
