"""Time the engine's weekly step in a fresh process, for any checkout of the package.

Run by bench_engine.py as ``python engine_rate.py SRC CASE [options]`` with SRC the
``src`` folder of the code to time (this checkout, or the baseline commit unpacked
elsewhere), so today's engine and the baseline are timed by the same harness, one
after the other, on the same machine. Prints one JSON line:
practitioners, ties, weeks, CPU seconds and practitioner-weeks per second per
core (best of ``--repeats``: contention only ever slows a run).

Cases:
  flagship   scenarios/pilot_vs_system_wide.yaml (about 2,100 practitioners), whole
             horizon, one strategy per ``--strategy``;
  scaled     benchmarks/scaled_place.py with ``--practitioners`` (5 behaviours, mean
             degree about 18), ``--weeks`` weeks, optionally ``--core-only``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The same switches as tests/conftest.py FROZEN: only the core behaviour rule runs,
# i.e. the work the per-agent oracle (tests/oracle.py) does.
CORE_ONLY = {
    "parameters.network.tie_formation": 0.0,
    "parameters.network.colocation_tie_formation": 0.0,
    "parameters.network.joint_work_tie_formation": 0.0,
    "parameters.network.trust_growth": 0.0,
    "parameters.network.trust_decay": 0.0,
    "parameters.practitioners.motivation_rate": 0.0,
    "parameters.practitioners.learning_by_doing": 0.0,
    "drivers.turnover_scale": 0.0,
    "drivers.seasonal.amplitude": 0.0,
}


def build(args):
    """The scenario to time (imports come from whichever source tree is first on the path)."""
    from integration_sim.config.load import load_scenario
    from integration_sim.config.overrides import apply_overrides

    if args.case == "flagship":
        # The flagship file of the same checkout: scenario files change with the schema.
        return load_scenario(args.src.parent / "scenarios" / "pilot_vs_system_wide.yaml")
    from scaled_place import scaled_scenario

    scenario = scaled_scenario(args.practitioners, horizon_weeks=args.weeks + 1)
    if args.core_only:
        scenario = apply_overrides(scenario, CORE_ONLY)
    if args.degree_scale != 1.0:
        net = scenario.parameters.network
        scenario = apply_overrides(
            scenario,
            {
                "parameters.network.team_size": max(2, round(net.team_size * args.degree_scale)),
                "parameters.network.within_organisation_ties": net.within_organisation_ties
                * args.degree_scale,
                "parameters.network.cross_boundary_ties": net.cross_boundary_ties
                * args.degree_scale,
            },
        )
    return scenario


def time_once(scenario, strategy: str | None) -> dict:
    """Build a model, take one warm-up step (compiles, caches), then time the rest."""
    from integration_sim.engine.model import IntegrationModel

    model = IntegrationModel(scenario, strategy=strategy, seed=1)
    model.step()
    weeks = scenario.horizon_weeks - 1
    # CPU time of this process: on a shared machine, waiting for a core is not counted.
    start = time.process_time()
    for _ in range(weeks):
        model.step()
    seconds = time.process_time() - start
    degree = model.ties.degree()
    out = {
        "practitioners": model.pop.size,
        "ties": int(degree.sum() // 2),
        "mean_degree": float(degree.mean()),
        "weeks": weeks,
        "seconds": seconds,
    }
    model.release()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("case", choices=["flagship", "scaled"])
    parser.add_argument("--strategy", action="append", default=None)
    parser.add_argument("--practitioners", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=20)
    parser.add_argument("--core-only", action="store_true")
    parser.add_argument("--degree-scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path[:0] = [str(args.src), str(HERE)]
    import integration_sim

    assert Path(integration_sim.__file__).is_relative_to(args.src.resolve()), "wrong source tree"
    scenario = build(args)
    strategies = args.strategy or [None]
    best = None
    for _ in range(args.repeats):
        runs = [time_once(scenario, s) for s in strategies]
        seconds = sum(r["seconds"] for r in runs)
        if best is None or seconds < best["seconds"]:
            best = {**runs[-1], "weeks": sum(r["weeks"] for r in runs), "seconds": seconds}
    best["practitioner_weeks_per_second"] = best["practitioners"] * best["weeks"] / best["seconds"]
    best["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(best))


if __name__ == "__main__":
    main()
