"""Benchmark the parallel machinery: run, sweep and calibrate on 1 and on 2 workers, side by side.

    python benchmarks/bench_sweep.py            # -> benchmarks/results/sweep.json
    python benchmarks/bench_sweep.py --quick    # leaves out the flagship compare

Every case runs the same work on 1 worker and on 2 local workers, one after
the other, so the ratios compare like with like on this machine at this
moment. Speed-up is time(1) / time(2); parallel efficiency is speed-up / 2
(target: at least 0.9 for the built-in model, and never below 0.5, i.e.
never slower on 2 workers than on 1). Times include starting the worker
processes. Each case also reports the CPU seconds of every process it used
(this one, the fork server, the workers; sampled from the process table),
so that a low efficiency on a busy machine can be told apart from work the
parallel run added: ``cpu ratio`` is CPU(1 worker) / CPU(2 workers), 1.0 when
the second worker costs nothing beyond the tasks it runs.

Cases:

- ``ishigami``: a sweep of an analytic function (microseconds per run): the
  machinery's own cost, where 2 workers must not be slower than 1;
- ``busy``: a sweep of a CPU-bound function of about a millisecond per run;
- ``model sweep``: the built-in model, ``benchmarks/model_lhs.yaml``, called
  from Python in this process (the fork server then starts inside the timed
  call, as in a notebook's first sweep); also on a Dask ``LocalCluster`` of 2
  single-threaded workers, started before timing as it would already be
  running (its workers import the model during the timed call), and again on
  the same cluster, as a second sweep on a cluster in use finds it;
- ``model sweep command``: the same experiment as ``integration-sim sweep``,
  a fresh process for each timing, whole command (imports, the sweep and its
  analysis) and, separately, the part running the runs (the command prints it);
- ``sobol command``: ``integration-sim sweep experiments/pilot_vs_system_wide_sobol.yaml``,
  the flagship Sobol experiment as shipped (N = 16: 112 runs of two flagship
  simulations each), whole command: a sweep big enough that the command's
  fixed start-up and analysis are a small part of it, as in real use;
- ``run``: ``runs.run`` of ``scenarios/example_place.yaml`` (2 strategies x 8
  replicates);
- ``calibrate``: ``integration-sim calibrate`` of the whole example
  calibration (``calibration/example``: its generations and posterior
  predictive check), a fresh process for each timing, whole command and,
  separately, its generations (pyabc's wall time per generation, summed);
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
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SMALL = REPO / "experiments" / "small_test.yaml"
SOBOL = REPO / "experiments" / "pilot_vs_system_wide_sobol.yaml"
ENV = {**os.environ, "INTEGRATION_SIM_NO_PROGRESS": "1"}


class ProcessCPU:
    """CPU seconds of a process and all its descendants between start and stop, and how
    each slot (this process, and each worker forked from a fork server) spent its time.

    Descendants are sampled every 50 ms (a process that lives less than that
    may be missed); processes already running at the start (a fork server or
    a Dask worker from an earlier case) count only what they use after it.
    A slot's main thread is, at any moment, running, waiting for a core held
    by another job (the kernel's run-queue wait, ``/proc/PID/schedstat``), or
    idle (blocked: waiting for work or for a result); a slot whose worker does
    not exist yet is counted as not started.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.root = psutil.Process(pid)
        self.first: dict[int, tuple[float, float, float]] = {}  # pid -> (cpu, run, wait) at start
        self.last: dict[int, tuple[float, float, float]] = {}
        self.info: dict[int, tuple[int, float, float]] = {}  # pid -> (parent, created, last seen)
        self.servers: set[int] = set()  # fork servers (and their forks)
        self.t0 = self.t1 = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ProcessCPU:
        self.t0 = time.time()
        self._poll()
        self.first = dict(self.last)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._poll()
        self.t1 = time.time()

    def _poll(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        for proc in procs:
            try:
                cpu = proc.cpu_times()
                parent, created = proc.ppid(), proc.create_time()
                if proc.pid not in self.info and "forkserver" in " ".join(proc.cmdline()):
                    self.servers.add(proc.pid)  # its children (the workers) also match
                run, wait = _schedstat(proc.pid)
            except (psutil.Error, OSError):
                continue
            self.last[proc.pid] = (cpu.user + cpu.system, run, wait)
            self.info[proc.pid] = (parent, created, time.time())

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self._poll()

    def used(self) -> dict[str, float]:
        """CPU seconds by role, and the slots' seconds running, waiting, idle, not started."""
        zero = (0.0, 0.0, 0.0)
        delta = {
            pid: [b - a for a, b in zip(self.first.get(pid, zero), last, strict=True)]
            for pid, last in self.last.items()
        }
        root = self.root.pid
        others = sum(d[0] for pid, d in delta.items() if pid != root)
        workers = [pid for pid, (parent, _, _) in self.info.items() if parent in self.servers]
        out = {
            "cpu": round(delta[root][0] + others, 2),
            "cpu_main": round(delta[root][0], 2),
            "cpu_others": round(others, 2),
            "processes_started": sum(1 for _, c, _ in self.info.values() if c > self.t0),
        }
        slots = [root, *workers]
        lives = {p: min(self.info[p][2], self.t1) - max(self.info[p][1], self.t0) for p in slots}
        running = sum(delta[p][1] for p in slots)
        waiting = sum(delta[p][2] for p in slots)
        out["slot_running"] = round(running, 2)
        out["slot_waiting"] = round(waiting, 2)
        out["slot_idle"] = round(sum(lives.values()) - running - waiting, 2)
        out["workers"] = len(workers)
        return out


def _schedstat(pid: int) -> tuple[float, float]:
    """Seconds a process's main thread has run on a core and waited for one (Linux)."""
    try:
        run, wait, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except FileNotFoundError:
        return 0.0, 0.0
    return int(run) / 1e9, int(wait) / 1e9


def _slots(row: dict, slots: int) -> None:
    """Add the seconds of ``slots`` x wall time that no slot's process existed for."""
    if "slot_running" in row:
        total = slots * row["seconds"]
        used = row["slot_running"] + row["slot_waiting"] + row["slot_idle"]
        row["slot_not_started"] = round(max(total - used, 0.0), 2)


def _command(args: list[str], workers: int) -> tuple[float, dict, str]:
    """Run ``integration-sim ARGS --workers N`` in a fresh process: (seconds, CPU, stdout)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "integration_sim", *args, "--workers", str(workers)],
        env=ENV, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    with ProcessCPU(proc.pid) as cpu:
        t0 = time.perf_counter()
        out, _ = proc.communicate()
        seconds = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"integration-sim {args[0]} failed with status {proc.returncode}")
    return seconds, cpu.used(), out


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


def _sweep_seconds(exp, **kwargs) -> tuple[float, int, dict]:
    from integration_sim.sensitivity import sweep

    with tempfile.TemporaryDirectory() as tmp, ProcessCPU() as cpu:
        t0 = time.perf_counter()
        res = sweep(exp, Path(tmp) / "out", progress=False, analyse_results=False, **kwargs)
        seconds = time.perf_counter() - t0
    return seconds, res.runs_total, cpu.used()


def _sweep_command(
    workers: int, experiment: Path = HERE / "model_lhs.yaml"
) -> tuple[float, int, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        seconds, cpu, text = _command(["sweep", str(experiment), "-o", str(out)], workers)
    found = re.search(r"(\d+) of \d+ runs done in [\d.]+ s \(running them ([\d.]+) s", text)
    cpu["runs_seconds"] = float(found.group(2))
    return seconds, int(found.group(1)), cpu


def _run_seconds(workers: int) -> tuple[float, int, dict]:
    from integration_sim.config.load import load_scenario
    from integration_sim.runs import run

    scenario = load_scenario(REPO / "scenarios" / "example_place.yaml")
    with ProcessCPU() as cpu:
        t0 = time.perf_counter()
        res = run(scenario, replicates=8, workers=workers, progress=False)
        seconds = time.perf_counter() - t0
    return seconds, len(res.summary), cpu.used()


def _calibrate_seconds(workers: int) -> tuple[float, int, dict]:
    example = REPO / "calibration" / "example"
    config = yaml.safe_load((example / "config.yaml").read_text())
    with tempfile.TemporaryDirectory() as tmp:  # outside the repository, so a kill leaves nothing
        path = Path(tmp) / "config.yaml"
        config["scenario"] = str(example / "scenario.yaml")
        config["measurements"] = [str(example / "measurements" / "*.csv")]
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        out = Path(tmp) / "out"
        seconds, cpu, _ = _command(["calibrate", str(path), "-o", str(out)], workers)
        simulations = int(pd.read_csv(out / "generations.csv")["simulations"].sum())
        cpu["runs_seconds"] = _generations_seconds(out / "history.db")
    return seconds, simulations, cpu


def _generations_seconds(db: Path) -> float:
    """Wall seconds pyabc spent on the generations (its ``wall_time`` per population,
    the prior's calibration sample left out): the calibration without the command's
    imports, inputs, posterior predictive check and charts."""
    import pyabc

    populations = pyabc.History(f"sqlite:///{db}").get_all_populations()
    return float(populations.loc[populations["t"] >= 0, "wall_time"].sum())


def _flagship() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "flagship"
        scenario = str(REPO / "scenarios" / "pilot_vs_system_wide.yaml")
        seconds, cpu, _ = _command(["compare", scenario, "-o", str(out)], 2)
        files = [p for p in out.rglob("*") if p.is_file()]
        hidden = [
            p for p in files if any(part.startswith(".") for part in p.relative_to(out).parts)
        ]
        return {
            "case": "flagship compare, 2 workers",
            "seconds": round(seconds, 1),
            **cpu,
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
        seconds, units, cpu = measure(kwargs)
        rows.append(
            {"case": f"{name}, {label}", "units": units, "seconds": round(seconds, 3), **cpu}
        )
        if isinstance(kwargs, int):  # local workers: slots are this process and its workers
            _slots(rows[-1], kwargs)
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
    one = rows[0]
    for row in rows[1:]:
        row["speedup"] = round(one["seconds"] / row["seconds"], 3)
        row["efficiency"] = round(one["seconds"] / row["seconds"] / 2, 3)
        row["cpu_ratio"] = round(one["cpu"] / row["cpu"], 3)
        if "runs_seconds" in row:
            row["runs_efficiency"] = round(one["runs_seconds"] / row["runs_seconds"] / 2, 3)
    return rows


def _print(rows: list[dict]) -> None:
    head = f"{'case':<36}{'units':>7}{'seconds':>9}{'cpu s':>8}{'speed-up':>10}{'efficiency':>12}"
    print(head + f"{'cpu ratio':>11}")
    for r in rows:
        if "units" not in r:
            continue
        line = f"{r['case']:<36}{r['units']:>7}{r['seconds']:>9.2f}{r['cpu']:>8.2f}"
        if "speedup" in r:
            line += f"{r['speedup']:>10.2f}{r['efficiency']:>12.2f}{r['cpu_ratio']:>11.2f}"
        print(line)
        if "slot_not_started" in r:
            print(
                f"{'  slots (s): running/waiting/idle/not started':<52}{r['slot_running']:>7.2f}"
                f"{r['slot_waiting']:>8.2f}{r['slot_idle']:>8.2f}{r['slot_not_started']:>8.2f}"
            )
        if "runs_seconds" in r:
            eff = f", efficiency {r['runs_efficiency']:.2f}" if "runs_efficiency" in r else ""
            print(f"{'  of which the runs (generations)':<36}{'':>7}{r['runs_seconds']:>9.2f}{eff}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="leave out the flagship compare")
    p.add_argument("--out", type=Path, default=HERE / "results" / "sweep.json")
    p.add_argument(
        "--only", nargs="+", metavar="CASE", help="run only these cases (e.g. calibrate command)"
    )
    args = p.parse_args()

    def wanted(name: str) -> bool:
        return not args.only or any(word in name for word in args.only)

    from distributed import LocalCluster

    load_before = os.getloadavg()[0]
    rows: list[dict] = []
    small, busy = _function_experiment("ishigami", 1024), _function_experiment("busy", 1024)
    model = HERE / "model_lhs.yaml"
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        if wanted("ishigami"):
            rows += _pair("ishigami sweep", lambda w: _sweep_seconds(small, workers=w))
        if wanted("busy"):
            rows += _pair("busy sweep", lambda w: _sweep_seconds(busy, workers=w))
        if wanted("model sweep"):
            rows += _pair(
                "model sweep",
                lambda w: _sweep_seconds(
                    model, **({"scheduler": w} if w == cluster else {"workers": w})
                ),
                # The second sweep on the same cluster: its workers have loaded the model.
                {"dask 2 workers": cluster, "dask 2 workers, second sweep": cluster},
            )
    if wanted("model sweep command"):
        rows += _pair("model sweep command", _sweep_command)
    if wanted("sobol command"):
        rows += _pair("sobol command", lambda w: _sweep_command(w, SOBOL))
    if wanted("run"):
        rows += _pair("run", _run_seconds)
    if wanted("calibrate"):
        rows += _pair("calibrate", _calibrate_seconds)
    if not args.quick and wanted("flagship"):
        rows.append(_flagship())
    result = {
        "rows": rows,
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    _print(rows)
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
