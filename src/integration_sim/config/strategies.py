"""Rollout strategies: intervention primitives and the named bundles built from them.

An :class:`Intervention` is one primitive (co-location, pooled budget, funded
backfill, training, shared records, champions, learning transfer) with a start,
an end, a target and a weekly cost. A strategy is a list of interventions,
either written out (``kind: custom``) or generated from a budget by a named
bundle (``pilot``, ``system_wide``, ``staged``, ``targeted``).

This module is the schema only; ``engine/rollout.py`` expands a strategy into
interventions in a built place and turns money into strength.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import Field

from integration_sim.config.base import (
    LABEL_LENGTH,
    NameList,
    NamesOrAll,
    NonNegative,
    Share,
    Strict,
    Week,
    repeats,
)

# The names only; what each primitive does is its entry in engine/primitives.py REGISTRY
# (tests/test_primitives.py checks the two agree).
FundedPrimitive = Literal["co_location", "pooled_budget", "backfill", "training", "shared_records"]
Primitive = Literal[FundedPrimitive, "champions", "learning_transfer"]
PRIMITIVES: tuple[str, ...] = get_args(Primitive)
FUNDABLE: tuple[str, ...] = get_args(FundedPrimitive)  # may appear in a budget's bundle


@dataclass(frozen=True)
class Names:
    """The names a scenario defines, for checking the names a strategy uses."""

    localities: set[str]
    organisation_types: set[str]
    roles: set[str] = frozenset()  # every role some organisation type has


class Target(Strict):
    """Who an intervention reaches. Each list narrows; "all" does not."""

    localities: NamesOrAll = Field("all", description="all, or a list of localities")
    organisation_types: NamesOrAll = Field(
        "all", description="all, or a list of organisation types"
    )
    roles: NamesOrAll = Field("all", description="all, or a list of roles")


class Intervention(Strict):
    """One intervention primitive on the timeline (weeks; end is exclusive)."""

    kind: Primitive = Field(
        description="co_location | pooled_budget | backfill | training | shared_records | champions | learning_transfer"
    )
    start_week: Week = Field(0, description="first week it runs")
    end_week: Week | None = Field(None, description="exclusive; default: to the horizon")
    target: Target = Field(default_factory=Target, description="who it reaches")
    strength: Share = Field(1.0, description="0-1")
    cost_per_week: NonNegative = Field(0.0, description="pounds per week, whole intervention")
    champions: Annotated[int, Field(ge=0)] = Field(0, description="champions per targeted locality")
    selection: Literal["random", "readiness", "betweenness", "brokerage"] = Field(
        "random", description="champions: random | readiness | betweenness | brokerage"
    )
    transfer: Share = Field(
        0.0, description="learning_transfer: share of the source's gains handed on"
    )
    source_localities: list[str] = Field(
        default_factory=list, description="learning_transfer: localities whose gains are handed on"
    )
    launch: bool = Field(True, description="counts as a new initiative (initiative fatigue)")
    phase: str = Field("", description="label used in records, e.g. pilot or scale_up")


class Funding(Strict):
    """A budget spread over a bundle of funded primitives."""

    budget: NonNegative = Field(0.0, description="pounds over the whole phase")
    duration_weeks: Annotated[int, Field(ge=1)] = Field(104, description="weeks the money lasts")
    bundle: dict[str, Share] = Field(
        default_factory=lambda: {
            "co_location": 0.35,
            "backfill": 0.3,
            "training": 0.2,
            "pooled_budget": 0.15,
        },
        description="share of the budget for each funded primitive",
    )


class ScaleUp(Strict):
    """What happens in the other localities when a pilot's money ends."""

    budget: NonNegative = Field(0.0, description="pounds over the whole scale-up")
    duration_weeks: Annotated[int, Field(ge=1)] = Field(
        104, description="weeks the scale-up money lasts"
    )
    learning_transfer: Share = Field(
        0.0, description="0 = start from scratch, 1 = all collated learning handed on"
    )
    collated: Share = Field(
        0.5,
        description="share of the pilots' learning that was written down (what can be handed on)",
    )
    transfer_share: Share = Field(
        0.1,
        description="share of the scale-up budget spent collating and handing on learning "
        "(when learning_transfer > 0)",
    )
    bundle: dict[str, Share] | None = Field(None, description="default: the pilot's bundle")


class _StrategyBase(Strict):
    label: str = Field(
        "", max_length=LABEL_LENGTH, description="name shown in charts and the report"
    )
    start_week: Week = Field(26, description="week the strategy starts")
    selection_rule: Literal["named", "most_ready", "highest_need", "random"] = Field(
        "most_ready", description="most_ready | highest_need | random | named"
    )

    def problems(self, names: Names) -> list[str]:
        """Cross-reference problems (unknown localities, primitives, ...)."""
        return []

    def budget_total(self) -> float:
        """Declared spend in pounds (before any equal-budget rescaling)."""
        return 0.0


class Custom(_StrategyBase):
    """Interventions written out one by one."""

    kind: Literal["custom"] = Field("custom", description="interventions written out one by one")
    interventions: list[Intervention] = Field(
        default_factory=list, description="the interventions, each on its own timeline"
    )

    def problems(self, names: Names) -> list[str]:
        out = []
        for i, iv in enumerate(self.interventions):
            out.extend(f"interventions.{i}.{p}" for p in _intervention_problems(iv, names))
        return out


class Pilot(_StrategyBase):
    """k localities get ringfenced money for a fixed time; optional scale-up afterwards."""

    kind: Literal["pilot"] = Field(
        "pilot", description="k localities get ringfenced money for a fixed time"
    )
    localities: NameList | None = Field(
        None, description="named pilot localities (else chosen by selection_rule)"
    )
    count: Annotated[int, Field(ge=1)] = Field(
        2, description="number of pilot localities (ignored if `localities` is given)"
    )
    funding: Funding = Field(default_factory=Funding, description="the pilots' money")
    scale_up: ScaleUp | None = Field(
        None, description="optional: what the other localities get when the pilot ends"
    )
    rounds: Annotated[int, Field(ge=1)] = Field(
        1, description="successive pilots, each in fresh localities"
    )

    def problems(self, names: Names) -> list[str]:
        out = _locality_problems(self.localities, names, "localities")
        out += _bundle_problems(self.funding.bundle, "funding.bundle")
        if self.scale_up and self.scale_up.bundle:
            out += _bundle_problems(self.scale_up.bundle, "scale_up.bundle")
        return out

    def budget_total(self) -> float:
        return self.funding.budget * self.rounds + (self.scale_up.budget if self.scale_up else 0.0)


class SystemWide(_StrategyBase):
    """Every locality at once, the money spread across them all."""

    kind: Literal["system_wide"] = Field(
        "system_wide", description="every locality at once, the money spread across them"
    )
    funding: Funding = Field(
        default_factory=Funding, description="the money, spread across every locality"
    )

    def problems(self, names: Names) -> list[str]:
        return _bundle_problems(self.funding.bundle, "funding.bundle")

    def budget_total(self) -> float:
        return self.funding.budget


class Staged(_StrategyBase):
    """Waves of localities (stepped wedge); the budget is split equally between waves."""

    kind: Literal["staged"] = Field("staged", description="stepped wedge: waves of localities")
    waves: Annotated[int, Field(ge=1)] = Field(3, description="number of waves")
    wave_interval_weeks: Annotated[int, Field(ge=1)] = Field(26, description="weeks between waves")
    order: NameList | None = Field(None, description="locality order (else by selection_rule)")
    funding: Funding = Field(
        default_factory=Funding, description="the money, split equally between waves"
    )

    def problems(self, names: Names) -> list[str]:
        return _locality_problems(self.order, names, "order") + _bundle_problems(
            self.funding.bundle, "funding.bundle"
        )

    def budget_total(self) -> float:
        return self.funding.budget


class Targeted(_StrategyBase):
    """Champions seeded by network position, with training and backfill for them."""

    kind: Literal["targeted"] = Field(
        "targeted", description="champions seeded by network position"
    )
    champions_per_locality: Annotated[int, Field(ge=1)] = Field(
        5, description="champions per locality"
    )
    position: Literal["betweenness", "brokerage", "readiness", "random"] = Field(
        "brokerage", description="brokerage | betweenness | readiness | random"
    )
    funding: Funding = Field(
        default_factory=lambda: Funding(bundle={"training": 0.5, "backfill": 0.5}),
        description="the money for the champions' training and backfill",
    )

    def problems(self, names: Names) -> list[str]:
        return _bundle_problems(self.funding.bundle, "funding.bundle")

    def budget_total(self) -> float:
        return self.funding.budget


Strategy = Annotated[Custom | Pilot | SystemWide | Staged | Targeted, Field(discriminator="kind")]


def _locality_problems(given: list[str] | None, names: Names, field: str) -> list[str]:
    """Unknown or repeated names in a list of localities (a repeat would count a locality
    twice: a pilot listing one locality twice would spread its money over two shares)."""
    given = given or []
    out = [f"{field}: unknown locality {n!r}" for n in given if n not in names.localities]
    out += [
        f"{field}.{i}: locality {given[i]!r} is already {field}.{j}"
        for i, j in repeats(given).items()
    ]
    return out


def _bundle_problems(bundle: dict[str, float], field: str) -> list[str]:
    return [
        f"{field}: {k!r} is not a funded primitive (use {', '.join(FUNDABLE)})"
        for k in bundle
        if k not in FUNDABLE
    ]


# Settings that only one kind of intervention reads: given on another, they would do nothing.
_ONLY_FOR = {
    "champions": "champions",
    "selection": "champions",
    "transfer": "learning_transfer",
    "source_localities": "learning_transfer",
}


def _intervention_problems(iv: Intervention, names: Names) -> list[str]:
    """What a written-out intervention gets wrong: names the scenario does not define, and
    settings that would make it do nothing without saying so."""
    out = _target_problems(iv.target, names)
    out += _locality_problems(iv.source_localities, names, "source_localities")
    for field, kind in _ONLY_FOR.items():
        # By value, not by what the file set: a saved scenario (scenario.json) sets all.
        unread = getattr(iv, field) != Intervention.model_fields[field].get_default(
            call_default_factory=True
        )
        if unread and iv.kind != kind:
            out.append(f"{field}: applies to {kind} interventions only (this one is {iv.kind})")
    if iv.kind == "champions" and iv.champions == 0:
        out.append("champions: a champions intervention needs at least 1 champion per locality")
    if iv.kind == "learning_transfer" and not iv.source_localities:
        out.append("source_localities: a learning_transfer needs the localities it hands on from")
    if iv.kind == "learning_transfer" and iv.transfer == 0:
        out.append("transfer: a learning_transfer needs the share of their gains handed on (0-1)")
    return out


def _target_problems(target: Target, names: Names) -> list[str]:
    out = []
    if target.roles != "all" and names.roles:
        out += [f"target.roles: unknown role {r!r}" for r in target.roles if r not in names.roles]
    if target.localities != "all":
        out += _locality_problems(target.localities, names, "target.localities")
    if target.organisation_types != "all":
        out += [
            f"target.organisation_types: unknown organisation type {t!r}"
            for t in target.organisation_types
            if t not in names.organisation_types
        ]
    return out
