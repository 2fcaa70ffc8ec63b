"""Rollout strategies: intervention primitives and the named bundles built from them.

An :class:`Intervention` is one primitive (co-location, pooled budget, funded
backfill, training, shared records, champions, learning transfer) with a start,
an end, a target and a weekly cost. A strategy is a list of interventions,
either written out (``kind: custom``) or generated from a budget by a named
bundle (``pilot``, ``system_wide``, ``staged``, ``targeted``).

Money becomes effect through a dose-response curve: the spend per targeted
practitioner per week ``s`` (pounds) buys strength ``s**h / (s**h + s50**h)``,
where ``s50`` is the spend giving half the full effect and ``h`` the Hill
coefficient (``parameters.funding``). With ``h > 1`` thinly spread money buys
less than proportionally; that assumption is explicit and sweepable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from integration_sim.scenario import Scenario

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Week = Annotated[int, Field(ge=0)]

Primitive = Literal[
    "co_location",
    "pooled_budget",
    "backfill",
    "training",
    "shared_records",
    "champions",
    "learning_transfer",
]
PRIMITIVES: tuple[str, ...] = get_args(Primitive)
FUNDED_PRIMITIVES = ("co_location", "pooled_budget", "backfill", "training", "shared_records")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Target(_Strict):
    """Who an intervention reaches. Each list narrows; "all" does not."""

    localities: list[str] | Literal["all"] = "all"
    organisation_types: list[str] | Literal["all"] = "all"
    roles: list[str] | Literal["all"] = "all"


class Intervention(_Strict):
    """One intervention primitive on the timeline (weeks; end is exclusive)."""

    kind: Primitive
    start_week: Week = 0
    end_week: Week | None = Field(None, description="exclusive; default: to the horizon")
    target: Target = Field(default_factory=Target)
    strength: Share = 1.0
    cost_per_week: NonNegative = Field(0.0, description="pounds per week, whole intervention")
    champions: Annotated[int, Field(ge=0)] = Field(0, description="champions per targeted locality")
    selection: Literal["random", "readiness", "betweenness", "brokerage"] = "random"
    transfer: Share = Field(
        0.0, description="learning_transfer: share of the source's gains handed on"
    )
    source_localities: list[str] = Field(default_factory=list)
    launch: bool = Field(True, description="counts as a new initiative (initiative fatigue)")
    phase: str = Field("", description="label used in records, e.g. pilot or scale_up")


class Funding(_Strict):
    """A budget spread over a bundle of funded primitives."""

    budget: NonNegative = Field(0.0, description="pounds over the whole phase")
    duration_weeks: Annotated[int, Field(ge=1)] = 104
    bundle: dict[str, Share] = Field(
        default_factory=lambda: {
            "co_location": 0.35,
            "backfill": 0.3,
            "training": 0.2,
            "pooled_budget": 0.15,
        },
        description="share of the budget for each funded primitive",
    )


class ScaleUp(_Strict):
    """What happens in the other localities when a pilot's money ends."""

    budget: NonNegative = 0.0
    duration_weeks: Annotated[int, Field(ge=1)] = 104
    learning_transfer: Share = Field(
        0.0, description="0 = start from scratch, 1 = learning collated and handed on"
    )
    bundle: dict[str, Share] | None = None


class _StrategyBase(_Strict):
    label: str = ""
    start_week: Week = 26
    selection_rule: Literal["named", "most_ready", "highest_need", "random"] = "most_ready"

    def problems(self, scenario: Scenario) -> list[str]:
        """Cross-reference problems (unknown localities, primitives, ...)."""
        return []

    def budget_total(self) -> float:
        """Declared spend in pounds (before any equal-budget rescaling)."""
        return 0.0


class Custom(_StrategyBase):
    """Interventions written out one by one."""

    kind: Literal["custom"] = "custom"
    interventions: list[Intervention] = Field(default_factory=list)

    def problems(self, scenario: Scenario) -> list[str]:
        out = []
        for i, iv in enumerate(self.interventions):
            out.extend(f"interventions.{i}.{p}" for p in _target_problems(iv.target, scenario))
        return out


class Pilot(_StrategyBase):
    """k localities get ringfenced money for a fixed time; optional scale-up afterwards."""

    kind: Literal["pilot"] = "pilot"
    localities: list[str] | None = Field(
        None, description="named pilot localities (else chosen by selection_rule)"
    )
    count: Annotated[int, Field(ge=1)] = 2
    funding: Funding = Field(default_factory=Funding)
    scale_up: ScaleUp | None = None
    rounds: Annotated[int, Field(ge=1)] = Field(
        1, description="successive pilots, each in fresh localities"
    )

    def problems(self, scenario: Scenario) -> list[str]:
        out = _locality_problems(self.localities, scenario, "localities")
        out += _bundle_problems(self.funding.bundle, "funding.bundle")
        if self.scale_up and self.scale_up.bundle:
            out += _bundle_problems(self.scale_up.bundle, "scale_up.bundle")
        return out

    def budget_total(self) -> float:
        return self.funding.budget * self.rounds + (self.scale_up.budget if self.scale_up else 0.0)


class SystemWide(_StrategyBase):
    """Every locality at once, the money spread across them all."""

    kind: Literal["system_wide"] = "system_wide"
    funding: Funding = Field(default_factory=Funding)

    def problems(self, scenario: Scenario) -> list[str]:
        return _bundle_problems(self.funding.bundle, "funding.bundle")

    def budget_total(self) -> float:
        return self.funding.budget


class Staged(_StrategyBase):
    """Waves of localities (stepped wedge); the budget is split equally between waves."""

    kind: Literal["staged"] = "staged"
    waves: Annotated[int, Field(ge=1)] = 3
    wave_interval_weeks: Annotated[int, Field(ge=1)] = 26
    order: list[str] | None = Field(None, description="locality order (else by selection_rule)")
    funding: Funding = Field(default_factory=Funding)

    def problems(self, scenario: Scenario) -> list[str]:
        return _locality_problems(self.order, scenario, "order") + _bundle_problems(
            self.funding.bundle, "funding.bundle"
        )

    def budget_total(self) -> float:
        return self.funding.budget


class Targeted(_StrategyBase):
    """Champions seeded by network position, with training and backfill for them."""

    kind: Literal["targeted"] = "targeted"
    champions_per_locality: Annotated[int, Field(ge=1)] = 5
    position: Literal["betweenness", "brokerage", "readiness", "random"] = "brokerage"
    funding: Funding = Field(
        default_factory=lambda: Funding(bundle={"training": 0.5, "backfill": 0.5})
    )

    def problems(self, scenario: Scenario) -> list[str]:
        return _bundle_problems(self.funding.bundle, "funding.bundle")

    def budget_total(self) -> float:
        return self.funding.budget


Strategy = Annotated[Custom | Pilot | SystemWide | Staged | Targeted, Field(discriminator="kind")]


def _locality_problems(names: list[str] | None, scenario: Scenario, field: str) -> list[str]:
    known = set(scenario.locality_names)
    return [f"{field}: unknown locality {n!r}" for n in names or [] if n not in known]


def _bundle_problems(bundle: dict[str, float], field: str) -> list[str]:
    return [
        f"{field}: {k!r} is not a funded primitive (use {', '.join(FUNDED_PRIMITIVES)})"
        for k in bundle
        if k not in FUNDED_PRIMITIVES
    ]


def _target_problems(target: Target, scenario: Scenario) -> list[str]:
    out = []
    if target.localities != "all":
        out += _locality_problems(target.localities, scenario, "target.localities")
    if target.organisation_types != "all":
        out += [
            f"target.organisation_types: unknown organisation type {t!r}"
            for t in target.organisation_types
            if t not in scenario.organisation_types
        ]
    return out


# ------------------------------------------------------------------------ expansion


@dataclass(frozen=True)
class Place:
    """What expansion needs to know about the built place."""

    localities: list[str]
    staff: dict[str, int]  # practitioners per locality
    readiness: dict[str, float]
    need: dict[str, float]
    half_effect: dict[str, float]  # pounds per practitioner-week for half the full effect
    hill: float


def dose_response(spend_per_practitioner_week: float, half_effect: float, hill: float) -> float:
    """Strength (0-1) bought by a weekly spend per practitioner (pounds)."""
    if spend_per_practitioner_week <= 0 or half_effect <= 0:
        return 0.0 if spend_per_practitioner_week <= 0 else 1.0
    x = (spend_per_practitioner_week / half_effect) ** hill
    return float(x / (1.0 + x))


def expand(
    strategy: Strategy, place: Place, rng: np.random.Generator, scale: float = 1.0
) -> list[Intervention]:
    """The interventions a strategy amounts to in a place, budgets multiplied by ``scale``."""
    if isinstance(strategy, Custom):
        return [
            iv.model_copy(update={"cost_per_week": iv.cost_per_week * scale})
            for iv in strategy.interventions
        ]
    if isinstance(strategy, Pilot):
        return _expand_pilot(strategy, place, rng, scale)
    if isinstance(strategy, SystemWide):
        return _funded(
            strategy.funding, place.localities, strategy.start_week, place, scale, "system_wide"
        )
    if isinstance(strategy, Staged):
        return _expand_staged(strategy, place, rng, scale)
    if isinstance(strategy, Targeted):
        return _expand_targeted(strategy, place, scale)
    raise TypeError(f"unknown strategy {strategy!r}")


def choose_localities(
    rule: str, count: int, place: Place, rng: np.random.Generator, exclude: set[str] = frozenset()
) -> list[str]:
    """Pick ``count`` localities by rule: most_ready, highest_need or random."""
    pool = [n for n in place.localities if n not in exclude] or list(place.localities)
    count = min(count, len(pool))
    if rule == "random":
        idx = rng.permutation(len(pool))[:count]
        return [pool[i] for i in sorted(idx)]
    key = place.readiness if rule in ("most_ready", "named") else place.need
    # Stable sort: ties keep file order, so the choice is reproducible.
    return sorted(pool, key=lambda n: -key[n])[:count]


def _funded(
    funding: Funding | ScaleUp,
    localities: list[str],
    start: int,
    place: Place,
    scale: float,
    phase: str,
    bundle: dict[str, float] | None = None,
) -> list[Intervention]:
    bundle = bundle if bundle is not None else getattr(funding, "bundle", None) or Funding().bundle
    weeks = funding.duration_weeks
    staff = max(sum(place.staff[n] for n in localities), 1)
    out = []
    for kind, share in bundle.items():
        spend = funding.budget * scale * share
        if spend <= 0:
            continue
        per_week = spend / weeks
        strength = dose_response(per_week / staff, place.half_effect[kind], place.hill)
        out.append(
            Intervention(
                kind=kind,
                start_week=start,
                end_week=start + weeks,
                target=Target(localities=list(localities)),
                strength=strength,
                cost_per_week=per_week,
                phase=phase,
            )
        )
    return out


def _expand_pilot(
    s: Pilot, place: Place, rng: np.random.Generator, scale: float
) -> list[Intervention]:
    out: list[Intervention] = []
    piloted: set[str] = set()
    start = s.start_week
    for r in range(s.rounds):
        if r == 0 and s.localities:
            chosen = list(s.localities)
        else:
            chosen = choose_localities(s.selection_rule, s.count, place, rng, exclude=piloted)
        piloted |= set(chosen)
        out += _funded(s.funding, chosen, start, place, scale, "pilot")
        start += s.funding.duration_weeks
    if s.scale_up is not None:
        rest = [n for n in place.localities if n not in piloted]
        if rest and s.scale_up.learning_transfer > 0:
            # Handing on the pilots' learning is part of the scale-up launch.
            out.append(
                Intervention(
                    kind="learning_transfer",
                    start_week=start,
                    end_week=start + 1,
                    target=Target(localities=rest),
                    transfer=s.scale_up.learning_transfer,
                    source_localities=sorted(piloted, key=place.localities.index),
                    launch=True,
                    phase="scale_up",
                )
            )
        if rest:
            bundle = s.scale_up.bundle or s.funding.bundle
            out += _funded(s.scale_up, rest, start, place, scale, "scale_up", bundle=bundle)
    return out


def _expand_staged(
    s: Staged, place: Place, rng: np.random.Generator, scale: float
) -> list[Intervention]:
    if s.order:
        order = list(s.order) + [n for n in place.localities if n not in s.order]
    else:
        order = choose_localities(s.selection_rule, len(place.localities), place, rng)
    waves = np.array_split(np.array(order, dtype=object), s.waves)
    per_wave = s.funding.model_copy(update={"budget": s.funding.budget / s.waves})
    out: list[Intervention] = []
    for w, wave in enumerate(waves):
        if len(wave):
            start = s.start_week + w * s.wave_interval_weeks
            out += _funded(per_wave, list(wave), start, place, scale, f"wave_{w + 1}")
    return out


def _expand_targeted(s: Targeted, place: Place, scale: float) -> list[Intervention]:
    weeks = s.funding.duration_weeks
    n_champions = max(s.champions_per_locality * len(place.localities), 1)
    per_week = s.funding.budget * scale / weeks
    # Champions get the bundle; its strength follows the spend per champion-week.
    strength = max(
        (
            dose_response(per_week * share / n_champions, place.half_effect[k], place.hill)
            for k, share in s.funding.bundle.items()
        ),
        default=0.0,
    )
    return [
        Intervention(
            kind="champions",
            start_week=s.start_week,
            end_week=s.start_week + weeks,
            champions=s.champions_per_locality,
            selection=s.position,
            strength=strength,
            cost_per_week=per_week,
            phase="targeted",
        )
    ]


def budget_scales(strategies: dict[str, Strategy], equal_budget: bool) -> dict[str, float]:
    """Multipliers that bring every budget-based strategy to the largest total spend."""
    totals = {n: s.budget_total() for n, s in strategies.items()}
    if not equal_budget:
        return dict.fromkeys(strategies, 1.0)
    target = max(totals.values(), default=0.0)
    return {n: (target / t if t > 0 else 1.0) for n, t in totals.items()}
