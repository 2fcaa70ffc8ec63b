"""Where a week's time goes: CPU profile of the engine's weekly step, by part.

Run:  python benchmarks/profile_step.py [--practitioners N] [--strategy NAME]
Without ``--practitioners`` it profiles the flagship place
(scenarios/pilot_vs_system_wide.yaml) over its whole horizon; with it, a place
from scaled_place.py over 30 weeks. Also prints the CPU time of importing the
engine and of the first model step (where compiled kernels are loaded from the
cache, or compiled if there is none: run with NUMBA_CACHE_DIR set to an empty
folder to see the first-run cost).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Parts of the step: (label, file, function) whose cumulative time is reported.
PARTS = [
    ("organisations", "organisations.py", "step_organisations"),
    ("behaviour", "practitioners.py", "step_behaviour"),
    ("  social signal", "behaviour.py", "social_signals"),
    ("cases", "cases.py", "week"),
    ("ties", "tie_dynamics.py", "step"),
    ("turnover", "turnover.py", "step_turnover"),
    ("records", "recorder.py", "record"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practitioners", type=int, default=None)
    parser.add_argument("--strategy", default="system_wide")
    args = parser.parse_args()
    start = time.process_time()
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.model import IntegrationModel

    imported = time.process_time()
    if args.practitioners:
        sys.path.insert(0, str(HERE))
        from scaled_place import scaled_scenario

        scenario, strategy = scaled_scenario(args.practitioners, horizon_weeks=30), None
    else:
        scenario = load_scenario(HERE.parent / "scenarios" / "pilot_vs_system_wide.yaml")
        strategy = args.strategy
    model = IntegrationModel(scenario, strategy=strategy, seed=1)
    built = time.process_time()
    model.step()
    first = time.process_time()
    print(f"CPU: import {imported - start:.2f} s, build {built - imported:.2f} s, ", end="")
    print(f"first step {first - built:.2f} s")
    profile = cProfile.Profile(time.process_time)
    weeks = scenario.horizon_weeks - 1
    profile.enable()
    for _ in range(weeks):
        model.step()
    profile.disable()
    stats = pstats.Stats(profile).stats

    def cumulative(file: str, function: str) -> float:
        return sum(v[3] for k, v in stats.items() if k[0].endswith(file) and k[2] == function)

    total = cumulative("model.py", "step")
    print(
        f"{model.pop.size:,} practitioners: {1000 * total / weeks:.2f} ms CPU per week (profiled)"
    )
    for label, file, function in PARTS:
        print(f"  {label:<16} {100 * cumulative(file, function) / total:5.1f}%")


if __name__ == "__main__":
    main()
