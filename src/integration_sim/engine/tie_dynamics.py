"""How ties change week to week: trust grows with interaction and decays without it,
weak cross-boundary ties are lost, lost contacts are replaced, and new ones form.

Business as usual is in balance: each post has its usual number of
cross-boundary contacts (those it starts with); a practitioner short of that
number looks for a new contact (``tie_replacement`` per missing contact per
week) among practitioners of other organisations who are also short, so a tie
lost is, on average, a tie replaced. What raises the number of ties is what
changes practice: co-location and champions (brokering) and joint work above
the usual level of the locality. Trust starts at its long-run level for each
tie, so it does not drift either.
"""

from __future__ import annotations

import numpy as np

from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import primitives
from integration_sim.engine.network import CROSS, WITHIN, TieTable, cross_boundary_candidates
from integration_sim.engine.primitives import Exposure
from integration_sim.engine.spanning import spans
from integration_sim.engine.state import Population


def cross_degree(ties: TieTable, n: int) -> np.ndarray:
    """Number of live cross-boundary ties per practitioner [N]."""
    cross = ties.cross_index()
    return np.bincount(ties.u[cross], minlength=n) + np.bincount(ties.v[cross], minlength=n)


class TieDynamics:
    """Weekly tie change, with the usual state of the place it keeps in balance.

    Args:
        pop: the practitioners.
        ties: their ties at the start.
        n: network parameters.
    """

    def __init__(self, pop: Population, ties: TieTable, n: NetworkParameters) -> None:
        self.pop, self.ties, self.n = pop, ties, n
        self.usual_degree = cross_degree(ties, pop.size)  # a post's usual contacts
        self.spanning = spans(pop)
        self.usual_activity: np.ndarray | None = None  # [L] share active in week 0
        self.staff = np.maximum(np.bincount(pop.locality, minlength=len(pop.locality_names)), 1)

    def step(
        self,
        performed: np.ndarray,
        exposure: Exposure,
        rng: np.random.Generator,
        replacement_rng: np.random.Generator,
    ) -> None:
        """One week of trust change, tie loss, replacement and new ties (rates per week)."""
        t, n, pop = self.ties, self.n, self.pop
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
        ru, rv = self._replace(replacement_rng)
        # Co-located staff and champions, and joint work above the usual, make new contacts.
        activity = np.bincount(pop.locality, weights=active, minlength=self.staff.size)
        activity = activity / self.staff
        if self.usual_activity is None:
            self.usual_activity = activity
        extra = np.maximum(activity - self.usual_activity, 0.0) / np.maximum(activity, 1e-12)
        rate = (
            n.tie_formation
            + n.colocation_tie_formation * primitives.brokering(exposure)
            + n.joint_work_tie_formation * active * extra[pop.locality]
        )
        forms = rng.random(pop.size) < np.minimum(rate, 1.0)
        u, v = cross_boundary_candidates(pop, forms.astype(np.int64), rng)
        # One addition for replaced and new contacts: each addition copies the tie arrays.
        t.add(np.concatenate([ru, u]), np.concatenate([rv, v]), n.initial_trust, CROSS)

    def _replace(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Practitioners short of their usual contacts pair up with others who are short;
        returns the new pairs (u, v), added with the week's other new ties."""
        pop, n = self.pop, self.n
        short = np.maximum(self.usual_degree - cross_degree(self.ties, pop.size), 0)
        looking = rng.random(pop.size) < np.minimum(n.tie_replacement * short, 1.0)
        src = np.flatnonzero(looking)
        if src.size == 0:
            return src, src
        pool = np.flatnonzero(short > 0)
        away = self.spanning[src] & (rng.random(src.size) < n.cross_locality_share)
        # Partners at home: a random short practitioner of the same locality.
        order = pool[np.argsort(pop.locality[pool], kind="stable")]
        sizes = np.bincount(pop.locality[order], minlength=self.staff.size)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        home = src[~away]
        loc = pop.locality[home]
        pick = starts[loc] + np.floor(rng.random(home.size) * sizes[loc]).astype(np.int64)
        ok = sizes[loc] > 0
        hu, hv = home[ok], order[np.minimum(pick[ok], max(order.size - 1, 0))]
        keep = pop.organisation[hu] != pop.organisation[hv]
        # Partners away: any short practitioner of another organisation and locality.
        au = src[away]
        av = pool[np.floor(rng.random(au.size) * pool.size).astype(np.int64)]
        keep_away = (pop.locality[au] != pop.locality[av]) & (
            pop.organisation[au] != pop.organisation[av]
        )
        u = np.concatenate([hu[keep], au[keep_away]])
        v = np.concatenate([hv[keep], av[keep_away]])
        return u, v
