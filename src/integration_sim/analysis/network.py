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
exact betweenness is O(nodes x ties) and takes minutes on a whole system.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

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
    g.add_edges_from(
        (int(a), int(b), {"weight": float(x), "layer": int(y)})
        for a, b, x, y in zip(u, v, w, lay, strict=True)
        if a != b
    )
    return g


def snapshot_graphs(snapshot: Any) -> tuple[nx.Graph, nx.Graph]:
    """(before, after) graphs from a run's ``runner.NetworkSnapshot``."""
    return tuple(
        graph_from_arrays(*ties[:2], snapshot.people, *ties[2:])
        for ties in (snapshot.before, snapshot.after)
    )


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


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2).sum())


def betweenness(
    g: nx.Graph, exact_limit: int = 1000, samples: int = 300, seed: int = 0
) -> dict[Any, float]:
    """Normalised betweenness; sampled from ``samples`` sources (seeded) above ``exact_limit`` nodes."""
    n = g.number_of_nodes()
    k = None if n <= exact_limit else min(samples, n)
    return nx.betweenness_centrality(g, k=k, seed=seed if k else None, normalized=True)


def overview(g: nx.Graph) -> pd.DataFrame:
    """One row of whole-network measures (counts, densities as proportions, clustering)."""
    key = _boundary_key(g)
    n, m = g.number_of_nodes(), g.number_of_edges()
    cross = [(a, b, d) for a, b, d in g.edges(data=True) if cross_boundary(g, a, b, key)]
    groups = (
        pd.Series([d.get(key, UNKNOWN) for _, d in g.nodes(data=True)]).value_counts().to_numpy()
    )
    possible_cross = n * (n - 1) / 2 - _pairs(groups)
    comps = sorted((len(c) for c in nx.connected_components(g)), reverse=True) if n else []
    trust = np.array([d.get("weight", np.nan) for _, _, d in cross], dtype=float)
    return pd.DataFrame(
        [
            {
                "practitioners": n,
                "ties": m,
                "density": nx.density(g) if n > 1 else 0.0,
                "mean_degree": 2 * m / n if n else 0.0,
                "cross_boundary_ties": len(cross),
                "cross_boundary_share": len(cross) / m if m else 0.0,
                "cross_boundary_density": len(cross) / possible_cross if possible_cross else 0.0,
                "mean_cross_boundary_trust": float(np.nanmean(trust))
                if np.isfinite(trust).any()
                else np.nan,
                "average_clustering": nx.average_clustering(g) if n else 0.0,
                "transitivity": nx.transitivity(g) if n else 0.0,
                "components": len(comps),
                "largest_component_share": comps[0] / n if n else 0.0,
                "isolates": nx.number_of_isolates(g),
                "boundary": key,
            }
        ]
    )


def type_density(g: nx.Graph) -> pd.DataFrame:
    """Tie density within and across organisation types (long form, one row per type pair).

    ``pairs`` is the number of possible practitioner pairs (n(n-1)/2 within a
    type, n_a x n_b across two), ``density`` = ties / pairs.
    """
    types = pd.Series({node: d.get("organisation_type", UNKNOWN) for node, d in g.nodes(data=True)})
    names = sorted(types.unique())
    size = types.value_counts()
    ties: dict[tuple[str, str], int] = {}
    for a, b in g.edges():
        pair = tuple(sorted((types[a], types[b])))
        ties[pair] = ties.get(pair, 0) + 1
    rows = []
    for i, ta in enumerate(names):
        for tb in names[i:]:
            pairs = size[ta] * (size[ta] - 1) / 2 if ta == tb else size[ta] * size[tb]
            t = ties.get((ta, tb), 0)
            rows.append(
                {
                    "type_a": ta,
                    "type_b": tb,
                    "within": ta == tb,
                    "ties": t,
                    "pairs": int(pairs),
                    "density": t / pairs if pairs else 0.0,
                }
            )
    return pd.DataFrame(rows)


def brokers(g: nx.Graph, top: int = 20, **betweenness_args: Any) -> pd.DataFrame:
    """Practitioners with cross-boundary ties, ranked by betweenness (normalised, 0-1)."""
    key = _boundary_key(g)
    bc = betweenness(g, **betweenness_args)
    rows = []
    for node, d in g.nodes(data=True):
        nbrs = list(g.neighbors(node))
        cross = [x for x in nbrs if cross_boundary(g, node, x, key)]
        if not cross:
            continue
        rows.append(
            {
                "practitioner": node,
                **{a: d.get(a, UNKNOWN) for a in ATTRIBUTES},
                "betweenness": bc.get(node, 0.0),
                "degree": len(nbrs),
                "cross_boundary_degree": len(cross),
                "types_reached": len({g.nodes[x].get("organisation_type", UNKNOWN) for x in cross}),
            }
        )
    df = pd.DataFrame(
        rows,
        columns=[
            "practitioner",
            *ATTRIBUTES,
            "betweenness",
            "degree",
            "cross_boundary_degree",
            "types_reached",
        ],
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


def localities(g: nx.Graph) -> pd.DataFrame:
    """Per locality: practitioners, ties inside it, cross-boundary ties and density, clustering."""
    key = _boundary_key(g)
    rows = []
    by_loc: dict[str, list[Any]] = {}
    for node, d in g.nodes(data=True):
        by_loc.setdefault(d.get("locality", UNKNOWN), []).append(node)
    clustering = nx.clustering(g)
    for loc, nodes in by_loc.items():
        sub = g.subgraph(nodes)
        n = len(nodes)
        groups = pd.Series([g.nodes[x].get(key, UNKNOWN) for x in nodes]).value_counts().to_numpy()
        possible = n * (n - 1) / 2 - _pairs(groups)
        cross = sum(1 for a, b in sub.edges() if cross_boundary(g, a, b, key))
        rows.append(
            {
                "locality": loc,
                "practitioners": n,
                "ties": sub.number_of_edges(),
                "cross_boundary_ties": cross,
                "cross_boundary_density": cross / possible if possible else 0.0,
                "average_clustering": float(np.mean([clustering[x] for x in nodes])),
            }
        )
    return pd.DataFrame(rows)


def analyse(
    g: nx.Graph, *, top: int = 20, exact_limit: int = 1000, samples: int = 300, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """All tables for one network: overview, type_density, brokers, components, localities."""
    return {
        "overview": overview(g),
        "type_density": type_density(g),
        "brokers": brokers(g, top=top, exact_limit=exact_limit, samples=samples, seed=seed),
        "components": components(g, top=top),
        "localities": localities(g),
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
