"""Canonical digests of run outputs, for the results-do-not-change check.

A digest is the SHA-256 of the exact float64 bits and labels of a table, rows in
a fixed order, so it does not depend on the Parquet writer's version or metadata.
Run ``python tests/golden.py`` to print today's digests.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

# Each case: scenario file, dotted overrides, replicates (short runs, every strategy).
CASES = {
    "example_place": ("scenarios/example_place.yaml", {"horizon_weeks": 104}, 2),
    "flagship_short": ("scenarios/pilot_vs_system_wide.yaml", {"horizon_weeks": 130}, 1),
}


def table_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a table's labels and exact values, independent of row order."""
    df = df.copy()
    labels = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    for c in labels:
        df[c] = df[c].astype(str)
    df = df[sorted(df.columns)]
    df = df.sort_values(list(df.columns), kind="mergesort").reset_index(drop=True)
    h = hashlib.sha256()
    for c in df.columns:
        h.update(c.encode())
        col = df[c]
        if c in labels:
            h.update("\x1f".join(col).encode())
        else:
            h.update(np.ascontiguousarray(col.to_numpy(dtype=np.float64)).tobytes())
    return h.hexdigest()


def digests(case: str) -> dict[str, str]:
    """Digests of ``records`` and ``summary`` for one case, run on one worker."""
    from integration_sim import load_scenario, run

    path, overrides, replicates = CASES[case]
    scenario = load_scenario(ROOT / path, overrides)
    results = run(scenario, replicates=replicates, workers=1, progress=False)
    summary = results.summary.drop(columns=["seed"])
    return {"records": table_digest(results.records), "summary": table_digest(summary)}


def tallies_digest() -> str:
    """SHA-256 of the exact bits of a calibration run's tallies (example place, 104 weeks)."""
    from integration_sim import load_scenario
    from integration_sim.calibration.abc import run_tallies

    scenario = load_scenario(ROOT / "scenarios/example_place.yaml", {"horizon_weeks": 104})
    tallies = run_tallies(scenario, "colocation_pilot", seed=11)
    h = hashlib.sha256()
    for name, value in sorted(vars(tallies).items()):
        h.update(name.encode())
        if isinstance(value, np.ndarray):
            h.update(str(value.shape).encode() + np.ascontiguousarray(value, np.float64).tobytes())
        else:
            h.update("\x1f".join(map(str, value)).encode())
    return h.hexdigest()


if __name__ == "__main__":
    for name in sys.argv[1:] or CASES:
        print(name, digests(name))
    print("tallies", tallies_digest())
