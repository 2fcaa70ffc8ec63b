"""The tie table's slots (``network.TieTable``'s CSR layout), built by counting.

Each tie (u, v) fills two slots, one in each end's row; a row's slots are sorted by
neighbour, and slots of equal (row, neighbour) (repeated ties) keep the order of
their ties. That is the stable sort of the key ``row * n + neighbour`` over the ties'
ends as [u, v] then [v, u], which a stable counting sort by neighbour followed by one
by row gives in two passes over the ends: the same slots, not O(E log E) work.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def slot_layout(u, v, n):
    """(indptr int64 [n + 1], neighbour int32 [2E], tie int64 [2E]) of the slots of ties
    (u, v) [E] among ``n`` practitioners: row r's slots are ``indptr[r]:indptr[r + 1]``."""
    e = u.size
    count = np.zeros(n + 1, np.int64)  # slots per row (ends), shifted by one
    for k in range(e):
        count[u[k] + 1] += 1
        count[v[k] + 1] += 1
    indptr = np.cumsum(count)  # count[0] = 0: row offsets
    # Pass 1: end positions k (k < E: tie k from u; else tie k - E from v) by neighbour.
    fill = indptr[:-1].copy()
    by_neighbour = np.empty(2 * e, np.int64)
    for k in range(2 * e):
        other = v[k] if k < e else u[k - e]
        by_neighbour[fill[other]] = k
        fill[other] += 1
    # Pass 2: by row, stable, so each row's slots stay sorted by neighbour.
    fill = indptr[:-1].copy()
    neighbour = np.empty(2 * e, np.int32)
    tie = np.empty(2 * e, np.int64)
    for k in by_neighbour:
        row, other, t = (u[k], v[k], k) if k < e else (v[k - e], u[k - e], k - e)
        neighbour[fill[row]] = other
        tie[fill[row]] = t
        fill[row] += 1
    return indptr, neighbour, tie


@numba.njit(cache=True)
def pair_order(lo, hi, n):
    """The stable order of pairs (lo, hi) [K] of practitioners (in [0, n)) by key
    ``lo * n + hi``: ``np.argsort(keys, kind="mergesort")``'s order. Many pairs (a
    place's first ties) are counted, by ``hi`` then by ``lo``; a few (a week's) are
    sorted, which costs less than two passes over n counters."""
    k = lo.size
    if k < n // 4:
        return np.argsort(lo.astype(np.int64) * n + hi, kind="mergesort")
    by_hi = _counted(hi, np.arange(k), n)
    return _counted(lo, by_hi, n)


@numba.njit(cache=True)
def _counted(key, items, n):
    """``items`` stably sorted by ``key[item]`` (a counting sort over keys in [0, n))."""
    fill = np.zeros(n + 1, np.int64)
    for item in items:
        fill[key[item] + 1] += 1
    fill = np.cumsum(fill)
    out = np.empty(items.size, np.int64)
    for item in items:
        out[fill[key[item]]] = item
        fill[key[item]] += 1
    return out
