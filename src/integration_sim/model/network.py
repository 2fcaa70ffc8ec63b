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

from integration_sim.model.population import Population
from integration_sim.scenario import NetworkParameters

WITHIN, CROSS = 0, 1


class TieTable:
    """Undirected ties between ``n`` practitioners with trust weights in (0, 1]."""

    def __init__(self, n: int, u: np.ndarray, v: np.ndarray, trust: np.ndarray, layer: np.ndarray) -> None:
        self.n = n
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        self.u = lo.astype(np.int32)
        self.v = hi.astype(np.int32)
        self.trust = np.asarray(trust, dtype=float)
        self.layer = np.asarray(layer, dtype=np.int8)
        self._csr: sparse.csr_matrix | None = None
        self._perm: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Number of ties."""
        return int(self.u.shape[0])

    # ------------------------------------------------------------------ matrices
    def _rebuild(self) -> None:
        e = self.size
        rows = np.concatenate([self.u, self.v]).astype(np.int64)
        cols = np.concatenate([self.v, self.u]).astype(np.int64)
        # Carry each slot's tie index through the COO->CSR conversion (exact in float64).
        ids = np.concatenate([np.arange(e), np.arange(e)]).astype(np.float64) + 1.0
        csr = sparse.coo_matrix((ids, (rows, cols)), shape=(self.n, self.n)).tocsr()
        self._perm = csr.data.astype(np.int64) - 1
        self._csr = csr

    def weights(self) -> sparse.csr_matrix:
        """Symmetric CSR matrix of trust weights [N, N]."""
        if self._csr is None:
            self._rebuild()
        self._csr.data = self.trust[self._perm]
        return self._csr

    def adjacency(self) -> sparse.csr_matrix:
        """Symmetric CSR matrix with 1 for every tie [N, N]."""
        if self._csr is None:
            self._rebuild()
        adj = self._csr.copy()
        adj.data = np.ones_like(adj.data)
        return adj

    def degree(self) -> np.ndarray:
        """Number of ties per practitioner [N]."""
        return np.bincount(self.u, minlength=self.n) + np.bincount(self.v, minlength=self.n)

    # ------------------------------------------------------------------ changes
    def keep(self, mask: np.ndarray) -> None:
        """Keep only ties where ``mask`` is true."""
        if mask.all():
            return
        self.u, self.v = self.u[mask], self.v[mask]
        self.trust, self.layer = self.trust[mask], self.layer[mask]
        self._csr = None

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
            existing = np.asarray(self.weights()[lo, hi]).ravel() > 0
            lo, hi, layer_arr = lo[~existing], hi[~existing], layer_arr[~existing]
        if lo.size == 0:
            return 0
        self.u = np.concatenate([self.u, lo.astype(np.int32)])
        self.v = np.concatenate([self.v, hi.astype(np.int32)])
        self.trust = np.concatenate([self.trust, np.full(lo.size, trust)])
        self.layer = np.concatenate([self.layer, layer_arr])
        self._csr = None
        return int(lo.size)

    def copy(self) -> TieTable:
        """An independent copy (for before/after comparisons)."""
        return TieTable(self.n, self.u.copy(), self.v.copy(), self.trust.copy(), self.layer.copy())


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
    table = TieTable(n, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0), np.zeros(0, np.int8))
    u = np.concatenate(us)
    v = np.concatenate(vs)
    table.add(u, v, params.team_trust, WITHIN)
    cu, cv = cross_boundary_candidates(pop, rng.poisson(params.cross_boundary_ties / 2.0, size=n), rng)
    table.add(cu, cv, params.initial_trust, CROSS)
    return table


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
