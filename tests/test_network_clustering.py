"""Generated networks like measured ones: triangle closure sets clustering at a given degree."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from integration_sim.config.load import parse_scenario
from integration_sim.engine.model import IntegrationModel

PLACE = {
    "name": "clustered",
    "seed": 1,
    "horizon_weeks": 2,
    "system": {
        "localities": [{"name": f"L{i}"} for i in range(4)],
        "organisations": [
            {"type": "gp_practice", "staff": 20},
            {"type": "community_health", "localities": ["L0"], "staff": 20},
            {"type": "adult_social_care", "staff": 15},
        ],
    },
    "behaviour_set": ["joint_assessment"],
    "strategies": {"none": {"kind": "custom"}},
}


def _measures(closure: float, seeds=range(6)) -> tuple[float, float]:
    """Mean degree and average clustering of the generated network, averaged over seeds."""
    data = {
        **PLACE,
        "parameters": {
            "network": {
                "team_size": 2,
                "within_organisation_ties": 1.0,
                "cross_boundary_ties": 1.0,
                "triangle_closure": closure,
            }
        },
    }
    scenario = parse_scenario(data)
    degree, clustering = [], []
    for seed in seeds:
        ties = IntegrationModel(scenario, "none", seed).ties
        u, v, _, _ = ties.live()
        g = nx.Graph()
        g.add_nodes_from(range(ties.n))
        g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
        degree.append(2 * g.number_of_edges() / ties.n)
        clustering.append(nx.average_clustering(g))
    return float(np.mean(degree)), float(np.mean(clustering))


def test_triangle_closure_reaches_degree_3_and_clustering_0_3():
    d0, c0 = _measures(0.0)
    d1, c1 = _measures(0.4)
    d2, c2 = _measures(0.6)
    assert c0 < 0.1  # pairs and random ties: almost no triangles
    # Each closure adds at most one tie (two ends): degree rises by at most 2 x the chance
    # (less when the two contacts already know each other or a practitioner has one tie).
    assert 0.3 < d1 - d0 <= 0.8
    assert d1 == pytest.approx(3.0, abs=0.3)
    assert c1 == pytest.approx(0.3, abs=0.06)
    assert c2 > c1 + 0.04 and d2 > d1  # more closure, more clustering
