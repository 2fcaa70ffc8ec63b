"""Recovery from census adoption counts in four small communities (20-60 practitioners).

Monthly cumulative adopters, simulated with a known intercept on a generated
network of mean degree about 3 (calibration/small-communities/), calibrated
with the pooled-hazard likelihood (32 runs pooled per candidate, the same seeds
for every candidate; overdispersion and locality random effect fitted, as the
example config does): the run must reach temperature 1 and the truth must lie
inside the 90% interval. A small population keeps it to a few minutes; the
full-size run and its figures are in docs/calibration.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from integration_sim.calibration.adoption import simulate_adoption
from integration_sim.calibration.workflow import calibrate
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides

HERE = Path(__file__).resolve().parents[1] / "calibration" / "small-communities"
PARAM = "behaviours.joint_assessment.coefficients.intercept"
TRUTH = -5.5


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    d = tmp_path_factory.mktemp("adoption")
    scenario = apply_overrides(load_scenario(HERE / "scenario.yaml"), {PARAM: TRUTH})
    data = simulate_adoption(scenario, "joint_assessment", 4, seed=21)
    data.to_csv(d / "adoption.csv", index=False)
    config = yaml.safe_load((HERE / "config.yaml").read_text(encoding="utf-8"))
    config["scenario"] = str(HERE / "scenario.yaml")
    config["truth"] = {PARAM: TRUTH}
    config["observation"] = {"adoption_replicates": 32, "common_seeds": True}
    config["abc"] = {"population_size": 30, "max_generations": 6, "seed": 3, "predictive_draws": 6}
    (d / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = calibrate(d / "config.yaml", d / "out", workers=2, log=lambda *_: None)
    return d, data, result


@pytest.mark.slow
def test_monthly_census_counts_reach_temperature_1_and_are_informative(recovery):
    _, data, result = recovery
    assert sorted(data.groupby("locality")["eligible"].first()) == [11, 17, 24, 32]
    gens = result.generations
    # Shown with pytest -rP: the figures docs/calibration.md quotes.
    print(gens.to_string(index=False))
    print(result.summary[["parameter", "mean", "median", "q05", "q95", "shrinkage"]].to_string())
    assert gens["temperature"].iloc[0] < 100  # was 2e5 with the single-run hazard
    assert gens["temperature"].iloc[-1] == pytest.approx(1.0)
    s = result.summary.set_index("parameter").loc[PARAM]
    assert s["shrinkage"] > 0.3  # the counts are informative


@pytest.mark.slow
def test_truth_inside_the_90_percent_interval(recovery):
    _, _, result = recovery
    s = result.summary.set_index("parameter").loc[PARAM]
    assert s["q05"] <= TRUTH <= s["q95"], s.to_dict()


@pytest.mark.slow
def test_predictive_is_in_cumulative_adopters(recovery):
    d, data, result = recovery
    pred = pd.read_csv(d / "out" / "predictive.csv")
    assert set(pred["unit"]) == {"cumulative adopters"}
    observed = pred.set_index(["locality", "end_week"])["observed"]
    expected = data.set_index(["locality", "week"])["adopters"]
    assert observed.sort_index().tolist() == expected.sort_index().tolist()
    assert (d / "out" / "diagnostics" / "adoption.png").exists()
    manifest = json.loads((d / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["config_content"]["observation"]["adoption_replicates"] == 32
