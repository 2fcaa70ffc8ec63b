"""A run that keeps only its tallies (a calibration's) skips the weekly records' set-up
and gives exactly the tallies of a run that keeps everything."""

from __future__ import annotations

import numpy as np
from conftest import make_scenario

from integration_sim.engine.model import IntegrationModel


def _tallies(records: bool):
    model = IntegrationModel(make_scenario(), seed=4, tallies=True, records=records)
    model.run()
    frame = model.recorder.frame(0, model.strategy)
    model.release()
    return model.recorder.tallies.build(), frame


def test_tallies_only_run_equals_the_full_run() -> None:
    only, no_records = _tallies(records=False)
    full, records = _tallies(records=True)
    assert len(records) > 0 and len(no_records) == 0
    for name in ("encounters", "performed", "ties", "trust_sum", "habit_sum", "adopters"):
        assert getattr(only, name).sum() > 0, name
        assert np.array_equal(getattr(only, name), getattr(full, name)), name
    assert only.weeks == full.weeks


def test_tallies_grow_when_a_run_goes_past_its_horizon() -> None:
    scenario = make_scenario()
    model = IntegrationModel(scenario, seed=4, tallies=True, records=False)
    for _ in range(scenario.horizon_weeks + 3):
        model.step()
    longer = model.recorder.tallies.build()
    model.release()
    usual, _ = _tallies(records=False)
    n = len(usual.weeks)
    assert len(longer.weeks) == n + 3 and longer.ties.shape[0] == n + 3
    assert longer.encounters[n:].sum() > 0 and longer.ties[n:].sum() > 0
    for name in ("encounters", "ties", "habit_sum", "practitioners"):
        assert np.array_equal(getattr(longer, name)[:n], getattr(usual, name)), name
