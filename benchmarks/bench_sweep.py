"""Benchmark the sweep machinery: runs per second, scheduling overhead, parallel efficiency.

Run as ``python benchmarks/bench_sweep.py``; prints a table and writes
``benchmarks/results/sweep.json``. Everything is measured side by side in one
process run on this machine:

- ``ishigami``: the small experiment (experiments/small_test.yaml) as shipped; a
  run takes microseconds, so its rate measures the machinery's own cost per run;
- ``busy``: the same design with a CPU-bound model (a few ms of pure-Python work
  per run) on 1 worker (in this process), 2 local worker processes, and a Dask
  LocalCluster of 2 single-threaded worker processes. Parallel efficiency is
  rate(2 workers) / (2 x rate(1 worker)); the target is >= 85% on 2 cores.

Scheduling overhead per run = (wall time x workers - serial compute time) / runs,
where serial compute time is the model called in a plain loop here. Times are
for running and storing the runs; analysis and charts are left out (they do
not grow with workers). Pool start-up is included for local workers; the Dask
cluster is started before timing, as it would already be running.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SMALL = REPO / "experiments" / "small_test.yaml"


def _experiment(function: str, samples: int):
    from integration_sim.sensitivity.experiment import load_experiment

    exp, _ = load_experiment(SMALL)
    return exp.model_copy(
        update={
            "function": f"integration_sim.sensitivity.analytic:{function}",
            "samples": samples,
            "discovery": None,
        }
    )


def _model_experiment() -> Path:
    # Passed as a path so the scenario is found relative to the experiment file.
    return HERE / "model_lhs.yaml"


def _serial_seconds(function: str, n: int) -> float:
    """Time to call the model n times in a plain loop (s): the work with no machinery at all."""
    import numpy as np

    from integration_sim.sensitivity import analytic

    fn = getattr(analytic, function)
    xs = np.random.default_rng(0).uniform(-np.pi, np.pi, size=(n, 3))
    t0 = time.perf_counter()
    for i, (a, b, c) in enumerate(xs):
        fn({"x1": a, "x2": b, "x3": c}, i)
    return time.perf_counter() - t0


def _measure(
    exp, label: str, workers: int | None = None, scheduler=None, batch_size: int | None = None
):
    from integration_sim.sensitivity import sweep

    with tempfile.TemporaryDirectory() as tmp:
        res = sweep(
            exp,
            Path(tmp) / "out",
            workers=workers,
            scheduler=scheduler,
            progress=False,
            batch_size=batch_size,
            analyse_results=False,
        )
    return {
        "case": label,
        "runs": res.runs_total,
        "batch_size": res.batch_size,
        "seconds": round(res.execute_seconds, 4),
        "runs_per_second": round(res.runs_total / res.execute_seconds, 1),
    }


def main() -> int:
    from distributed import LocalCluster

    rows = []
    small = _experiment("ishigami", 1024)
    busy = _experiment("busy", 1024)
    n_small, n_busy = small.runs_per_replicate(), busy.runs_per_replicate()
    serial = {
        "ishigami": _serial_seconds("ishigami", n_small),
        "busy": _serial_seconds("busy", n_busy),
    }
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        for name, exp in (("ishigami", small), ("busy", busy)):
            for label, kwargs in (
                ("1 worker", {"workers": 1}),
                ("2 workers", {"workers": 2}),
                ("dask 2 workers", {"scheduler": cluster}),
            ):
                row = _measure(exp, f"{name}, {label}", **kwargs)
                slots = 1 if label == "1 worker" else 2
                row["overhead_ms_per_run"] = round(
                    1e3 * (row["seconds"] * slots - serial[name]) / row["runs"], 4
                )
                rows.append(row)
        # The built-in model: each run is real simulation work (about a second).
        model_exp = _model_experiment()
        for label, kwargs in (
            ("1 worker", {"workers": 1}),
            ("2 workers", {"workers": 2}),
            ("dask 2 workers", {"scheduler": cluster}),
        ):
            row = _measure(model_exp, f"model, {label}", **kwargs)
            row["overhead_ms_per_run"] = None
            rows.append(row)
    by = {r["case"]: r for r in rows}
    one = by["busy, 1 worker"]["runs_per_second"]
    model_one = by["model, 1 worker"]["runs_per_second"]
    summary = {
        "serial_seconds": {k: round(v, 4) for k, v in serial.items()},
        "parallel_efficiency_2_workers": round(
            by["busy, 2 workers"]["runs_per_second"] / (2 * one), 3
        ),
        "parallel_efficiency_dask_2_workers": round(
            by["busy, dask 2 workers"]["runs_per_second"] / (2 * one), 3
        ),
        "model_parallel_efficiency_2_workers": round(
            by["model, 2 workers"]["runs_per_second"] / (2 * model_one), 3
        ),
        "model_parallel_efficiency_dask_2_workers": round(
            by["model, dask 2 workers"]["runs_per_second"] / (2 * model_one), 3
        ),
        "target": 0.85,
        "python": sys.version.split()[0],
    }
    print(f"{'case':<28}{'runs':>7}{'batch':>7}{'seconds':>9}{'runs/s':>10}{'overhead ms/run':>17}")
    for r in rows:
        print(
            f"{r['case']:<28}{r['runs']:>7}{r['batch_size']:>7}{r['seconds']:>9.2f}"
            f"{r['runs_per_second']:>10.1f}"
            + (
                f"{r['overhead_ms_per_run']:>17.3f}"
                if r["overhead_ms_per_run"] is not None
                else f"{'-':>17}"
            )
        )
    for k, v in summary.items():
        print(f"{k}: {v}")
    out = HERE / "results" / "sweep.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"rows": rows, "summary": summary}, indent=2) + "\n", encoding="utf-8"
    )
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
