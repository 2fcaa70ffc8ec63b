"""Collating many locators' measurements: duplicates, conflicts and a pooled summary.

Two rows are *duplicates* when they report the same measurement (same
behaviour, relationship, locality, period, kind and values), typically a file
sent twice. Two rows *conflict* when they measure the same thing (same
behaviour, relationship, locality, kind and scale) over overlapping periods and
their estimates are statistically incompatible: a two-sided test of equal
proportions, rates or means gives p below :data:`CONFLICT_P`. Both are flagged,
never silently dropped: deciding which to keep is the programme's call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from integration_sim.files import write_table

CONFLICT_P = 0.01
"""Estimates whose test of equality gives p below this are flagged as conflicting."""

KEY = ["behaviour", "from_type", "to_type", "locality", "kind", "scale"]
"""What a measurement measures; rows sharing a key are comparable."""

_VALUES = ["numerator", "denominator", "count", "exposure", "mean", "sd", "n"]


@dataclass
class Collated:
    """A collated dataset: every row with its flags, and one summary row per key."""

    measurements: pd.DataFrame
    summary: pd.DataFrame

    @property
    def n_duplicates(self) -> int:
        """Rows flagged as duplicates of an earlier row."""
        return int((self.measurements["duplicate_of"] != "").sum())

    @property
    def n_conflicts(self) -> int:
        """Rows in conflict with at least one other locator's row."""
        return int((self.measurements["conflicts_with"] != "").sum())

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write measurements.parquet/.csv and summary.csv into ``out_dir``."""
        out = Path(out_dir)
        paths = write_table(self.measurements, out / "measurements")
        paths += write_table(self.summary, out / "summary")
        return paths


def collate(df: pd.DataFrame) -> Collated:
    """Flag duplicates and conflicts in validated measurements and summarise them by key."""
    df = df.reset_index(drop=True).copy()
    df["duplicate_of"] = _duplicates(df)
    df["conflicts_with"] = _conflicts(df)
    return Collated(df, summarise(df[df["duplicate_of"] == ""]))


def _duplicates(df: pd.DataFrame) -> list[str]:
    cols = [*KEY, "start_week", "end_week", *_VALUES]
    sig = ["|".join(map(str, t)) for t in df[cols].itertuples(index=False)]
    first: dict[str, str] = {}
    out = []
    for mid, s in zip(df["measurement_id"], sig, strict=True):
        out.append(first.get(s, ""))
        first.setdefault(s, mid)
    return out


def _conflicts(df: pd.DataFrame) -> list[str]:
    found: dict[int, list[str]] = {i: [] for i in range(len(df))}
    has_value = df["estimate"].notna()
    for _, group in df[has_value].groupby(KEY, dropna=False, sort=False):
        idx = list(group.index)
        for a_pos, i in enumerate(idx):
            for j in idx[a_pos + 1 :]:
                a, b = df.loc[i], df.loc[j]
                if a["locator"] == b["locator"] or not _overlap(a, b):
                    continue
                p = equality_p_value(a, b)
                if p < CONFLICT_P:
                    found[i].append(f"{b['measurement_id']} (p={p:.2g})")
                    found[j].append(f"{a['measurement_id']} (p={p:.2g})")
    return ["; ".join(found[i]) for i in range(len(df))]


def _overlap(a: pd.Series, b: pd.Series) -> bool:
    return a["start_week"] <= b["end_week"] and b["start_week"] <= a["end_week"]


def equality_p_value(a: pd.Series, b: pd.Series) -> float:
    """Two-sided p-value for "both rows estimate the same quantity"."""
    kind = a["kind"]
    if kind == "rate":
        # Conditional on the total, a's count is binomial with p = exposure share.
        total = int(a["count"] + b["count"])
        share = a["exposure"] / (a["exposure"] + b["exposure"])
        return float(stats.binomtest(int(a["count"]), total, share).pvalue) if total else 1.0
    if kind == "score":
        se = math.sqrt(a["sd"] ** 2 / a["n"] + b["sd"] ** 2 / b["n"])
        z = (a["mean"] - b["mean"]) / se
        return float(2 * stats.norm.sf(abs(z)))
    table = np.array(
        [
            [a["numerator"], a["denominator"] - a["numerator"]],
            [b["numerator"], b["denominator"] - b["numerator"]],
        ]
    )
    if (table.sum(axis=0) == 0).any():
        return 1.0  # both all-zero or all-one: identical
    return float(stats.fisher_exact(table).pvalue)


PERIOD = ["start_week", "end_week"]
"""Summaries are by period: a time course is never pooled into one number."""


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """One row per key and period: measurements, locators, pooled estimate and 95% interval.

    Only rows measuring the same thing over the same period are pooled (sums
    of counts, or an n-weighted mean), so six cumulative shares of one
    community at different weeks stay six points of a time course. Pooling
    assumes the rows estimate one common value; conflicts flag where that is
    doubtful.
    """
    rows = []
    for key, g in df[df["estimate"].notna()].groupby([*KEY, *PERIOD], dropna=False, sort=True):
        est, lo, hi = pooled(g)
        rows.append(
            {
                **dict(zip([*KEY, *PERIOD], key, strict=True)),
                "measurements": len(g),
                "locators": g["locator"].nunique(),
                "estimate": est,
                "ci_low": lo,
                "ci_high": hi,
            }
        )
    cols = [
        *KEY,
        *PERIOD,
        "measurements",
        "locators",
        "estimate",
        "ci_low",
        "ci_high",
    ]
    return pd.DataFrame(rows, columns=cols)


def pooled(g: pd.DataFrame) -> tuple[float, float, float]:
    """Pooled estimate and 95% interval of comparable rows (Wilson, Poisson exact, normal)."""
    kind = g["kind"].iloc[0]
    if kind == "rate":
        k, e = g["count"].sum(), g["exposure"].sum()
        lo = stats.chi2.ppf(0.025, 2 * k) / 2 / e if k > 0 else 0.0
        hi = stats.chi2.ppf(0.975, 2 * k + 2) / 2 / e
        return k / e, float(lo), float(hi)
    if kind == "score":
        n = g["n"].to_numpy()
        mean = float(np.sum(n * g["mean"]) / n.sum())
        se = float(np.sqrt(np.sum(n**2 * (g["sd"] ** 2 / n))) / n.sum())
        return mean, mean - 1.96 * se, mean + 1.96 * se
    return wilson(g["numerator"].sum(), g["denominator"].sum())


def wilson(k: float, n: float, z: float = 1.96) -> tuple[float, float, float]:
    """Proportion k/n with its Wilson score interval."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def row_interval(row: pd.Series) -> tuple[float, float]:
    """95% interval of one measurement's own estimate (for charts)."""
    _, lo, hi = pooled(pd.DataFrame([row]))
    return lo, hi
