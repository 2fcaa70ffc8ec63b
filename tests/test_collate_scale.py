"""Collating finds exactly the conflicts a test of every pair finds, without testing every pair;
large groups are tested against pooled estimates, exactly as defined, in near-linear time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from integration_sim.calibration import collate as c
from integration_sim.calibration import pooled_conflicts as pc
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
    monkeypatch.setattr(c, "PAIRWISE_ROWS", 10**6)
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
    monkeypatch.setattr(c, "PAIRWISE_ROWS", 10**6)
    listed = c._conflicts(synthetic(180, 1))
    assert any(s.endswith("; and more") for s in listed)
    assert all(s.count("(p=") <= 2 for s in listed)


def pooled_by_definition(group: pd.DataFrame) -> dict[int, float]:
    """The large-group definition, literally: each row against the sum of every other
    locator's rows over overlapping weeks, with scipy's distributions."""
    out = {}
    for i, a in group.iterrows():
        others = group[
            (group["locator"] != a["locator"])
            & (group["start_week"] <= a["end_week"])
            & (a["start_week"] <= group["end_week"])
        ]
        if not len(others):
            continue
        if a["kind"] == "proportion":
            k, n = a["numerator"], a["denominator"]
            law = stats.hypergeom(n + others["denominator"].sum(), k + others["numerator"].sum(), n)
            p = min(1.0, 2 * min(law.cdf(k), law.sf(k - 1)))
        elif a["kind"] == "rate":
            k, e = a["count"], a["exposure"]
            law = stats.binom(k + others["count"].sum(), e / (e + others["exposure"].sum()))
            p = min(1.0, 2 * min(law.cdf(k), law.sf(k - 1)))
        else:
            n = others["n"].sum()
            mean = (others["n"] * others["mean"]).sum() / n
            var = (others["n"] * others["sd"] ** 2).sum() / n**2
            z = (a["mean"] - mean) / np.sqrt(a["sd"] ** 2 / a["n"] + var)
            p = 2 * stats.norm.sf(abs(z))
        out[i] = p
    return out


def test_large_groups_are_tested_against_the_pooled_other_locators(monkeypatch) -> None:
    monkeypatch.setattr(c, "PAIRWISE_ROWS", 20)
    monkeypatch.setattr(c, "equality_p_value", lambda a, b: 1 / 0)  # no pair is tested
    df = synthetic(240, 4)
    listed = c._conflicts(df)
    expected: dict[int, float] = {}
    for _, group in df.groupby(c.KEY):
        assert len(group) > 20
        expected |= pooled_by_definition(group)
    flagged = {i for i, p in expected.items() if p < c.CONFLICT_P}
    assert {i for i, s in enumerate(listed) if s} == flagged
    assert 20 < len(flagged) < len(df) - 20  # some rows agree with the rest, some do not
    for i in flagged:
        assert f"(p={expected[i]:.2g})" in listed[i]
        assert listed[i].count("(") <= 1 + pc.EXAMPLES


def test_pooled_test_flags_the_odd_locator_not_the_rest(monkeypatch) -> None:
    monkeypatch.setattr(c, "PAIRWISE_ROWS", 10)
    # 6 locators x 15 rows over the same weeks; L0 reports 70%, the others 30%. Each
    # other row's pool is 38% (L0 included), z = 1.6 from 30%: no conflict.
    df = synthetic(90, 2).assign(kind="proportion", denominator=100.0, start_week=0, end_week=9)
    df["locator"] = [f"L{i % 6}" for i in range(90)]
    odd = df["locator"] == "L0"
    df["numerator"] = np.where(odd, 70.0, 30.0)
    df["estimate"] = df["numerator"] / df["denominator"]
    listed = np.array(c._conflicts(df))
    assert (listed[odd.to_numpy()] != "").all()
    assert (listed[~odd.to_numpy()] == "").all()  # each of them agrees with the pool
    assert all("farthest: " in s for s in listed[odd.to_numpy()])


def test_hypergeometric_tails_equal_scipy() -> None:
    rng = np.random.default_rng(0)
    total = rng.integers(2, 5000, 300).astype(float)
    good, drawn = np.floor(total * rng.random(300)), np.floor(total * rng.random(300))
    low, high = np.maximum(0, drawn + good - total), np.minimum(good, drawn)
    x = np.floor(low + (high - low) * rng.random(300))
    law = stats.hypergeom(total, good, drawn)
    expected = np.minimum(1, 2 * np.minimum(law.cdf(x), law.sf(x - 1)))
    assert np.allclose(pc.hypergeom_doubled(x, total, good, drawn), expected, rtol=1e-9, atol=0)
    assert np.isnan(pc.hypergeom_doubled(np.array([5.0]), *np.array([[10.0], [3.0], [4.0]])))[0]


def test_overlapping_sums_equal_a_loop() -> None:
    rng = np.random.default_rng(3)
    start = rng.integers(0, 30, 200).astype(float)
    end = start + rng.integers(0, 10, 200)
    values = rng.random((200, 2))
    overlap = (start[:, None] <= end[None, :]) & (start[None, :] <= end[:, None])
    assert np.allclose(pc.overlapping_sums(start, end, values), overlap @ values)


def test_report_of_a_large_file_lists_a_bounded_number_of_flagged_rows(monkeypatch) -> None:
    from integration_sim.calibration import collate_report

    monkeypatch.setattr(collate_report, "MAX_TABLE_ROWS", 5)
    monkeypatch.setattr(collate_report, "MAX_CHART_ROWS", 10)  # no charts: not under test
    collated = c.collate(synthetic(300, 1).assign(source_file="s.csv"))
    flagged = collated.measurements[collated.measurements["conflicts_with"] != ""]
    assert len(flagged) > 50
    html = collate_report.report_html(collated)
    assert f"{len(flagged)} rows are flagged; the first 5 are shown" in html
    shown = [i for i in flagged["measurement_id"] if f"<td>{i}</td>" in html]
    assert 1 <= len(shown) <= 5 + 5  # the flagged table and the behaviour's own table
