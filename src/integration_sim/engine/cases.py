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

import numpy as np
from scipy import special

from integration_sim.config.scenario import Scenario
from integration_sim.engine.state import Population


@dataclass
class WeekOfCases:
    """Case counts and outcomes for one week, per locality [L]."""

    cases: np.ndarray
    integrated: np.ndarray
    delay_days: np.ndarray
    admissions: np.ndarray
    seen_rows: np.ndarray  # practitioners who worked on a case
    seen_integrated: np.ndarray  # whether that case was integrated (float 0/1)


@dataclass(frozen=True)
class _CaseType:
    rate: float
    needs: np.ndarray  # organisation type indices
    behaviours: np.ndarray  # practitioner-level behaviour indices
    delay_days: float
    delay_reduction: float
    admission_risk: float
    admission_reduction: float


class CaseMix:
    """Case types of a scenario, with an index of practitioners by locality and type."""

    def __init__(self, scenario: Scenario, pop: Population) -> None:
        behaviours = pop.behaviour_names
        self.types = [
            _CaseType(
                rate=ct.rate,
                needs=np.array([pop.type_names.index(t) for t in ct.needs]),
                behaviours=np.array(
                    [behaviours.index(b) for b in ct.behaviours if b in behaviours], dtype=int
                ),
                delay_days=ct.delay_days,
                delay_reduction=ct.delay_reduction,
                admission_risk=ct.admission_risk,
                admission_reduction=ct.admission_reduction,
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
        locs = scenario.system.localities
        self.base_rate = np.array([loc.population / 1000.0 * loc.need for loc in locs])

    def week(
        self, performed: np.ndarray, pressure: float, demand: float, rng: np.random.Generator
    ) -> WeekOfCases:
        """Arrivals and outcomes for one week.

        Args:
            performed: bool [N, B] who performed which behaviour this week.
            pressure: system pressure relative to its average (1 = average).
            demand: seasonal demand multiplier (1 = average).
        """
        L = self.n_loc
        cases, integ = np.zeros(L), np.zeros(L)
        delay, admit = np.zeros(L), np.zeros(L)
        rows_seen, flags_seen = [], []
        for ct in self.types:
            n = poisson_quantile(rng.random(L), ct.rate * self.base_rate * demand)
            loc = np.repeat(np.arange(L), n)
            ok = np.ones(loc.size, dtype=bool)
            drawn = []
            for t in ct.needs:
                size = self.size[loc, t]
                pick = self.start[loc, t] + np.floor(rng.random(loc.size) * size).astype(np.int64)
                rows = self.order[np.minimum(pick, self.order.size - 1)]
                did = performed[rows][:, ct.behaviours].any(axis=1) if ct.behaviours.size else False
                ok &= (size > 0) & did
                drawn.append(np.where(size > 0, rows, -1))
            mean_delay = ct.delay_days * (1.0 - ct.delay_reduction * ok) * pressure
            d = poisson_quantile(rng.random(loc.size), mean_delay)
            risk = np.minimum(
                ct.admission_risk * (1.0 - ct.admission_reduction * ok) * pressure, 1.0
            )
            a = rng.random(loc.size) < risk
            cases += n
            integ += np.bincount(loc, weights=ok, minlength=L)
            delay += np.bincount(loc, weights=d, minlength=L)
            admit += np.bincount(loc, weights=a, minlength=L)
            for rows in drawn:
                valid = rows >= 0
                rows_seen.append(rows[valid])
                flags_seen.append(ok[valid].astype(float))
        seen = np.concatenate(rows_seen) if rows_seen else np.zeros(0, np.int64)
        flags = np.concatenate(flags_seen) if flags_seen else np.zeros(0)
        return WeekOfCases(cases, integ, delay, admit, seen, flags)


def seasonal(week: int, base: float, amplitude: float, peak_week: int) -> float:
    """Seasonal curve: base + amplitude * cos(2 pi (week - peak_week) / 52)."""
    return base + amplitude * np.cos(2.0 * np.pi * (week - peak_week) / 52.0)


def poisson_quantile(u: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """Smallest integer k with P(X <= k) >= u for X ~ Poisson(mean): inverse-CDF draws.

    Uses the regularised incomplete gamma function (continuous in k) and one
    correction step each way for rounding; much faster than scipy.stats' ppf.
    """
    mean = np.broadcast_to(np.asarray(mean, dtype=float), u.shape)
    k = np.ceil(special.pdtrik(u, np.maximum(mean, 1e-300)))
    k = np.where(np.isfinite(k), np.maximum(k, 0.0), 0.0)
    k = np.where((k > 0) & (special.pdtr(k - 1, mean) >= u), k - 1, k)
    k = np.where(special.pdtr(k, mean) < u, k + 1, k)
    return np.where(mean > 0, k, 0.0).astype(np.int64)
