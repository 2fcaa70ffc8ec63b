"""Turnover: leavers take their habits and cross-boundary ties; joiners start afresh."""

from __future__ import annotations

import numpy as np

from integration_sim.engine.network import CROSS, WITHIN, TieTable
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
    leave = rng.random(pop.size) < leave_probability
    pop.tenure += 1
    if not leave.any():
        return leave
    carried = _movers(pop, leave, movers, movers_rng) if movers > 0 and movers_rng else None
    pop.reset(leave)
    if carried is not None:
        to, capability, habit = carried
        pop.capability[to] = np.maximum(capability, pop.base_capability[to])
        pop.habit[to] = np.where(pop.eligible[to], habit, 0.0)
    touched = ties.ties_of(np.flatnonzero(leave))
    ties.trust[touched[ties.layer[touched] == WITHIN]] = team_trust
    ties.lose_at(touched[ties.layer[touched] == CROSS])
    return leave


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
