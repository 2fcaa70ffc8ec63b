"""Paired runs of the flagship place for the checks: strategy against business as usual."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from integration_sim.config.scenario import Scenario
from integration_sim.parallel import Pool
from integration_sim.runs import simulate
from validation.common import group_index

BAU = "business_as_usual"


def _one(
    _context: None, task: tuple[str, Scenario, str, int]
) -> tuple[str, str, int, pd.DataFrame]:
    key, scenario, strategy, replicate = task
    return key, strategy, replicate, simulate(scenario, strategy, replicate).records


def run_many(
    cases: dict[str, tuple[Scenario, list[str]]], replicates: int, workers: int = 2
) -> dict[tuple[str, str, int], pd.DataFrame]:
    """Records of every (case, strategy, replicate); replicates share seeds across strategies."""
    tasks = [
        (key, scenario, strategy, r)
        for key, (scenario, strategies) in cases.items()
        for strategy in strategies
        for r in range(replicates)
    ]
    with Pool(workers) as pool:
        return {(k, s, r): rec for _, (k, s, r, rec) in pool.imap(_one, tasks)}


@dataclass
class Paired:
    """Paired differences (strategy minus business as usual) over replicates."""

    values: np.ndarray

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    @property
    def se(self) -> float:
        n = self.values.size
        return float(self.values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")

    def __str__(self) -> str:
        return f"{self.mean:+.4f} (se {self.se:.4f}, n={self.values.size})"


def paired_gain(
    records: dict[tuple[str, str, int], pd.DataFrame],
    case: str,
    strategy: str,
    localities: list[str],
    weeks: tuple[int, int],
    replicates: int,
    metric: str = "integration_index",
) -> Paired:
    """Gain of ``strategy`` over business as usual in ``localities`` and ``weeks``:
    the case-weighted integration index, or the mean of another per-locality metric."""
    measure = group_index if metric == "integration_index" else _mean_of(metric)
    return Paired(
        np.array(
            [
                measure(records[(case, strategy, r)], localities, weeks)
                - measure(records[(case, BAU, r)], localities, weeks)
                for r in range(replicates)
            ]
        )
    )


def _mean_of(metric: str):
    def measure(records: pd.DataFrame, localities: list[str], weeks: tuple[int, int]) -> float:
        r = records[
            (records["metric"] == metric)
            & records["locality"].isin(localities)
            & (records["organisation_type"] == "all")
            & (records["week"] >= weeks[0])
            & (records["week"] < weeks[1])
        ]
        return float(r["value"].mean())

    return measure


def total(records: pd.DataFrame, metric: str, weeks: tuple[int, int]) -> float:
    """Whole-place total of ``metric`` over weeks [start, end)."""
    r = records[
        (records["metric"] == metric)
        & (records["locality"] == "all")
        & (records["organisation_type"] == "all")
        & (records["week"] >= weeks[0])
        & (records["week"] < weeks[1])
    ]
    return float(r["value"].sum())
