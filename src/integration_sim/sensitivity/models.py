"""The model under study: the built-in simulation or an importable ``module:function``.

:func:`bind` checks an experiment against its model once, in the main process,
and returns a small picklable :class:`RunSpec`. Workers (local processes or
Dask) call :func:`run_batch` with that spec; everything a run depends on is in
the spec, the sampled values and the run index, so results do not depend on
which worker ran them or in what order.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from integration_sim import runs as runner
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides, get_path
from integration_sim.config.scenario import Scenario
from integration_sim.engine.seeds import run_seed
from integration_sim.errors import InputError
from integration_sim.metrics import run_metric_names
from integration_sim.sensitivity.experiment import RESERVED_COLUMNS, Experiment, input_error

ATTEMPTS = 2  # a failing run is retried once, then recorded as failed


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs to run any run of a sweep (picklable, a few kB)."""

    kind: str  # "scenario" or "function"
    seed: int
    replicates: int
    param_keys: tuple[str, ...]  # dotted paths (scenario) or dict keys (function)
    param_names: tuple[str, ...]  # column labels
    outputs: tuple[tuple[str, str, tuple[str, ...]], ...]  # (label, metric, strategies: 1 or 2)
    function: str | None = None
    search_path: tuple[str, ...] = ()
    scenario_data: dict[str, Any] | None = field(default=None, compare=False, repr=False)
    scenario_hash: str = ""

    @property
    def output_names(self) -> list[str]:
        """Output column labels."""
        return [label for label, _, _ in self.outputs]

    @property
    def strategies(self) -> list[str]:
        """Strategies each run simulates (all share the run's seed: common random numbers)."""
        seen: dict[str, None] = {}
        for _, _, strategies in self.outputs:
            seen.update(dict.fromkeys(strategies))
        return list(seen)


# --------------------------------------------------------------------------- binding


def bind(experiment: Experiment, path: str | Path, text: str) -> RunSpec:
    """Check the experiment against its model and return the spec workers run."""
    base = dict(
        seed=experiment.seed,
        replicates=experiment.replicates,
        param_keys=tuple(p.path for p in experiment.parameters),
        param_names=tuple(experiment.parameter_names),
    )
    folder = str(Path(path).resolve().parent)
    if experiment.function is not None:
        search = (folder, str(Path.cwd()))
        try:
            load_function(experiment.function, search)
        except InputError as err:
            raise input_error(err.message, path, text, "function") from None
        outputs = tuple((o.label, o.metric, ()) for o in experiment.output_specs)
        return RunSpec(
            kind="function",
            outputs=outputs,
            function=experiment.function,
            search_path=search,
            **base,
        )
    return _bind_scenario(experiment, Path(path), text, base)


def _bind_scenario(experiment: Experiment, path: Path, text: str, base: dict[str, Any]) -> RunSpec:
    scenario_path = (path.parent / experiment.scenario).resolve()
    if not scenario_path.is_file():
        if scenario_path.is_dir():
            message = f"{scenario_path} is a folder, not a scenario file"
        else:
            message = f"scenario file not found: {scenario_path}"
        raise input_error(message, path, text, "scenario")
    scenario = load_scenario(scenario_path)
    swept = {p.path: i for i, p in enumerate(experiment.parameters)}
    for key in experiment.fixed:
        if key in swept:  # the sample would overwrite the fixed value in every run
            message = f"also swept (parameters.{swept[key]}): fix it or sweep it, not both"
            raise input_error(message, path, text, "fixed", key)
    if experiment.fixed:
        try:
            scenario = apply_overrides(scenario, experiment.fixed, source=str(scenario_path))
        except InputError as err:
            raise input_error(f"{err.field}: {err.message}", path, text, "fixed") from None
    data = scenario.model_dump(mode="python")
    for i, p in enumerate(experiment.parameters):
        try:
            value = get_path(data, p.path)
        except InputError as err:
            raise input_error(err.message, path, text, "parameters", i, "path") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise input_error(
                f"{p.path} holds {value!r}, not a number", path, text, "parameters", i, "path"
            )
        for end in p.bounds or ():
            try:  # a bound the scenario schema rejects would fail every run near it
                apply_overrides(scenario, {p.path: int(round(end)) if p.integer else end})
            except InputError as err:
                msg = f"bound {end} is not allowed for {p.path}: {err.message}"
                raise input_error(msg, path, text, "parameters", i, "bounds") from None
    default = experiment.strategy or next(iter(scenario.strategies))
    outputs = []
    for i, o in enumerate(experiment.output_specs):
        names = o.difference or (o.strategy or default,)
        for name in names:
            if name not in scenario.strategies:
                known = ", ".join(scenario.strategies)
                raise input_error(
                    f"unknown strategy {name!r} (scenario has: {known})", path, text, "outputs", i
                )
        _check_metric(o.metric, scenario, path, text, i)
        outputs.append((o.label, o.metric, tuple(names)))
    if experiment.strategy and experiment.strategy not in scenario.strategies:
        raise input_error(f"unknown strategy {experiment.strategy!r}", path, text, "strategy")
    return RunSpec(
        kind="scenario",
        outputs=tuple(outputs),
        scenario_data=scenario.model_dump(mode="json"),
        scenario_hash=scenario.content_hash(),
        **base,
    )


def _check_metric(metric: str, scenario: Any, path: Path, text: str, index: int) -> None:
    # Only per-run metrics: a sweep runs one strategy at a time (see metrics.METRICS).
    known_names = run_metric_names(scenario.practitioner_behaviours)
    if metric not in known_names:
        known = ", ".join(known_names)
        raise input_error(
            f"unknown metric {metric!r} (known: {known})", path, text, "outputs", index, "metric"
        )


def load_function(ref: str, search_path: Sequence[str] = ()) -> Callable[..., dict[str, float]]:
    """Import ``module:function``, trying ``search_path`` folders after the usual import path.

    Importing runs the module's code: an experiment's ``function:`` is trusted code.
    Its mistakes (a syntax error, a package it needs missing, an error while it
    loads) are InputErrors naming the module, not tracebacks.
    """
    module_name, _, attr = ref.partition(":")
    try:
        module = _import(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not module_name.startswith(exc.name):
            raise _import_problem(module_name, exc) from None
        for folder in search_path:
            if folder not in sys.path:
                sys.path.append(folder)  # appended, so installed packages still win
        try:
            module = _import(module_name)
        except ModuleNotFoundError as again:
            if again.name is not None and module_name.startswith(again.name):
                raise InputError(f"cannot import module {module_name!r}") from None
            raise _import_problem(module_name, again) from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise InputError(f"module {module_name!r} has no function {attr!r}")
    return fn


def _import(module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError:
        raise
    except SyntaxError as exc:
        raise InputError(
            f"module {module_name!r} has a syntax error at {exc.filename}:{exc.lineno}: {exc.msg}"
        ) from None
    except Exception as exc:  # the user's module failed while loading: report, not crash
        raise InputError(
            f"module {module_name!r} failed while loading: {type(exc).__name__}: {exc}"
        ) from None


def _import_problem(module_name: str, exc: ModuleNotFoundError) -> InputError:
    return InputError(
        f"module {module_name!r} needs the package {exc.name!r}, which is not installed"
    )


# --------------------------------------------------------------------------- running


@cache
def _function(ref: str, search_path: tuple[str, ...]) -> Callable[..., dict[str, float]]:
    return load_function(ref, search_path)


_SCENARIOS: dict[str, Any] = {}  # per-process cache: validated scenario by content hash


def _scenario(spec: RunSpec) -> Any:
    if spec.scenario_hash not in _SCENARIOS:
        _SCENARIOS[spec.scenario_hash] = Scenario.model_validate(spec.scenario_data)
    return _SCENARIOS[spec.scenario_hash]


def evaluate(
    spec: RunSpec, values: Sequence[float], run: int, seed: int | None = None
) -> dict[str, float]:
    """Outputs of one run: sample point values (natural units), the run's index (and its seed)."""
    seed = run_seed(spec.seed, run) if seed is None else seed
    if spec.kind == "function":
        fn = _function(spec.function or "", spec.search_path)
        result = fn(dict(zip(spec.param_keys, map(float, values), strict=True)), seed)
        return {label: float(result[metric]) for label, metric, _ in spec.outputs}
    scenario = apply_overrides(_scenario(spec), dict(zip(spec.param_keys, values, strict=True)))
    replicate = run % spec.replicates
    summaries = {
        name: runner.simulate(scenario, strategy=name, replicate=replicate, seed=seed).summary
        for name in spec.strategies
    }
    out = {}
    for label, metric, names in spec.outputs:
        value = float(summaries[names[0]][metric])
        out[label] = value - float(summaries[names[1]][metric]) if len(names) == 2 else value
    return out


def run_batch(
    spec: RunSpec, runs: Sequence[int], values: Sequence[Sequence[float]]
) -> dict[str, list]:
    """Run each run of a batch (retrying a failure once); return result columns.

    ``values[k]`` are the parameter values of ``runs[k]``'s sample point. A run
    that raises twice is returned with status ``failed``, its traceback and NaN
    outputs, so one bad corner of parameter space never stops a sweep.
    """
    cols = empty_columns(spec)
    for run, vals in zip(runs, values, strict=True):
        outputs, error, attempts, seed = None, "", 0, run_seed(spec.seed, run)
        for attempts in range(1, ATTEMPTS + 1):  # noqa: B007 - attempts is reported
            try:
                outputs = evaluate(spec, vals, run, seed)
                break
            except Exception:  # any error in a run is data, not a crash of the sweep
                error = traceback.format_exc()
        append_row(cols, spec, run, vals, outputs, error if outputs is None else "", attempts, seed)
    return cols


def empty_columns(spec: RunSpec) -> dict[str, list]:
    """Result columns with no rows: bookkeeping, then parameters, then outputs."""
    names = (*RESERVED_COLUMNS, *spec.param_names, *spec.output_names)
    return {name: [] for name in names}


def append_row(
    cols: dict[str, list],
    spec: RunSpec,
    run: int,
    vals: Sequence[float],
    outputs: dict[str, float] | None,
    error: str,
    attempts: int,
    seed: int | None = None,
) -> None:
    """Add one run's row; ``outputs`` None means the run failed with ``error``."""
    cols["run"].append(int(run))
    cols["point"].append(int(run // spec.replicates))
    cols["replicate"].append(int(run % spec.replicates))
    cols["seed"].append(run_seed(spec.seed, run) if seed is None else seed)
    cols["status"].append("ok" if outputs is not None else "failed")
    cols["attempts"].append(attempts)
    cols["error"].append(error)
    for name, v in zip(spec.param_names, vals, strict=True):
        cols[name].append(float(v))
    for name in spec.output_names:
        cols[name].append(float(outputs[name]) if outputs is not None else float("nan"))
