"""The decision summary on constructed results whose winner is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_report import synthetic_results  # tests/ is on sys.path under pytest

from integration_sim.analysis.decision import best_shares, check_primary, decide
from integration_sim.errors import InputError
from integration_sim.present.charts.money import acceptability
from integration_sim.present.decision import decision_text
from integration_sim.present.report import write_report


def test_best_shares_by_hand_with_ties_shared():
    values = pd.DataFrame({"a": [3.0, 1.0, 2.0, np.nan], "b": [1.0, 2.0, 2.0, 5.0]})
    shares = best_shares(values, higher_is_better=True)
    # a wins replicate 0, b wins 1 and 3, replicate 2 is a tie split half and half.
    assert shares["a"] == pytest.approx(1.5 / 4) and shares["b"] == pytest.approx(2.5 / 4)
    lower = best_shares(values, higher_is_better=False)
    assert lower["a"] == pytest.approx((0 + 1 + 0.5 + 0) / 4)


def test_known_winner_is_ranked_first_and_is_settled():
    # Synthetic levels rise with the strategy's position: staged > system_wide > pilot.
    res = synthetic_results(replicates=8)
    d = decide(res.records, res.summary, horizon=120, baseline="pilot", primary="integration_gain")
    assert [s.strategy for s in d.ranking] == ["staged", "system_wide", "pilot"]
    assert d.ranking[0].p_best == pytest.approx(1.0) and d.ranking[2].p_best == 0.0
    assert d.enough and d.settled
    margin = d.head_to_head.set_index("metric").loc["integration_gain"]
    assert margin["strategy"] == "staged" and margin["baseline"] == "system_wide"
    assert margin["diff_median"] == pytest.approx(0.05, abs=0.01)  # asymptotes 0.35 vs 0.30
    text = decision_text(d, {})
    assert "staged comes out ahead of system_wide" in text and "WARNING" not in text


def test_baseline_that_nobody_beats_is_said_plainly():
    res = synthetic_results(replicates=8)
    d = decide(res.records, res.summary, horizon=120, baseline="staged", primary="integration_gain")
    assert d.leader == "staged"
    assert "No strategy beats staged" in decision_text(d, {})


def test_level_primary_ranks_on_levels_and_bad_primary_is_an_input_error():
    res = synthetic_results(replicates=8)
    d = decide(res.records, res.summary, horizon=120, baseline="pilot", primary="delay_days")
    assert d.leader == "staged"  # fewest delayed days by construction
    with pytest.raises(InputError, match="cannot rank"):
        check_primary("cost_per_point")  # a ratio of medians has no per-replicate value


def test_too_few_replicates_warn_instead_of_intervals(tmp_path):
    res = synthetic_results(replicates=3)
    html = write_report(res, tmp_path).read_text(encoding="utf-8")
    decision = html[html.index("id='decision'") : html.index("</section>")]
    assert "fewer than the 8 an interval needs" in decision
    assert "95% interval" not in decision


def test_acceptability_by_hand():
    # One strategy: gains 1 point for a net cost of £100 in every replicate.
    effects = pd.DataFrame(
        {
            "strategy": "s",
            "baseline": "b",
            "replicate": [0, 0, 1, 1],
            "metric": ["integration_gain", "net_cost"] * 2,
            "difference": [0.01, 100.0, 0.01, 100.0],
        }
    )
    curve = acceptability(effects, "b", ["b", "s"], np.array([0.0, 50.0, 150.0]))
    assert list(curve["s"]) == [0.0, 0.0, 1.0]  # worth it once a point is worth more than £100
    assert list(curve["b"]) == [1.0, 1.0, 0.0]
