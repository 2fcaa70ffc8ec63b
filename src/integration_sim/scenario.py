"""Scenario files: the typed schema, loading with line numbers, and dotted-path overrides.

A scenario describes one place (localities and organisations), the behaviours
practitioners may perform, the model's parameters, exogenous drivers, case
demand, and one or more named rollout strategies. Unknown keys are errors.
Behaviour, organisation-type and case-type entries are merged onto the shipped
catalogue (``integration_sim/catalogue/*.yaml``), so a scenario names only what
it changes.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from integration_sim.errors import InputError, InputErrors
from integration_sim.files import content_hash
from integration_sim.strategies import Custom, Strategy

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class Strict(BaseModel):
    """Base for every schema model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


# --------------------------------------------------------------------------- system


class Locality(Strict):
    """A neighbourhood with its own population and demand."""

    name: str
    population: Annotated[int, Field(gt=0, description="residents")] = 50_000
    readiness: Share = Field(0.5, description="baseline leadership commitment and culture (0-1)")
    need: Annotated[float, Field(gt=0, description="demand multiplier (1 = average)")] = 1.0


class OrganisationType(Strict):
    """An organisation type (catalogue entry, overridable per scenario)."""

    label: str = ""
    scope: Literal["system", "locality"] = "locality"
    staff: Annotated[
        int,
        Field(gt=0, description="practitioners per organisation (per locality if system scope)"),
    ] = 10
    turnover: Annotated[
        float, Field(ge=0, lt=1, description="leavers per year as share of staff")
    ] = 0.1
    roles: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"practitioner": 1.0}
    )


class Organisations(Strict):
    """How many organisations of one type the place has."""

    type: str
    count: Annotated[
        int, Field(ge=1, description="per locality (locality scope) or in total (system scope)")
    ] = 1
    staff: Annotated[int, Field(gt=0)] | None = None
    localities: list[str] | Literal["all"] = "all"


class NetworkFile(Strict):
    """A measured practitioner network replacing the generated one."""

    edges: str = Field(
        description="CSV edge list (source, target[, weight, layer]) or GraphML file"
    )
    practitioners: str | None = Field(
        None, description="CSV: id, organisation, role, locality[, organisation_type]"
    )


class System(Strict):
    """The place: localities, organisations, and optionally a measured network."""

    localities: list[Locality]
    organisations: list[Organisations]
    network: NetworkFile | None = None

    @model_validator(mode="after")
    def _unique_localities(self) -> System:
        names = [loc.name for loc in self.localities]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate locality names: {', '.join(dupes)}")
        if not names:
            raise ValueError("at least one locality is needed")
        return self


# ----------------------------------------------------------------------- behaviours


class Coefficients(Strict):
    """Logit-scale coefficients of the COM-B behaviour rule."""

    intercept: float = -4.0
    capability: float = 2.0
    opportunity: float = 2.5
    motivation: float = 2.0
    habit: float = 4.0
    social: float = 2.0


class Behaviour(Strict):
    """One behaviour of the catalogue: who performs it, on which relationship, and how it spreads."""

    label: str = ""
    level: Literal["practitioner", "organisation"] = "practitioner"
    performers: list[str]
    roles: list[str] | None = None
    partners: list[str]
    encounter_rate: Share = 0.5
    contagion: Literal["logistic", "threshold", "additive"] = "logistic"
    threshold: Annotated[int, Field(ge=1)] = 2
    coefficients: Coefficients = Field(default_factory=Coefficients)


class CaseType(Strict):
    """People whose needs cross boundaries; see catalogue/case_types.yaml."""

    rate: NonNegative = 0.1
    needs: list[str]
    behaviours: list[str]
    delay_days: NonNegative = 3.0
    delay_reduction: Share = 0.4
    admission_risk: Share = 0.1
    admission_reduction: Share = 0.2


# ----------------------------------------------------------------------- parameters


class NetworkParameters(Strict):
    """Generated network and tie dynamics (rates per practitioner per week)."""

    team_size: Annotated[int, Field(ge=2)] = 8
    within_organisation_ties: NonNegative = Field(
        3.0, description="extra random ties per practitioner inside the organisation"
    )
    cross_boundary_ties: NonNegative = Field(
        1.0, description="initial ties per practitioner to other organisations in the locality"
    )
    tie_formation: Share = Field(0.002, description="weekly chance of a new cross-boundary tie")
    colocation_tie_formation: Share = Field(0.03, description="extra weekly chance when co-located")
    joint_work_tie_formation: Share = Field(
        0.01, description="extra weekly chance after performing a behaviour"
    )
    initial_trust: Share = Field(0.3, description="trust on a new cross-boundary tie")
    team_trust: Share = Field(
        0.6,
        description="trust on a tie inside an organisation at the start or after a joiner arrives",
    )
    trust_growth: Share = Field(
        0.1, description="share of the gap to 1 closed per week of joint work"
    )
    trust_decay: Share = Field(0.02, description="share of trust lost per week without joint work")
    tie_loss_trust: Share = Field(0.05, description="cross-boundary ties below this trust are lost")
    mixing: Literal["network", "full"] = Field(
        "network",
        description="'full' replaces neighbour shares by whole-population shares (mean field)",
    )


class BehaviourParameters(Strict):
    """Habit formation and decay, noise (per week)."""

    habit_gain: Share = Field(
        0.09,
        description="share of the gap to 1 closed per week performed (Lally et al. 2010, ~2 repetitions a week)",
    )
    habit_decay: Share = Field(0.05, description="share of habit lost per week not performed")
    noise: Share = Field(
        0.01, description="chance per encounter of performing regardless of the rule"
    )
    initial_habit: Literal["stationary", "zero"] = Field(
        "stationary", description="start with the habits of the usual context, or with none"
    )


class PractitionerParameters(Strict):
    """Baseline state of practitioners and how it moves (per week)."""

    capability: Share = 0.4
    capability_sd: NonNegative = 0.1
    motivation: Share = 0.5
    motivation_sd: NonNegative = 0.1
    learning_by_doing: Share = Field(0.01, description="capability gap closed per week performed")
    training_rate: Share = Field(
        0.1, description="capability gap closed per week of training at strength 1"
    )
    motivation_rate: Share = Field(
        0.05, description="share of the gap to the motivation target closed per week"
    )
    leadership_weight: NonNegative = 0.4
    peer_weight: NonNegative = 0.3
    benefit_weight: NonNegative = 0.3
    fatigue_per_initiative: NonNegative = Field(
        0.05, description="motivation lost per initiative launched in the locality"
    )
    fatigue_half_life: Annotated[float, Field(gt=0)] = Field(52.0, description="weeks")
    fatigue_spillover: Share = Field(
        0.3, description="share of a launch's fatigue felt in the other localities"
    )


class OpportunityParameters(Strict):
    """Opportunity (0-1) from context, recomputed each week."""

    base: Share = 0.3
    co_location: NonNegative = 0.35
    shared_records: NonNegative = 0.15
    pooled_budget: NonNegative = 0.15
    backfill: NonNegative = 0.2
    pressure: NonNegative = Field(0.3, description="opportunity lost at full seasonal pressure")


class OrganisationParameters(Strict):
    """Organisation-level state (leadership, funding effects)."""

    funded_leadership_boost: NonNegative = Field(
        0.2, description="leadership gained while funded interventions run"
    )
    leadership_return: Share = Field(
        0.03, description="share of the gap to baseline leadership closed per week"
    )


class FundingParameters(Strict):
    """How money buys intervention strength (see strategies.dose_response)."""

    half_effect: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {
            "co_location": 6.0,
            "backfill": 8.0,
            "training": 4.0,
            "pooled_budget": 4.0,
            "shared_records": 3.0,
        },
        description="pounds per targeted practitioner per week giving half the full effect",
    )
    hill: Annotated[float, Field(gt=0)] = Field(
        2.0, description="steepness; > 1 means thin spending buys little"
    )


class Parameters(Strict):
    """Every model parameter, grouped by submodel."""

    network: NetworkParameters = Field(default_factory=NetworkParameters)
    behaviour: BehaviourParameters = Field(default_factory=BehaviourParameters)
    practitioners: PractitionerParameters = Field(default_factory=PractitionerParameters)
    opportunity: OpportunityParameters = Field(default_factory=OpportunityParameters)
    organisations: OrganisationParameters = Field(default_factory=OrganisationParameters)
    funding: FundingParameters = Field(default_factory=FundingParameters)
    posterior: str | None = Field(
        None, description="Parquet posterior file; each replicate draws one weighted sample"
    )


class Seasonal(Strict):
    """Winter pressure: pressure(t) = base + amplitude * cos(2 pi (t - peak_week) / 52)."""

    base: Share = 0.4
    amplitude: Share = 0.25
    peak_week: Annotated[int, Field(ge=0, le=51)] = 39  # week 0 = April; week 39 = early January
    demand_amplitude: Share = Field(0.15, description="seasonal swing in case arrivals")


class Costs(Strict):
    """Unit costs (pounds) used to price outcomes; illustrative, see docs/ODD.md."""

    delay_day: NonNegative = 400.0
    emergency_admission: NonNegative = 2_000.0


class Drivers(Strict):
    """Exogenous drivers: turnover overrides, seasonal pressure, unit costs."""

    turnover: dict[str, Annotated[float, Field(ge=0, lt=1)]] = Field(
        default_factory=dict,
        description="annual leaver rate by organisation type (overrides catalogue)",
    )
    turnover_scale: NonNegative = Field(1.0, description="multiplies every turnover rate")
    seasonal: Seasonal = Field(default_factory=Seasonal)
    costs: Costs = Field(default_factory=Costs)


# ------------------------------------------------------------------------- scenario


class Scenario(Strict):
    """A whole scenario file, with catalogue entries merged in."""

    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0)] = 1
    replicates: Annotated[int, Field(ge=1)] = 10
    horizon_weeks: Annotated[int, Field(ge=1, le=5200)] = 260
    record_every: Annotated[int, Field(ge=1)] = Field(1, description="weeks between records")
    system: System
    organisation_types: dict[str, OrganisationType] = Field(default_factory=dict)
    behaviours: dict[str, Behaviour] = Field(default_factory=dict)
    behaviour_set: list[str] | None = Field(None, description="use only these behaviours")
    case_types: dict[str, CaseType] = Field(default_factory=dict)
    parameters: Parameters = Field(default_factory=Parameters)
    drivers: Drivers = Field(default_factory=Drivers)
    equal_budget: bool = Field(False, description="rescale every strategy to the same total spend")
    strategies: dict[str, Strategy] = Field(default_factory=lambda: {"baseline": Custom()})

    @model_validator(mode="before")
    @classmethod
    def _merge_catalogue(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, cat in (
            ("organisation_types", catalogue("organisation_types")),
            ("behaviours", catalogue("behaviours")),
            ("case_types", catalogue("case_types")),
        ):
            given = data.get(key) or {}
            if not isinstance(given, dict):
                continue  # pydantic reports the type error
            merged = copy.deepcopy(cat)
            for name, entry in given.items():
                if isinstance(entry, dict) and name in merged:
                    merged[name] = _deep_merge(merged[name], entry)
                else:
                    merged[name] = entry
            data[key] = merged
        subset = data.get("behaviour_set")
        if isinstance(subset, list) and all(isinstance(b, str) for b in subset):
            data["behaviours"] = {k: v for k, v in data["behaviours"].items() if k in subset}
            data["case_types"] = {
                name: _restrict_case(ct, subset) for name, ct in data["case_types"].items()
            }
        return data

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # Convenience views used throughout the model -----------------------------

    @property
    def locality_names(self) -> list[str]:
        """Locality names in file order."""
        return [loc.name for loc in self.system.localities]

    @property
    def practitioner_behaviours(self) -> list[str]:
        """Names of practitioner-level behaviours, in catalogue order."""
        return [n for n, b in self.behaviours.items() if b.level == "practitioner"]

    @property
    def organisation_behaviours(self) -> list[str]:
        """Names of organisation-level behaviours."""
        return [n for n, b in self.behaviours.items() if b.level == "organisation"]

    def content_hash(self) -> str:
        """SHA-256 of the validated scenario (so equivalent files hash alike)."""
        return content_hash(json.dumps(self.model_dump(mode="json"), sort_keys=True))


def _restrict_case(ct: Any, subset: list[str]) -> Any:
    if isinstance(ct, dict) and isinstance(ct.get("behaviours"), list):
        ct = dict(ct)
        ct["behaviours"] = [b for b in ct["behaviours"] if b in subset]
    return ct


def cross_reference_problems(s: Scenario) -> list[str]:
    """Names used in one part of a scenario that no other part defines."""
    problems: list[str] = []
    types = set(s.organisation_types)
    localities = set(s.locality_names)
    for i, org in enumerate(s.system.organisations):
        if org.type not in types:
            problems.append(
                f"system.organisations.{i}.type: unknown organisation type {org.type!r} (known: {', '.join(sorted(types))})"
            )
        if org.localities != "all":
            for loc in org.localities:
                if loc not in localities:
                    problems.append(
                        f"system.organisations.{i}.localities: unknown locality {loc!r}"
                    )
    for name, b in s.behaviours.items():
        for field in ("performers", "partners"):
            for t in getattr(b, field):
                if t not in types:
                    problems.append(f"behaviours.{name}.{field}: unknown organisation type {t!r}")
    for name, ct in s.case_types.items():
        for t in ct.needs:
            if t not in types:
                problems.append(f"case_types.{name}.needs: unknown organisation type {t!r}")
        for b in ct.behaviours:
            if b not in s.behaviours:
                problems.append(f"case_types.{name}.behaviours: unknown behaviour {b!r}")
    if s.behaviour_set is not None:
        for b in s.behaviour_set:
            if b not in s.behaviours:
                problems.append(f"behaviour_set: unknown behaviour {b!r}")
    for t in s.drivers.turnover:
        if t not in types:
            problems.append(f"drivers.turnover: unknown organisation type {t!r}")
    if not s.strategies:
        problems.append("strategies: at least one strategy is needed")
    for name, strategy in s.strategies.items():
        problems.extend(f"strategies.{name}.{p}" for p in strategy.problems(s))
    return problems


# ------------------------------------------------------------------------ catalogue


@cache
def _catalogue_text(name: str) -> str:
    return resources.files("integration_sim.catalogue").joinpath(f"{name}.yaml").read_text("utf-8")


@cache
def _catalogue_parsed(name: str) -> dict[str, Any]:
    return yaml.safe_load(_catalogue_text(name))


def catalogue(name: str) -> dict[str, Any]:
    """A fresh copy of a shipped catalogue: organisation_types, behaviours or case_types."""
    # Parsed once per process; copied so callers may change their copy.
    return copy.deepcopy(_catalogue_parsed(name))


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


# -------------------------------------------------------------------------- loading


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each key path in a YAML document to its 1-based line number."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = (*path, str(key_node.value))
                lines[sub] = key_node.start_mark.line + 1
                walk(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, str(i))
                lines[sub] = item.start_mark.line + 1
                walk(item, sub)

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def read_yaml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a YAML mapping from ``path``; return (data, text). Errors are InputError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", file=path) from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(f"not valid YAML: {exc.problem}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=path) from None
    if not isinstance(data, dict):
        raise InputError("expected a mapping of keys to values at the top level", file=path, line=1)
    return data, text


def validation_errors(
    exc: ValidationError, path: str | Path | None, lines: dict[tuple[str, ...], int]
) -> InputErrors:
    """Turn a pydantic ValidationError into InputErrors naming file, field and line."""
    errors = []
    for err in exc.errors():
        loc = tuple(str(p) for p in err["loc"])
        # Tagged-union errors put the tag in the location; drop it for the user.
        loc = tuple(p for p in loc if not p.startswith("function-") and p not in _STRATEGY_TAGS)
        field = ".".join(loc) if loc else None
        line = _nearest_line(loc, lines)
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; `integration-sim schema` lists every key)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif msg.startswith("Value error, "):
            msg = msg.removeprefix("Value error, ")
        errors.append(InputError(msg, file=path, field=field, line=line))
    return InputErrors(errors)


_STRATEGY_TAGS = {"custom", "pilot", "system_wide", "staged", "targeted"}


def _nearest_line(loc: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> int | None:
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def parse_scenario(
    data: dict[str, Any], path: str | Path | None = None, text: str = ""
) -> Scenario:
    """Validate a scenario mapping; raise InputErrors naming file, field and line."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_errors(exc, path, key_lines(text)) from None
    if path is not None:
        scenario = _resolve_paths(scenario, Path(path).parent)
    return scenario


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file, applying optional dotted-path ``overrides``.

    Relative file paths inside the scenario (network files, posterior) are taken
    relative to the scenario file's folder.
    """
    data, text = read_yaml(path)
    scenario = parse_scenario(data, path, text)
    if overrides:
        scenario = apply_overrides(scenario, overrides, source=str(path))
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


# ------------------------------------------------------------------------ overrides


def get_path(data: Any, path: str) -> Any:
    """Read the value at dotted ``path`` in nested dicts/lists (list items by index or name)."""
    node = data
    for part in path.split("."):
        node = _child(node, part, path)
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at dotted ``path`` in nested dicts/lists, in place."""
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = _child(node, part, path)
    last = parts[-1]
    if isinstance(node, list):
        node[_list_index(node, last, path)] = value
    elif isinstance(node, dict):
        if last not in node:
            raise InputError(f"no such key {last!r}", field=path)
        node[last] = value
    else:
        raise InputError("path goes through a value that has no keys", field=path)


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict):
        if part not in node:
            raise InputError(
                f"no such key {part!r} (available: {', '.join(map(str, node))})", field=path
            )
        return node[part]
    if isinstance(node, list):
        return node[_list_index(node, part, path)]
    raise InputError("path goes through a value that has no keys", field=path)


def _list_index(node: list[Any], part: str, path: str) -> int:
    if part.lstrip("-").isdigit():
        i = int(part)
        if -len(node) <= i < len(node):
            return i
        raise InputError(f"index {i} out of range (list has {len(node)} items)", field=path)
    for i, item in enumerate(node):
        if isinstance(item, dict) and item.get("name") == part:
            return i
    raise InputError(f"no list item named {part!r}", field=path)


def apply_overrides(
    scenario: Scenario, overrides: dict[str, Any], source: str | None = None
) -> Scenario:
    """Return a new scenario with each dotted path set to its value, re-validated.

    Example: ``{"behaviours.joint_assessment.coefficients.social": 2.5,
    "system.localities.North.readiness": 0.8}``. Locality and other named list
    items can be addressed by name or by index.
    """
    data = scenario.model_dump(mode="python")
    for path, value in overrides.items():
        set_path(data, path, value)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_errors(exc, source, {}) from None


def schema_json() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' autocompletion)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "integration-sim scenario"
    return schema
