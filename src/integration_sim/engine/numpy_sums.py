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
    r = a[lo : lo + 8].copy()
    i = 8
    while i < n - n % 8:
        for k in range(8):
            r[k] += a[lo + i + k]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
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
