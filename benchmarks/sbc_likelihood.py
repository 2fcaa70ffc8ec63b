"""Coverage of the adoption likelihood itself, by grid integration (no ABC sampler).

The full SBC (benchmarks/sbc.py) runs ABC-SMC once per truth, hours for 100
truths. This asks the question underneath it, in minutes: are the intervals of
the *posterior the calibration targets* honest? For N truths drawn from the
prior (intercept uniform on [-8, -4], as in sbc.py):

1. simulate census adoption counts of the four small communities
   (calibration/small-communities/) at the truth, seed 1000 + index;
2. compute the posterior on a grid of intercepts (step 0.05) with exactly the
   calibration's likelihood: each grid point's adoption counts pooled over R
   runs with the calibration's common seeds (from abc seed 7 + index, as
   sbc.py), the overdispersion integrated over its Beta(1, 9) prior at 8
   equal-probability nodes. Several R (``--replicates 8 16 32``) share one
   set of runs: the common seeds of R runs are the first R of the longest
   list. Grid points are computed coarse first (step 0.2), then finely only
   where the coarse posterior is not negligible;
3. record u, the posterior CDF at the truth (piecewise linear over the grid).

If the posterior is calibrated, u is uniform on (0, 1): the histogram of u in
10 bins is flat and the central 50% and 90% intervals cover the truth at those
rates. What this leaves out is ABC-SMC's own sampling error (a finite
population), which the full SBC includes.

    python benchmarks/sbc_likelihood.py --truths 100 --replicates 8 16 32 --locality-sd-max 2

``--locality-sd-max S`` also integrates the locality random effect's sd over
a uniform prior on [0, S] (6 equal-probability nodes), as a calibration that
fits ``observation.locality_sd`` with that prior does. Writes
benchmarks/results/sbc-likelihood-R<R1-R2-...>[-tau<S>].json (after every
truth; ``complete`` says whether all ran) and prints the figures
docs/calibration.md quotes; ``--from-json FILE`` prints them again.
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
    """Unnormalised posterior of the intercept on ``grid`` (flat prior), nuisances integrated.

    ``model`` is a calibration SimulationModel; its pooled counts at each grid
    point go through :func:`marginal_log_likelihood`.
    """
    marginal = np.array(
        [
            marginal_log_likelihood(
                model.observation, model.pooled({PARAM: float(theta)}, seed=0)[1], locality_sd_max
            )
            for theta in grid
        ]
    )
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


def marginal_log_likelihood(obs, counts: np.ndarray, locality_sd_max: float = 0.0) -> float:
    """The calibration's log-likelihood for pooled ``counts``, nuisance parameters integrated."""
    taus = [0.0] if locality_sd_max <= 0 else list((np.arange(6) + 0.5) / 6 * locality_sd_max)
    values = np.zeros(len(obs.keys))  # adoption rows only: no other statistics
    ll = [obs.log_likelihood(values, counts, float(r), float(t)) for r in RHO_NODES for t in taus]
    return float(special.logsumexp(ll))


COARSE = 4
"""Every 4th grid point (step 0.2) is computed first; finer points only where it has mass."""
NEGLIGIBLE = 25.0
"""Log-likelihood this far below the best coarse point: posterior density under e^-25, skipped."""


def per_run_counts(model, obs, theta: float, seeds: list[int]) -> np.ndarray:
    """[runs, adoption rows, 2]: each common-seed run's counts at ``theta`` (calibration's path)."""
    from integration_sim.calibration.abc import run_tallies

    scenario = model._scenario({PARAM: float(theta)})
    return np.stack([obs.adoption_counts(run_tallies(scenario, None, s)) for s in seeds])


def grid_log_likelihoods(obs, model, seeds, replicates, locality_sd_max) -> np.ndarray:
    """[grid, len(replicates)] log-likelihoods; the first ``R`` seeds pool the runs of ``R``.

    One set of runs serves every ``R`` (the common seeds of R runs are the
    first R of a longer list, as in calibration). The coarse points come
    first; a fine point is computed only if a coarse neighbour is within
    :data:`NEGLIGIBLE` of the best for some R, others get -inf (density 0).
    """
    grid = np.arange(LOW, HIGH + STEP / 2, STEP)
    ll = np.full((len(grid), len(replicates)), -np.inf)

    def fill(i: int) -> None:
        runs = per_run_counts(model, obs, grid[i], seeds)
        ll[i] = [marginal_log_likelihood(obs, runs[:r].sum(0), locality_sd_max) for r in replicates]

    coarse = list(range(0, len(grid), COARSE))
    for i in coarse:
        fill(i)
    alive = (ll[coarse] > ll[coarse].max(axis=0) - NEGLIGIBLE).any(axis=1)
    for j, i in enumerate(coarse):
        if alive[j] or (j > 0 and alive[j - 1]):
            for f in range(max(i - COARSE + 1, 0), i):
                fill(f)
        if alive[j] and j == len(coarse) - 1:
            for f in range(i + 1, len(grid)):
                fill(f)
    return ll


def grid_posterior_cdf(_context: None, task: tuple[int, float, tuple[int, ...], float]) -> dict:
    """Simulate data at the truth, integrate the posterior on the grid for each R: u = F(truth)."""
    from integration_sim.calibration.abc import SimulationModel
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.seeds import side_seeds

    index, truth, replicates, locality_sd_max = task
    scenario = load_scenario(SMALL / "scenario.yaml")
    obs = observation_model(scenario, truth, seed=1000 + index)
    seeds = side_seeds(7 + index, "calibration_runs", max(replicates))
    model = SimulationModel(scenario, [PARAM], obs, None, max(replicates), common_seeds=seeds)
    ll = grid_log_likelihoods(obs, model, seeds, replicates, locality_sd_max)
    grid = np.arange(LOW, HIGH + STEP / 2, STEP)
    edges = np.concatenate([grid - STEP / 2, [grid[-1] + STEP / 2]])
    out = {"truth": truth}
    for k, r in enumerate(replicates):
        density = np.exp(ll[:, k] - ll[:, k].max())
        cdf = np.concatenate([[0.0], np.cumsum(density)]) / density.sum()
        out[f"u_R{r}"] = float(np.interp(truth, edges, cdf))
        out[f"posterior_mean_R{r}"] = float((grid * density).sum() / density.sum())
    return out


def coverage(u: np.ndarray) -> dict:
    """Histogram of u, its uniformity test and the central intervals' coverage."""
    hist = np.bincount(np.minimum((u * BINS).astype(int), BINS - 1), minlength=BINS)
    chi2 = stats.chisquare(hist)
    return {
        "u_histogram": hist.tolist(),
        "chi2": float(chi2.statistic),
        "chi2_p": float(chi2.pvalue),
        "coverage_50": float(np.mean((u >= 0.25) & (u <= 0.75))),
        "coverage_90": float(np.mean((u >= 0.05) & (u <= 0.95))),
    }


def summarise(results: list[dict], args: argparse.Namespace, seconds: float) -> dict:
    """Coverage of the truths done so far, for each number of runs pooled."""
    return {
        "truths_planned": args.truths,
        "truths": len(results),
        "complete": len(results) == args.truths,
        "command": "python benchmarks/sbc_likelihood.py " + " ".join(sys.argv[1:]),
        "adoption_replicates": args.replicates,
        "locality_sd_max": args.locality_sd_max,
        "by_replicates": {
            str(r): coverage(np.array([x[f"u_R{r}"] for x in results])) for r in args.replicates
        },
        "seconds": round(seconds),
        "results": results,
    }


def by_truth(results: list[dict], r: int) -> list[str]:
    """Lines: per range of truths, how far the posterior mean sits from the truth, and coverage."""
    t = np.array([x["truth"] for x in results])
    u = np.array([x.get(f"u_R{r}", x.get("u")) for x in results])
    mean = np.array([x.get(f"posterior_mean_R{r}", x.get("posterior_mean")) for x in results])
    lines = []
    for lo in np.arange(LOW, HIGH, 1.0):
        s = (t >= lo) & (t < lo + 1)
        if s.any():
            inside = np.mean((u[s] >= 0.05) & (u[s] <= 0.95))
            lines.append(
                f"  truths {lo:+.0f} to {lo + 1:+.0f}: {s.sum()}, posterior mean minus truth "
                f"{(mean[s] - t[s]).mean():+.3f}, 90% coverage {inside:.2f}"
            )
    return lines


def report(summary: dict) -> str:
    """The figures docs/calibration.md quotes, one block per number of runs pooled."""
    lines = [f"{summary['truths']} truths, {summary['seconds']} s"]
    for r, c in summary["by_replicates"].items():
        lines += [
            f"{r} runs pooled: histogram of the posterior CDF at the truth ({BINS} bins) "
            f"{c['u_histogram']}, chi-square p = {c['chi2_p']:.3f}",
            f"  coverage: 50% intervals {c['coverage_50']:.2f}, 90% intervals {c['coverage_90']:.2f}",
            *by_truth(summary["results"], int(r)),
        ]
    return "\n".join(lines)


def main() -> None:
    """Run every truth on a pool; rewrite the JSON after each; print the figures."""
    from integration_sim.files import write_json
    from integration_sim.parallel import Pool

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--truths", type=int, default=100)
    p.add_argument(
        "--replicates",
        type=int,
        nargs="+",
        default=[8, 16, 32],
        help="runs pooled per grid point; several values share one set of runs",
    )
    p.add_argument(
        "--locality-sd-max",
        type=float,
        default=0.0,
        help="also integrate the locality random effect's sd over uniform [0, this] (0: not fitted)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=2018)
    p.add_argument("--out", help="JSON to write (default: benchmarks/results/sbc-likelihood-R...)")
    p.add_argument(
        "--from-json", type=Path, help="only print the figures of a JSON an earlier run wrote"
    )
    args = p.parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        if "by_replicates" not in saved:  # written before several R shared one run
            saved["by_replicates"] = {
                str(saved["adoption_replicates"]): coverage(
                    np.array([x["u"] for x in saved["results"]])
                )
            }
        print(report(saved))
        return
    args.replicates = sorted(set(args.replicates))
    truths = np.random.default_rng(args.seed).uniform(LOW, HIGH, size=args.truths)
    tasks = [
        (i, float(t), tuple(args.replicates), args.locality_sd_max) for i, t in enumerate(truths)
    ]
    tag = f"-tau{args.locality_sd_max:g}" if args.locality_sd_max > 0 else ""
    name = "-".join(str(r) for r in args.replicates)
    out = Path(args.out) if args.out else HERE / "results" / f"sbc-likelihood-R{name}{tag}.json"
    start, done = time.monotonic(), {}
    with Pool(args.workers, preload=["integration_sim.calibration.abc"]) as pool:
        for i, r in pool.imap(grid_posterior_cdf, tasks):
            done[i] = r
            us = " ".join(f"R{k}: {r[f'u_R{k}']:.3f}" for k in args.replicates)
            print(f"truth {len(done)}/{len(tasks)}: {r['truth']:+.2f} u {us}", flush=True)
            summary = summarise([done[k] for k in sorted(done)], args, time.monotonic() - start)
            write_json(out, summary)
    print(report(summary))


if __name__ == "__main__":
    main()
