"""Sums that round exactly as NumPy's, for compiled kernels that replace NumPy calls.

NumPy sums a contiguous float64 array pairwise: up to 8 values plainly, up to 128
with eight running sums, larger ranges split in two and the halves added. A kernel
that sums the same values in the same way gets the same bits. ``row_mean`` is inlined
into the kernels that use it: for a row of a few values, a call costs more than the sum.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def block_sum(a, lo, n):
    """NumPy's sum of at most 128 values: plainly below 8, else eight running sums."""
    if n < 8:
        total = 0.0
        for i in range(lo, lo + n):
            total += a[i]
        return total
    # Eight running sums in locals (an array of eight cost an allocation per block).
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - n % 8:
        j = lo + i
        r0, r1, r2, r3 = r0 + a[j], r1 + a[j + 1], r2 + a[j + 2], r3 + a[j + 3]
        r4, r5, r6, r7 = r4 + a[j + 4], r5 + a[j + 5], r6 + a[j + 6], r7 + a[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[lo + i]
        i += 1
    return total


@numba.njit(cache=True)
def pairwise_sum(a, lo, n):
    """Sum of ``a[lo:lo + n]`` rounded as NumPy's ``sum`` of a contiguous float64 array
    rounds it: blocks of up to 128 values, larger ranges split in two (the first half a
    multiple of 8) and the halves' sums added. Written with a stack, not recursion:
    numba cannot load recursive functions from its cache."""
    if n <= 128:
        return block_sum(a, lo, n)
    todo = np.empty((192, 3), np.int64)  # (start, length, halves done?): depth < 64
    sums = np.empty(64)
    top, done = 0, 0
    todo[0] = (lo, n, 0)
    while top >= 0:
        start, size, split = todo[top]
        top -= 1
        if size <= 128:
            sums[done] = block_sum(a, start, size)
            done += 1
        elif split:  # both halves summed: add them, first + second
            sums[done - 2] = sums[done - 2] + sums[done - 1]
            done -= 1
        else:
            half = size // 2
            half -= half % 8
            todo[top + 1] = (start, size, 1)
            todo[top + 2] = (start + half, size - half, 0)
            todo[top + 3] = (start, half, 0)  # on top: summed first
            top += 3
    return sums[0]


@numba.njit(cache=True, inline="always")
def row_mean(values, i):
    """Mean of row ``i`` of ``values`` [N, B], as NumPy's ``mean(axis=1)`` gives it (0 for
    an empty row)."""
    nb = values.shape[1]
    if nb == 0:
        return 0.0
    if nb < 8:  # the usual case, without a row view
        total = 0.0
        for b in range(nb):
            total += values[i, b]
        return total / nb
    return pairwise_sum(values[i], 0, nb) / nb


@numba.njit(cache=True)
def group_sums(group, first, second, n_groups):
    """Sums of ``first`` and ``second`` [N] over each group [G] (``group`` [N] in 0..G-1),
    each adding its rows in row order, as ``np.bincount`` with weights does. A group's two
    sums stay in registers while its rows follow each other (staff are listed by unit), so
    each row costs no store and reload: the same additions in the same order."""
    one, two = np.zeros(n_groups), np.zeros(n_groups)
    current, a, b = -1, 0.0, 0.0  # the group being summed, its sums so far
    for i in range(group.size):
        k = group[i]
        if k != current:
            if current >= 0:
                one[current], two[current] = a, b
            current, a, b = k, one[k], two[k]
        a += first[i]
        b += second[i]
    if current >= 0:
        one[current], two[current] = a, b
    return one, two
