"""Practitioner network charts: the network before and after, and network measures.

Drawing uses a structured layout computed in O(nodes): localities on a
circle, organisations on a small circle inside each locality, practitioners
on a sunflower (phyllotaxis) disc around their organisation. It is
deterministic, fast for thousands of nodes and meaningful (ties between
clusters are ties across boundaries), unlike a spring layout, which is slow
and lays out differently every time. Large networks are drawn from a sample
of whole localities so that local structure survives.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D

from integration_sim.analysis.network import UNKNOWN, _boundary_key
from integration_sim.present.style import COLOURS, OKABE_ITO, Chart, new_figure, styled, wrap

NETWORK_DPI = 90  # dots per inch of the before/after network picture

CROSS_COLOUR = OKABE_ITO["vermillion"]
GOLDEN = math.pi * (3 - math.sqrt(5))


def sample_nodes(g: nx.Graph, max_nodes: int = 1200, seed: int = 0) -> list[Any]:
    """Nodes to draw: whole localities in order while they fit, then a seeded random sample."""
    by_loc: dict[str, list[Any]] = defaultdict(list)
    for node, d in g.nodes(data=True):
        by_loc[d.get("locality", UNKNOWN)].append(node)
    chosen: list[Any] = []
    for nodes in by_loc.values():
        if chosen and len(chosen) + len(nodes) > max_nodes:
            break
        chosen += nodes
    if len(chosen) > max_nodes:
        rng = np.random.default_rng(seed)
        chosen = [chosen[i] for i in sorted(rng.choice(len(chosen), max_nodes, replace=False))]
    return chosen


def structured_layout(g: nx.Graph, nodes: list[Any]) -> dict[Any, tuple[float, float]]:
    """Positions: locality -> organisation -> practitioner, each on a circle or disc."""
    tree: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for node in nodes:
        d = g.nodes[node]
        tree[d.get("locality", UNKNOWN)][
            f"{d.get('organisation_type', UNKNOWN)}|{d.get('organisation', UNKNOWN)}"
        ].append(node)
    pos: dict[Any, tuple[float, float]] = {}
    n_loc = len(tree)
    r_loc = 0.0 if n_loc == 1 else 3.0
    for i, (_, orgs) in enumerate(sorted(tree.items())):
        cx, cy = (
            r_loc * math.cos(2 * math.pi * i / n_loc),
            r_loc * math.sin(2 * math.pi * i / n_loc),
        )
        n_org = len(orgs)
        r_org = 0.0 if n_org == 1 else 1.0
        for j, (_, members) in enumerate(sorted(orgs.items())):
            ox = cx + r_org * math.cos(2 * math.pi * j / n_org)
            oy = cy + r_org * math.sin(2 * math.pi * j / n_org)
            scale = 0.5 / math.sqrt(max(len(members), 1)) * min(1.0, 4.0 / max(n_org, 1)) ** 0.5
            for k, node in enumerate(members):
                r = scale * math.sqrt(k + 0.5)
                pos[node] = (ox + r * math.cos(k * GOLDEN), oy + r * math.sin(k * GOLDEN))
    return pos


def _draw(
    ax: Any, g: nx.Graph, nodes: list[Any], pos: dict, type_colour: dict[str, str], key: str
) -> int:
    keep = set(nodes)
    within, cross, widths = [], [], []
    for a, b, d in g.edges(data=True):
        if a not in keep or b not in keep:
            continue
        seg = (pos[a], pos[b])
        if g.nodes[a].get(key, UNKNOWN) != g.nodes[b].get(key, UNKNOWN):
            cross.append(seg)
            widths.append(0.15 + 0.6 * float(d.get("weight", 0.5)))  # thicker = more trust
        else:
            within.append(seg)
    ax.add_collection(LineCollection(within, colors="0.78", linewidths=0.25, zorder=1))
    ax.add_collection(
        LineCollection(cross, colors=CROSS_COLOUR, linewidths=widths, alpha=0.35, zorder=2)
    )
    xy = np.array([pos[n] for n in nodes]) if nodes else np.zeros((0, 2))
    colours = [type_colour.get(g.nodes[n].get("organisation_type", UNKNOWN), "0.5") for n in nodes]
    ax.scatter(xy[:, 0], xy[:, 1], s=5, c=colours, lw=0, zorder=3)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.autoscale_view()
    return len(cross)


def _type_colours(*graphs: nx.Graph) -> dict[str, str]:
    types = sorted(
        {d.get("organisation_type", UNKNOWN) for g in graphs for _, d in g.nodes(data=True)}
    )
    palette = [c for c in COLOURS if c != CROSS_COLOUR]
    return {t: palette[i % len(palette)] for i, t in enumerate(types)}


@styled
def network_before_after(
    before: nx.Graph,
    after: nx.Graph | Mapping[str, nx.Graph] | None = None,
    *,
    max_nodes: int = 1200,
    seed: int = 0,
    titles: tuple[str, str] = ("Before", "After"),
) -> Chart:
    """The practitioner network: one panel, before and after, or before and one panel per run.

    ``after`` is a graph or a mapping of panel titles to graphs (e.g. the
    network at the end of each strategy's run). Grey: ties inside an
    organisation; vermillion: cross-boundary ties, wider for more trust. Node
    colour: organisation type. Every panel uses the same sampled nodes and
    positions, so panels compare like with like.
    """
    if after is None:
        panels = {titles[0]: before}
    elif isinstance(after, nx.Graph):
        panels = {titles[0]: before, titles[1]: after}
    else:
        panels = {titles[0]: before, **after}
    nodes = sample_nodes(before, max_nodes, seed)
    pos = structured_layout(before, nodes)
    key = _boundary_key(before)
    colours = _type_colours(*panels.values())
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    # Many panels of dots: a lower resolution keeps the picture legible and the report small.
    fig = new_figure(5.2 * ncols, 5.0 * nrows + 1.2, dpi=NETWORK_DPI)
    axes = np.atleast_1d(fig.subplots(nrows, ncols)).ravel()
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    for ax, (name, g) in zip(axes, panels.items(), strict=False):
        n_cross = _draw(ax, g, nodes, pos, colours, key)
        ax.set_title(f"{wrap(name, 40)}\n{n_cross} cross-boundary ties shown", fontsize=9)
    shown = len(nodes)
    handles = [
        Line2D([], [], color=CROSS_COLOUR, lw=1.5, label="cross-boundary tie (wider = more trust)"),
        Line2D([], [], color="0.7", lw=0.8, label="tie inside an organisation"),
    ]
    handles += [
        Line2D([], [], marker="o", ls="", color=c, label=t.replace("_", " "))
        for t, c in colours.items()
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    sample = (
        ""
        if shown == before.number_of_nodes()
        else f" (showing {shown} of {before.number_of_nodes()} practitioners)"
    )
    title = "Practitioner network" + (" before and after" if after is not None else "")
    fig.suptitle(title + sample, fontweight="bold")
    caption = (
        "Each cluster is one organisation and each ring of clusters one locality: more and wider "
        "vermillion lines between clusters means more, and more trusted, working across boundaries."
    )
    return Chart("network_before_after" if after is not None else "network", title, caption, fig)


@styled
def network_measures(
    before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame] | None = None
) -> Chart:
    """Tie density by organisation-type pair (heatmap; or its change) and the top brokers."""
    show = after if after is not None else before
    td = show["type_density"]
    types = sorted(set(td["type_a"]) | set(td["type_b"]))
    fig = new_figure(12, 5.2)
    ax1, ax2 = fig.subplots(1, 2, width_ratios=[1.1, 1])
    mat = np.full((len(types), len(types)), np.nan)
    base = None
    if after is not None:
        bt = before["type_density"].set_index(["type_a", "type_b"])["density"]
    for _, r in td.iterrows():
        i, j = types.index(r.type_a), types.index(r.type_b)
        val = r.density
        if after is not None:
            base = bt.get((r.type_a, r.type_b), 0.0)
            val = r.density - base
        mat[i, j] = mat[j, i] = val * 1000  # ties per 1,000 possible pairs reads better than 0.00x
    if after is not None:
        lim = np.nanmax(np.abs(mat)) or 1.0
        im = ax1.imshow(mat, cmap="PuOr_r", vmin=-lim, vmax=lim)
        label = "change in ties per 1,000 possible pairs (after - before)"
        ax1.set_title("Change in tie density by organisation type")
    else:
        im = ax1.imshow(mat, cmap="cividis")
        label = "ties per 1,000 possible pairs"
        ax1.set_title("Tie density within and across organisation types")
    names = [t.replace("_", " ") for t in types]
    ax1.set_xticks(range(len(types)), names, rotation=40, ha="right")
    ax1.set_yticks(range(len(types)), names)
    ax1.grid(False)
    fig.colorbar(im, ax=ax1, label=label, shrink=0.8)
    _draw_brokers(ax2, show["brokers"].head(12), after is not None)
    title = "Behavioural network analysis"
    fig.suptitle(title, fontweight="bold")
    caption = (
        (
            "Brown cells are organisation-type pairs whose practitioners formed ties during the run, purple "
            "ones lost them; "
            if after is not None
            else "Dark cells off the diagonal are organisation types that rarely work together; "
        )
        + "brokers at the top carry the most cross-boundary paths, so losing them (turnover) would cut most."
    )
    return Chart("network_measures", title, caption, fig)


def _draw_brokers(ax, brokers: pd.DataFrame, after: bool) -> None:
    """The top cross-boundary brokers as bars of betweenness, with their cross ties."""
    labels = [
        f"{r.role.replace('_', ' ')} ({r.organisation_type.replace('_', ' ')}, {r.locality})"
        for r in brokers.itertuples()
    ]
    ax.barh(range(len(brokers)), brokers["betweenness"], color=OKABE_ITO["blue"])
    for y, r in enumerate(brokers.itertuples()):
        ax.text(
            r.betweenness, y, f"  {r.cross_boundary_degree} cross ties", va="center", fontsize=7
        )
    ax.set_yticks(range(len(brokers)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("Betweenness (share of shortest paths through them, 0-1)")
    ax.set_title("Top cross-boundary brokers" + (" (after)" if after else ""))
    ax.margins(x=0.25)
