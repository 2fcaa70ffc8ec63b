"""Behavioural network analysis on small graphs with known answers, file loading, and drawing speed."""

from __future__ import annotations

import io
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from integration_sim.analysis import network as na
from integration_sim.errors import InputError
from integration_sim.present.charts.network import (
    network_before_after,
    network_measures,
    sample_nodes,
)


def _toy() -> nx.Graph:
    """Two organisations: a triangle in org A (type t1), a pair in org B (type t2), one bridge a3-b1."""
    table = pd.DataFrame(
        {
            "organisation": ["A", "A", "A", "B", "B"],
            "organisation_type": ["t1", "t1", "t1", "t2", "t2"],
            "role": ["nurse", "nurse", "gp", "social_worker", "social_worker"],
            "locality": ["X"] * 5,
        }
    )
    u = np.array([0, 0, 1, 2, 3])
    v = np.array([1, 2, 2, 3, 4])
    return na.graph_from_arrays(
        u, v, table, weight=np.array([1, 1, 1, 0.4, 1]), layer=np.array([0, 0, 0, 1, 0])
    )


def test_overview_known_answers():
    o = na.overview(_toy()).iloc[0]
    assert o["practitioners"] == 5 and o["ties"] == 5
    assert o["density"] == pytest.approx(5 / 10)
    assert o["cross_boundary_ties"] == 1
    assert o["cross_boundary_density"] == pytest.approx(1 / (3 * 2))  # 6 possible A-B pairs
    assert o["mean_cross_boundary_trust"] == pytest.approx(0.4)
    assert o["components"] == 1 and o["largest_component_share"] == 1.0
    # Triangle nodes 0, 1 have clustering 1; node 2 has 1/3; nodes 3, 4 have 0.
    assert o["average_clustering"] == pytest.approx((1 + 1 + 1 / 3) / 5)


def test_type_density_within_and_across():
    td = na.type_density(_toy()).set_index(["type_a", "type_b"])
    assert td.loc[("t1", "t1"), "density"] == pytest.approx(3 / 3)
    assert td.loc[("t1", "t2"), "pairs"] == 6 and td.loc[("t1", "t2"), "ties"] == 1
    assert td.loc[("t2", "t2"), "density"] == pytest.approx(1.0)


def test_brokers_rank_the_bridge_first():
    b = na.brokers(_toy())
    assert list(b["practitioner"][:2]) == [2, 3]  # the two ends of the only cross-boundary tie
    assert b.iloc[0]["cross_boundary_degree"] == 1 and b.iloc[0]["types_reached"] == 1


def test_components_and_compare():
    g = _toy()
    after = g.copy()
    after.remove_edge(2, 3)
    before_t, after_t = na.analyse(g), na.analyse(after)
    assert list(after_t["components"]["practitioners"]) == [3, 2]
    change = na.compare(before_t, after_t)["overview_change"].set_index("measure")
    assert change.loc["cross_boundary_ties", "change"] == -1
    assert change.loc["components", "after"] == 2


def test_sampled_betweenness_is_reproducible():
    g = nx.connected_watts_strogatz_graph(400, 6, 0.1, seed=1)
    a = na.betweenness(g, exact_limit=100, samples=50, seed=3)
    b = na.betweenness(g, exact_limit=100, samples=50, seed=3)
    assert a == b


def test_read_edgelist_with_practitioners(tmp_path):
    (tmp_path / "edges.csv").write_text(
        "source,target,weight\np1,p2,0.5\np2,p3,0.9\n", encoding="utf-8"
    )
    (tmp_path / "people.csv").write_text(
        "id,organisation,role,locality,organisation_type\n"
        "p1,Council,social_worker,North,adult_social_care\n"
        "p2,Trust,discharge_nurse,North,acute_trust\n"
        "p3,Trust,ward_nurse,North,acute_trust\n"
        "p4,Charity,link_worker,North,voluntary_sector\n",
        encoding="utf-8",
    )
    g = na.read_edgelist(tmp_path / "edges.csv", tmp_path / "people.csv")
    assert g.number_of_nodes() == 4 and g.nodes["p4"]["organisation_type"] == "voluntary_sector"
    o = na.overview(g).iloc[0]
    assert o["cross_boundary_ties"] == 1 and o["isolates"] == 1


def test_read_edgelist_errors_name_the_problem(tmp_path):
    (tmp_path / "bad.csv").write_text("from,to\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        na.read_edgelist(tmp_path / "bad.csv")
    (tmp_path / "edges.csv").write_text("source,target,weight\na,b,lots\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected a number") as err:
        na.read_edgelist(tmp_path / "edges.csv")
    assert err.value.line == 2
    (tmp_path / "edges.csv").write_text("source,target\na,zz\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        "id,organisation,role,locality\na,O,r,L\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="not in the practitioner table"):
        na.read_edgelist(tmp_path / "edges.csv", tmp_path / "people.csv")
    with pytest.raises(InputError, match="file not found"):
        na.read_edgelist(tmp_path / "missing.csv")


def _big(n_per_org: int = 100) -> nx.Graph:
    """About 4,000 practitioners in 5 localities x 8 organisations."""
    rng = np.random.default_rng(0)
    rows = [
        {
            "organisation": f"{loc}-{o}",
            "organisation_type": f"type{o}",
            "role": "r",
            "locality": f"L{loc}",
        }
        for loc in range(5)
        for o in range(8)
        for _ in range(n_per_org)
    ]
    table = pd.DataFrame(rows)
    n = len(table)
    u = rng.integers(0, n, 4 * n)
    v = np.clip(u + rng.integers(-150, 150, u.size), 0, n - 1)
    return na.graph_from_arrays(u, v, table, weight=rng.uniform(0.1, 1, u.size))


def test_network_drawing_is_fast_and_sampled_for_big_networks():
    g = _big()
    nodes = sample_nodes(g, max_nodes=1200)
    assert len(nodes) <= 1200
    assert {g.nodes[x]["locality"] for x in nodes} == {
        "L0"
    }  # whole localities (800 each) while they fit
    start = time.perf_counter()
    chart = network_before_after(g, g, max_nodes=1200)
    chart.figure.savefig(io.BytesIO(), format="png", dpi=60)
    assert time.perf_counter() - start < 20
    assert "showing 800 of 4000" in chart.figure.get_suptitle()


def test_network_measures_chart_single_and_change():
    t = na.analyse(_toy())
    assert network_measures(t).caption
    assert "during the run" in network_measures(t, t).caption


def test_network_cli_on_an_edge_list(tmp_path, capsys):
    from integration_sim.cli import main

    (tmp_path / "edges.csv").write_text("source,target\np1,p2\np2,p3\np3,p1\n", encoding="utf-8")
    (tmp_path / "people.csv").write_text(
        "id,organisation,role,locality\np1,Council,sw,N\np2,Trust,dn,N\np3,Trust,wn,N\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert (
        main(
            [
                "network",
                str(tmp_path / "edges.csv"),
                "--practitioners",
                str(tmp_path / "people.csv"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    for name in (
        "overview.csv",
        "type_density.csv",
        "brokers.csv",
        "components.csv",
        "localities.csv",
        "network.png",
        "network_measures.png",
    ):
        assert (out / name).exists(), name
    assert pd.read_csv(out / "overview.csv")["cross_boundary_ties"].iloc[0] == 2
    assert main(["network", str(tmp_path / "missing.csv"), "-o", str(out)]) == 2
    assert "file not found" in capsys.readouterr().err
