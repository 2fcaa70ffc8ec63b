"""Simulation-based calibration (Talts et al. 2018, arXiv:1804.06788) of the ABC-SMC calibration.

For each of N truths drawn from the prior: simulate data with that truth (real
engine), calibrate, and record the rank of the truth among L weighted draws
from the posterior. If the calibration is right, ranks are uniform on 0..L
and central intervals cover the truth at their nominal rates. Two cases:

- ``adoption`` (default): census counts of cumulative adopters by month in
  the four small communities of calibration/small-communities/ (20-60
  practitioners, network of mean degree about 3), fitted with the
  pooled-hazard likelihood (32 runs pooled), overdispersion and locality random
  effect fitted alongside as nuisances;
- ``proportions``: the sampled proportions and rate of
  tests/test_calibration_recovery.py in a tiny place.

    python benchmarks/sbc.py --truths 100 --population 100 --workers 2

Prints the rank histogram, a chi-square test of uniformity and the coverage
of the 50% and 90% central intervals; writes
benchmarks/sbc-result-<case>-population<P>.json and a rank-histogram chart
benchmarks/results/sbc-<case>-population<P>.png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from scipy import stats

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))

PARAM = "behaviours.joint_assessment.coefficients.intercept"
PRIORS = {"adoption": (-8.0, -4.0), "proportions": (-7.0, -3.0)}  # uniform, on PARAM
SMALL = HERE.parent / "calibration" / "small-communities"


def _proportions_data(d: Path, truth: float, index: int, replicates: int) -> dict:
    """Write the tiny place and its simulated measurements; return the config's data entries.

    ``replicates`` is unused: there are no adoption rows to pool.
    """
    from test_calibration import TINY
    from test_calibration_recovery import PLAN

    from integration_sim.calibration.measurements import write_measurements
    from integration_sim.calibration.plan import read_plan, simulate_measurements
    from integration_sim.config.load import load_scenario
    from integration_sim.config.overrides import apply_overrides

    (d / "scenario.yaml").write_text(yaml.safe_dump(TINY), encoding="utf-8")
    (d / "plan.csv").write_text(PLAN, encoding="utf-8")
    scenario = apply_overrides(load_scenario(d / "scenario.yaml"), {PARAM: truth})
    plan = read_plan([d / "plan.csv"], scenario)
    measured, _ = simulate_measurements(scenario, plan, seed=1000 + index)
    write_measurements(measured, d / "measured.csv")
    return {"scenario": "scenario.yaml", "measurements": ["measured.csv"]}


def _adoption_data(d: Path, truth: float, index: int, replicates: int) -> dict:
    """Census adoption counts of the small communities at ``truth``; the config's data entries."""
    from integration_sim.calibration.adoption import simulate_adoption
    from integration_sim.config.load import load_scenario
    from integration_sim.config.overrides import apply_overrides

    scenario = apply_overrides(load_scenario(SMALL / "scenario.yaml"), {PARAM: truth})
    simulate_adoption(scenario, "joint_assessment", 4, seed=1000 + index).to_csv(
        d / "adoption.csv", index=False
    )
    return {
        "scenario": str(SMALL / "scenario.yaml"),
        "adoption": [
            {"file": "adoption.csv", "behaviour": "joint_assessment", "format": "cumulative"}
        ],
        "observation": {"adoption_replicates": replicates},
    }


def one_truth(_context: None, args: tuple[str, int, float, int, int, int, int]) -> dict:
    """Simulate data at ``truth``, calibrate, return the truth's rank and interval hits."""
    from integration_sim.calibration.posterior import draws, weighted_quantile
    from integration_sim.calibration.workflow import calibrate

    case, index, truth, population, generations, n_draws, replicates = args
    low, high = PRIORS[case]
    parameters = {PARAM: {"distribution": "uniform", "low": low, "high": high}}
    if case == "adoption":
        # The nuisances the small-communities example fits (docs/calibration.md).
        parameters["observation.overdispersion"] = {"distribution": "beta", "a": 1, "b": 9}
        parameters["observation.locality_sd"] = {"distribution": "uniform", "low": 0, "high": 2}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make = _adoption_data if case == "adoption" else _proportions_data
        data = make(d, truth, index, replicates)
        (d / "config.yaml").write_text(
            yaml.safe_dump(
                {
                    **data,
                    "parameters": parameters,
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
    p.add_argument("--case", choices=sorted(PRIORS), default="adoption")
    p.add_argument("--truths", type=int, default=100)
    p.add_argument(
        "--draws", type=int, default=9, help="posterior draws per truth (ranks 0..draws)"
    )
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--generations", type=int, default=6)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument(
        "--replicates",
        type=int,
        default=32,
        help="adoption case: runs pooled per candidate (common seeds, as calibrate's default)",
    )
    p.add_argument("--seed", type=int, default=2018)
    args = p.parse_args()
    truths = np.random.default_rng(args.seed).uniform(*PRIORS[args.case], size=args.truths)
    tasks = [
        (args.case, i, float(t), args.population, args.generations, args.draws, args.replicates)
        for i, t in enumerate(truths)
    ]
    start = time.monotonic()
    from integration_sim.parallel import Pool

    done: dict[int, dict] = {}
    with Pool(args.workers, preload=["integration_sim.calibration.workflow"]) as pool:
        for i, r in pool.imap(one_truth, tasks):  # as each finishes
            done[i] = r
            print(f"truth {len(done)}/{len(tasks)}: {r['truth']:.2f} rank {r['rank']}", flush=True)
            # Figures so far are kept after every truth, so a long run stopped early still counts.
            summary = summarise([done[k] for k in sorted(done)], args, time.monotonic() - start)
            write_summary(summary, args)
    print_summary(summary)


def summarise(results: list[dict], args: argparse.Namespace, seconds: float) -> dict:
    """Rank histogram, uniformity test and coverage of the truths done so far."""
    ranks = np.array([r["rank"] for r in results])
    hist = np.bincount(ranks, minlength=args.draws + 1)
    chi2 = stats.chisquare(hist)
    return {
        "case": args.case,
        "truths_planned": args.truths,
        "truths": len(results),
        "complete": len(results) == args.truths,
        "command": "python benchmarks/sbc.py " + " ".join(sys.argv[1:]),
        "draws": args.draws,
        "population": args.population,
        "generations": args.generations,
        "adoption_replicates": args.replicates,
        "rank_histogram": hist.tolist(),
        "chi2": float(chi2.statistic),
        "chi2_p": float(chi2.pvalue),
        "coverage_50": float(np.mean([r["in50"] for r in results])),
        "coverage_90": float(np.mean([r["in90"] for r in results])),
        "mean_simulations": float(np.mean([r["simulations"] for r in results])),
        "mean_final_ess": float(np.mean([r["final_ess"] for r in results])),
        "runs_ending_above_temperature_1": int(sum(r["final_temperature"] > 1.0 for r in results)),
        "seconds": round(seconds),
        "results": results,
    }


def write_summary(summary: dict, args: argparse.Namespace) -> None:
    """benchmarks/sbc-result-<case>-population<P>.json and its rank-histogram chart."""
    from integration_sim.files import write_json

    name = f"sbc-result-{args.case}-population{args.population}"
    write_json(HERE / f"{name}.json", summary)  # atomic; "complete" says whether all truths ran
    hist = np.array(summary["rank_histogram"])
    rank_chart(hist, summary, HERE / "results" / f"{name.replace('-result', '')}.png")


def print_summary(summary: dict) -> None:
    """The figures docs/calibration.md quotes."""
    print(
        f"SBC ({summary['case']}) over {summary['truths']} truths, {summary['draws']} posterior "
        f"draws each (population {summary['population']}, {summary['generations']} generations), "
        f"{summary['seconds']} s"
    )
    print(f"rank histogram (0..{summary['draws']}): {summary['rank_histogram']}")
    print(
        f"chi-square uniformity test: statistic {summary['chi2']:.2f}, p = {summary['chi2_p']:.3f}"
    )
    print(
        f"coverage: 50% intervals {summary['coverage_50']:.2f}, "
        f"90% intervals {summary['coverage_90']:.2f}"
    )
    print(f"mean effective sample size of the final generation: {summary['mean_final_ess']:.1f}")
    print(
        "runs whose last generation stayed above temperature 1: "
        f"{summary['runs_ending_above_temperature_1']}"
    )


def rank_chart(hist: np.ndarray, summary: dict, path: Path) -> None:
    """Rank histogram with the band a uniform histogram stays in 99% of the time, per bin."""
    from integration_sim.present.style import MAIN, REFERENCE, new_figure, save_png

    n, bins = int(hist.sum()), len(hist)
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / bins)
    fig = new_figure(6, 3.2)
    ax = fig.subplots()
    ax.axhspan(lo, hi, color=REFERENCE, alpha=0.3, label="99% band if uniform")
    ax.bar(range(bins), hist, color=MAIN)
    ax.set_xlabel(f"rank of the truth among {bins - 1} posterior draws")
    ax.set_ylabel("truths")
    ax.set_title(
        f"{summary['case']}: {n} truths, coverage 50% {summary['coverage_50']:.2f}, "
        f"90% {summary['coverage_90']:.2f}",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, path)


if __name__ == "__main__":
    main()
