"""The vector pass of the social signal gives exactly what the scalar loop it replaced gave.

The reference below is the previous kernel written out in plain Python with float32
scalars: per practitioner, each slot's tie adds float32(trust) times the neighbour's
values (0/1) to the weighted lanes and, for a live tie, the neighbour's counted
behaviours to the counts, in slot order; the pending ties are summed apart, in (row,
neighbour) order, and added. The vector pass must match it bit for bit, including
lost ties (weight -0.0 in the pass) and live ties whose trust is exactly 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from integration_sim.engine import tie_kernels
from integration_sim.engine.network import CROSS, WITHIN, TieTable


def _table(rng: np.random.Generator, n: int = 200, ties: int = 1500) -> TieTable:
    table = TieTable(n, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0))
    table.add(rng.integers(0, n, ties), rng.integers(0, n, ties), 0.5, WITHIN)
    table.trust[:] = rng.random(table.size)
    table.weighted_sum(np.ones((n, 1), np.float32))  # build the matrix
    for _ in range(2):  # pending ties, many on a few hubs
        table.add(rng.integers(n // 2, n // 2 + 3, 40), rng.integers(0, n, 40), 0.3, CROSS)
    table.trust[table.structure :] = rng.random(table.size - table.structure)
    live = np.flatnonzero(table.layer >= 0)
    table.trust[rng.choice(live, 30, replace=False)] = 0.0  # live, with no trust at all
    table.trust[rng.choice(live, 10, replace=False)] = 1e-40  # below float32's smallest
    table.lose_at(rng.choice(table.size, 60, replace=False))  # in slots and pending
    table.lose_at(table.ties_of(np.array([7])))  # a practitioner whose ties are all lost
    return table


def _scalar_signal(table: TieTable, performed: np.ndarray, columns: list[int]):
    """The replaced kernel, slot by slot in float32: (sums [N, B + 1], counts [N, C])."""
    indptr, indices, perm, _, _, _ = table.adjacency()
    rows, cols, ties = table._pending_order()
    n, k = performed.shape
    values = np.hstack([performed, np.ones((n, 1))]).astype(np.float32)
    sums = np.zeros((n, k + 1), np.float32)
    extra = np.zeros((n, k + 1), np.float32)
    counts = np.zeros((n, len(columns)), np.int64)
    slots = [(i, indices[s], perm[s], sums) for i in range(n) for s in range(*indptr[i : i + 2])]
    pending = [(r, c, t, extra) for r, c, t in zip(rows, cols, ties, strict=True)]
    for i, j, t, out in slots + pending:
        w = np.float32(table.trust[t])
        for c in range(k + 1):
            out[i, c] = np.float32(out[i, c] + np.float32(w * values[j, c]))
        if table.layer[t] >= 0:
            counts[i] += performed[j, columns]
    return sums + extra, counts


@pytest.mark.parametrize(("behaviours", "columns"), [(5, [2]), (4, [0, 3]), (5, []), (6, [1])])
def test_signal_pass_equals_the_scalar_loop_bit_for_bit(behaviours, columns) -> None:
    rng = np.random.default_rng(21)
    table = _table(rng)
    performed = rng.random((table.n, behaviours)) < 0.4
    sums, counts = table.signal_sums(performed, np.array(columns, dtype=np.int64))
    assert table.size > table.structure and (table.layer < 0).any()  # pending and lost ties
    expected_sums, expected_counts = _scalar_signal(table, performed, columns)
    assert np.array_equal(sums, expected_sums) and np.array_equal(counts, expected_counts)
    assert sums[7, -1] == 0 and not counts[7].any()  # no live tie, nothing counted
    # Enough new ties for a rebuild (lost ties dropped, slots and their diagonal remade).
    table.add(rng.integers(0, table.n, 300), rng.integers(0, table.n, 300), 0.6, CROSS)
    sums, counts = table.signal_sums(performed, np.array(columns, dtype=np.int64))
    assert table.size == table.structure and (table.layer >= 0).all()
    expected_sums, expected_counts = _scalar_signal(table, performed, columns)
    assert np.array_equal(sums, expected_sums) and np.array_equal(counts, expected_counts)


def test_tie_weights_mark_lost_ties_by_the_sign_bit_only() -> None:
    trust = np.array([0.25, 0.0, 0.0, 1.0, 1e-40])
    layer = np.array([WITHIN, WITHIN, -1, CROSS, CROSS], dtype=np.int8)
    weights = tie_kernels.tie_weights(trust, layer)
    assert weights.dtype == np.float32
    assert np.array_equal(np.signbit(weights), [False, False, True, False, False])
    assert np.array_equal(np.abs(weights), trust.astype(np.float32))
