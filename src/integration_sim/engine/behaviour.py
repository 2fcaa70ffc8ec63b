"""The COM-B behaviour rule and the state it moves (habit, capability, motivation).

Every function works on whole arrays: rows are practitioners, columns are
practitioner-level behaviours. Probabilities are per encounter; an encounter
happens in a week with the behaviour's ``encounter_rate``.

The rule (per practitioner i, behaviour b, in an encounter):

    z = b0 + bC*C + bO*O + bM*M + bH*H + bS*X
    p = noise + (1 - noise) * sigmoid(z)

where X is the social signal. ``logistic`` contagion: X is the trust-weighted
share of neighbours who performed b last week. ``threshold`` (complex)
contagion: X = 1 when at least ``threshold`` neighbours performed b, else 0.
``additive`` contagion keeps social influence out of the logit and adds it as
an independent imitation channel, p_rule = 1 - (1 - sigmoid(z))(1 - min(1, bS*share)),
which is the Bass / independent-cascade form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy import special

from integration_sim.config.scenario import Scenario
from integration_sim.engine.network import TieTable

LOGISTIC, THRESHOLD, ADDITIVE = 0, 1, 2
_CONTAGION = {"logistic": LOGISTIC, "threshold": THRESHOLD, "additive": ADDITIVE}


@dataclass(frozen=True)
class Rule:
    """Coefficients of every practitioner-level behaviour as arrays of length B."""

    intercept: np.ndarray
    capability: np.ndarray
    opportunity: np.ndarray
    motivation: np.ndarray
    habit: np.ndarray
    social: np.ndarray
    encounter_rate: np.ndarray
    contagion: np.ndarray  # int codes
    threshold: np.ndarray  # neighbours needed (threshold contagion)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Rule:
        """Collect the coefficients of the scenario's practitioner-level behaviours."""
        specs = [scenario.behaviours[b] for b in scenario.practitioner_behaviours]

        def col(get) -> np.ndarray:
            return np.array([get(s) for s in specs], dtype=float)

        return cls(
            intercept=col(lambda s: s.coefficients.intercept),
            capability=col(lambda s: s.coefficients.capability),
            opportunity=col(lambda s: s.coefficients.opportunity),
            motivation=col(lambda s: s.coefficients.motivation),
            habit=col(lambda s: s.coefficients.habit),
            social=col(lambda s: s.coefficients.social),
            encounter_rate=col(lambda s: s.encounter_rate),
            contagion=np.array([_CONTAGION[s.contagion] for s in specs], dtype=np.int8),
            threshold=col(lambda s: s.threshold),
        )

    def coefficients(self) -> tuple[np.ndarray, ...]:
        """(intercept, capability, opportunity, motivation, habit, social), as the
        compiled kernels take them."""
        return (
            self.intercept, self.capability, self.opportunity, self.motivation, self.habit,
            self.social,
        )  # fmt: skip

    @property
    def uses_counts(self) -> bool:
        """True if any behaviour needs neighbour counts (threshold contagion)."""
        return bool((self.contagion == THRESHOLD).any())

    @property
    def threshold_columns(self) -> np.ndarray:
        """Indices of the threshold-contagion behaviours."""
        return np.flatnonzero(self.contagion == THRESHOLD)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function, numerically safe for large |z|."""
    return special.expit(z)


def social_share(ties: TieTable, performed: np.ndarray, mixing: str = "network") -> np.ndarray:
    """Trust-weighted share of each practitioner's neighbours who performed each behaviour [N, B].

    With ``mixing="full"`` every other practitioner counts equally (mean field),
    the fully mixed limit used for the Bass comparison.
    """
    return social_signals(ties, performed, mixing)[0]


def social_signals(
    ties: TieTable,
    performed: np.ndarray,
    mixing: str = "network",
    columns: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``social_share`` and, if ``columns`` is given, ``neighbour_counts`` for those
    behaviours, from one pass over the ties (the social signal of a week) [N, B] each."""
    if mixing == "full":
        perf = performed.astype(np.float32)
        n = perf.shape[0]
        share = (perf.sum(axis=0, keepdims=True) - perf) / max(n - 1, 1)
        counts = None if columns is None else neighbour_counts(ties, performed, columns)
        return share, counts
    cols = np.zeros(0, np.int64) if columns is None else np.asarray(columns, dtype=np.int64)
    perf = performed if performed.dtype == np.bool_ else performed.astype(bool)
    share, counts = _share_and_counts(*ties.signal_sums(perf, cols), cols)
    return share, (None if columns is None else counts)


@numba.njit(cache=True)
def _share_and_counts(sums, counted, columns):
    """Share = weighted sum / total trust (0 without ties), in double precision; counts
    spread into [N, B] (zero outside ``columns``)."""
    n, nb = sums.shape[0], sums.shape[1] - 1
    share = np.zeros((n, nb))
    counts = np.zeros((n, nb))
    for i in range(n):
        total = np.float64(sums[i, nb])
        if total > 0:
            for b in range(nb):
                share[i, b] = np.float64(sums[i, b]) / total
        for q in range(columns.size):
            counts[i, columns[q]] = counted[i, q]
    return share, counts


def neighbour_counts(
    ties: TieTable, performed: np.ndarray, columns: np.ndarray | None = None
) -> np.ndarray:
    """Number of neighbours who performed each behaviour [N, B].

    Only ``columns`` (e.g. the threshold-contagion behaviours) are counted; the
    others are left at zero, which saves a sparse product per behaviour.
    """
    counts = np.zeros(performed.shape)
    cols = np.arange(performed.shape[1]) if columns is None else columns
    if cols.size:
        counts[:, cols] = ties.count_sum(performed[:, cols].astype(np.float32))
    return counts


def _rows(x, n: int) -> np.ndarray:
    """``x`` as a float vector [n] for the compiled kernels (scalars are broadcast)."""
    if type(x) is np.ndarray and x.dtype == np.float64 and x.shape == (n,):
        return x  # the usual case, without the cost of broadcasting
    return np.broadcast_to(np.asarray(x, dtype=float), (n,))


def perform_probability(
    rule: Rule,
    capability: np.ndarray,
    opportunity: np.ndarray,
    motivation: np.ndarray,
    habit: np.ndarray,
    share: np.ndarray,
    counts: np.ndarray | None,
    noise: float,
) -> np.ndarray:
    """Probability of performing each behaviour in an encounter [N, B].

    Args:
        capability, habit: [N, B] in [0, 1].
        opportunity, motivation: [N] in [0, 1].
        share: [N, B] weighted share of neighbours who performed (0-1).
        counts: [N, B] neighbours who performed, needed for threshold contagion.
        noise: chance of performing regardless of the rule (0-1).
    """
    capability = np.asarray(capability, dtype=float)
    n = capability.shape[0]
    use_counts = counts is not None and rule.uses_counts
    return _perform_probability(
        rule.intercept,
        rule.capability,
        rule.opportunity,
        rule.motivation,
        rule.habit,
        rule.social,
        rule.contagion,
        rule.threshold,
        capability,
        _rows(opportunity, n),
        _rows(motivation, n),
        np.asarray(habit, dtype=float),
        np.asarray(share, dtype=float),
        np.asarray(counts if use_counts else np.zeros((0, 0)), dtype=float),
        use_counts,
        float(noise),
        np.ones(capability.shape, dtype=bool),
    )


@numba.njit(cache=True)
def _perform_probability(
    b0, b_cap, b_opp, b_mot, b_hab, b_soc, contagion, threshold,
    capability, opportunity, motivation, habit, share, counts, use_counts, noise, wanted,
):  # fmt: skip
    """Compiled ``perform_probability``: one pass, in the same order of operations as the
    array version it replaced (so results are bit-identical); cells not ``wanted`` (bool
    [N, B], e.g. behaviours a practitioner is not eligible for) are left at 0."""
    n, nb = capability.shape
    out = np.zeros((n, nb))
    linear = (b0, b_cap, b_opp, b_mot, b_hab)
    for i in range(n):
        for b in range(nb):
            if not wanted[i, b]:
                continue
            z = rule_logit(linear, b, capability[i, b], habit[i, b], opportunity[i], motivation[i])
            if contagion[b] == LOGISTIC:
                z += b_soc[b] * share[i, b]
            elif contagion[b] == THRESHOLD and use_counts:
                z += b_soc[b] * (1.0 if counts[i, b] >= threshold[b] else 0.0)
            out[i, b] = rule_chance(z, contagion[b], b_soc[b], share[i, b], noise)
    return out


@numba.njit(cache=True, inline="always")
def rule_logit(linear, b, capability, habit, opportunity, motivation):
    """The rule's z for one cell of behaviour ``b`` before its social term, added up in
    the order every kernel adds it (so their bits agree): capability, habit,
    opportunity, motivation, intercept. ``linear``: (intercept, capability,
    opportunity, motivation, habit) coefficients [B]."""
    b0, b_cap, b_opp, b_mot, b_hab = linear
    z = b_cap[b] * capability
    z += b_hab[b] * habit
    z += opportunity * b_opp[b]
    z += motivation * b_mot[b]
    return z + b0[b]


@numba.njit(cache=True, inline="always")
def rule_chance(z, contagion, social, share, noise):
    """Chance of performing in an encounter from the whole logit ``z`` (social term
    included where the contagion puts it there): the logistic function as scipy's
    expit computes it, the imitation channel of additive contagion (weight ``social``
    times ``share``), then the noise floor."""
    p = 1.0 / (1.0 + np.exp(-z))
    if contagion == ADDITIVE:
        imitation = min(1.0, social * share)
        p = 1.0 - (1.0 - p) * (1.0 - imitation)
    return noise + (1.0 - noise) * p


def perform(
    rule: Rule, eligible: np.ndarray, probability: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw encounters and performances for one week; return (encountered, performed) [N, B].

    Two uniforms per cell are always drawn, whatever the state, so the random
    stream stays aligned across strategies (common random numbers).
    """
    u_meet = rng.random(eligible.shape)
    u_act = rng.random(eligible.shape)
    return _perform(rule.encounter_rate, eligible, probability, u_meet, u_act)


@numba.njit(cache=True)
def _perform(rate, eligible, probability, u_meet, u_act):
    n, nb = eligible.shape
    encountered = np.zeros((n, nb), np.bool_)
    performed = np.zeros((n, nb), np.bool_)
    for i in range(n):
        for b in range(nb):
            if eligible[i, b] and u_meet[i, b] < rate[b]:
                encountered[i, b] = True
                performed[i, b] = u_act[i, b] < probability[i, b]
    return encountered, performed


def update_habit(
    habit: np.ndarray, performed: np.ndarray, eligible: np.ndarray, gain: float, decay: float
) -> None:
    """Habit climbs an asymptotic curve when performed and decays when not (in place).

    Performing closes ``gain`` of the gap to 1 (Lally et al. 2010's asymptotic
    curve); a week without performing loses ``decay`` of the current strength.
    Practitioners not eligible for a behaviour keep their habit unchanged.
    """
    _update_habit(habit, performed, eligible, float(gain), float(decay))


@numba.njit(cache=True, inline="always")
def habit_after(h, performed, gain, decay):
    """A habit strength after a week (one cell of ``update_habit``)."""
    return h + (gain * (1.0 - h) if performed else -decay * h)


@numba.njit(cache=True)
def _update_habit(habit, performed, eligible, gain, decay):
    n, nb = habit.shape
    for i in range(n):
        for b in range(nb):
            if eligible[i, b]:
                habit[i, b] = habit_after(habit[i, b], performed[i, b], gain, decay)


def update_capability(
    capability: np.ndarray,
    performed: np.ndarray,
    learning: float,
    training: np.ndarray,
    training_rate: float,
) -> None:
    """Learning by doing and training both close part of the gap to 1 (in place).

    Args:
        training: [N] training strength (0-1) reaching each practitioner this week.
    """
    train = _rows(training, capability.shape[0])
    _update_capability(capability, performed, float(learning), train, float(training_rate))


@numba.njit(cache=True, inline="always")
def capability_after(c, performed, learning, trained):
    """A capability after a week's doing and ``trained`` (training rate times strength)."""
    rate = (learning if performed else 0.0) + trained
    return c + min(rate, 1.0) * (1.0 - c)


@numba.njit(cache=True)
def _update_capability(capability, performed, learning, training, training_rate):
    n, nb = capability.shape
    for i in range(n):
        trained = training_rate * training[i]
        for b in range(nb):
            capability[i, b] = capability_after(
                capability[i, b], performed[i, b], learning, trained
            )


def update_motivation(
    motivation: np.ndarray,
    baseline: np.ndarray,
    leadership_change: np.ndarray,
    peers: np.ndarray,
    benefit: np.ndarray,
    fatigue: np.ndarray,
    weights: tuple[float, float, float],
    rate: float,
) -> None:
    """Move motivation toward a target set by leadership, peers and seen benefit, less fatigue.

    target = baseline + wL * leadership_change + wP * peers + wB * benefit - fatigue,
    clipped to [0, 1]; motivation closes ``rate`` of the gap each week (in place).
    Written around each practitioner's own baseline so an untouched place is
    near equilibrium and change comes from the drivers, not from drift.

    Args:
        baseline: [N] motivation a practitioner brought to the post (0-1).
        leadership_change: [N] organisation leadership minus its baseline (-1 to 1).
        peers: [N] change in the share of neighbours performing, from the usual level (-1 to 1).
        benefit: [N] change in the recent share of own cases handled in an integrated
            way, from the usual level (-1 to 1).
        fatigue: [N] motivation lost to initiative fatigue (0-1).
        weights: (leadership, peers, benefit).
    """
    n = motivation.shape[0]
    parts = [_rows(x, n) for x in (baseline, leadership_change, peers, benefit, fatigue)]
    _update_motivation(motivation, *parts, *(float(w) for w in weights), float(rate))


@numba.njit(cache=True, inline="always")
def motivation_after(m, baseline, lead, peers, benefit, fatigue, weights, rate):
    """A motivation after a week (one practitioner of ``update_motivation``)."""
    target = baseline + weights[0] * lead + weights[1] * peers + weights[2] * benefit
    target -= fatigue
    target = min(max(target, 0.0), 1.0)
    return m + rate * (target - m)


@numba.njit(cache=True)
def _update_motivation(
    motivation, baseline, lead, peers, benefit, fatigue, w_lead, w_peer, w_benefit, rate
):
    weights = (w_lead, w_peer, w_benefit)
    for i in range(motivation.shape[0]):
        motivation[i] = motivation_after(
            motivation[i], baseline[i], lead[i], peers[i], benefit[i], fatigue[i], weights, rate
        )
