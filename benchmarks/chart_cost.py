"""CPU seconds to draw and write each chart of a comparison report, from a saved results folder.

    integration-sim compare scenarios/pilot_vs_system_wide.yaml -o /tmp/flagship
    python benchmarks/chart_cost.py /tmp/flagship

Each chart is drawn twice in this one process (the first time pays for
first calls: fonts, imports) and the second timing is printed; the PNGs go to
a temporary folder, not into the results folder.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from integration_sim.present import report
from integration_sim.runs import read_results


def main(folder: str) -> int:
    results = read_results(folder)
    found = report.analyse(results)
    labels = {n: s.label or n for n, s in results.scenario.strategies.items()}
    with tempfile.TemporaryDirectory() as tmp:
        inputs, names = report.chart_inputs(results, found, labels, Path(tmp))
        total = 0.0
        for name in names:
            report.draw_chart(inputs, name)
            t0 = time.process_time()
            report.draw_chart(inputs, name)
            seconds = time.process_time() - t0
            total += seconds
            print(f"{name:<28}{seconds:6.2f} s")
    print(f"{'all charts':<28}{total:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
