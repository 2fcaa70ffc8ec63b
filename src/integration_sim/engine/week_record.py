"""A recorded week's state vector in one compiled pass: sums over practitioners and
cross-boundary ties, then the rates, totals and means the records keep.

The parts are written in the order of ``Recorder._layout`` (``PARTS`` below, checked
against it when a recorder is made). Every value is computed with the operations,
in the order, of the NumPy code this replaced (sums over practitioners and ties in
row order; totals over localities summed as NumPy sums an array, pairwise; divisions
by zero giving inf or NaN as NumPy's do), so the records are the same to the bit.
"""

from __future__ import annotations

import numba
import numpy as np

from integration_sim.engine.network import CROSS
from integration_sim.engine.numpy_sums import pairwise_sum, row_mean

# Parts of the state vector before the per-locality metrics and after them.
HEAD = ("rate_loc", "rate_type", "rate_all", "adopters_loc", "adopters_all")
TAIL = ("pooling",)


@numba.njit(cache=True)
def _total(a):
    """``a.sum()`` for a float64 vector."""
    return pairwise_sum(a, 0, a.size)


@numba.njit(cache=True)
def _put(state, at, values):
    """Write ``values`` into ``state`` from ``at``; return the position after them."""
    for k in range(values.size):
        state[at + k] = values[k]
    return at + values.size


@numba.njit(cache=True)
def _put_with_total(state, at, values, total):
    """Write a per-locality part followed by its whole-system value."""
    at = _put(state, at, values)
    state[at] = total
    return at + 1


@numba.njit(cache=True)
def _practitioner_sums(groups, performed, ever, capability, motivation):
    """Performers by locality, by type and in all, adopters by locality [L, B], and
    capability (each practitioner's mean over behaviours) and motivation by locality.

    Performers and adopters are counted as integers by (locality, type) and converted
    at the end (whole numbers: exact in any order). A locality's capability and
    motivation are summed in row order, held in registers while rows of one locality
    follow each other (staff are listed by unit): the same additions as summing into
    the array row by row, without a store and reload per row. This is ``group_sums``,
    written into the loop over the rows: calling it on a row-mean array made a flagship
    week's records about 6 us slower."""
    locality, org_type, n_loc, n_type = groups
    n, n_beh = performed.shape
    counts = np.zeros((n_loc * n_type, n_beh), np.int64)  # performers by (locality, type)
    adopters = np.zeros((n_loc, n_beh), np.int64)
    ability_loc, motivation_loc = np.zeros(n_loc), np.zeros(n_loc)
    current, ability, motivated = -1, 0.0, 0.0  # the locality being summed, its sums
    for i in range(n):
        loc = locality[i]
        group = loc * n_type + org_type[i]
        for b in range(n_beh):
            counts[group, b] += performed[i, b]
            adopters[loc, b] += ever[i, b]
        if loc != current:
            if current >= 0:
                ability_loc[current], motivation_loc[current] = ability, motivated
            current, ability, motivated = loc, ability_loc[loc], motivation_loc[loc]
        ability += row_mean(capability, i) if n_beh else np.nan
        motivated += motivation[i]
    if current >= 0:
        ability_loc[current], motivation_loc[current] = ability, motivated
    perf_loc, perf_type = np.zeros((n_loc, n_beh)), np.zeros((n_type, n_beh))
    perf_all = np.zeros(n_beh)
    for loc in range(n_loc):
        for t in range(n_type):
            for b in range(n_beh):
                did = counts[loc * n_type + t, b]
                perf_loc[loc, b] += did
                perf_type[t, b] += did
                perf_all[b] += did
    return perf_loc, perf_type, perf_all, adopters.astype(np.float64), ability_loc, motivation_loc


@numba.njit(cache=True)
def _cross_sums(locality, n_loc, maybe_cross, u, layer, trust):
    """Live cross-boundary ties and their summed trust by locality (of the tie's first end),
    in tie order; ``maybe_cross`` holds (in order) every tie that may be one."""
    ties, trust_sum = np.zeros(n_loc), np.zeros(n_loc)
    for k in maybe_cross:
        if layer[k] == CROSS:
            loc = locality[u[k]]
            ties[loc] += 1.0
            trust_sum[loc] += trust[k]
    return ties, trust_sum


@numba.njit(cache=True, error_model="numpy")
def week_state(groups, people, ties, usual, cases, pooling, state):
    """Fill ``state`` (float64, the layout's size) with this week's values; return how
    many were written.

    ``groups`` (locality [N], type [N], L, T); ``people`` (performed, ever [N, B] bool,
    capability [N, B], motivation [N]); ``ties`` (positions of the ties that may be
    cross-boundary, ``TieTable.cross_ties``; u, layer, trust); ``usual`` (eligible by
    locality [L, B], by type [T, B], in all [B], staff by locality [L], possible cross pairs
    [L]); ``cases`` (cases, integrated, delay days, admissions, spend [L], cost of a delay
    day, of an admission); ``pooling`` (each organisation's pooling 0/1 [O], its type [O],
    organisations of each type [T], the pooling types [P])."""
    performed, ever, capability, motivation = people
    perf_loc, perf_type, perf_all, ever_loc, ability, mot = _practitioner_sums(
        groups, performed, ever, capability, motivation
    )
    count, tsum = _cross_sums(groups[0], groups[2], *ties)
    elig_loc, elig_type, elig_all, staff, pairs = usual
    at = _put(state, 0, (perf_loc / elig_loc).ravel())
    at = _put(state, at, (perf_type / elig_type).ravel())
    at = _put(state, at, perf_all / elig_all)
    at = _put(state, at, ever_loc.ravel())
    at = _put(state, at, ever_loc.sum(axis=0))  # row after row, as NumPy sums axis 0
    n_cases, integrated, delay, admissions, spend, delay_cost, admission_cost = cases
    total_cases, n_cross = _total(n_cases), _total(count)
    index = _total(integrated) / total_cases if total_cases != 0 else np.nan
    at = _put_with_total(state, at, integrated / n_cases, index)
    care = delay * delay_cost + admissions * admission_cost
    for part in (n_cases, integrated, delay, admissions, care, spend):
        at = _put_with_total(state, at, part, _total(part))
    at = _put_with_total(state, at, count / pairs, n_cross / _total(pairs))
    mean_trust = _total(tsum) / n_cross if n_cross != 0 else np.nan
    at = _put_with_total(state, at, tsum / count, mean_trust)
    flat = capability.ravel()
    at = _put_with_total(state, at, ability / staff, pairwise_sum(flat, 0, flat.size) / flat.size)
    at = _put_with_total(state, at, mot / staff, _total(motivation) / motivation.size)
    pooled_org, org_type, orgs_of_type, pooling_types = pooling
    pooled = np.zeros(orgs_of_type.size)
    for o in range(pooled_org.size):  # a weighted bincount: organisations in order
        pooled[org_type[o]] += pooled_org[o]
    for q in range(pooling_types.size):
        state[at + q] = pooled[pooling_types[q]] / orgs_of_type[pooling_types[q]]
    return at + pooling_types.size
