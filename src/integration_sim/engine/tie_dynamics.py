"""How ties change week to week: trust grows with interaction and decays without it,
weak cross-boundary ties are lost, and new ones form."""

from __future__ import annotations

import numpy as np

from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import primitives
from integration_sim.engine.network import CROSS, WITHIN, TieTable, cross_boundary_candidates
from integration_sim.engine.primitives import Exposure
from integration_sim.engine.state import Population


def step_ties(
    ties: TieTable,
    pop: Population,
    performed: np.ndarray,
    exposure: Exposure,
    n: NetworkParameters,
    rng: np.random.Generator,
) -> None:
    """One week of trust change, tie loss and tie formation (rates per week)."""
    t = ties
    active = performed.any(axis=1)
    # Teams work together every week; cross-boundary ties interact through joint
    # work (both performed) or a shared base (both reached). Lost ties stay at 0.
    cross = t.cross_index()
    based = primitives.shared_base(exposure)
    cu, cv = t.u[cross], t.v[cross]
    grow = t.layer == WITHIN
    grow[cross] = (active[cu] & active[cv]) | (based[cu] & based[cv])
    t.trust += np.where(grow, n.trust_growth * (1.0 - t.trust), -n.trust_decay * t.trust)
    ct = t.trust[cross]
    t.lose_at(cross[ct < n.tie_loss_trust])
    # Co-located staff and champions make new cross-boundary contacts faster.
    rate = (
        n.tie_formation
        + n.colocation_tie_formation * primitives.brokering(exposure)
        + n.joint_work_tie_formation * active
    )
    forms = rng.random(pop.size) < np.minimum(rate, 1.0)
    u, v = cross_boundary_candidates(pop, forms.astype(np.int64), rng)
    t.add(u, v, n.initial_trust, CROSS)
