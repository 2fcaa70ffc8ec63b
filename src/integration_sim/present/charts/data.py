"""Reshaping tidy records into what the charts draw (no drawing here).

Records follow the contract in docs/architecture.md: columns ``week,
replicate, strategy, locality, organisation_type, behaviour, metric, value``
with ``"all"`` where a record is aggregated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from integration_sim.config.strategies import Intervention

ALL = "all"


def series(
    records: pd.DataFrame,
    metric: str = "integration_index",
    locality: str | None = ALL,
) -> pd.DataFrame:
    """Records of one metric aggregated over organisation type and behaviour.

    ``locality=ALL`` keeps the whole-system rows; ``None`` keeps every named
    locality (and drops the ``"all"`` rows).
    """
    r = records[
        (records["metric"] == metric)
        & (records["organisation_type"] == ALL)
        & (records["behaviour"] == ALL)
    ]
    r = r[r["locality"] != ALL] if locality is None else r[r["locality"] == locality]
    r = r[["strategy", "replicate", "week", "locality", "value"]]
    # Plain strings: categorical columns would drag unused categories into groupbys.
    return r.astype({"strategy": str, "locality": str})


def smooth(df: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Centred rolling mean of ``value`` over ``weeks`` recorded weeks, per strategy and
    replicate (and locality, when there is a locality column)."""
    if weeks <= 1 or df.empty:
        return df
    keys = [c for c in ("strategy", "replicate", "locality") if c in df.columns]
    df = df.sort_values([*keys, "week"])
    # One grouped rolling window rather than one per group: the same means, far fewer calls.
    rolled = (
        df.groupby(keys, sort=False, observed=True)["value"]
        .rolling(weeks, center=True, min_periods=1)
        .mean()
        .droplevel(list(range(len(keys))))
    )
    return df.assign(value=rolled)


def bands(df: pd.DataFrame, by: list[str], value: str = "value") -> pd.DataFrame:
    """Median and 10% / 90% quantiles of ``value`` across replicates, per ``by`` group."""
    g = df.groupby(by, sort=False, observed=True)[value]
    out = pd.DataFrame(
        {"median": g.median(), "q10": g.quantile(0.1), "q90": g.quantile(0.9)}
    ).reset_index()
    return out.sort_values(by).reset_index(drop=True)


def group_index(records: pd.DataFrame, localities: Iterable[str]) -> pd.DataFrame:
    """Integration index of a group of localities per strategy, replicate and week.

    Weighted by cases (integrated cases / cases summed over the group) when
    the records carry ``cases`` and ``integrated_cases``; otherwise the plain
    mean of the localities' indices.
    """
    localities = list(localities)
    cases = series(records, "cases", None)
    cases = cases[cases["locality"].isin(localities)]
    keys = ["strategy", "replicate", "week"]
    if len(cases):
        integ = series(records, "integrated_cases", None)
        integ = integ[integ["locality"].isin(localities)]
        c = cases.groupby(keys, sort=False, observed=True)["value"].sum()
        i = integ.groupby(keys, sort=False, observed=True)["value"].sum()
        ratio = (i / c.where(c > 0)).rename("value")
        return ratio.reset_index().astype({"strategy": str})
    idx = series(records, "integration_index", None)
    idx = idx[idx["locality"].isin(localities)]
    return (
        idx.groupby(keys, sort=False, observed=True)["value"]
        .mean()
        .reset_index()
        .astype({"strategy": str})
    )


def pilot_localities(interventions: Mapping[str, list[Intervention]]) -> list[str]:
    """Localities targeted by the ``pilot`` phase of the first strategy that has one."""
    for ivs in interventions.values():
        found: list[str] = []
        for iv in ivs:
            if iv.phase == "pilot" and iv.target.localities != ALL:
                found += [n for n in iv.target.localities if n not in found]
        if found:
            return found
    return []


def window_mean(df: pd.DataFrame, start: int, end: int) -> pd.Series:
    """Mean of ``value`` over weeks in [start, end) per replicate (index: replicate)."""
    w = df[(df["week"] >= start) & (df["week"] < end)]
    if w.empty:  # window past the recorded weeks: fall back to the last recorded week
        last = df["week"].max()
        w = df[df["week"] == last]
    return w.groupby("replicate", observed=True)["value"].mean()


def quantiles(values: np.ndarray | pd.Series) -> tuple[float, float, float]:
    """(10%, median, 90%) of the finite values; NaNs when there are none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (np.nan, np.nan, np.nan)
    q10, q50, q90 = np.quantile(v, [0.1, 0.5, 0.9])
    return (float(q10), float(q50), float(q90))
