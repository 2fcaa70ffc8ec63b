"""How far the adoption posterior moves when the calibration's common seeds change.

Calibration runs every candidate's ``adoption_replicates`` runs with the same
seeds (common random numbers), so the likelihood is a fixed function of the
parameters. The price: the posterior depends on which seeds those are. For the
dataset of tests/test_adoption_recovery.py (truth -5.5, data seed 21), this
computes the posterior of the intercept on a grid (the calibration's
likelihood, overdispersion integrated over its prior; benchmarks/sbc_likelihood.py)
under several seed sets, and compares the spread of the posterior means across
seed sets with the posterior's own sd. If the ratio is r, a nominal 90%
interval covers about P(|Z| < 1.645 / sqrt(1 + r^2)) of the time. It also
prints how noisy the log-likelihood is without common seeds: its sd over
those seed sets at one parameter value (the posterior mean, overdispersion 0.02).

    python benchmarks/adoption_seeds.py [--replicates 2 8 32] [--sets 8]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).parent))
from sbc_likelihood import PARAM, SMALL, grid_posterior, observation_model  # noqa: E402

GRID = np.round(np.arange(-6.8, -4.69, 0.05), 2)


def main() -> None:
    from integration_sim.calibration.abc import SimulationModel
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.seeds import side_seeds

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replicates", type=int, nargs="+", default=[2, 8])
    p.add_argument("--sets", type=int, default=8, help="seed sets (abc seeds 1..sets)")
    p.add_argument("--data-seed", type=int, default=21)
    args = p.parse_args()
    scenario = load_scenario(SMALL / "scenario.yaml")
    obs = observation_model(scenario, -5.5, args.data_seed)
    for r in args.replicates:
        t0, means, sds = time.process_time(), [], []
        for abc_seed in range(1, args.sets + 1):
            seeds = side_seeds(abc_seed, "calibration_runs", r)
            model = SimulationModel(scenario, [PARAM], obs, None, r, common_seeds=seeds)
            w = grid_posterior(model, GRID)
            w /= w.sum()
            means.append(float((w * GRID).sum()))
            sds.append(float(np.sqrt((w * (GRID - means[-1]) ** 2).sum())))
        at_mean = {PARAM: float(np.mean(means))}
        noise = np.std(
            [
                obs.log_likelihood(*model.pooled(at_mean, seed=0), 0.02, 0.0)
                for model in (
                    SimulationModel(scenario, [PARAM], obs, None, r, common_seeds=seeds)
                    for seeds in (side_seeds(s, "calibration_runs", r) for s in range(1, 21))
                )
            ],
            ddof=1,
        )
        between, within = np.std(means, ddof=1), np.mean(sds)
        ratio = between / within
        cover = 2 * stats.norm.cdf(1.645 / np.sqrt(1 + ratio**2)) - 1
        print(
            f"{r} runs pooled: posterior mean {np.mean(means):+.3f} (sd across {args.sets} seed "
            f"sets {between:.3f}), posterior sd {within:.3f}, ratio {ratio:.2f}, "
            f"nominal 90% interval covers about {cover:.0%}; log-likelihood sd over 20 seed "
            f"sets {noise:.2f} ({time.process_time() - t0:.0f} s CPU)"
        )


if __name__ == "__main__":
    main()
