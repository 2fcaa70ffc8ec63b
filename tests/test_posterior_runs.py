"""Scenario runs that draw their parameters from a posterior file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import make_scenario

from integration_sim.runs import run

PATH = "behaviours.joint_assessment.coefficients.social"


def test_each_replicate_draws_a_weighted_sample_shared_across_strategies(tmp_path: Path) -> None:
    post = tmp_path / "posterior.parquet"
    pd.DataFrame(
        {PATH: [0.5, 4.0], "parameters.behaviour.habit_gain": [0.05, 0.2], "weight": [0.5, 0.5]}
    ).to_parquet(post)
    s = make_scenario({"parameters": {"posterior": str(post)}, "horizon_weeks": 6})
    res = run(s, replicates=10, workers=1, progress=False)
    draws = res.manifest["parameter_draws"]
    assert len(draws) == 20  # every run records its draw
    values = {d[PATH] for d in draws.values()}
    assert (
        values <= {0.5, 4.0} and len(values) == 2
    )  # both rows get drawn over 10 replicates (p = 2 ** -9 otherwise)
    for r in range(10):  # common random numbers: replicate r of each strategy uses the same draw
        assert draws[f"none/{r}"] == draws[f"pilot/{r}"]
    # Draws follow the row: the two columns move together.
    assert all(
        (d[PATH] == 0.5) == (d["parameters.behaviour.habit_gain"] == 0.05) for d in draws.values()
    )


def test_zero_weight_rows_are_never_drawn(tmp_path: Path) -> None:
    post = tmp_path / "posterior.parquet"
    pd.DataFrame({PATH: [0.5, 4.0], "weight": [0.0, 1.0]}).to_parquet(post)
    s = make_scenario({"parameters": {"posterior": str(post)}, "horizon_weeks": 5})
    res = run(s, strategies=["none"], replicates=4, workers=1, progress=False)
    assert {d[PATH] for d in res.manifest["parameter_draws"].values()} == {4.0}


def test_a_calibrations_observation_columns_are_left_out_of_scenario_runs(tmp_path: Path) -> None:
    """A calibration may fit its observation model too (observation.overdispersion, ...):
    its posterior file then has those columns, which describe how the data were measured,
    not the place. A scenario run with that file draws the scenario's columns only (it
    stopped with "no such key 'observation'")."""
    from integration_sim.calibration.config import OBSERVATION_PARAMETERS
    from integration_sim.config.posterior import OBSERVATION

    assert all(name.startswith(OBSERVATION) for name in OBSERVATION_PARAMETERS)
    post = tmp_path / "posterior.parquet"
    columns = {PATH: [0.5, 4.0], **dict.fromkeys(OBSERVATION_PARAMETERS, [0.01, 0.02])}
    pd.DataFrame({**columns, "weight": [0.5, 0.5]}).to_parquet(post)
    s = make_scenario({"parameters": {"posterior": str(post)}, "horizon_weeks": 5})
    res = run(s, strategies=["none"], replicates=3, workers=1, progress=False)
    assert all(set(d) == {PATH} for d in res.manifest["parameter_draws"].values())
