"""Compiled passes over the tie table's arrays (see ``network.TieTable``): sums over
each practitioner's ties, the check of new ties against existing ones, and the ties
touching given practitioners.

The sums add in the order scipy's sparse product did (single-precision weights;
pending ties summed as their own row-sorted matrix, then added), which keeps
results bit-identical to the scipy version they replaced (``tests/test_kernels.py``).
The social signal's pass (``signal_sums``) is written partly in LLVM vector operations
(``add_row``), still with one single-precision multiply and add per term in that order
(``tests/test_signal_kernel.py``).
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from integration_sim.engine import tie_slots


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


# Lanes of a practitioner's row in the social-signal pass: 8 values (stored as bytes, summed
# in single precision), one vector register. The first WEIGHTED lanes are summed with the
# tie's trust as weight (the behaviours, then a lane of ones for the total trust); the
# others, with weight 1 for a live tie, count the neighbours who performed a counted
# behaviour (whole numbers, exact in single precision). One multiply-add of a whole row
# per tie, rather than a second pass.
LANES, WEIGHTED = 8, 6


@intrinsic
def add_row(typingctx, i, lo, hi, indices, perm, weights, values, sums):
    """Finish row ``i`` of ``sums`` (float32 [N, 8], holding the terms of its neighbours
    below ``i``) over its slots ``lo <= s < hi`` to neighbours above ``i``, and start
    theirs: for each such slot, row i adds ``values[indices[s]]`` and row
    ``indices[s]`` adds ``values[i]`` (uint8 0/1, converted exactly to float32), lanes
    0-5 times the tie's weight ``weights[perm[s]]`` (see ``tie_weights``), lanes 6-7
    times 1 for a live tie, 0 for a lost one.

    Taking the rows in order, each row gets its neighbours' terms in the order of its
    slots (sorted by neighbour: those below, then those above), while each tie is read
    once, not twice. Written as LLVM vector operations (numba does not vectorise this
    by itself): each lane still gets one single-precision multiply and one add per
    term, with no fused multiply-add, so every lane rounds exactly as the scalar loop
    over each row's slots it replaced (``tests/test_signal_kernel.py``).
    """
    arrays = (indices, perm, weights, values, sums)
    if not (
        all(isinstance(a, types.Array) and a.layout == "C" for a in arrays)
        and weights.dtype == sums.dtype == types.float32
        and values.dtype == types.uint8
        and (weights.ndim, values.ndim, sums.ndim) == (1, 2, 2)
    ):
        return None

    def codegen(context, builder, signature, args):
        i, lo, hi = (_int64(builder, x) for x in args[:3])
        ind, prm, wts, vals, out = (
            context.make_array(t)(context, builder, a)
            for t, a in zip(signature.args[3:], args[3:], strict=True)
        )
        i64 = ir.IntType(64)
        row_type, bytes_type = (
            ir.VectorType(ir.FloatType(), LANES),
            ir.VectorType(ir.IntType(8), LANES),
        )

        def row_of(array, j, vector):
            at = builder.gep(array.data, [builder.mul(j, ir.Constant(i64, LANES))])
            return builder.bitcast(at, vector.as_pointer())

        def values_of(j):
            return builder.uitofp(builder.load(row_of(vals, j, bytes_type), align=1), row_type)

        mine = values_of(i)
        acc = cgutils.alloca_once(builder, row_type)
        builder.store(builder.load(row_of(out, i, row_type), align=4), acc)
        with cgutils.for_range(builder, builder.sub(hi, lo)) as loop:
            s = builder.add(lo, loop.index)
            tie = _int64(builder, builder.load(builder.gep(prm.data, [s])))
            lane_weights = _lane_weights(builder, builder.load(builder.gep(wts.data, [tie])))
            j = _int64(builder, builder.load(builder.gep(ind.data, [s])))
            term = builder.fmul(lane_weights, values_of(j))
            builder.store(builder.fadd(builder.load(acc), term), acc)
            theirs = row_of(out, j, row_type)
            term = builder.fmul(lane_weights, mine)
            builder.store(builder.fadd(builder.load(theirs, align=4), term), theirs, align=4)
        builder.store(builder.load(acc), row_of(out, i, row_type), align=4)
        return context.get_dummy_value()

    return types.none(i, lo, hi, indices, perm, weights, values, sums), codegen


@numba.njit(cache=True)
def diagonal(indptr, indices):
    """Each row's first slot to a neighbour above it (the slots are sorted) [N]."""
    n = indptr.size - 1
    first = np.empty(n, np.int64)
    for i in range(n):
        s = indptr[i]
        while s < indptr[i + 1] and indices[s] < i:
            s += 1
        first[i] = s
    return first


def _lane_weights(builder, w):
    """LLVM: the vector (w, w, w, w, w, w, live, live) for a tie's weight ``w`` (float32),
    live 1.0, or 0.0 when the sign bit marks the tie lost (see ``tie_weights``)."""
    f32, i32 = ir.FloatType(), ir.IntType(32)
    lost = builder.icmp_signed("<", builder.bitcast(w, i32), ir.Constant(i32, 0))
    live = builder.select(lost, ir.Constant(f32, 0.0), ir.Constant(f32, 1.0))
    lanes = ir.Constant(ir.VectorType(f32, LANES), ir.Undefined)
    for c in range(LANES):
        lanes = builder.insert_element(lanes, w if c < WEIGHTED else live, ir.Constant(i32, c))
    return lanes


def _int64(builder, x):
    """An LLVM integer widened (sign-extended) to 64 bits for addressing."""
    return builder.sext(x, ir.IntType(64)) if x.type.width < 64 else x


@numba.njit(cache=True)
def _lane_values(performed, columns):
    """Row values for the pass: behaviours performed (0/1), a one, zeros, the counted
    behaviours in the last lanes; uint8 [N, 8] (a quarter of the bytes of float32, so
    the neighbours' rows, read at random, stay in a nearer cache)."""
    n, k = performed.shape
    values = np.zeros((n, LANES), np.uint8)
    for i in range(n):
        for c in range(k):
            values[i, c] = performed[i, c]
        values[i, k] = 1
        for q in range(columns.size):
            values[i, WEIGHTED + q] = performed[i, columns[q]]
    return values


@numba.njit(cache=True)
def tie_weights(trust, layer):
    """Each tie's weight as the social signal reads it: float32 trust, and -0.0 for a lost
    tie, so one read gives both the weight and whether the tie is live (the sign bit; a
    live tie's trust is never negative, nor -0.0: the schema's shares never are). Adding -0.0 times a value leaves a sum of
    non-negative terms as it was, exactly as adding the lost tie's 0.0 did."""
    weights = np.empty(trust.size, np.float32)
    lost = np.float32(-0.0)
    for t in range(trust.size):
        weights[t] = np.float32(trust[t]) if layer[t] >= 0 else lost
    return weights


@numba.njit(cache=True)
def signal_sums(indptr, indices, perm, diagonal, pending, trust, layer, performed, columns):
    """See ``TieTable.signal_sums``; the weighted sums round exactly as ``sparse_product``
    (each row's terms added in slot order, then the pending ties' sums added).
    ``diagonal`` is each row's first slot to a neighbour above it (see ``diagonal``)."""
    n, k = performed.shape
    if k + 1 > WEIGHTED or columns.size > LANES - WEIGHTED:  # too wide for one register
        return _signal_sums_wide(indptr, indices, perm, pending, trust, layer, performed, columns)
    values = _lane_values(performed, columns)
    weights = tie_weights(trust, layer)  # half the bytes of trust, and no read of layer
    sums = np.zeros((n, LANES), np.float32)
    for i in range(n):
        add_row(i, diagonal[i], indptr[i + 1], indices, perm, weights, values, sums)
    counts = np.empty((n, columns.size), np.int64)
    for i in range(n):
        for q in range(columns.size):
            counts[i, q] = np.int64(sums[i, WEIGHTED + q])
    _add_pending(sums, counts, pending, trust, layer, values, performed, columns)
    return sums[:, : k + 1], counts  # a view: no copy


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
    summed as a matrix of their own, then added to the slots' sums. The pending ties
    are sorted by row, so each row's pending sum is made in a small buffer and added
    (rows without pending ties would only have added 0.0)."""
    rows, cols, ties = pending
    width = performed.shape[1] + 1
    extra = np.empty(width, np.float32)  # one row's pending sums
    q = 0
    while q < rows.size:
        i = rows[q]
        extra[:] = 0.0
        while q < rows.size and rows[q] == i:
            t, j = ties[q], cols[q]
            w = np.float32(trust[t])
            for c in range(width):
                extra[c] += w * np.float32(values[j, c])
            if layer[t] >= 0:
                for r in range(columns.size):
                    counts[i, r] += performed[j, columns[r]]
            q += 1
        for c in range(width):
            sums[i, c] += extra[c]


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
def new_ties(u, v, n, indptr, indices, perm, layer, pending):
    """The pairs (u, v) to add, in order of pair key (``low * n + high``): the first of
    each distinct pair with distinct ends that is neither a live tie in the slots nor
    pending, as (low, high) ends (int32); and the pending ties' keys with theirs merged
    in.

    ``pending`` holds the sorted keys of the pending ties (lost ones too: a tie lost while
    pending cannot form again before the next rebuild), kept from one addition to the
    next, so a week's few new ties are merged in rather than all pending keys sorted."""
    lo, hi = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    keys = lo * n + hi
    order = tie_slots.pair_order(lo, hi, n)  # stable: the first of repeats wins
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
    keep = keep[:m]
    low, high = lo[keep].astype(np.int32), hi[keep].astype(np.int32)
    return low, high, _merged(pending, keys[keep])


@numba.njit(cache=True)
def _merged(a, b):
    """The sorted union of two sorted key arrays with no key in both."""
    out = np.empty(a.size + b.size, np.int64)
    i = j = 0
    for k in range(out.size):
        if j == b.size or (i < a.size and a[i] < b[j]):
            out[k] = a[i]
            i += 1
        else:
            out[k] = b[j]
            j += 1
    return out


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
