"""Experiment files: what to vary, how to sample it, what to measure.

An experiment names a model (a scenario file, or any importable callable
``module:function``), the uncertain parameters (dotted paths into the scenario,
with bounds or distributions), the sampling method and size, the outputs (run
summary metrics, or the paired difference between two strategies under common
random numbers), replicates per sample point and a seed. Unknown keys are
errors, reported with file, field and line like scenario files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, model_validator

from integration_sim.config.base import Finite, Positive, Strict, repeats
from integration_sim.config.size import MAX_REPLICATES
from integration_sim.config.yaml_io import key_lines, read_yaml, validation_errors
from integration_sim.errors import FieldProblems, InputError
from integration_sim.files import content_hash, file_name_problem

# A sweep larger than this would not finish on any machine this tool targets, and its
# design matrix alone would fill memory.
MAX_RUNS = 5_000_000

# Columns every results row has; parameter and output names must not reuse them.
RESERVED_COLUMNS = ("run", "point", "replicate", "seed", "status", "attempts", "error")


class Parameter(Strict):
    """One uncertain input: a dotted path into the scenario (or a name for a function model)."""

    path: str = Field(
        description="dotted path, e.g. behaviours.joint_assessment.coefficients.social"
    )
    name: str | None = Field(
        None, description="short label for tables and charts (default: the path)"
    )
    bounds: tuple[Finite, Finite] | None = Field(
        None,
        description="[low, high]: the range for uniform/loguniform/triangular, truncation for normal",
    )
    distribution: Literal["uniform", "loguniform", "normal", "lognormal", "triangular"] = "uniform"
    mean: Finite | None = Field(None, description="normal: mean; lognormal: mean of the log")
    sd: Positive | None = Field(None, description="normal: sd; lognormal: sd of the log")
    mode: Finite | None = Field(None, description="triangular: most likely value")
    integer: bool = Field(False, description="round sampled values to whole numbers (e.g. a count)")

    @model_validator(mode="after")
    def _complete(self) -> Parameter:
        d, b = self.distribution, self.bounds
        if d in ("uniform", "loguniform", "triangular") and b is None:
            raise ValueError(f"a {d} parameter needs bounds: [low, high]")
        if b is not None and not b[0] < b[1]:
            raise ValueError(f"bounds must be [low, high] with low < high, got {list(b)}")
        if d == "loguniform" and b is not None and b[0] <= 0:
            raise ValueError("loguniform bounds must be positive")
        if d in ("normal", "lognormal") and (self.mean is None or self.sd is None):
            raise ValueError(f"a {d} parameter needs mean and sd")
        if d == "triangular" and (self.mode is None or not b[0] <= self.mode <= b[1]):
            raise ValueError("a triangular parameter needs a mode inside its bounds")
        return self

    @property
    def label(self) -> str:
        """Name used in tables and charts."""
        return self.name or self.path


class Output(Strict):
    """One measured output: a metric of one strategy, or the paired difference of two."""

    metric: str = Field(description="run summary metric (or a key the function returns)")
    name: str | None = Field(
        None, description="column name (default derived from metric and strategies)"
    )
    strategy: str | None = Field(
        None, description="strategy to run (default: the experiment's strategy)"
    )
    difference: tuple[str, str] | None = Field(
        None,
        description="[A, B]: metric under A minus metric under B, same seed (common random numbers)",
    )

    @model_validator(mode="after")
    def _one_of(self) -> Output:
        if self.strategy is not None and self.difference is not None:
            raise ValueError("give either strategy or difference, not both")
        if self.difference is not None and self.difference[0] == self.difference[1]:
            raise ValueError("difference needs two different strategies")
        return self

    @property
    def label(self) -> str:
        """Column name of this output in results and indices."""
        if self.name:
            return self.name
        if self.difference:
            return f"{self.metric}.{self.difference[0]}-{self.difference[1]}"
        return f"{self.metric}.{self.strategy}" if self.strategy else self.metric


class Discovery(Strict):
    """A yes/no question over the sweep: is ``output`` above (or below) a threshold?"""

    output: str
    question: str = Field("", description="the question in words, for the report")
    above: float | None = None
    below: float | None = None
    min_mass: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.05, description="smallest share of points a box may hold"
    )
    peel_alpha: Annotated[float, Field(gt=0, lt=0.5)] = Field(
        0.05, description="share of points peeled per step"
    )
    min_coverage: Annotated[float, Field(gt=0, le=1)] = Field(
        0.5,
        description="the chosen box covers at least this share of the points where the answer is yes",
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> Discovery:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of above or below")
        return self


class Priorities(Strict):
    """Which outputs measurement priorities are ranked on (default: all)."""

    outputs: list[str] | None = None


class Experiment(Strict):
    """A whole experiment file."""

    name: str
    description: str = ""
    method: Literal["sobol", "morris", "fast", "lhs"]
    samples: Annotated[int, Field(ge=2, le=MAX_RUNS)] = Field(
        description="sobol: base samples N (runs N*(D+2)); morris: trajectories (runs N*(D+1)); "
        "fast: points per parameter (runs N*D); lhs: points"
    )
    levels: Annotated[int, Field(ge=2)] = Field(4, description="morris: grid levels")
    scenario: str | None = Field(None, description="scenario file, relative to the experiment file")
    function: str | None = Field(None, description="module:function taking (params, seed) -> dict")
    strategy: str | None = Field(
        None, description="default strategy for outputs (default: the scenario's first)"
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict,
        description="scenario values held fixed for the sweep: {dotted.path: value}",
    )
    parameters: list[Parameter] = Field(min_length=1)
    outputs: list[str | Output] = Field(min_length=1)
    replicates: Annotated[int, Field(ge=1, le=MAX_REPLICATES)] = 1
    seed: Annotated[int, Field(ge=0)] = 1
    batch_size: Annotated[int, Field(ge=1)] | None = Field(
        None, description="runs per task (default: timed)"
    )
    bootstrap: Annotated[int, Field(ge=10)] = Field(
        1000, description="bootstrap resamples for intervals"
    )
    discovery: Discovery | None = None
    priorities: Priorities = Field(default_factory=Priorities)

    @model_validator(mode="after")
    def _model_and_names(self) -> Experiment:
        if (self.scenario is None) == (self.function is None):
            raise ValueError(
                "give exactly one of scenario (the built-in model) or function (module:function)"
            )
        self.outputs = [Output(metric=o) if isinstance(o, str) else o for o in self.outputs]
        problems = self._problems()
        if problems:  # each at its own field, so the message can give its line
            raise FieldProblems(problems)
        return self

    def _problems(self) -> list[tuple[tuple[str, ...], str]]:
        """What is wrong across fields, each as (location, message)."""
        problems: list[tuple[tuple[str, ...], str]] = []
        if unsafe := file_name_problem(self.name, "experiment"):  # output folders use it
            problems.append((("name",), unsafe))
        if self.function is not None and ":" not in self.function:
            problems.append(
                (("function",), f"function must look like module:function, got {self.function!r}")
            )
        params = [p.label for p in self.parameters]
        outs = [o.label for o in self.output_specs]
        problems += _name_problems(params, outs)
        if self.function is not None and self.fixed:
            problems.append(
                (
                    ("fixed",),
                    "fixed applies to a scenario; a function model takes only the sampled parameters",
                )
            )
        for i, out in enumerate(self.output_specs):
            if self.function is not None and (out.strategy or out.difference):
                problems.append(
                    (("outputs", str(i)), "outputs of a function model cannot name strategies")
                )
        if self.discovery is not None and self.discovery.output not in outs:
            problems.append(
                (
                    ("discovery", "output"),
                    f"{self.discovery.output!r} is not an output ({', '.join(outs)})",
                )
            )
        for i, out in enumerate(self.priorities.outputs or []):
            if out not in outs:
                problems.append(
                    (
                        ("priorities", "outputs", str(i)),
                        f"{out!r} is not an output ({', '.join(outs)})",
                    )
                )
        runs = self.runs_per_replicate() * self.replicates
        if runs > MAX_RUNS:
            problems.append(
                (
                    ("samples",),
                    f"the sweep would need {runs:,} runs (at most {MAX_RUNS:,}): lower samples or replicates",
                )
            )
        if self.method == "sobol" and self.samples & (self.samples - 1):
            nearest = 2 ** round(math.log2(self.samples))
            problems.append((("samples",), f"sobol samples must be a power of 2 (e.g. {nearest})"))
        return problems

    # Views ----------------------------------------------------------------------

    @property
    def parameter_names(self) -> list[str]:
        """Parameter labels in file order."""
        return [p.label for p in self.parameters]

    @property
    def output_specs(self) -> list[Output]:
        """Outputs as :class:`Output` objects (strings are expanded on validation)."""
        return [o for o in self.outputs if isinstance(o, Output)]

    @property
    def output_names(self) -> list[str]:
        """Output column names in file order."""
        return [o.label for o in self.output_specs]

    def runs_per_replicate(self) -> int:
        """Number of sample points the method needs (before replicates)."""
        d = len(self.parameters)
        return {
            "sobol": self.samples * (d + 2),
            "morris": self.samples * (d + 1),
            "fast": self.samples * d,
            "lhs": self.samples,
        }[self.method]

    def content_hash(self) -> str:
        """SHA-256 of the validated experiment (comments and layout do not count)."""
        return content_hash(json.dumps(self.model_dump(mode="json"), sort_keys=True))


def _name_problems(params: list[str], outs: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """Each parameter or output whose name (a results column) is taken: by an earlier
    entry, by a parameter (for an output), or by a column every results table has."""
    problems: list[tuple[tuple[str, ...], str]] = []
    for field, names in (("parameters", params), ("outputs", outs)):
        again = repeats(names)
        for i, name in enumerate(names):
            if i in again:
                taken = f"is already {field}.{again[i]}"
            elif field == "outputs" and name in params:
                taken = f"is also parameters.{params.index(name)}"
            elif name in RESERVED_COLUMNS:
                taken = "is reserved (every results table has a column of that name)"
            else:
                continue
            problems.append(((field, str(i)), f"name {name!r} {taken} (rename with name:)"))
    return problems


def parse_experiment(
    data: dict[str, Any], path: str | Path | None = None, text: str = ""
) -> Experiment:
    """Validate an experiment mapping; raise InputErrors naming file, field and line."""
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        keys = "docs/sensitivity.md, Experiment files, lists every key"
        raise validation_errors(exc, path, key_lines(text), Experiment, keys) from None


def load_experiment(path: str | Path) -> tuple[Experiment, str]:
    """Read and validate an experiment file; return the experiment and its text."""
    data, text = read_yaml(path)
    return parse_experiment(data, path, text), text


def line_of(text: str, *keys: str | int) -> int | None:
    """1-based line of a key path in the experiment text (for later cross-checks)."""
    lines = key_lines(text)
    loc = tuple(str(k) for k in keys)
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def input_error(message: str, path: str | Path, text: str, *keys: str | int) -> InputError:
    """An InputError pointing at ``keys`` in the experiment file."""
    return InputError(message, file=path, field=".".join(map(str, keys)), line=line_of(text, *keys))
