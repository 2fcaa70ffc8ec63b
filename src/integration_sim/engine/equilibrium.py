"""Starting a place in its long-run state: habits, capability and trust at the levels
business as usual keeps them at, so an untouched place does not drift.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import behaviour as rules
from integration_sim.engine.network import WITHIN, TieTable
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
    habit = np.zeros_like(capability)
    share_b = np.zeros(capability.shape[1])  # the social share is the same for everyone
    threshold = rule.contagion == rules.THRESHOLD
    classes = np.unique(degree, return_inverse=True) if degree is not None else None
    for _ in range(iterations):
        share = np.broadcast_to(share_b, capability.shape)
        p = rules.perform_probability(
            rule, capability, opportunity, motivation, habit, share, None, noise
        )
        if classes is not None and threshold.any():
            reinforced = rules.perform_probability(
                rule,
                capability,
                opportunity,
                motivation,
                habit,
                share,
                np.full_like(share, np.inf),
                noise,
            )
            chance = _at_least_chance(rule.threshold, *classes, share_b)
            p = np.where(threshold, chance * reinforced + (1 - chance) * p, p)
        q = np.where(eligible, rule.encounter_rate * p, 0.0)
        # With weekly leaving chance l a post's habit also resets to 0:
        # H = (1 - l) q g / (l + (1 - l)(q g + (1 - q) d)).
        stay = 1.0 - (0.0 if leave is None else leave[:, None])
        habit = (
            stay * q * gain / np.maximum((1 - stay) + stay * (q * gain + (1.0 - q) * decay), 1e-12)
        )
        share_b = q.sum(axis=0) / np.maximum(eligible.sum(axis=0), 1)
    return np.where(eligible, habit, 0.0), q


def _at_least_chance(
    threshold: np.ndarray, degrees: np.ndarray, degree_class: np.ndarray, share: np.ndarray
) -> np.ndarray:
    """Chance [N, B] that at least ``threshold`` [B] of a practitioner's neighbours perform,
    each with chance ``share`` [B]. ``degrees`` are the distinct degrees and ``degree_class``
    [N] each practitioner's index into them: the binomial tail (a slow scipy call) is
    computed once per distinct degree, the same values it gives per practitioner."""
    return stats.binom.sf(threshold - 1, degrees[:, None], share)[degree_class]


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
