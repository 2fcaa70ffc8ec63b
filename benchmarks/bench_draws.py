"""Uniforms drawn inside a kernel: PCG64 inline against a call of ``next_double`` per value.

Run:  python benchmarks/bench_draws.py [--values N] [--rounds R]
Writes benchmarks/results/draws.json and prints, for ``engine.draws.fill`` of N values
(default 21,000, a flagship week's practitioners' draws): the inline PCG64 path, the
call-per-value path (the same generator forced to ``CALL``) and ``Generator.random(out=)``,
each the best over R rounds of CPU time per fill (contention only ever slows a round).
All three give the same values; the script checks that before timing.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from integration_sim.engine.draws import CALL, PCG64_INLINE, Stream, fill

RESULTS = Path(__file__).resolve().parent / "results" / "draws.json"


def best_microseconds(draw, rounds: int, repeats: int = 100) -> float:
    """Best over ``rounds`` of the mean CPU time of ``repeats`` calls, in microseconds."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(repeats):
            draw()
        best = min(best, (time.process_time() - start) / repeats)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=21_000)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    generator = np.random.default_rng(1)
    inline, call = Stream(generator).address, Stream(generator, inline=False).address
    assert inline[2] == PCG64_INLINE and call[2] == CALL, "PCG64 is not drawn inline here"
    out, twin = np.empty(args.values), np.random.default_rng(1)
    fill(inline, out[: args.values // 2])
    fill(call, out[args.values // 2 :])
    assert np.array_equal(out, twin.random(args.values)), "the paths disagree"
    timed = {
        "inline": lambda: fill(inline, out),
        "call": lambda: fill(call, out),
        "numpy": lambda: generator.random(out=out),
    }
    figures = {"values": args.values}
    for name, draw in timed.items():
        microseconds = best_microseconds(draw, args.rounds)
        figures[f"{name}_us"] = round(microseconds, 2)
        figures[f"{name}_ns_per_value"] = round(microseconds * 1e3 / args.values, 3)
        print(f"{name:>7}: {microseconds:7.1f} us, {microseconds * 1e3 / args.values:.2f} ns/value")
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
