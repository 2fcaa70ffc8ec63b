"""Expanding a strategy into interventions in a built place, and money into strength.

Money becomes effect through a dose-response curve: the spend per targeted
practitioner per week ``s`` (pounds) buys strength ``s**h / (s**h + s50**h)``,
where ``s50`` is the spend giving half the full effect and ``h`` the Hill
coefficient (``parameters.funding``). With ``h > 1`` thinly spread money buys
less than proportionally; that assumption is explicit and sweepable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.config.strategies import (
    Custom,
    Funding,
    Intervention,
    Pilot,
    ScaleUp,
    Staged,
    Strategy,
    SystemWide,
    Target,
    Targeted,
)
from integration_sim.engine.state import Population


@dataclass(frozen=True)
class Place:
    """What expansion needs to know about the built place."""

    localities: list[str]
    staff: dict[str, int]  # practitioners per locality
    readiness: dict[str, float]
    need: dict[str, float]
    half_effect: dict[str, float]  # pounds per practitioner-week for half the full effect
    hill: float
    transfer_weeks: int = 0  # set-up weeks of learning transfer (collating, handing on)


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
        up = s.scale_up
        if rest and up.learning_transfer > 0:
            out.append(_learning_transfer(up, rest, piloted, start, place, scale))
            up = up.model_copy(update={"budget": up.budget * (1.0 - up.transfer_share)})
        if rest:
            bundle = up.bundle or s.funding.bundle
            out += _funded(up, rest, start, place, scale, "scale_up", bundle=bundle)
    return out


def _learning_transfer(
    up: ScaleUp, rest: list[str], piloted: set[str], start: int, place: Place, scale: float
) -> Intervention:
    """Handing on the pilots' learning: part of the scale-up launch, paid from its budget,
    taking ``place.transfer_weeks``, and only as good as what was collated."""
    weeks = place.transfer_weeks + 1
    return Intervention(
        kind="learning_transfer",
        start_week=start,
        end_week=start + weeks,
        target=Target(localities=rest),
        transfer=up.learning_transfer * up.collated,
        cost_per_week=up.budget * up.transfer_share * scale / weeks,
        source_localities=sorted(piloted, key=place.localities.index),
        launch=True,
        phase="scale_up",
    )


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


def interventions_for(
    scenario: Scenario, pop: Population, strategy: str, rng: np.random.Generator
) -> list[Intervention]:
    """The interventions strategy ``strategy`` of ``scenario`` amounts to in a built place."""
    s = scenario
    names = s.locality_names
    staff = np.bincount(pop.locality, minlength=len(names))
    place = Place(
        localities=names,
        staff={n: int(staff[i]) for i, n in enumerate(names)},
        readiness={loc.name: loc.readiness for loc in s.system.localities},
        need={loc.name: loc.need for loc in s.system.localities},
        half_effect=s.parameters.funding.half_effect,
        hill=s.parameters.funding.hill,
        transfer_weeks=s.parameters.implementation.lag_weeks.get("learning_transfer", 0),
    )
    scale = budget_scales(s.strategies, s.equal_budget)[strategy]
    return expand(s.strategies[strategy], place, rng, scale)
