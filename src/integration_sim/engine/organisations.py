"""Organisations as Mesa agents: leadership commitment and budget pooling.

Organisations are few (tens), so they are Mesa agents; their state lives in
arrays (:class:`Organisations`, one row per organisation) and each agent reads
and writes its own row. The week of all organisations is one compiled pass over
the practitioners (funded support reaching their staff), the cross-boundary ties
(their staff's trust) and the organisations (leadership, pooling decision), in
the order of operations of the per-agent code it replaced (results bit-identical).
"""

from __future__ import annotations

import mesa
import numba
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import Behaviour
from integration_sim.engine import primitives
from integration_sim.engine.draws import address, uniforms
from integration_sim.engine.network import CROSS, TieTable
from integration_sim.engine.numpy_sums import group_sums
from integration_sim.engine.primitives import Exposure
from integration_sim.engine.readiness import organisation_readiness
from integration_sim.engine.state import Organisation, Population


class Organisations:
    """State of every organisation, one row each [O].

    State:
        leadership: commitment of its leaders to integrated working (0-1).
        baseline_leadership: where leadership returns when funding ends (0-1).
        pooling: whether it pools budget / commissions jointly this week (0/1).
        pooling_habit: how established pooling is (0-1), like practitioners' habit.
    """

    def __init__(self, scenario: Scenario, pop: Population) -> None:
        n_org = len(pop.organisations)
        # Starting leadership: the mean readiness of the organisation's localities.
        self.baseline_leadership = organisation_readiness(scenario, pop)
        self.leadership = self.baseline_leadership.copy()
        self.pooling = np.zeros(n_org)
        self.pooling_habit = np.zeros(n_org)
        self.staff = np.maximum(np.bincount(pop.organisation, minlength=n_org), 1)
        rule = pooling_rule(scenario)
        self.pools = np.array(
            [rule is not None and o.type in rule.performers for o in pop.organisations], dtype=bool
        )
        c = rule.coefficients if rule is not None else None
        # intercept, opportunity, motivation (leadership), habit, social (trust)
        self.coefficients = np.array(
            [0.0] * 5
            if c is None
            else [c.intercept, c.opportunity, c.motivation, c.habit, c.social],
            dtype=float,
        )

    def leadership_change(self) -> np.ndarray:
        """Each organisation's leadership minus its baseline [O]."""
        return self.leadership - self.baseline_leadership


def _row(name: str, kind: type, doc: str) -> property:
    """A read-only view of this organisation's row of the state array ``name``."""
    return property(lambda self: kind(getattr(self.state, name)[self.org.index]), doc=doc)


class OrganisationAgent(mesa.Agent):
    """One organisation, a Mesa agent whose state is its row of :class:`Organisations`."""

    def __init__(self, model: mesa.Model, org: Organisation, state: Organisations) -> None:
        super().__init__(model)
        self.org = org
        self.state = state

    leadership = _row("leadership", float, "Commitment of its leaders (0-1).")
    baseline_leadership = _row("baseline_leadership", float, "Where leadership returns (0-1).")
    pooling = _row("pooling", bool, "Whether it pools budget this week.")
    pooling_habit = _row("pooling_habit", float, "How established pooling is (0-1).")


def step_organisations(
    state: Organisations,
    scenario: Scenario,
    pop: Population,
    ties: TieTable,
    exposure: Exposure,
    support: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Leaders respond to the funded support reaching their staff (times ``support`` [O],
    the readiness multiplier of the boost); organisations decide whether to pool budgets
    (a COM-B style probability: leadership stands in for motivation, the pooled-budget
    intervention for opportunity, the mean trust of staff's cross-boundary ties for
    social influence), one uniform draw per organisation."""
    o, b = scenario.parameters.organisations, scenario.parameters.behaviour
    pooled = primitives.pooled_support(exposure)
    _organisations_week(
        pop.organisation,
        primitives.funded_support(exposure),
        pooled,
        ties.layer,
        ties.cross_ties(),  # the ties that may be cross-boundary (the kernel checks)
        ties.u,
        ties.v,
        ties.trust,
        state.staff,
        o.funded_leadership_boost * support,
        float(o.leadership_return),
        state.pools,
        state.coefficients,
        address(rng),  # one uniform per organisation, as Generator.random(O)
        float(b.habit_gain),
        float(b.habit_decay),
        state.leadership,
        state.baseline_leadership,
        state.pooling,
        state.pooling_habit,
    )


@numba.njit(cache=True)
def _cross_trust(organisation, layer, maybe_cross, u, v, trust, n_org):
    """Mean trust of each organisation's staff's cross-boundary ties (``layer`` CROSS) [O]
    (0 without any): all first ends, then all second ends, in tie order, as the bincount
    it replaced added them. ``maybe_cross`` holds (in order) every tie that may be one."""
    total = np.zeros(n_org)
    count = np.zeros(n_org, np.int64)
    for ends in (u, v):
        for t in maybe_cross:
            if layer[t] == CROSS:
                k = organisation[ends[t]]
                total[k] += trust[t]
                count[k] += 1
    return total / np.maximum(count, 1)


@numba.njit(cache=True)
def _organisations_week(
    organisation, funded, pooled, layer, maybe_cross, u, v, trust, staff, boost, leadership_return,
    pools, c, stream, habit_gain, habit_decay, leadership, baseline, pooling, pooling_habit,
):  # fmt: skip
    """Leadership and pooling of every organisation for one week (in place); ``stream``
    gives one uniform per organisation, drawn first."""
    draws = uniforms(stream, staff.size)
    funded_sum, pooled_sum = group_sums(organisation, funded, pooled, staff.size)
    funded_share, pooled_share = funded_sum / staff, pooled_sum / staff  # means [O]
    mean_trust = _cross_trust(organisation, layer, maybe_cross, u, v, trust, staff.size)
    for k in range(staff.size):
        target = min(1.0, baseline[k] + boost[k] * funded_share[k])
        leadership[k] += leadership_return * (target - leadership[k])
        if not pools[k]:
            continue
        z = c[0] + c[1] * pooled_share[k] + c[2] * leadership[k]
        z += c[3] * pooling_habit[k] + c[4] * mean_trust[k]
        pooling[k] = 1.0 if draws[k] < 1.0 / (1.0 + np.exp(-z)) else 0.0
        if pooling[k]:
            pooling_habit[k] += habit_gain * (1.0 - pooling_habit[k])
        else:
            pooling_habit[k] *= 1.0 - habit_decay


def pooling_rule(scenario: Scenario) -> Behaviour | None:
    """The organisation-level behaviour (budget pooling), if the scenario has one."""
    return next((scenario.behaviours[b] for b in scenario.organisation_behaviours), None)
