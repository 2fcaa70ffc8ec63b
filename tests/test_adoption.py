"""Adoption data: roles respected in hazards, the pooled-hazard likelihood, census data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from integration_sim.calibration import adoption_likelihood as al
from integration_sim.calibration.adoption import read_adoption, simulate_adoption
from integration_sim.calibration.config import Adoption
from integration_sim.calibration.observation import ObservationModel
from integration_sim.config.load import parse_scenario
from integration_sim.runs import simulate

DOCTORS_ONLY = {
    "name": "roles",
    "seed": 3,
    "horizon_weeks": 8,
    "system": {
        "localities": [{"name": "North"}],
        "organisations": [{"type": "clinic", "staff": 62}],
    },
    "organisation_types": {"clinic": {"scope": "locality", "roles": {"doctor": 0.5, "nurse": 0.5}}},
    "behaviours": {
        "joint_assessment": {
            "performers": ["clinic"],
            "partners": ["clinic"],
            "roles": ["doctor"],
            # Near-certain performance: every doctor adopts in the first weeks.
            "coefficients": {"intercept": 20.0},
        }
    },
    "behaviour_set": ["joint_assessment"],
    "parameters": {"behaviour": {"noise": 0.0}},
    "strategies": {"none": {"kind": "custom"}},
}


def test_hazard_counts_only_the_behaviours_roles(tmp_path):
    scenario = parse_scenario(DOCTORS_ONLY)
    t = simulate(scenario, tallies=True).tallies
    assert t.eligible[0, 0, 0] == 31  # 31 doctors of 62 staff, nurses not eligible
    path = tmp_path / "adopt.csv"
    path.write_text("locality,week,adopters,eligible\nNorth,3,31,31\n", encoding="utf-8")
    spec = Adoption(file=str(path), behaviour="joint_assessment", format="cumulative")
    rows = read_adoption(spec, scenario, path)
    hazard = ObservationModel(rows).statistics(t)[0]
    # 31 of 31 doctors adopted: a hazard of 1 (dividing by all 62 staff would give 0.5).
    assert hazard == pytest.approx(1.0)
    assert simulate_adoption(scenario, "joint_assessment", 4)["eligible"].tolist() == [31, 31]


def test_pooled_hazard_likelihood_is_finite_and_moderate_for_small_cohorts():
    # Data: 2 of 20 adopt. Simulated: nobody at risk adopted in 4 pooled runs of 20.
    ll = al.group_log_likelihood([2], [20], [0], [80])
    exact_zero = stats.binom.logpmf(2, 20, 1e-9)  # the old likelihood: about -37
    assert np.isfinite(ll) and ll > exact_zero + 25
    # Nobody simulated at risk: the Jeffreys prior alone, a proper predictive (sums to 1).
    total = sum(np.exp(al.group_log_likelihood([k], [20], [0], [0])) for k in range(21))
    assert total == pytest.approx(1.0)
    # Many pooled runs and no overdispersion: back to the binomial at the pooled hazard.
    assert al.group_log_likelihood([5], [20], [25_000], [100_000]) == pytest.approx(
        stats.binom.logpmf(5, 20, 0.25), abs=1e-3
    )


def test_overdispersion_and_random_effect_widen_the_predictive():
    k, n = np.arange(21), np.full(21, 20)

    def variance(**kw):
        p = np.exp([al.group_log_likelihood([x], [20], [500], [2000], **kw) for x in k])
        mean = (p * k).sum()
        return (p * (k - mean) ** 2).sum()

    base = variance()
    assert base == pytest.approx(20 * 0.25 * 0.75, rel=0.05)
    assert variance(overdispersion=0.2) > 1.5 * base
    assert variance(locality_sd=0.8) > 1.3 * base
    del n


def test_random_effect_is_shared_by_a_localitys_periods():
    # One shift for all periods: two high periods are more likely together than apart.
    together = al.group_log_likelihood([8, 8], [20, 20], [400, 400], [2000, 2000], locality_sd=1.0)
    apart = sum(
        al.group_log_likelihood([8], [20], [400], [2000], locality_sd=1.0) for _ in range(2)
    )
    assert together > apart + 0.5


def test_observation_model_uses_pooled_counts_per_locality():
    rows = pd.DataFrame(
        {
            "measurement_id": ["a", "b", "c"],
            "locator": "records",
            "behaviour": "joint_assessment",
            "locality": ["North", "North", "South"],
            "kind": "adoption",
            "numerator": [2.0, 3.0, 1.0],
            "denominator": [20.0, 18.0, 30.0],
        }
    )
    obs = ObservationModel(rows, overdispersion=0.1, locality_sd=0.5)
    counts = np.array([[8.0, 80.0], [10.0, 70.0], [5.0, 120.0]])
    expected = al.group_log_likelihood(
        [2, 3], [20, 18], [8, 10], [80, 70], 0.1, 0.5
    ) + al.group_log_likelihood([1], [30], [5], [120], 0.1, 0.5)
    assert obs.log_likelihood(np.zeros(3), counts) == pytest.approx(expected)
    # Per-candidate observation parameters override the defaults.
    assert obs.log_likelihood(np.zeros(3), counts, 0.0, 0.0) == pytest.approx(
        al.group_log_likelihood([2, 3], [20, 18], [8, 10], [80, 70])
        + al.group_log_likelihood([1], [30], [5], [120])
    )


def test_observation_parameters_can_be_fitted_and_are_checked(tmp_path):
    import yaml

    from integration_sim.calibration.abc import SimulationModel
    from integration_sim.calibration.config import load_config
    from integration_sim.errors import InputErrors

    (tmp_path / "s.yaml").write_text(yaml.safe_dump(DOCTORS_ONLY), encoding="utf-8")
    (tmp_path / "a.csv").write_text("locality,week,adopters,eligible\nNorth,3,31,31\n")
    base = (
        "scenario: s.yaml\nadoption: [{file: a.csv, behaviour: joint_assessment, "
        "format: cumulative}]\nparameters:\n"
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        base + "  observation.overdispersion: {distribution: beta, a: 1, b: 9}\n"
        "  observation.locality_sd: {distribution: uniform, low: 0, high: 1}\n",
        encoding="utf-8",
    )
    loaded = load_config(cfg)
    assert loaded.names == ["observation.overdispersion", "observation.locality_sd"]
    cfg.write_text(base + "  observation.smoothness: {distribution: beta, a: 1, b: 9}\n")
    with pytest.raises(InputErrors, match="parameters.observation.smoothness"):
        load_config(cfg)
    # A candidate outside an observation parameter's range has no model (zero likelihood).
    model = SimulationModel(loaded.scenario, ["observation.overdispersion"], None)
    assert model._scenario({"observation.overdispersion": 1.2}) is None
    assert model._scenario({"observation.overdispersion": 0.2}) is not None


def test_array_counts_equal_the_row_by_row_definition(tmp_path):
    # Every adoption row of the small-communities data, plus one over all
    # localities, against observation.adoption_counts applied row by row.
    from pathlib import Path

    from integration_sim.calibration.observation import adoption_counts
    from integration_sim.config.load import load_scenario

    here = Path(__file__).resolve().parents[1] / "calibration" / "small-communities"
    scenario = load_scenario(here / "scenario.yaml")
    spec = Adoption(file="adoption.csv", behaviour="joint_assessment", format="cumulative")
    rows = read_adoption(spec, scenario, here / "adoption.csv")
    everywhere = rows.iloc[[-1]].assign(locality="all", start_week=0, measurement_id="all")
    rows = pd.concat([rows, everywhere], ignore_index=True)
    t = simulate(scenario, tallies=True, seed=5).tallies
    model = ObservationModel(rows)
    counts = model.adoption_counts(t)
    sels = model._index(t)
    expected = np.array([adoption_counts(sels[i], t) for i in model.adoption_rows])
    assert counts.tolist() == expected.tolist()
    assert counts[:, 0].sum() > 0  # some adopted, so the check has something to compare
    hazards = model.statistics(t)[model.adoption_rows]
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.allclose(hazards, expected[:, 0] / expected[:, 1], equal_nan=True)


def test_common_seeds_make_the_pooled_counts_a_function_of_the_parameters():
    from pathlib import Path

    from integration_sim.calibration.abc import SimulationModel
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.seeds import run_seed, side_seeds

    here = Path(__file__).resolve().parents[1] / "calibration" / "small-communities"
    scenario = load_scenario(here / "scenario.yaml")
    spec = Adoption(file="adoption.csv", behaviour="joint_assessment", format="cumulative")
    obs = ObservationModel(read_adoption(spec, scenario, here / "adoption.csv"))
    param = "behaviours.joint_assessment.coefficients.intercept"
    seeds = side_seeds(1, "calibration_runs", 3)
    # Never a seed that may have simulated the data (scenario replicates use run_seed).
    assert not set(seeds) & {run_seed(1, r) for r in range(100)}
    common = SimulationModel(scenario, [param], obs, None, 3, common_seeds=seeds)
    fresh = SimulationModel(scenario, [param], obs, None, 3)
    a = common.pooled({param: -5.0}, seed=11)[1]
    assert a.tolist() == common.pooled({param: -5.0}, seed=12)[1].tolist()
    assert a[:, 0].sum() > 0
    assert (
        fresh.pooled({param: -5.0}, seed=11)[1].tolist()
        != fresh.pooled({param: -5.0}, seed=12)[1].tolist()
    )
    # A higher intercept with the same seeds: more adopters in total.
    assert common.pooled({param: -4.0}, seed=11)[1][:, 0].sum() > a[:, 0].sum()


def test_with_common_seeds_other_measurements_still_use_the_candidates_own_seed():
    # A proportion's likelihood expects the model's noise from ABC's own draws.
    from pathlib import Path

    from integration_sim.calibration.abc import SimulationModel
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.seeds import side_seeds

    here = Path(__file__).resolve().parents[1] / "calibration" / "small-communities"
    scenario = load_scenario(here / "scenario.yaml")
    spec = Adoption(file="adoption.csv", behaviour="joint_assessment", format="cumulative")
    rows = read_adoption(spec, scenario, here / "adoption.csv")
    share = rows.iloc[[0]].assign(
        kind="proportion",
        locality="all",
        start_week=0,
        end_week=51,
        numerator=5.0,
        denominator=50.0,
        from_type="all",
        to_type="all",
        measurement_id="share",
    )
    obs = ObservationModel(pd.concat([rows, share], ignore_index=True))
    param = "behaviours.joint_assessment.coefficients.intercept"
    seeds = side_seeds(1, "calibration_runs", 2)
    model = SimulationModel(scenario, [param], obs, None, 2, common_seeds=seeds)
    v11, c11 = model.pooled({param: -4.5}, seed=11)
    v12, c12 = model.pooled({param: -4.5}, seed=12)
    assert c11.tolist() == c12.tolist()
    assert v11[-1] != v12[-1]  # the proportion comes from the candidate's own run


def test_check_warns_when_adoption_intervals_would_be_too_narrow(tmp_path, capsys):
    import yaml

    from integration_sim.cli import main

    (tmp_path / "s.yaml").write_text(yaml.safe_dump(DOCTORS_ONLY), encoding="utf-8")
    (tmp_path / "a.csv").write_text("locality,week,adopters,eligible\nNorth,3,31,31\n")
    base = (
        "scenario: s.yaml\nadoption: [{file: a.csv, behaviour: joint_assessment, "
        "format: cumulative}]\nparameters:\n"
        "  behaviours.joint_assessment.coefficients.intercept: "
        "{distribution: uniform, low: -8, high: -4}\n"
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(base + "observation: {adoption_replicates: 8}\n", encoding="utf-8")
    assert main(["calibrate", str(cfg), "--check"]) == 0
    err = capsys.readouterr().err
    assert "name observation.locality_sd under parameters" in err
    assert "adoption_replicates is 8" in err
    # The recommended set-up: locality effect fitted, default 32 runs pooled.
    cfg.write_text(
        base + "  observation.locality_sd: {distribution: uniform, low: 0, high: 2}\n",
        encoding="utf-8",
    )
    assert main(["calibrate", str(cfg), "--check"]) == 0
    assert "warning" not in capsys.readouterr().err
