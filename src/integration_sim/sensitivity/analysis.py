"""Sensitivity indices with bootstrap intervals, a convergence check, and the share of noise.

Indices are computed on each sample point's mean over its replicates. A point
whose runs all failed is missing; the whole Saltelli block (Sobol) or Morris
trajectory holding it is dropped, which leaves a smaller but valid design.
Interval columns (``*_conf``) are half-widths of 95% bootstrap intervals, as
SALib reports them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from integration_sim.sensitivity.experiment import Experiment
from integration_sim.sensitivity.sampling import block_size, half_design_rows, problem

INDEX_COLUMNS = {
    "sobol": ["S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["mu_star", "mu_star_conf", "sigma"],
    "fast": ["S1", "ST"],
    "lhs": ["S1", "S1_conf"],  # RBD-FAST first-order indices from the Latin hypercube
}
# RBD-FAST sums the first RBD_HARMONICS harmonics of the output's periodogram and
# removes their bias with lambda = 2M/N. With N <= 2M + 1 points those harmonics are
# all the periodogram has (the index is 1 whatever the model) and the correction
# divides by 1 - lambda = 0, so an index needs 2M + 2 points; SALib's bootstrap
# resamples half of them, so an interval needs twice as many.
RBD_HARMONICS = 10
RBD_MIN_POINTS = 2 * RBD_HARMONICS + 2
# The index that ranks parameters by total influence, per method.
TOTAL_INDEX = {"sobol": "ST", "morris": "mu_star", "fast": "ST", "lhs": "S1"}


def point_means(results: pd.DataFrame, outputs: list[str], n_points: int) -> pd.DataFrame:
    """Mean of each output over each point's successful replicates (NaN where none succeeded)."""
    ok = results[results["status"] == "ok"]
    means = ok.groupby("point")[outputs].mean()
    return means.reindex(range(n_points))


def indices(
    experiment: Experiment, design: np.ndarray, means: pd.DataFrame, rows: int | None = None
) -> pd.DataFrame:
    """Indices of every output on the first ``rows`` points of the design (default: all)."""
    rows = len(design) if rows is None else rows
    frames = [
        _one_output(experiment, design[:rows], means[out].to_numpy()[:rows], out)
        for out in experiment.output_names
    ]
    return pd.concat(frames, ignore_index=True)


def _one_output(experiment: Experiment, x: np.ndarray, y: np.ndarray, output: str) -> pd.DataFrame:
    names = experiment.parameter_names
    if experiment.method == "fast":
        keep = np.ones(len(y), dtype=bool)  # a FAST design cannot lose points: see _undefined
    else:
        keep = _complete_blocks(y, block_size(experiment))
    note = _undefined(experiment, y, keep)
    res = {} if note else _salib(experiment, x[keep], y[keep])
    if not note and "error" in res:
        note = res["error"]
    elif not note and experiment.method == "lhs" and keep.sum() < 2 * RBD_MIN_POINTS:
        note = (
            f"no interval: the bootstrap resamples half of the {keep.sum()} points, "
            f"and RBD-FAST needs at least {RBD_MIN_POINTS}"
        )
    table = pd.DataFrame({"output": output, "parameter": names})
    for col in INDEX_COLUMNS[experiment.method]:
        table[col] = np.asarray(res.get(col, [np.nan] * len(names)), dtype=float)
    table["note"] = note
    return table


def _undefined(experiment: Experiment, y: np.ndarray, keep: np.ndarray) -> str:
    """Why no index of this output can be computed (empty when it can)."""
    if experiment.method == "fast" and np.isnan(y).any():
        return (
            f"{int(np.isnan(y).sum())} of {len(y)} points have no successful run, "
            "and a FAST design cannot lose points"
        )
    n = int(keep.sum())
    if n == 0:
        return "no complete design points (every block holds a failed run)"
    if np.var(y[keep]) == 0:
        return "output is constant over the design: nothing to apportion"
    if experiment.method == "lhs" and n < RBD_MIN_POINTS:
        return f"too few points for RBD-FAST: {n}, and it needs at least {RBD_MIN_POINTS}"
    return ""


def _complete_blocks(y: np.ndarray, size: int) -> np.ndarray:
    """Row mask keeping only blocks (of ``size`` rows) with no missing value."""
    n_blocks = len(y) // size
    ok = ~np.isnan(y[: n_blocks * size]).reshape(n_blocks, size).any(axis=1)
    mask = np.zeros(len(y), dtype=bool)
    mask[: n_blocks * size] = np.repeat(ok, size)
    return mask


def _salib(experiment: Experiment, x: np.ndarray, y: np.ndarray) -> dict:
    """SALib's indices, or ``{"error": note}`` if its arithmetic breaks down on these points."""
    from SALib.analyze import fast, morris, rbd_fast, sobol

    prob, seed, boot = problem(experiment), experiment.seed, experiment.bootstrap
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            if experiment.method == "sobol":
                return sobol.analyze(
                    prob, y, calc_second_order=False, num_resamples=boot, seed=seed
                )
            if experiment.method == "morris":
                return morris.analyze(
                    prob, x, y, num_resamples=boot, num_levels=experiment.levels, seed=seed
                )
            if experiment.method == "fast":
                return fast.analyze(prob, y, M=4, num_resamples=boot, seed=seed)
            # Too few points for the bootstrap's half-size resamples: no resamples, no interval.
            boot = boot if len(y) >= 2 * RBD_MIN_POINTS else 0
            res = rbd_fast.analyze(prob, x, y, M=RBD_HARMONICS, num_resamples=boot, seed=seed)
            if boot == 0:
                res["S1_conf"] = [np.nan] * len(res["S1"])
            return res
        except ZeroDivisionError as err:  # degenerate points the checks above did not foresee
            return {"error": f"SALib could not compute the indices on these points ({err})"}


def convergence(
    experiment: Experiment, design: np.ndarray, means: pd.DataFrame, full: pd.DataFrame
) -> pd.DataFrame:
    """The ranking index at half and at full sample size.

    The half design is nested in the full one, so the difference of the two
    estimates has about the full estimate's standard error; ``stable`` is true
    when the change lies within the full estimate's 95% half-width (or, with no
    interval column, within 10% of the largest index of that output), and empty
    where either estimate or its interval is undefined.
    """
    rows = half_design_rows(experiment, len(design))
    cols = ["output", "parameter", "index", "half", "full", "change", "stable"]
    if rows == 0:
        return pd.DataFrame(columns=cols)
    index = TOTAL_INDEX[experiment.method]
    half = indices(experiment, design, means, rows=rows)
    table = full[["output", "parameter"]].copy()
    table["index"] = index
    table["half"] = half[index].to_numpy()
    table["full"] = full[index].to_numpy()
    table["change"] = table["full"] - table["half"]
    conf = f"{index}_conf"
    if conf in full:
        tol = full[conf].to_numpy()
    else:
        tol = 0.1 * full.groupby("output")[index].transform("max").abs().to_numpy()
    change = table["change"].to_numpy()
    stable = pd.array(np.abs(change) <= tol, dtype="boolean")
    stable[~(np.isfinite(change) & np.isfinite(tol))] = pd.NA  # not checkable: left empty
    table["stable"] = stable
    return table[cols]


def noise(results: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Share of output variance due to stochastic noise, from the replicates.

    ``noise_share`` is the pooled within-point variance over the variance of
    single runs; ``noise_share_of_means`` is the same for the replicate means
    the indices are computed on (within-point variance / replicates, over the
    variance of the means). With one replicate there is nothing to estimate.
    """
    ok = results[results["status"] == "ok"]
    rows = []
    for out in experiment.output_names:
        total = float(ok[out].var(ddof=1)) if len(ok) > 1 else np.nan
        grouped = ok.groupby("point")[out]
        within_by_point = grouped.var(ddof=1).dropna()
        within = float(within_by_point.mean()) if len(within_by_point) else np.nan
        var_means = float(grouped.mean().var(ddof=1))
        reps = experiment.replicates
        rows.append(
            {
                "output": out,
                "replicates": reps,
                "total_variance": total,
                "noise_variance": within,
                "noise_share": _ratio(within, total),
                "noise_share_of_means": _ratio(within / reps, var_means),
            }
        )
    return pd.DataFrame(rows)


def _ratio(a: float, b: float) -> float:
    if not np.isfinite(a) or not np.isfinite(b) or b <= 0:
        return float("nan")
    return float(min(a / b, 1.0))
