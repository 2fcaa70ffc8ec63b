"""Turnover: leavers take their habits and cross-boundary ties; joiners start afresh."""

from __future__ import annotations

import numba
import numpy as np

from integration_sim.engine.draws import address, uniform
from integration_sim.engine.network import CROSS, LOST, WITHIN, TieTable
from integration_sim.engine.state import Population


def step_turnover(
    pop: Population,
    ties: TieTable,
    leave_probability: np.ndarray,
    team_trust: float,
    rng: np.random.Generator,
    movers: float = 0.0,
    movers_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """One week of leavers and joiners; returns bool [N], the posts that changed hands.

    A joiner takes the leaver's row (same post) at the joiner values declared in
    ``state.STATE``; the post's team ties return to ``team_trust`` (new colleagues)
    and its cross-boundary ties are lost (they were personal). A share ``movers`` of
    the leavers move to another post that changed hands the same week (another
    organisation or locality) and take their capability and habit with them.
    """
    leave, rows = _leavers(address(rng), leave_probability, pop.tenure)
    if rows.size == 0:
        return leave
    carried = _movers(pop, leave, movers, movers_rng) if movers > 0 and movers_rng else None
    pop.reset(rows)
    if carried is not None:
        to, capability, habit = carried
        pop.capability[to] = np.maximum(capability, pop.base_capability[to])
        pop.habit[to] = np.where(pop.eligible[to], habit, 0.0)
    indptr, _, perm, u, v, structure = ties.adjacency()
    lost = _new_colleagues(indptr, perm, u, v, structure, ties.layer, ties.trust, rows, team_trust)
    ties.lost_in_place(lost)
    return leave


@numba.njit(cache=True)
def _leavers(stream, probability, tenure):
    """Who leaves this week (bool [N] and rows), one draw each from ``stream``, in row
    order (``Generator.random(N)``); everyone's tenure grows by a week."""
    leave = np.empty(probability.size, np.bool_)
    for i in range(leave.size):
        leave[i] = uniform(stream) < probability[i]
    for i in range(tenure.size):
        tenure[i] += 1
    return leave, np.flatnonzero(leave)


@numba.njit(cache=True)
def _new_colleagues(indptr, perm, u, v, structure, layer, trust, rows, team_trust):
    """Team ties of the posts ``rows`` go back to ``team_trust``, their cross-boundary ties
    are lost (in place: layer ``LOST``, trust 0); returns how many ties were lost."""
    lost = 0
    mark = np.zeros(indptr.size - 1, np.bool_)
    for r in rows:
        mark[r] = True
    for r in rows:
        for s in range(indptr[r], indptr[r + 1]):
            lost += _join(perm[s], layer, trust, team_trust)
    for e in range(structure, u.size):
        if mark[u[e]] or mark[v[e]]:
            lost += _join(e, layer, trust, team_trust)
    return lost


@numba.njit(cache=True, inline="always")
def _join(t, layer, trust, team_trust):
    """Tie ``t`` of a post that changed hands; 1 if it was lost now, else 0."""
    if layer[t] == WITHIN:
        trust[t] = team_trust
    elif layer[t] == CROSS:
        layer[t], trust[t] = LOST, 0.0
        return 1
    return 0


def _movers(
    pop: Population, leave: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(destination rows, capability, habit) of this week's movers, or None.

    Movers are a random ``share`` of leavers; each takes a random other post vacated
    this week (a job move inside the place).
    """
    rows = np.flatnonzero(leave)
    moving = rows[rng.random(rows.size) < share]
    if moving.size < 2 or rows.size < 2:
        return None
    dest = rng.permutation(rows)[: moving.size]
    keep = dest != moving
    moving, dest = moving[keep], dest[keep]
    return dest, pop.capability[moving].copy(), pop.habit[moving].copy()
