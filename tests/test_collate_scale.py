"""Collating finds exactly the conflicts a test of every pair finds, without testing every pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from integration_sim.calibration import collate as c
from integration_sim.calibration.format import OUTPUT_COLUMNS


def synthetic(n: int, seed: int) -> pd.DataFrame:
    """``n`` measurements of one thing by 6 locators, small and large samples, all kinds."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(["proportion", "rate", "score"], n)
    df = pd.DataFrame({col: [None] * n for col in OUTPUT_COLUMNS})
    denominator = rng.choice([3, 10, 40, 200], n).astype(float)
    true_p = rng.choice([0.05, 0.3, 0.35, 0.9], n)
    numerator = rng.binomial(denominator.astype(int), true_p).astype(float)
    exposure = rng.choice([5.0, 50.0, 400.0], n)
    count = rng.poisson(exposure * rng.choice([0.1, 0.5], n)).astype(float)
    mean = rng.choice([0.3, 0.6], n) + rng.normal(0, 0.05, n)
    sd, size = rng.choice([0.1, 0.3], n), rng.choice([5.0, 50.0], n)
    df = df.assign(
        measurement_id=[f"m{i}" for i in range(n)],
        locator=rng.choice([f"L{k}" for k in range(6)], n),
        behaviour="joint_assessment",
        from_type="a",
        to_type="b",
        locality="N",
        kind=kind,
        scale="",
        start_week=rng.integers(0, 40, n),
        numerator=np.where(kind == "proportion", numerator, np.nan),
        denominator=np.where(kind == "proportion", denominator, np.nan),
        count=np.where(kind == "rate", count, np.nan),
        exposure=np.where(kind == "rate", exposure, np.nan),
        mean=np.where(kind == "score", mean, np.nan),
        sd=np.where(kind == "score", sd, np.nan),
        n=np.where(kind == "score", size, np.nan),
    )
    df["end_week"] = df["start_week"] + rng.integers(0, 20, n)
    df["estimate"] = np.select(
        [kind == "proportion", kind == "rate"],
        [df["numerator"] / df["denominator"], df["count"] / df["exposure"]],
        df["mean"],
    )
    return df


def every_pair(df: pd.DataFrame) -> list[str]:
    """The definition, literally: test every pair of rows from different locators."""
    found: dict[int, list[str]] = {i: [] for i in range(len(df))}
    for _, group in df[df["estimate"].notna()].groupby(c.KEY, dropna=False, sort=False):
        idx = list(group.index)
        for k, i in enumerate(idx):
            for j in idx[k + 1 :]:
                a, b = df.loc[i], df.loc[j]
                if a["locator"] == b["locator"] or not c._overlap(a, b):
                    continue
                p = c.equality_p_value(a, b)
                if p < c.CONFLICT_P:
                    found[i].append(f"{b['measurement_id']} (p={p:.2g})")
                    found[j].append(f"{a['measurement_id']} (p={p:.2g})")
    return ["; ".join(found[i]) for i in range(len(df))]


def test_screened_conflicts_equal_every_pair_tests(monkeypatch) -> None:
    monkeypatch.setattr(c, "MAX_LISTED", 10**6)
    for seed in range(3):
        df = synthetic(100, seed)
        fast = c._conflicts(df)
        assert fast == every_pair(df)
        assert sum(bool(x) for x in fast) > 10  # the data do have conflicts to find


def test_screening_tests_far_fewer_pairs_than_every_pair(monkeypatch) -> None:
    df = synthetic(300, 7)
    tested = []
    real = c.equality_p_value
    monkeypatch.setattr(c, "equality_p_value", lambda a, b: tested.append(1) or real(a, b))
    c._conflicts(df)
    # Every pair from different locators over overlapping weeks is what a pairwise test tests.
    loc, start, end = (df[k].to_numpy() for k in ("locator", "start_week", "end_week"))
    comparable = (
        (loc[:, None] != loc[None, :])
        & (start[:, None] <= end[None, :])
        & (start[None, :] <= end[:, None])
    )
    pairwise = int(np.triu(comparable, 1).sum())
    assert len(tested) < pairwise / 3


def test_long_conflict_lists_are_cut_with_a_count(monkeypatch) -> None:
    monkeypatch.setattr(c, "MAX_LISTED", 2)
    listed = c._conflicts(synthetic(180, 1))
    assert any(s.endswith("; and more") for s in listed)
    assert all(s.count("(p=") <= 2 for s in listed)
