"""The vectorised engine agrees in distribution with a plain per-agent Mesa implementation."""

from __future__ import annotations

import numpy as np
from conftest import FROZEN, make_scenario
from oracle import oracle_from_engine
from scipy import stats

from integration_sim.engine.model import IntegrationModel

WEEKS, PAIRS = 15, 24


def _engine_and_oracle_rates(
    seed: int, scenario, tweak_oracle=None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean weekly performance rate per behaviour over the run, engine vs oracle,
    both starting from the same state on the same network."""
    engine = IntegrationModel(scenario, seed=seed)
    oracle = oracle_from_engine(engine, seed=seed + 10_000)
    if tweak_oracle:
        tweak_oracle(oracle)
    eligible = engine.pop.eligible
    e_rates, o_rates = [], []
    for _ in range(WEEKS):
        engine.step()
        oracle.step()
        e_rates.append(engine.pop.performed.sum(axis=0) / eligible.sum(axis=0))
        o_rates.append([oracle.performance_rate(b) for b in range(eligible.shape[1])])
    oracle.release()
    engine.release()
    return np.mean(e_rates, axis=0), np.mean(o_rates, axis=0)


def _paired_z(scenario, tweak=None) -> np.ndarray:
    pairs = [_engine_and_oracle_rates(s, scenario, tweak) for s in range(PAIRS)]
    diff = np.array([e - o for e, o in pairs])  # [pairs, behaviours]
    return diff.mean(axis=0) / (diff.std(axis=0, ddof=1) / np.sqrt(PAIRS))


def test_engine_matches_per_agent_oracle_in_distribution() -> None:
    scenario = make_scenario(FROZEN, {"horizon_weeks": WEEKS})
    z = _paired_z(scenario)
    # Five behaviours (logistic and threshold contagion): with no real difference each
    # paired z is ~N(0, 1); |z| < 3.5 for all five fails by chance with p < 0.003.
    assert np.all(np.abs(z) < 3.5), z

    # Power check: the same test flags an oracle whose social coefficient is doubled.
    def double_social(oracle) -> None:
        for spec in oracle.behaviours:
            spec["social"] *= 2
            spec["intercept"] -= 0.5

    assert np.any(np.abs(_paired_z(scenario, double_social)) > 3.5)


def test_final_rates_have_the_same_distribution() -> None:
    scenario = make_scenario(FROZEN, {"horizon_weeks": WEEKS})
    finals = [_engine_and_oracle_rates(100 + s, scenario) for s in range(PAIRS)]
    e = np.array([f[0][0] for f in finals])  # information sharing
    o = np.array([f[1][0] for f in finals])
    assert stats.ks_2samp(e, o).pvalue > 0.001
