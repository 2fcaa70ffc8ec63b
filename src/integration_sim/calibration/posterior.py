"""Posterior files: one row per weighted sample, a column per parameter (dotted scenario path) and ``weight``.

``calibrate`` writes them; scenario runs read them (``parameters: {posterior: PATH}``)
and each replicate draws one weighted sample with :func:`draw`, so results carry
parameter uncertainty as well as noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from integration_sim.config.posterior import (  # noqa: F401 - part of this module's API
    WEIGHT,
    draw,
    load_posterior,
    parameters,
    validate_posterior,
)
from integration_sim.files import write_table


def write_posterior(df: pd.DataFrame, path_stem: str | Path) -> list[Path]:
    """Write ``<stem>.parquet`` (and .csv), weights normalised to sum to 1."""
    out = df.copy()
    out[WEIGHT] = out[WEIGHT] / out[WEIGHT].sum()
    return write_table(out, path_stem)


def draws(posterior_df: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` weighted samples with replacement (for predictive checks)."""
    w = posterior_df[WEIGHT].to_numpy(dtype=float)
    idx = rng.choice(len(w), size=n, p=w / w.sum())
    return posterior_df.iloc[idx][parameters(posterior_df)].reset_index(drop=True)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Quantiles of a weighted sample: the weighted inverse CDF, the one definition used everywhere.

    The ``q`` quantile is the smallest value whose cumulative weight (sorted
    by value, normalised to 1) reaches ``q``: F^-1(q) = min{x : F(x) >= q}.
    No interpolation, so every quantile is a particle's value and, with equal
    weights, it equals ``numpy.quantile(x, q, method="inverted_cdf")``. Used
    for posterior summaries, diagnostics, predictive intervals and SBC.
    """
    x, w = np.asarray(x, float), np.asarray(w, float)
    keep = np.isfinite(x)
    x, w = x[keep], w[keep]
    if x.size == 0:
        return np.full(np.shape(q), np.nan) if np.ndim(q) else np.float64(np.nan)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cdf = np.cumsum(w) / w.sum()
    # A small tolerance so that q exactly on a step (e.g. 0.5 of two equal weights) picks it.
    index = np.searchsorted(cdf, np.asarray(q, float) - 1e-12, side="left")
    return x[np.minimum(index, x.size - 1)]


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2."""
    w = np.asarray(w, float)
    return float(w.sum() ** 2 / np.sum(w**2))


def summarise_posterior(
    posterior_df: pd.DataFrame, prior_sd: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per parameter: mean, sd, median, 5% and 95% quantiles, ESS and (with prior sds) shrinkage.

    ``shrinkage`` is 1 - posterior sd / prior sd: near 0 means the measurements
    say little about the parameter, near 1 that they pin it down.
    """
    w = posterior_df[WEIGHT].to_numpy(dtype=float)
    rows = []
    for c in parameters(posterior_df):
        x = posterior_df[c].to_numpy(dtype=float)
        mean = float(np.sum(w * x) / w.sum())
        sd = float(np.sqrt(np.sum(w * (x - mean) ** 2) / w.sum()))
        q05, q50, q95 = weighted_quantile(x, w, np.array([0.05, 0.5, 0.95]))
        row = {
            "parameter": c,
            "mean": mean,
            "sd": sd,
            "median": q50,
            "q05": q05,
            "q95": q95,
            "ess": effective_sample_size(w),
        }
        if prior_sd is not None:
            row["prior_sd"] = prior_sd.get(c, float("nan"))
            row["shrinkage"] = 1.0 - sd / row["prior_sd"]
        rows.append(row)
    return pd.DataFrame(rows)
