"""`pinpoint collate` at scale: seconds and report memory against the number of rows.

Run:  python benchmarks/bench_collate.py [ROWS ...]
Writes benchmarks/results/collate.json and prints the figures (CPU seconds as
well as wall-clock: on a busy machine only the CPU figures compare). The rows are the
synthetic measurements of tests/test_collate_scale.py (6 locators, all three
kinds, clustered estimates so many pairs conflict), in two shapes:

* ``one_group``: one measured thing, so every row is comparable with every other
  (each kind's group is far above the pairwise limit: pooled tests);
* ``groups_at_limit``: many measured things (localities) of about
  ``PAIRWISE_ROWS`` rows each, the most a group can have and still be tested pair
  by pair: the slowest rows per second collating can meet.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import pandas as pd  # noqa: E402
from test_collate_scale import synthetic  # noqa: E402

from integration_sim.calibration.collate import PAIRWISE_ROWS, collate  # noqa: E402
from integration_sim.calibration.collate_report import report_html  # noqa: E402


def rows_of(rows: int, shape: str) -> pd.DataFrame:
    """``rows`` synthetic measurements in one group per kind, or in groups at the limit."""
    if shape == "one_group":
        return synthetic(rows, seed=1)
    per = 3 * PAIRWISE_ROWS  # three kinds, so about PAIRWISE_ROWS rows per group
    parts = [
        synthetic(min(per, rows - start), seed=start).assign(locality=f"N{start}")
        for start in range(0, rows, per)
    ]
    df = pd.concat(parts, ignore_index=True)
    return df.assign(measurement_id=[f"m{i}" for i in range(len(df))])


def measure(rows: int, shape: str) -> dict[str, float]:
    df = rows_of(rows, shape).assign(source_file="synthetic.csv")
    t0, cpu0 = time.perf_counter(), time.process_time()
    collated = collate(df)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    tracemalloc.start()
    t0 = time.perf_counter()
    html = report_html(collated)
    report_seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "shape": shape,
        "rows": rows,
        "collate_seconds": round(seconds, 2),
        "collate_cpu_seconds": round(cpu, 2),
        "collate_cpu_ms_per_row": round(1000 * cpu / rows, 3),
        "report_seconds": round(report_seconds, 2),
        "report_peak_mb": round(peak / 1e6, 1),
        "report_mb": round(len(html) / 1e6, 2),
        "conflicting_rows": collated.n_conflicts,
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [400, 1000, 4000, 10000]
    collate(synthetic(200, seed=0))  # compile the kernels once, outside the timings
    results = []
    for shape in ("one_group", "groups_at_limit"):
        for n in sizes:
            results.append(measure(n, shape))
            print(results[-1], flush=True)
    out = HERE / "results" / "collate.json"
    command = "python benchmarks/bench_collate.py " + " ".join(map(str, sizes))
    summary = {"python": sys.version.split()[0], "command": command, "runs": results}
    out.write_text(json.dumps(summary, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
