"""Summarise the verdict sweep with its uncertainty: how often, and where, pilot-then-scale wins.

    python experiments/verdict_summary.py results/verdict [output]

``output`` is pilot_minus_sw_auc (default: area under the index curve) or
pilot_minus_sw_final (index over the last 13 weeks).

Reads ``results.parquet`` (or ``results.csv``; one row per sample point) written by
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

from integration_sim.sensitivity.discovery import prim

OUTPUT = "pilot_minus_sw_auc"


def wilson(yes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval for a proportion."""
    p = yes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def main(folder: str, output: str = OUTPUT) -> None:
    folder_path = Path(folder)
    parquet = folder_path / "results.parquet"
    res = pd.read_parquet(parquet) if parquet.exists() else pd.read_csv(folder_path / "results.csv")
    y = res[output].dropna().to_numpy()
    n, yes = y.size, int((y > 0).sum())
    lo, hi = wilson(yes, n)
    boot = np.random.default_rng(0).choice(y, size=(2000, n)).mean(axis=1)
    print(f"points {n}; pilot-then-scale ahead at {yes} ({yes / n:.0%}, 95% {lo:.0%}-{hi:.0%})")
    print(
        f"mean difference ({output}) {y.mean():+.4f} "
        f"(95% {np.quantile(boot, 0.025):+.3f} to {np.quantile(boot, 0.975):+.3f})"
    )
    cols = list(res.columns)
    params = [c for c in cols[cols.index("error") + 1 :] if not c.startswith("pilot_minus")]
    for c in params:
        rho, p = stats.spearmanr(res[c], res[output], nan_policy="omit")
        print(f"  {c:28s} Spearman {rho:+.2f} (p {p:.3f})")
    ok = res[output].notna()
    found = prim(res.loc[ok, params].to_numpy(float), res.loc[ok, output].to_numpy() > 0)
    box = found.box
    print(
        f"PRIM box: density {box.density:.0%} (base rate {yes / n:.0%}), "
        f"coverage {box.coverage:.0%}, mass {box.mass:.0%}, {int(round(box.mass * n))} points"
    )
    lo_all = res.loc[ok, params].min().to_numpy()
    hi_all = res.loc[ok, params].max().to_numpy()
    for c, lo_b, hi_b, lo_a, hi_a in zip(params, box.lower, box.upper, lo_all, hi_all, strict=True):
        if lo_b > lo_a or hi_b < hi_a:
            print(f"  {c:28s} {lo_b:.3g} to {hi_b:.3g}")
    p = yes / n
    need = int(np.ceil(1.96**2 * max(p * (1 - p), 0.01) / 0.05**2))
    print(f"points needed for a +/- 0.05 interval on the share: about {need}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
