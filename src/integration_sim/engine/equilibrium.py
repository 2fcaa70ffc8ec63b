"""Starting a place in its long-run state: habits, capability and trust at the levels
business as usual keeps them at, so an untouched place does not drift.
"""

from __future__ import annotations

import numba
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import behaviour as rules
from integration_sim.engine.neighbour_tail import DegreeTail, _degree_table
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
    rates = (bp.habit_gain, bp.habit_decay, bp.noise)
    balance = HabitBalance(
        rule, usual, pop.motivation, pop.eligible, rates, ties.degree(), leave_probability
    )
    for _ in range(SETTLING_ROUNDS):
        pop.habit[:], weekly = balance.solve(pop.capability)
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
    and the weekly chance of performing that goes with it [N, B] (``HabitBalance``)."""
    balance = HabitBalance(
        rule, opportunity, motivation, eligible, (gain, decay, noise), degree, leave
    )
    return balance.solve(capability, iterations)


class HabitBalance:
    """The habits a place's starting context sustains, for any capability.

    Solves H = q*g / (q*g + (1 - q)*d) (with turnover, see ``_settle_round``) by
    fixed-point iteration, where q is the weekly chance of performing (encounter rate
    times the rule's probability at habit H, with the population's mean performance as
    social share). Starting from this state keeps an untouched place near equilibrium
    instead of drifting upward while habits form from zero. For threshold contagion, the
    rule is averaged over the chance that at least ``threshold`` of a practitioner's
    ``degree`` neighbours perform (binomial with the mean weekly chance).

    What does not change between the start's settling rounds (the rule, opportunity [N],
    motivation [N], eligibility [N, B], habit ``rates`` (gain, decay, noise), degree [N]
    and weekly leaving chance [N]) is prepared once; ``solve`` takes the capability.
    """

    def __init__(
        self,
        rule: rules.Rule,
        opportunity: np.ndarray,
        motivation: np.ndarray,
        eligible: np.ndarray,
        rates: tuple[float, float, float],
        degree: np.ndarray | None = None,
        leave: np.ndarray | None = None,
    ):
        n = eligible.shape[0]
        self.eligible = eligible
        self.tail = None
        if degree is not None and rule.uses_counts:
            self.tail = DegreeTail(rule.threshold, *np.unique(degree, return_inverse=True))
        stay = 1.0 - (np.zeros(n) if leave is None else leave)  # chance a post keeps its holder
        self.rule = (*rule.coefficients(), rule.contagion, rule.threshold, rule.encounter_rate)
        self.person = (_rows(opportunity, n), _rows(motivation, n))
        gain, decay, noise = (float(x) for x in rates)
        self.settings = (eligible, stay, gain, decay, noise, eligible.sum(axis=0))

    def solve(self, capability: np.ndarray, iterations: int = 30) -> tuple[np.ndarray, np.ndarray]:
        """Habit [N, B] (0 where not eligible) and weekly chance of performing [N, B] after
        ``iterations`` rounds from no habits and a share of 0, at ``capability`` [N, B]."""
        shape = self.eligible.shape
        habit, settled, q = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        share = np.zeros(shape[1])  # the social share is the same for everyone
        settle = (self.rule, (np.asarray(capability, float), *self.person), self.settings)
        if self.tail is None:  # no binomial tail (scipy) between rounds: all in one call
            habit = _settle_rounds(*settle, (habit, settled, q), share, iterations)
        else:
            with np.errstate(all="ignore"):  # scipy's tail, inside its support
                for _ in range(iterations):
                    share = _settle_round(
                        *settle, (habit, settled, q), share, self.tail.parts(share)
                    )
                    habit, settled = settled, habit
        return np.where(self.eligible, habit, 0.0), q


def _rows(x, n: int) -> np.ndarray:
    """``x`` (a scalar or [N]) as a float vector [N]."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=float), (n,)))


NO_TAIL = (np.zeros((0, 0)), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))


@numba.njit(cache=True)
def _settle_rounds(rule, person, settings, cells, share, iterations):
    """``iterations`` rounds without threshold reinforcement (``_settle_round``, the
    habits taking turns in ``cells``' two habit arrays); returns the habits after them."""
    habit, settled, q = cells
    for _ in range(iterations):
        share = _settle_round(rule, person, settings, (habit, settled, q), share, NO_TAIL)
        habit, settled = settled, habit
    return habit


@numba.njit(cache=True)
def _settle_round(rule, person, settings, cells, share, tail):
    """One round of ``stationary_habit``: at the habits ``cells[0]`` and this social share
    [B], the weekly chance of performing (into ``cells[2]``) and the habits it sustains
    (into ``cells[1]``), both [N, B] and written only where eligible (q stays 0 elsewhere
    and the habits there are not read); returns the mean q of the eligible, the next
    share. Each value is computed as the array code it replaced computed it
    (``behaviour._perform_probability`` cell by cell, then the settling formula), in one
    pass over the cells, the rule only where eligible. ``tail``: the parts of the chance
    that enough neighbours perform (``DegreeTail.parts``)."""
    b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold, rate = rule
    capability, opportunity, motivation = person
    eligible, stay, gain, decay, noise, counted = settings
    chance, degree_class = _degree_table(*tail[:3]), tail[3]
    linear = (b0, b_cap, b_opp, b_mot, b_hab)
    habit, settled, q = cells
    n, nb = capability.shape
    total = np.zeros(nb)
    # The social terms, products that are the same for every cell: the share's (logistic
    # contagion) and, for threshold contagion, the threshold reached (the array code
    # passed counts of +inf); without that, a threshold behaviour's rule has no social
    # term (``_perform_probability`` without counts).
    signal, boost = b_soc * share, np.empty(nb)
    reinforce = np.empty(nb, np.bool_)
    for b in range(nb):
        boost[b] = b_soc[b] * (1.0 if np.inf >= threshold[b] else 0.0)
        reinforce[b] = chance.size > 0 and contagion[b] == rules.THRESHOLD
    for i in range(n):
        for b in range(nb):
            if eligible[i, b]:
                z = rules.rule_logit(
                    linear, b, capability[i, b], habit[i, b], opportunity[i], motivation[i]
                )
                social = z + signal[b] if contagion[b] == rules.LOGISTIC else z
                pb = rules.rule_chance(social, contagion[b], b_soc[b], share[b], noise)
                if reinforce[b]:  # threshold contagion, reinforced by neighbours
                    reinforced = rules.rule_chance(
                        z + boost[b], contagion[b], b_soc[b], share[b], noise
                    )
                    c = chance[degree_class[i], b]
                    pb = c * reinforced + (1 - c) * pb
                qb = rate[b] * pb
                q[i, b] = qb
                # With weekly leaving chance l a post's habit also resets to 0:
                # H = (1 - l) q g / (l + (1 - l)(q g + (1 - q) d)).
                s = stay[i]
                denom = (1 - s) + s * (qb * gain + (1.0 - qb) * decay)
                settled[i, b] = s * qb * gain / (denom if not denom < 1e-12 else 1e-12)
                # NumPy's sum over axis 0 of [N, B > 1]: row after row (the zeros of the
                # cells not eligible add nothing to a sum that starts at +0.0)
                total[b] += qb
    if nb == 1:  # a contiguous vector: NumPy sums it pairwise
        total[0] = pairwise_sum(q[:, 0], 0, n)
    for b in range(nb):
        total[b] /= max(counted[b], 1)
    return total


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
