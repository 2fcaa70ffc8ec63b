"""Weekly records (tidy): what each recorded week is worth keeping, for summaries and charts.

Each weekly series is declared once (:class:`WeeklySeries`: its metric name,
its keys and where its values are in the week's state vector); the layout of
keys (locality, organisation type, behaviour, metric) and each recorded week's
row of values both come from those declarations. A week's sums over
practitioners and ties are one compiled pass (:func:`_week_sums`), its rows
go into one preallocated array, and the tidy DataFrame is built once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import Behaviour
from integration_sim.engine import week_record
from integration_sim.engine.network import TieTable
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
        self.weeks: list[int] = []
        self.keys: list[tuple[str, ...]] = []
        self.rows = np.zeros((0, 0))
        if weekly:  # a run that keeps only tallies (a calibration's) needs none of this
            self._prepare_weekly(pooling_rule)
        self.tallies = (
            TallyBuilder(scenario, pop, ties, tally_rng, self._weeks_recorded())
            if tally_rng
            else None
        )

    def _prepare_weekly(self, pooling_rule: Behaviour | None) -> None:
        """What the weekly records need: groups, the state layout, the series and rows."""
        pop = self.pop
        L, T = len(self.locs), len(self.types)
        # Group of each practitioner as the run starts (posts keep their place and type).
        self.locality = pop.locality.astype(np.int64)
        self.org_type = pop.organisation_type.astype(np.int64)
        self.elig_loc = _eligible_by_group(pop.locality, L, pop.eligible)
        self.elig_type = _eligible_by_group(pop.organisation_type, T, pop.eligible)
        self.elig_all = pop.eligible.astype(float).sum(axis=0)
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
        self.pooling_index = np.array(self.pooling_types, dtype=np.int64)
        self.layout = self._layout()
        # The compiled pass writes the parts in this order: the layout must agree.
        expected = [*week_record.HEAD, *BY_LOCALITY, *week_record.TAIL]
        if self.layout.names != expected:  # pragma: no cover - a declaration out of step
            raise AssertionError(f"state parts {self.layout.names}, pass writes {expected}")
        self.series = self._declare()
        self.keys = [(*key, s.metric) for s in self.series for key in s.keys]
        self.gather = np.concatenate([s.source for s in self.series]).astype(np.int64)
        self.rows = np.zeros((self._weeks_recorded(), len(self.keys)))
        costs = self.costs  # the weekly pass's arguments that stay the same all run
        self._fixed = (
            (self.locality, self.org_type, L, T),
            (self.elig_loc, self.elig_type, self.elig_all, self.staff_loc, self.cross_pairs),
            (float(costs.delay_day), float(costs.emergency_admission)),
        )

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
        """This week's state vector (parts in the order of :meth:`_layout`), one compiled pass."""
        pop, ties = self.pop, self.ties
        groups, usual, unit_costs = self._fixed
        state = np.empty(self.layout.size)
        written = week_record.week_state(
            groups,
            (performed, pop.ever, pop.capability, pop.motivation),
            (ties.cross_ties(), ties.u, ties.layer, ties.trust),
            usual,
            (
                np.asarray(cases.cases, float),
                np.asarray(cases.integrated, float),
                np.asarray(cases.delay_days, float),
                np.asarray(cases.admissions, float),
                np.asarray(exposure.spend, float),
                *unit_costs,
            ),
            (np.asarray(pooling, float), self.org_types, self.orgs_of_type, self.pooling_index),
            state,
        )
        if written != state.size:  # pragma: no cover - the pass and the layout disagree
            raise AssertionError(f"week state: {written} values written, layout {state.size}")
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


def _eligible_by_group(key: np.ndarray, groups: int, eligible: np.ndarray) -> np.ndarray:
    """Practitioners eligible for each behaviour in each group [groups, B] (float): whole
    counts, so exactly the sums of the one-hot product they replaced, without building a
    sparse matrix per group."""
    nb = eligible.shape[1]
    cell = key.astype(np.int64)[:, None] * nb + np.arange(nb)
    return np.bincount(cell[eligible], minlength=groups * nb).reshape(groups, nb).astype(float)
