"""Applying a strategy's interventions to practitioners, week by week.

Each intervention becomes a boolean mask over practitioners (its target) and a
time window. Each week the schedule reports, per practitioner, the strength
(0-1) of each funded primitive that reaches them, who is a champion, the spend
per locality, and which localities launched a new initiative.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from integration_sim.config.strategies import FUNDED_PRIMITIVES, Intervention
from integration_sim.engine.network import CROSS, TieTable
from integration_sim.engine.state import Population


@dataclass
class Exposure:
    """What reaches each practitioner this week: strengths in [0, 1], shape [N]."""

    strength: dict[str, np.ndarray]  # funded primitive -> [N]
    champion: np.ndarray  # bool [N]
    spend: np.ndarray  # pounds this week per locality [L]


class Schedule:
    """The interventions of one strategy, resolved against a population."""

    def __init__(self, interventions: list[Intervention], pop: Population, horizon: int) -> None:
        self.interventions = interventions
        self.pop = pop
        self.horizon = horizon
        self.masks = [self._mask(iv) for iv in interventions]
        self.champions: dict[int, np.ndarray] = {}  # intervention index -> practitioner rows
        self._launches = self._launch_table()

    # ------------------------------------------------------------------ targets
    def _mask(self, iv: Intervention) -> np.ndarray:
        pop, t = self.pop, iv.target
        mask = np.ones(pop.size, dtype=bool)
        if t.localities != "all":
            mask &= np.isin(pop.locality, [pop.locality_names.index(n) for n in t.localities])
        if t.organisation_types != "all":
            mask &= np.isin(
                pop.organisation_type, [pop.type_names.index(n) for n in t.organisation_types]
            )
        if t.roles != "all":
            mask &= np.isin(
                pop.role, [pop.role_names.index(r) for r in t.roles if r in pop.role_names]
            )
        return mask

    def end(self, iv: Intervention) -> int:
        """Exclusive end week of an intervention (the horizon if open-ended)."""
        return self.horizon if iv.end_week is None else iv.end_week

    def active(self, week: int) -> list[int]:
        """Indices of interventions running in ``week``."""
        return [
            i for i, iv in enumerate(self.interventions) if iv.start_week <= week < self.end(iv)
        ]

    def localities_of(self, i: int) -> np.ndarray:
        """bool [L]: localities an intervention reaches."""
        hit = np.bincount(self.pop.locality[self.masks[i]], minlength=len(self.pop.locality_names))
        return hit > 0

    # ----------------------------------------------------------------- launches
    def _launch_table(self) -> dict[int, list[np.ndarray]]:
        """Week -> the initiatives launched that week, each as a bool [L] of the
        localities it lands in. A bundle launched together (same phase, start week
        and localities) is one initiative, however many primitives it has."""
        seen: set[tuple[str, int, bytes]] = set()
        table: dict[int, list[np.ndarray]] = {}
        for i, iv in enumerate(self.interventions):
            if not iv.launch:
                continue
            locs = self.localities_of(i)
            key = (iv.phase, iv.start_week, locs.tobytes())
            if key not in seen:
                seen.add(key)
                table.setdefault(iv.start_week, []).append(locs)
        return table

    def launches(self, week: int) -> list[np.ndarray]:
        """Initiatives launched this week, each a bool [L] of the localities it lands in."""
        return self._launches.get(week, [])

    # ----------------------------------------------------------------- exposure
    def exposure(self, week: int) -> Exposure:
        """Strength of each funded primitive reaching each practitioner this week."""
        n, n_loc = self.pop.size, len(self.pop.locality_names)
        strength = {k: np.zeros(n) for k in FUNDED_PRIMITIVES}
        champion = np.zeros(n, dtype=bool)
        spend = np.zeros(n_loc)
        for i in self.active(week):
            iv, mask = self.interventions[i], self.masks[i]
            if iv.kind in strength:
                np.maximum(strength[iv.kind], iv.strength * mask, out=strength[iv.kind])
            elif iv.kind == "champions" and i in self.champions:
                champion[self.champions[i]] = True
                # Champions are trained and given time: the bundle reaches them.
                for k in ("training", "backfill"):
                    strength[k][self.champions[i]] = np.maximum(
                        strength[k][self.champions[i]], iv.strength
                    )
            if iv.cost_per_week > 0:
                staff = np.bincount(self.pop.locality[mask], minlength=n_loc).astype(float)
                if staff.sum() > 0:
                    spend += iv.cost_per_week * staff / staff.sum()
        return Exposure(strength, champion, spend)

    def starting(self, week: int, kind: str) -> list[int]:
        """Indices of interventions of ``kind`` that start in ``week``."""
        return [
            i
            for i, iv in enumerate(self.interventions)
            if iv.kind == kind and iv.start_week == week
        ]

    # ------------------------------------------------------------- derived facts
    def funding_end(self) -> int | None:
        """Last week (exclusive) in which any paid intervention runs, or None."""
        ends = [self.end(iv) for iv in self.interventions if iv.cost_per_week > 0]
        return max(ends) if ends else None

    def first_localities(self) -> np.ndarray:
        """bool [L]: localities reached by the earliest-starting interventions."""
        n_loc = len(self.pop.locality_names)
        if not self.interventions:
            return np.zeros(n_loc, dtype=bool)
        first = min(iv.start_week for iv in self.interventions)
        out = np.zeros(n_loc, dtype=bool)
        for i, iv in enumerate(self.interventions):
            if iv.start_week == first:
                out |= self.localities_of(i)
        return out


# --------------------------------------------------------------- champion choice


def brokerage(pop: Population, ties: TieTable) -> np.ndarray:
    """Number of distinct other organisations each practitioner has ties to [N]."""
    cross = ties.layer == CROSS
    u, v = ties.u[cross].astype(np.int64), ties.v[cross].astype(np.int64)
    src = np.concatenate([u, v])
    other = pop.organisation[np.concatenate([v, u])].astype(np.int64)
    pairs = np.unique(src * (len(pop.organisations) + 1) + other)
    return np.bincount(pairs // (len(pop.organisations) + 1), minlength=pop.size)


def betweenness(pop: Population, ties: TieTable, seed: int, samples: int = 64) -> np.ndarray:
    """Sampled betweenness centrality of each practitioner [N] (``samples`` pivots)."""
    g = nx.Graph()
    g.add_nodes_from(range(pop.size))
    u, v, _, _ = ties.live()
    g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    k = min(samples, pop.size)
    scores = nx.betweenness_centrality(g, k=k, seed=seed, normalized=True)
    return np.array([scores[i] for i in range(pop.size)])


def choose_champions(
    iv: Intervention, mask: np.ndarray, pop: Population, ties: TieTable, rng: np.random.Generator
) -> np.ndarray:
    """Rows of the practitioners chosen as champions: ``iv.champions`` per targeted locality."""
    if iv.selection == "random":
        score = rng.random(pop.size)
    elif iv.selection == "readiness":
        score = pop.capability.mean(axis=1) + pop.motivation
    elif iv.selection == "brokerage":
        # Random tie-break so equal brokers are not chosen by row order.
        score = brokerage(pop, ties) + 0.5 * rng.random(pop.size)
    else:
        score = betweenness(pop, ties, seed=int(rng.integers(2**31)))
    chosen = []
    for loc in np.unique(pop.locality[mask]):
        rows = np.flatnonzero(mask & (pop.locality == loc))
        top = rows[np.argsort(-score[rows], kind="stable")[: iv.champions]]
        chosen.append(top)
    return np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
