"""Calibration config files (YAML): scenario, measurements, priors, ABC settings.

Relative paths are taken relative to the config file. Errors name the file,
the field and the line, like scenario errors. Example (calibration/example/config.yaml)::

    scenario: scenario.yaml
    measurements: [measurements/*.csv]
    parameters:
      behaviours.trusted_assessment.coefficients.intercept:
        {distribution: uniform, low: -7, high: -2}
    abc: {population_size: 60, max_generations: 6, seed: 1}
"""

from __future__ import annotations

import datetime as dt
import glob
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator
from scipy import stats

from integration_sim.config.base import Finite, Positive, Strict
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides, get_path
from integration_sim.config.scenario import Scenario
from integration_sim.config.yaml_io import key_lines, read_yaml, validation_errors
from integration_sim.engine.network_target import check_target
from integration_sim.errors import FieldProblems, InputError, InputErrors

OBSERVATION_PARAMETERS = {
    "observation.overdispersion": (0.0, 1.0),
    "observation.locality_sd": (0.0, 20.0),
}
"""Parameters of the observation model (not of the scenario) a calibration may fit: [low, high)."""


class Prior(Strict):
    """A prior distribution for one parameter.

    uniform(low, high); normal(mean, sd); truncated_normal(mean, sd, low, high);
    lognormal(mean, sd of the log); beta(a, b).
    """

    distribution: Literal["uniform", "normal", "truncated_normal", "lognormal", "beta"]
    low: Finite | None = None
    high: Finite | None = None
    mean: Finite | None = None
    sd: Positive | None = None
    a: Positive | None = None
    b: Positive | None = None

    @model_validator(mode="after")
    def _needs(self) -> Prior:
        need = {
            "uniform": ("low", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
            "truncated_normal": ("mean", "sd", "low", "high"),
            "beta": ("a", "b"),
        }[self.distribution]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(
                f"{self.distribution} prior needs {', '.join(need)} (missing: {', '.join(missing)})"
            )
        if "low" in need and not self.low < self.high:
            raise ValueError("low must be below high")
        return self

    def scipy_args(self) -> tuple[str, tuple[float, ...]]:
        """(scipy.stats name, positional args) of this distribution, as pyabc.RV takes them."""
        d = self.distribution
        if d == "uniform":
            return "uniform", (self.low, self.high - self.low)
        if d == "normal":
            return "norm", (self.mean, self.sd)
        if d == "lognormal":
            return "lognorm", (self.sd, 0.0, float(np.exp(self.mean)))
        if d == "beta":
            return "beta", (self.a, self.b)
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return "truncnorm", (a, b, self.mean, self.sd)

    def frozen(self):
        """The scipy.stats frozen distribution (for sds, densities and quantiles)."""
        name, args = self.scipy_args()
        return getattr(stats, name)(*args)


class Adoption(Strict):
    """Observed adoption times: a CSV of practitioner and week, or cumulative counts by period."""

    file: str
    behaviour: str
    format: Literal["times", "cumulative"] = "times"
    locator: str = "adoption data"
    period_weeks: Annotated[int, Field(ge=1)] = Field(
        4, description="times format: weeks per period"
    )


class AbcSettings(Strict):
    """ABC-SMC settings (pyabc)."""

    population_size: Annotated[int, Field(ge=10, le=100_000)] = Field(
        100, description="accepted particles per generation"
    )
    max_generations: Annotated[int, Field(ge=1, le=1000)] = 8
    min_acceptance_rate: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.002, description="stop when a generation accepts fewer than this share of its simulations"
    )
    max_simulations: Annotated[int, Field(ge=1)] | None = Field(
        None, description="stop after this many in total"
    )
    seed: Annotated[int, Field(ge=0)] = 1
    predictive_draws: Annotated[int, Field(ge=0, le=100_000)] = Field(
        40, description="posterior draws simulated for the posterior predictive check"
    )


RECOMMENDED_ADOPTION_REPLICATES = 32
"""Runs pooled per candidate with which adoption intervals held their coverage (docs/calibration.md)."""


class Observation(Strict):
    """Observation-model settings shared by every measurement."""

    overdispersion: Annotated[float, Field(ge=0, lt=1)] = Field(
        0.0,
        description="beta-binomial intra-class correlation for proportions and adoption hazards "
        "(0 = binomial); fit it by naming observation.overdispersion under parameters",
    )
    locality_sd: Annotated[float, Field(ge=0)] = Field(
        0.0,
        description="sd (logit scale) of each locality's persistent shift of its adoption "
        "hazards; fit it by naming observation.locality_sd under parameters",
    )
    adoption_replicates: Annotated[int, Field(ge=1, le=1000)] = Field(
        RECOMMENDED_ADOPTION_REPLICATES,
        description="runs per candidate whose adoption counts are pooled into one hazard (with "
        "fewer, 90% intervals from small communities cover the truth less often: "
        "docs/calibration.md)",
    )
    common_seeds: bool = Field(
        True,
        description="run every candidate's adoption replicates with the same seeds (common "
        "random numbers, derived from abc.seed), so the adoption likelihood does not jump "
        "between candidates and ABC-SMC can reach temperature 1",
    )


class CalibrationConfig(Strict):
    """A whole calibration config file."""

    scenario: str
    strategy: str | None = Field(
        None, description="strategy simulated (default: the scenario's first)"
    )
    measurements: list[str] = Field(
        default_factory=list, description="CSV files; glob patterns allowed"
    )
    adoption: list[Adoption] = Field(default_factory=list)
    start_date: dt.date | None = Field(None, description="date of week 0 for rows giving dates")
    parameters: dict[str, Prior]
    observation: Observation = Field(default_factory=Observation)
    abc: AbcSettings = Field(default_factory=AbcSettings)
    truth: dict[str, float] = Field(
        default_factory=dict,
        description="known parameter values (synthetic checks only): drawn on the charts",
    )

    @model_validator(mode="after")
    def _some(self) -> CalibrationConfig:
        if not self.parameters:
            raise FieldProblems([(("parameters",), "name at least one parameter to fit")])
        unfitted = [name for name in self.truth if name not in self.parameters]
        if unfitted:  # a value no chart can draw: a misspelt or forgotten parameter
            raise FieldProblems(
                [(("truth", name), "not a fitted parameter (see parameters)") for name in unfitted]
            )
        if not self.measurements and not self.adoption:
            raise ValueError("give measurement files (measurements) or adoption data (adoption)")
        return self


class Loaded:
    """A validated config with its scenario loaded and paths resolved."""

    def __init__(
        self,
        config: CalibrationConfig,
        path: Path,
        scenario: Scenario,
        measurement_files: list[Path],
        overrides: dict | None = None,
    ) -> None:
        self.config = config
        self.overrides = dict(overrides or {})
        self.path = path
        self.scenario = scenario
        self.measurement_files = measurement_files

    @property
    def names(self) -> list[str]:
        """Dotted parameter paths, in config order."""
        return list(self.config.parameters)

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else self.path.parent / p


def load_config(path: str | Path, overrides: dict | None = None) -> Loaded:
    """Read and validate a calibration config, its scenario and its parameter paths.

    ``overrides`` (dotted path -> value) are applied to the scenario first (``--set``).
    """
    path = Path(path)
    data, text = read_yaml(path)
    lines = key_lines(text)
    try:
        config = CalibrationConfig.model_validate(data)
    except ValidationError as exc:
        keys = "docs/calibration.md, The calibration config, lists every key"
        raise validation_errors(exc, path, lines, CalibrationConfig, keys) from None
    for name in config.parameters:
        if name in (overrides or {}):  # each run's draw would overwrite the value set
            raise InputError(
                "fitted here and also among the values set (each draw would overwrite the set "
                "value): fit it or set it, not both",
                file=path,
                field=f"parameters.{name}",
                line=lines.get(("parameters", name)),
            )
    scenario_path = _relative(path, config.scenario)
    scenario = load_scenario(scenario_path, overrides)
    check_target(scenario, scenario_path)  # a network target this place cannot reach
    if config.strategy is not None and config.strategy not in scenario.strategies:
        raise InputError(
            f"no strategy {config.strategy!r} in the scenario",
            file=path,
            field="strategy",
            line=lines.get(("strategy",)),
        )
    _check_parameters(config, scenario, path, lines)
    files = _expand(config.measurements, path, lines)
    return Loaded(config, path, scenario, files, overrides)


def _relative(config_path: Path, p: str) -> Path:
    q = Path(p)
    return q if q.is_absolute() else config_path.parent / q


def _expand(patterns: list[str], path: Path, lines: dict) -> list[Path]:
    files: list[Path] = []
    for i, pattern in enumerate(patterns):
        full = str(_relative(path, pattern))
        found = sorted(glob.glob(full)) if any(ch in pattern for ch in "*?[") else [full]
        if not found or not Path(found[0]).exists():
            raise InputError(
                f"no measurement file matches {pattern!r}",
                file=path,
                field=f"measurements.{i}",
                line=lines.get(("measurements", str(i))),
            )
        files += [Path(f) for f in found]
    return files


def _check_parameters(
    config: CalibrationConfig, scenario: Scenario, path: Path, lines: dict
) -> None:
    """Every parameter path must exist in the scenario and accept prior draws."""
    data = scenario.model_dump(mode="python")
    problems = []
    for name, prior in config.parameters.items():
        line = lines.get(("parameters", name))
        if name.startswith("observation."):
            if name not in OBSERVATION_PARAMETERS:
                problems.append(
                    InputError(
                        f"observation parameters that can be fitted: "
                        f"{', '.join(OBSERVATION_PARAMETERS)}",
                        file=path,
                        field=f"parameters.{name}",
                        line=line,
                    )
                )
            continue
        try:
            current = get_path(data, name)
            if not isinstance(current, int | float) or isinstance(current, bool):
                raise InputError(
                    f"is not a number in the scenario (it is {type(current).__name__})"
                )
            apply_overrides(scenario, {name: float(prior.frozen().median())})
        except InputErrors as exc:
            problems.append(
                InputError(
                    f"the prior's median is not a valid value: {exc}",
                    file=path,
                    field=f"parameters.{name}",
                    line=line,
                )
            )
        except InputError as exc:
            problems.append(
                InputError(exc.message, file=path, field=f"parameters.{name}", line=line)
            )
    if problems:
        raise InputErrors(problems)
