"""The whole calibration: config -> measurements -> ABC-SMC -> posterior, summary, diagnostics.

:func:`calibrate` is what ``integration-sim calibrate`` and notebooks call.
Output folder::

    history.db           pyabc's SQLite history (every generation; resuming continues it)
    posterior.parquet    one row per weighted sample: dotted-path columns and weight (also .csv)
    summary.csv          mean, sd, median, 5% and 95% per parameter, ESS, shrinkage
    generations.csv      temperature, simulations, acceptance and ESS per generation
    predictive.csv       posterior predictive check of every measurement
    measurements.csv     the measurements used (validated, adoption data included)
    diagnostics/*.png    charts; diagnostics.html shows them all
    manifest.json        config, seeds, versions and file hashes; written last
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from integration_sim.calibration.abc import (
    PRELOAD,
    SimulationModel,
    generations,
    posterior_table,
    run_abc,
)
from integration_sim.calibration.config import Loaded
from integration_sim.calibration.inputs import load_config_only
from integration_sim.calibration.observation import ObservationModel
from integration_sim.calibration.posterior import summarise_posterior, write_posterior
from integration_sim.calibration.predictive import posterior_predictive
from integration_sim.engine.seeds import side_seeds
from integration_sim.files import content_hash, write_json, write_table
from integration_sim.parallel import Pool


@dataclass
class CalibrationResult:
    """What a calibration produced (also written to its output folder)."""

    posterior: pd.DataFrame
    summary: pd.DataFrame
    generations: pd.DataFrame
    predictive: pd.DataFrame
    out_dir: Path


def build_model(loaded: Loaded, measurements: pd.DataFrame) -> SimulationModel:
    """The pyabc model for this config; one pilot run checks every measurement can be observed."""
    cfg = loaded.config
    observation = ObservationModel(
        measurements, cfg.observation.overdispersion, cfg.observation.locality_sd
    )
    model = SimulationModel(
        loaded.scenario,
        loaded.names,
        observation,
        cfg.strategy,
        adoption_replicates=cfg.observation.adoption_replicates,
        common_seeds=(
            side_seeds(cfg.abc.seed, "calibration_runs", cfg.observation.adoption_replicates)
            if cfg.observation.common_seeds
            else None
        ),
    )
    medians = {n: float(p.frozen().median()) for n, p in cfg.parameters.items()}
    model.statistics(
        medians, seed=cfg.abc.seed
    )  # raises InputError naming a measurement it cannot see
    return model


def calibrate(
    config_path: str | Path,
    out_dir: str | Path | None = None,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    overrides: dict | None = None,
    log=print,
    verbose: bool = False,
) -> CalibrationResult:
    """Run the calibration described by ``config_path``; write everything to ``out_dir``.

    ``out_dir`` defaults to ``<config folder>/<config name>-out``. Same config,
    seed and inputs give the same posterior whatever ``workers`` or ``scheduler``.
    ``overrides`` (dotted path -> value, ``--set``) change the config's scenario
    before anything runs, e.g. to fix a parameter that is not fitted.
    """
    started = datetime.now(UTC)
    loaded, measurements = load_config_only(config_path, overrides)
    out = Path(out_dir) if out_dir else loaded.path.with_name(loaded.path.stem + "-out")
    cfg = loaded.config
    model = build_model(loaded, measurements)
    log(
        f"calibrating {len(loaded.names)} parameters on {len(measurements)} measurements "
        f"(population {cfg.abc.population_size}, up to {cfg.abc.max_generations} generations)"
    )
    t0 = time.monotonic()
    # One pool for the whole calibration: workers start once, and hold the model.
    with Pool(workers, scheduler, context=model, preload=PRELOAD, prestart=True) as pool:
        history = run_abc(
            model,
            cfg.parameters,
            cfg.abc,
            out / "history.db",
            pool=pool,
            resume=resume,
            verbose=verbose,
        )
        gens = generations(history)
        log(
            f"ABC-SMC: {len(gens)} generations, {int(gens['simulations'].sum())} simulations, "
            f"final temperature {gens['temperature'].iloc[-1]:.3g}, {time.monotonic() - t0:.0f} s"
        )
        posterior = posterior_table(history, loaded.names)
        predictive = posterior_predictive(
            model, posterior, cfg.abc.predictive_draws, cfg.abc.seed, pool
        )
    prior_sd = {n: float(p.frozen().std()) for n, p in cfg.parameters.items()}
    summary = summarise_posterior(posterior, prior_sd)
    result = CalibrationResult(posterior, summary, gens, predictive, out)
    _write(result, loaded, measurements, started, workers, scheduler)
    return result


def _write(
    result: CalibrationResult,
    loaded: Loaded,
    measurements: pd.DataFrame,
    started: datetime,
    workers: int,
    scheduler: str | None,
) -> None:
    from integration_sim import __version__
    from integration_sim.calibration.diagnostics import write_diagnostics

    out = result.out_dir
    files = write_posterior(result.posterior, out / "posterior")
    for name in ("summary", "generations", "predictive"):
        files += write_table(getattr(result, name), out / name, csv=True)
    files += write_table(measurements, out / "measurements", csv=True)
    files += write_diagnostics(result, loaded.config.parameters, measurements, loaded.config.truth)
    import pyabc

    inputs = [loaded.path, *loaded.measurement_files] + [
        loaded.resolve(a.file) for a in loaded.config.adoption
    ]
    write_json(
        out / "manifest.json",
        {
            "package": "integration-sim",
            "version": __version__,
            "pyabc": pyabc.__version__,
            "config": str(loaded.path),
            "config_content": loaded.config.model_dump(mode="json"),
            "scenario": loaded.scenario.name,
            "scenario_overrides": loaded.overrides,
            "scenario_hash": loaded.scenario.content_hash(),
            "input_hashes": {str(p): content_hash(Path(p).read_bytes()) for p in inputs},
            "seed": loaded.config.abc.seed,
            "workers": workers,
            "scheduler": scheduler,
            "method": "ABC-SMC, stochastic acceptor with measurement log-likelihood kernel, temperature to 1",
            "started": started.isoformat(),
            "finished": datetime.now(UTC).isoformat(),
            "files": sorted(str(Path(p).relative_to(out)) for p in files),
        },
    )
