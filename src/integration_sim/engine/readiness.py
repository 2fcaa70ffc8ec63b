"""Readiness that matters: the same money does more where leaders are keen.

A locality's readiness r (0-1, ``system.localities[].readiness``) shapes three
things, each with a weight w in ``parameters.readiness`` (0 makes it inert):

- implementation fidelity (absorptive capacity): funded strength reaching staff
  is multiplied by 1 - w (1 - r);
- leadership support: funding lifts an organisation's leaders by the boost
  times 1 - w (1 - r), r being the mean readiness of its localities;
- initiative fatigue: a launch tires staff by 1 + w (1 - 2 r) times the usual
  amount (more where earlier initiatives have left people sceptical).

Pilots placed "by readiness" therefore carry a selection effect that a
scale-up to the other localities does not inherit.
"""

from __future__ import annotations

import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine.state import Population


def locality_readiness(scenario: Scenario, pop: Population) -> np.ndarray:
    """Readiness of each locality [L], in the population's locality order."""
    ready = {loc.name: loc.readiness for loc in scenario.system.localities}
    return np.array([ready[n] for n in pop.locality_names], dtype=float)


def fidelity(scenario: Scenario, pop: Population) -> np.ndarray:
    """Share of funded strength that reaches each practitioner [N] (0-1)."""
    w = scenario.parameters.readiness.fidelity
    return (1.0 - w * (1.0 - locality_readiness(scenario, pop)))[pop.locality]


def organisation_readiness(scenario: Scenario, pop: Population) -> np.ndarray:
    """Mean readiness of each organisation's localities [O]: ``np.mean``'s value (one
    locality's own readiness, which is that mean, without the call: most organisations
    have one locality, and a calibration builds thousands of places)."""
    r = locality_readiness(scenario, pop)
    index = {name: k for k, name in enumerate(pop.locality_names)}
    out = np.empty(len(pop.organisations))
    for k, o in enumerate(pop.organisations):
        values = [r[index[n]] for n in o.localities]
        out[k] = values[0] if len(values) == 1 else np.mean(values)
    return out


def leadership_support(scenario: Scenario, pop: Population) -> np.ndarray:
    """Multiplier of the funded leadership boost for each organisation [O]."""
    w = scenario.parameters.readiness.leadership
    return 1.0 - w * (1.0 - organisation_readiness(scenario, pop))


def fatigue_weight(scenario: Scenario, pop: Population) -> np.ndarray:
    """Multiplier of initiative fatigue felt in each locality [L]."""
    w = scenario.parameters.readiness.fatigue
    return 1.0 + w * (1.0 - 2.0 * locality_readiness(scenario, pop))
