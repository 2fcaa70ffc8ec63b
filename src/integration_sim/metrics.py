"""The one table of run summary metrics, and how each is computed from tidy weekly records.

Every metric the package reports is one :class:`Metric` entry in :data:`METRICS`:
how it is computed, its label and unit, which direction is better, the weeks
and places it covers, and whether it is measured against the paired
counterfactual. Everything that shows or checks metrics (the comparison
tables, the decision summary, the console, the report, the charts, the
sweep's metric check) reads this table, so adding a metric is one entry here
(plus its test and its line in docs/report.md).

Three kinds of entry:

- per-run levels (``paired=False``): one value per run, in ``summary.parquet``;
- paired effects (``paired=True``, ``compute(run, base)``): a strategy's run
  minus the baseline strategy's run with the same seeds, over the same weeks
  and the same localities (the weeks and places are the strategy's own, e.g.
  the year after *its* funding ends, applied to both runs);
- ratios (``compute`` a :class:`Ratio`): a ratio of two paired effects'
  medians, undefined where the denominator could be zero.

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
# Columns of the summary that describe a run rather than measure it: the windows its
# paired effects use (week funding ends, localities funded first, ";"-separated).
RUN_COLUMNS = ("strategy", "replicate", "seed", "funding_end", "first_localities")


class RunView:
    """One run's records, reshaped once, with the windows its metrics use.

    Args:
        records: the run's tidy weekly records.
        horizon: weeks in the run.
        funding_end: week (exclusive) the last paid intervention stops, or None.
        first_localities: localities reached by the strategy's earliest interventions.

    The whole-system and per-locality series are NumPy arrays over the recorded
    weeks; means and sums skip missing values exactly as pandas does (NaN
    filled with zero, the sum over the count), so summaries keep their bits.
    """

    def __init__(
        self,
        records: pd.DataFrame,
        horizon: int,
        funding_end: int | None,
        first_localities: list[str],
    ) -> None:
        self.weeks, keys, grid = weekly_values(
            records, ["metric", "locality"], organisation_type=ALL, behaviour=ALL
        )
        self.series = {key: grid[:, j] for j, key in enumerate(keys)}
        self.records, self.horizon = records, horizon
        self.funding_end, self.first_localities = funding_end, list(first_localities)
        weeks = pd.Index(self.weeks, name="week")
        self.index = pd.Series(self.series[("integration_index", ALL)], index=weeks)
        self.last = self.weeks.max() + 1 if len(self.weeks) else horizon
        self.localities = [n for m, n in keys if m == "integration_index" and n != ALL]

    def window(self, metric: str, start: int, stop: int, locality: str = ALL) -> float:
        """Mean of a weekly metric over weeks [start, stop) (NaN when none were recorded)."""
        return _window_mean(self.weeks, self.series[(metric, locality)], start, stop)

    def final(self, metric: str = "integration_index", locality: str = ALL) -> float:
        """Mean over the last ``SUMMARY_WINDOW`` recorded weeks."""
        return self.window(metric, self.last - SUMMARY_WINDOW, self.last, locality)

    def group_window(self, localities: list[str], start: int, stop: int) -> float:
        """Integration index of a group of localities, mean over weeks [start, stop).

        Each week's index is integrated cases over cases summed over the group,
        so with every locality it is the whole-system index.
        """
        if sorted(localities) == sorted(self.localities):
            return self.window("integration_index", start, stop)
        cases = _row_sum([self.series[("cases", n)] for n in localities], len(self.weeks))
        integrated = _row_sum(
            [self.series[("integrated_cases", n)] for n in localities], len(self.weeks)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            index = integrated / np.where(cases > 0, cases, np.nan)
        return _window_mean(self.weeks, index, start, stop)

    def total(self, metric: str) -> float:
        """Sum over every recorded week, whole system."""
        return float(_skip_missing(self.series[(metric, ALL)]).sum())

    def behaviour_finals(self) -> dict[str, float]:
        """Final performance rate of each practitioner behaviour, whole system."""
        weeks, names, rates = weekly_values(
            self.records,
            ["behaviour"],
            metric="performance_rate",
            locality=ALL,
            organisation_type=ALL,
        )
        start = self.last - SUMMARY_WINDOW
        return {
            PER_BEHAVIOUR.format(behaviour=b): _window_mean(weeks, rates[:, j], start, self.last)
            for j, b in enumerate(names)
        }


def weekly_values(
    records: pd.DataFrame, columns: list[str], **where: str
) -> tuple[np.ndarray, list, np.ndarray]:
    """Values by week and by combination of ``columns``, of the records whose labels are ``where``.

    Returns the weeks [W] (ascending), the combinations seen (tuples, or labels
    for one column; in category order) and the values [W, K], NaN where a week
    has none: what ``pivot_table(index="week", columns=columns, values="value",
    observed=True, dropna=False)`` gives when each cell has one record, as
    records do, built from the label codes (pandas' generic grouping was most of
    the cost of a small run's summary). Repeated cells (which ``pivot_table``
    averages) and missing labels fall back to ``pivot_table``.
    """
    keep = np.ones(len(records), dtype=bool)
    for name, label in where.items():
        codes, names = _label_codes(records[name])
        keep &= codes == (names.get_loc(label) if label in names else -2)
    weeks, row = np.unique(records["week"].to_numpy()[keep], return_inverse=True)
    key = np.zeros(len(row), dtype=np.int64)
    labels = []
    for name in columns:
        codes, names = _label_codes(records[name])
        key = key * len(names) + codes[keep]
        labels.append(names)
    combos, col = np.unique(key, return_inverse=True)
    cell = row * len(combos) + col
    if (len(cell) and np.bincount(cell).max() > 1) or (key < 0).any():
        wide = records[keep].pivot_table(
            index="week", columns=columns, values="value", observed=True, dropna=False
        )
        return wide.index.to_numpy(), list(wide.columns), wide.to_numpy(dtype=float)
    grid = np.full((len(weeks), len(combos)), np.nan)
    grid.ravel()[cell] = records["value"].to_numpy(dtype=float)[keep]
    parts = []
    for names in reversed(labels):
        parts.insert(0, names[combos % len(names)])
        combos = combos // len(names)
    keys = list(zip(*parts, strict=True)) if len(parts) > 1 else list(parts[0])
    return weeks, keys, grid


def _label_codes(labels: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a label column and the labels they stand for, in category order."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.cat.codes.to_numpy(dtype=np.int64), labels.cat.categories
    codes, names = pd.factorize(labels, sort=True)
    return codes.astype(np.int64), pd.Index(names)


def _skip_missing(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN as zero, as pandas' sums and means skip them."""
    missing = np.isnan(values)
    return np.where(missing, 0.0, values) if missing.any() else values


def _window_mean(weeks: np.ndarray, values: np.ndarray, start: int, stop: int) -> float:
    """Mean over weeks [start, stop), skipping NaN (as ``Series.mean``); NaN if none."""
    part = values[(weeks >= start) & (weeks < stop)]
    count = len(part) - np.isnan(part).sum()
    return float(_skip_missing(part).sum() / np.float64(count)) if count else float("nan")


def _row_sum(columns: list[np.ndarray], n: int) -> np.ndarray:
    """Each week's sum over columns, added column by column, NaN as zero (as
    ``DataFrame.sum(axis=1)`` adds them)."""
    total = np.zeros(n) if not columns else _skip_missing(columns[0]).copy()
    for col in columns[1:]:
        total = total + _skip_missing(col)
    return total


@dataclass(frozen=True)
class Ratio:
    """A ratio of two paired effects' medians, reported only where it means something.

    Undefined (NaN) unless the denominator's interval excludes zero and its
    median is positive: a cost per point of a gain that may be nothing is not a cost.
    """

    numerator: str
    denominator: str
    denominator_scale: float = 1.0  # e.g. 100: proportion -> points


@dataclass(frozen=True)
class Metric:
    """One summary metric: how it is computed and how it is read.

    ``compute`` takes a :class:`RunView` (per-run levels), two of them (paired
    effects: the strategy's run and the baseline's), or is a :class:`Ratio`;
    the per-behaviour family (``compute`` None) is filled by
    :meth:`RunView.behaviour_finals`. ``scale`` converts stored values to
    display units (proportions to points). ``fixed`` marks a quantity set by
    the scenario, which varies only if the scenario does: no interval is shown.
    """

    name: str
    label: str
    unit: str
    better: Literal["higher", "lower"] | None
    window: str
    compute: Callable[..., float] | Ratio | None
    paired: bool = False
    scale: float = 1.0
    fixed: bool = False
    headline: bool = False  # in the report: levels in "at a glance", effects in the differences
    console: bool = False  # in the console summary after ``run``

    @property
    def higher_is_better(self) -> bool | None:
        """True, False, or None where neither direction is better."""
        return None if self.better is None else self.better == "higher"

    @property
    def is_ratio(self) -> bool:
        """True for ratios of paired effects' medians."""
        return isinstance(self.compute, Ratio)


def _equity(run: RunView) -> float:
    return float(np.std([run.final(locality=n) for n in run.localities]))


def _sustainability(run: RunView) -> float:
    weeks = _year_after_funding(run)
    if weeks is None:
        return float("nan")
    at_end = run.window("integration_index", *_before_funding_ends(run))
    after = run.window("integration_index", *weeks)
    return after / at_end if at_end > 0 else float("nan")


# Paired effects. Weeks and places come from the strategy's run and are applied to both.

Places = Callable[[RunView], "list[str] | None"]
Weeks = Callable[[RunView], "tuple[int, int] | None"]


def _gain_in(places: Places, weeks: Weeks) -> Callable[[RunView, RunView], float]:
    """Paired difference of the integration index over ``weeks`` in ``places``."""

    def effect(run: RunView, base: RunView) -> float:
        span, where = weeks(run), places(run)
        if span is None or where is None:
            return float("nan")
        return run.group_window(where, *span) - base.group_window(where, *span)

    return effect


def _everywhere(run: RunView) -> list[str]:
    return run.localities


def _first(run: RunView) -> list[str] | None:
    return run.first_localities or None


def _outside_first(run: RunView) -> list[str] | None:
    rest = [n for n in run.localities if n not in run.first_localities]
    return rest if run.first_localities and rest else None


def _last_weeks(run: RunView) -> tuple[int, int]:
    return (run.last - SUMMARY_WINDOW, run.last)


def _before_funding_ends(run: RunView) -> tuple[int, int] | None:
    end = run.funding_end
    return None if end is None else (end - SUMMARY_WINDOW, end)


def _year_after_funding(run: RunView) -> tuple[int, int] | None:
    end = run.funding_end
    if end is None or end + YEAR > run.last:
        return None
    return (end + YEAR - SUMMARY_WINDOW, end + YEAR)


def _avoided(metric: str) -> Callable[[RunView, RunView], float]:
    return lambda run, base: base.total(metric) - run.total(metric)


def _extra_spend(run: RunView, base: RunView) -> float:
    return run.total("spend") - base.total("spend")


def _net_cost(run: RunView, base: RunView) -> float:
    return _extra_spend(run, base) - _avoided("care_cost")(run, base)


def _return_per_pound(run: RunView, base: RunView) -> float:
    spend = _extra_spend(run, base)
    return _avoided("care_cost")(run, base) / spend if spend > 0 else float("nan")


LAST = "last 13 weeks"
POINTS = "points (0-100)"
DIFF = "points"
VS = "strategy minus baseline, "
FIRST = "localities the strategy funds first"
WHOLE = "whole run"

_ENTRIES = [
    # ---- per-run levels (summary.parquet)
    Metric(
        "integration_final",
        "Integration index, last 13 weeks",
        POINTS,
        "higher",
        LAST + ", all localities",
        lambda run: run.final(),
        scale=100.0,
        console=True,
        headline=True,
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
        WHOLE,
        lambda run: float(run.index.mean() * run.horizon / 52.0),
        headline=True,
    ),
    Metric(
        "sustainability",
        "Index a year after funding ends over the index as it ends (this run alone)",
        "ratio",
        "higher",
        "39-52 weeks after funding ends over the 13 weeks before",
        _sustainability,
    ),
    Metric(
        "equity",
        "Inequality: sd of final index across localities",
        DIFF,
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
        WHOLE,
        lambda run: run.total("spend"),
        fixed=True,
        console=True,
        headline=True,
    ),
    Metric(
        "delay_days",
        "Delayed days (all cases)",
        "days",
        "lower",
        WHOLE,
        lambda run: run.total("delay_days"),
        headline=True,
    ),
    Metric(
        "emergency_admissions",
        "Emergency admissions",
        "admissions",
        "lower",
        WHOLE,
        lambda run: run.total("emergency_admissions"),
        headline=True,
    ),
    Metric(
        "care_cost",
        "Cost of delays and admissions",
        "pounds",
        "lower",
        WHOLE + ", priced at the scenario's unit costs",
        lambda run: run.total("care_cost"),
        console=True,
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
    # ---- paired effects: strategy minus baseline, same seeds, same weeks, same places
    Metric(
        "integration_gain",
        "Integration gain over the baseline",
        DIFF,
        "higher",
        VS + LAST + ", all localities",
        _gain_in(_everywhere, _last_weeks),
        paired=True,
        scale=100.0,
        headline=True,
        console=True,
    ),
    Metric(
        "gain_first_localities",
        "Gain in the localities funded first",
        DIFF,
        "higher",
        VS + LAST + ", " + FIRST,
        _gain_in(_first, _last_weeks),
        paired=True,
        scale=100.0,
        headline=True,
    ),
    Metric(
        "spread",
        "Spread: gain outside the localities funded first",
        DIFF,
        "higher",
        VS + LAST + ", localities outside those funded first (undefined if funded everywhere)",
        _gain_in(_outside_first, _last_weeks),
        paired=True,
        scale=100.0,
        headline=True,
    ),
    Metric(
        "gain_at_funding_end",
        "Gain as the money ends, localities funded first",
        DIFF,
        "higher",
        VS + "13 weeks before funding ends, " + FIRST,
        _gain_in(_first, _before_funding_ends),
        paired=True,
        scale=100.0,
        headline=True,
    ),
    Metric(
        "retained_gain_1y",
        "Gain a year after the money ends, localities funded first",
        DIFF,
        "higher",
        VS + "39-52 weeks after funding ends, " + FIRST,
        _gain_in(_first, _year_after_funding),
        paired=True,
        scale=100.0,
        headline=True,
    ),
    Metric(
        "retained_share_1y",
        "Share of the gain kept a year after the money ends",
        "ratio",
        "higher",
        "median gain a year after funding ends / median gain as it ends",
        Ratio("retained_gain_1y", "gain_at_funding_end"),
        paired=True,
        headline=True,
    ),
    Metric(
        "retained_share_horizon",
        "Share of the gain kept at the end of the run",
        "ratio",
        "higher",
        "median gain in the last 13 weeks / median gain as funding ends, " + FIRST,
        Ratio("gain_first_localities", "gain_at_funding_end"),
        paired=True,
        headline=True,
    ),
    Metric(
        "extra_spend",
        "Programme spend over the baseline",
        "pounds",
        "lower",
        VS + WHOLE,
        _extra_spend,
        paired=True,
        fixed=True,
        headline=True,
    ),
    Metric(
        "delay_days_avoided",
        "Delayed days avoided",
        "days",
        "higher",
        "baseline minus strategy, whole run, all cases",
        _avoided("delay_days"),
        paired=True,
        headline=True,
    ),
    Metric(
        "admissions_avoided",
        "Emergency admissions avoided",
        "admissions",
        "higher",
        "baseline minus strategy, whole run, all cases",
        _avoided("emergency_admissions"),
        paired=True,
        headline=True,
    ),
    Metric(
        "care_cost_avoided",
        "Cost of delays and admissions avoided",
        "pounds",
        "higher",
        "baseline minus strategy, whole run, at the scenario's unit costs",
        _avoided("care_cost"),
        paired=True,
        headline=True,
    ),
    Metric(
        "net_cost",
        "Net cost: extra spend minus care costs avoided",
        "pounds",
        "lower",
        VS + WHOLE,
        _net_cost,
        paired=True,
        headline=True,
        console=True,
    ),
    Metric(
        "return_per_pound",
        "Care costs avoided per pound of extra spend",
        "pounds per pound",
        "higher",
        WHOLE,
        _return_per_pound,
        paired=True,
        headline=True,
    ),
    Metric(
        "cost_per_point",
        "Extra spend per point of integration gained",
        "pounds per point",
        "lower",
        "median extra spend / median integration gain (points)",
        Ratio("extra_spend", "integration_gain", 100.0),
        paired=True,
        headline=True,
    ),
]
METRICS: dict[str, Metric] = {m.name: m for m in _ENTRIES}


def metric_info(name: str) -> Metric:
    """The table entry for ``name`` (per-behaviour names map to the family); a neutral one if unknown."""
    if name in METRICS:
        return METRICS[name]
    if name.startswith("final_"):
        family = METRICS[PER_BEHAVIOUR]
        behaviour = name.removeprefix("final_").replace("_", " ")
        return Metric(name, f"{behaviour}: share performing", family.unit, "higher", LAST, None)
    return Metric(name, name.replace("_", " "), "", None, "", None)


def run_metric_names(behaviours: list[str]) -> list[str]:
    """Names of the per-run metrics a run of these practitioner behaviours produces."""
    names = [m.name for m in METRICS.values() if not m.paired and m.compute is not None]
    return names + [PER_BEHAVIOUR.format(behaviour=b) for b in behaviours]


def effect_names() -> list[str]:
    """Paired effects computed per replicate (ratios excluded), in table order."""
    return [m.name for m in METRICS.values() if m.paired and not m.is_ratio]


def headline(paired: bool | None = None) -> list[str]:
    """Metrics the report shows (only paired effects, only levels, or both), in table order."""
    return [
        m.name for m in METRICS.values() if m.headline and (paired is None or m.paired == paired)
    ]


def console() -> list[str]:
    """Metrics the console summary after ``run`` shows, in table order."""
    return [m.name for m in METRICS.values() if m.console]


def summarise(
    records: pd.DataFrame, horizon: int, funding_end: int | None, first_localities: list[str]
) -> dict[str, float | str]:
    """One run's summary row: its windows (see RUN_COLUMNS) and every per-run level metric."""
    run = RunView(records, horizon, funding_end, first_localities)
    out: dict[str, float | str] = {
        "funding_end": float("nan") if funding_end is None else float(funding_end),
        "first_localities": ";".join(first_localities),
    }
    out.update({m.name: m.compute(run) for m in METRICS.values() if not m.paired and m.compute})
    out.update(run.behaviour_finals())
    return out


def run_view(records: pd.DataFrame, horizon: int, row: pd.Series) -> RunView:
    """A run's view from its records and its summary row (which holds its windows)."""
    end = row.get("funding_end")
    end = None if end is None or not np.isfinite(end) else int(end)
    names = row.get("first_localities")
    first = [n for n in names.split(";") if n] if isinstance(names, str) else []
    return RunView(records, horizon, end, first)


def effects(run: RunView, base: RunView) -> dict[str, float]:
    """Every paired effect of ``run`` against ``base`` (the baseline's run, same seeds)."""
    return {m.name: m.compute(run, base) for m in METRICS.values() if m.paired and not m.is_ratio}
