"""Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788) of the ABC-SMC calibration.

For each of N truths drawn from the prior: simulate the recovery test's
measurement plan in the tiny place with that truth (real engine, observation
models), calibrate, and record the rank of the truth among L weighted draws
from the posterior. If the calibration is right, ranks are uniform on 0..L
and central intervals cover the truth at their nominal rates.

    python benchmarks/sbc.py --truths 40 --workers 2

Prints the rank histogram, a chi-square test of uniformity and the coverage
of the 50% and 90% central intervals; writes benchmarks/sbc-result-population<P>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))

PRIOR = (-7.0, -3.0)  # uniform prior on the intercept, as in tests/test_calibration_recovery.py


def one_truth(_context: None, args: tuple[int, float, int, int, int]) -> dict:
    """Simulate measurements at ``truth``, calibrate, return the truth's rank and interval hits."""
    from test_calibration import PARAM, TINY
    from test_calibration_recovery import PLAN

    from integration_sim.calibration.measurements import write_measurements
    from integration_sim.calibration.plan import read_plan, simulate_measurements
    from integration_sim.calibration.posterior import draws, weighted_quantile
    from integration_sim.calibration.workflow import calibrate
    from integration_sim.config.load import load_scenario
    from integration_sim.config.overrides import apply_overrides

    index, truth, population, generations, n_draws = args
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "scenario.yaml").write_text(yaml.safe_dump(TINY), encoding="utf-8")
        (d / "plan.csv").write_text(PLAN, encoding="utf-8")
        scenario = apply_overrides(load_scenario(d / "scenario.yaml"), {PARAM: truth})
        measured, _ = simulate_measurements(
            scenario, read_plan([d / "plan.csv"], scenario), seed=1000 + index
        )
        write_measurements(measured, d / "measured.csv")
        (d / "config.yaml").write_text(
            yaml.safe_dump(
                {
                    "scenario": "scenario.yaml",
                    "measurements": ["measured.csv"],
                    "parameters": {
                        PARAM: {"distribution": "uniform", "low": PRIOR[0], "high": PRIOR[1]}
                    },
                    "abc": {
                        "population_size": population,
                        "max_generations": generations,
                        "seed": 7 + index,
                        "predictive_draws": 0,
                    },
                }
            ),
            encoding="utf-8",
        )
        result = calibrate(d / "config.yaml", d / "out", workers=1, log=lambda *_: None)
    post = result.posterior
    sample = draws(post, n_draws, np.random.default_rng(index))[PARAM].to_numpy()
    x, w = post[PARAM].to_numpy(), post["weight"].to_numpy()
    q = weighted_quantile(x, w, np.array([0.05, 0.25, 0.75, 0.95]))
    return {
        "truth": truth,
        "rank": int((sample < truth).sum()),
        "in50": bool(q[1] <= truth <= q[2]),
        "in90": bool(q[0] <= truth <= q[3]),
        "final_temperature": float(result.generations["temperature"].iloc[-1]),
        "final_ess": float(result.generations["ess"].iloc[-1]),
        "simulations": int(result.generations["simulations"].sum()),
    }


def main() -> None:
    """Run the SBC experiment and print its figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--truths", type=int, default=40)
    p.add_argument(
        "--draws", type=int, default=9, help="posterior draws per truth (ranks 0..draws)"
    )
    p.add_argument("--population", type=int, default=30)
    p.add_argument("--generations", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=2018)
    args = p.parse_args()
    truths = np.random.default_rng(args.seed).uniform(*PRIOR, size=args.truths)
    tasks = [
        (i, float(t), args.population, args.generations, args.draws) for i, t in enumerate(truths)
    ]
    start = time.monotonic()
    from integration_sim.parallel import Pool

    results: list = [None] * len(tasks)
    with Pool(args.workers, preload=["integration_sim.calibration.workflow"]) as pool:
        for n, (i, r) in enumerate(pool.imap(one_truth, tasks), start=1):  # as each finishes
            results[i] = r
            print(f"truth {n}/{len(tasks)}: {r['truth']:.2f} rank {r['rank']}", flush=True)
    ranks = np.array([r["rank"] for r in results])
    hist = np.bincount(ranks, minlength=args.draws + 1)
    chi2 = stats.chisquare(hist)
    cover50 = np.mean([r["in50"] for r in results])
    cover90 = np.mean([r["in90"] for r in results])
    summary = {
        "truths": args.truths,
        "draws": args.draws,
        "population": args.population,
        "generations": args.generations,
        "rank_histogram": hist.tolist(),
        "chi2": float(chi2.statistic),
        "chi2_p": float(chi2.pvalue),
        "coverage_50": float(cover50),
        "coverage_90": float(cover90),
        "mean_simulations": float(np.mean([r["simulations"] for r in results])),
        "mean_final_ess": float(np.mean([r["final_ess"] for r in results])),
        "runs_ending_above_temperature_1": int(sum(r["final_temperature"] > 1.0 for r in results)),
        "seconds": round(time.monotonic() - start),
        "results": results,
    }
    (HERE / f"sbc-result-population{args.population}.json").write_text(
        json.dumps(summary, indent=2) + "\n", encoding="utf-8"
    )
    print(
        f"SBC over {args.truths} truths, {args.draws} posterior draws each "
        f"(population {args.population}, {args.generations} generations), {summary['seconds']} s"
    )
    print(f"rank histogram (0..{args.draws}): {hist.tolist()}")
    print(f"chi-square uniformity test: statistic {chi2.statistic:.2f}, p = {chi2.pvalue:.3f}")
    print(f"coverage: 50% intervals {cover50:.2f}, 90% intervals {cover90:.2f}")
    print(f"mean effective sample size of the final generation: {summary['mean_final_ess']:.1f}")
    print(
        f"runs whose last generation stayed above temperature 1: {summary['runs_ending_above_temperature_1']}"
    )


if __name__ == "__main__":
    main()
