"""Exogenous drivers: seasonal pressure, demand for care, staff turnover.

They depend on the week and the scenario only, never on what practitioners do.
"""

from __future__ import annotations

import functools

import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.engine.cases import seasonal
from integration_sim.engine.state import Population


def pressure(scenario: Scenario, week: int) -> float:
    """System pressure (0-1) in ``week``: the winter curve of ``drivers.seasonal``."""
    s = scenario.drivers.seasonal
    return _seasonal(week, s.base, s.amplitude, s.peak_week)


@functools.lru_cache(maxsize=16_384)
def _seasonal(week: int, base: float, amplitude: float, peak_week: int) -> float:
    """``seasonal`` as a float, kept: every run of a sweep asks for the same weeks."""
    return float(seasonal(week, base, amplitude, peak_week))


def relative_pressure(scenario: Scenario, value: float) -> float:
    """Pressure relative to its yearly average (1 = average), which scales delays and risk."""
    base = scenario.drivers.seasonal.base
    return value / base if base > 0 else 1.0


def demand(scenario: Scenario, week: int) -> float:
    """Case arrivals relative to an average week of year 1 (1 = average): the seasonal
    swing times the secular trend, (1 + demand_trend) ** (week / 52)."""
    s = scenario.drivers.seasonal
    return _demand(week, s.demand_amplitude, s.peak_week, scenario.drivers.demand_trend)


@functools.lru_cache(maxsize=16_384)
def _demand(week: int, amplitude: float, peak_week: int, demand_trend: float) -> float:
    trend = (1.0 + demand_trend) ** (week / 52.0)
    return float(seasonal(week, 1.0, amplitude, peak_week) * trend)


def weekly_leave_probability(scenario: Scenario, pop: Population) -> np.ndarray:
    """Chance each practitioner leaves in a week [N], from annual leaver rates by type."""
    d = scenario.drivers
    annual = np.array(
        [d.turnover.get(t, scenario.organisation_types[t].turnover) for t in pop.type_names]
    )
    annual = np.clip(annual * d.turnover_scale, 0.0, 0.999)
    return (1.0 - (1.0 - annual) ** (1.0 / 52.0))[pop.organisation_type]
