"""Raw tallies of a run for observation models: counts by locality, behaviour and type pair.

Calibration compares these counts with field measurements (see
docs/architecture.md); they are kept only when a run asks for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from integration_sim.config.scenario import Scenario
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
