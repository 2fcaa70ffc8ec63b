"""The compiled kernels give exactly what the array code they replaced gave.

The references here are the plain NumPy/scipy formulations (a scipy sparse
product, scipy's Poisson quantile, the logistic via scipy's expit); the kernels
must match them bit for bit, which is what keeps results identical across the
speed-up (see docs/performance.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse, special, stats

from integration_sim.engine import behaviour as rules
from integration_sim.engine import tie_kernels, tie_slots
from integration_sim.engine.cases import poisson_quantile
from integration_sim.engine.network import CROSS, WITHIN, TieTable


def _random_table(rng: np.random.Generator, n: int = 300, ties: int = 2000) -> TieTable:
    u, v = rng.integers(0, n, ties), rng.integers(0, n, ties)
    table = TieTable(n, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
    table.add(u, v, 0.5, WITHIN)
    table.trust[:] = rng.random(table.size)
    table.weighted_sum(np.ones((n, 1), np.float32))  # build the matrix
    # Pending ties, added week by week, many on a few hubs in the middle of the rows
    # (so they are both ends of ties): their order of summation matters.
    for _ in range(3):
        table.add(rng.integers(n // 2, n // 2 + 3, 30), rng.integers(0, n, 30), 0.3, CROSS)
    table.trust[table.structure :] = rng.random(table.size - table.structure)
    table.lose_at(rng.choice(table.size, 40, replace=False))  # lost, in slots and pending
    return table


def _scipy_product(table: TieTable, weights: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The scipy formulation the kernels replaced: CSR slots, then pending ties apart."""
    indptr, indices, perm, u, v, structure = table.adjacency()
    n = table.n
    csr = sparse.csr_matrix((weights[perm].astype(np.float32), indices, indptr), shape=(n, n))
    out = csr @ x
    pu, pv = u[structure:], v[structure:]
    w = weights[structure:].astype(np.float32)
    pending = sparse.csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([pu, pv]), np.concatenate([pv, pu]))),
        shape=(n, n),
    )
    return np.asarray(out + pending @ x, dtype=float)


# (behaviours, counted columns): within one register of lanes (the usual pass), and wider.
SIGNAL_SHAPES = [(4, [1, 3]), (5, [2]), (5, []), (1, [0]), (6, [1]), (5, [0, 1, 4])]


@pytest.mark.parametrize(("behaviours", "columns"), SIGNAL_SHAPES)
def test_tie_sums_equal_scipy_sparse_products_bit_for_bit(behaviours, columns) -> None:
    rng = np.random.default_rng(11)
    table = _random_table(rng)
    assert table.size > table.structure  # pending ties are exercised
    performed = rng.random((table.n, behaviours)) < 0.4
    x = np.hstack([performed, np.ones((table.n, 1))]).astype(np.float32)
    assert np.array_equal(table.weighted_sum(x), _scipy_product(table, table.trust, x))
    live = (table.layer >= 0).astype(float)
    assert np.array_equal(table.count_sum(x), _scipy_product(table, live, x))
    sums, counts = table.signal_sums(performed, np.array(columns, dtype=np.int64))
    assert np.array_equal(sums.astype(float), _scipy_product(table, table.trust, x))
    assert np.array_equal(counts, _scipy_product(table, live, x)[:, columns].astype(int))


def test_social_signals_equal_share_and_counts_computed_apart() -> None:
    rng = np.random.default_rng(12)
    table = _random_table(rng)
    performed = rng.random((table.n, 3)) < 0.5
    x = np.hstack([performed, np.ones((table.n, 1))]).astype(np.float32)
    both = _scipy_product(table, table.trust, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(both[:, -1:] > 0, both[:, :-1] / both[:, -1:], 0.0)
    share, counts = rules.social_signals(table, performed, columns=np.array([2]))
    assert np.array_equal(share, expected)
    assert np.array_equal(counts, rules.neighbour_counts(table, performed, np.array([2])))
    assert np.all(counts[:, :2] == 0)


def test_ties_of_and_add_agree_with_a_plain_search() -> None:
    rng = np.random.default_rng(13)
    table = _random_table(rng)
    rows = np.array([3, 17, 250])
    live = np.flatnonzero(table.layer >= 0)
    touching = live[np.isin(table.u[live], rows) | np.isin(table.v[live], rows)]
    assert np.array_equal(table.ties_of(rows), touching)
    existing = {(a, b) for a, b in zip(table.u[live], table.v[live], strict=True)}
    lo, hi = rng.integers(0, table.n, 500), rng.integers(0, table.n, 500)
    fresh = {(min(a, b), max(a, b)) for a, b in zip(lo, hi, strict=True) if a != b} - existing
    pending_lost = {
        (a, b)
        for a, b, layer in zip(
            table.u[table.structure :],
            table.v[table.structure :],
            table.layer[table.structure :],
            strict=True,
        )
        if layer < 0
    }  # a tie lost while pending cannot form again before the next rebuild
    before = table.size
    assert table.add(lo, hi, 0.2, CROSS) == len(fresh - pending_lost)
    added = list(zip(table.u[before:], table.v[before:], strict=True))
    assert set(added) == fresh - pending_lost and added == sorted(added)


def _sorted_slots(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """The slots as the table's rebuild laid them out before: a stable sort of the keys."""
    e = u.size
    degree = np.bincount(u, minlength=n) + np.bincount(v, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(degree)]).astype(np.int64)
    cols = np.concatenate([v, u]).astype(np.int64)
    order = np.argsort(np.concatenate([u, v]).astype(np.int64) * n + cols, kind="stable")
    return indptr, cols[order].astype(np.int32), order % max(e, 1)


@pytest.mark.parametrize("ties", [0, 1, 7, 3000])
def test_slot_layout_equals_the_stable_sort_of_keys(ties) -> None:
    """Counted slots equal the sorted ones exactly: rows sorted by neighbour, repeated
    ties (and a self-tie) in tie order, practitioners without ties (the last 50) empty."""
    rng = np.random.default_rng(ties)
    n = 400
    u, v = rng.integers(0, n - 50, (2, ties)).astype(np.int32)
    if ties > 7:
        u[-200:], v[-200:] = u[:200], v[:200]  # repeats
        u[0] = v[0]  # a self-tie
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    got = tie_slots.slot_layout(lo, hi, n)
    for a, b in zip(got, _sorted_slots(lo, hi, n), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.parametrize("pairs", [0, 5, 60, 5000])  # sorted (few) and counted (many)
def test_pair_order_is_the_stable_sort_of_pair_keys(pairs) -> None:
    rng = np.random.default_rng(pairs)
    n = 200
    lo, hi = rng.integers(0, n, (2, pairs))
    lo[pairs // 2 :] = lo[: pairs - pairs // 2]  # repeated pairs keep their order
    hi[pairs // 2 :] = hi[: pairs - pairs // 2]
    want = np.argsort(lo * n + hi, kind="stable")
    assert np.array_equal(tie_slots.pair_order(lo, hi, n), want)


def test_perform_probability_equals_the_array_formula() -> None:
    rng = np.random.default_rng(14)
    n, b = 500, 3
    rule = rules.Rule(
        intercept=np.array([-1.0, -0.5, 0.2]),
        capability=np.array([1.0, 2.0, 0.5]),
        opportunity=np.array([0.5, 1.0, 1.5]),
        motivation=np.array([1.2, 0.3, 0.8]),
        habit=np.array([2.0, 1.0, 0.5]),
        social=np.array([1.5, 2.0, 0.7]),
        encounter_rate=np.full(3, 0.5),
        contagion=np.array([rules.LOGISTIC, rules.THRESHOLD, rules.ADDITIVE], dtype=np.int8),
        threshold=np.array([0.0, 2.0, 0.0]),
    )
    cap, hab, share = rng.random((n, b)), rng.random((n, b)), rng.random((n, b))
    opp, mot = rng.random(n), rng.random(n)
    counts = rng.integers(0, 4, (n, b)).astype(float)
    z = rule.capability * cap  # the same order of operations as the old array code
    z += rule.habit * hab
    z += np.outer(opp, rule.opportunity)
    z += np.outer(mot, rule.motivation)
    z += rule.intercept
    z[:, 0] += rule.social[0] * share[:, 0]
    z[:, 1] += rule.social[1] * (counts[:, 1] >= rule.threshold[1])
    p = special.expit(z)
    p[:, 2] = 1.0 - (1.0 - p[:, 2]) * (1.0 - np.minimum(1.0, rule.social[2] * share[:, 2]))
    expected = 0.05 + (1.0 - 0.05) * p
    got = rules.perform_probability(rule, cap, opp, mot, hab, share, counts, 0.05)
    assert np.array_equal(got, expected)


def test_poisson_quantile_matches_scipy_for_small_and_large_means() -> None:
    rng = np.random.default_rng(15)
    u = rng.random(4000)
    for mean in (rng.uniform(0, 30, 4000), rng.uniform(600, 3000, 4000)):  # summed; gamma route
        assert np.array_equal(poisson_quantile(u, mean), stats.poisson.ppf(u, mean).astype(int))
    assert np.all(poisson_quantile(u, 0.0) == 0)


def test_pending_order_and_keys_merged_week_by_week_equal_one_sort() -> None:
    rng = np.random.default_rng(15)
    table = _random_table(rng)
    for _ in range(4):  # ties appended after the order was made: merged in
        table.add(rng.integers(0, table.n, 25), rng.integers(0, table.n, 25), 0.4, CROSS)
        merged = table._pending_order()
        fresh = tie_kernels.pending_order(table.u, table.v, table.structure, table.n)
        assert merged[0].size == 2 * (table.size - table.structure)
        assert all(np.array_equal(a, b) for a, b in zip(merged, fresh, strict=True))
        # The pending keys new ties are checked against, kept add by add: one sort's.
        pending = slice(table.structure, None)
        keys = np.sort(table.u[pending].astype(np.int64) * table.n + table.v[pending])
        assert table._keys is not None and np.array_equal(table._keys, keys)
