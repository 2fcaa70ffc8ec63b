"""Organisations as Mesa agents: leadership commitment and budget pooling.

Organisations are few (tens), so they are ordinary Mesa agents with a
``step``. What they need from the practitioner arrays (how much funded
support reaches their staff, the mean trust of their staff's cross-boundary
ties) is computed once per week, vectorised, by the model and passed in.
"""

from __future__ import annotations

import mesa
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import Behaviour
from integration_sim.engine import primitives
from integration_sim.engine.behaviour import sigmoid
from integration_sim.engine.network import TieTable
from integration_sim.engine.primitives import Exposure
from integration_sim.engine.state import Organisation, Population


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


def baseline_leadership(scenario: Scenario, localities: list[str]) -> float:
    """An organisation's starting leadership: the mean readiness of its localities."""
    ready = {loc.name: loc.readiness for loc in scenario.system.localities}
    return float(np.mean([ready[n] for n in localities]))


def mean_cross_trust(pop: Population, ties: TieTable) -> np.ndarray:
    """Mean trust of each organisation's staff's cross-boundary ties [O] (0 without any)."""
    org, n_org = pop.organisation, len(pop.organisations)
    cross = ties.cross_index()
    ends = np.concatenate([org[ties.u[cross]], org[ties.v[cross]]])
    w = np.concatenate([ties.trust[cross], ties.trust[cross]])
    count = np.bincount(ends, minlength=n_org)
    return np.bincount(ends, weights=w, minlength=n_org) / np.maximum(count, 1)


def step_organisations(
    agents: list[OrganisationAgent],
    scenario: Scenario,
    pop: Population,
    ties: TieTable,
    exposure: Exposure,
    support: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Leaders respond to the funded support reaching their staff (times ``support`` [O],
    the readiness multiplier of the boost); organisations decide whether to pool budgets."""
    n_org = len(agents)
    staff = np.maximum(np.bincount(pop.organisation, minlength=n_org), 1)
    funded = primitives.funded_support(exposure)
    funded_share = np.bincount(pop.organisation, weights=funded, minlength=n_org) / staff
    support = primitives.pooled_support(exposure)
    pooled = np.bincount(pop.organisation, weights=support, minlength=n_org) / staff
    trust = mean_cross_trust(pop, ties)
    u = rng.random(n_org)
    o, b = scenario.parameters.organisations, scenario.parameters.behaviour
    rule = pooling_rule(scenario)
    for k, agent in enumerate(agents):
        boost = o.funded_leadership_boost * support[k]
        agent.update_leadership(funded_share[k], boost, o.leadership_return)
        agent.decide_pooling(rule, pooled[k], trust[k], u[k], b.habit_gain, b.habit_decay)


def pooling_rule(scenario: Scenario) -> Behaviour | None:
    """The organisation-level behaviour (budget pooling), if the scenario has one."""
    return next((scenario.behaviours[b] for b in scenario.organisation_behaviours), None)


def pooling_state(agents: list[OrganisationAgent]) -> np.ndarray:
    """Whether each organisation pools its budget this week, as 0/1 floats [O]."""
    return np.array([a.pooling for a in agents], dtype=float)


def leadership_change(agents: list[OrganisationAgent]) -> np.ndarray:
    """Each organisation's leadership minus its baseline [O]."""
    return np.array([a.leadership - a.baseline_leadership for a in agents])
