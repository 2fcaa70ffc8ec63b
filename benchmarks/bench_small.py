"""A tiny place, as calibrations run it: CPU time of whole simulations and of their weeks.

Run:  python benchmarks/bench_small.py [--runs N] [--scenario FILE]
Default scenario: calibration/small-communities/scenario.yaml (154 practitioners,
52 weeks). Prints, per run (mean over ``--runs`` seeds, after one warm-up run):

- the CPU time of ``integration_sim.runs.simulate`` (build, weeks, records table);
- the CPU time of the weekly steps alone, and of the steps without the records
  part (``Recorder.record`` replaced by a no-op), per week, best and median;
- from a cProfile of the same simulations, the share of ``simulate`` spent in the
  weekly step and in its records part (the profiler inflates parts made of many
  small calls, so shares, not times, are what it is good for).

CPU time of this process, so waiting for a core on a shared machine is not counted.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from integration_sim import load_scenario
from integration_sim.engine.model import IntegrationModel
from integration_sim.runs import simulate

REPO = Path(__file__).resolve().parent.parent


def weekly(scenario, seeds: range, records: bool) -> list[float]:
    """CPU seconds per week of the weekly steps, one figure per seed, sorted."""
    out = []
    for seed in seeds:
        model = IntegrationModel(scenario, seed=seed)
        if not records:
            model.recorder.record = lambda *args, **kwargs: None
        start = time.process_time()
        for _ in range(scenario.horizon_weeks):
            model.step()
        out.append((time.process_time() - start) / scenario.horizon_weeks)
        model.release()
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--scenario", type=Path, default=REPO / "calibration/small-communities/scenario.yaml"
    )
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    simulate(scenario, seed=0)  # warm-up: compiled kernels loaded, caches filled
    seeds = range(1, args.runs + 1)
    start = time.process_time()
    for seed in seeds:
        simulate(scenario, seed=seed)
    per_run = (time.process_time() - start) / args.runs
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for seed in seeds:
        simulate(scenario, seed=seed)
    profile.disable()
    stats = pstats.Stats(profile).stats

    def cumulative(file: str, function: str) -> float:
        return sum(v[3] for k, v in stats.items() if k[0].endswith(file) and k[2] == function)

    total = cumulative("runs.py", "simulate")
    step, records = cumulative("model.py", "step"), cumulative("recorder.py", "record")
    whole, bare = weekly(scenario, seeds, True), weekly(scenario, seeds, False)
    print(f"{scenario.name}: {args.runs} runs of {scenario.horizon_weeks} weeks")
    print(f"  simulate: {1000 * per_run:.1f} ms CPU per run")
    for label, t in (("weekly step", whole), ("step without records", bare)):
        print(f"  {label}: {1000 * t[0]:.3f} ms/week best, {1000 * t[len(t) // 2]:.3f} median")
    print(
        f"  profile: step {100 * step / total:.0f}% of simulate, records "
        f"{100 * records / total:.0f}%, step without records {100 * (step - records) / total:.0f}%"
    )


if __name__ == "__main__":
    main()
