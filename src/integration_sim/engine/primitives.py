"""Intervention primitives: one registry entry per intervention type, holding its effects.

An intervention type is described once, here: whether it can be bought from a
budget (``funded``: it has a dose-response curve and may appear in a bundle),
which channels its strength feeds (opportunity, training, tie brokering, a
shared base, pooled budget support), how it reaches practitioners each week
(``reach``) and what happens once when it starts (``start``). The model and
the schedule only ever ask the registry; they never name a primitive.

Adding an intervention type: one :data:`REGISTRY` entry here, its name in the
schema literal ``config.strategies.Primitive`` (and ``FundedPrimitive`` if it
is bought from a budget, plus its ``parameters.funding.half_effect`` and, if it
raises opportunity, ``parameters.opportunity`` weight), a test and a line in
docs/ODD.md. ``tests/test_primitives.py`` checks the registry and the schema agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import get_args

import numpy as np

from integration_sim.config.schema import OpportunityParameters
from integration_sim.config.strategies import FundedPrimitive, Intervention, Primitive
from integration_sim.engine.champions import choose_champions
from integration_sim.engine.network import TieTable
from integration_sim.engine.state import Population


@dataclass
class Exposure:
    """What reaches each practitioner this week: strengths in [0, 1], shape [N]."""

    strength: dict[str, np.ndarray]  # primitive -> [N] (champions: 1 where a champion)
    champion: np.ndarray  # bool [N]
    spend: np.ndarray  # pounds this week per locality [L]
    # What the channels below derive from the strengths, kept: an exposure is the same
    # object for as long as the same interventions act, and nobody changes it once built.
    derived: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class StartContext:
    """What a primitive's start needs: the practitioners, ties and the selection stream."""

    pop: Population
    ties: TieTable
    rng: np.random.Generator
    champions: dict[int, np.ndarray]  # intervention index -> chosen champion rows
    index: int  # this intervention's index in the schedule


Reach = Callable[[Exposure, Intervention, np.ndarray, "np.ndarray | None"], None]
Start = Callable[[Intervention, np.ndarray, StartContext], None]


def reach_targeted(exposure: Exposure, iv: Intervention, weight: np.ndarray, chosen) -> None:
    """The intervention's strength reaches everyone it targets (the strongest one counts).

    ``weight`` [N] is 0 outside the target and the implementation fidelity inside it.
    """
    s = exposure.strength[iv.kind]
    np.maximum(s, iv.strength * weight, out=s)


def reach_champions(exposure: Exposure, iv: Intervention, weight: np.ndarray, chosen) -> None:
    """Champions are trained and given time: the bundle reaches them, and they broker."""
    if chosen is None:
        return
    exposure.champion[chosen] = True
    exposure.strength[iv.kind][chosen] = 1.0
    for k in ("training", "backfill"):
        exposure.strength[k][chosen] = np.maximum(exposure.strength[k][chosen], iv.strength)


def reach_nobody(exposure: Exposure, iv: Intervention, weight: np.ndarray, chosen) -> None:
    """No weekly strength: the intervention acts once, when it starts."""


@dataclass(frozen=True)
class PrimitiveType:
    """One intervention type and the channels its strength feeds.

    Attributes:
        funded: bought from a budget (dose-response, allowed in bundles); its
            strength counts as funded support for leaders.
        opportunity: strength x ``parameters.opportunity.<name>`` adds to opportunity.
        pooling: the same thing as an organisation pooling its budget: opportunity
            takes the larger of the two, and it supports organisations' pooling decision.
        trains: strength closes the capability gap at ``practitioners.training_rate``.
        brokers: strength raises cross-boundary tie formation like co-location.
        shared_base: practitioners both reached interact (their cross-boundary tie grows).
        reach: how it reaches practitioners each week it acts (after its set-up lag).
        start: what happens once when its set-up ends (choosing champions, handing on
            learning).
    """

    name: str
    funded: bool
    opportunity: bool = False
    pooling: bool = False
    trains: bool = False
    brokers: bool = False
    shared_base: bool = False
    reach: Reach = reach_targeted
    start: Start | None = None


# ------------------------------------------------------------------ start hooks


def start_champions(iv: Intervention, mask: np.ndarray, ctx: StartContext) -> None:
    """Choose the champions (by the intervention's selection rule) in each targeted locality."""
    ctx.champions[ctx.index] = choose_champions(iv, mask, ctx.pop, ctx.ties, ctx.rng)


def start_learning_transfer(iv: Intervention, target: np.ndarray, ctx: StartContext) -> None:
    """Hand on a share of the source localities' gains in capability and motivation."""
    pop = ctx.pop
    src = np.isin(pop.locality, [pop.locality_names.index(n) for n in iv.source_localities])
    if not src.any() or iv.transfer <= 0:
        return
    gain_c = np.maximum(
        pop.capability[src].mean(axis=0) - pop.base_capability[src].mean(axis=0), 0.0
    )
    gain_m = max(pop.motivation[src].mean() - pop.base_motivation[src].mean(), 0.0)
    pop.capability[target] = np.minimum(pop.capability[target] + iv.transfer * gain_c, 1.0)
    pop.motivation[target] = np.minimum(pop.motivation[target] + iv.transfer * gain_m, 1.0)


# --------------------------------------------------------------------- registry

# Order matters only for the order of additions in :func:`opportunity_lift`.
REGISTRY: dict[str, PrimitiveType] = {
    p.name: p
    for p in (
        PrimitiveType("co_location", funded=True, opportunity=True, brokers=True, shared_base=True),
        PrimitiveType("shared_records", funded=True, opportunity=True),
        PrimitiveType("pooled_budget", funded=True, opportunity=True, pooling=True),
        PrimitiveType("backfill", funded=True, opportunity=True),
        PrimitiveType("training", funded=True, trains=True),
        PrimitiveType(
            "champions", funded=False, brokers=True, reach=reach_champions, start=start_champions
        ),
        PrimitiveType(
            "learning_transfer", funded=False, reach=reach_nobody, start=start_learning_transfer
        ),
    )
}
FUNDED_PRIMITIVES: tuple[str, ...] = tuple(n for n, p in REGISTRY.items() if p.funded)


def empty_exposure(n: int, n_localities: int) -> Exposure:
    """Nothing reaches anyone: zero strengths, no champions, no spend."""
    return Exposure(
        {k: np.zeros(n) for k in REGISTRY}, np.zeros(n, dtype=bool), np.zeros(n_localities)
    )


def _of(exposure: Exposure, flag: str) -> list[np.ndarray]:
    return [exposure.strength[k] for k, p in REGISTRY.items() if getattr(p, flag)]


def _strongest(exposure: Exposure, flag: str) -> np.ndarray:
    """Strongest of the primitives with ``flag`` reaching each practitioner [N] (kept)."""
    got = exposure.derived.get(flag)
    if got is None:
        arrays = _of(exposure, flag)
        if not arrays:
            got = np.zeros(exposure.champion.size)
        else:
            got = arrays[0] if len(arrays) == 1 else np.max(arrays, axis=0)
        exposure.derived[flag] = got
    return got


def funded_support(exposure: Exposure) -> np.ndarray:
    """Strongest funded primitive reaching each practitioner [N] (what leaders respond to)."""
    return _strongest(exposure, "funded")


def pooled_support(exposure: Exposure) -> np.ndarray:
    """Strength of pooled-budget support reaching each practitioner [N]."""
    return _strongest(exposure, "pooling")


def training(exposure: Exposure) -> np.ndarray:
    """Strength of training reaching each practitioner [N]."""
    return _strongest(exposure, "trains")


def brokering(exposure: Exposure) -> np.ndarray:
    """How strongly each practitioner is placed to make new cross-boundary contacts [N]."""
    return _strongest(exposure, "brokers")


def shared_base(exposure: Exposure) -> np.ndarray:
    """bool [N]: practitioners working from a shared base this week."""
    got = exposure.derived.get("shared_base>0")
    if got is None:
        got = exposure.derived["shared_base>0"] = _strongest(exposure, "shared_base") > 0
    return got


def opportunity_lift(
    exposure: Exposure, weights: OpportunityParameters, pooling: np.ndarray, base: float
) -> np.ndarray:
    """``base`` plus what the primitives add to opportunity [N] (before pressure, unclipped).

    ``pooling`` is whether each practitioner's organisation pools its budget (0/1).
    """
    value = base
    for name, p in REGISTRY.items():
        if p.opportunity:
            s = exposure.strength[name]
            value = value + getattr(weights, name) * (np.maximum(s, pooling) if p.pooling else s)
    return value


def opportunity_channels(
    exposure: Exposure, weights: OpportunityParameters
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`opportunity_lift` adds, for compiled code (kept): the strengths of the
    primitives that raise opportunity [K, N] in registry order, their weights [K], and
    whether each is the same thing as pooling [K] (bool)."""
    got = exposure.derived.get("opportunity")
    if got is None:
        kinds = [(name, p) for name, p in REGISTRY.items() if p.opportunity]
        strengths = np.array([exposure.strength[name] for name, _ in kinds], dtype=float)
        got = exposure.derived["opportunity"] = strengths.reshape(len(kinds), -1)
        exposure.derived["opportunity_weights"] = np.array(
            [getattr(weights, name) for name, _ in kinds], dtype=float
        )
        exposure.derived["opportunity_pooling"] = np.array([p.pooling for _, p in kinds])
    return got, exposure.derived["opportunity_weights"], exposure.derived["opportunity_pooling"]


def is_funded(iv: Intervention) -> bool:
    """True for interventions that spend money."""
    return iv.cost_per_week > 0


def schema_agrees() -> list[str]:
    """Differences between the registry and the schema literals (empty when they agree)."""
    out = []
    if set(REGISTRY) != set(get_args(Primitive)):
        out.append(f"registry {sorted(REGISTRY)} != schema {sorted(get_args(Primitive))}")
    if set(FUNDED_PRIMITIVES) != set(get_args(FundedPrimitive)):
        out.append(
            f"funded {sorted(FUNDED_PRIMITIVES)} != schema {sorted(get_args(FundedPrimitive))}"
        )
    return out
