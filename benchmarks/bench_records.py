"""Cost of a run outside its weekly behaviour step, today against the baseline commit.

Run:  python benchmarks/bench_records.py [--quick] [--no-cli]
Writes benchmarks/results/records.json and prints each figure side by side.

Measured, for today's code and the baseline (commit ``BASELINE``: main before
this work, unpacked from git into a temporary folder), by the same harness
(benchmarks/records_cost.py), one after the other in fresh processes:

- CPU milliseconds per run, by part (model build, weekly steps, the weekly
  record within them, the records table, the summary), on a tiny place
  (calibration/small-communities, 154 practitioners, 52 weeks; also a
  calibration run, which keeps only tallies) and on the flagship place
  (2,106 practitioners, 260 weeks), best of the repeats;
- the flagship ``compare`` in one process on one worker, CPU seconds by phase
  (runs, paired effects and decision, charts and report, results written);
- unless ``--no-cli``: ``integration-sim compare scenarios/pilot_vs_system_wide.yaml``
  end to end with 2 workers, wall and CPU seconds (wall time on a shared
  machine includes waiting for a core; CPU time does not).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_engine import ENV  # noqa: E402
from checkout import unpack  # noqa: E402

BASELINE = "5716a7c"  # main before the records and summaries work


def cost(src: Path, case: str, *options: str) -> dict:
    """One JSON line from benchmarks/records_cost.py for the package in ``src``."""
    out = subprocess.run(
        [sys.executable, str(HERE / "records_cost.py"), str(src), case, *options],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
        cwd=REPO,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare_cli(src: Path, workers: int = 2) -> dict:
    """Wall and CPU seconds of the flagship ``compare`` command (report included)."""
    env = {**ENV, "PYTHONPATH": str(src)}
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "integration_sim",
                "compare",
                str(src.parent / "scenarios" / "pilot_vs_system_wide.yaml"),
                "-o",
                str(Path(tmp) / "out"),
                "--workers",
                str(workers),
            ],
            check=True,
            capture_output=True,
            env=env,
            cwd=REPO,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"workers": workers, "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (smoke test)")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end compare")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "records.json")
    args = parser.parse_args()
    tiny = ["--runs", "5" if args.quick else "20", "--repeats", "1" if args.quick else "3"]
    flagship = ["--runs", "1" if args.quick else "4", "--repeats", "1" if args.quick else "2"]
    figures: dict = {
        "python": sys.version.split()[0],
        "baseline_commit": BASELINE,
        "load_average_at_start": os.getloadavg()[0],
    }
    today = REPO / "src"
    with tempfile.TemporaryDirectory() as tmp:
        base = unpack(Path(tmp), BASELINE, ["src", "scenarios", "calibration"])
        cases = [("tiny_ms_per_run", "tiny", tiny), ("flagship_ms_per_run", "flagship", flagship)]
        if not args.quick:
            cases.append(("compare_one_worker_cpu_seconds", "compare", []))
        for key, case, options in cases:
            figures[key] = {
                "baseline": cost(base, case, *options),
                "today": cost(today, case, *options),
            }
            print(key, json.dumps(figures[key]))
        if not args.no_cli:
            figures["compare_cli"] = {"baseline": compare_cli(base), "today": compare_cli(today)}
            print("compare_cli", json.dumps(figures["compare_cli"]))
    figures["load_average_at_end"] = os.getloadavg()[0]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
