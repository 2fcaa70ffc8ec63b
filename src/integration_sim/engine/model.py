"""IntegrationModel: the Mesa model that steps organisations, practitioners, ties and cases weekly.

One step is one week. Order within a week:

1. interventions: exposure, launches (initiative fatigue), champions, learning transfer;
2. organisations (Mesa agents): leadership and budget pooling;
3. practitioners: opportunity from context, encounters, the behaviour rule,
   habit, capability and motivation;
4. cases: arrivals, hand-offs, outcomes, seen benefit;
5. ties: trust growth and decay, tie loss, new ties;
6. turnover: leavers' rows are reset to a joiner at baseline;
7. records.
"""

from __future__ import annotations

import mesa
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine import behaviour as rules
from integration_sim.engine.cases import CaseMix, seasonal
from integration_sim.engine.network import (
    CROSS,
    WITHIN,
    TieTable,
    cross_boundary_candidates,
    generate_ties,
)
from integration_sim.engine.network_files import load_network
from integration_sim.engine.organisations import OrganisationAgent
from integration_sim.engine.recorder import Recorder
from integration_sim.engine.rollout import Place, budget_scales, expand
from integration_sim.engine.schedule import Schedule, choose_champions
from integration_sim.engine.seeds import Streams
from integration_sim.engine.state import Population, build_population


class IntegrationModel(mesa.Model):
    """A place's health and care system under one rollout strategy.

    Args:
        scenario: validated scenario.
        strategy: name of the strategy to apply (default: the first).
        seed: run seed; split into independent named streams.
        tallies: also keep raw counts for observation models (calibration).
    """

    def __init__(
        self, scenario: Scenario, strategy: str | None = None, seed: int = 0, tallies: bool = False
    ) -> None:
        self.streams = Streams(seed)
        super().__init__(rng=self.streams.seed_for("mesa"))
        self.scenario = scenario
        self.strategy = strategy or next(iter(scenario.strategies))
        self.params = scenario.parameters
        self.week = 0
        self.pop, self.ties = self._build_place()
        self.rule = rules.Rule.from_scenario(scenario)
        self.pooling_rule = next(
            (scenario.behaviours[b] for b in scenario.organisation_behaviours), None
        )
        self.organisations = [
            OrganisationAgent(self, org, self._baseline_leadership(org.localities))
            for org in self.pop.organisations
        ]
        self.interventions = self._expand_strategy()
        self.schedule_of_interventions = Schedule(
            self.interventions, self.pop, scenario.horizon_weeks
        )
        self.cases = CaseMix(scenario, self.pop)
        n_loc = len(self.pop.locality_names)
        self.fatigue = np.zeros(n_loc)  # initiatives' weight per locality (decays)
        self.weekly_leave = self._weekly_leave_probability()
        self.initial_ties = self.ties.copy()
        self._start_in_equilibrium()
        self.recorder = Recorder(
            scenario,
            self.pop,
            self.ties,
            self.pooling_rule,
            self.streams.rng("observation") if tallies else None,
        )

    # ------------------------------------------------------------------ building
    def _build_place(self) -> tuple[Population, TieTable]:
        s = self.scenario
        if s.system.network is not None:
            measured = load_network(s, s.system.network)
            pop = build_population(
                s, self.streams.rng("population"), measured.posts, measured.organisations
            )
            return pop, measured.ties(pop, s.parameters.network)
        pop = build_population(s, self.streams.rng("population"))
        return pop, generate_ties(pop, s.parameters.network, self.streams.rng("network"))

    def _start_in_equilibrium(self) -> None:
        """Give practitioners the habits of their usual context, and set the reference
        levels of peer behaviour and seen benefit that motivation responds to."""
        pop, o, bp = self.pop, self.params.opportunity, self.params.behaviour
        usual = np.full(
            pop.size, np.clip(o.base - o.pressure * self.scenario.drivers.seasonal.base, 0.0, 1.0)
        )
        if bp.initial_habit == "stationary":
            pop.habit[:], weekly = rules.stationary_habit(
                self.rule,
                pop.capability,
                usual,
                pop.motivation,
                pop.eligible,
                bp.habit_gain,
                bp.habit_decay,
                bp.noise,
                degree=self.ties.degree(),
                leave=self.weekly_leave,
            )
            # A plausible "last week" too, so social influence in week 0 is not zero.
            draw = self.streams.rng("population").random(weekly.shape)
            pop.performed = pop.eligible & (draw < weekly)
        self.reference_peers: float | None = None
        self.reference_benefit: float | None = None

    def _baseline_leadership(self, localities: list[str]) -> float:
        ready = {loc.name: loc.readiness for loc in self.scenario.system.localities}
        return float(np.mean([ready[n] for n in localities]))

    def _expand_strategy(self):
        s = self.scenario
        names = s.locality_names
        staff = np.bincount(self.pop.locality, minlength=len(names))
        place = Place(
            localities=names,
            staff={n: int(staff[i]) for i, n in enumerate(names)},
            readiness={loc.name: loc.readiness for loc in s.system.localities},
            need={loc.name: loc.need for loc in s.system.localities},
            half_effect=s.parameters.funding.half_effect,
            hill=s.parameters.funding.hill,
        )
        scale = budget_scales(s.strategies, s.equal_budget)[self.strategy]
        return expand(s.strategies[self.strategy], place, self.streams.rng("selection"), scale)

    def _weekly_leave_probability(self) -> np.ndarray:
        d = self.scenario.drivers
        annual = np.array(
            [
                d.turnover.get(t, self.scenario.organisation_types[t].turnover)
                for t in self.pop.type_names
            ]
        )
        annual = np.clip(annual * d.turnover_scale, 0.0, 0.999)
        return (1.0 - (1.0 - annual) ** (1.0 / 52.0))[self.pop.organisation_type]

    # ----------------------------------------------------------------------- step
    def step(self) -> None:
        """Advance one week."""
        week = self.week
        self._start_interventions(week)  # first, so champions chosen now act this week
        exposure = self.schedule_of_interventions.exposure(week)
        pressure = self._pressure(week)
        self._step_organisations(exposure)
        opportunity = self._opportunity(exposure, pressure)
        encountered, performed = self._step_behaviour(opportunity, exposure)
        cases = self._step_cases(week, performed, pressure)
        self._step_ties(performed, exposure)
        self._step_turnover()
        pooling = np.array([a.pooling for a in self.organisations], dtype=float)
        self.recorder.record(week, encountered, performed, cases, exposure, pooling)
        self.week += 1

    def run(self) -> None:
        """Run to the scenario's horizon."""
        for _ in range(self.scenario.horizon_weeks):
            self.step()

    # ---------------------------------------------------------- interventions
    def _start_interventions(self, week: int) -> None:
        sched = self.schedule_of_interventions
        p = self.params.practitioners
        self.fatigue *= 0.5 ** (1.0 / p.fatigue_half_life)
        for landed in sched.launches(week):
            # A launch tires the localities it lands in, and (less) the others that watch it.
            self.fatigue += np.where(landed, 1.0, p.fatigue_spillover)
        for i in sched.starting(week, "champions"):
            sched.champions[i] = choose_champions(
                sched.interventions[i],
                sched.masks[i],
                self.pop,
                self.ties,
                self.streams.rng("selection"),
            )
        for i in sched.starting(week, "learning_transfer"):
            self._transfer_learning(sched.interventions[i], sched.masks[i])

    def _transfer_learning(self, iv, target: np.ndarray) -> None:
        """Hand on a share of the source localities' gains in capability and motivation."""
        pop = self.pop
        src = np.isin(pop.locality, [pop.locality_names.index(n) for n in iv.source_localities])
        if not src.any() or iv.transfer <= 0:
            return
        gain_c = np.maximum(
            pop.capability[src].mean(axis=0) - pop.base_capability[src].mean(axis=0), 0.0
        )
        gain_m = max(pop.motivation[src].mean() - pop.base_motivation[src].mean(), 0.0)
        pop.capability[target] = np.minimum(pop.capability[target] + iv.transfer * gain_c, 1.0)
        pop.motivation[target] = np.minimum(pop.motivation[target] + iv.transfer * gain_m, 1.0)

    def _pressure(self, week: int) -> float:
        s = self.scenario.drivers.seasonal
        return float(seasonal(week, s.base, s.amplitude, s.peak_week))

    # ------------------------------------------------------------ organisations
    def _step_organisations(self, exposure) -> None:
        pop, n_org = self.pop, len(self.organisations)
        # Leaders respond to the strongest funded support reaching their staff.
        funded = np.max([exposure.strength[k] for k in exposure.strength], axis=0)
        staff = np.maximum(np.bincount(pop.organisation, minlength=n_org), 1)
        funded_share = np.bincount(pop.organisation, weights=funded, minlength=n_org) / staff
        pooled = (
            np.bincount(
                pop.organisation, weights=exposure.strength["pooled_budget"], minlength=n_org
            )
            / staff
        )
        trust = self._mean_cross_trust_by_organisation()
        u = self.streams.rng("organisations").random(n_org)
        o, b = self.params.organisations, self.params.behaviour
        for k, agent in enumerate(self.organisations):
            agent.update_leadership(funded_share[k], o.funded_leadership_boost, o.leadership_return)
            agent.decide_pooling(
                self.pooling_rule, pooled[k], trust[k], u[k], b.habit_gain, b.habit_decay
            )

    def _mean_cross_trust_by_organisation(self) -> np.ndarray:
        t, org = self.ties, self.pop.organisation
        cross = t.cross_index()
        n_org = len(self.organisations)
        ends = np.concatenate([org[t.u[cross]], org[t.v[cross]]])
        w = np.concatenate([t.trust[cross], t.trust[cross]])
        count = np.bincount(ends, minlength=n_org)
        return np.bincount(ends, weights=w, minlength=n_org) / np.maximum(count, 1)

    # ------------------------------------------------------------ practitioners
    def _opportunity(self, exposure, pressure: float) -> np.ndarray:
        """Opportunity (0-1) of each practitioner from context this week."""
        o = self.params.opportunity
        s = exposure.strength
        pooling = np.array([a.pooling for a in self.organisations], dtype=float)[
            self.pop.organisation
        ]
        value = (
            o.base
            + o.co_location * s["co_location"]
            + o.shared_records * s["shared_records"]
            + o.pooled_budget * np.maximum(s["pooled_budget"], pooling)
            + o.backfill * s["backfill"]
            - o.pressure * pressure
        )
        return np.clip(value, 0.0, 1.0)

    def _step_behaviour(self, opportunity: np.ndarray, exposure) -> tuple[np.ndarray, np.ndarray]:
        pop, bp, pp = self.pop, self.params.behaviour, self.params.practitioners
        previous = pop.performed
        share, counts = rules.social_signals(  # one pass over the ties for both
            self.ties,
            previous,
            self.params.network.mixing,
            self.rule.threshold_columns if self.rule.uses_counts else None,
        )
        champion = exposure.champion
        if champion.any():  # champions are kept capable and motivated while active
            pop.motivation[champion] = np.maximum(pop.motivation[champion], 0.9)
            pop.capability[champion] = np.maximum(pop.capability[champion], 0.9)
        p = rules.perform_probability(
            self.rule,
            pop.capability,
            opportunity,
            pop.motivation,
            pop.habit,
            share,
            counts,
            bp.noise,
        )
        encountered, performed = rules.perform(
            self.rule, pop.eligible, p, self.streams.rng("behaviour")
        )
        rules.update_habit(pop.habit, performed, pop.eligible, bp.habit_gain, bp.habit_decay)
        rules.update_capability(
            pop.capability,
            performed,
            pp.learning_by_doing,
            exposure.strength["training"],
            pp.training_rate,
        )
        peers = share.mean(axis=1) if share.size else np.zeros(pop.size)
        if self.reference_peers is None:  # motivation responds to change from the usual
            self.reference_peers = float(peers.mean())
        lead = np.array([a.leadership - a.baseline_leadership for a in self.organisations])
        fatigue = pp.fatigue_per_initiative * self.fatigue[pop.locality]
        benefit = pop.benefit - (self.reference_benefit or 0.0)
        rules.update_motivation(
            pop.motivation,
            pop.base_motivation,
            lead[pop.organisation],
            peers - self.reference_peers,
            benefit,
            fatigue,
            (pp.leadership_weight, pp.peer_weight, pp.benefit_weight),
            pp.motivation_rate,
        )
        pop.performed = performed
        pop.ever |= performed
        return encountered, performed

    # --------------------------------------------------------------------- cases
    def _step_cases(self, week: int, performed: np.ndarray, pressure: float):
        s = self.scenario.drivers.seasonal
        demand = float(seasonal(week, 1.0, s.demand_amplitude, s.peak_week))
        cases = self.cases.week(
            performed, pressure / s.base if s.base > 0 else 1.0, demand, self.streams.rng("cases")
        )
        # Seen benefit: an exponentially weighted share of one's own cases that went well.
        pop = self.pop
        if self.reference_benefit is None:  # seen benefit starts at the usual share integrated
            total = cases.cases.sum()
            self.reference_benefit = float(cases.integrated.sum() / total) if total else 0.0
            pop.benefit[:] = self.reference_benefit
        if cases.seen_rows.size:
            hits = np.bincount(cases.seen_rows, minlength=pop.size)
            good = np.bincount(cases.seen_rows, weights=cases.seen_integrated, minlength=pop.size)
            seen = hits > 0
            pop.benefit[seen] += 0.2 * (good[seen] / hits[seen] - pop.benefit[seen])
        return cases

    # ---------------------------------------------------------------------- ties
    def _step_ties(self, performed: np.ndarray, exposure) -> None:
        t, n = self.ties, self.params.network
        active = performed.any(axis=1)
        coloc = exposure.strength["co_location"]
        # Team ties interact every week; cross-boundary ties when both sides did joint work
        # or share a co-located base.
        # Joint work (both performed) or a shared base (both co-located) counts as interaction;
        # lost ties (layer LOST) never grow back.
        # Teams work together every week; cross-boundary ties interact through joint
        # work (both performed) or a shared base (both co-located). Lost ties stay at 0.
        cross = t.cross_index()
        based = coloc > 0
        cu, cv = t.u[cross], t.v[cross]
        grow = t.layer == WITHIN
        grow[cross] = (active[cu] & active[cv]) | (based[cu] & based[cv])
        t.trust += np.where(grow, n.trust_growth * (1.0 - t.trust), -n.trust_decay * t.trust)
        ct = t.trust[cross]
        t.lose_at(cross[ct < n.tie_loss_trust])
        rng = self.streams.rng("ties")
        # Champions broker: they make new cross-boundary contacts as fast as co-located staff.
        brokering = np.maximum(coloc, exposure.champion)
        rate = (
            n.tie_formation
            + n.colocation_tie_formation * brokering
            + n.joint_work_tie_formation * active
        )
        forms = rng.random(self.pop.size) < np.minimum(rate, 1.0)
        u, v = cross_boundary_candidates(self.pop, forms.astype(np.int64), rng)
        t.add(u, v, n.initial_trust, CROSS)

    # ------------------------------------------------------------------ turnover
    def _step_turnover(self) -> None:
        """Leavers take their habits and cross-boundary ties; joiners start at baseline."""
        pop, t = self.pop, self.ties
        leave = self.streams.rng("turnover").random(pop.size) < self.weekly_leave
        pop.tenure += 1
        if not leave.any():
            return
        pop.habit[leave] = 0.0
        pop.capability[leave] = pop.base_capability[leave]
        pop.motivation[leave] = pop.base_motivation[leave]
        pop.benefit[leave] = self.reference_benefit or 0.0  # joiners expect the usual
        pop.performed[leave] = False  # last week's behaviour left with the leaver
        pop.tenure[leave] = 0
        pop.ever[leave] = False
        touched = t.ties_of(np.flatnonzero(leave))
        team = touched[t.layer[touched] == WITHIN]
        t.trust[team] = self.params.network.team_trust
        t.lose_at(touched[t.layer[touched] == CROSS])

    def release(self) -> None:
        """Free Mesa's class-level agent-id counter for this model (mesa 3.3 keeps it forever)."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)
