"""Unit tests of each rule, each on hand-made arrays with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_scenario
from scipy import stats

from integration_sim.engine import behaviour as rules
from integration_sim.engine.cases import poisson_quantile, seasonal
from integration_sim.engine.equilibrium import stationary_habit
from integration_sim.engine.network import CROSS, WITHIN, TieTable
from integration_sim.engine.state import role_counts


def _rule(contagion: str = "logistic", social: float = 2.0, threshold: int = 2) -> rules.Rule:
    one = lambda v: np.array([v], dtype=float)  # noqa: E731
    return rules.Rule(
        one(-3.0),
        one(1.0),
        one(2.0),
        one(1.5),
        one(4.0),
        one(social),
        one(0.5),
        np.array([{"logistic": 0, "threshold": 1, "additive": 2}[contagion]], dtype=np.int8),
        one(threshold),
    )


def _p(rule, c=0.5, o=0.5, m=0.5, h=0.0, share=0.0, count=0.0, noise=0.0):
    arr = lambda v: np.array([[v]], dtype=float)  # noqa: E731
    return float(
        rules.perform_probability(
            rule, arr(c), np.array([o]), np.array([m]), arr(h), arr(share), arr(count), noise
        )[0, 0]
    )


def test_logistic_rule_matches_hand_calculation() -> None:
    z = -3.0 + 1.0 * 0.5 + 2.0 * 0.5 + 1.5 * 0.5 + 4.0 * 0.2 + 2.0 * 0.25
    assert _p(_rule(), h=0.2, share=0.25) == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-12)


@pytest.mark.parametrize("field", ["c", "o", "m", "h", "share"])
def test_probability_rises_with_each_com_b_input(field: str) -> None:
    assert _p(_rule(), **{field: 0.9}) > _p(_rule(), **{field: 0.1})


def test_noise_sets_a_floor() -> None:
    low = _rule(social=0.0)
    assert _p(low, c=0, o=0, m=0, noise=0.0) < 0.05
    assert _p(low, c=0, o=0, m=0, noise=0.2) == pytest.approx(0.2 + 0.8 * _p(low, c=0, o=0, m=0))


def test_threshold_contagion_needs_enough_reinforcing_neighbours() -> None:
    rule = _rule("threshold", social=3.0, threshold=2)
    base = _p(rule, count=0)
    assert _p(rule, count=1) == base  # one neighbour is not enough
    assert _p(rule, count=2) > base + 0.2
    assert _p(rule, count=2, share=0.0) == _p(rule, count=2, share=1.0)  # share plays no part


def test_additive_contagion_is_an_independent_imitation_channel() -> None:
    rule = _rule("additive", social=0.4)
    own = _p(rule, share=0.0)
    assert _p(rule, share=0.5) == pytest.approx(1 - (1 - own) * (1 - 0.2))


def test_habit_grows_asymptotically_and_decays_when_not_performed() -> None:
    habit = np.array([[0.0, 0.5, 0.5, 0.5]])
    performed = np.array([[True, True, False, False]])
    eligible = np.array([[True, True, True, False]])
    rules.update_habit(habit, performed, eligible, gain=0.1, decay=0.05)
    assert habit.ravel().tolist() == pytest.approx([0.1, 0.55, 0.475, 0.5])
    h = np.zeros((1, 1))
    for _ in range(66):  # Lally et al.: ~66 repetitions to reach 95% of the asymptote
        rules.update_habit(
            h, np.ones((1, 1), bool), np.ones((1, 1), bool), gain=1 - 0.05 ** (1 / 66), decay=0
        )
    assert h[0, 0] == pytest.approx(0.95)


def test_capability_from_doing_and_training() -> None:
    cap = np.array([[0.5, 0.5], [0.5, 0.5]])
    rules.update_capability(
        cap, np.array([[True, False], [False, False]]), 0.1, np.array([0.0, 1.0]), 0.2
    )
    assert cap.ravel().tolist() == pytest.approx([0.55, 0.5, 0.6, 0.6])


def test_motivation_moves_toward_target_and_fatigue_lowers_it() -> None:
    mot = np.array([0.5, 0.5, 0.5])
    rules.update_motivation(
        mot,
        baseline=np.full(3, 0.5),
        leadership_change=np.array([0.0, 0.5, 0.0]),
        peers=np.zeros(3),
        benefit=np.zeros(3),
        fatigue=np.array([0.0, 0.0, 0.2]),
        weights=(0.4, 0.3, 0.3),
        rate=0.5,
    )
    assert mot.tolist() == pytest.approx([0.5, 0.6, 0.4])


def test_social_share_is_trust_weighted_and_includes_pending_ties() -> None:
    ties = TieTable(
        4, np.array([0, 0]), np.array([1, 2]), np.array([0.5, 1.0]), np.array([WITHIN, CROSS])
    )
    performed = np.array([[False], [True], [False], [True]])
    share = rules.social_share(ties, performed)
    assert share[0, 0] == pytest.approx(0.5 / 1.5)
    ties.add(np.array([0]), np.array([3]), 0.5, CROSS)  # pending: not yet in the CSR matrix
    assert ties.structure == 2 and ties.size == 3
    assert rules.social_share(ties, performed)[0, 0] == pytest.approx(1.0 / 2.0)
    assert rules.neighbour_counts(ties, performed)[0, 0] == 2


def test_lost_ties_stop_counting_and_cannot_duplicate() -> None:
    ties = TieTable(
        3, np.array([0, 1]), np.array([1, 2]), np.array([0.5, 0.5]), np.array([CROSS, CROSS])
    )
    performed = np.array([[False], [True], [True]])
    ties.lose(np.array([True, False]))
    assert rules.neighbour_counts(ties, performed)[0, 0] == 0
    assert ties.add(np.array([1, 1]), np.array([0, 2]), 0.3, CROSS) == 1  # 0-1 re-forms, 1-2 exists
    assert sorted(zip(*ties.live()[:2], strict=True)) == [(0, 1), (1, 2)]


def test_stationary_habit_solves_the_balance_equation() -> None:
    rule = _rule(social=0.0)
    cap, mot, opp = np.full((5, 1), 0.5), np.full(5, 0.5), np.full(5, 0.5)
    eligible = np.ones((5, 1), bool)
    h, weekly = stationary_habit(rule, cap, opp, mot, eligible, gain=0.1, decay=0.05, noise=0.0)
    q = 0.5 * rules.perform_probability(rule, cap, opp, mot, h, np.zeros_like(h), None, 0.0)
    assert h == pytest.approx(q * 0.1 / (q * 0.1 + (1 - q) * 0.05), rel=1e-6)
    assert weekly == pytest.approx(q, rel=1e-6)


def test_poisson_quantile_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    u, mean = rng.random(20000), rng.uniform(0, 30, 20000)
    assert np.array_equal(poisson_quantile(u, mean), stats.poisson.ppf(u, mean).astype(int))


def test_seasonal_peaks_at_peak_week() -> None:
    values = [seasonal(w, 0.4, 0.25, 39) for w in range(52)]
    assert int(np.argmax(values)) == 39 and max(values) == pytest.approx(0.65)


def test_role_counts_kept_between_places_are_fresh_lists() -> None:
    """The splits are kept between calls: a caller changing its list changes no other's."""
    first = role_counts({"a": 0.5, "b": 0.5}, 3)
    first.append(("c", 9))
    assert role_counts({"a": 0.5, "b": 0.5}, 3) == [("a", 2), ("b", 1)]


def test_role_counts_keep_staff_total() -> None:
    assert role_counts({"a": 0.5, "b": 0.3, "c": 0.2}, 7) == [("a", 4), ("b", 2), ("c", 1)]
    assert sum(c for _, c in role_counts({"a": 1, "b": 1, "c": 1}, 10)) == 10


def test_turnover_removes_habits_and_cross_boundary_ties() -> None:
    from integration_sim.engine.model import IntegrationModel
    from integration_sim.engine.turnover import step_turnover

    s = make_scenario({"drivers": {"turnover_scale": 0.0}})
    model = IntegrationModel(s, "none", seed=1)
    model.weekly_leave[:] = 0.0
    model.weekly_leave[:50] = 1.0  # the first 50 posts all change hands this week
    u, v, _, layer = model.ties.live()
    assert ((layer == CROSS) & ((u < 50) | (v < 50))).any()
    model.pop.habit[:50] = 0.9
    leavers_rows = step_turnover(
        model.pop,
        model.ties,
        model.weekly_leave,
        s.parameters.network.team_trust,
        np.random.default_rng(0),
    )
    assert leavers_rows[:50].all() and not leavers_rows[50:].any()
    u, v, trust, layer = model.ties.live()
    leavers = (u < 50) | (v < 50)
    assert not ((layer == CROSS) & leavers).any()
    assert np.allclose(trust[(layer == WITHIN) & leavers], s.parameters.network.team_trust)
    assert (model.pop.habit[:50] == 0).all()
    assert np.array_equal(model.pop.capability[:50], model.pop.base_capability[:50])
    # Every declared state array is back at a joiner's value, and only for the leavers.
    assert (model.pop.tenure[:50] == 0).all() and (model.pop.tenure[50:] == 1).all()
    assert not model.pop.ever[:50].any() and not model.pop.performed[:50].any()
    assert np.array_equal(model.pop.benefit[:50], model.pop.base_benefit[:50])


def test_co_location_forms_cross_boundary_ties_faster() -> None:
    from integration_sim.engine.model import IntegrationModel

    def cross_ties_after(strength_share: float) -> int:
        s = make_scenario(
            {
                "strategies": {
                    "c": {
                        "kind": "custom",
                        "interventions": [{"kind": "co_location", "strength": strength_share}],
                    }
                },
                "horizon_weeks": 20,
                "parameters": {"implementation": {"lag_weeks": {"co_location": 0}}},
            }
        )
        m = IntegrationModel(s, "c", seed=5)
        m.run()
        return int((m.ties.live()[3] == CROSS).sum())

    assert cross_ties_after(1.0) > 1.5 * cross_ties_after(0.0)
