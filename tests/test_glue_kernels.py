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
