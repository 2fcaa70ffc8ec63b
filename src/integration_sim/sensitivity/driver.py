"""Running a sweep end to end: design, store, execute (resumably), analyse.

:func:`sweep` is what ``integration-sim sweep`` and notebooks call.
"""

from __future__ import annotations

import hashlib
import inspect
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from integration_sim import __version__
from integration_sim.errors import InputError
from integration_sim.parallel import Pool
from integration_sim.progress import Progress
from integration_sim.sensitivity.executor import Batch, plan_batches, preload, run_batches
from integration_sim.sensitivity.experiment import Experiment, load_experiment
from integration_sim.sensitivity.models import RunSpec, bind, evaluate
from integration_sim.sensitivity.report import Analysis, analyse
from integration_sim.sensitivity.sampling import to_values, unit_design
from integration_sim.sensitivity.store import Store

TARGET_TASK_SECONDS = 1.0  # work per task: scheduling overhead (ms) stays well under 1%
TASKS_PER_SLOT = 4  # at least this many tasks per worker, so the last ones balance out


@dataclass
class SweepResult:
    """A finished sweep: where it is, what ran, and the analysis tables."""

    out_dir: Path
    experiment: Experiment
    analysis: Analysis | None
    runs_total: int
    runs_this_call: int
    seconds: float
    batch_size: int
    execute_seconds: float = 0.0  # wall time of running the batches alone (s)

    @property
    def results(self) -> pd.DataFrame:
        """One row per run (sorted by run index): bookkeeping, parameters, outputs."""
        return self.analysis.results if self.analysis else Store(self.out_dir).results()

    @property
    def indices(self) -> pd.DataFrame:
        """Sensitivity indices (the contents of indices.csv)."""
        return self.analysis.indices if self.analysis else pd.DataFrame()

    @property
    def failures(self) -> pd.DataFrame:
        """Runs that failed twice, with parameters and traceback."""
        res = self.results
        return self.analysis.failures if self.analysis else res[res["status"] != "ok"]


def sweep(
    experiment: str | Path | Experiment,
    out_dir: str | Path,
    workers: int | None = None,
    scheduler: Any = None,
    resume: bool = False,
    progress: bool | None = None,
    batch_size: int | None = None,
    analyse_results: bool = True,
) -> SweepResult:
    """Run (or resume) a sensitivity sweep and analyse it.

    Args:
        experiment: an experiment file, or an :class:`Experiment` (relative
            scenario paths are then taken from the current folder).
        out_dir: the sweep folder (results store, tables, charts).
        workers: local workers (default: all cores; 1 runs in this process).
        scheduler: a Dask scheduler address (``tcp://host:8786``), cluster or Client.
        resume: finish a sweep already in ``out_dir``; without it a folder
            holding a sweep is refused.
        progress: show a progress bar (default: only on a terminal).
        batch_size: runs per task (default: the experiment's, else timed).
        analyse_results: write indices, charts and reports (False: only run and store).
    """
    start = time.monotonic()
    exp, text, path = _load(experiment)
    spec = bind(exp, path, text)
    store = Store(out_dir)
    fingerprint = _fingerprint(exp, spec)
    # A model sweep will almost surely use its workers: start their server now.
    prestart = spec.kind == "scenario"
    with Pool(workers, scheduler, context=spec, preload=preload(spec), prestart=prestart) as pool:
        values, per_run = _prepare(store, exp, spec, text, fingerprint, resume, pool, batch_size)
        manifest = store.read_manifest()
        size = int(manifest["batch_size"])
        done, executed = _execute(store, exp, values, pool, size, per_run, progress)
    analysis = analyse(store, exp, spec) if analyse_results else None
    if analysis is not None:
        manifest.update(status="complete", runs_failed=int(len(analysis.failures)))
    store.write_manifest(manifest)
    n_runs = len(values) * exp.replicates
    return SweepResult(
        Path(out_dir),
        exp,
        analysis,
        n_runs,
        done,
        time.monotonic() - start,
        size,
        executed,
    )


def _execute(
    store: Store,
    exp: Experiment,
    values,
    pool: Pool,
    size: int,
    per_run: float | None,
    progress: bool | None,
) -> tuple[int, float]:
    """Run the batches not yet in the store; return (runs done, seconds taken)."""
    n_runs = len(values) * exp.replicates
    done = store.done_batches()
    todo = [
        _batch(b, runs, values, exp.replicates)
        for b, runs in plan_batches(n_runs, size)
        if b not in done
    ]
    n_todo = sum(len(b.runs) for b in todo)
    t0 = time.monotonic()
    with Progress(n_runs, f"sweep {exp.name}", enabled=progress, done=n_runs - n_todo) as bar:
        for batch, cols in run_batches(pool, pool.context, todo, per_run and per_run * size):
            store.write_part(batch.index, pd.DataFrame(cols))
            bar.advance(len(batch.runs))
    return n_todo, time.monotonic() - t0


def _load(experiment: str | Path | Experiment) -> tuple[Experiment, str, Path]:
    if isinstance(experiment, Experiment):
        text = yaml.safe_dump(
            experiment.model_dump(mode="json", exclude_none=True), sort_keys=False
        )
        return experiment, text, Path.cwd() / f"{experiment.name}.yaml"
    exp, text = load_experiment(experiment)
    return exp, text, Path(experiment)


def _fingerprint(exp: Experiment, spec: RunSpec) -> str:
    """Hash of everything that decides the results: experiment, scenario, function source."""
    h = hashlib.sha256(exp.content_hash().encode())
    h.update(spec.scenario_hash.encode())
    if spec.function:
        from integration_sim.sensitivity.models import load_function

        try:
            h.update(
                inspect.getsource(
                    inspect.getmodule(load_function(spec.function, spec.search_path))
                ).encode()
            )
        except (OSError, TypeError):
            h.update(spec.function.encode())  # no source (e.g. compiled): the name must do
    return h.hexdigest()


def _prepare(
    store: Store,
    exp: Experiment,
    spec: RunSpec,
    text: str,
    fingerprint: str,
    resume: bool,
    pool: Pool,
    batch_size: int | None,
) -> tuple[Any, float | None]:
    """Create the store (or check it for resuming).

    Returns the sample values (points x parameters) and, when runs were timed
    here to size the batches, the seconds one run takes.
    """
    if resume:
        if not store.exists():
            raise InputError(
                "no sweep to resume here (no manifest.json); start a new sweep instead",
                file=store.dir,
            )
        manifest = store.read_manifest()
        if manifest.get("fingerprint") != fingerprint:
            raise InputError(
                "the experiment (or its scenario or function) has changed since this sweep started; "
                "resuming would mix results. Run into a new folder instead",
                file=store.dir,
            )
        return store.samples()[exp.parameter_names].to_numpy(), None
    unit = unit_design(exp)
    values = to_values(exp, unit)
    per_run = None if batch_size or exp.batch_size else _seconds_per_run(spec, values)
    size = batch_size or exp.batch_size or _timed_batch_size(per_run, len(values), exp, pool)
    manifest = {
        "kind": "integration-sim sweep",
        "experiment": exp.name,
        "method": exp.method,
        "fingerprint": fingerprint,
        "points": len(values),
        "replicates": exp.replicates,
        "runs": len(values) * exp.replicates,
        "batch_size": size,
        "parameters": {p.label: p.path for p in exp.parameters},
        "outputs": exp.output_names,
        "integration_sim_version": __version__,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "status": "running",
    }
    design = pd.DataFrame(unit, columns=exp.parameter_names)
    samples = pd.DataFrame(values, columns=exp.parameter_names)
    samples.insert(0, "point", range(len(values)))
    store.create(manifest, text, design, samples)
    return values, per_run


def _timed_batch_size(seconds: float, points: int, exp: Experiment, pool: Pool) -> int:
    """Runs per task so a task takes about TARGET_TASK_SECONDS, with enough tasks to balance."""
    n_runs = points * exp.replicates
    slots = pool.slots_for(seconds * n_runs)
    by_time = max(int(TARGET_TASK_SECONDS / max(seconds, 1e-7)), 1)
    by_balance = max(math.ceil(n_runs / (slots * TASKS_PER_SLOT)), 1)
    return min(by_time, by_balance)


def _seconds_per_run(spec: RunSpec, values) -> float:
    """CPU time of one run, timed here on the first points (up to 0.2 s of trying).

    CPU time, not wall: on a busy machine, waiting for a core would inflate it.
    """
    t0, n = time.thread_time(), 0
    try:
        while n < 50 and (n == 0 or time.thread_time() - t0 < 0.2):
            evaluate(spec, values[n % len(values)], n)
            n += 1
    except Exception:  # the run itself will fail again, and be recorded, in the sweep
        n = max(n, 1)
    return (time.thread_time() - t0) / n


def _batch(index: int, runs: range, values, replicates: int) -> Batch:
    vals = tuple(tuple(float(v) for v in values[r // replicates]) for r in runs)
    return Batch(index=index, runs=tuple(runs), values=vals)
