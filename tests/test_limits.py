"""Limit cases with known answers: the Bass curve, and complex contagion on clustered networks."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from integration_sim.config.load import parse_scenario
from integration_sim.engine.model import IntegrationModel
from integration_sim.runs import simulate

WEEKS_PER_YEAR = 52


def bass(t_years: np.ndarray, p: float, q: float) -> np.ndarray:
    """Bass (1969) cumulative adoption F(t) with innovation p and imitation q per year."""
    e = np.exp(-(p + q) * t_years)
    return (1 - e) / (1 + (q / p) * e)


def _absorbing_behaviour(
    contagion: str, intercept: float, social: float, threshold: int = 2
) -> dict:
    # Habit gain 1 and a large habit coefficient make adoption absorbing: once
    # performed, always performed; with encounter rate 1 it is seen every week.
    return {
        "performers": ["community_health"],
        "partners": ["community_health"],
        "encounter_rate": 1.0,
        "contagion": contagion,
        "threshold": threshold,
        "coefficients": {
            "intercept": intercept,
            "capability": 0,
            "opportunity": 0,
            "motivation": 0,
            "habit": 60.0,
            "social": social,
        },
    }


def _base(
    name: str, staff: int, behaviour: dict, horizon: int, network: dict | None = None
) -> dict:
    return {
        "name": name,
        "horizon_weeks": horizon,
        "seed": 5,
        "system": {
            "localities": [{"name": "X"}],
            "organisations": [{"type": "community_health", "count": 1, "staff": staff}],
            **({"network": network} if network else {}),
        },
        "behaviours": {"adopt": behaviour},
        "behaviour_set": ["adopt"],
        "parameters": {
            "behaviour": {
                "habit_gain": 1.0,
                "habit_decay": 0.0,
                "noise": 0.0,
                "initial_habit": "zero",
            },
            "network": {
                "tie_formation": 0,
                "colocation_tie_formation": 0,
                "joint_work_tie_formation": 0,
            },
        },
        "drivers": {"turnover_scale": 0.0},
    }


def _adoption_curve(
    p: float, q: float, seed_index: int, staff: int = 4000, years: int = 12
) -> np.ndarray:
    pw, qw = p / WEEKS_PER_YEAR, q / WEEKS_PER_YEAR
    data = _base(
        "bass", staff, _absorbing_behaviour("additive", math.log(pw / (1 - pw)), qw), years * 52
    )
    data["parameters"]["network"]["mixing"] = "full"
    rec = simulate(parse_scenario(data), replicate=seed_index).records
    rate = rec[
        (rec.metric == "performance_rate")
        & (rec.locality == "all")
        & (rec.organisation_type == "all")
    ]
    return rate.sort_values("week")["value"].to_numpy()


def test_fully_mixed_adoption_follows_the_bass_curve() -> None:
    p, q, reps = 0.03, 0.38, 8  # Sultan, Farley and Lehmann (1990) typical values, per year
    curves = np.array([_adoption_curve(p, q, r) for r in range(reps)])
    t = (np.arange(curves.shape[1]) + 1) / WEEKS_PER_YEAR
    mean = curves.mean(axis=0)
    # Tolerance at each week: 4 standard errors of the mean over replicates (the
    # replicates' own spread, which is mostly take-off timing) plus the weekly
    # discretisation bound checked in the next test.
    tolerance = 4 * curves.std(axis=0, ddof=1) / np.sqrt(reps) + 0.004
    assert np.all(np.abs(mean - bass(t, p, q)) <= tolerance)
    # The same check rejects a wrong imitation rate.
    assert not np.all(np.abs(mean - bass(t, p, 0.8 * q)) <= tolerance)


def _edge_files(tmp_path: Path, graph: nx.Graph, tag: str) -> dict:
    people = tmp_path / f"people_{tag}.csv"
    edges = tmp_path / f"edges_{tag}.csv"
    people.write_text(
        "id,organisation,role,locality\n"
        + "".join(f"p{i:04d},Community,district_nurse,X\n" for i in graph.nodes)
    )
    edges.write_text(
        "source,target,weight\n" + "".join(f"p{u:04d},p{v:04d},1\n" for u, v in graph.edges)
    )
    return {"edges": str(edges), "practitioners": str(people)}


def _final_share(network: dict, seed: int, noise: float) -> float:
    beh = _absorbing_behaviour("threshold", -30.0, 60.0, threshold=2)
    data = _base("centola", 1, beh, 60, network)
    data["parameters"]["behaviour"]["noise"] = noise
    data["parameters"]["network"].update(trust_growth=0.0, trust_decay=0.0)
    model = IntegrationModel(parse_scenario(data), seed=seed)
    seeds = np.arange(4)  # four neighbouring practitioners (rows are sorted by id) adopt first
    model.pop.performed[seeds, 0] = True
    model.pop.habit[seeds, 0] = 1.0
    model.run()
    return float(model.pop.performed[:, 0].mean())


def test_clustered_networks_spread_complex_contagion_further(tmp_path: Path) -> None:
    n, k = 400, 6
    lattice = nx.watts_strogatz_graph(n, k, 0.0)  # ring lattice, clustering 0.6
    results = {"clustered": [], "random": []}
    for s in range(4):
        rand = nx.random_regular_graph(k, n, seed=s)  # same degree, clustering ~0.015
        results["clustered"].append(
            _final_share(_edge_files(tmp_path, lattice, f"c{s}"), s, noise=1e-5)
        )
        results["random"].append(_final_share(_edge_files(tmp_path, rand, f"r{s}"), s, noise=1e-5))
    clustered, random_ = np.mean(results["clustered"]), np.mean(results["random"])
    # Centola (2010) saw 54% vs 38%; with a strict threshold of 2 and low noise the
    # lattice spreads around the ring while random ties rarely reinforce.
    assert clustered > random_ + 0.3, results
    assert min(results["clustered"]) > max(results["random"]), results


@pytest.mark.parametrize("p", [0.03])
def test_discrete_bass_recursion_is_close_to_continuous(p: float) -> None:
    # Guards the tolerance above: the weekly recursion the engine implements in
    # expectation stays within 0.004 of the continuous curve.
    q = 0.38
    pw, qw = p / 52, q / 52
    f, out = 0.0, []
    for _ in range(12 * 52):
        f = f + (1 - f) * (1 - (1 - pw) * (1 - qw * f))
        out.append(f)
    t = (np.arange(len(out)) + 1) / 52
    assert np.max(np.abs(np.array(out) - bass(t, p, q))) < 0.004
