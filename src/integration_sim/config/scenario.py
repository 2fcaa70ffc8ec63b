"""The scenario: one place, its behaviours and parameters, and the strategies to compare.

Behaviour, organisation-type and case-type entries are merged onto the shipped
catalogue (``config/catalogue/*.yaml``), so a scenario names only what it changes.
"""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any

from pydantic import Field, model_validator

from integration_sim.config.base import Strict
from integration_sim.config.catalogue import catalogue, deep_merge
from integration_sim.config.schema import (
    Behaviour,
    CaseType,
    Drivers,
    OrganisationType,
    Parameters,
    System,
)
from integration_sim.config.strategies import Custom, Names, Strategy
from integration_sim.files import content_hash


class Decision(Strict):
    """What the comparison report decides on (see docs/report.md)."""

    baseline: str | None = Field(
        None, description="strategy every effect is measured against (default: the first)"
    )
    primary_outcome: str = Field(
        "integration_gain",
        description="metric the strategies are ranked on (a name from the metrics table); "
        "default: integration gain over the baseline at the horizon",
    )
    willingness_to_pay: Annotated[float, Field(ge=0)] = Field(
        500_000.0,
        description="pounds a commissioner would pay for one point of integration gain "
        "(illustrative; drawn as a line on the cost-effectiveness plane)",
    )
    sweep: str | None = Field(
        None, description="sensitivity experiment that tests the verdict (a path, for the report)"
    )


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
    decision: Decision = Field(default_factory=Decision)

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
                    merged[name] = deep_merge(merged[name], entry)
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
    names = Names(localities=localities, organisation_types=types)
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
    if s.decision.baseline is not None and s.decision.baseline not in s.strategies:
        problems.append(
            f"decision.baseline: unknown strategy {s.decision.baseline!r} "
            f"(known: {', '.join(s.strategies)})"
        )
    for name, strategy in s.strategies.items():
        problems.extend(f"strategies.{name}.{p}" for p in strategy.problems(names))
    return problems


def schema_json() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' autocompletion)."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "integration-sim scenario"
    return schema
