"""The chance that at least a threshold of a practitioner's neighbours perform, each
with the same chance: the binomial tail, by distinct degree, as the start's settling
rounds (``equilibrium``) use it for threshold contagion.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import stats


def _at_least_chance(
    threshold: np.ndarray, degrees: np.ndarray, degree_class: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """Chance [N, B] that at least ``threshold`` [B] of a practitioner's neighbours perform,
    each with chance ``share`` [B]. ``degrees`` are the distinct degrees and ``degree_class``
    [N] each practitioner's index into them: the binomial tail (scipy's, with its checks:
    the reference, and the path for shares outside [0, 1]) is computed once per distinct
    degree, the same values it gives per practitioner."""
    return _at_least_by_degree(threshold, degrees, share)[degree_class]


def _at_least_by_degree(threshold: np.ndarray, degrees: np.ndarray, share: np.ndarray):
    """``_at_least_chance`` by distinct degree [D, B] (scipy's checked tail)."""
    return np.ascontiguousarray(stats.binom.sf(threshold - 1, degrees[:, None], share), float)


class DegreeTail:
    """``_at_least_chance`` for one place, whose thresholds and degrees do not change
    between the start's rounds: what depends only on them (which entries are inside the
    support, their k and n, the values outside it) is found once, so a round is one call
    of scipy's tail on the entries inside (element by element: the same values as over
    the whole table) instead of ``scipy.stats.binom.sf``'s argument handling, which
    added up to a fifth of a small calibration run's CPU (90 calls per model)."""

    def __init__(self, threshold: np.ndarray, degrees: np.ndarray, degree_class: np.ndarray):
        self.args = (threshold, degrees, degree_class)
        k, n = np.asarray(threshold - 1), degrees[:, None]
        self.shape = np.broadcast_shapes(k.shape, n.shape)
        self.valid = bool(((n >= 0) & (n == np.floor(n)) & ~np.isnan(k)).all())
        inside = np.broadcast_to((k >= 0) & (k < n), self.shape)
        self.k, self.n = (np.broadcast_to(x, self.shape)[inside] for x in (k, n))
        self.at = np.flatnonzero(inside)  # the entries inside, and their behaviour's column
        self.column = np.nonzero(inside)[-1]
        self.outside = np.ascontiguousarray(np.broadcast_to(np.where(k < 0, 1.0, 0.0), self.shape))

    def parts(self, share: np.ndarray) -> tuple[np.ndarray, ...]:
        """The chance that at least the threshold of each practitioner's neighbours perform,
        each with chance ``share`` [B], as the compiled round takes it: (the table by
        degree [D, B] outside the support, the flat positions inside and scipy's values
        there, each practitioner's degree class [N]); ``_degree_table`` puts them together."""
        if not (self.valid and _in_unit(share)):  # scipy's NaNs: the checked path
            table = _at_least_by_degree(*self.args[:2], share)
            return table, self.at[:0], np.zeros(0), self.args[2]
        # The caller silences floating-point warnings (once for all its rounds).
        inside = stats.binom._sf(self.k, self.n, share[self.column])
        return self.outside, self.at, inside, self.args[2]

    def at_least(self, share: np.ndarray) -> np.ndarray:
        """Chance [N, B] that at least the threshold of each practitioner's neighbours
        perform, each with chance ``share`` [B] (``_at_least_chance``'s values)."""
        with np.errstate(all="ignore"):
            return _degree_table(*self.parts(share)[:3])[self.args[2]]


@numba.njit(cache=True)
def _degree_table(outside, at, inside):
    """The tail by degree [D, B]: ``outside`` with the values ``inside`` clipped to [0, 1]
    as ``np.clip`` does (NaN kept) put at the flat positions ``at``."""
    table = outside.copy()
    flat = table.reshape(-1)
    for j in range(at.size):
        v = inside[j]
        if not np.isnan(v):  # np.clip: max with the lower bound, then min with the upper
            v = v if v >= 0.0 else 0.0
            v = v if v <= 1.0 else 1.0
        flat[at[j]] = v
    return table


@numba.njit(cache=True)
def _in_unit(p):
    """True if every value of ``p`` is in [0, 1] (False for NaN)."""
    inside = True
    for x in p:
        inside = inside and 0.0 <= x <= 1.0
    return inside
