"""Organisations as Mesa agents: leadership commitment and budget pooling.

Organisations are few (tens), so they are ordinary Mesa agents with a
``step``. What they need from the practitioner arrays (how much funded
support reaches their staff, the mean trust of their staff's cross-boundary
ties) is computed once per week, vectorised, by the model and passed in.
"""

from __future__ import annotations

import mesa
import numpy as np

from integration_sim.config.schema import Behaviour
from integration_sim.engine.behaviour import sigmoid
from integration_sim.engine.state import Organisation


class OrganisationAgent(mesa.Agent):
    """One organisation: its leadership commitment and whether it pools budget.

    State:
        leadership: commitment of its leaders to integrated working (0-1).
        baseline_leadership: where leadership returns when funding ends (0-1).
        pooling: whether it pools budget / commissions jointly this week.
        pooling_habit: how established pooling is (0-1), like practitioners' habit.
    """

    def __init__(self, model: mesa.Model, org: Organisation, leadership: float) -> None:
        super().__init__(model)
        self.org = org
        self.leadership = leadership
        self.baseline_leadership = leadership
        self.pooling = False
        self.pooling_habit = 0.0

    def update_leadership(self, funded_share: float, boost: float, return_rate: float) -> None:
        """Funded support lifts leadership; without it leadership drifts back to baseline.

        Args:
            funded_share: mean strength of funded primitives reaching its staff (0-1).
            boost: leadership gained at full funded support.
            return_rate: share of the gap to the target closed per week.
        """
        target = min(1.0, self.baseline_leadership + boost * funded_share)
        self.leadership += return_rate * (target - self.leadership)

    def decide_pooling(
        self,
        rule: Behaviour | None,
        pooled_support: float,
        trust: float,
        u: float,
        habit_gain: float,
        habit_decay: float,
    ) -> None:
        """Pool budget this week with a COM-B style probability (organisation level).

        Leadership stands in for motivation, the pooled-budget intervention for
        opportunity and the mean trust of its staff's cross-boundary ties for
        social influence. ``u`` is this organisation's uniform draw for the week.
        """
        if rule is None or self.org.type not in rule.performers:
            return
        c = rule.coefficients
        z = c.intercept + c.opportunity * pooled_support + c.motivation * self.leadership
        z += c.habit * self.pooling_habit + c.social * trust
        self.pooling = bool(u < float(sigmoid(np.asarray(z))))
        if self.pooling:
            self.pooling_habit += habit_gain * (1.0 - self.pooling_habit)
        else:
            self.pooling_habit *= 1.0 - habit_decay
