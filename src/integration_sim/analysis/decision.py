"""The decision summary: which strategy comes out ahead on the primary outcome, and how surely.

Pure functions of the run summary and the paired effects (see
:mod:`integration_sim.analysis.comparison`); nothing here runs the model.

- Ranking: strategies (the baseline included, at zero effect) by the median
  over replicates of the primary outcome.
- Probability each is best: the share of replicates in which it has the best
  primary outcome (ties shared). Every replicate of every strategy uses the
  same seeds and, with a posterior, the same parameter draw, so this is also
  the share of posterior draws in which it is best.
- Head to head: the leader against the runner-up on every outcome, as paired
  effects with the runner-up as the baseline.
- What could flip it: whether the margin's interval excludes zero, and the
  model assumptions the verdict leans on, with the sweep that tests them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from integration_sim.analysis import comparison
from integration_sim.errors import InputError
from integration_sim.metrics import METRICS, Metric

# Assumptions a verdict between rollout strategies leans on, each with the scenario
# path a sweep can vary (see experiments/ and docs/sensitivity.md).
ASSUMPTIONS = [
    (
        "parameters.funding.hill",
        "how sharply money turns into effect (dose-response): it decides whether "
        "concentrating the budget (pilots) or spreading it (system-wide) buys more",
    ),
    (
        "parameters.behaviour.habit_gain",
        "how fast a repeated behaviour becomes habit: it decides how much of a gain "
        "outlives the money",
    ),
    (
        "parameters.network.trust_decay",
        "how fast unused cross-boundary trust fades after the money ends",
    ),
    (
        "parameters.practitioners.fatigue_per_initiative",
        "initiative fatigue: it penalises strategies that launch many initiatives",
    ),
    (
        "drivers.costs",
        "the unit costs of a delayed day and an emergency admission (illustrative "
        "defaults, see docs/ODD.md): net cost and return per pound scale with them",
    ),
]


@dataclass
class Standing:
    """One strategy's place in the ranking."""

    strategy: str
    median: float  # primary outcome, metric units (0 for the baseline on a paired effect)
    ci_low: float
    ci_high: float
    p_best: float  # share of replicates in which it is best
    net_cost: float  # median net cost over the baseline, pounds (0 for the baseline)


@dataclass
class Decision:
    """What the report and the console say first."""

    primary: Metric
    baseline: str
    replicates: int
    ranking: list[Standing]
    head_to_head: pd.DataFrame  # leader minus runner-up, rows as comparison.paired_differences
    settled: bool  # the leader's margin on the primary outcome has an interval clear of zero
    assumptions: list[tuple[str, str]] = field(default_factory=list)
    sweep: str | None = None
    posterior: bool = False

    @property
    def enough(self) -> bool:
        """True when there are enough replicates for the intervals to mean something."""
        return self.replicates >= comparison.MIN_PAIRS

    @property
    def leader(self) -> str:
        """The strategy ranked first."""
        return self.ranking[0].strategy

    @property
    def runner_up(self) -> str | None:
        """The strategy ranked second (None with one strategy)."""
        return self.ranking[1].strategy if len(self.ranking) > 1 else None


def check_primary(name: str) -> Metric:
    """The metrics table's entry for a primary outcome; an input error if it cannot rank."""
    info = METRICS.get(name)
    if info is None or info.is_ratio or info.compute is None or info.better is None:
        usable = [
            m.name
            for m in METRICS.values()
            if m.compute and not m.is_ratio and m.better is not None
        ]
        raise InputError(
            f"primary outcome {name!r} cannot rank strategies (use one of: {', '.join(usable)})",
            field="decision.primary_outcome",
        )
    return info


def primary_values(
    summary: pd.DataFrame, effects: pd.DataFrame, primary: Metric, baseline: str
) -> pd.DataFrame:
    """Primary outcome per replicate (rows) and strategy (columns), baseline included.

    A paired effect is zero for the baseline by definition; a level is its own value.
    """
    strategies = list(dict.fromkeys(summary["strategy"].astype(str)))
    if primary.paired:
        e = effects[(effects["metric"] == primary.name) & (effects["baseline"] == baseline)]
        wide = e.pivot_table(index="replicate", columns="strategy", values="difference")
        wide[baseline] = 0.0
        reps = sorted(summary.loc[summary["strategy"] == baseline, "replicate"])
        wide = wide.reindex(index=reps)
    else:
        wide = summary.pivot_table(index="replicate", columns="strategy", values=primary.name)
    return wide.reindex(columns=strategies).astype(float)


def best_shares(values: pd.DataFrame, higher_is_better: bool) -> pd.Series:
    """Share of replicates (rows) in which each strategy (column) is best; ties shared."""
    signed = values.to_numpy(dtype=float) * (1.0 if higher_is_better else -1.0)
    signed = np.where(np.isfinite(signed), signed, -np.inf)
    rows = signed[np.isfinite(signed).any(axis=1)]
    if not len(rows):
        return pd.Series(np.nan, index=values.columns)
    top = rows == rows.max(axis=1, keepdims=True)
    return pd.Series((top / top.sum(axis=1, keepdims=True)).mean(axis=0), index=values.columns)


def decide(
    records: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    horizon: int,
    baseline: str,
    primary: str,
    effects: pd.DataFrame | None = None,
    table: pd.DataFrame | None = None,
    sweep: str | None = None,
    posterior: bool = False,
) -> Decision:
    """The decision summary for one comparison.

    Args:
        records, summary: the runs (``Results.records``, ``Results.summary``).
        horizon: weeks in each run.
        baseline: the strategy effects are measured against.
        primary: the metric to rank on (``Scenario.decision.primary_outcome``).
        effects, table: paired effects and differences against ``baseline``
            (computed here when not given).
        sweep: the sensitivity experiment that tests the verdict, if the scenario names one.
        posterior: whether the runs drew their parameters from a posterior.
    """
    info = check_primary(primary)
    if effects is None:
        effects = comparison.paired_effects(records, summary, baseline, horizon)
    if table is None:
        table = comparison.paired_differences(summary, baseline, [], effects=effects)
    values = primary_values(summary, effects, info, baseline)
    ranking = _ranking(values, info, baseline, table)
    head = _head_to_head(records, summary, horizon, ranking)
    margin = head[head["metric"] == primary] if len(head) else head
    settled = bool(
        len(margin)
        and np.isfinite(margin["ci_low"].iloc[0])
        and (margin["ci_low"].iloc[0] > 0 or margin["ci_high"].iloc[0] < 0)
    )
    n_rep = int(summary.groupby("strategy", observed=True).size().min())
    return Decision(info, baseline, n_rep, ranking, head, settled, ASSUMPTIONS, sweep, posterior)


def _ranking(
    values: pd.DataFrame, info: Metric, baseline: str, table: pd.DataFrame
) -> list[Standing]:
    shares = best_shares(values, bool(info.higher_is_better))
    standings = []
    for name in values.columns:
        row = (
            table[(table["strategy"] == name) & (table["metric"] == info.name)]
            if len(table)
            else []
        )
        lo, hi = (row["ci_low"].iloc[0], row["ci_high"].iloc[0]) if len(row) else (np.nan, np.nan)
        if name == baseline and info.paired:
            lo = hi = 0.0
        cost = (
            table[(table["strategy"] == name) & (table["metric"] == "net_cost")]
            if len(table)
            else []
        )
        v = values[name].to_numpy()
        v = v[np.isfinite(v)]
        standings.append(
            Standing(
                name,
                float(np.median(v)) if v.size else np.nan,
                float(lo),
                float(hi),
                float(shares[name]),
                float(cost["diff_median"].iloc[0])
                if len(cost)
                else (0.0 if name == baseline else np.nan),
            )
        )
    sign = 1.0 if info.higher_is_better else -1.0
    return sorted(standings, key=lambda s: -sign * s.median if np.isfinite(s.median) else np.inf)


def _head_to_head(
    records: pd.DataFrame, summary: pd.DataFrame, horizon: int, ranking: list[Standing]
) -> pd.DataFrame:
    """Leader minus runner-up on every outcome (paired effects, runner-up as baseline)."""
    if len(ranking) < 2:
        return pd.DataFrame()
    leader, runner_up = ranking[0].strategy, ranking[1].strategy
    # Only the two strategies' runs: each strategy's rows depend on its runs and the
    # baseline's alone, so the leader's rows are the same, for a third of the work.
    records = records[records["strategy"].isin([leader, runner_up])]
    summary = summary[summary["strategy"].isin([leader, runner_up])]
    effects = comparison.paired_effects(records, summary, runner_up, horizon)
    table = comparison.paired_differences(summary, runner_up, [], effects=effects)
    return table[table["strategy"] == leader].reset_index(drop=True)
