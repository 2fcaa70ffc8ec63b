"""Strategies target the localities, weeks and spend they claim."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import make_scenario

from integration_sim.engine.rollout import (
    Place,
    budget_scales,
    choose_localities,
    dose_response,
    expand,
)

PLACE = Place(
    localities=["A", "B", "C", "D"],
    staff={"A": 100, "B": 200, "C": 100, "D": 100},
    readiness={"A": 0.3, "B": 0.9, "C": 0.6, "D": 0.6},
    need={"A": 1.5, "B": 0.8, "C": 1.0, "D": 1.2},
    half_effect={
        "co_location": 6.0,
        "backfill": 8.0,
        "training": 4.0,
        "pooled_budget": 4.0,
        "shared_records": 3.0,
    },
    hill=2.0,
)


def _strategy(spec: dict):
    s = make_scenario(
        {
            "system": {"localities": [{"name": n} for n in PLACE.localities]},
            "strategies": {"x": spec},
        }
    )
    return s.strategies["x"]


def test_pilot_targets_most_ready_localities_for_its_period_and_budget() -> None:
    s = _strategy(
        {
            "kind": "pilot",
            "count": 2,
            "start_week": 10,
            "funding": {"budget": 520_000, "duration_weeks": 52},
        }
    )
    ivs = expand(s, PLACE, np.random.default_rng(0))
    assert {tuple(iv.target.localities) for iv in ivs} == {
        ("B", "C")
    }  # readiness 0.9, then 0.6 (file order)
    assert all(iv.start_week == 10 and iv.end_week == 62 for iv in ivs)
    assert sum(iv.cost_per_week * 52 for iv in ivs) == pytest.approx(520_000)


def test_pilot_scale_up_follows_with_learning_transfer_into_the_rest() -> None:
    s = _strategy(
        {
            "kind": "pilot",
            "localities": ["A"],
            "start_week": 0,
            "funding": {"budget": 100_000, "duration_weeks": 26},
            "scale_up": {"budget": 0, "learning_transfer": 0.7},
        }
    )
    ivs = expand(s, PLACE, np.random.default_rng(0))
    transfer = [iv for iv in ivs if iv.kind == "learning_transfer"]
    assert len(transfer) == 1 and transfer[0].start_week == 26
    assert transfer[0].target.localities == ["B", "C", "D"] and transfer[0].source_localities == [
        "A"
    ]
    assert transfer[0].transfer == 0.7 * 0.5  # only the collated half (default) is handed on
    assert not [iv for iv in ivs if iv.phase == "scale_up" and iv.cost_per_week > 0]  # zero budget


def test_system_wide_spreads_the_same_money_thinly() -> None:
    pilot = expand(
        _strategy({"kind": "pilot", "localities": ["A"], "funding": {"budget": 1e6}}),
        PLACE,
        np.random.default_rng(0),
    )
    wide = expand(
        _strategy({"kind": "system_wide", "funding": {"budget": 1e6}}),
        PLACE,
        np.random.default_rng(0),
    )
    assert wide[0].target.localities == PLACE.localities
    strength = lambda ivs: {iv.kind: iv.strength for iv in ivs}  # noqa: E731
    assert all(strength(wide)[k] < strength(pilot)[k] for k in strength(pilot))
    assert sum(iv.cost_per_week for iv in wide) == pytest.approx(
        sum(iv.cost_per_week for iv in pilot)
    )


def test_staged_waves_start_in_turn_and_split_the_budget() -> None:
    ivs = expand(
        _strategy(
            {
                "kind": "staged",
                "waves": 2,
                "wave_interval_weeks": 30,
                "start_week": 5,
                "order": ["D", "C", "B", "A"],
                "funding": {"budget": 200_000, "duration_weeks": 20},
            }
        ),
        PLACE,
        np.random.default_rng(0),
    )
    starts = {iv.start_week: iv.target.localities for iv in ivs}
    assert starts == {5: ["D", "C"], 35: ["B", "A"]}
    assert sum(iv.cost_per_week * 20 for iv in ivs) == pytest.approx(200_000)


def test_targeted_seeds_champions_by_network_position() -> None:
    ivs = expand(
        _strategy(
            {
                "kind": "targeted",
                "champions_per_locality": 3,
                "position": "betweenness",
                "funding": {"budget": 50_000, "duration_weeks": 50},
            }
        ),
        PLACE,
        np.random.default_rng(0),
    )
    assert len(ivs) == 1 and ivs[0].kind == "champions"
    assert ivs[0].champions == 3 and ivs[0].selection == "betweenness"
    assert ivs[0].cost_per_week == pytest.approx(1000)


def test_equal_budget_rescales_to_the_same_total() -> None:
    s = make_scenario(
        {
            "equal_budget": True,
            "strategies": {
                "small": {"kind": "system_wide", "funding": {"budget": 1e5}},
                "big": {
                    "kind": "pilot",
                    "count": 1,
                    "funding": {"budget": 4e5},
                    "scale_up": {"budget": 1e5},
                },
            },
        }
    )
    scales = budget_scales(s.strategies, True)
    totals = {
        n: st.budget_total() * scales[n] for n, st in s.strategies.items() if st.budget_total() > 0
    }
    assert totals == {"small": pytest.approx(5e5), "big": pytest.approx(5e5)}
    ivs = expand(s.strategies["small"], PLACE, np.random.default_rng(0), scales["small"])
    weeks = s.strategies["small"].funding.duration_weeks
    assert sum(iv.cost_per_week * weeks for iv in ivs) == pytest.approx(5e5)


def test_dose_response_is_sigmoid_in_spend() -> None:
    assert dose_response(6.0, 6.0, 2.0) == pytest.approx(0.5)
    assert dose_response(0.0, 6.0, 2.0) == 0.0
    # Halving the spend per head more than halves the effect when hill > 1.
    assert dose_response(3.0, 6.0, 2.0) < 0.5 * dose_response(6.0, 6.0, 2.0)


def test_random_locality_choice_is_reproducible() -> None:
    a = choose_localities("random", 2, PLACE, np.random.default_rng(4))
    b = choose_localities("random", 2, PLACE, np.random.default_rng(4))
    assert a == b and len(set(a)) == 2
    assert choose_localities("highest_need", 2, PLACE, np.random.default_rng(0)) == ["A", "D"]
