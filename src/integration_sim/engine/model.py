"""IntegrationModel: the week's step order, and nothing else.

One step is one week. Order within a week:

1. interventions: launches (initiative fatigue), start effects (champions,
   learning transfer), then what reaches each practitioner (exposure);
2. organisations (Mesa agents): leadership and budget pooling;
3. practitioners: opportunity from context, encounters, the behaviour rule,
   habit, capability and motivation;
4. cases: arrivals, hand-offs, outcomes, seen benefit;
5. ties: trust growth and decay, tie loss, new ties;
6. turnover: leavers' rows are reset to a joiner at baseline;
7. records.

Each step is a function in the module of its concept; the model holds the state
they share and calls them in this order.
"""

from __future__ import annotations

import mesa
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine import behaviour as rules
from integration_sim.engine import drivers, equilibrium, organisations, practitioners, readiness
from integration_sim.engine.cases import CaseMix
from integration_sim.engine.organisations import OrganisationAgent, Organisations
from integration_sim.engine.place import build_place
from integration_sim.engine.recorder import Recorder
from integration_sim.engine.rollout import interventions_for
from integration_sim.engine.schedule import Schedule
from integration_sim.engine.seeds import Streams
from integration_sim.engine.tie_dynamics import TieDynamics
from integration_sim.engine.turnover import step_turnover


class IntegrationModel(mesa.Model):
    """A place's health and care system under one rollout strategy.

    Args:
        scenario: validated scenario.
        strategy: name of the strategy to apply (default: the first).
        seed: run seed; split into independent named streams.
        tallies: also keep raw counts for observation models (calibration).
        records: keep the weekly records (a run that needs only its tallies skips them).

    The validated scenario is ``self.spec``: from mesa 3.5 on, ``mesa.Model.scenario`` is
    mesa's own experiment description (its setter writes ``scenario.model``), so this model
    must not use that name.
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: str | None = None,
        seed: int = 0,
        tallies: bool = False,
        records: bool = True,
    ) -> None:
        self.streams = Streams(seed)
        self._weekly_streams: dict[str, np.random.Generator] | None = None
        super().__init__(rng=self.streams.seed_for("mesa"))
        self.spec = scenario
        self.strategy = strategy or next(iter(scenario.strategies))
        self.params = scenario.parameters
        self.week = 0
        self.pop, self.ties = build_place(scenario, self.streams)
        self.rule = rules.Rule.from_scenario(scenario)
        self.organisation_state = Organisations(scenario, self.pop)
        self.organisations = [
            OrganisationAgent(self, org, self.organisation_state) for org in self.pop.organisations
        ]
        self.interventions = interventions_for(
            scenario, self.pop, self.strategy, self.streams.rng("selection")
        )
        self.schedule_of_interventions = Schedule(
            self.interventions,
            self.pop,
            scenario.horizon_weeks,
            self.params.implementation.lag_weeks,
            readiness.fidelity(scenario, self.pop),
        )
        self.fatigue_weight = readiness.fatigue_weight(scenario, self.pop)  # [L]
        self.leadership_support = readiness.leadership_support(scenario, self.pop)  # [O]
        self.cases = CaseMix(scenario, self.pop)
        self.fatigue = np.zeros(len(self.pop.locality_names))  # initiatives' weight (decays)
        self.weekly_leave = drivers.weekly_leave_probability(scenario, self.pop)
        self._start_in_balance()
        self.initial_ties = self.ties.copy()
        self.usual_benefit = np.zeros((2, len(self.pop.type_names)))  # cases well, seen
        self.context = practitioners.Context(
            self.ties,
            self.rule,
            np.zeros(len(self.organisations)),
            self.fatigue,
            len(self.pop.type_names),
        )
        self.recorder = Recorder(
            scenario,
            self.pop,
            self.ties,
            organisations.pooling_rule(scenario),
            self.streams.rng("observation") if tallies else None,
            weekly=records,
        )

    @property
    def _rngs(self) -> dict[str, np.random.Generator]:
        """The weekly step's streams, looked up once."""
        if self._weekly_streams is None:
            names = ("organisations", "behaviour", "cases", "ties", "replacement", "turnover")
            self._weekly_streams = {n: self.streams.rng(n) for n in (*names, "movers")}
        return self._weekly_streams

    def _start_in_balance(self) -> None:
        """Habits, capability and trust at their long-run levels; ties kept in balance."""
        weekly = equilibrium.start_in_equilibrium(
            self.spec,
            self.pop,
            self.ties,
            self.rule,
            self.weekly_leave,
            self.streams.rng("population"),
        )
        if weekly is not None and self.spec.system.network is None:
            equilibrium.settle_trust(
                self.ties,
                weekly,
                self.weekly_leave,
                self.params.network,
                self.streams.rng("replacement"),
            )
        self.tie_dynamics = TieDynamics(self.pop, self.ties, self.params.network)

    def step(self) -> None:
        """Advance one week."""
        week, s, pop, rng = self.week, self.spec, self.pop, self._rngs.__getitem__
        self._start_interventions(week)  # first, so champions chosen now act this week
        exposure = self.schedule_of_interventions.exposure(week)
        pressure = drivers.pressure(s, week)
        organisations.step_organisations(
            self.organisation_state,
            s,
            pop,
            self.ties,
            exposure,
            self.leadership_support,
            rng("organisations"),
        )
        pooling = self.organisation_state.pooling.copy()
        self.context.leadership_change = self.organisation_state.leadership_change()
        encountered, performed = practitioners.step_behaviour(
            s, pop, self.context, exposure, pooling, pressure, rng("behaviour")
        )
        relative = drivers.relative_pressure(s, pressure)
        cases = self.cases.week(performed, relative, drivers.demand(s, week), rng("cases"))
        practitioners.see_cases(pop, cases, week, self.usual_benefit)
        self.tie_dynamics.step(performed, exposure, rng("ties"), rng("replacement"))
        step_turnover(
            pop,
            self.ties,
            self.weekly_leave,
            self.params.network.team_trust,
            rng("turnover"),
            self.params.practitioners.movers,
            rng("movers"),
        )
        self.recorder.record(week, encountered, performed, cases, exposure, pooling)
        self.week += 1

    def _start_interventions(self, week: int) -> None:
        """Initiative fatigue decays and grows with launches; start effects run."""
        sched = self.schedule_of_interventions
        self.fatigue *= 0.5 ** (1.0 / self.params.practitioners.fatigue_half_life)
        for landed in sched.launches(week):
            # A launch tires the localities it lands in, and (less) the others that watch it.
            spill = self.params.practitioners.fatigue_spillover
            self.fatigue += np.where(landed, 1.0, spill) * self.fatigue_weight
        sched.start(week, self.ties, self.streams.rng("selection"))

    def run(self) -> None:
        """Run to the scenario's horizon."""
        for _ in range(self.spec.horizon_weeks):
            self.step()

    def release(self) -> None:
        """Free Mesa's class-level agent-id counter for this model (mesa 3.3 keeps it forever)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
