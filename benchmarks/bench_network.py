"""`integration-sim network` at scale: seconds per analysis step against practitioners.

Run:  python benchmarks/bench_network.py [PRACTITIONERS ...] [--networkx]
Writes benchmarks/results/network.json and prints the figures; ``--networkx``
also times networkx's sampled betweenness with the same sources (the algorithm
the compiled kernel replaced) and reports the largest difference. The network is
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


def timed(figures: dict, name: str, work):
    """Run ``work()``; record its wall-clock and CPU seconds (CPU time is what a busy
    machine does not inflate) under ``name``; return its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = work()
    figures[f"{name}_seconds"] = round(time.perf_counter() - wall, 1)
    figures[f"{name}_cpu_seconds"] = round(time.process_time() - cpu, 1)
    return out


def measure(practitioners: int, with_networkx: bool) -> dict[str, float]:
    run = simulate(scaled_scenario(practitioners, horizon_weeks=6), None, 0, network=True)
    figures: dict[str, float] = {"practitioners": practitioners}
    graph, _ = timed(figures, "build_graphs", lambda: na.snapshot_graphs(run.network))
    figures["ties"] = graph.number_of_edges()

    def measures():
        view = na._View(graph)
        na.overview(graph, view), na.type_density(graph, view), na.localities(graph, view)
        return view

    view = timed(figures, "measures_but_betweenness", measures)
    ours = timed(figures, "betweenness", lambda: na.betweenness(graph, view=view))
    k = min(300, max(50, na.EDGE_BUDGET // graph.number_of_edges()))
    figures["betweenness_sources"] = k
    if with_networkx:  # the algorithm it replaces, same sources and normalisation
        theirs = timed(
            figures,
            "networkx_betweenness",
            lambda: na.nx.betweenness_centrality(graph, k=k, seed=0, normalized=True),
        )
        figures["largest_difference"] = max(abs(ours[v] - theirs[v]) for v in graph)
    return figures


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--networkx"]
    sizes = [int(a) for a in args] or [10_000, 30_000, 100_000]
    na.betweenness(na.nx.path_graph(5))  # compile the kernel once, outside the timings
    results = []
    for n in sizes:
        results.append(measure(n, "--networkx" in sys.argv))
        print(results[-1], flush=True)
    out = HERE / "results" / "network.json"
    command = "python benchmarks/bench_network.py " + " ".join(sys.argv[1:])
    summary = {"python": sys.version.split()[0], "command": command, "runs": results}
    out.write_text(json.dumps(summary, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
