"""Weekly records (tidy): what each recorded week is worth keeping, for summaries and charts.

Each weekly series is declared once (:class:`WeeklySeries`: its metric name,
its keys and where its values are in the week's state vector); the layout of
keys (locality, organisation type, behaviour, metric) and each recorded week's
row of values both come from those declarations. A week's sums over
practitioners and ties are one compiled pass (:func:`_week_sums`), its rows
go into one preallocated array, and the tidy DataFrame is built once at the end.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import pandas as pd

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import Behaviour
from integration_sim.engine.network import CROSS, TieTable
from integration_sim.engine.state import Population
from integration_sim.engine.tallies import Tallies, TallyBuilder

__all__ = ["ALL", "RECORD_COLUMNS", "Recorder", "Tallies", "WeeklySeries"]

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


@dataclass(frozen=True)
class WeeklySeries:
    """One recorded weekly series: its keys and where its values are, declared together.

    ``keys`` are (locality, organisation type, behaviour) triples fixed when the
    run starts; ``source`` gives, in the same order, each value's position in the
    week's state vector (see :class:`StateLayout`). The layout of the records
    and each week's values both come from the same declarations, so they cannot
    drift apart.
    """

    metric: str
    keys: list[tuple[str, str, str]]
    source: np.ndarray

    def __post_init__(self) -> None:
        if len(self.source) != len(self.keys):  # a declaration that disagrees with itself
            raise AssertionError(
                f"series {self.metric}: {len(self.source)} values, {len(self.keys)} keys"
            )


class StateLayout:
    """Names of the parts of a week's state vector, and where each one is.

    Parts are added in the order the week's state is concatenated; ``at(name)``
    gives the flat positions of a part (or of a slice of it, e.g. one behaviour's
    column), which series declarations use as their ``source``.
    """

    def __init__(self, parts: list[tuple[str, tuple[int, ...]]]) -> None:
        self.names = [name for name, _ in parts]
        self.offset: dict[str, int] = {}
        self.shape = dict(parts)
        self.size_of = {name: int(np.prod(shape)) for name, shape in parts}
        size = 0
        for name, _ in parts:
            self.offset[name] = size
            size += self.size_of[name]
        self.size = size

    def fill(self, state: np.ndarray, name: str, values: np.ndarray, total: Any = None) -> None:
        """Write part ``name`` of ``state``: its values, then its whole-system ``total`` if given."""
        start, n = self.offset[name], values.size
        if n + (total is not None) != self.size_of[name]:  # disagrees with the layout
            raise AssertionError(f"state part {name}: {n} values, shape {self.shape[name]}")
        state[start : start + n] = values.ravel()
        if total is not None:
            state[start + n] = total

    def at(self, name: str, index: Any = ...) -> np.ndarray:
        """Flat positions of ``part[index]`` in the state vector."""
        positions = np.arange(int(np.prod(self.shape[name]))).reshape(self.shape[name])
        return np.atleast_1d(positions[index]).ravel() + self.offset[name]


# Weekly series recorded per locality and for the whole system, in record order: each
# is the state part of that name, [L] per locality followed by the whole system [1].
BY_LOCALITY = [
    "integration_index",
    "cases",
    "integrated_cases",
    "delay_days",
    "emergency_admissions",
    "care_cost",
    "spend",
    "cross_boundary_density",
    "mean_trust",
    "capability",
    "motivation",
]


@numba.njit(cache=True)
def _week_sums(
    locality, org_type, performed, ever, ability, motivation, u, layer, trust, n_loc, n_type
):  # pragma: no cover - compiled
    """This week's sums over practitioners (by locality and by type) and over cross ties.

    Each sum adds in practitioner (or tie) order from zero, as the sparse group
    products and weighted bincounts it replaces did, so the bits are the same.
    """
    n, n_beh = performed.shape
    perf_loc = np.zeros((n_loc, n_beh))
    perf_type = np.zeros((n_type, n_beh))
    perf_all = np.zeros(n_beh)
    ever_loc = np.zeros((n_loc, n_beh))
    ability_loc = np.zeros(n_loc)
    motivation_loc = np.zeros(n_loc)
    for i in range(n):
        loc, t = locality[i], org_type[i]
        for b in range(n_beh):
            if performed[i, b]:
                perf_loc[loc, b] += 1.0
                perf_type[t, b] += 1.0
                perf_all[b] += 1.0
            if ever[i, b]:
                ever_loc[loc, b] += 1.0
        ability_loc[loc] += ability[i]
        motivation_loc[loc] += motivation[i]
    ties = np.zeros(n_loc)
    trust_sum = np.zeros(n_loc)
    for k in range(layer.shape[0]):
        if layer[k] == CROSS:
            loc = locality[u[k]]
            ties[loc] += 1.0
            trust_sum[loc] += trust[k]
    return perf_loc, perf_type, perf_all, ever_loc, ability_loc, motivation_loc, ties, trust_sum


class Recorder:
    """Collects weekly records (and optionally tallies) from a run's state.

    Args:
        scenario: the run's scenario (record interval, horizon, unit costs, behaviours).
        pop: practitioner state; read, never changed.
        ties: the tie table; read, never changed.
        pooling_rule: the organisation-level behaviour (budget pooling), if any.
        tally_rng: random stream for tallies' partner draws; tallies are kept only if given.
        weekly: keep the weekly records (a run that needs only its tallies, as a
            calibration's, skips them).
    """

    def __init__(
        self,
        scenario: Scenario,
        pop: Population,
        ties: TieTable,
        pooling_rule: Behaviour | None = None,
        tally_rng: np.random.Generator | None = None,
        weekly: bool = True,
    ) -> None:
        self.pop, self.ties = pop, ties
        self.costs = scenario.drivers.costs
        self.every = scenario.record_every
        self.horizon = scenario.horizon_weeks
        self.weekly = weekly
        self.locs, self.types, self.behs = pop.locality_names, pop.type_names, pop.behaviour_names
        L, T = len(self.locs), len(self.types)
        # Group of each practitioner as the run starts (posts keep their place and type).
        self.locality = pop.locality.astype(np.int64)
        self.org_type = pop.organisation_type.astype(np.int64)
        elig = pop.eligible.astype(float)
        self.elig_loc = pop.group_matrix(pop.locality, L) @ elig
        self.elig_type = pop.group_matrix(pop.organisation_type, T) @ elig
        self.elig_all = elig.sum(axis=0)
        self.staff_loc = np.bincount(pop.locality, minlength=L).astype(float)
        self.cross_pairs = self._cross_pairs()
        self.org_types = np.array([pop.type_names.index(o.type) for o in pop.organisations])
        self.orgs_of_type = np.bincount(self.org_types, minlength=T).astype(float)
        self.pooling_types = [
            t
            for t in range(T)
            if pooling_rule
            and self.types[t] in pooling_rule.performers
            and (self.org_types == t).any()
        ]
        self.layout = self._layout()
        self.series = self._declare()
        self.keys = [(*key, s.metric) for s in self.series for key in s.keys]
        self.gather = np.concatenate([s.source for s in self.series]).astype(np.int64)
        self.weeks: list[int] = []
        self.rows = np.zeros((self._weeks_recorded(), len(self.keys)))
        self.tallies = TallyBuilder(scenario, pop, ties, tally_rng) if tally_rng else None

    def _weeks_recorded(self) -> int:
        """Recorded weeks in a run to the horizon (the array grows if a run goes on)."""
        return sum(1 for w in range(self.horizon) if self._recorded(w))

    def _recorded(self, week: int) -> bool:
        return week % self.every == 0 or week == self.horizon - 1

    def _cross_pairs(self) -> np.ndarray:
        """Possible cross-organisation pairs per locality [L]."""
        pop = self.pop
        L = len(self.locs)
        unit = pop.organisation.astype(np.int64) * L + pop.locality
        per_unit = np.bincount(unit, minlength=(len(pop.organisations)) * L).reshape(-1, L)
        same = (per_unit.astype(float) ** 2).sum(axis=0)
        return (self.staff_loc**2 - same) / 2.0

    def _layout(self) -> StateLayout:
        """The parts of a week's state vector, in the order :meth:`_week_state` joins them."""
        L, T, B = len(self.locs), len(self.types), len(self.behs)
        parts = [("rate_loc", (L, B)), ("rate_type", (T, B)), ("rate_all", (B,))]
        parts += [("adopters_loc", (L, B)), ("adopters_all", (B,))]
        parts += [(metric, (L + 1,)) for metric in BY_LOCALITY]
        parts.append(("pooling", (len(self.pooling_types),)))
        return StateLayout(parts)

    def _declare(self) -> list[WeeklySeries]:
        """Every weekly series of this run, in record order."""
        at, out = self.layout.at, []
        for b, name in enumerate(self.behs):
            eligible = self.elig_type[:, b] > 0
            keys = [(loc, ALL, name) for loc in self.locs]
            keys += [(ALL, t, name) for t, ok in zip(self.types, eligible, strict=True) if ok]
            source = [at("rate_loc", (slice(None), b)), at("rate_type", (eligible, b))]
            out.append(
                WeeklySeries(
                    "performance_rate",
                    [*keys, (ALL, ALL, name)],
                    np.concatenate([*source, at("rate_all", b)]),
                )
            )
        for b, name in enumerate(self.behs):
            # Cumulative adoption in the data's own unit (practitioners), for adoption records.
            out.append(
                WeeklySeries(
                    "adopters",
                    [*((loc, ALL, name) for loc in self.locs), (ALL, ALL, name)],
                    np.concatenate([at("adopters_loc", (slice(None), b)), at("adopters_all", b)]),
                )
            )
        for metric in BY_LOCALITY:
            out.append(
                WeeklySeries(metric, [(loc, ALL, ALL) for loc in [*self.locs, ALL]], at(metric))
            )
        for i, t in enumerate(self.pooling_types):
            out.append(
                WeeklySeries(
                    "budget_pooling", [(ALL, self.types[t], "budget_pooling")], at("pooling", i)
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
        if not self._recorded(week):
            return
        if self.weekly:
            if len(self.weeks) == len(self.rows):
                self.rows = np.concatenate([self.rows, np.zeros_like(self.rows[:1])])
            state = self._week_state(performed, cases, exposure, pooling)
            self.rows[len(self.weeks)] = state[self.gather]
            self.weeks.append(week)
        if self.tallies is not None:
            self.tallies.add_state(week)

    def _week_state(self, performed: np.ndarray, cases, exposure, pooling) -> np.ndarray:
        """This week's state vector (parts in the order of :meth:`_layout`)."""
        pop, ties = self.pop, self.ties
        perf_loc, perf_type, perf_all, ever_loc, cap_sum, mot_sum, count, tsum = _week_sums(
            self.locality,
            self.org_type,
            performed,
            pop.ever,
            pop.capability.mean(axis=1),
            pop.motivation,
            ties.u,
            ties.layer,
            ties.trust,
            len(self.locs),
            len(self.types),
        )
        costs = self.costs
        care = cases.delay_days * costs.delay_day + cases.admissions * costs.emergency_admission
        state = np.empty(self.layout.size)
        fill = functools.partial(self.layout.fill, state)
        with np.errstate(invalid="ignore", divide="ignore"):
            fill("rate_loc", perf_loc / self.elig_loc)
            fill("rate_type", perf_type / self.elig_type)
            fill("rate_all", perf_all / self.elig_all)
            fill("adopters_loc", ever_loc)
            fill("adopters_all", ever_loc.sum(axis=0))
            n_cases, n_cross = cases.cases.sum(), count.sum()
            all_index = cases.integrated.sum() / n_cases if n_cases else np.nan
            fill("integration_index", cases.integrated / cases.cases, all_index)
            for name, part in _summed_parts(cases, care, exposure).items():
                fill(name, part, part.sum())
            fill(
                "cross_boundary_density", count / self.cross_pairs, n_cross / self.cross_pairs.sum()
            )
            fill("mean_trust", tsum / count, tsum.sum() / n_cross if n_cross else np.nan)
            fill("capability", cap_sum / self.staff_loc, pop.capability.mean())
            fill("motivation", mot_sum / self.staff_loc, pop.motivation.mean())
        # Share of each pooling type's organisations pooling: sums of 0/1 are exact, so this
        # is each type's mean to the bit.
        pooled = np.bincount(self.org_types, np.asarray(pooling, float), len(self.types))
        fill("pooling", pooled[self.pooling_types] / self.orgs_of_type[self.pooling_types])
        return state

    def frame(self, replicate: int, strategy: str) -> pd.DataFrame:
        """All recorded weeks as a tidy DataFrame (see RECORD_COLUMNS).

        Label columns are categorical (categories sorted), built from each key's
        codes: converting strings to categories row by row was most of the cost.
        """
        values = self.rows[: len(self.weeks)]
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


def _summed_parts(cases, care: np.ndarray, exposure) -> dict[str, np.ndarray]:
    """Per-locality series whose whole-system value is their sum, by metric."""
    return {
        "cases": cases.cases,
        "integrated_cases": cases.integrated,
        "delay_days": cases.delay_days,
        "emergency_admissions": cases.admissions,
        "care_cost": care,
        "spend": exposure.spend,
    }
