"""Loading scenario files: parse, validate (file, field and line in every error), resolve paths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from integration_sim.config.overrides import apply_overrides, get_path
from integration_sim.config.posterior import load_posterior, scenario_parameters
from integration_sim.config.scenario import Scenario
from integration_sim.config.yaml_io import key_lines, read_yaml, validation_errors
from integration_sim.errors import InputError, InputErrors


def parse_scenario(
    data: dict[str, Any], path: str | Path | None = None, text: str = ""
) -> Scenario:
    """Validate a scenario mapping; raise InputErrors naming file, field and line."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_errors(exc, path, key_lines(text), Scenario) from None
    if path is not None:
        scenario = _resolve_paths(scenario, Path(path).parent)
        _check_files_exist(scenario, path, text)
        _check_posterior(scenario)
    return scenario


def _check_posterior(scenario: Scenario) -> None:
    """Every column of the scenario's posterior file sets a number the scenario has, and
    its lowest and highest draws are values the scenario accepts: checked once now, where
    a bad column would otherwise stop the first run that draws it."""
    if scenario.parameters.posterior is None:
        return
    file = scenario.parameters.posterior
    table = load_posterior(file)
    for column in scenario_parameters(table):
        try:
            value = get_path(scenario, column)
        except InputError as err:
            raise InputError(err.message, file=file, field=column) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                f"the scenario holds {value!r} there, not a number", file=file, field=column
            )
        for end in (table[column].min(), table[column].max()):
            try:
                apply_overrides(scenario, {column: float(end)})
            except InputError as err:
                first = err.errors[0] if isinstance(err, InputErrors) else err
                message = f"a draw of {end:g} is not allowed: {first.message}"
                raise InputError(message, file=file, field=column) from None


def _check_files_exist(scenario: Scenario, path: str | Path, text: str) -> None:
    """Files the scenario names must be there now, not ten seconds into a run."""
    named = {("parameters", "posterior"): scenario.parameters.posterior}
    if scenario.system.network is not None:
        named[("system", "network", "edges")] = scenario.system.network.edges
        named[("system", "network", "practitioners")] = scenario.system.network.practitioners
    missing = [(loc, f) for loc, f in named.items() if f is not None and not Path(f).is_file()]
    if missing:
        lines = key_lines(text)
        raise InputErrors(
            [
                InputError(
                    f"file not found: {f}", file=path, field=".".join(loc), line=lines.get(loc)
                )
                for loc, f in missing
            ]
        )


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file, applying optional dotted-path ``overrides``.

    Relative file paths inside the scenario (network files, posterior) are taken
    relative to the scenario file's folder.
    """
    data, text = read_yaml(path)
    scenario = parse_scenario(data, path, text)
    if overrides:  # a bad value came from the overrides, not from a line of the file
        scenario = apply_overrides(scenario, overrides, source=f"{path} + the values set")
    return scenario


def _resolve_paths(scenario: Scenario, base: Path) -> Scenario:
    def resolve(p: str | None) -> str | None:
        if p is None or Path(p).is_absolute():
            return p
        return str((base / p).resolve())

    update: dict[str, Any] = {}
    if scenario.system.network is not None:
        net = scenario.system.network.model_copy(
            update={
                "edges": resolve(scenario.system.network.edges),
                "practitioners": resolve(scenario.system.network.practitioners),
            }
        )
        update["system"] = scenario.system.model_copy(update={"network": net})
    if scenario.parameters.posterior is not None:
        update["parameters"] = scenario.parameters.model_copy(
            update={"posterior": resolve(scenario.parameters.posterior)}
        )
    return scenario.model_copy(update=update) if update else scenario
