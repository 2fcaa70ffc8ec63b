"""Practitioners' week: opportunity from context, the behaviour rule, and how habit,
capability, motivation and seen benefit move (the vectorised kernels are in behaviour.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine import behaviour as rules
from integration_sim.engine import primitives
from integration_sim.engine.cases import WeekOfCases
from integration_sim.engine.network import TieTable
from integration_sim.engine.numpy_sums import row_mean
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
    n_types: int = 0  # organisation types (T)
    reference_peers: np.ndarray | None = None  # usual peer behaviour per organisation type [T]
    peers_sum: np.ndarray | None = None  # [T] sum of weekly mean peer behaviour (first year)
    weeks_seen: int = 0

    def __post_init__(self) -> None:
        self.reference_peers = np.zeros(self.n_types)
        self.peers_sum = np.zeros(self.n_types)
        self.counted = self.rule.threshold_columns if self.rule.uses_counts else None


def step_behaviour(
    scenario: Scenario,
    pop: Population,
    ctx: Context,
    exposure: Exposure,
    pooling: np.ndarray,
    pressure: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Decide this week's behaviour and update habit, capability and motivation.

    Opportunity comes from context: what the interventions add (``pooling`` [O] is each
    organisation's pooling state, 0/1) less seasonal ``pressure``. Champions are kept
    capable and motivated (at least 0.9) while active. Motivation responds to change
    from the usual peer behaviour, learned per organisation type over the first
    ``REFERENCE_WEEKS`` weeks. Returns (encountered, performed), both bool [N, B].
    Two compiled passes over the practitioners after the week's draws (two uniforms per
    cell, whatever the state, so streams stay aligned across strategies): the rule's
    probability is needed only where an encounter happens, so only there is it computed.
    """
    params = scenario.parameters
    bp, pp, o = params.behaviour, params.practitioners, params.opportunity
    rule = ctx.rule
    share, counts = rules.social_signals(  # one pass over the ties for both
        ctx.ties, pop.performed, params.network.mixing, ctx.counted
    )
    use_counts = counts is not None
    learning = ctx.weeks_seen < REFERENCE_WEEKS
    ctx.weeks_seen += learning
    draws = rng.random((2, *pop.eligible.shape))  # encounters, then performances
    probability, peers = _decide(
        (exposure.champion, pop.organisation, pop.organisation_type, pop.eligible),
        (draws[0], rule.encounter_rate),
        (*primitives.opportunity_channels(exposure, o), float(o.base)),
        (float(o.pressure * pressure), pooling),
        (*rule.coefficients(), rule.contagion, rule.threshold, float(bp.noise)),
        (pop.capability, pop.motivation, pop.habit),
        (share, counts if use_counts else np.zeros((0, 0)), use_counts),
        (ctx.peers_sum, ctx.reference_peers, learning, ctx.weeks_seen),
    )
    return _act_and_learn(
        (rule.encounter_rate, pop.eligible, probability, draws),
        (float(bp.habit_gain), float(bp.habit_decay), pop.habit),
        (pop.capability, pop.base_capability, primitives.training(exposure)),
        (float(pp.learning_by_doing), float(pp.training_rate), float(pp.capability_fade)),
        (pop.motivation, pop.base_motivation, ctx.leadership_change, pop.organisation),
        (peers, ctx.reference_peers, pop.organisation_type, pop.benefit, pop.base_benefit),
        (ctx.fatigue, float(pp.fatigue_per_initiative), pop.locality),
        (np.array([pp.leadership_weight, pp.peer_weight, pp.benefit_weight]), pp.motivation_rate),
        (pop.performed, pop.ever),
    )


@numba.njit(cache=True)
def _decide(rows, meeting, channels, week, rule, state, social, usual):
    """Champions kept ready, opportunity, the rule's probability [N, B] where an eligible
    practitioner has an encounter (``meeting``: its uniforms [N, B] and the encounter
    rates [B]; 0 elsewhere, never read), and the mean peer share [N]; in the first year,
    the usual peer share per type (in place)."""
    champion, organisation, otype, eligible = rows
    meet_draws, rate = meeting
    strengths, weights, pools, base = channels
    pressure, pooling = week
    b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold, noise = rule
    capability, motivation, habit = state
    share, counts, use_counts = social
    peers_sum, reference, learning, weeks = usual
    n, nb = capability.shape
    opportunity = np.empty(n)
    peers = np.empty(n)
    wanted = np.empty((n, nb), np.bool_)
    for i in range(n):
        for b in range(nb):
            wanted[i, b] = eligible[i, b] and meet_draws[i, b] < rate[b]
        if champion[i]:
            motivation[i] = max(motivation[i], 0.9)
            for b in range(nb):
                capability[i, b] = max(capability[i, b], 0.9)
        opp = base
        for k in range(weights.size):
            s = max(strengths[k, i], pooling[organisation[i]]) if pools[k] else strengths[k, i]
            opp = opp + weights[k] * s
        opportunity[i] = min(max(opp - pressure, 0.0), 1.0)
        peers[i] = row_mean(share, i)
    probability = rules._perform_probability(
        b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold,
        capability, opportunity, motivation, habit, share, counts, use_counts, noise,
        wanted,  # the rule matters only where a practitioner meets the chance to perform
    )  # fmt: skip
    if learning:  # the mean over each type this week, added up; the reference is their mean
        total = np.zeros(peers_sum.size)
        staff = np.zeros(peers_sum.size, np.int64)
        for i in range(n):
            total[otype[i]] += peers[i]
            staff[otype[i]] += 1
        for t in range(peers_sum.size):
            peers_sum[t] += total[t] / max(staff[t], 1)
            reference[t] = peers_sum[t] / weeks
    return probability, peers


@numba.njit(cache=True)
def _act_and_learn(draw, habits, skills, learn, motivate, social, tired, weights, memory):
    """Encounters and performances from the draws, then habit, capability (learning,
    training, fading when idle) and motivation, in place; returns (encountered, performed)
    and keeps the performances in ``memory`` (last week's behaviour, ever performed).
    One pass over the practitioners: each cell's steps are those of the array functions
    in ``behaviour`` (``perform``, ``update_habit``, ...), in the same order."""
    rate, eligible, probability, draws = draw
    gain, decay, habit = habits
    capability, base_capability, training = skills
    learning, training_rate, fade = learn
    motivation, base_motivation, leadership_change, organisation = motivate
    peers, reference, otype, benefit, base_benefit = social
    fatigue, fatigue_per_initiative, locality = tired
    w, motivation_rate = weights
    last, ever = memory
    n, nb = eligible.shape
    encountered = np.zeros((n, nb), np.bool_)
    performed = np.zeros((n, nb), np.bool_)
    for i in range(n):
        trained = training_rate * training[i]
        for b in range(nb):
            if eligible[i, b]:
                met = draws[0, i, b] < rate[b]
                did = met and draws[1, i, b] < probability[i, b]
                encountered[i, b], performed[i, b] = met, did
                habit[i, b] = rules.habit_after(habit[i, b], did, gain, decay)
            did = performed[i, b]
            c = rules.capability_after(capability[i, b], did, learning, trained)
            if fade > 0 and not did:  # unused skills fade towards the baseline
                c -= fade * max(c - base_capability[i, b], 0.0)
            capability[i, b] = c
            last[i, b] = did
            ever[i, b] = ever[i, b] or did
        motivation[i] = rules.motivation_after(
            motivation[i],
            base_motivation[i],
            leadership_change[organisation[i]],
            peers[i] - reference[otype[i]],
            benefit[i] - base_benefit[i],
            fatigue_per_initiative * fatigue[locality[i]],
            (w[0], w[1], w[2]),
            motivation_rate,
        )
    return encountered, performed


def see_cases(pop: Population, cases: WeekOfCases, week: int, usual: np.ndarray) -> None:
    """Seen benefit: an exponentially weighted share of one's own cases that went well.

    Its reference (what motivation responds to, and where a joiner's expectation
    starts) is the usual share integrated among the cases practitioners of the same
    organisation type saw over the first ``REFERENCE_WEEKS`` weeks (so far): types see
    different cases, so one place-wide reference would make motivation drift by type.
    ``usual`` [2, T] accumulates those cases (integrated, seen) across calls.
    """
    total = cases.cases.sum()
    place = float(cases.integrated.sum() / total) if total else 0.0
    _see_cases(
        cases.seen,
        cases.seen_integrated,
        (week < REFERENCE_WEEKS, week == 0, place),
        usual,
        pop.organisation_type,
        (pop.benefit, pop.base_benefit),
    )


@numba.njit(cache=True)
def _see_cases(hits, good, when, usual, otype, benefit_state):
    """``see_cases`` in one pass (sums of whole numbers: exact in any order)."""
    learning, first, place = when
    benefit, base_benefit = benefit_state
    if learning:
        for i in range(hits.size):
            usual[0, otype[i]] += good[i]
            usual[1, otype[i]] += hits[i]
        for i in range(hits.size):
            t = otype[i]
            base_benefit[i] = usual[0, t] / max(usual[1, t], 1.0) if usual[1, t] > 0 else place
            if first:
                benefit[i] = base_benefit[i]
    for i in range(hits.size):
        if hits[i] > 0:
            benefit[i] += SEEN_BENEFIT_RATE * (good[i] / hits[i] - benefit[i])
