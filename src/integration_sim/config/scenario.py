"""The scenario: one place, its behaviours and parameters, and the strategies to compare.

Behaviour, organisation-type and case-type entries are merged onto the shipped
catalogue (``config/catalogue/*.yaml``), so a scenario names only what it changes.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
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
from integration_sim.config.size import MAX_REPLICATES, size_problems
from integration_sim.config.strategies import Custom, Names, Strategy
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
    behaviour_set: list[str] | None = Field(None, description="use only these behaviours")
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


Problem = tuple[tuple[str, ...], str]  # (location in the file, message)

# Strategy names become file names (saved runs): one path part, no separator or "..".
SAFE_NAME = re.compile(r"\w[\w .()+-]{0,79}")
# Charts read `$...$` as mathematics; a literal dollar is written \$.
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def cross_reference_problems(s: Scenario) -> list[Problem]:
    """Names used in one part of a scenario that no other part defines, and values
    that would pass the schema yet fail later or silently do nothing."""
    problems = _place_problems(s)
    for name, b in s.behaviours.items():
        for field in ("performers", "partners"):
            for i, t in enumerate(getattr(b, field)):
                if t not in s.organisation_types:
                    problems.append(
                        (
                            ("behaviours", name, field, str(i)),
                            _unknown("organisation type", t, s.organisation_types),
                        )
                    )
    for name, ct in s.case_types.items():
        for i, t in enumerate(ct.needs):
            if t not in s.organisation_types:
                problems.append(
                    (
                        ("case_types", name, "needs", str(i)),
                        _unknown("organisation type", t, s.organisation_types),
                    )
                )
        for i, b in enumerate(ct.behaviours):
            if b not in s.behaviours:
                problems.append(
                    (
                        ("case_types", name, "behaviours", str(i)),
                        _unknown("behaviour", b, s.behaviours),
                    )
                )
    known = {*catalogue("behaviours"), *s.behaviours}  # behaviour_set has filtered the rest
    for i, b in enumerate(s.behaviour_set or []):
        if b not in s.behaviours:
            problems.append((("behaviour_set", str(i)), _unknown("behaviour", b, known)))
    for t in s.drivers.turnover:
        if t not in s.organisation_types:
            problems.append(
                (("drivers", "turnover", t), _unknown("organisation type", t, s.organisation_types))
            )
    baseline = s.decision.baseline
    if baseline is not None and baseline not in s.strategies:
        problems.append((("decision", "baseline"), _unknown("strategy", baseline, s.strategies)))
    problems += _strategy_problems(s)
    problems += _text_problems(s)
    return problems + _network_target_problems(s) + size_problems(s)


def _place_problems(s: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    localities = set(s.locality_names)
    for i, org in enumerate(s.system.organisations):
        where = ("system", "organisations", str(i))
        if org.type not in s.organisation_types:
            problems.append(
                ((*where, "type"), _unknown("organisation type", org.type, s.organisation_types))
            )
        for j, loc in enumerate(org.localities if org.localities != "all" else ()):
            if loc not in localities:
                problem = _unknown("locality", loc, localities)
            elif loc in org.localities[:j]:  # it would be placed there twice
                problem = f"locality {loc!r} is already localities.{org.localities.index(loc)}"
            else:
                continue
            problems.append(((*where, "localities", str(j)), problem))
    return problems


def _network_target_problems(s: Scenario) -> list[Problem]:
    """A network target on a measured network, or a mean degree the place cannot hold."""
    target, where = s.parameters.network.target, ("parameters", "network", "target")
    if target is None:
        return []
    if s.system.network is not None:
        return [
            (where, "a target shapes the generated network; this scenario names a measured one")
        ]
    staff: dict[str, int] = dict.fromkeys(s.locality_names, 0)  # practitioners per locality
    spanning = dict(staff)  # ... of them in organisations spanning several localities
    for org in s.system.organisations:
        kind = s.organisation_types.get(org.type)
        if kind is None:
            continue
        places = s.locality_names if org.localities == "all" else org.localities
        for name in places:
            staff[name] += org.count * (org.staff or kind.staff)
            if kind.scope == "system" and len(places) > 1:
                spanning[name] += org.count * (org.staff or kind.staff)
    # Generated ties stay in a locality, except those of spanning organisations' staff.
    total, spanners = sum(staff.values()), sum(spanning.values())
    reach = sum(
        spanning[name] * (total - 1)
        + (staff[name] - spanning[name]) * (staff[name] - 1 + spanners - spanning[name])
        for name in staff
    ) / max(total, 1)
    if target.mean_degree <= reach:
        return []
    return [
        (
            (*where, "mean_degree"),
            f"{target.mean_degree:g} ties per practitioner is more than this place allows "
            f"(at most {reach:.4g}: everyone tied to everyone they can meet)",
        )
    ]


def _strategy_problems(s: Scenario) -> list[Problem]:
    if not s.strategies:
        return [(("strategies",), "at least one strategy is needed")]
    problems: list[Problem] = []
    names = Names(localities=set(s.locality_names), organisation_types=set(s.organisation_types))
    n_loc = len(s.system.localities)
    for name, strategy in s.strategies.items():
        where = ("strategies", name)
        if not SAFE_NAME.fullmatch(name) or name.endswith((" ", ".")):
            problems.append(
                (
                    where,
                    f"strategy name {name!r} is used in file names: use letters, digits, "
                    "spaces and _ - . ( ) + only (at most 80 characters, no / or ..)",
                )
            )
        for p in strategy.problems(names):
            sub, _, msg = p.partition(": ")
            problems.append(((*where, *sub.split(".")), _with_suggestion(msg, s)))
        if strategy.kind != "custom" and strategy.start_week >= s.horizon_weeks:
            problems.append(((*where, "start_week"), _after_horizon(strategy.start_week, s)))
        if strategy.kind == "custom":
            for i, iv in enumerate(strategy.interventions):
                problems += _timing_problems(iv, (*where, "interventions", str(i)), s)
        elif strategy.kind == "pilot":
            first = len(strategy.localities) if strategy.localities else strategy.count
            needed = first + (strategy.rounds - 1) * strategy.count
            if needed > n_loc:
                field = "rounds" if strategy.rounds > 1 else "count"
                problems.append(
                    (
                        (*where, field),
                        f"the pilot needs {needed} localities "
                        f"({strategy.rounds} round(s) of {strategy.count}) but the place has {n_loc}",
                    )
                )
        elif strategy.kind == "staged" and strategy.waves > n_loc:
            problems.append(
                (
                    (*where, "waves"),
                    f"{strategy.waves} waves but only {n_loc} localities: "
                    "some waves would get the money and no locality",
                )
            )
    return problems


def _timing_problems(iv: Any, where: tuple[str, ...], s: Scenario) -> list[Problem]:
    if iv.start_week >= s.horizon_weeks:
        return [((*where, "start_week"), _after_horizon(iv.start_week, s))]
    if iv.end_week is not None and iv.end_week <= iv.start_week:
        return [
            (
                (*where, "end_week"),
                f"end_week {iv.end_week} is not after start_week "
                f"{iv.start_week} (end_week is exclusive): the intervention would never run",
            )
        ]
    return []


def _after_horizon(week: int, s: Scenario) -> str:
    return (
        f"starts in week {week}, at or after the end of the run (horizon_weeks "
        f"{s.horizon_weeks}): it would never run"
    )


def _text_problems(s: Scenario) -> list[Problem]:
    """Names and labels that charts show: a `$` would start mathematics there."""
    texts: list[tuple[tuple[str, ...], str]] = [(("name",), s.name)]
    texts += [
        (("system", "localities", str(i), "name"), loc.name)
        for i, loc in enumerate(s.system.localities)
    ]
    for section in ("strategies", "behaviours", "organisation_types"):
        for key, entry in getattr(s, section).items():
            texts += [((section, key), key), ((section, key, "label"), entry.label)]
    return [
        (loc, f"{text!r}: charts would read $...$ as mathematics; write \\$ for a dollar sign")
        for loc, text in texts
        if UNESCAPED_DOLLAR.search(text)
    ]


def _with_suggestion(message: str, s: Scenario) -> str:
    """Add "did you mean" to a strategy's "unknown locality 'X'" (or organisation type)."""
    found = re.fullmatch(r"unknown (locality|organisation type) '(.*)'", message)
    if not found:
        return message
    what, name = found.groups()
    known = s.locality_names if what == "locality" else list(s.organisation_types)
    return _unknown(what, name, known)


def _unknown(what: str, name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known))})"
    return f"unknown {what} {name!r}{hint}"


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
