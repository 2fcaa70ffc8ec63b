"""Posterior predictive check, in the units of the input data.

Each of ``n`` posterior draws is simulated once and measured through the
observation model, and every measurement is compared with its predictive
distribution in the unit it was given in:

=============  =====================================================================
kind           unit compared (observed vs predicted)
=============  =====================================================================
proportion     proportion (numerator / denominator) of that period
tie_density    proportion of possible pairs
rate           count of performances over the row's exposure
score          mean score
adoption       cumulative adopters at the period's end (census: the simulated count)
=============  =====================================================================

Intervals are weighted-inverse-CDF quantiles (:func:`.posterior.weighted_quantile`,
equal weights), so every figure in a calibration uses one definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from integration_sim.calibration.abc import SimulationModel, predict_task
from integration_sim.calibration.observation import estimates
from integration_sim.calibration.plan import observation_rng
from integration_sim.calibration.posterior import draws, weighted_quantile
from integration_sim.engine.seeds import side_rng

UNITS = {
    "proportion": "proportion",
    "tie_density": "proportion",
    "rate": "count",
    "score": "mean score",
    "adoption": "cumulative adopters",
}


def observed_in_units(m: pd.DataFrame) -> np.ndarray:
    """Each measurement's observed value in its input unit (see :data:`UNITS`)."""
    out = np.array(estimates(m), dtype=float)  # a copy: filled in below
    rate = (m["kind"] == "rate").to_numpy()
    out[rate] = m.loc[rate, "count"].to_numpy(dtype=float)
    adoption = (m["kind"] == "adoption").to_numpy()
    if adoption.any():
        out[adoption] = m.loc[adoption, "cumulative_adopters"].to_numpy(dtype=float)
    return out


def _predicted(model: SimulationModel, values, cumulative, noise) -> np.ndarray:
    """[draw, measurement] predicted values in input units (measurement noise included)."""
    obs = model.observation
    rows = []
    for v, c in zip(values, cumulative, strict=True):
        sampled = obs.sample(v, noise)
        p = observed_in_units(sampled.assign(cumulative_adopters=np.nan))
        p[obs.adoption_rows] = c  # census counts: the simulated count itself, no sampling
        rows.append(p)
    return np.array(rows)


def posterior_predictive(
    model: SimulationModel, posterior: pd.DataFrame, n: int, seed: int, pool
) -> pd.DataFrame:
    """Simulate ``n`` posterior draws; per measurement, observed vs predictive 90% interval.

    The draws run on ``pool`` (the shared parallel map), whose context must be ``model``.
    ``ppp`` is the share of predicted values at or below the observed one:
    values near 0 or 1 flag a measurement the calibrated model cannot reproduce.
    """
    m = model.observation.measurements
    observed = observed_in_units(m)
    if n == 0:
        return pd.DataFrame({"measurement_id": m["measurement_id"], "observed": observed})
    rng = side_rng(seed, "predictive")
    params = draws(posterior, n, rng)
    seeds = rng.integers(0, 2**62, size=n).tolist()
    tasks = [
        ({k: float(v) for k, v in row.items()}, s)
        for (_, row), s in zip(params.iterrows(), seeds, strict=True)
    ]
    results = list(pool.map(predict_task, tasks))
    values = np.array([r[0] for r in results])
    predicted = _predicted(model, values, [r[1] for r in results], observation_rng(seed, 1))
    ones = np.ones(n)
    q = np.array(
        [weighted_quantile(predicted[:, j], ones, np.array([0.05, 0.95])) for j in range(len(m))]
    ).reshape(-1, 2)
    out = pd.DataFrame(
        {
            "measurement_id": m["measurement_id"],
            "locator": m["locator"],
            "behaviour": m["behaviour"],
            "kind": m["kind"],
            "locality": m["locality"],
            "start_week": m["start_week"],
            "end_week": m["end_week"],
            "unit": m["kind"].map(UNITS),
            "observed": observed,
            "predicted_mean": np.nanmean(predicted, axis=0),
            "predicted_q05": q[:, 0],
            "predicted_q95": q[:, 1],
            "ppp": np.mean(predicted <= observed[None, :], axis=0),
            "simulated_statistic": np.nanmean(values, axis=0),
        }
    )
    out["inside_90"] = (out["observed"] >= out["predicted_q05"]) & (
        out["observed"] <= out["predicted_q95"]
    )
    return out
