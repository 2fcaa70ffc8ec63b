"""Betweenness centrality of a practitioner network: Brandes' algorithm as a compiled kernel.

Unweighted shortest paths, breadth first from each source over the network in
compressed sparse row form (``indptr``, ``indices``), so ``k`` sources cost
O(k x (nodes + ties)) with no Python per node. Sources are drawn and the
counts normalised exactly as :func:`networkx.betweenness_centrality` does
(networkx 3.5 and later) for the same ``k`` and ``seed``: same sources, same
numbers up to floating-point summation order (tests/test_betweenness.py checks
both the exact and the sampled case against networkx).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import numba
import numpy as np


def csr(u: np.ndarray, v: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected ties (index pairs) as CSR arrays: node i's neighbours are
    ``indices[indptr[i]:indptr[i + 1]]``."""
    ends = np.r_[u, v].astype(np.int64)
    others = np.r_[v, u].astype(np.int64)
    order = np.argsort(ends, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=indptr[1:])
    return indptr, others[order]


def sources(nodes: Sequence, k: int | None, seed: int) -> list[int] | None:
    """Positions of the ``k`` sampled sources, drawn as networkx draws them
    (``random.Random(seed).sample`` of the node list); None for every node."""
    if k is None or k >= len(nodes):
        return None
    chosen = random.Random(seed).sample(list(nodes), k)
    position = {node: i for i, node in enumerate(nodes)}
    return [position[node] for node in chosen]


def betweenness(indptr: np.ndarray, indices: np.ndarray, sampled: list[int] | None) -> np.ndarray:
    """Normalised betweenness of every node (0-1), from ``sampled`` sources or all nodes.

    Normalisation (endpoints excluded, as networkx >= 3.5): with every node a
    source, divide by (n - 1)(n - 2) for n nodes; with k sampled sources,
    divide a source's sum by (k - 1)(n - 2) and any other node's by k(n - 2),
    because a source is never an inner node of its own paths.
    """
    n = len(indptr) - 1
    every = sampled is None
    src = np.arange(n, dtype=np.int64) if every else np.asarray(sampled, np.int64)
    raw = _brandes(indptr, indices, src)
    if n - 1 < 2:
        return raw
    if every:
        return raw / ((n - 1) * (n - 2))
    k = len(src)
    scale = np.full(n, 1 / (k * (n - 2)))
    scale[src] = 1 / ((k - 1) * (n - 2)) if k > 1 else np.nan
    return raw * scale


@numba.njit(cache=True)
def _brandes(indptr: np.ndarray, indices: np.ndarray, src: np.ndarray) -> np.ndarray:
    """Sum over sources of each node's dependency (Brandes 2001), unnormalised.

    Predecessors are not stored: in the backward pass a node's successors are its
    neighbours one step farther from the source.
    """
    n = len(indptr) - 1
    out = np.zeros(n)
    dist = np.full(n, -1, np.int64)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    order = np.empty(n, np.int64)
    for s in src:
        dist[s], sigma[s], order[0] = 0, 1.0, s
        head, tail = 0, 1
        while head < tail:  # breadth first, counting shortest paths
            v = order[head]
            head += 1
            for j in range(indptr[v], indptr[v + 1]):
                w = indices[j]
                if dist[w] < 0:
                    dist[w] = dist[v] + 1
                    order[tail] = w
                    tail += 1
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
        for i in range(tail - 1, -1, -1):  # dependencies, farthest first
            v = order[i]
            for j in range(indptr[v], indptr[v + 1]):
                w = indices[j]
                if dist[w] == dist[v] + 1:
                    delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w])
            if v != s:
                out[v] += delta[v]
        for i in range(tail):  # reset only what this source touched
            v = order[i]
            dist[v], sigma[v], delta[v] = -1, 0.0, 0.0
    return out
