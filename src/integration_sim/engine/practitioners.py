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
from integration_sim.engine.draws import address, fill
from integration_sim.engine.network import TieTable
from integration_sim.engine.numpy_sums import pairwise_sum, row_mean
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
        self._constants: tuple[Scenario, _Constants] | None = None

    def constants_for(self, scenario: Scenario) -> _Constants:
        """The week's parameters of ``scenario`` and this rule, made once per scenario."""
        if self._constants is None or self._constants[0] is not scenario:
            self._constants = (scenario, _Constants.of(scenario, self.rule))
        return self._constants[1]


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
    One compiled pass over the practitioners after the week's draws (two uniforms per
    cell, whatever the state, so streams stay aligned across strategies): the rule's
    probability is needed only where an encounter happens, so only there is it computed.
    """
    params = scenario.parameters
    o = params.opportunity
    fixed = ctx.constants_for(scenario)
    share, counts = rules.social_signals(  # one pass over the ties for both
        ctx.ties, pop.performed, params.network.mixing, ctx.counted
    )
    use_counts = counts is not None
    learning = ctx.weeks_seen < REFERENCE_WEEKS
    ctx.weeks_seen += learning
    return _week(
        (exposure.champion, pop.organisation, pop.organisation_type, pop.eligible, pop.locality),
        (address(rng), ctx.rule.encounter_rate),  # encounters' then performances' uniforms
        (*primitives.opportunity_channels(exposure, o), fixed.base),
        (float(o.pressure * pressure), pooling),
        fixed.rule,
        (share, counts if use_counts else np.zeros((0, 0)), use_counts),
        (ctx.peers_sum, ctx.reference_peers, learning, ctx.weeks_seen),
        (pop.capability, pop.base_capability, pop.habit, pop.performed, pop.ever),
        (*fixed.habits, primitives.training(exposure)),
        fixed.learn,
        (pop.motivation, pop.base_motivation, ctx.leadership_change, pop.benefit, pop.base_benefit),
        (ctx.fatigue, *fixed.tired),
        fixed.weights,
    )


@dataclass(frozen=True)
class _Constants:
    """The practitioners' week's parameters as the compiled pass takes them (per run)."""

    base: float  # opportunity's base
    rule: tuple  # the rule's coefficients, contagion, thresholds and noise
    habits: tuple[float, float]  # habit gain, decay
    learn: tuple[float, float, float]  # learning by doing, training rate, capability fade
    tired: tuple[float, float]  # fatigue per initiative, motivation rate
    weights: tuple[float, float, float]  # leadership, peers, seen benefit

    @classmethod
    def of(cls, scenario: Scenario, rule: rules.Rule) -> _Constants:
        p = scenario.parameters
        bp, pp = p.behaviour, p.practitioners
        return cls(
            float(p.opportunity.base),
            (*rule.coefficients(), rule.contagion, rule.threshold, float(bp.noise)),
            (float(bp.habit_gain), float(bp.habit_decay)),
            (float(pp.learning_by_doing), float(pp.training_rate), float(pp.capability_fade)),
            (float(pp.fatigue_per_initiative), float(pp.motivation_rate)),
            (float(pp.leadership_weight), float(pp.peer_weight), float(pp.benefit_weight)),
        )


@numba.njit(cache=True)
def _week(rows, meeting, channels, week, rule, social, usual, skills, habits, learn, motivate,
          tired, weights):  # fmt: skip
    """The practitioners' week, in place: champions kept ready, opportunity and the mean
    peer share per practitioner; then per cell the encounter, the rule's probability (only
    where an eligible practitioner has one: ``meeting`` holds the stream that gives the
    uniforms [2, N, B], encounters then performances, as ``Generator.random`` fills them,
    and the encounter rates [B]), the performance, habit, capability and the memory of it
    (``skills`` ends with last week's behaviour and ever performed); in the first year, the usual peer share per type; then motivation.
    Each cell's steps and their order are those of the array functions in ``behaviour``
    (``perform_probability``, ``perform``, ``update_habit``, ...): a row reads only its
    own state, so one pass over the cells gives the same bits. Returns (encountered,
    performed)."""
    champion, organisation, otype, eligible, locality = rows
    motivation = motivate[0]
    opportunity, peers = _ready(champion, organisation, channels, week, skills[0], motivation,
                                social[0])  # fmt: skip
    draws = np.empty((2, eligible.shape[0], eligible.shape[1]))
    fill(meeting[0], draws.reshape(-1))
    done = _cells(
        eligible, (draws, meeting[1]), rule, social, opportunity, motivation, skills, habits, learn
    )
    _usual_peers(peers, otype, usual)
    for i in range(peers.size):
        motivation[i] = rules.motivation_after(
            motivation[i],
            motivate[1][i],
            motivate[2][organisation[i]],
            peers[i] - usual[1][otype[i]],
            motivate[3][i] - motivate[4][i],
            tired[1] * tired[0][locality[i]],
            weights,
            tired[2],
        )
    return done


@numba.njit(cache=True)
def _ready(champion, organisation, channels, week, capability, motivation, share):
    """Champions kept capable and motivated (in place); each practitioner's opportunity
    (the base, what the interventions add, pooling where an organisation pools, less
    seasonal pressure, within [0, 1]) and mean peer share [N]."""
    strengths, weights, pools, base = channels
    pressure, pooling = week
    n = capability.shape[0]
    opportunity, peers = np.empty(n), np.empty(n)
    for i in range(n):
        if champion[i]:
            motivation[i] = max(motivation[i], 0.9)
            for b in range(capability.shape[1]):
                capability[i, b] = max(capability[i, b], 0.9)
        opp = base
        for k in range(weights.size):
            s = max(strengths[k, i], pooling[organisation[i]]) if pools[k] else strengths[k, i]
            opp = opp + weights[k] * s
        opportunity[i] = min(max(opp - pressure, 0.0), 1.0)
        peers[i] = row_mean(share, i)
    return opportunity, peers


@numba.njit(cache=True)
def _cells(eligible, meeting, rule, social, opportunity, motivation, skills, habits, learn):
    """Encounters, performances, habit, capability and the memory of this week's
    behaviour, cell by cell (in place); returns (encountered, performed) [N, B]."""
    draws, rate = meeting
    b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold, noise = rule
    linear = (b0, b_cap, b_opp, b_mot, b_hab)
    share, counts, use_counts = social
    capability, base_capability, habit, last, ever = skills
    gain, decay, training = habits
    learning, training_rate, fade = learn
    n, nb = eligible.shape
    encountered = np.zeros((n, nb), np.bool_)
    performed = np.zeros((n, nb), np.bool_)
    for i in range(n):
        trained = training_rate * training[i]
        for b in range(nb):
            did = False
            if eligible[i, b]:
                met = draws[0, i, b] < rate[b]
                if met:  # the rule's probability, as ``behaviour.perform_probability`` (tested)
                    z = rules.rule_logit(
                        linear, b, capability[i, b], habit[i, b], opportunity[i], motivation[i]
                    )
                    if contagion[b] == rules.LOGISTIC:
                        z += b_soc[b] * share[i, b]
                    elif contagion[b] == rules.THRESHOLD and use_counts:
                        z += b_soc[b] * (1.0 if counts[i, b] >= threshold[b] else 0.0)
                    chance = rules.rule_chance(z, contagion[b], b_soc[b], share[i, b], noise)
                    did = draws[1, i, b] < chance
                encountered[i, b], performed[i, b] = met, did
                habit[i, b] = rules.habit_after(habit[i, b], did, gain, decay)
            c = rules.capability_after(capability[i, b], did, learning, trained)
            if fade > 0 and not did:  # unused skills fade towards the baseline
                c -= fade * max(c - base_capability[i, b], 0.0)
            capability[i, b] = c
            last[i, b] = did
            ever[i, b] = ever[i, b] or did
    return encountered, performed


@numba.njit(cache=True)
def _usual_peers(peers, otype, usual):
    """In the first year: this week's mean peer share over each type, added up; the usual
    level (the reference) is their mean (in place)."""
    peers_sum, reference, learning, weeks = usual
    if learning:
        total = np.zeros(peers_sum.size)
        staff = np.zeros(peers_sum.size, np.int64)
        for i in range(peers.size):
            total[otype[i]] += peers[i]
            staff[otype[i]] += 1
        for t in range(peers_sum.size):
            peers_sum[t] += total[t] / max(staff[t], 1)
            reference[t] = peers_sum[t] / weeks


def see_cases(pop: Population, cases: WeekOfCases, week: int, usual: np.ndarray) -> None:
    """Seen benefit: an exponentially weighted share of one's own cases that went well.

    Its reference (what motivation responds to, and where a joiner's expectation
    starts) is the usual share integrated among the cases practitioners of the same
    organisation type saw over the first ``REFERENCE_WEEKS`` weeks (so far): types see
    different cases, so one place-wide reference would make motivation drift by type.
    ``usual`` [2, T] accumulates those cases (integrated, seen) across calls.
    """
    _see_cases(
        cases.seen,
        cases.seen_integrated,
        (week < REFERENCE_WEEKS, week == 0, cases.cases, cases.integrated),
        usual,
        pop.organisation_type,
        (pop.benefit, pop.base_benefit),
    )


@numba.njit(cache=True)
def _see_cases(hits, good, when, usual, otype, benefit_state):
    """``see_cases`` in one pass (sums of whole numbers: exact in any order). The place's
    share integrated (for types that saw no case yet) is NumPy's ``integrated.sum() /
    cases.sum()`` (0 without cases), summed as NumPy sums."""
    learning, first, cases, integrated = when
    benefit, base_benefit = benefit_state
    if learning:
        total = pairwise_sum(cases, 0, cases.size)
        place = pairwise_sum(integrated, 0, integrated.size) / total if total else 0.0
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
