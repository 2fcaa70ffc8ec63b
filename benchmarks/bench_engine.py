"""Engine benchmark: today's engine against the baseline commit and the per-agent oracle.

Run:  python benchmarks/bench_engine.py [--quick] [--no-compare]
Writes benchmarks/results/engine.json and prints every target as a ratio.

Everything is measured in one run, one after the other on the same machine, so
ratios compare like with like on a shared, noisy machine (absolute times are
indicative only). The baseline is the engine as it was before the speed-up
work (commit ``BASELINE``), unpacked from git into a temporary folder and timed
by the same harness (benchmarks/engine_rate.py) in its own process, alternating
with today's code. Each figure is the best of three timings.

The flagship is also timed at a second baseline, ``MECHANISMS_BASELINE``: issue 13
asks to speed up the model "as it will be", after the spread mechanisms of issue 10
(readiness, set-up lags, movers, ties across localities, a stationary business as
usual), which landed after ``BASELINE``. That commit is the last one with those
mechanisms and none of the speed-ups (the engine branch before its first one), so it
does the work today's model does, at the speed it had before issue 13.

Targets (issue 13): 1. >= 10x the baseline's practitioner-weeks/s at the
flagship's size; 2. >= 100x the per-agent oracle at 10k on the work the oracle
covers, and >= 3M practitioner-weeks/s at 100k; 3. cost linear in practitioners
and ties, 1M practitioners in under 2 GB; 4. the flagship ``compare`` in under
30 s on 2 cores, report included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

from checkout import harness, timed_compare, unpack  # noqa: E402
from engine_rate import CORE_ONLY  # noqa: E402
from oracle import oracle_from_engine  # noqa: E402
from scaled_place import scaled_scenario  # noqa: E402

from integration_sim.config.overrides import apply_overrides  # noqa: E402
from integration_sim.engine.model import IntegrationModel  # noqa: E402

PW = "practitioner_weeks_per_second"
BASELINE = "366e762"  # main before issue 13's speed-ups (the renovated layout, step 1)
MECHANISMS_BASELINE = "b911a50"  # issue 10's mechanisms in, no speed-up yet (see above)
FLAGSHIP_STRATEGIES = ["pilot_scale_learn", "system_wide"]


def unpack_baseline(folder: Path, commit: str = BASELINE) -> Path:
    """A baseline commit's ``src`` folder (and its scenario files), unpacked from git."""
    (folder / commit).mkdir()
    return unpack(folder / commit, commit, ["src", "scenarios"])


def rate(src: Path, case: str, *options: str) -> dict:
    """One timing from benchmarks/engine_rate.py for the package in ``src``."""
    return harness(HERE / "engine_rate.py", str(src), case, *options)


def side_by_side(today: Path, base: Path | None, case: str, *options: str) -> dict:
    """Today's and (if available) the baseline's figures for one case, and their ratio."""
    out = {"today": rate(today, case, *options)}
    if base is not None:
        out["baseline"] = rate(base, case, *options)
        out["speed_up"] = (
            out["today"]["practitioner_weeks_per_second"]
            / out["baseline"]["practitioner_weeks_per_second"]
        )
    return out


def oracle_rate(n: int, weeks: int, repeats: int = 3) -> dict:
    """Practitioner-weeks per second (per core) of the per-agent Mesa oracle on the same place."""
    scenario = apply_overrides(scaled_scenario(n, horizon_weeks=weeks + 1), CORE_ONLY)
    best = None
    for _ in range(repeats):
        engine = IntegrationModel(scenario, seed=1)
        oracle = oracle_from_engine(engine, seed=2)
        start = time.process_time()  # CPU time, as engine_rate.py measures
        for _ in range(weeks):
            oracle.step()
        seconds = time.process_time() - start
        oracle.release()
        engine.release()
        best = seconds if best is None else min(best, seconds)
    return {
        "practitioners": n,
        "weeks": weeks,
        "seconds": best,
        "practitioner_weeks_per_second": n * weeks / best,
    }


def compare_time(workers: int) -> dict:
    """Wall time of ``integration-sim compare`` on the flagship, report included, and of
    its simulations alone (the same runs in this process's pool), to show where time goes."""
    from integration_sim import load_scenario, run

    scenario = load_scenario(REPO / "scenarios" / "pilot_vs_system_wide.yaml")
    total, total_cpu = timed_compare(REPO / "src", workers)
    start, cpu = time.perf_counter(), _children_cpu() + time.process_time()
    run(scenario, workers=workers, progress=False)
    simulate = time.perf_counter() - start
    simulate_cpu = _children_cpu() + time.process_time() - cpu
    return {
        "workers": workers,
        "seconds": total,
        "cpu_seconds": total_cpu,
        "quiet_estimate_seconds": quiet_estimate(total_cpu, simulate_cpu, workers),
        "simulation_seconds": simulate,
        "simulation_cpu_seconds": simulate_cpu,
    }


def quiet_estimate(total_cpu: float, simulate_cpu: float, workers: int) -> float:
    """Wall time ``compare`` would take on ``workers`` otherwise idle cores: on a shared
    machine wall time includes waiting for a core, so estimate from CPU time, with the
    runs spread over the workers and the rest (results, charts, report) in one process."""
    return simulate_cpu / workers + max(total_cpu - simulate_cpu, 0.0)


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by finished child processes."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer weeks and repeats (smoke run)")
    parser.add_argument("--no-compare", action="store_true", help="skip timing `compare`")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "engine.json")
    args = parser.parse_args()
    weeks, reps = ("5", "1") if args.quick else ("20", "3")
    rep = ["--repeats", reps]
    today = REPO / "src"
    figures: dict = {
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "baseline_commit": BASELINE,
        "mechanisms_baseline_commit": MECHANISMS_BASELINE,
        "load_average_at_start": os.getloadavg()[0],
    }
    with tempfile.TemporaryDirectory() as tmp:
        base, mechanisms = (baseline_or_none(Path(tmp), c) for c in (BASELINE, MECHANISMS_BASELINE))
        flagship = [o for s in FLAGSHIP_STRATEGIES for o in ("--strategy", s)]
        figures["flagship"] = side_by_side(today, base, "flagship", *flagship, *rep)
        if mechanisms is not None:
            before = rate(mechanisms, "flagship", *flagship, *rep)
            figures["flagship"]["mechanisms_baseline"] = before
            figures["flagship"]["speed_up_vs_mechanisms_baseline"] = (
                figures["flagship"]["today"][PW] / before[PW]
            )
        for name, n, extra in (
            ("engine_10k", "10000", []),
            ("engine_100k", "100000", []),
            ("engine_10k_core_only", "10000", ["--core-only"]),
            ("engine_10k_half_degree", "10000", ["--degree-scale", "0.5"]),
        ):
            opts = ["--practitioners", n, "--weeks", weeks, *extra, *rep]
            figures[name] = side_by_side(today, base, "scaled", *opts)
    # At least 4 weeks: the scaled place's pilot starts in week 4, and a scenario must
    # run past the start of its strategies.
    figures["oracle_10k"] = oracle_rate(10_000, 4, int(reps))
    million = "100000" if args.quick else "1000000"
    figures["memory_1m"] = rate(
        today, "scaled", "--practitioners", million, "--weeks", "4", "--repeats", "1"
    )
    if not args.no_compare:
        figures["compare_flagship"] = compare_time(workers=2)
    figures["targets"] = targets(figures)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n")
    report(figures)
    print(f"wrote {args.out}")


def baseline_or_none(folder: Path, commit: str) -> Path | None:
    """``unpack_baseline``, or None (said) where git cannot give the commit."""
    try:
        return unpack_baseline(folder, commit)
    except (subprocess.CalledProcessError, OSError) as err:  # e.g. a shallow clone
        print(f"baseline {commit} unavailable ({err}); figures without it")
        return None


def targets(f: dict) -> dict:
    """Each target of issue 13 as (measured, target, met)."""
    pw = PW
    e10, e100 = f["engine_10k"]["today"], f["engine_100k"]["today"]
    half = f["engine_10k_half_degree"]["today"]
    out = {
        "flagship_speed_up_vs_baseline": (f["flagship"].get("speed_up"), 10.0),
        "flagship_speed_up_vs_mechanisms_baseline": (
            f["flagship"].get("speed_up_vs_mechanisms_baseline"),
            10.0,
        ),
        "core_model_vs_oracle_10k": (
            f["engine_10k_core_only"]["today"][pw] / f["oracle_10k"][pw],
            100.0,
        ),
        "whole_model_vs_oracle_10k": (e10[pw] / f["oracle_10k"][pw], None),
        "practitioner_weeks_per_second_100k": (e100[pw], 3e6),
        # Cost per practitioner-week at 100k over 10k, and per tie-week at degree 18 over 9:
        # 1.0 is linear; below 1 means fixed per-week costs are spread over more work.
        # Linear within measurement noise: at most 1.2.
        "cost_per_practitioner_week_100k_over_10k": (e10[pw] / e100[pw], 1.2),
        "cost_per_tie_week_full_over_half_degree": (
            (e10["seconds"] / e10["ties"]) / (half["seconds"] / half["ties"]),
            1.2,
        ),
        "peak_rss_gb_1m": (f["memory_1m"]["peak_rss_bytes"] / 1e9, 2.0),
    }
    if "compare_flagship" in f:
        c = f["compare_flagship"]
        out["compare_flagship_seconds_2_workers"] = (c["seconds"], 30.0)
        out["compare_flagship_quiet_estimate_seconds"] = (c["quiet_estimate_seconds"], 30.0)
    lower_is_better = {"cost_", "peak_", "compare_"}
    return {
        k: {
            "measured": m,
            "target": t,
            "met": None
            if m is None or t is None
            else (m <= t if any(k.startswith(p) for p in lower_is_better) else m >= t),
        }
        for k, (m, t) in out.items()
    }


def report(f: dict) -> None:
    pw = PW
    for key in ("flagship", "engine_10k", "engine_100k", "engine_10k_core_only"):
        row = f[key]
        base = (
            f"  baseline {row['baseline'][pw]:>12,.0f}  x{row['speed_up']:.1f}"
            if "baseline" in row
            else ""
        )
        print(f"{key:<24} today {row['today'][pw]:>12,.0f} practitioner-weeks/s{base}")
        if "mechanisms_baseline" in row:
            before, ratio = row["mechanisms_baseline"][pw], row["speed_up_vs_mechanisms_baseline"]
            print(f"{'':<24} baseline with issue 10's mechanisms {before:>12,.0f}  x{ratio:.1f}")
    print(f"{'oracle_10k':<24} {f['oracle_10k'][pw]:>18,.0f} practitioner-weeks/s")
    if "compare_flagship" in f:
        c = f["compare_flagship"]
        print(
            f"compare (flagship, 2 workers): {c['seconds']:.1f} s wall, {c['cpu_seconds']:.1f} s CPU;"
            f" its runs alone: {c['simulation_seconds']:.1f} s wall,"
            f" {c['simulation_cpu_seconds']:.1f} s CPU"
        )
    for k, v in f["targets"].items():
        met = {True: "met", False: "NOT met", None: ""}[v["met"]]
        target = "" if v["target"] is None else f" (target {v['target']:g})"
        measured = "n/a" if v["measured"] is None else f"{v['measured']:,.2f}"
        print(f"  {k}: {measured}{target} {met}")


if __name__ == "__main__":
    main()
