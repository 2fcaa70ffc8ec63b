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
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from checkout import harness, timed_compare, unpack  # noqa: E402

BASELINE = "5716a7c"  # main before the records and summaries work


def cost(src: Path, case: str, *options: str) -> dict:
    """One JSON line from benchmarks/records_cost.py for the package in ``src``."""
    return harness(HERE / "records_cost.py", str(src), case, *options)


def compare_cli(src: Path, workers: int = 2) -> dict:
    """Wall and CPU seconds of the flagship ``compare`` command (report included)."""
    wall, cpu = timed_compare(src, workers)
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
