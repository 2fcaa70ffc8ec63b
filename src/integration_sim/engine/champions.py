"""Choosing champions: by readiness, network position (brokerage, betweenness) or at random."""

from __future__ import annotations

import networkx as nx
import numpy as np

from integration_sim.config.strategies import Intervention
from integration_sim.engine.network import CROSS, TieTable
from integration_sim.engine.state import Population


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
