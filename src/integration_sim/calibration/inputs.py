"""A calibration's inputs, read and checked without running anything: the config, its
scenario and every measurement it names (``integration-sim calibrate --check``).

Nothing here needs pyabc, so a mistake in the inputs is reported in the time it takes to
read them, and ``--check`` works where pyabc is not installed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from integration_sim.calibration.adoption import read_adoption
from integration_sim.calibration.config import RECOMMENDED_ADOPTION_REPLICATES, Loaded, load_config
from integration_sim.calibration.measurements import context_from_scenario, read_many
from integration_sim.present.format import count_of


def load_measurements(loaded: Loaded) -> pd.DataFrame:
    """Every measurement the config names, validated against its scenario, adoption data included."""
    cfg = loaded.config
    frames = []
    if loaded.measurement_files:
        context = context_from_scenario(loaded.scenario, cfg.start_date)
        frames.append(read_many(loaded.measurement_files, context))
    for spec in cfg.adoption:
        frames.append(read_adoption(spec, loaded.scenario, loaded.resolve(spec.file)))
    return pd.concat([f for f in frames if len(f)], ignore_index=True)


def load_config_only(
    path: str | Path, overrides: dict | None = None
) -> tuple[Loaded, pd.DataFrame]:
    """Validate a config (and its scenario and measurement files) without running anything.

    Returns the loaded config and every measurement row it would use.
    """
    loaded = load_config(path, overrides)
    return loaded, load_measurements(loaded)


def adoption_advice(loaded: Loaded) -> list[str]:
    """Warnings for adoption data fitted unlike the set-up whose intervals were checked.

    ``benchmarks/sbc_likelihood.py`` found nominal coverage with 32 runs
    pooled and the locality random effect fitted, and 90% intervals too
    narrow with 8 runs (docs/calibration.md, "Coverage over 100 truths").
    """
    cfg = loaded.config
    if not cfg.adoption:
        return []
    advice = []
    if "observation.locality_sd" not in loaded.names and cfg.observation.locality_sd == 0:
        advice.append(
            "adoption data without a locality random effect: name observation.locality_sd "
            "under parameters (e.g. uniform 0-2); intervals from adoption data were checked to "
            "hold their coverage with it fitted (docs/calibration.md, 'Coverage over 100 truths')"
        )
    if cfg.observation.adoption_replicates < RECOMMENDED_ADOPTION_REPLICATES:
        advice.append(
            f"observation.adoption_replicates is {cfg.observation.adoption_replicates}: with "
            f"fewer than {RECOMMENDED_ADOPTION_REPLICATES} runs pooled, 90% intervals from adoption data "
            "cover the truth less often than 90% (docs/calibration.md)"
        )
    return advice


def check_summary(loaded: Loaded, measurements: pd.DataFrame) -> str:
    """One line saying what a config would fit to what (``calibrate --check``)."""
    adoption = measurements[measurements["kind"] == "adoption"]
    parts = [
        count_of(len(loaded.names), "parameter"),
        f"{count_of(len(loaded.measurement_files), 'measurement file')} "
        f"({count_of(len(measurements) - len(adoption), 'row')})",
    ]
    if len(loaded.config.adoption):
        parts.append(
            f"{count_of(len(loaded.config.adoption), 'adoption file')} "
            f"({count_of(len(adoption), 'adoption period')} "
            f"in {count_of(adoption['locality'].nunique(), 'locality', 'localities')}, weeks "
            f"{int(adoption['start_week'].min())}-{int(adoption['end_week'].max())})"
        )
    return ", ".join(parts)
