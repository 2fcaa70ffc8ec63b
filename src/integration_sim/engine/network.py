"""The practitioner network: a table of undirected ties with trust, and its sparse matrix.

Ties live in flat arrays (``u < v``, ``trust``, ``layer``: 0 = inside an
organisation, 1 = across an organisational boundary). Social influence needs
the adjacency in compressed sparse rows (CSR: each practitioner's neighbours
in one slice); rebuilding it is O(ties), so it is done only when added or lost
ties pile up. Between rebuilds only the weights change, and compiled kernels
(numba, in ``tie_kernels``) read them through the stored slot -> tie map, so
nothing is copied.
The kernels add in the order scipy's sparse product did (single-precision
weights; pending ties summed as their own row-sorted matrix, then added), which
keeps results bit-identical to the scipy version they replaced.
"""

from __future__ import annotations

import numpy as np

from integration_sim.config.schema import NetworkParameters
from integration_sim.engine import tie_kernels, tie_slots
from integration_sim.engine.state import Population

WITHIN, CROSS, LOST = 0, 1, -1


class TieTable:
    """Undirected ties between ``n`` practitioners with trust weights in (0, 1].

    The first ``structure`` ties are in the CSR matrix; ties added since are
    pending and handled directly until the next rebuild. A lost tie is marked
    in place (layer ``LOST``, trust 0) and dropped at the next rebuild, so a
    rebuild is needed only when pending or lost ties pile up (amortised
    O(ties) per rebuild, not per week). Code reading the arrays selects ties
    by layer (``WITHIN`` or ``CROSS``), which never matches a lost tie.
    """

    REBUILD_PENDING = 0.05  # rebuild when pending ties exceed this share of ties
    REBUILD_DEAD = 0.10  # ... or dead CSR slots exceed this share of slots

    def __init__(
        self, n: int, u: np.ndarray, v: np.ndarray, trust: np.ndarray, layer: np.ndarray
    ) -> None:
        self.n = n
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        self.u = lo.astype(np.int32)
        self.v = hi.astype(np.int32)
        self.trust = np.asarray(trust, dtype=float)
        self.layer = np.asarray(layer, dtype=np.int8)
        self.structure = 0  # ties [0, structure) are in the CSR matrix
        self._built = False
        self._indptr = np.zeros(n + 1, dtype=np.int64)  # CSR row offsets
        self._indices = np.zeros(0, dtype=np.int32)  # CSR slot -> neighbour
        self._perm = np.zeros(0, dtype=np.int64)  # CSR slot -> tie index
        self._diagonal = np.zeros(n, dtype=np.int64)  # each row's first slot above it
        self._dead = 0
        self._cross: np.ndarray | None = None
        self._maybe_cross: tuple[np.ndarray, int] | None = None  # see ``cross_ties``
        self._live_cache: np.ndarray | None = None
        self._buffers: list[np.ndarray] = []  # room to grow, see ``_append``
        self._pending: tuple | None = None  # see ``_pending_order``
        self._keys: np.ndarray | None = None  # see ``_pending_keys``

    @property
    def size(self) -> int:
        """Number of ties."""
        return int(self.u.shape[0])

    # ------------------------------------------------------------------ matrices
    def _rebuild(self) -> None:
        self._compact()
        e = self.size
        # Slots sorted by (row, neighbour), by counting (``tie_slots``).
        self._indptr, self._indices, perm = tie_slots.slot_layout(self.u, self.v, self.n)
        self._perm = perm.astype(np.int32) if e < 2**31 else perm
        self._diagonal = tie_kernels.diagonal(self._indptr, self._indices)
        self.structure, self._dead = e, 0
        self._pending = self._keys = None
        self._built = True

    def _fresh(self) -> None:
        pending = self.size - self.structure
        if (
            not self._built
            or pending > self.REBUILD_PENDING * max(self.size, 1)
            or self._dead > self.REBUILD_DEAD * max(self.size, 1)
        ):
            self._rebuild()

    def adjacency(self) -> tuple[np.ndarray, ...]:
        """The matrix for compiled kernels: (indptr, indices, slot_tie, u, v, structure).

        Row i's slots are ``indptr[i]:indptr[i + 1]``; slot s links i to
        ``indices[s]`` through tie ``slot_tie[s]``. Ties from ``structure`` on
        are pending (not in the slots) and are read from ``u`` and ``v``. Lost
        ties keep their slots until the next rebuild, with trust 0 and layer LOST.
        """
        self._fresh()
        return self._indptr, self._indices, self._perm, self.u, self.v, self.structure

    def _live_weights(self) -> np.ndarray:
        """1.0 for each live tie, 0.0 for each lost one (cached until ties change)."""
        if self._live_cache is None:
            self._live_cache = (self.layer >= 0).astype(float)
        return self._live_cache

    def _product(self, tie_weights: np.ndarray, x: np.ndarray) -> np.ndarray:
        indptr, indices, perm, u, v, structure = self.adjacency()
        # Single-precision weights (and sums, unless x is double), as scipy's product gave.
        x2 = np.ascontiguousarray(x.reshape(x.shape[0], -1))
        x2 = x2 if x2.dtype == np.float64 else x2.astype(np.float32)
        out = np.zeros(x2.shape, x2.dtype)
        tie_kernels.sparse_product(indptr, indices, perm, u, v, structure, tie_weights, x2, out)
        return out.astype(float).reshape(x.shape)

    def weighted_sum(self, x: np.ndarray) -> np.ndarray:
        """Trust-weighted sum over each practitioner's ties: W @ x, for x of shape [N, k]."""
        self._fresh()  # first: a rebuild compacts (replaces) the tie arrays
        return self._product(self.trust, x)

    def count_sum(self, x: np.ndarray) -> np.ndarray:
        """Unweighted sum over each practitioner's ties: A @ x, for x of shape [N, k]."""
        self._fresh()
        return self._product(self._live_weights(), x)

    def signal_sums(
        self, performed: np.ndarray, count_columns: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """In one pass over the ties: trust-weighted sums W @ [performed, 1] (float32
        [N, B + 1], the last column the total trust) and the number of live ties to
        practitioners who performed each of ``count_columns`` (int [N, C])."""
        indptr, indices, perm, u, v, structure = self.adjacency()
        return tie_kernels.signal_sums(
            indptr,
            indices,
            perm,
            self._diagonal,
            self._pending_order(),
            self.trust,
            self.layer,
            np.ascontiguousarray(performed),
            np.asarray(count_columns, dtype=np.int64),
        )

    def _pending_order(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Both directions of the pending ties, sorted by (row, neighbour) as scipy summed
        them: rows, neighbours and tie positions (kept until ties are added or rebuilt)."""
        if self._pending is None or self._pending[2].size != 2 * (self.size - self.structure):
            # Ties appended since the order was made: sort only those, then merge.
            self._pending = tie_kernels.pending_order(
                self.u, self.v, self.structure, self.n, *(self._pending or (None,) * 3)
            )
        return self._pending

    def degree(self) -> np.ndarray:
        """Number of ties per practitioner [N]."""
        live = (self.layer >= 0).astype(float)
        return (
            np.bincount(self.u, live, minlength=self.n)
            + np.bincount(self.v, live, minlength=self.n)
        ).astype(int)

    def live(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(u, v, trust, layer) of the ties that still exist."""
        keep = self.layer >= 0
        return self.u[keep], self.v[keep], self.trust[keep], self.layer[keep]

    # ------------------------------------------------------------------ changes
    def lose(self, mask: np.ndarray) -> None:
        """Mark the ties where ``mask`` is true as lost."""
        self.lose_at(np.flatnonzero(mask))

    def lose_at(self, index: np.ndarray) -> None:
        """Mark the ties at positions ``index`` as lost."""
        index = index[self.layer[index] >= 0]
        if index.size:
            self._dead += int(index.size)
            self.layer[index] = LOST
            self.trust[index] = 0.0
            self._cross = self._live_cache = None

    def lost_in_place(self, count: int) -> None:
        """Account for ``count`` ties a compiled kernel has just marked lost in place
        (layer ``LOST``, trust 0), as ``lose_at`` does."""
        if count:
            self._dead += int(count)
            self._cross = self._live_cache = None

    def cross_index(self) -> np.ndarray:
        """Positions of the live cross-boundary ties (cached until ties change)."""
        if self._cross is None:
            self._cross = np.flatnonzero(self.layer == CROSS)
        return self._cross

    def cross_ties(self) -> np.ndarray:
        """Positions, in order, of every live cross-boundary tie and of some lost since
        (a lost tie never becomes a tie of a layer again): a pass that checks each one's
        layer sees exactly the live cross-boundary ties without scanning the whole table.
        Kept as ties are added; made afresh only when lost ties are dropped."""
        if self._maybe_cross is None:
            found = np.flatnonzero(self.layer == CROSS)
            self._maybe_cross = (found, found.size)
        buffer, count = self._maybe_cross
        return buffer[:count]

    def ties_of(self, rows: np.ndarray) -> np.ndarray:
        """Positions of the live ties touching any of the practitioners ``rows``."""
        if rows.size == 0:
            return np.zeros(0, dtype=np.int64)
        indptr, _, perm, u, v, structure = self.adjacency()
        found = np.unique(
            tie_kernels.ties_touching(indptr, perm, u, v, structure, rows.astype(np.int64))
        )
        return found[self.layer[found] >= 0]

    def _compact(self) -> None:
        keep = self.layer >= 0
        if not keep.all():
            self.u, self.v = self.u[keep], self.v[keep]
            self.trust, self.layer = self.trust[keep], self.layer[keep]
            self._cross = self._live_cache = self._maybe_cross = None  # positions move
        self._dead = 0

    def add(self, u: np.ndarray, v: np.ndarray, trust: float, layer: int) -> int:
        """Add ties that do not exist yet (self-ties and repeats are dropped); return how many.

        New ties are appended in order of their (low, high) end pair. A tie lost
        while pending cannot form again until the next rebuild.
        """
        if len(u) == 0:
            return 0
        indptr, indices, perm, _, _, _ = self.adjacency()
        ends = np.asarray(u, np.int64), np.asarray(v, np.int64)  # one compiled version
        lo, hi, self._keys = tie_kernels.new_ties(
            *ends, self.n, indptr, indices, perm, self.layer, self._pending_keys()
        )
        if lo.size:
            self._append(lo, hi, trust, layer)
        return int(lo.size)

    def _pending_keys(self) -> np.ndarray:
        """Sorted keys (``low * n + high``) of the pending ties, lost ones included, kept
        from one addition to the next (``new_ties`` merges the new ones in)."""
        if self._keys is None or self._keys.size != self.size - self.structure:
            pending = slice(self.structure, None)
            self._keys = np.sort(self.u[pending].astype(np.int64) * self.n + self.v[pending])
        return self._keys

    def _append(self, u: np.ndarray, v: np.ndarray, trust: float, layer: int) -> None:
        """Append ties (ends int32 [K], one trust and layer) to arrays that are views of
        buffers with room to grow (a quarter more when they fill): a week's few ties do not
        copy the whole table; arrays replaced by other code are copied in once."""
        size, end = self.u.shape[0], self.u.shape[0] + u.size
        current = (self.u, self.v, self.trust, self.layer)
        buffers = self._buffers
        if not (
            buffers
            and buffers[0].size >= end
            and all([a.base is b for a, b in zip(current, buffers, strict=True)])
        ):
            buffers = self._buffers = [np.empty(end + end // 4, a.dtype) for a in current]
            for b, a in zip(buffers, current, strict=True):
                b[:size] = a
        bu, bv, bt, bl = buffers
        bu[size:end], bv[size:end], bt[size:end], bl[size:end] = u, v, trust, layer
        self.u, self.v, self.trust, self.layer = bu[:end], bv[:end], bt[:end], bl[:end]
        if layer == CROSS and self._maybe_cross is not None:
            self._maybe_cross = _extended(*self._maybe_cross, size, u.size)
        self._cross = self._live_cache = None

    def copy(self) -> TieTable:
        """An independent copy (for before/after comparisons)."""
        return TieTable(self.n, *(a.copy() for a in self.live()))


def _extended(buffer: np.ndarray, count: int, start: int, extra: int) -> tuple[np.ndarray, int]:
    """``buffer[:count]`` and positions ``start`` to ``start + extra - 1``, in a buffer with
    room to grow (a quarter more when it fills): (buffer, count)."""
    if buffer.size < count + extra:
        grown = np.empty(count + extra + (count + extra) // 4, np.int64)
        grown[:count] = buffer[:count]
        buffer = grown
    buffer[count : count + extra] = np.arange(start, start + extra)
    return buffer, count + extra


# ------------------------------------------------------------------- generation


def _unit_bounds(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted into contiguous groups by ``key``: each row's group start and size."""
    n = key.shape[0]
    change = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], change])
    sizes = np.diff(np.concatenate([starts, [n]]))
    group = np.repeat(np.arange(starts.size), sizes)
    return starts[group], sizes[group]


def generate_ties(pop: Population, params: NetworkParameters, rng: np.random.Generator) -> TieTable:
    """Team, within-organisation and cross-boundary ties for a generated place.

    Teams: each organisation's staff in a locality are split into teams of
    ``team_size`` whose members all know each other (dense, clustered). On top,
    each practitioner has on average ``within_organisation_ties`` random ties
    inside their organisation-locality unit and ``cross_boundary_ties`` to
    practitioners of other organisations in the same locality.
    """
    n = pop.size
    unit = pop.organisation.astype(np.int64) * 10_000 + pop.locality
    unit_start, unit_size = _unit_bounds(unit)
    position = np.arange(n) - unit_start
    team = unit * 100_000 + position // params.team_size
    us, vs = [], []
    for d in range(1, params.team_size):
        i = np.arange(n - d)
        same = team[i] == team[i + d]
        us.append(i[same])
        vs.append(i[same] + d)
    # Random ties inside the unit: each practitioner starts k/2 so the mean degree adds k.
    k_in = rng.poisson(params.within_organisation_ties / 2.0, size=n)
    src = np.repeat(np.arange(n), k_in)
    dst = unit_start[src] + np.floor(rng.random(src.size) * unit_size[src]).astype(np.int64)
    us.append(src)
    vs.append(dst)
    table = TieTable(
        n, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int8)
    )
    u = np.concatenate(us)
    v = np.concatenate(vs)
    table.add(u, v, params.team_trust, WITHIN)
    cu, cv = cross_boundary_candidates(
        pop, rng.poisson(params.cross_boundary_ties / 2.0, size=n), rng
    )
    table.add(cu, cv, params.initial_trust, CROSS)
    if params.triangle_closure > 0:  # no draws otherwise: results without it are unchanged
        close_triangles(table, pop, params, rng)
    return table


def close_triangles(
    table: TieTable, pop: Population, params: NetworkParameters, rng: np.random.Generator
) -> int:
    """Each practitioner, with chance ``triangle_closure``, introduces two of their contacts.

    The two contacts (drawn at random among the practitioner's ties) become tied
    themselves, closing a triangle: clustering rises, and the mean degree by up to
    2 x ``triangle_closure``. A new tie inside one organisation gets team
    trust, across organisations the initial trust. Returns the ties added.
    """
    u, v, _, _ = table.live()
    ends = np.concatenate([u, v]).astype(np.int64)
    other = np.concatenate([v, u]).astype(np.int64)
    order = np.argsort(ends, kind="stable")
    neighbours = other[order]
    degree = np.bincount(ends, minlength=pop.size)
    start = np.concatenate([[0], np.cumsum(degree)[:-1]])
    who = np.flatnonzero((degree >= 2) & (rng.random(pop.size) < params.triangle_closure))
    if who.size == 0:
        return 0
    a = np.floor(rng.random(who.size) * degree[who]).astype(np.int64)
    b = np.floor(rng.random(who.size) * (degree[who] - 1)).astype(np.int64)
    b += b >= a  # a second, different contact
    j, k = neighbours[start[who] + a], neighbours[start[who] + b]
    same = pop.organisation[j] == pop.organisation[k]
    added = table.add(j[same], k[same], params.team_trust, WITHIN)
    return added + table.add(j[~same], k[~same], params.initial_trust, CROSS)


def locality_index(pop: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by locality, with each locality's start offset and size."""
    order = np.argsort(pop.locality, kind="stable")
    sizes = np.bincount(pop.locality, minlength=len(pop.locality_names))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    return order, starts, sizes


def cross_boundary_candidates(
    pop: Population, counts: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs from each practitioner (``counts[i]`` times) to a random practitioner of
    another organisation in the same locality. Draws that land in the same
    organisation are discarded rather than redrawn (so they cost nothing)."""
    order, starts, sizes = locality_index(pop)
    src = np.repeat(np.arange(pop.size), counts)
    loc = pop.locality[src]
    dst = order[starts[loc] + np.floor(rng.random(src.size) * sizes[loc]).astype(np.int64)]
    keep = pop.organisation[src] != pop.organisation[dst]
    return src[keep], dst[keep]
