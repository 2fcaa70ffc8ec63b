"""What a small run costs: building a model (the place, its start in balance) and a whole
run, today beside the code before this round.

Run:  python benchmarks/bench_build.py [--repeats R]
Writes benchmarks/results/build.json. A calibration simulates thousands of small
places, so the fixed cost of a model's build is a large share of each run. Each
figure is CPU milliseconds per model (best of ``--repeats`` batches), measured in a
fresh process for each checkout, the two alternating: ``today`` is this checkout,
``before`` is commit ``BEFORE`` unpacked from git. Places: calibration/small-communities
(154 practitioners, 52 weeks) and calibration/example (150 practitioners, 52
weeks), both run as a calibration runs them (tallies, no weekly records), and the flagship scenarios/pilot_vs_system_wide.yaml (2,106 practitioners,
260 weeks, with records).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# main before the inline draws and the cheaper tie week, records and organisations
BEFORE = "8433912"
PLACES = {  # name: (scenario file, strategy, models per batch, runs per batch, as calibration)
    "small": ("calibration/small-communities/scenario.yaml", None, 40, 10, True),
    "example": ("calibration/example/scenario.yaml", None, 40, 10, True),
    "flagship": ("scenarios/pilot_vs_system_wide.yaml", "system_wide", 6, 2, False),
}


def measure(src: Path, repeats: int) -> dict:
    """CPU ms per build and per whole run for each place, with the package in ``src``."""
    sys.path.insert(0, str(src))
    import integration_sim
    from integration_sim.config.load import load_scenario

    assert Path(integration_sim.__file__).is_relative_to(src.resolve()), "wrong source tree"
    out = {}
    for name, (path, strategy, builds, runs, calibrating) in PLACES.items():
        scenario = load_scenario(src.parent / path)
        options = {"strategy": strategy, "tallies": calibrating, "records": not calibrating}
        best_of(scenario, options, 1, True, 1)  # warm-up: caches, imports
        out[name] = {
            "build_ms": best_of(scenario, options, builds, False, repeats),
            "run_ms": best_of(scenario, options, runs, True, repeats),
        }
    return out


def best_of(scenario, options: dict, count: int, run: bool, repeats: int) -> float:
    """CPU ms per model (built, and run if ``run``), best of ``repeats`` batches of ``count``."""
    from integration_sim.engine.model import IntegrationModel

    times = []
    for _ in range(repeats):
        start = time.process_time()
        for seed in range(count):
            model = IntegrationModel(scenario, seed=seed, **options)
            if run:
                model.run()
            model.release()
        times.append((time.process_time() - start) / count * 1000)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)  # the harness's own run
    parser.add_argument("--out", type=Path, default=HERE / "results" / "build.json")
    args = parser.parse_args()
    if args.src:
        print(json.dumps(measure(args.src, args.repeats)))
        return
    from checkout import harness, unpack

    me, rep = str(Path(__file__).resolve()), ["--repeats", str(args.repeats)]
    with tempfile.TemporaryDirectory() as tmp:
        before = unpack(Path(tmp), BEFORE, ["src", "scenarios", "calibration"])
        rounds = [(harness(me, "--src", str(before), *rep), harness(me, "--src", str(REPO / "src"), *rep)) for _ in range(2)]  # fmt: skip
    figures = {"before_commit": BEFORE, "places": {}}
    for place in PLACES:
        row = {}
        for key in ("build_ms", "run_ms"):
            b = min(r[0][place][key] for r in rounds)
            t = min(r[1][place][key] for r in rounds)
            row[key] = {"before": b, "today": t, "speed_up": b / t}
            print(f"{place:<9} {key:<9} before {b:8.2f}  today {t:8.2f}  x{b / t:.2f}")
        figures["places"][place] = row
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
