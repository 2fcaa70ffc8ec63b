"""Test functions with known sensitivity indices, in the ``(params, seed) -> dict`` form.

Importable everywhere the package is (local workers, Dask workers), so
experiments can name them as ``integration_sim.sensitivity.analytic:ishigami``
to check the sweep machinery against known answers.
"""

from __future__ import annotations

import math
import time

import numpy as np

# Ishigami (a=7, b=0.1, x_i ~ U(-pi, pi)): analytic indices.
ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def ishigami(params: dict[str, float], seed: int) -> dict[str, float]:
    """y = sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1 (deterministic; seed unused)."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def linear(params: dict[str, float], seed: int) -> dict[str, float]:
    """y = sum_i (i+1) * x_i over the parameters in order: Morris mu* = (i+1) * range, sigma = 0."""
    return {"y": sum((i + 1) * v for i, v in enumerate(params.values()))}


def noisy(params: dict[str, float], seed: int) -> dict[str, float]:
    """y = x1 + x2 + e with e ~ N(0, 0.5^2) drawn from ``seed``: noise variance 0.25."""
    e = np.random.default_rng(seed).normal(0.0, 0.5)
    return {"y": params["x1"] + params["x2"] + e}


def fragile(params: dict[str, float], seed: int) -> dict[str, float]:
    """Ishigami, but raises where x1 > 2.5 (about 10% of the cube): failures are data."""
    if params["x1"] > 2.5:
        raise ValueError(f"model diverged at x1={params['x1']:.3f}")
    return ishigami(params, seed)


def slow(params: dict[str, float], seed: int) -> dict[str, float]:
    """Ishigami after a 2 ms sleep, plus a seeded N(0, 1) ``noise`` output (for kill-and-resume tests)."""
    time.sleep(0.002)
    out = ishigami(params, seed)
    out["noise"] = float(np.random.default_rng(seed).normal())
    return out


def busy(params: dict[str, float], seed: int) -> dict[str, float]:
    """Ishigami after a few ms of pure-Python CPU work (for benchmarks: no sleeping, no BLAS)."""
    acc = 0
    for i in range(10_000):
        acc += i * i % 7
    out = ishigami(params, seed)
    out["work"] = float(acc)
    return out
