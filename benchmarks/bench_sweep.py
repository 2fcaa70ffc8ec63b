"""Benchmark the parallel machinery: run, sweep and calibrate on 1 and on 2 workers, side by side.

    python benchmarks/bench_sweep.py            # -> benchmarks/results/sweep.json
    python benchmarks/bench_sweep.py --quick    # leaves out the flagship compare

Every case runs the same work on 1 worker (in this process) and on 2 local
workers, one after the other in this one process, so the ratios compare like
with like on this machine at this moment. Speed-up is time(1) / time(2);
parallel efficiency is speed-up / 2 (target: at least 0.9 for the built-in
model, and never below 0.5, i.e. never slower on 2 workers than on 1). Times
include starting the worker processes; the Dask cluster is started before
timing, as it would already be running.

Cases:

- ``ishigami``: a sweep of an analytic function (microseconds per run): the
  machinery's own cost, where 2 workers must not be slower than 1;
- ``busy``: a sweep of a CPU-bound function of about a millisecond per run;
- ``model sweep``: the built-in model, ``benchmarks/model_lhs.yaml`` (also on
  a Dask ``LocalCluster`` of 2 single-threaded workers);
- ``run``: ``runs.run`` of ``scenarios/example_place.yaml`` (2 strategies x 8
  replicates);
- ``calibrate``: the whole example calibration (``calibration/example``, its
  six generations and posterior predictive check; capping it at two
  generations made pyabc jump to temperature 1 in the second, where nearly
  every candidate was rejected until the minimum acceptance rate stopped it);
- ``flagship compare``: ``integration-sim compare scenarios/pilot_vs_system_wide.yaml``
  on 2 workers: seconds and the size of everything it leaves in the output
  folder (hidden files included), with the default options.

Also measures the load average before and after: on a shared machine other
work takes cores from the 2-worker runs, which lowers their efficiency.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SMALL = REPO / "experiments" / "small_test.yaml"


def _function_experiment(function: str, samples: int):
    from integration_sim.sensitivity.experiment import load_experiment

    exp, _ = load_experiment(SMALL)
    return exp.model_copy(
        update={
            "function": f"integration_sim.sensitivity.analytic:{function}",
            "samples": samples,
            "discovery": None,
        }
    )


def _sweep_seconds(exp, **kwargs) -> tuple[float, int]:
    from integration_sim.sensitivity import sweep

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = sweep(exp, Path(tmp) / "out", progress=False, analyse_results=False, **kwargs)
        return time.perf_counter() - t0, res.runs_total


def _run_seconds(workers: int) -> tuple[float, int]:
    from integration_sim.config.load import load_scenario
    from integration_sim.runs import run

    scenario = load_scenario(REPO / "scenarios" / "example_place.yaml")
    t0 = time.perf_counter()
    res = run(scenario, replicates=8, workers=workers, progress=False)
    return time.perf_counter() - t0, len(res.summary)


def _calibrate_seconds(workers: int) -> tuple[float, int]:
    from integration_sim.calibration.workflow import calibrate

    example = REPO / "calibration" / "example"
    config = yaml.safe_load((example / "config.yaml").read_text())
    with tempfile.TemporaryDirectory() as tmp:  # outside the repository, so a kill leaves nothing
        path = Path(tmp) / "config.yaml"
        config["scenario"] = str(example / "scenario.yaml")
        config["measurements"] = [str(example / "measurements" / "*.csv")]
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        t0 = time.perf_counter()
        res = calibrate(path, Path(tmp) / "out", workers=workers, log=lambda *_: None)
        return time.perf_counter() - t0, int(res.generations["simulations"].sum())


def _flagship() -> dict:
    env = {**os.environ, "INTEGRATION_SIM_NO_PROGRESS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "flagship"
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "integration_sim", "compare",
             str(REPO / "scenarios" / "pilot_vs_system_wide.yaml"), "-o", str(out),
             "--workers", "2"],
            check=True, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        seconds = time.perf_counter() - t0
        files = [p for p in out.rglob("*") if p.is_file()]
        hidden = [
            p for p in files if any(part.startswith(".") for part in p.relative_to(out).parts)
        ]
        return {
            "case": "flagship compare, 2 workers",
            "seconds": round(seconds, 1),
            "output_mb": round(sum(p.stat().st_size for p in files) / 1e6, 1),
            "hidden_mb": round(sum(p.stat().st_size for p in hidden) / 1e6, 1),
            "largest": sorted(
                ((str(p.relative_to(out)), round(p.stat().st_size / 1e6, 1)) for p in files),
                key=lambda x: -x[1],
            )[:3],
        }


def _pair(name: str, measure, extra: dict | None = None) -> list[dict]:
    """Time ``measure(workers)`` on 1 and 2 workers; rows with speed-up and efficiency."""
    rows = []
    for label, kwargs in (("1 worker", 1), ("2 workers", 2), *(extra or {}).items()):
        seconds, units = measure(kwargs)
        rows.append({"case": f"{name}, {label}", "units": units, "seconds": round(seconds, 3)})
        print(f"  {rows[-1]['case']}: {seconds:.2f} s", file=sys.stderr, flush=True)
    one = rows[0]["seconds"]
    for row in rows[1:]:
        row["speedup"] = round(one / row["seconds"], 3)
        row["efficiency"] = round(one / row["seconds"] / 2, 3)
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="leave out the flagship compare")
    p.add_argument("--out", type=Path, default=HERE / "results" / "sweep.json")
    args = p.parse_args()
    from distributed import LocalCluster

    load_before = os.getloadavg()[0]
    rows: list[dict] = []
    small, busy = _function_experiment("ishigami", 1024), _function_experiment("busy", 1024)
    model = HERE / "model_lhs.yaml"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        rows += _pair("ishigami sweep", lambda w: _sweep_seconds(small, workers=w))
        rows += _pair("busy sweep", lambda w: _sweep_seconds(busy, workers=w))
        rows += _pair(
            "model sweep",
            lambda w: _sweep_seconds(
                model, **({"scheduler": w} if w == cluster else {"workers": w})
            ),
            {"dask 2 workers": cluster},
        )
    rows += _pair("run", _run_seconds)
    rows += _pair("calibrate", _calibrate_seconds)
    if not args.quick:
        rows.append(_flagship())
    result = {
        "rows": rows,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    print(f"{'case':<34}{'units':>7}{'seconds':>10}{'speed-up':>10}{'efficiency':>12}")
    for r in rows:
        if "units" not in r:
            continue
        up = f"{r['speedup']:>10.2f}{r['efficiency']:>12.2f}" if "speedup" in r else ""
        print(f"{r['case']:<34}{r['units']:>7}{r['seconds']:>10.2f}{up}")
    for r in rows:
        if "output_mb" in r:
            print(
                f"{r['case']}: {r['seconds']} s, output {r['output_mb']} MB "
                f"(hidden files {r['hidden_mb']} MB); largest {r['largest']}"
            )
    print(f"load average before/after: {result['load_average']} on {result['cores']} cores")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
