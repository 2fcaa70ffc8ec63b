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
from integration_sim.calibration.adoption import read_adoption
from integration_sim.calibration.config import RECOMMENDED_ADOPTION_REPLICATES, Loaded, load_config
from integration_sim.calibration.measurements import context_from_scenario, read_many
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
    loaded = load_config(config_path, overrides)
    out = Path(out_dir) if out_dir else loaded.path.with_name(loaded.path.stem + "-out")
    cfg = loaded.config
    measurements = load_measurements(loaded)
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
        f"{len(loaded.names)} parameters",
        f"{len(loaded.measurement_files)} measurement files "
        f"({len(measurements) - len(adoption)} rows)",
    ]
    if len(loaded.config.adoption):
        parts.append(
            f"{len(loaded.config.adoption)} adoption files ({len(adoption)} adoption periods "
            f"in {adoption['locality'].nunique()} localities, weeks "
            f"{int(adoption['start_week'].min())}-{int(adoption['end_week'].max())})"
        )
    return ", ".join(parts)
