"""Building a place: its practitioners and their ties, generated or from a measured network."""

from __future__ import annotations

from integration_sim.config.scenario import Scenario
from integration_sim.engine.network import TieTable
from integration_sim.engine.network_files import load_network
from integration_sim.engine.network_target import generator_parameters, place_ties
from integration_sim.engine.seeds import Streams
from integration_sim.engine.state import Population, build_population


def build_place(scenario: Scenario, streams: Streams) -> tuple[Population, TieTable]:
    """Practitioners at baseline and their ties (``system.network`` if given, else generated)."""
    s = scenario
    if s.system.network is not None:
        measured = load_network(s, s.system.network)
        pop = build_population(s, streams.rng("population"), measured.posts, measured.organisations)
        return pop, measured.ties(pop, s.parameters.network)
    pop = build_population(s, streams.rng("population"))
    # With a target, the generator's parameters are the ones fitted to it (docs/calibration.md).
    params = generator_parameters(pop, s.parameters.network, s.seed)
    return pop, place_ties(pop, params, streams.rng("network"), streams.rng("spanning"))
