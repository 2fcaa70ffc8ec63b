"""Collating many locators' measurements: duplicates, conflicts and a pooled summary.

Two rows are *duplicates* when they report the same measurement (same
behaviour, relationship, locality, period, kind and values), typically a file
sent twice. Two rows *conflict* when they measure the same thing (same
behaviour, relationship, locality, kind and scale) over overlapping periods and
their estimates are statistically incompatible: a two-sided test of equal
proportions, rates or means gives p below :data:`CONFLICT_P`. Both are flagged,
never silently dropped: deciding which to keep is the programme's call.

In a large group (more than :data:`PAIRWISE_ROWS` rows measuring one thing)
testing pairs stops being useful or affordable: hundreds of rows each conflict
with hundreds of others. There each row is instead tested against the pooled
estimate of every other locator's row over overlapping periods (the same rows
the pairwise test would compare it with), which flags the rows that disagree
with the rest, in time that grows with the rows (:mod:`.pooled_conflicts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from integration_sim.calibration.pooled_conflicts import against_pooled
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
        """Rows in conflict with at least one other locator's row (in a large group: with
        the other locators' pooled estimate)."""
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


SCREEN = 1.0
"""Half-width, in standard errors, of the interval each estimate is screened with (below)."""

MAX_LISTED = 20
"""Conflicting rows listed per row at most; a row with more says "and more"."""

PAIRWISE_ROWS = 60
"""Groups of rows measuring one thing up to this size are tested pair by pair; larger
groups row by row against the other locators' pooled estimate (module docstring)."""


def _conflicts(df: pd.DataFrame) -> list[str]:
    """Each row's conflicting rows from other locators, in near-linear time.

    Testing every pair is quadratic. Instead each estimate gets the interval
    estimate +/- SCREEN standard errors (its own, unpooled; see
    :func:`standard_errors`), and only pairs whose intervals do not overlap are
    tested exactly. Overlapping intervals mean the two estimates differ by at most
    SCREEN x (se_a + se_b) <= sqrt(2) x SCREEN x sqrt(se_a^2 + se_b^2): a z of at
    most 1.41 (p >= 0.16), far from CONFLICT_P, so no conflict the exact tests would
    find is screened out (tests/test_collate_scale.py checks this against testing
    every pair, small samples included). Each row tests its candidates from the
    farthest estimate inwards and stops once it has more than MAX_LISTED conflicts.
    Whether a row is in conflict at all is exact; only long lists are cut. A row
    that conflicts with nothing still tests every candidate, so the work can grow
    with the square of a group's size: groups over PAIRWISE_ROWS rows are tested
    against pooled estimates instead (:mod:`.pooled_conflicts`), in near-linear time.
    """
    rows = _Rows(df)
    se = standard_errors(df)
    est = df["estimate"].to_numpy(dtype=float)
    tested: dict[tuple[int, int], float] = {}
    out = [""] * len(df)
    for _, group in df[df["estimate"].notna()].groupby(KEY, dropna=False, sort=False):
        index = group.index.to_numpy()
        if len(index) > PAIRWISE_ROWS:
            for a, text in against_pooled(df.loc[index], CONFLICT_P).items():
                out[a] = text
            continue
        for a, candidates in _screened(index, est, se):
            found: list[tuple[int, str]] = []
            for b in candidates:
                p = _pair_p(rows, a, b, tested)
                if p < CONFLICT_P:
                    found.append((b, f"{rows[b]['measurement_id']} (p={p:.2g})"))
                    if len(found) > MAX_LISTED:
                        break
            out[a] = _listing(found)
    return out


class _Rows:
    """Rows as dicts, made on first use: a large group never needs them."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df, self.cache = df, {}

    def __getitem__(self, i: int) -> dict:
        if i not in self.cache:
            self.cache[i] = self.df.loc[i].to_dict()
        return self.cache[i]


def _pair_p(rows: _Rows, a: int, b: int, tested: dict[tuple[int, int], float]) -> float:
    """p-value of a pair (1 when not comparable: same locator or periods apart), once."""
    key = (min(a, b), max(a, b))
    if key not in tested:
        ra, rb = rows[key[0]], rows[key[1]]
        comparable = ra["locator"] != rb["locator"] and _overlap(ra, rb)
        tested[key] = equality_p_value(ra, rb) if comparable else 1.0
    return tested[key]


def _listing(found: list[tuple[int, str]]) -> str:
    partners = [text for _, text in sorted(found[:MAX_LISTED])]  # in file order
    return "; ".join(partners) + ("; and more" if len(found) > MAX_LISTED else "")


def standard_errors(df: pd.DataFrame) -> np.ndarray:
    """Each row's own (unpooled) standard error for screening; 0 where it has none.

    Proportions and counts get half an event added (``(k + 0.5) / (n + 1)``,
    ``sqrt(count + 0.5)``) so that 0% and 100% do not have a zero error: a zero
    would make every pair with such a row a candidate and the search quadratic.
    Those rows have tiny samples or extreme estimates; the exact tests decide.
    """
    kind = df["kind"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        n = df["denominator"].to_numpy(float)
        shrunk = (df["numerator"].to_numpy(float) + 0.5) / (n + 1)
        proportion = np.sqrt(shrunk * (1 - shrunk) / n)
        rate = np.sqrt(df["count"].to_numpy(float) + 0.5) / df["exposure"].to_numpy(float)
        score = df["sd"].to_numpy(float) / np.sqrt(df["n"].to_numpy(float))
    se = np.where(kind == "rate", rate, np.where(kind == "score", score, proportion))
    return np.nan_to_num(se, nan=0.0, posinf=0.0)


def _screened(index: np.ndarray, est: np.ndarray, se: np.ndarray):
    """For each row of ``index``: the rows whose screening intervals lie wholly above or
    below its own, farthest first (the likeliest conflicts)."""
    lo = est[index] - SCREEN * se[index]
    hi = est[index] + SCREEN * se[index]
    by_lo, by_hi = np.argsort(lo, kind="stable"), np.argsort(hi, kind="stable")
    lo_sorted, hi_sorted = lo[by_lo], hi[by_hi]
    for a in range(len(index)):
        above = by_lo[int(np.searchsorted(lo_sorted, hi[a], side="right")) :][::-1]
        below = by_hi[: int(np.searchsorted(hi_sorted, lo[a], side="left"))]
        yield int(index[a]), (int(index[b]) for b in _alternate(above, below))


def _alternate(first: np.ndarray, second: np.ndarray):
    """first[0], second[0], first[1], second[1], ... then the rest of the longer one."""
    for k in range(max(len(first), len(second))):
        if k < len(first):
            yield first[k]
        if k < len(second):
            yield second[k]


def _overlap(a, b) -> bool:
    return a["start_week"] <= b["end_week"] and b["start_week"] <= a["end_week"]


def equality_p_value(a, b) -> float:
    """Two-sided p-value for "both rows estimate the same quantity" (rows as Series or dicts)."""
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
