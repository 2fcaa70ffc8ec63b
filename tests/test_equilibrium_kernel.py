"""The compiled rounds of ``stationary_habit`` give exactly what the array code they
replaced gave, with and without threshold contagion, turnover and one behaviour."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from integration_sim.engine import behaviour as rules
from integration_sim.engine.equilibrium import stationary_habit
from integration_sim.engine.neighbour_tail import (
    DegreeTail,
    _at_least_chance,
    _degree_table,
)


def _reference(
    rule, capability, opportunity, motivation, eligible, gain, decay, noise, degree, leave
):
    """The array code (NumPy and scipy on [N, B] arrays) the compiled rounds replaced."""
    habit = np.zeros_like(capability)
    share = np.zeros_like(capability)
    threshold = rule.contagion == rules.THRESHOLD
    for _ in range(30):
        p = rules.perform_probability(
            rule, capability, opportunity, motivation, habit, share, None, noise
        )
        if degree is not None and threshold.any():
            inf = np.full_like(share, np.inf)
            reinforced = rules.perform_probability(
                rule, capability, opportunity, motivation, habit, share, inf, noise
            )
            chance = stats.binom.sf(rule.threshold - 1, degree[:, None], share)
            p = np.where(threshold, chance * reinforced + (1 - chance) * p, p)
        q = np.where(eligible, rule.encounter_rate * p, 0.0)
        stay = 1.0 - (0.0 if leave is None else leave[:, None])
        habit = (
            stay * q * gain / np.maximum((1 - stay) + stay * (q * gain + (1.0 - q) * decay), 1e-12)
        )
        share = np.broadcast_to(q.sum(axis=0) / np.maximum(eligible.sum(axis=0), 1), q.shape)
    return np.where(eligible, habit, 0.0), q


def _rule(b: int, contagion: list[int]) -> rules.Rule:
    rng = np.random.default_rng(b)
    return rules.Rule(
        intercept=rng.uniform(-4, -1, b),
        capability=rng.uniform(0, 2, b),
        opportunity=rng.uniform(0, 2, b),
        motivation=rng.uniform(0, 2, b),
        habit=rng.uniform(0, 4, b),
        social=rng.uniform(0, 3, b),
        encounter_rate=rng.uniform(0.2, 1, b),
        contagion=np.array(contagion, dtype=np.int8),
        threshold=np.full(b, 2.0),
    )


CASES = [
    ([rules.LOGISTIC], False, False),  # one behaviour: its share is summed pairwise
    ([rules.LOGISTIC, rules.THRESHOLD, rules.ADDITIVE], True, True),
    (
        [rules.THRESHOLD, rules.LOGISTIC, rules.LOGISTIC, rules.ADDITIVE, rules.LOGISTIC],
        True,
        False,
    ),
    ([rules.LOGISTIC, rules.ADDITIVE], False, True),
    ([rules.LOGISTIC, rules.ADDITIVE], True, False),  # degrees, no threshold: rounds in one call
    ([rules.THRESHOLD, rules.LOGISTIC], False, False),  # threshold without degrees: no tail
    ([rules.THRESHOLD], True, True),  # one behaviour with the tail
]


@pytest.mark.parametrize(("contagion", "with_degree", "with_leave"), CASES)
def test_stationary_habit_equals_the_array_code(contagion, with_degree, with_leave) -> None:
    rng = np.random.default_rng(len(contagion))
    n, b = 1500, len(contagion)
    rule = _rule(b, contagion)
    capability = rng.random((n, b))
    opportunity, motivation = rng.random(n), rng.random(n)
    eligible = rng.random((n, b)) < 0.7
    if b == 5:
        eligible[:, -1] = False  # a behaviour nobody is eligible for (its mean: 0 / 1)
    degree = rng.integers(0, 30, n) if with_degree else None
    leave = rng.uniform(0, 0.02, n) if with_leave else None
    args = (rule, capability, opportunity, motivation, eligible, 0.1, 0.05, 0.02)
    habit, weekly = stationary_habit(*args, degree=degree, leave=leave)
    ref_habit, ref_weekly = _reference(*args, degree, leave)
    assert habit.any() and weekly.any()
    assert np.array_equal(habit, ref_habit) and np.array_equal(weekly, ref_weekly)


def test_degree_tail_equals_the_checked_tail_bit_for_bit() -> None:
    """The start's tail prepared once per place gives ``scipy.stats.binom.sf``'s values
    exactly (degree 0, shares at 0 and 1, thresholds of 0, 1 and above the largest
    degree), and scipy's NaNs for a share outside [0, 1]."""
    rng = np.random.default_rng(9)
    degree = np.concatenate(([0, 1, 2], rng.integers(0, 25, 300)))
    threshold = np.array([1.0, 0.0, 3.0, 30.0, 2.0])  # 0: k < 0, always reached
    tail = DegreeTail(threshold, *np.unique(degree, return_inverse=True))
    shares = [np.zeros(5), np.ones(5), np.array([0.0, 1e-9, 0.5, 1.0, 0.3]), rng.random(5)]
    for share in shares:
        want = _at_least_chance(threshold, *np.unique(degree, return_inverse=True), share)
        assert np.array_equal(tail.at_least(share), want)
    bad = tail.at_least(np.array([0.5, 1.5, 0.2, 0.1, np.nan]))
    assert np.isnan(bad[:, 1]).all() and np.isnan(bad[:, 4]).all()


def test_tail_rows_clip_as_numpy_clips() -> None:
    """Values put into the tail are clipped to [0, 1] with np.clip's bits (signed zeros,
    NaN, infinities, just outside the bounds)."""
    x = np.array([-0.0, 0.0, -1e-300, np.nan, 1.0, 1.0 + 2e-16, np.inf, -np.inf, 0.5, 5e-324])
    got = _degree_table(np.zeros((1, x.size)), np.arange(x.size), x)[[0, 0]]
    want = np.clip(x, 0, 1)
    assert (got.view(np.uint64) == want.view(np.uint64)).all()
