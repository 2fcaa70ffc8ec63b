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


@dataclass
class Context:
    """What the practitioners' week needs besides their own state."""

    ties: TieTable
    rule: rules.Rule
    leadership_change: np.ndarray  # [O] leadership minus its baseline
    fatigue: np.ndarray  # [L] initiatives' weight per locality
    reference_peers: float | None = None  # usual peer behaviour (set in week 0)


def start_in_equilibrium(
    scenario: Scenario,
    pop: Population,
    ties: TieTable,
    rule: rules.Rule,
    leave_probability: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Give practitioners the habits of their usual context, and a plausible "last week"
    so social influence in week 0 is not zero."""
    o, bp = scenario.parameters.opportunity, scenario.parameters.behaviour
    if bp.initial_habit != "stationary":
        return
    usual = np.full(pop.size, np.clip(o.base - o.pressure * scenario.drivers.seasonal.base, 0, 1))
    pop.habit[:], weekly = rules.stationary_habit(
        rule,
        pop.capability,
        usual,
        pop.motivation,
        pop.eligible,
        bp.habit_gain,
        bp.habit_decay,
        bp.noise,
        degree=ties.degree(),
        leave=leave_probability,
    )
    pop.performed = pop.eligible & (rng.random(weekly.shape) < weekly)


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
    share = rules.social_share(ctx.ties, previous, params.network.mixing)
    counts = (
        rules.neighbour_counts(ctx.ties, previous, ctx.rule.threshold_columns)
        if ctx.rule.uses_counts
        else None
    )
    champion = exposure.champion
    if champion.any():  # champions are kept capable and motivated while active
        pop.motivation[champion] = np.maximum(pop.motivation[champion], 0.9)
        pop.capability[champion] = np.maximum(pop.capability[champion], 0.9)
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
    peers = share.mean(axis=1) if share.size else np.zeros(pop.size)
    if ctx.reference_peers is None:  # motivation responds to change from the usual
        ctx.reference_peers = float(peers.mean())
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
    pop.performed = performed
    pop.ever |= performed
    return encountered, performed


def see_cases(pop: Population, cases: WeekOfCases, first_week: bool) -> None:
    """Seen benefit: an exponentially weighted share of one's own cases that went well.

    In the first week it starts at the usual share integrated, which is also the
    reference motivation responds to and where a joiner's expectation starts.
    """
    if first_week:
        total = cases.cases.sum()
        pop.base_benefit[:] = float(cases.integrated.sum() / total) if total else 0.0
        pop.benefit[:] = pop.base_benefit
    if cases.seen_rows.size:
        hits = np.bincount(cases.seen_rows, minlength=pop.size)
        good = np.bincount(cases.seen_rows, weights=cases.seen_integrated, minlength=pop.size)
        seen = hits > 0
        pop.benefit[seen] += SEEN_BENEFIT_RATE * (good[seen] / hits[seen] - pop.benefit[seen])
