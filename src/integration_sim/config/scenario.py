"""The scenario: one place, its behaviours and parameters, and the strategies to compare.

Behaviour, organisation-type and case-type entries are merged onto the shipped
catalogue (``config/catalogue/*.yaml``), so a scenario names only what it changes.
"""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any

from pydantic import Field, model_validator

from integration_sim.config.base import NameList, Strict
from integration_sim.config.catalogue import catalogue, deep_merge
from integration_sim.config.references import cross_reference_problems
from integration_sim.config.schema import (
    Behaviour,
    CaseType,
    Drivers,
    OrganisationType,
    Parameters,
    System,
)
from integration_sim.config.size import MAX_REPLICATES
from integration_sim.config.strategies import Custom, Strategy
from integration_sim.errors import FieldProblems
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

    name: str = Field(description="required; used in output folder names")
    description: str = Field("", description="free text")
    seed: Annotated[int, Field(ge=0)] = Field(
        1, description="base seed; replicate r runs with a seed derived from (seed, r)"
    )
    replicates: Annotated[int, Field(ge=1, le=MAX_REPLICATES)] = Field(
        10, description="runs per strategy"
    )
    horizon_weeks: Annotated[int, Field(ge=1, le=5200)] = Field(260, description="weeks simulated")
    record_every: Annotated[int, Field(ge=1)] = Field(1, description="weeks between records")
    system: System = Field(
        description="the place: localities, organisations, optionally a measured network"
    )
    organisation_types: dict[str, OrganisationType] = Field(
        default_factory=dict,
        description="organisation types, merged onto the catalogue: give only what you change",
    )
    behaviours: dict[str, Behaviour] = Field(
        default_factory=dict,
        description="behaviours, merged onto the catalogue: give only what you change",
    )
    behaviour_set: NameList | None = Field(None, description="use only these behaviours")
    case_types: dict[str, CaseType] = Field(
        default_factory=dict,
        description="case types, merged onto the catalogue: give only what you change",
    )
    parameters: Parameters = Field(
        default_factory=Parameters, description="model parameters, grouped by submodel"
    )
    drivers: Drivers = Field(
        default_factory=Drivers,
        description="exogenous drivers: turnover, seasonal pressure, unit costs",
    )
    equal_budget: bool = Field(False, description="rescale every strategy to the same total spend")
    strategies: dict[str, Strategy] = Field(
        default_factory=lambda: {"baseline": Custom()},
        description="strategies to compare, by name; each is one `kind` of bundle",
    )
    decision: Decision = Field(
        default_factory=Decision, description="what the comparison report decides on"
    )

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
            raise FieldProblems(problems)
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


def schema_json() -> dict[str, Any]:
    """The JSON Schema of scenario files (for editors' autocompletion).

    It accepts what ``validate`` accepts as far as a schema can say: entries
    for catalogue behaviours, organisation types and case types are merged onto
    the catalogue, so there every field is optional (a partial override); a new
    entry must still give the required ones. Cross-references (names used in one
    part and defined in another) are left to ``validate``.
    """
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "integration-sim scenario"
    for section, definition in (
        ("behaviours", "Behaviour"),
        ("organisation_types", "OrganisationType"),
        ("case_types", "CaseType"),
    ):
        partial = {k: v for k, v in schema["$defs"][definition].items() if k != "required"}
        schema["$defs"][f"{definition}Override"] = partial
        override = {"$ref": f"#/$defs/{definition}Override"}
        schema["properties"][section]["properties"] = dict.fromkeys(catalogue(section), override)
    return schema
