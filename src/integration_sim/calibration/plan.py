"""Simulating a planned measurement programme before fieldwork.

A plan is a measurement file whose observed values are left blank: each row
says what a locator will measure (behaviour, relationship, locality, period,
kind) and how much (denominator, exposure, or sd and n). Simulating it runs the
scenario once and fills each row with the values that measurement would have
given in the simulated place, drawn through the same observation model that
calibration uses. Calibrating on the result shows whether the programme can
identify the parameters it cares about.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from integration_sim.calibration.measurements import context_from_scenario, read_many
from integration_sim.calibration.observation import ObservationModel
from integration_sim.config.scenario import Scenario
from integration_sim.engine.seeds import run_seed, side_rng
from integration_sim.runs import simulate


def read_plan(
    paths: list[str | Path], scenario: Scenario, start_date: str | None = None
) -> pd.DataFrame:
    """Read and validate plan files against ``scenario`` (observed values may be blank)."""
    return read_many(list(paths), context_from_scenario(scenario, start_date), plan=True)


def observation_rng(seed: int, replicate: int) -> np.random.Generator:
    """The measurement-noise stream: separate from every stream the model uses."""
    return side_rng(seed, "observation", replicate)


def simulate_measurements(
    scenario: Scenario,
    plan: pd.DataFrame,
    *,
    seed: int | None = None,
    replicate: int = 0,
    overdispersion: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run ``scenario`` once and fill in the plan's observed values.

    Returns (measurements, truth): the synthetic measurements in the file format
    (notes say they are synthetic) and, per measurement, the simulated true value
    of the statistic it estimates.
    """
    seed = scenario.seed if seed is None else seed
    result = simulate(scenario, replicate=replicate, seed=run_seed(seed, replicate), tallies=True)
    model = ObservationModel(plan, overdispersion)
    values = model.statistics(result.tallies)
    out = model.sample(values, observation_rng(seed, replicate))
    label = (
        f"SYNTHETIC: simulated from scenario {scenario.name!r}, seed {seed}, replicate {replicate}"
    )
    out["notes"] = [f"{label}. {n}" if n else label for n in out["notes"].fillna("")]
    truth = pd.DataFrame(
        {"measurement_id": out["measurement_id"], "true_value": values, "estimate": out["estimate"]}
    )
    return out, truth
