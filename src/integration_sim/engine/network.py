"""The practitioner network: a table of undirected ties with trust, and its sparse matrix.

Ties live in flat arrays (``u < v``, ``trust``, ``layer``: 0 = inside an
organisation, 1 = across an organisational boundary). Social influence needs
the weighted adjacency as a CSR matrix; rebuilding it is O(ties), so it is done
only when ties are added or lost. Between rebuilds only the weights change, and
they are refreshed through a stored permutation (tie -> CSR slot) in one gather.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from integration_sim.config.schema import NetworkParameters
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
        self._csr: sparse.csr_matrix | None = None
        self._perm = np.zeros(0, dtype=np.int64)  # CSR slot -> tie index
        self._slot_keys = np.zeros(0, dtype=np.int64)
        self._dead = 0
        self._cross: np.ndarray | None = None
        self._live_cache: tuple | None = None

    @property
    def size(self) -> int:
        """Number of ties."""
        return int(self.u.shape[0])

    # ------------------------------------------------------------------ matrices
    def _rebuild(self) -> None:
        self._compact()
        e = self.size
        rows = np.concatenate([self.u, self.v]).astype(np.int64)
        cols = np.concatenate([self.v, self.u]).astype(np.int64)
        order = np.argsort(rows * self.n + cols, kind="stable")
        ids = np.concatenate([np.arange(e), np.arange(e)])[order]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.n))])
        self._csr = sparse.csr_matrix(
            (np.ones(2 * e, np.float32), cols[order].astype(np.int32), indptr),
            shape=(self.n, self.n),
        )
        self._perm = ids.astype(np.int64)
        self._slot_keys = (rows * self.n + cols)[order]  # sorted, for existence checks
        self.structure, self._dead = e, 0

    def _fresh(self) -> sparse.csr_matrix:
        pending = self.size - self.structure
        if (
            self._csr is None
            or pending > self.REBUILD_PENDING * max(self.size, 1)
            or self._dead > self.REBUILD_DEAD * max(self.size, 1)
        ):
            self._rebuild()
        return self._csr

    def _product(
        self, slot_values: np.ndarray, tie_values: np.ndarray, x: np.ndarray
    ) -> np.ndarray:
        csr = self._fresh()
        csr.data = slot_values
        out = csr @ x
        if self.size > self.structure:  # pending ties, both directions, as a small sparse matrix
            pu, pv = self.u[self.structure :], self.v[self.structure :]
            w = tie_values[self.structure :].astype(np.float32)
            pending = sparse.csr_matrix(
                (np.concatenate([w, w]), (np.concatenate([pu, pv]), np.concatenate([pv, pu]))),
                shape=(self.n, self.n),
            )
            out = out + pending @ x
        return np.asarray(out, dtype=float)

    def weighted_sum(self, x: np.ndarray) -> np.ndarray:
        """Trust-weighted sum over each practitioner's ties: W @ x, for x of shape [N, k]."""
        self._fresh()
        return self._product(self.trust[self._perm].astype(np.float32), self.trust, x)

    def count_sum(self, x: np.ndarray) -> np.ndarray:
        """Unweighted sum over each practitioner's ties: A @ x, for x of shape [N, k]."""
        csr = self._fresh()
        if self._live_cache is None or self._live_cache[0] is not csr:
            # Depends only on which ties exist, so it is kept until ties are added or lost.
            live = (self.layer >= 0).astype(np.float32)
            self._live_cache = (csr, live[self._perm], live)
        return self._product(self._live_cache[1], self._live_cache[2], x)

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

    def cross_index(self) -> np.ndarray:
        """Positions of the live cross-boundary ties (cached until ties change)."""
        if self._cross is None:
            self._cross = np.flatnonzero(self.layer == CROSS)
        return self._cross

    def ties_of(self, rows: np.ndarray) -> np.ndarray:
        """Positions of the live ties touching any of the practitioners ``rows``."""
        if rows.size == 0:
            return np.zeros(0, dtype=np.int64)
        csr = self._fresh()
        starts, ends = csr.indptr[rows], csr.indptr[rows + 1]
        slots = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        found = self._perm[slots] if slots.size else np.zeros(0, dtype=np.int64)
        if self.size > self.structure:  # pending ties are not in the matrix yet
            pending = np.arange(self.structure, self.size)
            hit = np.isin(self.u[pending], rows) | np.isin(self.v[pending], rows)
            found = np.concatenate([found, pending[hit]])
        found = np.unique(found)
        return found[self.layer[found] >= 0]

    def _compact(self) -> None:
        keep = self.layer >= 0
        if not keep.all():
            self.u, self.v = self.u[keep], self.v[keep]
            self.trust, self.layer = self.trust[keep], self.layer[keep]
            self._cross = self._live_cache = None
        self._dead = 0

    def add(self, u: np.ndarray, v: np.ndarray, trust: float, layer: int | np.ndarray) -> int:
        """Add ties that do not exist yet (self-ties and repeats are dropped); return how many."""
        lo, hi = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
        ok = lo != hi
        lo, hi = lo[ok], hi[ok]
        layer_arr = np.broadcast_to(np.asarray(layer, dtype=np.int8), ok.shape)[ok]
        if lo.size == 0:
            return 0
        keys, first = np.unique(lo * self.n + hi, return_index=True)
        lo, hi, layer_arr = lo[first], hi[first], layer_arr[first]
        if self.size:
            existing = self._exists(keys)
            lo, hi, layer_arr = lo[~existing], hi[~existing], layer_arr[~existing]
        if lo.size == 0:
            return 0
        self.u = np.concatenate([self.u, lo.astype(np.int32)])
        self.v = np.concatenate([self.v, hi.astype(np.int32)])
        self.trust = np.concatenate([self.trust, np.full(lo.size, trust)])
        self.layer = np.concatenate([self.layer, layer_arr])
        self._cross = self._live_cache = None
        return int(lo.size)

    def _exists(self, keys: np.ndarray) -> np.ndarray:
        """Whether each pair key (lo * n + hi) is a live tie, without sorting all ties."""
        self._fresh()
        pos = np.searchsorted(self._slot_keys, keys)
        pos_ok = np.minimum(pos, max(self._slot_keys.size - 1, 0))
        found = (
            (pos < self._slot_keys.size) & (self._slot_keys[pos_ok] == keys)
            if self._slot_keys.size
            else (np.zeros(keys.size, dtype=bool))
        )
        if self._perm.size:
            found &= self.layer[self._perm[pos_ok]] >= 0
        pending = self.u[self.structure :].astype(np.int64) * self.n + self.v[self.structure :]
        return found | np.isin(keys, pending)

    def copy(self) -> TieTable:
        """An independent copy (for before/after comparisons)."""
        return TieTable(self.n, *(a.copy() for a in self.live()))


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
