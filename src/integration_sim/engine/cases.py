"""Cases: people whose needs cross organisational boundaries, and what happens to them.

Each week, each locality receives cases of each type (Poisson, scaled by
population, need and seasonal demand). A case draws one practitioner from
every organisation type it needs, in its locality. It is handled in an
integrated way when every drawn practitioner performed at least one of the
case type's behaviours that week. Integrated cases have shorter delays and
fewer emergency admissions.

Random numbers are drawn by inverse CDF from uniforms whose count depends only
on the number of cases (exogenous), so strategies share them (common random
numbers) even though outcomes differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy import special

from integration_sim.config.scenario import Scenario
from integration_sim.engine.draws import address, uniform, uniforms
from integration_sim.engine.state import Population


@dataclass
class WeekOfCases:
    """Case counts and outcomes for one week, per locality [L]."""

    cases: np.ndarray
    integrated: np.ndarray
    delay_days: np.ndarray
    admissions: np.ndarray
    seen: np.ndarray  # [N] cases each practitioner worked on (float)
    seen_integrated: np.ndarray  # [N] of which handled in an integrated way (float)


@dataclass(frozen=True)
class _CaseType:
    rate: np.ndarray  # [L] mean arrivals per locality in an average week (before demand)
    needs: np.ndarray  # organisation type indices
    behaviours: np.ndarray  # practitioner-level behaviour indices
    delay: np.ndarray  # [2] mean delay (days), plain and integrated, at average pressure
    risk: np.ndarray  # [2] admission risk, plain and integrated, at average pressure


class CaseMix:
    """Case types of a scenario, with an index of practitioners by locality and type."""

    def __init__(self, scenario: Scenario, pop: Population) -> None:
        behaviours = pop.behaviour_names
        locs = scenario.system.localities
        self.base_rate = np.array([loc.population / 1000.0 * loc.need for loc in locs])
        self.types = [
            _CaseType(
                rate=ct.rate * self.base_rate,
                needs=np.array([pop.type_names.index(t) for t in ct.needs]),
                behaviours=np.array(
                    [behaviours.index(b) for b in ct.behaviours if b in behaviours], dtype=int
                ),
                delay=ct.delay_days * (1.0 - np.array([0.0, ct.delay_reduction])),
                risk=ct.admission_risk * (1.0 - np.array([0.0, ct.admission_reduction])),
            )
            for ct in scenario.case_types.values()
        ]
        self.n_loc = len(pop.locality_names)
        n_types = len(pop.type_names)
        # Practitioners grouped by (locality, type): sorted rows with offsets.
        key = pop.locality.astype(np.int64) * n_types + pop.organisation_type
        self.order = np.argsort(key, kind="stable")
        sizes = np.bincount(key, minlength=self.n_loc * n_types)
        self.size = sizes.reshape(self.n_loc, n_types)
        self.start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).reshape(self.n_loc, n_types)
        self.n = pop.size
        self.index = (self.order, self.start, self.size)
        self.table = _type_table(self.types)

    def week(
        self, performed: np.ndarray, pressure: float, demand: float, rng: np.random.Generator
    ) -> WeekOfCases:
        """Arrivals and outcomes for one week.

        Args:
            performed: bool [N, B] who performed which behaviour this week.
            pressure: system pressure relative to its average (1 = average).
            demand: seasonal demand multiplier (1 = average).
        """
        out = np.zeros((4, self.n_loc))  # cases, integrated, delay days, admissions
        seen = np.zeros((2, self.n))  # cases per practitioner: all, integrated
        if not _all_types_week(address(rng), self.table, demand, performed, self.index, pressure, out, seen):  # fmt: skip
            self.week_by_type(performed, pressure, demand, rng, out, seen)
        return WeekOfCases(out[0], out[1], out[2], out[3], seen[0], seen[1])

    def week_by_type(
        self,
        performed: np.ndarray,
        pressure: float,
        demand: float,
        rng: np.random.Generator,
        out: np.ndarray,
        seen: np.ndarray,
    ) -> None:
        """The week type by type, with NumPy's draws between the passes (``out`` and
        ``seen`` added to): for means too large for the compiled sum, and the reference
        the one-call week is tested against."""
        L = self.n_loc
        for ct in self.types:
            u = rng.random(L)
            n, total = _arrivals(u, ct.rate, demand)
            if total < 0:  # the compiled quantiles cover the usual means, not huge ones
                n = poisson_quantile(u, ct.rate * demand)
                total = int(n.sum())
            # One draw per needed type, then delay and admission, for every case: the same
            # stream as drawing them row by row (a Generator fills arrays in order).
            u = rng.random((ct.needs.size + 2, total))
            _type_week(
                n,
                u,
                ct.needs,
                ct.behaviours,
                performed,
                self.index,
                # Mean delay and admission risk, without and with integrated handling.
                (ct.delay, ct.risk, pressure),
                out,
                seen,
            )


def _type_table(types: list[_CaseType]) -> tuple[np.ndarray, ...]:
    """The case types as arrays for the one-call week: rates [K, L], needs and behaviours
    [K, most] padded with -1, and mean delay and admission risk [K, 2]."""

    def padded(parts: list[np.ndarray]) -> np.ndarray:
        table = np.full((len(parts), max([p.size for p in parts], default=0)), -1, np.int64)
        for k, p in enumerate(parts):
            table[k, : p.size] = p
        return table

    return (
        np.array([ct.rate for ct in types], dtype=float).reshape(len(types), -1),
        padded([ct.needs for ct in types]),
        padded([ct.behaviours for ct in types]),
        np.array([ct.delay for ct in types], dtype=float).reshape(-1, 2),
        np.array([ct.risk for ct in types], dtype=float).reshape(-1, 2),
    )


@numba.njit(cache=True)
def _all_types_week(stream, table, demand, performed, index, pressure, out, seen):
    """The week of every case type in one pass, drawing from ``stream`` what
    ``CaseMix.week_by_type`` draws, in its order (so the same bits); False, before any
    draw, if a mean is too large for the compiled sum (the caller then goes type by type)."""
    rate, needs, behaviours, delay, risk = table
    for k in range(rate.shape[0]):
        for loc in range(rate.shape[1]):
            if rate[k, loc] * demand > SUMMED_MEAN:
                return False
    for k in range(rate.shape[0]):
        n = np.zeros(rate.shape[1], np.int64)
        for loc in range(n.size):
            n[loc] = _poisson_quantile_one(uniform(stream), rate[k, loc] * demand)
        kind = needs[k][needs[k] >= 0]
        u = uniforms(stream, (kind.size + 2) * n.sum()).reshape(kind.size + 2, n.sum())
        does = behaviours[k][behaviours[k] >= 0]
        _type_week(n, u, kind, does, performed, index, (delay[k], risk[k], pressure), out, seen)
    return True


@numba.njit(cache=True)
def _arrivals(u, rate, demand):
    """Arrivals per locality [L] with mean ``rate * demand``, by inverse CDF, and their
    total; a total of -1 when a mean is too large for the compiled sum."""
    mean = rate * demand
    if mean.max() > SUMMED_MEAN:
        return np.zeros(u.size, np.int64), -1
    n = _poisson_quantiles(u, mean)
    return n, n.sum()


@numba.njit(cache=True)
def _type_week(n, u, needs, behaviours, performed, index, outcomes, out, seen):
    """Cases of one type for one week, in one pass (see ``CaseMix.week``).

    Args:
        n: int [L] arrivals per locality.
        u: float [needs + 2, cases] uniforms: one per needed type, then delay, then admission.
        index: practitioners by (locality, type): sorted rows, start and size [L, T].
        outcomes: mean delay (days) and admission risk [2], plain and integrated, before
            the pressure that multiplies both (risk capped at 1), and that pressure.
        out: float [4, L] cases, integrated, delay days and admissions, added to in place.
        seen: float [2, N] cases each practitioner worked on (all, integrated), added to
            (needs with nobody of that type in the locality are skipped).
    """
    order, start, size = index
    delay_base, risk_base, pressure = outcomes
    delay = delay_base * pressure
    risk = np.minimum(risk_base * pressure, 1.0)
    n_needs, total = needs.size, u.shape[1]
    drawn = np.full((n_needs, total), -1, np.int64)
    ok = np.zeros(total, np.bool_)
    c = 0
    for loc in range(n.size):
        out[0, loc] += n[loc]
        for _ in range(n[loc]):
            good = True
            for j in range(n_needs):
                t = needs[j]
                m = size[loc, t]
                pick = start[loc, t] + np.int64(np.floor(u[j, c] * m))
                row = order[min(pick, order.size - 1)]
                did = False
                for b in behaviours:
                    did = did or performed[row, b]
                good = good and m > 0 and did
                if m > 0:
                    drawn[j, c] = row
            ok[c] = good
            k = 1 if good else 0
            out[1, loc] += k
            out[2, loc] += _poisson_quantile_one(u[n_needs, c], delay[k])
            out[3, loc] += u[n_needs + 1, c] < risk[k]
            c += 1
    for j in range(n_needs):
        for c in range(total):
            if drawn[j, c] >= 0:
                seen[0, drawn[j, c]] += 1.0
                seen[1, drawn[j, c]] += 1.0 if ok[c] else 0.0


def seasonal(week: int, base: float, amplitude: float, peak_week: int) -> float:
    """Seasonal curve: base + amplitude * cos(2 pi (week - peak_week) / 52)."""
    return base + amplitude * np.cos(2.0 * np.pi * (week - peak_week) / 52.0)


def poisson_quantile(u: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """Smallest integer k with P(X <= k) >= u for X ~ Poisson(mean): inverse-CDF draws.

    Means up to ``SUMMED_MEAN`` sum the probabilities term by term (compiled);
    larger ones use the regularised incomplete gamma function, where the terms
    would underflow.
    """
    u = np.asarray(u, dtype=float)
    mean = np.ascontiguousarray(np.broadcast_to(np.asarray(mean, dtype=float), u.shape))
    k = _poisson_quantiles(u.ravel(), mean.ravel()).reshape(u.shape)
    large = mean > SUMMED_MEAN
    if large.any():
        k[large] = _poisson_quantile_large(u[large], mean[large])
    return k


SUMMED_MEAN = 600.0  # below this exp(-mean) is far from underflow (about 1e-261)


@numba.njit(cache=True)
def _poisson_quantile_one(u, mean):
    """Smallest k with P(X <= k) >= u, X ~ Poisson(mean <= SUMMED_MEAN), by summing terms."""
    if not mean > 0.0:
        return 0
    term = np.exp(-mean)
    cdf = term
    k = 0
    # The terms reach 0 (and the sum its rounded limit) long before k gets large.
    while cdf < u and term > 0.0:
        k += 1
        term *= mean / k
        cdf += term
    return k


@numba.njit(cache=True)
def _poisson_quantiles(u, mean):
    out = np.zeros(u.size, np.int64)
    for i in range(u.size):
        if mean[i] <= SUMMED_MEAN:
            out[i] = _poisson_quantile_one(u[i], mean[i])
    return out


def _poisson_quantile_large(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Inverse-CDF Poisson draws from the incomplete gamma function and its inverse, with
    one correction step each way for rounding (for means too large to sum term by term)."""
    k = np.ceil(special.pdtrik(u, mean))
    k = np.where(np.isfinite(k), np.maximum(k, 0.0), 0.0)
    k = np.where((k > 0) & (special.pdtr(k - 1, mean) >= u), k - 1, k)
    k = np.where(special.pdtr(k, mean) < u, k + 1, k)
    return k.astype(np.int64)
