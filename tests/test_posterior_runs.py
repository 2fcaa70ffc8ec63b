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
