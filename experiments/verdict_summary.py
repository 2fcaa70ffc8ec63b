"""Summarise the verdict sweep with its uncertainty: how often, and where, pilot-then-scale wins.

    python experiments/verdict_summary.py results/verdict

Reads ``results.csv`` (one row per sample point) and ``discovery.csv`` written by
``integration-sim sweep experiments/verdict_sensitivity.yaml -o results/verdict``
and prints: the share of points where pilot-then-scale beats system-wide with a
95% Wilson interval, the mean paired difference with a 95% bootstrap interval,
the rank correlation of each setting with the difference, and the sample size
that would narrow the share's interval to +/- 0.05.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

OUTPUT = "pilot_minus_sw_auc"


def wilson(yes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion."""
    p = yes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main(folder: str) -> None:
    res = pd.read_csv(Path(folder) / "results.csv")
    y = res[OUTPUT].dropna().to_numpy()
    n, yes = y.size, int((y > 0).sum())
    lo, hi = wilson(yes, n)
    boot = np.random.default_rng(0).choice(y, size=(2000, n)).mean(axis=1)
    print(f"points {n}; pilot-then-scale ahead at {yes} ({yes / n:.0%}, 95% {lo:.0%}-{hi:.0%})")
    print(
        f"mean difference in area under the index curve {y.mean():+.3f} index-years "
        f"(95% {np.quantile(boot, 0.025):+.3f} to {np.quantile(boot, 0.975):+.3f})"
    )
    params = [c for c in res.columns if c.startswith("param.")] or [
        c for c in res.columns if c not in (OUTPUT,) and res[c].dtype.kind == "f"
    ]
    for c in params:
        if c == OUTPUT or c.startswith("pilot_minus"):
            continue
        rho, p = stats.spearmanr(res[c], res[OUTPUT], nan_policy="omit")
        print(f"  {c:40s} Spearman {rho:+.2f} (p {p:.3f})")
    p = yes / n
    need = int(np.ceil(1.96**2 * max(p * (1 - p), 0.01) / 0.05**2))
    print(f"points needed for a +/- 0.05 interval on the share: about {need}")


if __name__ == "__main__":
    main(sys.argv[1])
