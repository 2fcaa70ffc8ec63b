"""Records, summaries and tallies built from arrays agree with the pandas and NumPy
formulations they replaced, to the bit (the golden digests check whole runs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import make_scenario
from scipy import sparse

from integration_sim.calibration.abc import run_tallies
from integration_sim.engine.recorder import _eligible_by_group
from integration_sim.metrics import _row_sum, _window_mean, weekly_values
from integration_sim.results import stack_records
from integration_sim.runs import simulate


@pytest.fixture(scope="module")
def runs():
    s = make_scenario({"horizon_weeks": 30})
    return [simulate(s, name, replicate=r) for name in list(s.strategies)[:2] for r in range(2)]


def test_weekly_values_are_the_pivot_table_of_the_records(runs):
    records = runs[0].records
    agg = records[(records["organisation_type"] == "all") & (records["behaviour"] == "all")]
    wide = agg.pivot_table(
        index="week", columns=["metric", "locality"], values="value", observed=True, dropna=False
    )
    weeks, keys, grid = weekly_values(
        records, ["metric", "locality"], organisation_type="all", behaviour="all"
    )
    assert np.array_equal(weeks, wide.index.to_numpy())
    assert keys == list(wide.columns)
    assert np.array_equal(grid, wide.to_numpy(), equal_nan=True)


def test_weekly_values_average_repeated_cells_as_pivot_table_does(runs):
    records = runs[0].records
    twice = pd.concat([records, records.assign(value=records["value"] * 3)], ignore_index=True)
    weeks, keys, grid = weekly_values(twice, ["metric", "locality"], behaviour="all")
    wide = twice[twice["behaviour"] == "all"].pivot_table(
        index="week", columns=["metric", "locality"], values="value", observed=True, dropna=False
    )
    assert keys == list(wide.columns)
    assert np.array_equal(grid, wide.to_numpy(), equal_nan=True)


def test_window_means_and_row_sums_match_pandas_bit_for_bit():
    rng = np.random.default_rng(5)
    weeks = np.arange(200)
    for k in (1, 3, 8, 9, 17):
        values = rng.lognormal(3.0, 2.0, size=(200, k))
        values[rng.random(values.shape) < 0.1] = np.nan
        frame = pd.DataFrame(values, index=pd.Index(weeks, name="week"))
        series = frame[0]
        for start, stop in ((0, 200), (37, 50), (150, 163), (300, 400)):
            part = series[(series.index >= start) & (series.index < stop)]
            expected = float(part.mean()) if len(part) else float("nan")
            got = _window_mean(weeks, values[:, 0], start, stop)
            assert np.array_equal(got, expected, equal_nan=True)
        cols = list(range(k))
        expected = frame[cols].sum(axis=1).to_numpy()
        assert np.array_equal(_row_sum([values[:, j] for j in cols], 200), expected)


def test_runs_stack_as_concatenated_strings_made_categorical(runs):
    frames = [r.records for r in runs]
    old = pd.concat([f.astype({"strategy": str}) for f in frames], ignore_index=True)
    for col in ("strategy", "locality", "organisation_type", "behaviour", "metric"):
        old[col] = old[col].astype(str).astype("category")
    pd.testing.assert_frame_equal(stack_records(frames), old, check_exact=True)


def test_a_run_without_weekly_records_keeps_the_same_tallies():
    s = make_scenario({"horizon_weeks": 20})
    name = list(s.strategies)[-1]
    full = simulate(s, name, seed=4, tallies=True).tallies
    alone = run_tallies(s, name, seed=4)
    for field, value in vars(full).items():
        other = getattr(alone, field)
        if isinstance(value, np.ndarray):
            assert value.dtype == other.dtype and np.array_equal(value, other), field
        else:
            assert value == other, field
    assert full.encounters.sum() > 0  # the comparison covers real counts


def test_eligible_counts_by_group_equal_the_one_hot_product() -> None:
    """Eligible practitioners per group and behaviour are the one-hot matrix product the
    records' set-up used, bit for bit (groups 3 and 6 have nobody)."""
    rng = np.random.default_rng(4)
    key = rng.choice([0, 1, 2, 4, 5], size=500).astype(np.int16)
    eligible = rng.random((500, 4)) < 0.6
    one_hot = sparse.csr_matrix(
        (np.ones(500), (key.astype(np.int64), np.arange(500))), shape=(7, 500)
    )
    want = one_hot @ eligible.astype(float)
    got = _eligible_by_group(key, 7, eligible)
    assert got.dtype == want.dtype and (got.view(np.uint64) == want.view(np.uint64)).all()
