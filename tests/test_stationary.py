"""Business as usual is stationary: no intervention, no drift (issue 10, item 5).

Tolerances: the yearly mean integration index within 10% of the first year's,
cross-boundary ties within 10% of their starting number, and each organisation
type's mean motivation within 0.03 of its start, over three years of the flagship
place. Before ties were kept in balance and motivation referenced by type, ties
grew 2.7-fold and motivation moved by up to 0.11 in the same run.
"""

from __future__ import annotations

from validation.common import business_as_usual_drift, flagship

INDEX_TOLERANCE = 0.10
TIES_TOLERANCE = 0.10
MOTIVATION_TOLERANCE = 0.03


def test_business_as_usual_does_not_drift() -> None:
    drift = business_as_usual_drift(flagship(horizon=156), "business_as_usual", seed=5)
    assert abs(drift.index_change) < INDEX_TOLERANCE, drift
    assert abs(drift.ties_change) < TIES_TOLERANCE, drift
    assert drift.motivation_change < MOTIVATION_TOLERANCE, drift
