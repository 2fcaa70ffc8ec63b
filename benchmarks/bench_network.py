"""`integration-sim network` at scale: seconds per analysis step against practitioners.

Run:  python benchmarks/bench_network.py [PRACTITIONERS ...]
Writes benchmarks/results/network.json and prints the figures. The network is
the generated one of benchmarks/scaled_place.py (mean degree about 18) at the
start of a run, analysed as `integration-sim network SCENARIO` analyses it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scaled_place import scaled_scenario  # noqa: E402

from integration_sim.analysis import network as na  # noqa: E402
from integration_sim.runs import simulate  # noqa: E402


def measure(practitioners: int) -> dict[str, float]:
    run = simulate(scaled_scenario(practitioners, horizon_weeks=6), None, 0, network=True)
    figures: dict[str, float] = {"practitioners": practitioners}
    t0 = time.perf_counter()
    graph, _ = na.snapshot_graphs(run.network)
    figures["ties"] = graph.number_of_edges()
    figures["build_graphs_seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    view = na._View(graph)
    na.overview(graph, view), na.type_density(graph, view), na.localities(graph, view)
    figures["measures_but_betweenness_seconds"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    na.betweenness(graph)
    figures["of_which_betweenness_seconds"] = round(time.perf_counter() - t0, 1)
    return figures


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 30_000, 100_000]
    results = []
    for n in sizes:
        results.append(measure(n))
        print(results[-1], flush=True)
    out = HERE / "results" / "network.json"
    out.write_text(json.dumps({"python": sys.version.split()[0], "runs": results}, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
