"""Starting a place in its long-run state: habits, capability and trust at the levels
business as usual keeps them at, so an untouched place does not drift.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import stats

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import behaviour as rules
from integration_sim.engine.network import WITHIN, TieTable
from integration_sim.engine.numpy_sums import pairwise_sum
from integration_sim.engine.state import Population

SETTLING_ROUNDS = 3  # habit and capability solved in turn: each depends on the other


def start_in_equilibrium(
    scenario: Scenario,
    pop: Population,
    ties: TieTable,
    rule: rules.Rule,
    leave_probability: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray | None:
    """Give practitioners the habits of their usual context, and a plausible "last week"
    so social influence in week 0 is not zero. Returns the usual weekly chance of
    performing [N, B] (None when habits start at zero)."""
    o, bp = scenario.parameters.opportunity, scenario.parameters.behaviour
    if bp.initial_habit != "stationary":
        return None
    pp = scenario.parameters.practitioners
    usual = np.full(pop.size, np.clip(o.base - o.pressure * scenario.drivers.seasonal.base, 0, 1))
    degree = ties.degree()
    for _ in range(SETTLING_ROUNDS):
        pop.habit[:], weekly = stationary_habit(
            rule,
            pop.capability,
            usual,
            pop.motivation,
            pop.eligible,
            bp.habit_gain,
            bp.habit_decay,
            bp.noise,
            degree=degree,
            leave=leave_probability,
        )
        pop.capability[:] = stationary_capability(
            pop.base_capability, weekly, pp.learning_by_doing, pp.capability_fade, leave_probability
        )
    pop.performed = pop.eligible & (rng.random(weekly.shape) < weekly)
    return weekly


def stationary_capability(
    base: np.ndarray, weekly: np.ndarray, learning: float, fade: float, leave: np.ndarray
) -> np.ndarray:
    """Long-run capability [N, B] of a post whose holder performs with weekly chance ``weekly``.

    Performing closes ``learning`` of the gap to 1, not performing loses ``fade`` of
    the gain over the baseline, and a leaver's post returns to the baseline (chance
    ``leave``): gain share = q m / (q m + (1 - q) f + l) of the gap (1 - baseline).
    """
    up = weekly * learning
    denom = up + (1.0 - weekly) * fade + leave[:, None]
    share = np.where(denom > 0, up / np.maximum(denom, 1e-12), 0.0)
    return base + share * (1.0 - base)


def stationary_habit(
    rule: rules.Rule,
    capability: np.ndarray,
    opportunity: np.ndarray,
    motivation: np.ndarray,
    eligible: np.ndarray,
    gain: float,
    decay: float,
    noise: float,
    degree: np.ndarray | None = None,
    leave: np.ndarray | None = None,
    iterations: int = 30,
) -> tuple[np.ndarray, np.ndarray]:
    """Habit each practitioner would hold after a long spell in the starting context [N, B],
    and the weekly chance of performing that goes with it [N, B].

    Solves H = q*g / (q*g + (1 - q)*d) (with turnover, see below) by fixed-point iteration, where q is the
    weekly chance of performing (encounter rate times the rule's probability
    at habit H, with the population's mean performance as social share). Starting
    from this state keeps an untouched place near equilibrium instead of drifting
    upward while habits form from zero. For threshold contagion, the rule is
    averaged over the chance that at least ``threshold`` of a practitioner's
    ``degree`` neighbours perform (binomial with the mean weekly chance).
    """
    n, nb = capability.shape
    habit = np.zeros((n, nb))
    share = np.zeros(nb)  # the social share is the same for everyone
    threshold = rule.contagion == rules.THRESHOLD
    reinforce = degree is not None and bool(threshold.any())
    tail = (
        DegreeTail(rule.threshold, *np.unique(degree, return_inverse=True)) if reinforce else None
    )
    stay = 1.0 - (np.zeros(n) if leave is None else leave)  # chance a post keeps its holder
    settle = (
        (*rule.coefficients(), rule.contagion, rule.threshold, rule.encounter_rate),
        (np.asarray(capability, float), _rows(opportunity, n), _rows(motivation, n)),
        (eligible, stay, float(gain), float(decay), float(noise)),
    )
    for _ in range(iterations):
        # Threshold contagion: the chance at least ``threshold`` neighbours perform (scipy's
        # binomial tail; none needed otherwise).
        chance = tail.at_least(share) if tail is not None else np.zeros((0, 0))
        habit, q, share = _settle_round(*settle, habit, share, chance)
    return np.where(eligible, habit, 0.0), q


def _rows(x, n: int) -> np.ndarray:
    """``x`` (a scalar or [N]) as a float vector [N]."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), (n,)))


@numba.njit(cache=True)
def _settle_round(rule, person, settings, habit, share, chance):
    """One round of ``stationary_habit``: the weekly chance of performing q [N, B] at these
    habits and this social share [B], the habits it sustains, and the mean q of the
    eligible as the next share; each value computed as the array code it replaced did."""
    b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold, rate = rule
    capability, opportunity, motivation = person
    eligible, stay, gain, decay, noise = settings
    n, nb = capability.shape
    shared = np.empty((n, nb))
    for i in range(n):
        shared[i, :] = share
    rule_at = (b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold)
    everyone = np.ones((n, nb), np.bool_)
    p = rules._perform_probability(
        *rule_at, capability, opportunity, motivation, habit, shared, np.zeros((0, 0)), False,
        noise, everyone,
    )  # fmt: skip
    if chance.size:  # with at least ``threshold`` performing neighbours (those columns only)
        columns = np.empty((n, nb), np.bool_)
        for i in range(n):
            for b in range(nb):
                columns[i, b] = contagion[b] == rules.THRESHOLD
        reinforced = rules._perform_probability(
            *rule_at, capability, opportunity, motivation, habit, shared,
            np.full((n, nb), np.inf), True, noise, columns,
        )  # fmt: skip
    q, settled = np.zeros((n, nb)), np.empty((n, nb))
    for i in range(n):
        for b in range(nb):
            pb = p[i, b]
            if chance.size and contagion[b] == rules.THRESHOLD:
                pb = chance[i, b] * reinforced[i, b] + (1 - chance[i, b]) * pb
            if eligible[i, b]:
                q[i, b] = rate[b] * pb
            # With weekly leaving chance l a post's habit also resets to 0:
            # H = (1 - l) q g / (l + (1 - l)(q g + (1 - q) d)).
            s, qb = stay[i], q[i, b]
            denom = (1 - s) + s * (qb * gain + (1.0 - qb) * decay)
            settled[i, b] = s * qb * gain / (denom if not denom < 1e-12 else 1e-12)
    return settled, q, _eligible_mean(q, eligible)


@numba.njit(cache=True)
def _eligible_mean(q, eligible):
    """Sum of each column of q over the eligible count (at least 1), summed as NumPy sums
    axis 0: row after row, or pairwise when there is one column (a contiguous vector)."""
    n, nb = q.shape
    total = np.zeros(nb)
    if nb == 1:
        total[0] = pairwise_sum(q[:, 0], 0, n)
    else:
        for i in range(n):
            for b in range(nb):
                total[b] += q[i, b]
    out = np.empty(nb)
    for b in range(nb):
        count = 0
        for i in range(n):
            count += eligible[i, b]
        out[b] = total[b] / max(count, 1)
    return out


def _at_least_chance(
    threshold: np.ndarray, degrees: np.ndarray, degree_class: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """Chance [N, B] that at least ``threshold`` [B] of a practitioner's neighbours perform,
    each with chance ``share`` [B]. ``degrees`` are the distinct degrees and ``degree_class``
    [N] each practitioner's index into them: the binomial tail (scipy's, with its checks:
    the reference, and the path for shares outside [0, 1]) is computed once per distinct
    degree, the same values it gives per practitioner."""
    return stats.binom.sf(threshold - 1, degrees[:, None], share)[degree_class]


class DegreeTail:
    """``_at_least_chance`` for one place, whose thresholds and degrees do not change
    between the start's rounds: what depends only on them (which entries are inside the
    support, their k and n, the values outside it) is found once, so a round is one call
    of scipy's tail on the entries inside (element by element: the same values as over
    the whole table) instead of ``scipy.stats.binom.sf``'s argument handling, which
    added up to a fifth of a small calibration run's CPU (90 calls per model)."""

    def __init__(self, threshold: np.ndarray, degrees: np.ndarray, degree_class: np.ndarray):
        self.args = (threshold, degrees, degree_class)
        k, n = np.asarray(threshold - 1), degrees[:, None]
        self.shape = np.broadcast_shapes(k.shape, n.shape)
        self.valid = bool(((n >= 0) & (n == np.floor(n)) & ~np.isnan(k)).all())
        inside = np.broadcast_to((k >= 0) & (k < n), self.shape)
        self.k, self.n = (np.broadcast_to(x, self.shape)[inside] for x in (k, n))
        self.at = np.flatnonzero(inside)  # the entries inside, and their behaviour's column
        self.column = np.nonzero(inside)[-1]
        self.outside = np.ascontiguousarray(np.broadcast_to(np.where(k < 0, 1.0, 0.0), self.shape))

    def at_least(self, share: np.ndarray) -> np.ndarray:
        """Chance [N, B] that at least the threshold of each practitioner's neighbours
        perform, each with chance ``share`` [B] (``_at_least_chance``'s values)."""
        if not (self.valid and _in_unit(share)):  # scipy's NaNs: the checked path
            return _at_least_chance(*self.args, share)
        with np.errstate(all="ignore"):
            inside = stats.binom._sf(self.k, self.n, share[self.column])
        return _tail_rows(self.outside, self.at, inside, self.args[2])


@numba.njit(cache=True)
def _tail_rows(outside, at, inside, degree_class):
    """The tail [N, B]: the table by degree [D, B] (``outside``, with the values ``inside``
    clipped to [0, 1] as ``np.clip`` does, NaN kept, put at the flat positions ``at``),
    one row per practitioner by ``degree_class`` [N]."""
    table = outside.copy()
    flat = table.reshape(-1)
    for j in range(at.size):
        v = inside[j]
        if not np.isnan(v):  # np.clip: max with the lower bound, then min with the upper
            v = v if v >= 0.0 else 0.0
            v = v if v <= 1.0 else 1.0
        flat[at[j]] = v
    out = np.empty((degree_class.size, table.shape[1]))
    for i in range(degree_class.size):
        out[i] = table[degree_class[i]]
    return out


@numba.njit(cache=True)
def _in_unit(p):
    """True if every value of ``p`` is in [0, 1] (False for NaN)."""
    inside = True
    for x in p:
        inside = inside and 0.0 <= x <= 1.0
    return inside


def settle_trust(
    ties: TieTable,
    weekly: np.ndarray,
    leave: np.ndarray,
    n: NetworkParameters,
    rng: np.random.Generator,
) -> None:
    """Start each tie at its long-run trust, so business as usual does not drift.

    ``weekly`` [N, B] is each practitioner's usual weekly chance of performing each
    behaviour and ``leave`` [N] the weekly chance of leaving. A cross-boundary tie
    grows in weeks both ends are active (chance a_u a_v) and decays otherwise:
    long-run trust g q / (g q + d (1 - q)). A tie whose ends rarely work together
    (long-run trust under twice the loss threshold) only decays from ``initial_trust``
    until it is lost and replaced, so it starts at a random point of that life. A team tie grows every week and goes
    back to ``team_trust`` when either end leaves (chance l): 1 - (1 - t0) l / (l + g (1 - l)).
    """
    active = 1.0 - np.prod(1.0 - weekly, axis=1)
    g, d = n.trust_growth, n.trust_decay
    cross = ties.cross_index()
    q = active[ties.u[cross]] * active[ties.v[cross]]
    denom = g * q + d * (1.0 - q)
    settled = np.where(denom > 0, g * q / np.maximum(denom, 1e-12), ties.trust[cross])
    if 0 < d < 1 and 0 < n.tie_loss_trust < n.initial_trust:
        life = np.log(n.tie_loss_trust / n.initial_trust) / np.log(1.0 - d)  # weeks
        renewal = n.initial_trust * (1.0 - d) ** (rng.random(cross.size) * life)
        settled = np.where(settled < 2 * n.tie_loss_trust, renewal, settled)
    ties.trust[cross] = np.maximum(settled, n.tie_loss_trust)
    team = np.flatnonzero(ties.layer == WITHIN)
    lv = 1.0 - (1.0 - leave[ties.u[team]]) * (1.0 - leave[ties.v[team]])
    denom = lv + g * (1.0 - lv)
    gap = (1.0 - n.team_trust) * np.where(denom > 0, lv / np.maximum(denom, 1e-12), 1.0)
    ties.trust[team] = 1.0 - gap
