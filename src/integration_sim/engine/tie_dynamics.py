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

import numba
import numpy as np

from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import primitives
from integration_sim.engine.draws import address, uniforms
from integration_sim.engine.network import CROSS, LOST, WITHIN, TieTable, locality_index
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

    A week is one compiled call of two passes, with the draws whose number depends on the
    first made between them: trust, losses, who looks for a replacement and who makes a
    new contact; then the partners. Draws, their order and the order of operations are
    those of the array code this replaced, so results are bit-identical.
    """

    def __init__(self, pop: Population, ties: TieTable, n: NetworkParameters) -> None:
        self.pop, self.ties, self.n = pop, ties, n
        self.usual_degree = cross_degree(ties, pop.size)  # a post's usual contacts
        self.spanning = spans(pop)
        n_loc = len(pop.locality_names)
        self.usual_activity = np.zeros(n_loc)  # [L] share active in week 0
        self.weeks = 0
        self.staff = np.maximum(np.bincount(pop.locality, minlength=n_loc), 1)
        self.by_locality = locality_index(pop)  # rows sorted by locality, starts, sizes
        self.rates = np.array(
            [
                n.trust_growth,
                n.trust_decay,
                n.tie_loss_trust,
                n.tie_replacement,
                n.tie_formation,
                n.colocation_tie_formation,
                n.joint_work_tie_formation,
                n.cross_locality_share,
            ],
            dtype=float,
        )

    def step(
        self,
        performed: np.ndarray,
        exposure: Exposure,
        rng: np.random.Generator,
        replacement_rng: np.random.Generator,
    ) -> None:
        """One week of trust change, tie loss, replacement and new ties (rates per week)."""
        t, pop = self.ties, self.pop
        lost, u, v = _tie_week(
            (address(replacement_rng), address(rng)),
            (t.u, t.v, t.trust, t.layer, t.cross_ties()),
            (performed, primitives.shared_base(exposure), primitives.brokering(exposure)),
            (self.usual_degree, self.usual_activity, self.weeks == 0, self.staff, pop.locality),
            self.rates,
            (self.spanning, *self.by_locality, pop.organisation),
        )
        t.lost_in_place(lost)
        self.weeks += 1
        # One addition for replaced and new contacts: each addition copies the tie arrays.
        t.add(u, v, self.n.initial_trust, CROSS)


@numba.njit(cache=True)
def _tie_week(streams, ties, behaviour, usual, rates, place):
    """The week's two passes and their draws, in one call: who looks for a replacement
    (``streams[0]``, the replacement stream) and who makes a new contact (``streams[1]``),
    trust and losses, then whether each looks away and the partners at home and away
    (replacement stream) and the new contacts' partners; the draws and their order are
    those of the passes with NumPy's draws between them. Returns (lost, u, v)."""
    replacing, forming = streams
    n = behaviour[0].shape[0]
    looking, chance = uniforms(replacing, n), uniforms(forming, n)
    lost, src, pool, formers = _change_and_look(ties, behaviour, usual, rates, looking, chance)
    partners = uniforms(replacing, 2 * src.size)
    draws_forming = uniforms(forming, formers.size)
    spanning, order, starts, sizes, organisation = place
    u, v = _partners(
        (src, pool, partners, spanning, rates[7]),
        (formers, draws_forming, order, starts, sizes),
        (usual[4], organisation, usual[3].size),
    )
    return lost, u, v


@numba.njit(cache=True)
def _change_and_look(ties, behaviour, usual, rates, looking, forming):
    """Trust growth and decay, loss of weak cross-boundary ties (in place; returns how
    many), then who looks for a replacement contact (rows), the practitioners short of
    contacts (rows) and who makes a new contact (rows)."""
    performed, based, brokering = behaviour
    usual_degree, usual_activity, first, staff, locality = usual
    n = performed.shape[0]
    active = np.empty(n, np.bool_)
    activity = np.zeros(staff.size, np.int64)  # active staff (whole numbers: exact)
    for i in range(n):
        act = False
        for b in range(performed.shape[1]):
            act |= performed[i, b]
        active[i] = act
        activity[locality[i]] += act
    still = rates[0] == 0.0 and rates[1] == 0.0  # no growth or decay: trust stays
    lost, degree = _trust_and_loss(ties, active, based, rates[0], rates[1], rates[2], still)
    activity = activity / staff
    if first:
        usual_activity[:] = activity
    extra = np.maximum(activity - usual_activity, 0.0) / np.maximum(activity, 1e-12)
    # Co-located staff and champions, and joint work above the usual, make new contacts.
    src, pool, forms = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    n_src = n_pool = n_forms = 0
    for i in range(n):
        short = max(usual_degree[i] - degree[i], 0)
        if looking[i] < min(rates[3] * short, 1.0):
            src[n_src] = i
            n_src += 1
        if short > 0:
            pool[n_pool] = i
            n_pool += 1
        rate = rates[4] + rates[5] * brokering[i]
        rate = rate + (rates[6] * (1.0 if active[i] else 0.0)) * extra[locality[i]]
        if forming[i] < min(rate, 1.0):
            forms[n_forms] = i
            n_forms += 1
    return lost, src[:n_src], pool[:n_pool], forms[:n_forms]


@numba.njit(cache=True)
def _trust_and_loss(ties, active, based, growth, decay, loss, still):
    """Trust growth and decay of every tie, loss of weak cross-boundary ties (in place):
    how many were lost, and each practitioner's live cross-boundary ties [N].

    Teams work together every week; cross-boundary ties interact through joint work
    (both active) or a shared base (both reached). Lost ties stay at 0. Each tie's new
    trust depends only on its own, so teams and lost ties are changed in one loop and the
    ties that may be cross-boundary (``TieTable.cross_ties``) in another; when trust
    cannot change (``still``: no growth or decay; adding 0.0 or -0.0 leaves every trust
    as it was, as no trust is -0.0: the schema's shares never are) only the latter runs."""
    u, v, trust, layer, maybe_cross = ties
    degree = np.zeros(active.size, np.int64)
    lost = 0
    if not still:
        # Teams and lost ties first, in a loop without branches (it vectorises): a
        # cross-boundary tie's trust is written back as it was, and changed below.
        for e in range(u.size):
            t, kind = trust[e], layer[e]
            change = growth * (1.0 - t) if kind == WITHIN else -decay * t
            trust[e] = t if kind == CROSS else t + change
    for e in maybe_cross:
        if layer[e] == CROSS:
            a, z, t = u[e], v[e], trust[e]
            grow = (active[a] and active[z]) or (based[a] and based[z])
            t += growth * (1.0 - t) if grow else -decay * t
            if t < loss:
                layer[e], trust[e] = LOST, 0.0
                lost += 1
            else:
                trust[e] = t
                degree[a] += 1
                degree[z] += 1
    return lost, degree


@numba.njit(cache=True)
def _partners(replacing, forming, place):
    """New cross-boundary pairs (u, v): replacements (home, then away), then new contacts.

    A practitioner short of contacts pairs with another who is short: at home a random
    one of the same locality, away (staff of spanning organisations, a share
    ``cross_locality_share``) any, kept when of another organisation (and, away, another
    locality). A new contact is a random practitioner of the same locality, kept when
    of another organisation."""
    src, pool, draws, spanning, away_share = replacing
    formers, draws_forming, order, starts, sizes = forming
    locality, organisation, n_loc = place
    m = src.size
    away = np.zeros(m, np.bool_)
    for q in range(m):
        away[q] = spanning[src[q]] and draws[q] < away_share
    # Partners at home: a random short practitioner of the same locality.
    short_order = pool[np.argsort(locality[pool], kind="mergesort")]
    short_sizes = np.zeros(n_loc, np.int64)
    for r in short_order:
        short_sizes[locality[r]] += 1
    short_starts = np.zeros(n_loc, np.int64)
    short_starts[1:] = np.cumsum(short_sizes)[:-1]
    out_u = np.empty(m + formers.size, np.int64)
    out_v = np.empty(m + formers.size, np.int64)
    k, d = 0, m
    for q in range(m):
        if away[q]:
            continue
        a = src[q]
        size = short_sizes[locality[a]]
        pick = short_starts[locality[a]] + np.int64(np.floor(draws[d] * size))
        d += 1
        if size > 0:
            z = short_order[min(pick, max(short_order.size - 1, 0))]
            if organisation[a] != organisation[z]:
                out_u[k], out_v[k] = a, z
                k += 1
    # Partners away: any short practitioner of another organisation and locality.
    for q in range(m):
        if not away[q]:
            continue
        a = src[q]
        z = pool[np.int64(np.floor(draws[d] * pool.size))]
        d += 1
        if locality[a] != locality[z] and organisation[a] != organisation[z]:
            out_u[k], out_v[k] = a, z
            k += 1
    # New contacts (``network.cross_boundary_candidates``, one each).
    for q in range(formers.size):
        a = formers[q]
        loc = locality[a]
        z = order[starts[loc] + np.int64(np.floor(draws_forming[q] * sizes[loc]))]
        if organisation[a] != organisation[z]:
            out_u[k], out_v[k] = a, z
            k += 1
    return out_u[:k], out_v[:k]
