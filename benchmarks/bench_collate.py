"""`pinpoint collate` at scale: seconds and report memory against the number of rows.

Run:  python benchmarks/bench_collate.py [ROWS ...]
Writes benchmarks/results/collate.json and prints the figures. The rows are the
synthetic measurements of tests/test_collate_scale.py (6 locators, one measured
thing, all three kinds, clustered estimates so many pairs conflict): the worst
case for collating, where every row is comparable with every other.
"""

from __future__ import annotations

import json
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from test_collate_scale import synthetic  # noqa: E402

from integration_sim.calibration.collate import collate  # noqa: E402
from integration_sim.calibration.collate_report import report_html  # noqa: E402


def measure(rows: int) -> dict[str, float]:
    df = synthetic(rows, seed=1).assign(source_file="synthetic.csv")
    t0 = time.perf_counter()
    collated = collate(df)
    seconds = time.perf_counter() - t0
    tracemalloc.start()
    t0 = time.perf_counter()
    html = report_html(collated)
    report_seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "rows": rows,
        "collate_seconds": round(seconds, 2),
        "report_seconds": round(report_seconds, 2),
        "report_peak_mb": round(peak / 1e6, 1),
        "report_mb": round(len(html) / 1e6, 2),
        "conflicting_rows": collated.n_conflicts,
    }


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [400, 1000, 4000, 10000]
    results = [measure(n) for n in sizes]
    for r in results:
        print(r)
    out = HERE / "results" / "collate.json"
    out.write_text(json.dumps({"python": sys.version.split()[0], "runs": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
