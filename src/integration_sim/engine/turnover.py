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
) -> np.ndarray:
    """One week of leavers and joiners; returns bool [N], the posts that changed hands.

    A joiner takes the leaver's row (same post) at the joiner values declared in
    ``state.STATE``; the post's team ties return to ``team_trust`` (new colleagues)
    and its cross-boundary ties are lost (they were personal).
    """
    leave = rng.random(pop.size) < leave_probability
    pop.tenure += 1
    if not leave.any():
        return leave
    pop.reset(leave)
    touched = ties.ties_of(np.flatnonzero(leave))
    ties.trust[touched[ties.layer[touched] == WITHIN]] = team_trust
    ties.lose_at(touched[ties.layer[touched] == CROSS])
    return leave
