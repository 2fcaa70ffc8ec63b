"""Sampling designs with SALib, drawn in the unit hypercube and mapped to each parameter's distribution.

Every method samples quantiles ``u`` in [0, 1]^D and each parameter maps its
column through its inverse distribution function. Sobol and FAST indices do
not depend on the values, only on the design's structure; Morris elementary
effects are then measured per unit of quantile, i.e. per full range of a
uniform parameter, so mu* is in the output's own units.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import stats

from integration_sim.sensitivity.experiment import Experiment, Parameter

# Unbounded distributions (normal, lognormal) cannot map the Morris grid's 0 and
# 1 levels; they are clipped to these quantiles instead.
_EDGE = 0.001


def problem(experiment: Experiment) -> dict:
    """The SALib problem: parameter labels on the unit hypercube."""
    d = len(experiment.parameters)
    return {"num_vars": d, "names": experiment.parameter_names, "bounds": [[0.0, 1.0]] * d}


def unit_design(experiment: Experiment) -> np.ndarray:
    """The method's design in [0, 1]^D, one row per sample point (seeded, reproducible)."""
    from SALib.sample import fast_sampler, latin, morris, sobol

    prob, n, seed = problem(experiment), experiment.samples, experiment.seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib's sample-size advice is checked by the schema
        if experiment.method == "sobol":
            return sobol.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)
        if experiment.method == "morris":
            return morris.sample(prob, n, num_levels=experiment.levels, seed=seed)
        if experiment.method == "fast":
            return fast_sampler.sample(prob, n, M=4, seed=seed)
        return latin.sample(prob, n, seed=seed)


def to_values(experiment: Experiment, unit: np.ndarray) -> np.ndarray:
    """Map a unit design to parameter values in natural units, column by column."""
    out = np.empty_like(unit, dtype=float)
    for j, p in enumerate(experiment.parameters):
        out[:, j] = quantile(p, unit[:, j])
    return out


def quantile(p: Parameter, u: np.ndarray) -> np.ndarray:
    """Inverse distribution function of parameter ``p`` at quantiles ``u`` (natural units)."""
    u = np.asarray(u, dtype=float)
    if p.distribution == "uniform":
        lo, hi = p.bounds
        x = lo + u * (hi - lo)
    elif p.distribution == "loguniform":
        lo, hi = np.log(p.bounds[0]), np.log(p.bounds[1])
        x = np.exp(lo + u * (hi - lo))
    elif p.distribution == "triangular":
        lo, hi = p.bounds
        x = stats.triang.ppf(u, (p.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    elif p.distribution == "normal":
        x = _normal(p, u)
    else:  # lognormal: mean and sd of the log
        x = np.exp(stats.norm.ppf(np.clip(u, _EDGE, 1 - _EDGE), p.mean, p.sd))
        if p.bounds is not None:
            x = np.clip(x, *p.bounds)
    return np.round(x) if p.integer else x


def _normal(p: Parameter, u: np.ndarray) -> np.ndarray:
    if p.bounds is None:
        return stats.norm.ppf(np.clip(u, _EDGE, 1 - _EDGE), p.mean, p.sd)
    a, b = ((np.array(p.bounds) - p.mean) / p.sd).tolist()
    return stats.truncnorm.ppf(u, a, b, loc=p.mean, scale=p.sd)


def block_size(experiment: Experiment) -> int:
    """Rows that belong together in the design (a Saltelli block or a Morris trajectory)."""
    d = len(experiment.parameters)
    return {"sobol": d + 2, "morris": d + 1}.get(experiment.method, 1)


def half_design_rows(experiment: Experiment, n_rows: int) -> int:
    """Rows forming a valid design of half the sample size, or 0 if the method has none.

    The first N/2 Saltelli blocks of a scrambled Sobol' sequence, and the first
    half of the Morris trajectories, are themselves complete designs; a FAST
    design's frequencies depend on N, so it cannot be halved.
    """
    if experiment.method not in ("sobol", "morris", "lhs"):
        return 0
    size = block_size(experiment)
    blocks = n_rows // size
    return (blocks // 2) * size if blocks >= 4 else 0
