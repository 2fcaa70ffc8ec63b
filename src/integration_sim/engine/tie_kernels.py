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


@numba.njit(cache=True, inline="always")
def _add_tie(sums, counts, i, t, j, w, layer, values, performed, columns):
    """Add neighbour ``j``'s behaviour over tie ``t`` (float32 weight ``w``) to row ``i``
    of the sums and counts.

    ``values`` is ``performed`` as float32 with a column of ones after it, padded with
    zeros to at least 8 columns: a product rather than a branch per behaviour (whose
    outcome the processor cannot predict), over a row the compiler can keep in vector
    registers; each column is summed in the same order, so the sums are the same."""
    for c in range(values.shape[1]):
        sums[i, c] += w * values[j, c]
    if columns.size and layer[t] >= 0:
        for q in range(columns.size):
            counts[i, q] += performed[j, columns[q]]


@numba.njit(cache=True)
def signal_sums(indptr, indices, perm, pending, trust, layer, performed, columns):
    """See ``TieTable.signal_sums``; the weighted sums round exactly as ``sparse_product``."""
    n, k = performed.shape
    width = max(8, k + 1)
    values = np.zeros((n, width), np.float32)
    for i in range(n):
        for c in range(k):
            values[i, c] = np.float32(performed[i, c])
        values[i, k] = 1.0
    # The weights in slot order first: one gather, then the main pass reads them in order.
    weight = np.empty(indptr[n], np.float32)
    for s in range(indptr[n]):
        weight[s] = np.float32(trust[perm[s]])
    sums = np.zeros((n, width), np.float32)
    counts = np.zeros((n, columns.size), np.int64)
    for i in range(n):
        for s in range(indptr[i], indptr[i + 1]):
            w, j = weight[s], indices[s]
            for c in range(width):
                sums[i, c] += w * values[j, c]
        if columns.size:  # counts apart: the weighted sums stay a tight loop
            for s in range(indptr[i], indptr[i + 1]):
                if layer[perm[s]] >= 0:
                    for q in range(columns.size):
                        counts[i, q] += performed[indices[s], columns[q]]
    rows, cols, ties = pending
    if rows.size:
        extra = np.zeros_like(sums)
        for q in range(rows.size):
            t = ties[q]
            w = np.float32(trust[t])
            _add_tie(extra, counts, rows[q], t, cols[q], w, layer, values, performed, columns)
        for i in range(n):
            for c in range(k + 1):
                sums[i, c] += extra[i, c]
    return np.ascontiguousarray(sums[:, : k + 1]), counts


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
