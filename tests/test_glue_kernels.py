"""Compiled passes that replaced per-week array glue give the same bits as that glue."""

from __future__ import annotations

import copy

import numpy as np
from conftest import make_scenario

from integration_sim.engine import state
from integration_sim.engine.state import build_population


def test_compiled_reset_equals_the_declared_reset() -> None:
    rng = np.random.default_rng(3)
    pop = build_population(make_scenario(), rng)
    n, nb = pop.eligible.shape
    for name in ("habit", "capability", "motivation", "benefit", "base_benefit"):
        setattr(pop, name, rng.random(getattr(pop, name).shape))
    pop.performed, pop.ever = rng.random((n, nb)) < 0.5, rng.random((n, nb)) < 0.5
    pop.tenure = rng.integers(0, 50, n).astype(np.int32)
    assert state._PASS_FITS, "STATE changed: bring state._reset_rows up to date"
    rows = np.flatnonzero(rng.random(n) < 0.2)
    want, got = copy.deepcopy(pop), copy.deepcopy(pop)
    want.reset_declared(rows)
    got.reset(rows)
    for d in state.STATE:
        g, w = getattr(got, d.name), getattr(want, d.name)
        assert g.dtype == w.dtype and np.array_equal(g, w), d.name
        assert not np.array_equal(g, getattr(pop, d.name)), d.name  # the rows did change


def test_seen_cases_place_share_is_numpys() -> None:
    """A type that has seen no case yet starts from the place's share integrated, summed
    as NumPy sums it (pairwise over 8 or more localities; 0 without any case)."""
    from integration_sim.engine.cases import WeekOfCases
    from integration_sim.engine.practitioners import see_cases

    rng = np.random.default_rng(12)
    pop = build_population(make_scenario(), rng)
    for n_loc in (3, 9, 40, 0):
        cases = rng.integers(0, 30, n_loc).astype(float) * rng.random(n_loc) * 1.37
        integrated = cases * rng.random(n_loc)
        week = WeekOfCases(cases, integrated, cases, cases, np.zeros(pop.size), np.zeros(pop.size))
        usual = np.zeros((2, len(pop.type_names)))
        see_cases(pop, week, 0, usual)
        total = cases.sum()
        place = float(integrated.sum() / total) if total else 0.0
        assert (pop.base_benefit == place).all() and (pop.benefit == place).all()
