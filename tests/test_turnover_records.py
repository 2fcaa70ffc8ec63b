"""Recorded performances are the ones decided that week, whatever turnover does after."""

from __future__ import annotations

import numpy as np
from conftest import make_scenario

from integration_sim.engine import practitioners
from integration_sim.engine.model import IntegrationModel


def test_recorded_performance_equals_the_decisions_of_the_week(monkeypatch) -> None:
    # Heavy turnover so that many leavers performed in the week they left.
    s = make_scenario({"drivers": {"turnover_scale": 5.0}, "horizon_weeks": 12})
    decided: list[np.ndarray] = []
    real = practitioners.step_behaviour

    def spy(*args, **kwargs):
        encountered, performed = real(*args, **kwargs)
        decided.append(performed.copy())
        return encountered, performed

    monkeypatch.setattr(practitioners, "step_behaviour", spy)
    model = IntegrationModel(s, "none", seed=3)
    left = 0
    for _ in range(s.horizon_weeks):
        before = model.pop.tenure.copy()
        model.step()
        left += int((model.pop.tenure < before + 1).sum())
    assert left > 20  # the check below means something only if posts changed hands
    rec = model.recorder.frame(0, "none")
    rate = rec[
        (rec["metric"] == "performance_rate")
        & (rec["locality"] == "all")
        & (rec["organisation_type"] == "all")
    ]
    elig = model.pop.eligible
    for week, perf in enumerate(decided):
        for b, name in enumerate(model.pop.behaviour_names):
            got = rate[(rate["week"] == week) & (rate["behaviour"] == name)]["value"].item()
            assert got == perf[:, b].sum() / elig[:, b].sum()
