"""Paired comparisons between strategies under common random numbers.

Replicate ``r`` of every strategy runs on the same seed streams (see
``runner.run``), so the fair comparison of strategy A with a baseline B is the
per-replicate difference ``A[r] - B[r]``: noise shared by both runs (who leaves,
which cases arrive) cancels. This module turns the run summary (one row per
strategy and replicate) into

- :func:`paired_samples`: the per-replicate differences, long form;
- :func:`paired_differences`: one row per strategy and metric with the median
  difference, the 10-90% range of the differences across replicates, and a 95%
  interval for the median difference (percentile bootstrap over replicates);
- :func:`strategy_summary`: median and 10-90% of each metric per strategy.

The 10-90% range says how much one run can differ from another (what a single
place might see); the 95% interval says how sure we are of the median
difference (it narrows as replicates are added).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from integration_sim.errors import InputError
from integration_sim.metrics import METRICS, RUN_COLUMNS, Ratio, metric_info, run_view
from integration_sim.metrics import effects as run_effects

PAIR_COLUMNS = [
    "strategy",
    "baseline",
    "replicate",
    "metric",
    "value",
    "baseline_value",
    "difference",
]


def metric_columns(summary: pd.DataFrame) -> list[str]:
    """Numeric summary columns other than the identifiers, in column order."""
    return [
        c
        for c in summary.columns
        if c not in RUN_COLUMNS and pd.api.types.is_numeric_dtype(summary[c])
    ]


def _check(summary: pd.DataFrame, baseline: str) -> None:
    missing = [c for c in ("strategy", "replicate") if c not in summary.columns]
    if missing:
        raise InputError(f"summary lacks column(s) {', '.join(missing)}")
    strategies = list(dict.fromkeys(summary["strategy"]))
    if baseline not in strategies:
        raise InputError(
            f"unknown baseline strategy {baseline!r} (known: {', '.join(map(str, strategies))})"
        )
    if summary.duplicated(["strategy", "replicate"]).any():
        raise InputError("summary has more than one row for a strategy and replicate")


def default_baseline(summary: pd.DataFrame) -> str:
    """The first strategy in the summary (scenario file order)."""
    return str(summary["strategy"].iloc[0])


def paired_samples(
    summary: pd.DataFrame, baseline: str | None = None, metrics: list[str] | None = None
) -> pd.DataFrame:
    """Per-replicate differences ``strategy - baseline``, long form.

    Rows are paired on ``replicate`` (never on row order); a replicate missing
    from either side, or a non-finite value on either side, drops that pair.

    Returns:
        Columns ``strategy, baseline, replicate, metric, value, baseline_value,
        difference`` (metric units, unscaled), for every strategy other than
        the baseline.
    """
    baseline = baseline if baseline is not None else default_baseline(summary)
    _check(summary, baseline)
    metrics = metrics if metrics is not None else metric_columns(summary)
    base = summary[summary["strategy"] == baseline].set_index("replicate")
    frames = []
    for name, rows in summary.groupby("strategy", sort=False, observed=True):
        if name == baseline:
            continue
        rows = rows.set_index("replicate")
        common = rows.index.intersection(base.index).sort_values()
        for metric in metrics:
            a = rows.loc[common, metric].astype(float).to_numpy()
            b = base.loc[common, metric].astype(float).to_numpy()
            ok = np.isfinite(a) & np.isfinite(b)
            frames.append(
                pd.DataFrame(
                    {
                        "strategy": name,
                        "baseline": baseline,
                        "replicate": common.to_numpy()[ok],
                        "metric": metric,
                        "value": a[ok],
                        "baseline_value": b[ok],
                        "difference": a[ok] - b[ok],
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PAIR_COLUMNS)


def bootstrap_median_interval(
    values: np.ndarray, level: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval for the median of ``values``.

    Resamples the values (one per replicate pair) with replacement ``resamples``
    times and returns the ``(1-level)/2`` and ``(1+level)/2`` quantiles of the
    resampled medians. Seeded, so a table is reproducible. NaN when empty.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (np.nan, np.nan)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, values.size, size=(resamples, values.size))
    medians = np.median(values[idx], axis=1)
    lo, hi = np.quantile(medians, [(1 - level) / 2, (1 + level) / 2])
    return (float(lo), float(hi))


INTERVAL_METHOD = (
    "median and 10-90% of per-replicate paired differences (linear quantiles); "
    "95% interval: percentile bootstrap of the median paired difference "
    "({resamples} resamples of replicates, seed {seed})"
)


MIN_PAIRS = 8  # fewer replicate pairs than this: a 95% interval of a median means nothing


def paired_effects(
    records: pd.DataFrame, summary: pd.DataFrame, baseline: str, horizon: int
) -> pd.DataFrame:
    """Per-replicate paired effects (the metrics table's ``paired`` entries), long form.

    Each strategy's run ``r`` is set against the baseline's run ``r`` (same
    seeds) over the strategy's own weeks and localities (see
    :mod:`integration_sim.metrics`). Non-finite effects (e.g. spread when the
    first wave is everywhere) are dropped. Columns as :func:`paired_samples`.
    """
    _check(summary, baseline)
    views = _run_views(records, summary, horizon)
    rows = []
    for (name, rep), run in views.items():
        base = views.get((baseline, rep))
        if name == baseline or base is None:
            continue
        for metric, value in run_effects(run, base).items():
            if np.isfinite(value):
                rows.append((name, baseline, rep, metric, np.nan, np.nan, value))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _run_views(records: pd.DataFrame, summary: pd.DataFrame, horizon: int) -> dict:
    rows = {(str(r["strategy"]), int(r["replicate"])): r for _, r in summary.iterrows()}
    views = {}
    for (name, rep), part in records.groupby(["strategy", "replicate"], observed=True, sort=False):
        row = rows.get((str(name), int(rep)))
        if row is not None:
            views[(str(name), int(rep))] = run_view(part, horizon, row)
    return views


def _interval_words(resamples: int, seed: int, min_pairs: int) -> str:
    return INTERVAL_METHOD.format(resamples=resamples, seed=seed) + (
        f"; no interval from fewer than {min_pairs} pairs or for a quantity the scenario fixes"
    )


def paired_differences(
    summary: pd.DataFrame,
    baseline: str | None = None,
    metrics: list[str] | None = None,
    *,
    effects: pd.DataFrame | None = None,
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
    min_pairs: int = MIN_PAIRS,
) -> pd.DataFrame:
    """Table of outcome differences between each strategy and ``baseline``.

    Args:
        summary: one row per strategy and replicate (``run(...).summary``).
        baseline: strategy everything is compared with (default: the first).
        metrics: per-run summary columns to compare (default: every numeric one).
        effects: paired effects from :func:`paired_effects`, added to the table,
            with the ratios of their medians (the metrics table's ``Ratio`` entries).
        level: coverage of the interval for the median difference.
        resamples: bootstrap resamples.
        seed: bootstrap seed.
        min_pairs: fewest replicate pairs for which an interval is given.

    Returns:
        One row per (strategy, metric): ``n`` pairs, ``baseline_median``,
        ``strategy_median``, ``diff_median``, ``diff_q10``, ``diff_q90``,
        ``ci_low``, ``ci_high`` (bootstrap interval at ``level``; NaN with
        fewer than ``min_pairs`` pairs, for a quantity fixed by the scenario,
        and for an undefined ratio), ``share_better`` (share of pairs where the
        strategy is better, ties counted half; NaN without a better direction),
        ``higher_is_better``, ``paired`` (a paired effect rather than a
        difference of levels), ``note`` and ``interval`` (method, in words).
        Values are in the metric's own units (not scaled for display).
    """
    baseline = baseline if baseline is not None else default_baseline(summary)
    pairs = paired_samples(summary, baseline, metrics)
    if effects is not None and len(effects):
        pairs = pd.concat([pairs, effects[effects["baseline"] == baseline]], ignore_index=True)
    boot = {"level": level, "resamples": resamples, "seed": seed, "min_pairs": min_pairs}
    rows = [
        _difference_row(grp, str(name), str(metric), boot)
        for (name, metric), grp in pairs.groupby(["strategy", "metric"], sort=False, observed=True)
    ]
    if effects is not None:
        rows += _ratio_rows(pairs, boot)
    table = pd.DataFrame(rows)
    if len(table):
        table["interval"] = _interval_words(resamples, seed, min_pairs)
    return table


def _difference_row(grp: pd.DataFrame, name: str, metric: str, boot: dict) -> dict:
    d = grp["difference"].to_numpy(dtype=float)
    info = metric_info(metric)
    lo, hi, note = np.nan, np.nan, ""
    if info.fixed:
        note = "fixed by the scenario"
    elif d.size < boot["min_pairs"]:
        note = f"too few replicate pairs ({d.size}) for an interval"
    else:
        lo, hi = bootstrap_median_interval(d, boot["level"], boot["resamples"], boot["seed"])
    if info.higher_is_better is None or d.size == 0:
        better = np.nan
    else:
        signed = d if info.higher_is_better else -d
        better = float(np.mean((signed > 0) + 0.5 * (signed == 0)))
    return {
        "strategy": name,
        "baseline": grp["baseline"].iloc[0],
        "metric": metric,
        "n": int(d.size),
        "baseline_median": float(np.median(grp["baseline_value"])),
        "strategy_median": float(np.median(grp["value"])),
        "diff_median": float(np.median(d)),
        "diff_q10": float(np.quantile(d, 0.1)),
        "diff_q90": float(np.quantile(d, 0.9)),
        "ci_low": lo,
        "ci_high": hi,
        "share_better": better,
        "higher_is_better": info.higher_is_better,
        "paired": info.paired,
        "note": note,
    }


def _ratio_rows(pairs: pd.DataFrame, boot: dict) -> list[dict]:
    """Rows for the metrics table's ratios: median numerator over median denominator."""
    rows = []
    for info in (m for m in METRICS.values() if m.is_ratio):
        ratio = info.compute
        for name, grp in pairs.groupby("strategy", sort=False, observed=True):
            wide = grp.pivot_table(index="replicate", columns="metric", values="difference")
            if ratio.numerator not in wide or ratio.denominator not in wide:
                continue
            both = wide[[ratio.numerator, ratio.denominator]].dropna().to_numpy()
            value, lo, hi, note = _ratio_of_medians(both, ratio, boot)
            rows.append(
                {
                    "strategy": name,
                    "baseline": grp["baseline"].iloc[0],
                    "metric": info.name,
                    "n": len(both),
                    "diff_median": value,
                    "ci_low": lo,
                    "ci_high": hi,
                    "higher_is_better": info.higher_is_better,
                    "paired": True,
                    "note": note,
                }
            )
    return rows


def _ratio_of_medians(
    both: np.ndarray, ratio: Ratio, boot: dict
) -> tuple[float, float, float, str]:
    """(value, interval low, high, note) of median(column 0) / (scale * median(column 1))."""
    nan = float("nan")
    n, scale = len(both), ratio.denominator_scale
    below = metric_info(ratio.denominator).label.lower()
    if n < boot["min_pairs"]:
        return nan, nan, nan, f"undefined: too few replicate pairs ({n}) to tell {below} from zero"
    if metric_info(ratio.numerator).fixed and np.allclose(both[:, 0], 0.0, atol=0.5):
        return nan, nan, nan, f"undefined: no {metric_info(ratio.numerator).label.lower()}"
    den = both[:, 1]
    lo, _ = bootstrap_median_interval(den, boot["level"], boot["resamples"], boot["seed"])
    if not lo > 0:
        return nan, nan, nan, f"undefined: {below} could be zero"
    value = float(np.median(both[:, 0]) / (scale * np.median(den)))
    rng = np.random.default_rng(boot["seed"])
    idx = rng.integers(0, n, size=(boot["resamples"], n))
    ratios = np.median(both[idx, 0], axis=1) / (scale * np.median(both[idx, 1], axis=1))
    q = np.quantile(ratios, [(1 - boot["level"]) / 2, (1 + boot["level"]) / 2])
    return value, float(q[0]), float(q[1]), ""


def strategy_summary(summary: pd.DataFrame, metrics: list[str] | None = None) -> pd.DataFrame:
    """Median, 10% and 90% quantiles of each metric per strategy (long form).

    Non-finite values (e.g. cost per point when there was no gain) are left out;
    ``n`` counts the finite ones.
    """
    metrics = metrics if metrics is not None else metric_columns(summary)
    rows = []
    for name, grp in summary.groupby("strategy", sort=False, observed=True):
        for metric in metrics:
            v = grp[metric].astype(float).to_numpy()
            v = v[np.isfinite(v)]
            q10, q50, q90 = np.quantile(v, [0.1, 0.5, 0.9]) if v.size else (np.nan,) * 3
            rows.append(
                {
                    "strategy": name,
                    "metric": metric,
                    "n": int(v.size),
                    "median": float(q50),
                    "q10": float(q10),
                    "q90": float(q90),
                }
            )
    return pd.DataFrame(rows)
