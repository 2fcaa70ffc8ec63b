"""Behavioural network analysis of a practitioner network, generated or measured.

Every function takes a :class:`networkx.Graph` whose nodes carry
``organisation``, ``organisation_type``, ``role`` and ``locality`` and whose
edges may carry ``weight`` (trust, 0-1) and ``layer``. A tie is
*cross-boundary* when its ends sit in different organisations (or, when
organisations are unknown, different organisation types). :func:`analyse`
returns tables (pandas DataFrames) and :func:`compare` sets two analyses side
by side, e.g. the generated network before and after a run.

Betweenness is exact up to ``exact_limit`` practitioners and estimated from
``samples`` source nodes (fixed seed, so tables are reproducible) above it:
exact betweenness is O(nodes x ties). It runs as a compiled kernel
(:mod:`integration_sim.engine.betweenness`) with networkx's sources and numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from integration_sim.engine import betweenness as brandes
from integration_sim.engine import network_files
from integration_sim.engine.network_files import read_network_files

ATTRIBUTES = ("organisation", "organisation_type", "role", "locality")
UNKNOWN = "unknown"


# --------------------------------------------------------------------- building


def graph_from_arrays(
    u: np.ndarray,
    v: np.ndarray,
    practitioners: pd.DataFrame,
    weight: np.ndarray | None = None,
    layer: np.ndarray | None = None,
) -> nx.Graph:
    """A graph from tie arrays (row positions into ``practitioners``) and an attribute table.

    ``practitioners`` has one row per practitioner (row ``i`` is node ``i``)
    with the columns in :data:`ATTRIBUTES`; missing columns become "unknown".
    """
    g = nx.Graph()
    cols = {
        a: (practitioners[a].astype(str).to_numpy() if a in practitioners else None)
        for a in ATTRIBUTES
    }
    for i in range(len(practitioners)):
        g.add_node(i, **{a: (c[i] if c is not None else UNKNOWN) for a, c in cols.items()})
    u, v = np.asarray(u, dtype=int), np.asarray(v, dtype=int)
    w = np.ones(len(u)) if weight is None else np.asarray(weight, dtype=float)
    lay = np.zeros(len(u), dtype=int) if layer is None else np.asarray(layer, dtype=int)
    # Python numbers from .tolist(): the same values as int()/float() of each element, at
    # a fraction of the cost on a network of thousands of ties.
    g.add_edges_from(
        (a, b, {"weight": x, "layer": y})
        for a, b, x, y in zip(u.tolist(), v.tolist(), w.tolist(), lay.tolist(), strict=True)
        if a != b
    )
    return g


def snapshot_graph(snapshot: Any, when: str) -> nx.Graph:
    """The graph of a run's ``runner.NetworkSnapshot`` at the start (``"before"``) or the end."""
    ties = getattr(snapshot, when)
    return graph_from_arrays(*ties[:2], snapshot.people, *ties[2:])


def snapshot_graphs(snapshot: Any) -> tuple[nx.Graph, nx.Graph]:
    """(before, after) graphs from a run's ``runner.NetworkSnapshot``."""
    return snapshot_graph(snapshot, "before"), snapshot_graph(snapshot, "after")


def read_practitioners(path: str | Path) -> pd.DataFrame:
    """Practitioner table (CSV: ``id, organisation, role, locality[, organisation_type]``),
    indexed by id; without ``organisation_type`` the organisation stands in for it."""
    return _with_type(network_files.read_practitioners(path)).set_index("id")


def read_edgelist(path: str | Path, practitioners: str | Path | None = None) -> nx.Graph:
    """A measured network: CSV edge list (``source,target[,weight,layer]``) or GraphML.

    Read by the same checks as a scenario's measured network
    (:func:`integration_sim.engine.network_files.read_network_files`). Node
    attributes come from ``practitioners`` or the GraphML nodes; without them
    they are "unknown".
    """
    people, edges = read_network_files(path, practitioners)
    g = nx.Graph()
    if people is not None:
        people = _with_type(people)
        for row in people.itertuples(index=False):
            g.add_node(str(row.id), **{a: str(getattr(row, a)) for a in ATTRIBUTES})
    for row in edges.itertuples(index=False):
        if row.source == row.target:
            continue
        attrs: dict[str, Any] = {}
        if not np.isnan(row.weight):
            attrs["weight"] = float(row.weight)
        if row.layer >= 0:
            attrs["layer"] = int(row.layer)
        g.add_edge(row.source, row.target, **attrs)
    for _, data in g.nodes(data=True):
        for a in ATTRIBUTES:
            data.setdefault(a, UNKNOWN)
    return g


def _with_type(people: pd.DataFrame) -> pd.DataFrame:
    if "organisation_type" not in people or (people["organisation_type"] == "").all():
        return people.assign(organisation_type=people["organisation"])  # stand-in; said so in docs
    return people


# --------------------------------------------------------------------- measures


def _boundary_key(g: nx.Graph) -> str:
    orgs = {d.get("organisation", UNKNOWN) for _, d in g.nodes(data=True)}
    return "organisation" if orgs - {UNKNOWN} else "organisation_type"


def cross_boundary(g: nx.Graph, a: Any, b: Any, key: str | None = None) -> bool:
    """True when the tie a-b crosses an organisational boundary."""
    key = key or _boundary_key(g)
    return g.nodes[a].get(key, UNKNOWN) != g.nodes[b].get(key, UNKNOWN)


class _View:
    """A graph as arrays (nodes in graph order, ties as index pairs), built once per
    analysis so every measure runs in NumPy rather than node by node in Python."""

    def __init__(self, g: nx.Graph) -> None:
        self.nodes = list(g.nodes)
        self.n = len(self.nodes)
        position = {node: i for i, node in enumerate(self.nodes)}
        data = [d for _, d in g.nodes(data=True)]
        self.attrs = {
            a: np.array([d.get(a, UNKNOWN) for d in data], dtype=object) for a in ATTRIBUTES
        }
        self.key = _boundary_key(g)
        edges = list(g.edges(data="weight", default=np.nan))
        self.u = np.fromiter((position[a] for a, _, _ in edges), np.int64, len(edges))
        self.v = np.fromiter((position[b] for _, b, _ in edges), np.int64, len(edges))
        self.weight = np.fromiter((w for _, _, w in edges), float, len(edges))
        groups = self.attrs[self.key]
        self.cross = groups[self.u] != groups[self.v]
        self.degree = np.bincount(np.r_[self.u, self.v], minlength=self.n)
        self.triangles = _triangles(self.u, self.v, self.n)

    def clustering(self) -> np.ndarray:
        """Local clustering coefficient of each node (0 below degree 2), as networkx defines it."""
        d = self.degree.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(d > 1, 2 * self.triangles / (d * (d - 1)), 0.0)
        return c


def _triangles(u: np.ndarray, v: np.ndarray, n: int, block: int = 20_000) -> np.ndarray:
    """Triangles through each node: diag(A^3)/2, in blocks of rows to bound memory."""
    from scipy import sparse

    if n == 0:
        return np.zeros(0)
    a = sparse.coo_matrix((np.ones(2 * len(u)), (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    a.data[:] = 1.0  # parallel ties counted once
    out = np.empty(n)
    for start in range(0, n, block):
        rows = a[start : start + block]
        out[start : start + block] = np.asarray((rows @ a).multiply(rows).sum(axis=1)).ravel() / 2
    return out


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2).sum())


EDGE_BUDGET = 30_000_000
"""Sampled betweenness visits about sources x ties edges; the number of sources is cut so
that a whole system (100k practitioners, a million ties) stays within this budget."""


def betweenness(
    g: nx.Graph,
    exact_limit: int = 1000,
    samples: int = 300,
    seed: int = 0,
    view: _View | None = None,
) -> dict[Any, float]:
    """Normalised betweenness; sampled from ``samples`` sources (seeded) above ``exact_limit``
    nodes, fewer on very large networks (:data:`EDGE_BUDGET`). The sources and numbers are
    networkx's ``betweenness_centrality(g, k, seed)``, computed by a compiled kernel."""
    view = view or _View(g)
    budget = max(50, EDGE_BUDGET // max(len(view.u), 1))
    k = None if view.n <= exact_limit else min(samples, view.n, budget)
    indptr, indices = brandes.csr(view.u, view.v, view.n)
    scores = brandes.betweenness(indptr, indices, brandes.sources(view.nodes, k, seed))
    return dict(zip(view.nodes, scores.tolist(), strict=True))


def overview(g: nx.Graph, view: _View | None = None) -> pd.DataFrame:
    """One row of whole-network measures (counts, densities as proportions, clustering)."""
    view = view or _View(g)
    n, m = view.n, len(view.u)
    n_cross = int(view.cross.sum())
    groups = pd.Series(view.attrs[view.key]).value_counts().to_numpy()
    possible_cross = n * (n - 1) / 2 - _pairs(groups)
    comps = sorted((len(c) for c in nx.connected_components(g)), reverse=True) if n else []
    trust = view.weight[view.cross]
    triads = float((view.degree * (view.degree - 1) / 2).sum())
    return pd.DataFrame(
        [
            {
                "practitioners": n,
                "ties": m,
                "density": nx.density(g) if n > 1 else 0.0,
                "mean_degree": 2 * m / n if n else 0.0,
                "cross_boundary_ties": n_cross,
                "cross_boundary_share": n_cross / m if m else 0.0,
                "cross_boundary_density": n_cross / possible_cross if possible_cross else 0.0,
                "mean_cross_boundary_trust": float(np.nanmean(trust))
                if np.isfinite(trust).any()
                else np.nan,
                "average_clustering": sum(view.clustering().tolist()) / n if n else 0.0,
                "transitivity": float(view.triangles.sum()) / triads
                if view.triangles.sum()
                else 0.0,
                "components": len(comps),
                "largest_component_share": comps[0] / n if n else 0.0,
                "isolates": int((view.degree == 0).sum()),
                "boundary": view.key,
            }
        ]
    )


def type_density(g: nx.Graph, view: _View | None = None) -> pd.DataFrame:
    """Tie density within and across organisation types (long form, one row per type pair).

    ``pairs`` is the number of possible practitioner pairs (n(n-1)/2 within a
    type, n_a x n_b across two), ``density`` = ties / pairs.
    """
    view = view or _View(g)
    types = view.attrs["organisation_type"]
    names = sorted(set(types.tolist()))
    code = {t: i for i, t in enumerate(names)}
    codes = np.array([code[t] for t in types.tolist()], dtype=np.int64)
    size = np.bincount(codes, minlength=len(names))
    a, b = codes[view.u], codes[view.v]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    ties = np.bincount(lo * len(names) + hi, minlength=len(names) ** 2)
    rows = []
    for i, ta in enumerate(names):
        for j in range(i, len(names)):
            pairs = size[i] * (size[i] - 1) / 2 if i == j else size[i] * size[j]
            t = int(ties[i * len(names) + j])
            rows.append(
                {
                    "type_a": ta,
                    "type_b": names[j],
                    "within": i == j,
                    "ties": t,
                    "pairs": int(pairs),
                    "density": t / pairs if pairs else 0.0,
                }
            )
    return pd.DataFrame(rows)


def brokers(
    g: nx.Graph, top: int = 20, view: _View | None = None, **betweenness_args: Any
) -> pd.DataFrame:
    """Practitioners with cross-boundary ties, ranked by betweenness (normalised, 0-1)."""
    view = view or _View(g)
    bc = betweenness(g, view=view, **betweenness_args)
    src = np.r_[view.u[view.cross], view.v[view.cross]]
    dst = np.r_[view.v[view.cross], view.u[view.cross]]
    cross_degree = np.bincount(src, minlength=view.n)
    type_names, type_codes = np.unique(
        view.attrs["organisation_type"].astype(str), return_inverse=True
    )
    reached = np.unique(src * max(len(type_names), 1) + type_codes[dst]) // max(len(type_names), 1)
    types_reached = np.bincount(reached, minlength=view.n)
    chosen = np.flatnonzero(cross_degree > 0)
    columns = [
        "practitioner",
        *ATTRIBUTES,
        "betweenness",
        "degree",
        "cross_boundary_degree",
        "types_reached",
    ]
    df = pd.DataFrame(
        {
            "practitioner": [view.nodes[i] for i in chosen],
            **{a: view.attrs[a][chosen] for a in ATTRIBUTES},
            "betweenness": [bc.get(view.nodes[i], 0.0) for i in chosen],
            "degree": view.degree[chosen],
            "cross_boundary_degree": cross_degree[chosen],
            "types_reached": types_reached[chosen],
        },
        columns=columns,
    )
    return (
        df.sort_values(["betweenness", "cross_boundary_degree"], ascending=False)
        .head(top)
        .reset_index(drop=True)
    )


def components(g: nx.Graph, top: int = 20) -> pd.DataFrame:
    """The largest connected components: size, localities and organisation types they span."""
    rows = []
    for i, comp in enumerate(sorted(nx.connected_components(g), key=len, reverse=True)[:top]):
        attrs = [g.nodes[x] for x in comp]
        rows.append(
            {
                "component": i + 1,
                "practitioners": len(comp),
                "localities": len({a.get("locality", UNKNOWN) for a in attrs}),
                "organisation_types": len({a.get("organisation_type", UNKNOWN) for a in attrs}),
            }
        )
    return pd.DataFrame(
        rows, columns=["component", "practitioners", "localities", "organisation_types"]
    )


def localities(g: nx.Graph, view: _View | None = None) -> pd.DataFrame:
    """Per locality: practitioners, ties inside it, cross-boundary ties and density, clustering."""
    view = view or _View(g)
    loc = view.attrs["locality"]
    clustering = view.clustering()
    groups = view.attrs[view.key]
    inside = loc[view.u] == loc[view.v]
    rows = []
    for name in dict.fromkeys(loc.tolist()):
        mine = loc == name
        n = int(mine.sum())
        counts = pd.Series(groups[mine]).value_counts().to_numpy()
        possible = n * (n - 1) / 2 - _pairs(counts)
        here = inside & mine[view.u]
        cross = int((here & view.cross).sum())
        rows.append(
            {
                "locality": name,
                "practitioners": n,
                "ties": int(here.sum()),
                "cross_boundary_ties": cross,
                "cross_boundary_density": cross / possible if possible else 0.0,
                "average_clustering": float(np.mean(clustering[mine])),
            }
        )
    return pd.DataFrame(rows)


def analyse(
    g: nx.Graph, *, top: int = 20, exact_limit: int = 1000, samples: int = 300, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """All tables for one network: overview, type_density, brokers, components, localities."""
    view = _View(g)
    return {
        "overview": overview(g, view),
        "type_density": type_density(g, view),
        "brokers": brokers(
            g, top=top, view=view, exact_limit=exact_limit, samples=samples, seed=seed
        ),
        "components": components(g, top=top),
        "localities": localities(g, view),
    }


def compare(
    before: Mapping[str, pd.DataFrame], after: Mapping[str, pd.DataFrame]
) -> dict[str, pd.DataFrame]:
    """How the network changed: overview and type densities before, after and the change."""
    ob, oa = before["overview"].iloc[0], after["overview"].iloc[0]
    rows = [
        {"measure": k, "before": ob[k], "after": oa[k], "change": oa[k] - ob[k]}
        for k in ob.index
        if isinstance(ob[k], int | float | np.number) and not isinstance(ob[k], bool)
    ]
    keys = ["type_a", "type_b", "within"]
    td = before["type_density"].merge(
        after["type_density"], on=keys, how="outer", suffixes=("_before", "_after")
    )
    td["change"] = td["density_after"].fillna(0) - td["density_before"].fillna(0)
    loc = before["localities"].merge(
        after["localities"], on="locality", how="outer", suffixes=("_before", "_after")
    )
    loc["cross_boundary_density_change"] = (
        loc["cross_boundary_density_after"] - loc["cross_boundary_density_before"]
    )
    return {
        "overview_change": pd.DataFrame(rows),
        "type_density_change": td,
        "localities_change": loc,
    }


def stack(analyses: Mapping[str, Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Tables of several analyses (e.g. before, after) stacked with a leading ``network`` column."""
    names = list(next(iter(analyses.values())))
    return {
        t: pd.concat(
            [a[t].assign(network=label) for label, a in analyses.items()], ignore_index=True
        )[["network", *next(iter(analyses.values()))[t].columns]]
        for t in names
    }
