"""Practitioners' week: opportunity from context, the behaviour rule, and how habit,
capability, motivation and seen benefit move (the vectorised kernels are in behaviour.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine import behaviour as rules
from integration_sim.engine import primitives
from integration_sim.engine.cases import WeekOfCases
from integration_sim.engine.network import TieTable
from integration_sim.engine.primitives import Exposure
from integration_sim.engine.state import Population

SEEN_BENEFIT_RATE = 0.2  # weight of this week's own cases in seen benefit (about a 5-week memory)
# The usual levels motivation responds to (peers, seen benefit) are learned per
# organisation type over the first year, so that they include a winter.
REFERENCE_WEEKS = 52


@dataclass
class Context:
    """What the practitioners' week needs besides their own state."""

    ties: TieTable
    rule: rules.Rule
    leadership_change: np.ndarray  # [O] leadership minus its baseline
    fatigue: np.ndarray  # [L] initiatives' weight per locality
    reference_peers: np.ndarray | None = None  # usual peer behaviour per organisation type [N]
    peers_sum: np.ndarray | None = None  # [T] sum of weekly mean peer behaviour (first year)
    weeks_seen: int = 0


def by_type(pop: Population, values: np.ndarray) -> np.ndarray:
    """Mean of ``values`` [N] over each organisation type, spread back to rows [N].

    References that motivation responds to are kept per organisation type, because
    types see different cases and peers: a single place-wide reference would make
    each type's motivation drift towards its own level in business as usual.
    """
    n_types = len(pop.type_names)
    total = np.bincount(pop.organisation_type, weights=values, minlength=n_types)
    count = np.maximum(np.bincount(pop.organisation_type, minlength=n_types), 1)
    return (total / count)[pop.organisation_type]


def opportunity(
    scenario: Scenario, pop: Population, exposure: Exposure, pooling: np.ndarray, pressure: float
) -> np.ndarray:
    """Opportunity (0-1) of each practitioner from context this week.

    ``pooling`` is each organisation's pooling state (0/1) [O].
    """
    o = scenario.parameters.opportunity
    value = primitives.opportunity_lift(exposure, o, pooling[pop.organisation], o.base)
    return np.clip(value - o.pressure * pressure, 0.0, 1.0)


def step_behaviour(
    scenario: Scenario,
    pop: Population,
    ctx: Context,
    opportunity: np.ndarray,
    exposure: Exposure,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide this week's behaviour and update habit, capability and motivation.

    Returns (encountered, performed), both bool [N, B].
    """
    params = scenario.parameters
    bp, pp = params.behaviour, params.practitioners
    previous = pop.performed
    share, counts = rules.social_signals(  # one pass over the ties for both
        ctx.ties,
        previous,
        params.network.mixing,
        ctx.rule.threshold_columns if ctx.rule.uses_counts else None,
    )
    keep_champions_ready(pop, exposure.champion)
    p = rules.perform_probability(
        ctx.rule, pop.capability, opportunity, pop.motivation, pop.habit, share, counts, bp.noise
    )
    encountered, performed = rules.perform(ctx.rule, pop.eligible, p, rng)
    rules.update_habit(pop.habit, performed, pop.eligible, bp.habit_gain, bp.habit_decay)
    rules.update_capability(
        pop.capability,
        performed,
        pp.learning_by_doing,
        primitives.training(exposure),
        pp.training_rate,
    )
    if pp.capability_fade > 0:  # unused skills fade back towards the post's baseline
        idle = ~performed
        pop.capability[idle] -= pp.capability_fade * (
            pop.capability[idle] - pop.base_capability[idle]
        ).clip(min=0.0)
    peers = share.mean(axis=1) if share.size else np.zeros(pop.size)
    if ctx.weeks_seen < REFERENCE_WEEKS:  # motivation responds to change from the usual
        this_week = by_type(pop, peers)
        ctx.peers_sum = this_week if ctx.peers_sum is None else ctx.peers_sum + this_week
        ctx.weeks_seen += 1
        ctx.reference_peers = ctx.peers_sum / ctx.weeks_seen
    rules.update_motivation(
        pop.motivation,
        pop.base_motivation,
        ctx.leadership_change[pop.organisation],
        peers - ctx.reference_peers,
        pop.benefit - pop.base_benefit,
        pp.fatigue_per_initiative * ctx.fatigue[pop.locality],
        (pp.leadership_weight, pp.peer_weight, pp.benefit_weight),
        pp.motivation_rate,
    )
    # Kept apart from what is returned: turnover resets leavers' rows of pop.performed
    # later this week, and the week's records must show what was decided.
    pop.performed = performed.copy()
    pop.ever |= performed
    return encountered, performed


def keep_champions_ready(pop: Population, champion: np.ndarray) -> None:
    """Champions (bool [N]) are kept capable and motivated (at least 0.9) while active."""
    if champion.any():
        pop.motivation[champion] = np.maximum(pop.motivation[champion], 0.9)
        pop.capability[champion] = np.maximum(pop.capability[champion], 0.9)


def see_cases(pop: Population, cases: WeekOfCases, week: int, usual: np.ndarray) -> None:
    """Seen benefit: an exponentially weighted share of one's own cases that went well.

    Its reference (what motivation responds to, and where a joiner's expectation
    starts) is the usual share integrated among the cases practitioners of the same
    organisation type saw over the first ``REFERENCE_WEEKS`` weeks (so far): types see
    different cases, so one place-wide reference would make motivation drift by type.
    ``usual`` [2, T] accumulates those cases (integrated, seen) across calls.
    """
    hits = np.bincount(cases.seen_rows, minlength=pop.size).astype(float)
    good = np.bincount(cases.seen_rows, weights=cases.seen_integrated, minlength=pop.size)
    if week < REFERENCE_WEEKS:
        n_types = usual.shape[1]
        usual[0] += np.bincount(pop.organisation_type, weights=good, minlength=n_types)
        usual[1] += np.bincount(pop.organisation_type, weights=hits, minlength=n_types)
        total = cases.cases.sum()
        place = float(cases.integrated.sum() / total) if total else 0.0
        share = np.where(usual[1] > 0, usual[0] / np.maximum(usual[1], 1.0), place)
        pop.base_benefit[:] = share[pop.organisation_type]
        if week == 0:
            pop.benefit[:] = pop.base_benefit
    seen = hits > 0
    pop.benefit[seen] += SEEN_BENEFIT_RATE * (good[seen] / hits[seen] - pop.benefit[seen])
