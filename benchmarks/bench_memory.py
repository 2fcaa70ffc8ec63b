"""Peak memory of one run, measured against the estimate that refuses runs up front.

Run:  python benchmarks/bench_memory.py [PRACTITIONERS ...]
Each size runs in a fresh process: the generated place of
benchmarks/scaled_place.py (mean degree about 18) over ``--weeks`` weeks, one
strategy, replicate 0 (which keeps its network, as `run` does), the way a worker
runs it. Peak resident memory (``ru_maxrss``) is set against
``engine.footprint.run_bytes`` and a least-squares line through the measurements
is printed for refitting the two constants there. Writes
benchmarks/results/memory.json. ``--compare`` measures nothing: it sets the
peaks saved there against the estimate of today's constants.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def one(practitioners: int, weeks: int) -> dict[str, float]:
    """Run one scaled place in this process and report its peak memory (bytes)."""
    sys.path.insert(0, str(HERE))
    from scaled_place import scaled_scenario

    from integration_sim.engine import footprint
    from integration_sim.runs import simulate

    scenario = scaled_scenario(practitioners, horizon_weeks=weeks)
    simulate(scenario, None, 0, network=True)
    return {
        "practitioners": footprint.practitioners(scenario),
        "weeks": weeks,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "estimate_bytes": footprint.run_bytes(scenario),
    }


def measure(practitioners: int, weeks: int) -> dict[str, float]:
    """:func:`one` in a fresh interpreter, so each peak is that run's alone."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(practitioners), "--weeks", str(weeks)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def show(r: dict) -> None:
    """Print one size's measured peak against its estimate (and record the ratio)."""
    r["estimate_over_measured"] = round(r["estimate_bytes"] / r["peak_rss_bytes"], 2)
    print(
        f"{r['practitioners']:>9,} practitioners  measured {r['peak_rss_bytes'] / 1e6:7.0f} MB"
        f"  estimated {r['estimate_bytes'] / 1e6:7.0f} MB  ({r['estimate_over_measured']}x)",
        flush=True,
    )


def compare(path: Path) -> None:
    """Re-estimate the measured runs in ``path`` with today's constants (the estimate
    is a function of the practitioner count alone) and rewrite the file."""
    from integration_sim.engine import footprint

    saved = json.loads(path.read_text())
    for r in saved["runs"]:
        r["estimate_bytes"] = (
            footprint.FIXED_BYTES + footprint.BYTES_PER_PRACTITIONER * r["practitioners"]
        )
        show(r)
    saved["estimates"] = "from today's engine/footprint.py (--compare)"
    path.write_text(json.dumps(saved, indent=2))
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 30_000, 100_000, 300_000])
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--compare",
        action="store_true",
        help="measure nothing: set the peaks in results/memory.json against today's estimate",
    )
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.weeks)))
        return
    if args.compare:
        compare(HERE / "results" / "memory.json")
        return
    runs = []
    for n in args.sizes:
        runs.append(measure(n, args.weeks))
        show(runs[-1])
    x = np.array([r["practitioners"] for r in runs], float)
    y = np.array([r["peak_rss_bytes"] for r in runs], float)
    slope, intercept = np.polyfit(x, y, 1) if len(runs) > 1 else (0.0, y[0])
    print(f"least squares: {intercept / 1e6:.0f} MB + {slope:.0f} bytes per practitioner")
    out = HERE / "results" / "memory.json"
    out.write_text(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "command": "python benchmarks/bench_memory.py "
                + " ".join(map(str, args.sizes))
                + f" --weeks {args.weeks}",
                "fit_fixed_bytes": intercept,
                "fit_bytes_per_practitioner": slope,
                "runs": runs,
            },
            indent=2,
        )
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
