"""The intervention registry: one entry per primitive, agreeing with the schema."""

from __future__ import annotations

import numpy as np

from integration_sim.config.strategies import Intervention, Target
from integration_sim.engine import primitives
from integration_sim.engine.primitives import REGISTRY, empty_exposure
from integration_sim.engine.schedule import funding_end, funding_periods


def test_registry_and_schema_literals_agree() -> None:
    assert primitives.schema_agrees() == []


def test_funded_primitives_have_a_half_effect_and_opportunity_weights_exist() -> None:
    from integration_sim.config.schema import FundingParameters, OpportunityParameters

    half = FundingParameters().half_effect
    assert set(primitives.FUNDED_PRIMITIVES) == set(half)
    for name, p in REGISTRY.items():
        if p.opportunity:
            assert hasattr(OpportunityParameters(), name), name


def test_each_channel_reads_the_primitives_that_declare_it() -> None:
    ex = empty_exposure(4, 1)
    ex.strength["co_location"][:] = [0.0, 0.5, 0.0, 0.0]
    ex.strength["training"][:] = [0.0, 0.0, 0.7, 0.0]
    ex.strength["champions"][:] = [0.0, 0.0, 0.0, 1.0]
    assert np.array_equal(primitives.brokering(ex), [0.0, 0.5, 0.0, 1.0])
    assert np.array_equal(primitives.training(ex), [0.0, 0.0, 0.7, 0.0])
    assert np.array_equal(primitives.shared_base(ex), [False, True, False, False])
    assert np.array_equal(primitives.funded_support(ex), [0.0, 0.5, 0.7, 0.0])


def test_funding_end_is_cut_at_the_horizon_and_ignores_free_interventions() -> None:
    paid = Intervention(kind="training", start_week=10, end_week=400, cost_per_week=5.0)
    free = Intervention(kind="co_location", start_week=0, end_week=500)
    assert funding_end([paid, free], horizon=156) == 156
    assert funding_periods([paid, free], horizon=156) == [("training", 10, 156)]
    short = paid.model_copy(update={"end_week": 60})
    assert funding_end([short], horizon=156) == 60
    assert funding_end([free], horizon=156) is None
    assert Target().localities == "all"
