"""The simulation: practitioners as arrays, organisations as Mesa agents, ties as a sparse matrix."""

from integration_sim.engine.model import IntegrationModel

__all__ = ["IntegrationModel"]
