"""A deliberately plain per-agent Mesa implementation of the core behaviour rule.

Each practitioner is a ``mesa.Agent`` that, every week, looks at its
neighbours one by one, computes the COM-B probability with scalar maths, draws
an encounter and a performance, and updates its habit. It shares no code with
the vectorised engine, so agreement between the two (in distribution) checks
the engine's rule; the benchmark reports the speed ratio between them.

Scope: the behaviour rule, social influence (logistic, threshold and
additive contagion), noise and habit on a fixed network with fixed
capability, opportunity and motivation.
"""

from __future__ import annotations

import math

import mesa


class Practitioner(mesa.Agent):
    """One practitioner with per-behaviour capability, habit and last week's performance."""

    def __init__(
        self,
        model: OracleModel,
        capability,
        motivation,
        opportunity,
        habit,
        eligible,
        performed=None,
    ) -> None:
        super().__init__(model)
        self.capability = list(capability)
        self.motivation = float(motivation)
        self.opportunity = float(opportunity)
        self.habit = list(habit)
        self.eligible = list(eligible)
        self.performed = list(performed) if performed is not None else [False] * len(self.habit)
        self.next_performed = list(self.performed)
        self.neighbours: list[tuple[Practitioner, float]] = []

    def decide(self) -> None:
        """Choose this week's behaviour from last week's neighbours (synchronous update)."""
        m = self.model
        for b, spec in enumerate(m.behaviours):
            if not self.eligible[b]:
                self.next_performed[b] = False
                continue
            total = sum(w for _, w in self.neighbours)
            doing = sum(w for n, w in self.neighbours if n.performed[b])
            count = sum(1 for n, _ in self.neighbours if n.performed[b])
            share = doing / total if total > 0 else 0.0
            z = (
                spec["intercept"]
                + spec["capability"] * self.capability[b]
                + spec["opportunity"] * self.opportunity
                + spec["motivation"] * self.motivation
                + spec["habit"] * self.habit[b]
            )
            if spec["contagion"] == "logistic":
                z += spec["social"] * share
            elif spec["contagion"] == "threshold":
                z += spec["social"] * (1.0 if count >= spec["threshold"] else 0.0)
            p = 1.0 / (1.0 + math.exp(-z))
            if spec["contagion"] == "additive":
                p = 1.0 - (1.0 - p) * (1.0 - min(1.0, spec["social"] * share))
            p = m.noise + (1.0 - m.noise) * p
            met = m.random.random() < spec["encounter_rate"]
            self.next_performed[b] = met and m.random.random() < p

    def commit(self) -> None:
        """Make this week's choices visible and update habits."""
        m = self.model
        for b in range(len(self.habit)):
            self.performed[b] = self.next_performed[b]
            if self.performed[b]:
                self.habit[b] += m.habit_gain * (1.0 - self.habit[b])
            elif self.eligible[b]:
                self.habit[b] *= 1.0 - m.habit_decay


class OracleModel(mesa.Model):
    """The core rule on a fixed network, one agent per practitioner.

    Args:
        behaviours: per behaviour, a dict of coefficients (intercept, capability,
            opportunity, motivation, habit, social), ``contagion``, ``threshold``
            and ``encounter_rate``.
        state: per practitioner (capability list, motivation, opportunity, habit list, eligible list).
        edges: (u, v, weight) undirected ties.
    """

    def __init__(
        self,
        behaviours,
        state,
        edges,
        noise: float,
        habit_gain: float,
        habit_decay: float,
        seed: int,
    ) -> None:
        super().__init__(rng=seed)
        self.behaviours = behaviours
        self.noise, self.habit_gain, self.habit_decay = noise, habit_gain, habit_decay
        self.people = [Practitioner(self, *row) for row in state]
        for u, v, w in edges:
            self.people[u].neighbours.append((self.people[v], w))
            self.people[v].neighbours.append((self.people[u], w))

    def step(self) -> None:
        self.agents.do("decide")
        self.agents.do("commit")

    def performance_rate(self, b: int) -> float:
        """Share of eligible practitioners who performed behaviour ``b`` this week."""
        eligible = [p for p in self.people if p.eligible[b]]
        return sum(p.performed[b] for p in eligible) / max(len(eligible), 1)

    def release(self) -> None:
        """Drop mesa 3.3's class-level reference to this model's id counter."""
        ids = getattr(mesa.Agent, "_ids", None)
        if isinstance(ids, dict):
            ids.pop(self, None)


def oracle_from_engine(model, seed: int) -> OracleModel:
    """An oracle starting from exactly the engine model's current state and network.

    The engine model must be configured with everything but the core rule
    frozen (see tests/test_oracle.py); opportunity is taken as constant.
    """
    import numpy as np

    sc = model.spec
    behaviours = []
    for name in sc.practitioner_behaviours:
        b = sc.behaviours[name]
        behaviours.append(
            {
                **b.coefficients.model_dump(),
                "contagion": b.contagion,
                "threshold": b.threshold,
                "encounter_rate": b.encounter_rate,
            }
        )
    o = sc.parameters.opportunity
    opportunity = float(np.clip(o.base - o.pressure * sc.drivers.seasonal.base, 0, 1))
    pop = model.pop
    state = [
        (
            pop.capability[i].tolist(),
            float(pop.motivation[i]),
            opportunity,
            pop.habit[i].tolist(),
            pop.eligible[i].tolist(),
            pop.performed[i].tolist(),
        )
        for i in range(pop.size)
    ]
    u, v, trust, _ = model.ties.live()
    edges = list(zip(u.tolist(), v.tolist(), trust.tolist(), strict=True))
    bp = sc.parameters.behaviour
    return OracleModel(behaviours, state, edges, bp.noise, bp.habit_gain, bp.habit_decay, seed)
