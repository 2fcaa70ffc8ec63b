"""Analysis pieces: noise share, PRIM, measurement priorities, and the built-in model route."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import ANALYTIC, REPO, write_experiment

from integration_sim.config.load import load_scenario
from integration_sim.sensitivity import load_experiment, sweep
from integration_sim.sensitivity.analysis import RBD_MIN_POINTS, indices
from integration_sim.sensitivity.discovery import prim
from integration_sim.sensitivity.priorities import behaviour_of, relationship


def test_noise_share_matches_known_noise(tmp_path):
    # y = x1 + x2 + e, x ~ U(0,1), e ~ N(0, 0.25): noise share of single runs = 0.25 / (1/6 + 0.25) = 0.6.
    params = [{"path": "x1", "bounds": [0, 1]}, {"path": "x2", "bounds": [0, 1]}]
    exp = write_experiment(
        tmp_path,
        method="lhs",
        samples=300,
        function=f"{ANALYTIC}:noisy",
        parameters=params,
        replicates=4,
    )
    sweep(exp, tmp_path / "out", workers=1, progress=False)
    noise = pd.read_csv(tmp_path / "out" / "noise.csv").iloc[0]
    # Pooled variance over 300 points x 3 df: relative SE sqrt(2/900) = 4.7%; the share's
    # SE is about 0.6 * 0.4 * 0.047 * sqrt(2) ~ 0.016 once the total's own error is added.
    assert noise["noise_share"] == pytest.approx(0.6, abs=4 * 0.016)
    # Means of 4 replicates: 0.0625 / (1/6 + 0.0625) = 0.273.
    assert noise["noise_share_of_means"] == pytest.approx(0.273, abs=0.06)
    assert list(pd.read_csv(tmp_path / "out" / "indices.csv").columns) == [
        "output",
        "parameter",
        "S1",
        "S1_conf",
        "note",
    ]


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, size=(4000, 3))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.3)
    found = prim(x, y, alpha=0.05, min_mass=0.05)
    box = found.box
    assert box.density > 0.9 and box.coverage > 0.8
    assert box.lower[0] == pytest.approx(0.6, abs=0.05) and box.upper[1] == pytest.approx(
        0.3, abs=0.05
    )
    assert box.lower[2] < 0.05 and box.upper[2] > 0.95  # x3 is irrelevant: unrestricted
    assert found.base_rate == pytest.approx(0.12, abs=0.02)


def test_priorities_map_paths_to_behaviours_and_relationships():
    scenario = load_scenario(REPO / "scenarios" / "example_place.yaml")
    assert behaviour_of("behaviours.trusted_assessment.coefficients.social") == "trusted_assessment"
    assert behaviour_of("strategies.colocation_pilot.funding.budget") == "system"
    assert (
        relationship("trusted_assessment", scenario)
        == "adult_social_care, community_health -> acute_trust"
    )


def test_discovery_files_written(tmp_path):
    exp = write_experiment(
        tmp_path,
        method="lhs",
        samples=500,
        discovery={"output": "y", "above": 8, "question": "y is above 8"},
    )
    sweep(exp, tmp_path / "out", workers=1, progress=False)
    table = pd.read_csv(tmp_path / "out" / "discovery.csv")
    assert {"parameter", "box_lower", "box_upper", "coverage", "density"} <= set(table.columns)
    assert table["restricted"].any()
    assert "y is above 8" in (tmp_path / "out" / "discovery.md").read_text()


@pytest.mark.slow
def test_built_in_model_difference_of_strategies(tmp_path):
    exp = write_experiment(
        tmp_path,
        method="morris",
        samples=2,
        function=None,
        scenario=str(REPO / "scenarios" / "example_place.yaml"),
        fixed={"horizon_weeks": 26, "system.localities.0.population": 20000},
        parameters=[
            {"path": "behaviours.joint_assessment.coefficients.social", "bounds": [1.0, 3.0]},
            {"path": "strategies.colocation_pilot.funding.budget", "bounds": [5e5, 3e6]},
        ],
        outputs=[
            {
                "metric": "integration_final",
                "difference": ["colocation_pilot", "business_as_usual"],
            },
            {"metric": "final_joint_assessment", "strategy": "colocation_pilot"},
        ],
        batch_size=3,
    )
    result = sweep(exp, tmp_path / "out", workers=2, progress=False)
    assert len(result.failures) == 0 and result.runs_total == 6
    assert np.isfinite(result.indices["mu_star"]).all()
    prio = pd.read_csv(tmp_path / "out" / "priorities.csv")
    assert set(prio["behaviour"]) == {"joint_assessment", "system"}
    assert (tmp_path / "out" / "charts" / "priorities.png").exists()


def test_lhs_of_the_verdict_size_is_analysed_to_the_end(tmp_path):
    # 80 points, as experiments/verdict_sensitivity.yaml: the convergence check's 40-point
    # half design once made SALib's RBD-FAST bootstrap divide by zero after the runs were stored.
    exp = write_experiment(tmp_path, method="lhs", samples=80)
    result = sweep(exp, tmp_path / "out", workers=1, progress=False)
    assert np.isfinite(result.indices[["S1", "S1_conf"]].to_numpy()).all()
    assert (result.indices["note"] == "").all()
    conv = pd.read_csv(tmp_path / "out" / "convergence.csv")
    assert np.isfinite(conv["half"]).all() and conv["stable"].notna().all()
    assert "largest S1: x2" in (tmp_path / "out" / "summary.md").read_text()


def _lhs_indices(tmp_path, y: np.ndarray) -> pd.DataFrame:
    """RBD-FAST indices of outputs ``y`` on an Ishigami LHS of len(y) points."""
    exp, _ = load_experiment(write_experiment(tmp_path, method="lhs", samples=len(y)))
    design = np.random.default_rng(3).uniform(-np.pi, np.pi, size=(len(y), 3))
    return indices(exp, design, pd.DataFrame({"y": y}))


@pytest.mark.parametrize("n", [RBD_MIN_POINTS - 2, RBD_MIN_POINTS - 1])
def test_lhs_with_too_few_points_gives_nan_and_a_note(tmp_path, n):
    y = np.random.default_rng(n).normal(size=n)
    table = _lhs_indices(tmp_path, y)
    assert table[["S1", "S1_conf"]].isna().all().all()
    assert table["note"].str.startswith("too few points for RBD-FAST").all()


def test_lhs_too_small_for_the_bootstrap_keeps_the_index_without_interval(tmp_path):
    y = np.random.default_rng(1).normal(size=2 * RBD_MIN_POINTS - 4)
    table = _lhs_indices(tmp_path, y)
    assert table["S1"].notna().all() and table["S1_conf"].isna().all()
    assert table["note"].str.startswith("no interval").all()


def test_constant_or_failed_output_gives_nan_and_says_why(tmp_path):
    table = _lhs_indices(tmp_path, np.full(60, 2.5))
    assert table["S1"].isna().all() and table["note"].str.contains("constant").all()
    table = _lhs_indices(tmp_path, np.full(60, np.nan))
    assert table["S1"].isna().all() and table["note"].str.contains("no complete").all()
