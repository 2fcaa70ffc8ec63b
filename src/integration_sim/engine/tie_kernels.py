"""Compiled passes over the tie table's arrays (see ``network.TieTable``): sums over
each practitioner's ties, the check of new ties against existing ones, and the ties
touching given practitioners.

The sums add in the order scipy's sparse product did (single-precision weights;
pending ties summed as their own row-sorted matrix, then added), which keeps
results bit-identical to the scipy version they replaced (``tests/test_kernels.py``).
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def sparse_product(indptr, indices, perm, u, v, structure, weight, x, out):
    """out += W @ x with W[i, j] = float32(weight[tie]) over the CSR slots, then the pending
    ties (from ``structure`` on) summed apart and added, in scipy's order of operations."""
    n, k = indptr.size - 1, x.shape[1]
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            w = np.float32(weight[perm[s]])
            j = indices[s]
            for c in range(k):
                out[i, c] += w * x[j, c]
    if u.size > structure:
        # scipy summed the pending ties as a matrix of their own (entries sorted by row,
        # then column) and added the result: the same here, so the sums round the same.
        p = u.size - structure
        rows = np.concatenate((u[structure:], v[structure:])).astype(np.int64)
        cols = np.concatenate((v[structure:], u[structure:])).astype(np.int64)
        order = np.argsort(rows * n + cols)
        pending = np.zeros_like(out)
        for q in order:
            w = np.float32(weight[structure + q % p])
            for c in range(k):
                pending[rows[q], c] += w * x[cols[q], c]
        for i in range(n):
            for c in range(k):
                out[i, c] += pending[i, c]


# Lanes of a practitioner's row in the social-signal pass: 8 single-precision values, one
# vector register. The first WEIGHTED lanes are summed with the tie's trust as weight (the
# behaviours, then a lane of ones for the total trust); the others, with weight 1 for a live
# tie, count the neighbours who performed a counted behaviour (whole numbers, exact in
# single precision). One multiply-add of a whole row per tie, rather than a second pass.
LANES, WEIGHTED = 8, 6


@numba.njit(cache=True, inline="always")
def _add_lanes(acc, w, live, x, j):
    """``acc`` plus row ``j`` of ``x`` [N, 8], lanes 0-5 times ``w``, lanes 6-7 times ``live``."""
    return (
        acc[0] + w * x[j, 0], acc[1] + w * x[j, 1], acc[2] + w * x[j, 2],
        acc[3] + w * x[j, 3], acc[4] + w * x[j, 4], acc[5] + w * x[j, 5],
        acc[6] + live * x[j, 6], acc[7] + live * x[j, 7],
    )  # fmt: skip


@numba.njit(cache=True)
def _lane_values(performed, columns):
    """Row values for the pass: behaviours performed (0/1), a one, zeros, the counted
    behaviours in the last lanes; float32 [N, 8]."""
    n, k = performed.shape
    values = np.zeros((n, LANES), np.float32)
    for i in range(n):
        for c in range(k):
            values[i, c] = np.float32(performed[i, c])
        values[i, k] = 1.0
        for q in range(columns.size):
            values[i, WEIGHTED + q] = np.float32(performed[i, columns[q]])
    return values


@numba.njit(cache=True)
def signal_sums(indptr, indices, perm, pending, trust, layer, performed, columns):
    """See ``TieTable.signal_sums``; the weighted sums round exactly as ``sparse_product``
    (each row's terms added in slot order, then the pending ties' sums added)."""
    n, k = performed.shape
    if k + 1 > WEIGHTED or columns.size > LANES - WEIGHTED:  # too wide for one register
        return _signal_sums_wide(indptr, indices, perm, pending, trust, layer, performed, columns)
    values = _lane_values(performed, columns)
    sums = np.empty((n, LANES), np.float32)
    zero = np.float32(0.0)
    for i in range(n):
        acc = (zero, zero, zero, zero, zero, zero, zero, zero)
        for s in range(indptr[i], indptr[i + 1]):
            t = perm[s]  # trust read through the slot's tie: no copy of the weights
            live = np.float32(1.0 if layer[t] >= 0 else 0.0)
            acc = _add_lanes(acc, np.float32(trust[t]), live, values, indices[s])
        for c in range(LANES):
            sums[i, c] = acc[c]
    counts = np.empty((n, columns.size), np.int64)
    for i in range(n):
        for q in range(columns.size):
            counts[i, q] = np.int64(sums[i, WEIGHTED + q])
    _add_pending(sums, counts, pending, trust, layer, values, performed, columns)
    return np.ascontiguousarray(sums[:, : k + 1]), counts


@numba.njit(cache=True, inline="always")
def _add_tie(sums, counts, i, t, j, trust, layer, values, performed, columns):
    """Add neighbour ``j``'s row over tie ``t`` to row ``i`` of the weighted sums (columns
    0..k, weight float32 trust) and, for a live tie, of the counts."""
    w = np.float32(trust[t])
    for c in range(performed.shape[1] + 1):
        sums[i, c] += w * values[j, c]
    if layer[t] >= 0:
        for q in range(columns.size):
            counts[i, q] += performed[j, columns[q]]


@numba.njit(cache=True)
def _add_pending(sums, counts, pending, trust, layer, values, performed, columns):
    """Add the pending ties (both directions, in (row, neighbour) order) as scipy did:
    summed as a matrix of their own, then added to the slots' sums."""
    rows, cols, ties = pending
    if rows.size:
        extra = np.zeros_like(sums)
        for q in range(rows.size):
            _add_tie(
                extra, counts, rows[q], ties[q], cols[q], trust, layer, values, performed, columns
            )
        for i in range(sums.shape[0]):
            for c in range(performed.shape[1] + 1):
                sums[i, c] += extra[i, c]


@numba.njit(cache=True)
def _signal_sums_wide(indptr, indices, perm, pending, trust, layer, performed, columns):
    """``signal_sums`` for more behaviours or counted columns than one register holds."""
    n, k = performed.shape
    values = np.zeros((n, k + 1), np.float32)
    for i in range(n):
        for c in range(k):
            values[i, c] = np.float32(performed[i, c])
        values[i, k] = 1.0
    sums = np.zeros((n, k + 1), np.float32)
    counts = np.zeros((n, columns.size), np.int64)
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            _add_tie(sums, counts, i, perm[s], indices[s], trust, layer, values, performed, columns)
    _add_pending(sums, counts, pending, trust, layer, values, performed, columns)
    return sums, counts


def pending_order(u, v, structure, n, rows=None, cols=None, ties=None):
    """Both directions of the pending ties (from ``structure`` on), sorted by (row,
    neighbour) as scipy summed them: rows, neighbours and tie positions. Given the order
    of the first pending ties (``rows``, ``cols``, ``ties``), only the ties appended since
    are sorted, then merged in. The pairs are distinct, so any sort gives this one order."""
    if rows is None:
        return _merge_pending(u, v, structure, n, *(np.zeros(0, np.int64),) * 3)
    return _merge_pending(u, v, structure, n, rows, cols, ties)


@numba.njit(cache=True)
def _merge_pending(u, v, structure, n, rows, cols, ties):
    first = structure + ties.size // 2  # the first tie not yet in the order
    p = u.size - first
    new_rows, new_cols, new_ties = (
        np.empty(2 * p, np.int64),
        np.empty(2 * p, np.int64),
        np.empty(2 * p, np.int64),
    )
    for q in range(p):
        new_rows[q], new_cols[q] = u[first + q], v[first + q]
        new_rows[p + q], new_cols[p + q] = v[first + q], u[first + q]
        new_ties[q] = new_ties[p + q] = first + q
    order = np.argsort(new_rows * n + new_cols)
    m = rows.size + 2 * p
    out_rows, out_cols, out_ties = (
        np.empty(m, np.int64),
        np.empty(m, np.int64),
        np.empty(m, np.int64),
    )
    a = b = 0
    for k in range(m):
        take_old = b == 2 * p or (
            a < rows.size and rows[a] * n + cols[a] < new_rows[order[b]] * n + new_cols[order[b]]
        )
        if take_old:
            out_rows[k], out_cols[k], out_ties[k] = rows[a], cols[a], ties[a]
            a += 1
        else:
            q = order[b]
            out_rows[k], out_cols[k], out_ties[k] = new_rows[q], new_cols[q], new_ties[q]
            b += 1
    return out_rows, out_cols, out_ties


@numba.njit(cache=True)
def new_ties(lo, hi, n, indptr, indices, perm, layer, u, v, structure):
    """Positions in (lo, hi) of the pairs to add, in order of pair key: the first of each
    distinct pair with lo != hi that is neither a live tie in the slots nor pending."""
    keys = lo * n + hi
    pending = np.sort(u[structure:].astype(np.int64) * n + v[structure:])
    order = np.argsort(keys, kind="mergesort")  # stable: the first of repeats wins
    keep = np.empty(order.size, np.int64)
    m = 0
    previous = -1
    for q in order:
        key = keys[q]
        if lo[q] == hi[q] or key == previous:
            continue
        previous = key
        a, b = indptr[lo[q]], indptr[lo[q] + 1]  # row lo's neighbours, sorted
        pos = a + np.searchsorted(indices[a:b], hi[q])
        if pos < b and indices[pos] == hi[q] and layer[perm[pos]] >= 0:
            continue
        pos = np.searchsorted(pending, key)
        if pos < pending.size and pending[pos] == key:
            continue
        keep[m] = q
        m += 1
    return keep[:m]


@numba.njit(cache=True)
def ties_touching(indptr, perm, u, v, structure, rows):
    """Tie positions (with repeats, lost ones included) touching any of ``rows``."""
    mark = np.zeros(indptr.size - 1, np.bool_)
    count = 0
    for r in rows:
        mark[r] = True
        count += indptr[r + 1] - indptr[r]
    found = np.empty(count + u.size - structure, np.int64)
    m = 0
    for r in rows:
        for s in range(indptr[r], indptr[r + 1]):
            found[m] = perm[s]
            m += 1
    for e in range(structure, u.size):
        if mark[u[e]] or mark[v[e]]:
            found[m] = e
            m += 1
    return found[:m]
