"""Weekly records (tidy) and raw tallies for observation models.

Each weekly series is declared once (:class:`WeeklySeries`: its metric name,
its keys and how its values are read); the layout of keys (locality,
organisation type, behaviour, metric) and each recorded week's vector of
values both come from those declarations. The tidy DataFrame is built once at
the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import Behaviour
from integration_sim.engine.network import CROSS, TieTable
from integration_sim.engine.state import Population

ALL = "all"
RECORD_COLUMNS = [
    "week",
    "replicate",
    "strategy",
    "locality",
    "organisation_type",
    "behaviour",
    "metric",
    "value",
]


@dataclass
class Tallies:
    """Raw counts per recorded week, for observation models (see docs/architecture.md)."""

    weeks: list[int]
    localities: list[str]
    organisation_types: list[str]
    behaviours: list[str]
    encounters: np.ndarray  # [W, L, B, T, T] int
    performed: np.ndarray  # [W, L, B, T, T] int
    practitioners: np.ndarray  # [W, L, T]
    ties: np.ndarray  # [W, L, T, T] cross-boundary ties, symmetric
    pairs: np.ndarray  # [W, L, T, T] possible cross-organisation pairs
    trust_sum: np.ndarray  # [W, L, T, T]
    habit_sum: np.ndarray  # [W, L, B, T]
    adopters: np.ndarray  # [W, L, B] practitioners who have ever performed
    eligible: np.ndarray  # [W, L, B] practitioners who may perform it (type and role)


@dataclass(frozen=True)
class WeeklySeries:
    """One recorded weekly series: its keys and how its values are read, declared together.

    ``keys`` are (locality, organisation type, behaviour) triples fixed when the
    run starts; ``values`` reads this week's values, in the same order, from a
    :class:`WeekState`. The layout of the records and each week's values both
    come from the same declarations, so they cannot drift apart.
    """

    metric: str
    keys: list[tuple[str, str, str]]
    values: Callable[[WeekState], np.ndarray]


@dataclass
class WeekState:
    """This week's aggregates, computed once and read by every series."""

    rate_loc: np.ndarray  # [L, B] share of eligible practitioners performing
    rate_type: np.ndarray  # [T, B]
    rate_all: np.ndarray  # [B]
    adopters_loc: np.ndarray  # [L, B] practitioners in post who have ever performed it
    by_locality: dict[str, tuple[np.ndarray, float]]  # metric -> (per locality [L], whole system)
    pooling: np.ndarray  # [O] each organisation's pooling state (0/1)


# Weekly series recorded per locality and for the whole system, in record order. Each
# entry names the series once; the function gives (per locality [L], whole system).
BY_LOCALITY: dict[str, Callable[[Any], tuple[Any, Any]]] = {
    "integration_index": lambda w: (w.index, w.index_all),
    "cases": lambda w: (w.cases.cases, w.cases.cases.sum()),
    "integrated_cases": lambda w: (w.cases.integrated, w.cases.integrated.sum()),
    "delay_days": lambda w: (w.cases.delay_days, w.cases.delay_days.sum()),
    "emergency_admissions": lambda w: (w.cases.admissions, w.cases.admissions.sum()),
    "care_cost": lambda w: (w.care, w.care.sum()),
    "spend": lambda w: (w.exposure.spend, w.exposure.spend.sum()),
    "cross_boundary_density": lambda w: w.density,
    "mean_trust": lambda w: w.trust,
    "capability": lambda w: (w.cap_loc, w.pop.capability.mean()),
    "motivation": lambda w: (w.mot_loc, w.pop.motivation.mean()),
}


class Recorder:
    """Collects weekly records (and optionally tallies) from a run's state.

    Args:
        scenario: the run's scenario (record interval, horizon, unit costs, behaviours).
        pop: practitioner state; read, never changed.
        ties: the tie table; read, never changed.
        pooling_rule: the organisation-level behaviour (budget pooling), if any.
        tally_rng: random stream for tallies' partner draws; tallies are kept only if given.
    """

    def __init__(
        self,
        scenario: Scenario,
        pop: Population,
        ties: TieTable,
        pooling_rule: Behaviour | None = None,
        tally_rng: np.random.Generator | None = None,
    ) -> None:
        self.pop, self.ties = pop, ties
        self.costs = scenario.drivers.costs
        self.every = scenario.record_every
        self.horizon = scenario.horizon_weeks
        self.locs, self.types, self.behs = pop.locality_names, pop.type_names, pop.behaviour_names
        L, T = len(self.locs), len(self.types)
        self.g_loc = pop.group_matrix(pop.locality, L)
        self.g_type = pop.group_matrix(pop.organisation_type, T)
        elig = pop.eligible.astype(float)
        self.elig_loc, self.elig_type, self.elig_all = (
            self.g_loc @ elig,
            self.g_type @ elig,
            elig.sum(axis=0),
        )
        self.staff_loc = np.bincount(pop.locality, minlength=L).astype(float)
        self.cross_pairs = self._cross_pairs()
        self.org_types = np.array([pop.type_names.index(o.type) for o in pop.organisations])
        self.pooling_types = [
            t
            for t in range(T)
            if pooling_rule
            and self.types[t] in pooling_rule.performers
            and (self.org_types == t).any()
        ]
        self.series = self._declare()
        self.keys = [(*key, s.metric) for s in self.series for key in s.keys]
        self.weeks: list[int] = []
        self.values: list[np.ndarray] = []
        self.tallies = _TallyBuilder(scenario, pop, ties, tally_rng) if tally_rng else None

    def _cross_pairs(self) -> np.ndarray:
        """Possible cross-organisation pairs per locality [L]."""
        pop = self.pop
        L = len(self.locs)
        unit = pop.organisation.astype(np.int64) * L + pop.locality
        per_unit = np.bincount(unit, minlength=(len(pop.organisations)) * L).reshape(-1, L)
        same = (per_unit.astype(float) ** 2).sum(axis=0)
        return (self.staff_loc**2 - same) / 2.0

    def _declare(self) -> list[WeeklySeries]:
        """Every weekly series of this run, in record order."""
        out = []
        for b, name in enumerate(self.behs):
            eligible = self.elig_type[:, b] > 0
            keys = [(loc, ALL, name) for loc in self.locs]
            keys += [(ALL, t, name) for t, ok in zip(self.types, eligible, strict=True) if ok]
            out.append(
                WeeklySeries(
                    "performance_rate",
                    [*keys, (ALL, ALL, name)],
                    lambda w, b=b, ok=eligible: np.concatenate(
                        [w.rate_loc[:, b], w.rate_type[ok, b], [w.rate_all[b]]]
                    ),
                )
            )
        for b, name in enumerate(self.behs):
            # Cumulative adoption in the data's own unit (practitioners), for adoption records.
            out.append(
                WeeklySeries(
                    "adopters",
                    [*((loc, ALL, name) for loc in self.locs), (ALL, ALL, name)],
                    lambda w, b=b: np.append(w.adopters_loc[:, b], w.adopters_loc[:, b].sum()),
                )
            )
        for metric in BY_LOCALITY:
            out.append(
                WeeklySeries(
                    metric,
                    [(loc, ALL, ALL) for loc in [*self.locs, ALL]],
                    lambda w, m=metric: np.append(*w.by_locality[m]),
                )
            )
        for t in self.pooling_types:
            out.append(
                WeeklySeries(
                    "budget_pooling",
                    [(ALL, self.types[t], "budget_pooling")],
                    lambda w, t=t: np.array([w.pooling[self.org_types == t].mean()]),
                )
            )
        return out

    def record(
        self,
        week: int,
        encountered: np.ndarray,
        performed: np.ndarray,
        cases,
        exposure,
        pooling: np.ndarray,
    ) -> None:
        """Store this week's values (every ``record_every`` weeks and the last week).

        ``performed`` is what was decided this week (before turnover); ``pooling``
        is each organisation's pooling state (0/1) [O].
        """
        if self.tallies is not None:
            self.tallies.add_encounters(encountered, performed)
        if week % self.every and week != self.horizon - 1:
            return
        state = self._week_state(performed, cases, exposure, pooling)
        parts = []
        for s in self.series:
            values = np.asarray(s.values(state), dtype=float)
            if values.shape != (len(s.keys),):  # a declaration that disagrees with itself
                raise AssertionError(
                    f"series {s.metric}: {values.shape} values, {len(s.keys)} keys"
                )
            parts.append(values)
        self.weeks.append(week)
        self.values.append(np.concatenate(parts))
        if self.tallies is not None:
            self.tallies.add_state(week)

    def _week_state(self, performed: np.ndarray, cases, exposure, pooling) -> WeekState:
        pop = self.pop
        perf = performed.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate_loc = (self.g_loc @ perf) / self.elig_loc
            rate_type = (self.g_type @ perf) / self.elig_type
            rate_all = perf.sum(axis=0) / self.elig_all
            index = cases.integrated / cases.cases
            index_all = cases.integrated.sum() / cases.cases.sum() if cases.cases.sum() else np.nan
        costs = self.costs
        density, trust = self._tie_stats()
        parts = SimpleNamespace(
            pop=pop,
            cases=cases,
            exposure=exposure,
            index=index,
            index_all=index_all,
            care=cases.delay_days * costs.delay_day + cases.admissions * costs.emergency_admission,
            density=density,
            trust=trust,
            cap_loc=(self.g_loc @ pop.capability.mean(axis=1)) / self.staff_loc,
            mot_loc=(self.g_loc @ pop.motivation) / self.staff_loc,
        )
        by_locality = {metric: read(parts) for metric, read in BY_LOCALITY.items()}
        adopters_loc = self.g_loc @ pop.ever.astype(float)
        return WeekState(
            rate_loc, rate_type, rate_all, adopters_loc, by_locality, np.asarray(pooling, float)
        )

    def _tie_stats(self) -> tuple[tuple[np.ndarray, float], tuple[np.ndarray, float]]:
        ties, pop = self.ties, self.pop
        cross = ties.layer == CROSS
        loc = pop.locality[ties.u[cross]]
        L = len(self.locs)
        count = np.bincount(loc, minlength=L).astype(float)
        tsum = np.bincount(loc, weights=ties.trust[cross], minlength=L)
        with np.errstate(invalid="ignore", divide="ignore"):
            density = (count / self.cross_pairs, count.sum() / self.cross_pairs.sum())
            trust = (tsum / count, tsum.sum() / count.sum() if count.sum() else np.nan)
        return density, trust

    def frame(self, replicate: int, strategy: str) -> pd.DataFrame:
        """All recorded weeks as a tidy DataFrame (see RECORD_COLUMNS).

        Label columns are categorical (categories sorted), built from each key's
        codes: converting strings to categories row by row was most of the cost.
        """
        values = np.vstack(self.values) if self.values else np.zeros((0, len(self.keys)))
        n_weeks, n_keys = values.shape
        columns: dict[str, Any] = {
            "week": np.repeat(np.array(self.weeks, dtype=np.int32), n_keys),
            "replicate": np.full(n_weeks * n_keys, replicate, dtype=np.int32),
            "strategy": _labels(np.zeros(n_weeks * n_keys, dtype=np.int64), [strategy]),
        }
        for j, col in enumerate(("locality", "organisation_type", "behaviour", "metric")):
            names = sorted({key[j] for key in self.keys}) if n_weeks else []
            code = {name: i for i, name in enumerate(names)}
            codes = np.array([code[key[j]] for key in self.keys], dtype=np.int64)
            columns[col] = _labels(np.tile(codes, n_weeks), names)
        columns["value"] = values.ravel()
        return pd.DataFrame(columns)


def _labels(codes: np.ndarray, names: list[str]) -> pd.Categorical:
    """A categorical column from codes into ``names`` (categories as pandas infers them)."""
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(names)))


class _TallyBuilder:
    """Accumulates raw counts by locality, behaviour and the pair of organisation types."""

    def __init__(
        self, scenario: Scenario, pop: Population, ties: TieTable, rng: np.random.Generator
    ) -> None:
        self.pop, self.ties, self.rng = pop, ties, rng
        L, B, T = len(pop.locality_names), len(pop.behaviour_names), len(pop.type_names)
        self.shape = (L, B, T, T)
        staff = np.zeros((L, T))
        np.add.at(staff, (pop.locality, pop.organisation_type), 1)
        self.staff = staff
        self.pairs = self._pairs(pop, staff)
        # Partner type drawn in proportion to partner-type staff in the locality.
        weight = np.zeros((L, B, T))
        for b, name in enumerate(pop.behaviour_names):
            partners = [pop.type_names.index(t) for t in scenario.behaviours[name].partners]
            weight[:, b, partners] = staff[:, partners]
        self.cum = np.cumsum(weight, axis=2)
        self.enc = np.zeros(self.shape, dtype=np.int64)
        self.perf = np.zeros(self.shape, dtype=np.int64)
        self.out: dict[str, list[np.ndarray]] = {
            k: []
            for k in (
                "encounters",
                "performed",
                "practitioners",
                "ties",
                "pairs",
                "trust_sum",
                "habit_sum",
                "adopters",
                "eligible",
            )
        }
        self.weeks: list[int] = []

    @staticmethod
    def _pairs(pop, staff: np.ndarray) -> np.ndarray:
        """Possible cross-organisation pairs [L, T, T], each pair counted once.

        Different types: n_a * n_c. Same type: pairs of practitioners of that
        type in different organisations, (n_a^2 - sum over its organisations of n^2) / 2.
        """
        L, T = staff.shape
        pairs = staff[:, :, None] * staff[:, None, :]
        per_org = np.zeros((L, len(pop.organisations)))
        np.add.at(per_org, (pop.locality, pop.organisation), 1)
        org_type = np.array([pop.type_names.index(o.type) for o in pop.organisations])
        same_org = np.zeros((L, T))
        np.add.at(same_org, (slice(None), org_type), per_org**2)
        idx = np.arange(T)
        pairs[:, idx, idx] = (staff**2 - same_org) / 2.0
        return pairs

    def add_encounters(self, encountered: np.ndarray, performed: np.ndarray) -> None:
        pop = self.pop
        rows, beh = np.nonzero(encountered)
        loc = pop.locality[rows]
        total = self.cum[loc, beh, -1]
        u = self.rng.random(rows.size) * total
        partner = (u[:, None] >= self.cum[loc, beh, :]).sum(axis=1)
        ok = total > 0
        L, B, T, _ = self.shape
        flat = ((loc * B + beh) * T + pop.organisation_type[rows]) * T + np.minimum(partner, T - 1)
        size = L * B * T * T
        self.enc += np.bincount(flat[ok], minlength=size).reshape(self.shape)
        self.perf += (
            np.bincount(flat[ok], weights=performed[rows, beh][ok], minlength=size)
            .astype(np.int64)
            .reshape(self.shape)
        )

    def add_state(self, week: int) -> None:
        pop, ties = self.pop, self.ties
        L, B, T, _ = self.shape
        self.out["encounters"].append(self.enc)
        self.out["performed"].append(self.perf)
        self.enc, self.perf = np.zeros(self.shape, np.int64), np.zeros(self.shape, np.int64)
        self.out["practitioners"].append(self.staff.copy())
        cross = ties.layer == CROSS
        a, c = pop.organisation_type[ties.u[cross]], pop.organisation_type[ties.v[cross]]
        loc = pop.locality[ties.u[cross]]
        tie = np.zeros((L, T, T))
        tr = np.zeros((L, T, T))
        np.add.at(tie, (loc, a, c), 1)
        np.add.at(tr, (loc, a, c), ties.trust[cross])
        sym = lambda x: x + np.transpose(x, (0, 2, 1)) - x * np.eye(T)[None]  # noqa: E731
        self.out["ties"].append(sym(tie))
        self.out["trust_sum"].append(sym(tr))
        self.out["pairs"].append(self.pairs)
        hab = np.zeros((L, B, T))
        for b in range(B):
            np.add.at(hab[:, b, :], (pop.locality, pop.organisation_type), pop.habit[:, b])
        self.out["habit_sum"].append(hab)
        ever = np.zeros((L, B))
        for b in range(B):
            ever[:, b] = np.bincount(pop.locality, weights=pop.ever[:, b], minlength=L)
        self.out["adopters"].append(ever)
        elig = np.zeros((L, B))
        np.add.at(elig, pop.locality, pop.eligible)
        self.out["eligible"].append(elig)
        self.weeks.append(week)

    def build(self) -> Tallies:
        pop = self.pop
        stack = {k: np.stack(v) if v else np.zeros((0,)) for k, v in self.out.items()}
        return Tallies(
            weeks=list(self.weeks),
            localities=list(pop.locality_names),
            organisation_types=list(pop.type_names),
            behaviours=list(pop.behaviour_names),
            **stack,
        )
