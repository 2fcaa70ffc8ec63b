"""Practitioners as a structure of arrays: one NumPy array per state variable, one row each.

A row is a post rather than a person: when a practitioner leaves, the joiner
takes the same row (same organisation, role and locality) and starts from
baseline state. Rows are grouped by organisation and locality, which the
network generator relies on to build teams.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numba
import numpy as np
import pandas as pd

from integration_sim.config.scenario import Scenario


@dataclass
class Organisation:
    """Static description of one organisation (the Mesa agent wraps this)."""

    index: int
    name: str
    type: str
    localities: list[str]


@dataclass(frozen=True)
class Declared:
    """One array of practitioner state and the value a joiner starts from.

    ``joiner`` is a constant, or the name of the Population array holding each
    post's starting value (e.g. ``"base_capability"``).
    """

    name: str
    joiner: float | bool | str


# Practitioner state that changes during a run. Turnover resets a leaver's row to a
# joiner's values for every array here (``Population.reset``); a new state variable
# is declared here, with the value a joiner starts from.
STATE: tuple[Declared, ...] = (
    Declared("habit", 0.0),
    Declared("capability", "base_capability"),
    Declared("motivation", "base_motivation"),
    Declared("benefit", "base_benefit"),  # joiners expect the usual
    Declared("performed", False),  # last week's behaviour leaves with the leaver
    Declared("tenure", 0),
    Declared("ever", False),
)


@dataclass
class Population:
    """Practitioner state. Shapes: N practitioners, B practitioner-level behaviours.

    The arrays that change during a run are declared in :data:`STATE`.
    """

    organisation: np.ndarray  # int32 [N] organisation index
    organisation_type: np.ndarray  # int16 [N] index into type_names
    role: np.ndarray  # int16 [N] index into role_names
    locality: np.ndarray  # int16 [N] index into locality_names
    eligible: np.ndarray  # bool [N, B] whether the role performs each behaviour
    capability: np.ndarray  # float [N, B] in [0, 1]
    motivation: np.ndarray  # float [N] in [0, 1]
    habit: np.ndarray  # float [N, B] in [0, 1]
    performed: np.ndarray  # bool [N, B] performed this week
    ever: np.ndarray  # bool [N, B] performed at least once
    benefit: np.ndarray  # float [N] recent share of own cases that were integrated
    tenure: np.ndarray  # int32 [N] weeks in post
    base_capability: np.ndarray  # float [N, B] value a joiner starts with
    base_motivation: np.ndarray  # float [N]
    base_benefit: np.ndarray  # float [N] seen benefit a practitioner (or joiner) starts from
    type_names: list[str]
    role_names: list[str]
    locality_names: list[str]
    behaviour_names: list[str]
    organisations: list[Organisation] = field(default_factory=list)

    @property
    def size(self) -> int:
        """Number of practitioners (N)."""
        return int(self.organisation.shape[0])

    def reset(self, leavers: np.ndarray) -> None:
        """Joiners take the posts of ``leavers`` (rows, int [K]) and start from joiners'
        values: one compiled pass when :data:`STATE` is the one it was written for."""
        if not _PASS_FITS:  # STATE has changed since the pass was written: the slower way
            self.reset_declared(leavers)
            return
        _reset_rows(
            np.asarray(leavers, dtype=np.int64),
            (self.habit, self.capability, self.motivation, self.benefit),
            (self.base_capability, self.base_motivation, self.base_benefit),
            (self.performed, self.tenure, self.ever),
        )

    def reset_declared(self, leavers: np.ndarray) -> None:
        """``reset`` as :data:`STATE` declares it, array by array (rows or bool [N])."""
        for d in STATE:
            start = getattr(self, d.joiner)[leavers] if isinstance(d.joiner, str) else d.joiner
            getattr(self, d.name)[leavers] = start


# What ``_reset_rows`` resets, as (name, joiner): a change to STATE falls back to the
# declared way until the pass is brought up to date.
_COMPILED_STATE = (
    ("habit", 0.0), ("capability", "base_capability"), ("motivation", "base_motivation"),
    ("benefit", "base_benefit"), ("performed", False), ("tenure", 0), ("ever", False),
)  # fmt: skip
_PASS_FITS = tuple((d.name, d.joiner) for d in STATE) == _COMPILED_STATE


@numba.njit(cache=True)
def _reset_rows(rows, moving, bases, memory):
    """``Population.reset_declared`` for the current :data:`STATE`, in one pass (copies)."""
    habit, capability, motivation, benefit = moving
    base_capability, base_motivation, base_benefit = bases
    performed, tenure, ever = memory
    for i in rows:
        for b in range(habit.shape[1]):
            habit[i, b] = 0.0
            capability[i, b] = base_capability[i, b]
            performed[i, b] = False
            ever[i, b] = False
        motivation[i] = base_motivation[i]
        benefit[i] = base_benefit[i]
        tenure[i] = 0


def role_counts(roles: dict[str, float], staff: int) -> list[tuple[str, int]]:
    """Split ``staff`` posts between roles by share, largest remainder first."""
    return list(_role_counts(tuple(roles.items()), staff))


@functools.lru_cache(maxsize=256)
def _role_counts(roles: tuple[tuple[str, float], ...], staff: int) -> tuple[tuple[str, int], ...]:
    """``role_counts`` of (role, share) pairs, kept: a place asks for the same few splits
    once per organisation and locality, and a calibration builds thousands of places."""
    names = [r for r, _ in roles]
    shares = np.array([share for _, share in roles], dtype=float)
    shares = shares / shares.sum()
    raw = shares * staff
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: staff - counts.sum()]:
        counts[i] += 1
    return tuple((r, int(c)) for r, c in zip(names, counts, strict=True) if c > 0)


def organisation_layout(
    scenario: Scenario,
) -> tuple[list[Organisation], list[tuple[int, str, str, int]]]:
    """The organisations of a place and its posts as (organisation, locality, role, count) blocks."""
    orgs: list[Organisation] = []
    blocks: list[tuple[int, str, str, int]] = []
    all_locs = scenario.locality_names
    for spec in scenario.system.organisations:
        otype = scenario.organisation_types[spec.type]
        locs = all_locs if spec.localities == "all" else list(spec.localities)
        staff = spec.staff or otype.staff
        if otype.scope == "system":
            homes = [locs] * spec.count
        else:
            homes = [[loc] for loc in locs for _ in range(spec.count)]
        for k, home in enumerate(homes):
            suffix = home[0] if otype.scope == "locality" else "system"
            org = Organisation(len(orgs), f"{spec.type}:{suffix}:{k + 1}", spec.type, list(home))
            orgs.append(org)
            for loc in home:
                for role, count in role_counts(otype.roles, staff):
                    blocks.append((org.index, loc, role, count))
    return orgs, blocks


def eligibility(
    scenario: Scenario,
    types: np.ndarray,
    roles: np.ndarray,
    type_names: list[str],
    role_names: list[str],
) -> np.ndarray:
    """bool [N, B]: which practitioners can perform each practitioner-level behaviour."""
    behaviours = scenario.practitioner_behaviours
    out = np.zeros((types.shape[0], len(behaviours)), dtype=bool)
    for b, name in enumerate(behaviours):
        spec = scenario.behaviours[name]
        type_ok = np.isin(types, [type_names.index(t) for t in spec.performers if t in type_names])
        if spec.roles is not None:
            role_ok = np.isin(roles, [role_names.index(r) for r in spec.roles if r in role_names])
            type_ok &= role_ok
        out[:, b] = type_ok
    return out


def build_population(
    scenario: Scenario,
    rng: np.random.Generator,
    posts: list[tuple[int, str, str, int]] | None = None,
    organisations: list[Organisation] | None = None,
) -> Population:
    """Create practitioners at baseline state.

    ``posts`` (organisation index, locality, role, count) defaults to the
    layout implied by ``scenario.system``; a measured network passes its own.
    """
    if posts is None or organisations is None:
        organisations, posts = organisation_layout(scenario)
    type_names = list(scenario.organisation_types)
    locality_names = scenario.locality_names
    role_names = sorted({role for _, _, role, _ in posts})
    org_type = {o.index: type_names.index(o.type) for o in organisations}
    counts = np.array([c for *_, c in posts], dtype=np.int64)
    org = np.repeat([p[0] for p in posts], counts).astype(np.int32)
    loc = np.repeat([locality_names.index(p[1]) for p in posts], counts).astype(np.int16)
    role = np.repeat([role_names.index(p[2]) for p in posts], counts).astype(np.int16)
    otype = (
        np.array([org_type[o] for o in org], dtype=np.int16) if org.size else np.zeros(0, np.int16)
    )
    elig = eligibility(scenario, otype, role, type_names, role_names)
    n, b = elig.shape
    p = scenario.parameters.practitioners
    # Capability is behaviour-specific know-how; motivation is general.
    cap = np.clip(rng.normal(p.capability, p.capability_sd, size=(n, b)), 0.0, 1.0)
    mot = np.clip(rng.normal(p.motivation, p.motivation_sd, size=n), 0.0, 1.0)
    return Population(
        organisation=org,
        organisation_type=otype,
        role=role,
        locality=loc,
        eligible=elig,
        capability=cap,
        motivation=mot,
        habit=np.zeros((n, b)),
        performed=np.zeros((n, b), dtype=bool),
        ever=np.zeros((n, b), dtype=bool),
        benefit=np.zeros(n),
        tenure=np.zeros(n, dtype=np.int32),
        base_capability=cap.copy(),
        base_motivation=mot.copy(),
        base_benefit=np.zeros(n),
        type_names=type_names,
        role_names=role_names,
        locality_names=locality_names,
        behaviour_names=scenario.practitioner_behaviours,
        organisations=organisations,
    )


def practitioner_table(pop: Population) -> pd.DataFrame:
    """Organisation, type, role and locality of each practitioner row (one row per post)."""
    org_names = [o.name for o in pop.organisations] or [
        str(i) for i in range(int(pop.organisation.max()) + 1)
    ]
    return pd.DataFrame(
        {
            "organisation": np.asarray(org_names, dtype=object)[pop.organisation],
            "organisation_type": np.asarray(pop.type_names, dtype=object)[pop.organisation_type],
            "role": np.asarray(pop.role_names, dtype=object)[pop.role],
            "locality": np.asarray(pop.locality_names, dtype=object)[pop.locality],
        }
    )
