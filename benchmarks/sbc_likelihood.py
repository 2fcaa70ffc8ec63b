"""Coverage of the adoption likelihood itself, by grid integration (no ABC sampler).

The full SBC (benchmarks/sbc.py) runs ABC-SMC once per truth, hours for 100
truths. This asks the question underneath it, in minutes: are the intervals of
the *posterior the calibration targets* honest? For N truths drawn from the
prior (intercept uniform on [-8, -4], as in sbc.py):

1. simulate census adoption counts of the four small communities
   (calibration/small-communities/) at the truth, seed 1000 + index;
2. compute the posterior on a grid of intercepts (step 0.05) with exactly the
   calibration's likelihood: each grid point's adoption counts pooled over
   ``--replicates`` runs with the calibration's common seeds (from abc seed
   7 + index, as sbc.py), the overdispersion integrated over its Beta(1, 9)
   prior at 8 equal-probability nodes;
3. record u, the posterior CDF at the truth (piecewise linear over the grid).

If the posterior is calibrated, u is uniform on (0, 1): the histogram of u in
10 bins is flat and the central 50% and 90% intervals cover the truth at those
rates. What this leaves out is ABC-SMC's own sampling error (a finite
population), which the full SBC includes.

    python benchmarks/sbc_likelihood.py --truths 100 --replicates 8 --workers 2

``--locality-sd-max S`` also integrates the locality random effect's sd over
a uniform prior on [0, S]. Writes
benchmarks/results/sbc-likelihood-R<replicates>[-tau<S>].json (after every truth;
``complete`` says whether all ran) and prints the figures docs/calibration.md quotes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import special, stats

HERE = Path(__file__).parent
SMALL = HERE.parent / "calibration" / "small-communities"
PARAM = "behaviours.joint_assessment.coefficients.intercept"
LOW, HIGH, STEP = -8.0, -4.0, 0.05
RHO_NODES = stats.beta(1, 9).ppf((np.arange(8) + 0.5) / 8)  # equal prior weight each
BINS = 10


def grid_posterior(model, grid: np.ndarray, locality_sd_max: float = 0.0) -> np.ndarray:
    """Unnormalised posterior of the intercept on ``grid`` (flat prior), overdispersion integrated.

    ``model`` is a calibration SimulationModel; its pooled counts at each grid
    point go through the calibration's own likelihood. With ``locality_sd_max``
    > 0 the locality random effect's sd is integrated too, over a uniform prior
    on [0, locality_sd_max] (6 equal-probability nodes).
    """
    obs = model.observation
    taus = [0.0] if locality_sd_max <= 0 else list((np.arange(6) + 0.5) / 6 * locality_sd_max)
    loglik = np.empty((len(grid), len(RHO_NODES) * len(taus)))
    for i, theta in enumerate(grid):
        values, counts = model.pooled({PARAM: float(theta)}, seed=0)
        loglik[i] = [
            obs.log_likelihood(values, counts, float(rho), float(tau))
            for rho in RHO_NODES
            for tau in taus
        ]
    marginal = special.logsumexp(loglik, axis=1)
    return np.exp(marginal - marginal.max())


def observation_model(scenario, truth: float, seed: int):
    """Census adoption counts simulated at ``truth`` (data seed ``seed``), as calibration reads them."""
    from integration_sim.calibration.adoption import read_adoption, simulate_adoption
    from integration_sim.calibration.config import Adoption
    from integration_sim.calibration.observation import ObservationModel
    from integration_sim.config.overrides import apply_overrides

    data = simulate_adoption(
        apply_overrides(scenario, {PARAM: truth}), "joint_assessment", 4, seed=seed
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "adoption.csv"
        data.to_csv(path, index=False)
        spec = Adoption(file=str(path), behaviour="joint_assessment", format="cumulative")
        return ObservationModel(read_adoption(spec, scenario, path))


def grid_posterior_cdf(_context: None, task: tuple[int, float, int, float]) -> dict:
    """Simulate data at the truth, integrate the posterior on the grid, return u = F(truth)."""
    from integration_sim.calibration.abc import SimulationModel
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.seeds import side_seeds

    index, truth, replicates, locality_sd_max = task
    scenario = load_scenario(SMALL / "scenario.yaml")
    obs = observation_model(scenario, truth, seed=1000 + index)
    seeds = side_seeds(7 + index, "calibration_runs", replicates)
    model = SimulationModel(scenario, [PARAM], obs, None, replicates, common_seeds=seeds)
    grid = np.arange(LOW, HIGH + STEP / 2, STEP)
    density = grid_posterior(model, grid, locality_sd_max)
    cdf = np.concatenate([[0.0], np.cumsum(density)]) / density.sum()
    edges = np.concatenate([grid - STEP / 2, [grid[-1] + STEP / 2]])
    u = float(np.interp(truth, edges, cdf))
    return {"truth": truth, "u": u, "posterior_mean": float((grid * density).sum() / density.sum())}


def summarise(results: list[dict], args: argparse.Namespace, seconds: float) -> dict:
    """Histogram of u, uniformity test and coverage of the truths done so far."""
    u = np.array([r["u"] for r in results])
    hist = np.bincount(np.minimum((u * BINS).astype(int), BINS - 1), minlength=BINS)
    chi2 = stats.chisquare(hist)
    return {
        "truths_planned": args.truths,
        "truths": len(results),
        "complete": len(results) == args.truths,
        "command": "python benchmarks/sbc_likelihood.py " + " ".join(sys.argv[1:]),
        "adoption_replicates": args.replicates,
        "locality_sd_max": args.locality_sd_max,
        "u_histogram": hist.tolist(),
        "chi2": float(chi2.statistic),
        "chi2_p": float(chi2.pvalue),
        "coverage_50": float(np.mean((u >= 0.25) & (u <= 0.75))),
        "coverage_90": float(np.mean((u >= 0.05) & (u <= 0.95))),
        "seconds": round(seconds),
        "results": results,
    }


def by_truth(results: list[dict]) -> list[str]:
    """Lines: per range of truths, how far the posterior mean sits from the truth, and coverage."""
    t = np.array([r["truth"] for r in results])
    u = np.array([r["u"] for r in results])
    bias = np.array([r["posterior_mean"] - r["truth"] for r in results])
    lines = []
    for lo in np.arange(LOW, HIGH, 1.0):
        s = (t >= lo) & (t < lo + 1)
        if s.any():
            inside = np.mean((u[s] >= 0.05) & (u[s] <= 0.95))
            lines.append(
                f"truths {lo:+.0f} to {lo + 1:+.0f}: {s.sum()}, posterior mean minus truth "
                f"{bias[s].mean():+.3f}, 90% coverage {inside:.2f}"
            )
    return lines


def main() -> None:
    """Run every truth on a pool; rewrite the JSON after each; print the figures."""
    from integration_sim.files import write_json
    from integration_sim.parallel import Pool

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--truths", type=int, default=100)
    p.add_argument("--replicates", type=int, default=8, help="runs pooled per grid point")
    p.add_argument(
        "--locality-sd-max",
        type=float,
        default=0.0,
        help="also integrate the locality random effect's sd over uniform [0, this] (0: not fitted)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument(
        "--from-json", type=Path, help="only print the figures of a JSON an earlier run wrote"
    )
    args = p.parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        print("\n".join(by_truth(saved["results"])))
        return
    truths = np.random.default_rng(args.seed).uniform(LOW, HIGH, size=args.truths)
    tasks = [(i, float(t), args.replicates, args.locality_sd_max) for i, t in enumerate(truths)]
    tag = f"-tau{args.locality_sd_max:g}" if args.locality_sd_max > 0 else ""
    out = HERE / "results" / f"sbc-likelihood-R{args.replicates}{tag}.json"
    start, done = time.monotonic(), {}
    with Pool(args.workers, preload=["integration_sim.calibration.abc"]) as pool:
        for i, r in pool.imap(grid_posterior_cdf, tasks):
            done[i] = r
            print(f"truth {len(done)}/{len(tasks)}: {r['truth']:+.2f} u {r['u']:.3f}", flush=True)
            summary = summarise([done[k] for k in sorted(done)], args, time.monotonic() - start)
            write_json(out, summary)
    print(
        f"{summary['truths']} truths, {args.replicates} runs pooled per grid point, "
        f"{summary['seconds']} s\nhistogram of the posterior CDF at the truth ({BINS} bins): "
        f"{summary['u_histogram']}\nchi-square uniformity: {summary['chi2']:.2f}, "
        f"p = {summary['chi2_p']:.3f}\ncoverage: 50% intervals {summary['coverage_50']:.2f}, "
        f"90% intervals {summary['coverage_90']:.2f}"
    )
    print("\n".join(by_truth(summary["results"])))


if __name__ == "__main__":
    main()
