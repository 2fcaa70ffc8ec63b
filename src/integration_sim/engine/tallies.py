"""Raw tallies of a run for observation models: counts by locality, behaviour and type pair.

Calibration compares these counts with field measurements (see
docs/architecture.md); they are kept only when a run asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine.draws import address, uniform
from integration_sim.engine.network import CROSS, TieTable
from integration_sim.engine.state import Population


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


class TallyBuilder:
    """Accumulates raw counts by locality, behaviour and the pair of organisation types."""

    def __init__(
        self,
        scenario: Scenario,
        pop: Population,
        ties: TieTable,
        rng: np.random.Generator,
        weeks: int = 0,
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
        self.weeks: list[int] = []
        # Every recorded week's counts, in arrays made once (``weeks`` recorded weeks,
        # grown if a run goes on): a week's passes add into its row, from zero.
        self.out = self._rows(weeks + 1)  # and the row the week after the last adds to
        self.enc, self.perf = self.out["encounters"][0], self.out["performed"][0]
        self._diagonal = np.eye(T)  # for the symmetric type-pair tables

    def _rows(self, weeks: int) -> dict[str, np.ndarray]:
        """Zeroed counts for ``weeks`` recorded weeks, by name."""
        L, B, T, _ = self.shape
        return {
            "encounters": np.zeros((weeks, *self.shape), np.int64),
            "performed": np.zeros((weeks, *self.shape), np.int64),
            "ties": np.zeros((weeks, L, T, T)),
            "trust_sum": np.zeros((weeks, L, T, T)),
            "habit_sum": np.zeros((weeks, L, B, T)),
            "adopters": np.zeros((weeks, L, B)),
            "eligible": np.zeros((weeks, L, B)),
        }

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
        """Count this week's encounters and performances by the partner type drawn for each."""
        _count_encounters(
            encountered, address(self.rng), self.pop.locality, self.pop.organisation_type, performed, self.cum,
            self.enc, self.perf,
        )  # fmt: skip

    def add_state(self, week: int) -> None:
        """Close this recorded week: its counts, and the state of ties, habits and adoption."""
        pop, ties, out = self.pop, self.ties, self.out
        at = len(self.weeks)
        _state_sums(
            pop.locality,
            pop.organisation_type,
            pop.habit,
            pop.ever,
            pop.eligible,
            ties.u,
            ties.v,
            ties.layer,
            ties.trust,
            at,
            out["ties"],
            out["trust_sum"],
            out["habit_sum"],
            out["adopters"],
            out["eligible"],
        )  # fmt: skip  (ties by (u's type, v's type): made symmetric in build())
        self.weeks.append(week)
        if len(self.weeks) == len(out["encounters"]):  # a run past its horizon: more rows
            more = self._rows(len(self.weeks))
            self.out = out = {k: np.concatenate([v, more[k]]) for k, v in out.items()}
        self.enc, self.perf = out["encounters"][at + 1], out["performed"][at + 1]

    def _symmetric(self, x: np.ndarray) -> np.ndarray:
        """Counts by unordered type pair [W, L, T, T] from counts by (u's type, v's type),
        all weeks at once (element by element, the values a week at a time gives)."""
        return x + np.transpose(x, (0, 1, 3, 2)) - x * self._diagonal

    def build(self) -> Tallies:
        pop, n = self.pop, len(self.weeks)
        stack = {k: v[:n].copy() if n else np.zeros((0,)) for k, v in self.out.items()}
        for key in ("ties", "trust_sum"):
            if n:
                stack[key] = self._symmetric(stack[key])
        for key, each in (("practitioners", self.staff), ("pairs", self.pairs)):
            stack[key] = np.repeat(each[None], n, axis=0) if n else np.zeros((0,))
        return Tallies(
            weeks=list(self.weeks),
            localities=list(pop.locality_names),
            organisation_types=list(pop.type_names),
            behaviours=list(pop.behaviour_names),
            **stack,
        )


@numba.njit(cache=True)
def _count_encounters(
    encountered, stream, locality, org_type, performed, cum, enc, perf
):  # pragma: no cover - compiled
    """Add each encounter (and performance) to its (locality, behaviour, type, partner type).

    Each encounter, in row order (``np.nonzero``'s), takes one draw from ``stream``, as
    ``Generator.random`` over all of them would give. The partner type is the first
    whose cumulative weight exceeds the draw times the total (counting, as the array code
    did, the weights at or below it); encounters with no possible partner are not counted
    (their draw is still taken).
    """
    n_types = cum.shape[2]
    for r in range(encountered.shape[0]):
        for b in range(encountered.shape[1]):
            if not encountered[r, b]:
                continue
            draw = uniform(stream)
            loc = locality[r]
            total = cum[loc, b, n_types - 1]
            if not total > 0:
                continue
            u = draw * total
            partner = 0
            for t in range(n_types):
                if u >= cum[loc, b, t]:
                    partner += 1
            partner = min(partner, n_types - 1)
            enc[loc, b, org_type[r], partner] += 1
            if performed[r, b]:
                perf[loc, b, org_type[r], partner] += 1


@numba.njit(cache=True)
def _state_sums(
    locality, org_type, habit, ever, eligible, u, v, layer, trust, at,
    ties, trust_sum, habit_sum, adopters, elig,
):  # pragma: no cover - compiled  # fmt: skip
    """Into row ``at`` (zeros until now) of each table: cross ties and their trust by
    (locality, type, type), one way round; habit by (locality, behaviour, type); adopters
    and eligible practitioners by (locality, behaviour).

    Each sum adds in tie (or practitioner) order from zero, as the unbuffered
    ``np.add.at`` and ``np.bincount`` calls it replaces did, so the bits are the same.
    """
    n, n_beh = habit.shape
    for k in range(layer.shape[0]):
        if layer[k] == CROSS:
            loc, a, c = locality[u[k]], org_type[u[k]], org_type[v[k]]
            ties[at, loc, a, c] += 1.0
            trust_sum[at, loc, a, c] += trust[k]
    for i in range(n):
        loc, t = locality[i], org_type[i]
        for b in range(n_beh):
            habit_sum[at, loc, b, t] += habit[i, b]
            if ever[i, b]:
                adopters[at, loc, b] += 1.0
            if eligible[i, b]:
                elig[at, loc, b] += 1.0
