"""Complex contagion in its own setting: Centola (2010) and the reversal with noise.

Centola (2010, Science 329:1194) ran an online experiment on networks of
98-144 people, each with six neighbours, clustered (a lattice) or random, and
found that a health behaviour that people adopted mostly after hearing of it from
two or more neighbours spread further and faster on the clustered network (about
54% against 38% adoption). Eckles, Mossel, Rahimian and Sen (2024, "Long ties
accelerate noisy threshold-based contagions", Nature Human Behaviour) show that
once enough people adopt independently (noise), the random network's long ties
win. Both are checked through the engine itself: a measured network file of 144
practitioners, the threshold rule with threshold 2, and seeds placed the same way
on both networks (one random practitioner and all their neighbours).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import networkx as nx
import numpy as np

from integration_sim.config.load import parse_scenario
from integration_sim.engine.model import IntegrationModel

SIZE = 144  # a 12 x 24 triangular lattice on a torus: degree 6, clustering 0.4
WEEKS = 12


def lattice() -> nx.Graph:
    """Clustered network: triangular lattice on a torus, 144 nodes of degree 6."""
    g = nx.triangular_lattice_graph(12, 24, periodic=True)
    return nx.convert_node_labels_to_integers(g, ordering="sorted")


def random_network(seed: int) -> nx.Graph:
    """Random regular network with the lattice's size and degree."""
    return nx.random_regular_graph(6, SIZE, seed=seed)


def _scenario(folder: Path, graph: nx.Graph, tag: str, noise: float) -> dict:
    people, edges = folder / f"people_{tag}.csv", folder / f"edges_{tag}.csv"
    people.write_text(
        "id,organisation,role,locality\n"
        + "".join(f"p{i:04d},Community,district_nurse,X\n" for i in sorted(graph.nodes))
    )
    edges.write_text(
        "source,target,weight\n" + "".join(f"p{u:04d},p{v:04d},1\n" for u, v in graph.edges)
    )
    behaviour = {  # absorbing: once adopted, kept (habit); seen every week
        "performers": ["community_health"],
        "partners": ["community_health"],
        "encounter_rate": 1.0,
        "contagion": "threshold",
        "threshold": 2,
        "coefficients": {
            "intercept": -30.0,
            "capability": 0,
            "opportunity": 0,
            "motivation": 0,
            "habit": 60.0,
            "social": 29.4,  # with two adopting neighbours: about 35% a week
        },
    }
    return {
        "name": f"contagion_{tag}",
        "horizon_weeks": WEEKS,
        "seed": 1,
        "system": {
            "localities": [{"name": "X"}],
            "organisations": [{"type": "community_health", "count": 1, "staff": 1}],
            "network": {"edges": str(edges), "practitioners": str(people)},
        },
        "behaviours": {"adopt": behaviour},
        "behaviour_set": ["adopt"],
        "parameters": {
            "behaviour": {
                "habit_gain": 1.0,
                "habit_decay": 0.0,
                "noise": noise,
                "initial_habit": "zero",
            },
            "network": {"trust_growth": 0.0, "trust_decay": 0.0, "tie_replacement": 0.0},
        },
        "drivers": {"turnover_scale": 0.0, "demand_trend": 0.0},
    }


def adoption_curve(graph: nx.Graph, seed: int, noise: float) -> np.ndarray:
    """Share adopted after each week [WEEKS], seeded with a random node and its neighbours."""
    with tempfile.TemporaryDirectory() as tmp:
        data = _scenario(Path(tmp), graph, "g", noise)
        model = IntegrationModel(parse_scenario(data), seed=seed)
    try:
        start = int(np.random.default_rng(seed).integers(SIZE))
        seeds = np.array([start, *graph.neighbors(start)])
        model.pop.performed[seeds, 0] = True
        model.pop.habit[seeds, 0] = 1.0
        curve = []
        for _ in range(WEEKS):
            model.step()
            curve.append(float(model.pop.performed[:, 0].mean()))
        return np.array(curve)
    finally:
        model.release()


def compare(noise: float, trials: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean adoption curves (lattice, random) over ``trials`` seeds and random networks."""
    clustered = np.mean([adoption_curve(lattice(), s, noise) for s in range(trials)], axis=0)
    rand = np.mean([adoption_curve(random_network(s), s, noise) for s in range(trials)], axis=0)
    return clustered, rand
