"""Conflicts in a large group: each row against every other locator's rows pooled.

A group is the rows measuring one thing (one key of :mod:`.collate`). Row
``a``'s comparison rows are those of other locators whose periods overlap
``a``'s: exactly the rows a pairwise test would compare it with. Their counts
are pooled (numerators and denominators, counts and exposures, or an n-weighted
mean with its standard error) and ``a`` is tested against the pool with the
conditional exact test of its kind, two-sided by doubling the smaller tail:

* proportion: ``a``'s numerator given both margins is hypergeometric (Fisher);
* rate: ``a``'s count given the total is binomial with ``a``'s exposure share;
* score: a z-test of the difference in means.

Sums over overlapping periods come from sorted cumulative sums (a row's
overlapping rows are those starting by its end, less those ending before its
start), so a group of n rows costs O(n log n) and one vectorised test.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pandas as pd
from scipy import stats

EXAMPLES = 3
"""Far-off comparison rows named per conflicting row, as examples of the disagreement."""

SCAN = 200
"""Rows looked at, from the far end, when looking for those examples (bounds the work)."""

_SUMS = {
    "proportion": ["numerator", "denominator"],
    "rate": ["count", "exposure"],
    "score": ["n", "n_mean", "n_var"],
}


def against_pooled(group: pd.DataFrame, alpha: float) -> dict[int, str]:
    """Conflict text of each row of ``group`` (index -> text) whose test against the
    pooled comparison rows gives p below ``alpha``; rows not in conflict are left out."""
    kind = str(group["kind"].iloc[0])
    values = np.column_stack([_values(group, kind), np.ones(len(group))])  # last: rows
    start, end = group["start_week"].to_numpy(float), group["end_week"].to_numpy(float)
    locator = pd.factorize(group["locator"])[0]
    others = overlapping_sums(start, end, values)
    for code in np.unique(locator):  # less the row's own locator's rows, itself included
        mine = locator == code
        others[mine] -= overlapping_sums(start[mine], end[mine], values[mine])
    counts = others[:, -1]
    p, pooled_estimate = _test(kind, values[:, :-1], others[:, :-1])
    out = {}
    estimate = group["estimate"].to_numpy(float)
    ids = group["measurement_id"].to_numpy()
    by_estimate = np.argsort(estimate, kind="stable")
    for i in np.flatnonzero((counts > 0) & (p < alpha)):
        far = by_estimate[::-1] if estimate[i] < pooled_estimate[i] else by_estimate
        named = _examples(i, far, start, end, locator)
        text = (
            f"other locators pooled: {pooled_estimate[i]:.3g} over {int(counts[i])} rows "
            f"(p={p[i]:.2g})"
        )
        if named:
            text += "; farthest: " + ", ".join(f"{ids[j]} ({estimate[j]:.3g})" for j in named)
        out[int(group.index[i])] = text
    return out


def overlapping_sums(start: np.ndarray, end: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each row, column sums of ``values`` [rows x columns] over the rows whose
    period [start, end] (weeks, inclusive) overlaps its own, itself included."""
    by_start, by_end = np.argsort(start, kind="stable"), np.argsort(end, kind="stable")
    zero = np.zeros((1, values.shape[1]))
    started = np.vstack([zero, np.cumsum(values[by_start], axis=0)])
    ended = np.vstack([zero, np.cumsum(values[by_end], axis=0)])
    began_by_end = np.searchsorted(start[by_start], end, side="right")
    over_before_start = np.searchsorted(end[by_end], start, side="left")
    return started[began_by_end] - ended[over_before_start]


def _values(group: pd.DataFrame, kind: str) -> np.ndarray:
    """The additive quantities pooled for ``kind`` [rows x columns]."""
    if kind == "score":
        n = group["n"].to_numpy(float)
        sd, mean = group["sd"].to_numpy(float), group["mean"].to_numpy(float)
        return np.column_stack([n, n * mean, n * sd**2])
    return group[_SUMS.get(kind, _SUMS["proportion"])].to_numpy(float)


def _test(kind: str, own: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p-value of each row against its pool, and the pool's estimate."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "score":
            mean_a, mean_b = own[:, 1] / own[:, 0], pool[:, 1] / pool[:, 0]
            se = np.sqrt(own[:, 2] / own[:, 0] ** 2 + pool[:, 2] / pool[:, 0] ** 2)
            p = 2 * stats.norm.sf(np.abs(mean_a - mean_b) / se)
            return _clean(p), mean_b
        # Counts are whole numbers; rint undoes any rounding in the cumulative sums.
        k, n, pooled_k = np.rint(own[:, 0]), own[:, 1], np.rint(pool[:, 0])
        if kind == "rate":
            law = stats.binom(k + pooled_k, n / (n + pool[:, 1]))
            p = np.minimum(1.0, 2 * np.minimum(law.cdf(k), law.sf(k - 1)))
        else:
            n = np.rint(n)
            p = hypergeom_doubled(k, n + np.rint(pool[:, 1]), k + pooled_k, n)
        return _clean(p), pool[:, 0] / pool[:, 1]


@numba.njit(cache=True)
def hypergeom_doubled(x: np.ndarray, total: np.ndarray, good: np.ndarray, drawn: np.ndarray):
    """Two-sided p-value of each observed ``x`` under Hypergeometric(total, good, drawn):
    twice the smaller tail, at most 1; NaN where the margins are impossible.

    Summed term by term over the support (at most ``drawn`` + 1 terms), in logs
    through lgamma so large pools do not overflow: cost grows with the row's own
    denominator, not with the pool.
    """
    out = np.empty(len(x))
    for i in range(len(x)):
        m, g, d, k = total[i], good[i], drawn[i], x[i]
        lo, hi = max(0.0, d + g - m), min(g, d)
        if not (lo <= k <= hi) or m <= 0:
            out[i] = np.nan
            continue
        base = math.lgamma(g + 1) + math.lgamma(m - g + 1) + math.lgamma(d + 1)
        base += math.lgamma(m - d + 1) - math.lgamma(m + 1)
        lower = upper = 0.0
        j = lo
        while j <= hi:
            term = math.exp(
                base
                - math.lgamma(j + 1)
                - math.lgamma(g - j + 1)
                - math.lgamma(d - j + 1)
                - math.lgamma(m - g - d + j + 1)
            )
            if j <= k:
                lower += term
            if j >= k:
                upper += term
            j += 1.0
        out[i] = min(1.0, 2.0 * min(lower, upper))
    return out


def _clean(p: np.ndarray) -> np.ndarray:
    """Undefined tests (nothing to compare, zero spread) are no evidence of conflict."""
    return np.where(np.isfinite(p), p, 1.0)


def _examples(
    i: int, far: np.ndarray, start: np.ndarray, end: np.ndarray, locator: np.ndarray
) -> list[int]:
    """Up to EXAMPLES comparison rows of row ``i``, from the far end of ``far``."""
    found = []
    for j in far[:SCAN]:
        if locator[j] != locator[i] and start[j] <= end[i] and start[i] <= end[j]:
            found.append(int(j))
            if len(found) == EXAMPLES:
                break
    return found
