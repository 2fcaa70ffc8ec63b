"""CPU cost of a run's parts outside the weekly behaviour step, for any checkout of the package.

Run by bench_records.py as ``python records_cost.py SRC CASE [--runs N] [--repeats R]``
with SRC the ``src`` folder of the code to time (this checkout, or the baseline
commit unpacked elsewhere), so both are timed by the same harness. Prints one
JSON line of CPU milliseconds per run (best of ``--repeats`` batches of
``--runs`` runs: contention only ever slows a batch):

  run         ``runs.simulate`` from start to end (model, weeks, records, summary)
  build       building the model (``IntegrationModel.__init__``)
  weeks       the weekly steps, records included
  record      ``Recorder.record`` (each week's values), part of ``weeks``
  frame       ``Recorder.frame`` (the tidy records table)
  summarise   ``metrics.summarise`` (the run's summary row)
  tallies_run a calibration run (``calibration.abc.run_tallies``; case ``tiny`` only)

Cases:
  tiny       calibration/small-communities/scenario.yaml (154 practitioners, 52 weeks)
  flagship   scenarios/pilot_vs_system_wide.yaml (about 2,100 practitioners, 260 weeks)
  compare    the flagship ``compare`` in this process, one worker, by phase (CPU
             seconds): runs, paired effects and decision, charts and report, results
             written; and the size of the output folder.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMED = ("build", "weeks", "record", "frame", "summarise")


def _timers() -> dict[str, float]:
    """Wrap the timed functions so each adds its CPU time to a total (of the package first on
    the path); the wrappers cost about a microsecond a call."""
    from integration_sim import runs
    from integration_sim.engine import model, recorder

    totals = dict.fromkeys(TIMED, 0.0)

    def timed(owner, name: str, label: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                totals[label] += time.process_time() - start

        setattr(owner, name, wrapper)

    timed(model.IntegrationModel, "__init__", "build")
    timed(model.IntegrationModel, "run", "weeks")
    timed(recorder.Recorder, "record", "record")
    timed(recorder.Recorder, "frame", "frame")
    timed(runs, "summarise", "summarise")
    return totals


def per_run(scenario_file: Path, runs: int, repeats: int, tallies: bool) -> dict[str, float]:
    """CPU milliseconds per run of each part, from the fastest of ``repeats`` batches."""
    from integration_sim import load_scenario
    from integration_sim.runs import simulate

    scenario = load_scenario(scenario_file)
    totals = _timers()
    strategies = list(scenario.strategies)
    simulate(scenario, strategies[0], replicate=runs)  # warm-up: kernels, caches
    best: dict[str, float] | None = None
    for _ in range(repeats):
        for k in totals:
            totals[k] = 0.0
        start = time.process_time()
        for r in range(runs):
            simulate(scenario, strategies[r % len(strategies)], replicate=r)
        batch = {"run": time.process_time() - start, **totals}
        if best is None or batch["run"] < best["run"]:
            best = batch
    out = {k: round(1000 * v / runs, 2) for k, v in best.items()}
    if tallies:
        from integration_sim.calibration.abc import run_tallies

        times = []
        for _ in range(repeats):
            start = time.process_time()
            for r in range(runs):
                run_tallies(scenario, None, r)
            times.append(time.process_time() - start)
        out["tallies_run"] = round(1000 * min(times) / runs, 2)
    return out


def compare_phases(scenario_file: Path) -> dict[str, float]:
    """CPU seconds of each phase of ``compare`` on one worker, as the command runs them."""
    from integration_sim import load_scenario
    from integration_sim.present.report import analyse, write_report
    from integration_sim.runs import run

    scenario = load_scenario(scenario_file)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        start = time.process_time()
        results = run(scenario, workers=1, progress=False, checkpoint=folder / ".runs")
        out["runs"] = time.process_time() - start
        start = time.process_time()
        found = analyse(results)
        out["effects_and_decision"] = time.process_time() - start
        start = time.process_time()
        report = write_report(results, folder, found=found)
        out["charts_and_report"] = time.process_time() - start
        start = time.process_time()
        results.write(folder, extra=[report])
        out["results_written"] = time.process_time() - start
        out["output_mb"] = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    return {k: round(v, 2) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="the src folder of the code to time")
    parser.add_argument("case", choices=["tiny", "flagship", "compare"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(args.src))
    root = args.src.parent
    if args.case == "compare":
        figures = compare_phases(root / "scenarios" / "pilot_vs_system_wide.yaml")
    elif args.case == "tiny":
        tiny = root / "calibration" / "small-communities" / "scenario.yaml"
        figures = per_run(tiny, args.runs, args.repeats, tallies=True)
    else:
        flagship = root / "scenarios" / "pilot_vs_system_wide.yaml"
        figures = per_run(flagship, args.runs, args.repeats, tallies=False)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
