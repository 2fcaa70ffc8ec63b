"""Generated networks that match a measured network known only by its summary.

A scenario can give ``parameters.network.target``: the mean degree and average
clustering of a measured network (and optionally its share of cross-boundary
ties). The generator's own parameters (``team_size``, the random ties inside
and across organisations, ``triangle_closure``) are then searched so that the
*expected* summary of a generated network of this place equals the target.

The search is deterministic: each candidate is scored on the same evaluation
networks of the place, seeded from the scenario seed, and a quasi-Newton
search (Broyden updates of a finite-difference Jacobian) finds the parameters
in a few dozen scorings. Team sizes are tried from the scenario's own
``team_size`` outwards, and the first that reaches the target is kept. Shared
seeds do not make the scores smooth (a Poisson draw uses a varying count of
random numbers, so other parameters draw other networks), so the search can
fit its own noise: its last step is taken from fresh networks and the values
it reports come from networks it never used. The fit is cached per place,
network structure and seed, so every replicate and strategy of a scenario gets
the same generator parameters and their networks still differ only by their
own run seeds (common random numbers between strategies hold).

Each network is one draw: its mean degree and clustering scatter around the
target (:attr:`NetworkFit.spread` gives the per-network standard deviations).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import numba
import numpy as np

from integration_sim.config.scenario import Scenario
from integration_sim.config.schema import NetworkParameters, NetworkTarget
from integration_sim.config.yaml_io import key_lines
from integration_sim.engine.network import CROSS, TieTable, generate_ties
from integration_sim.engine.seeds import side_rng
from integration_sim.engine.spanning import add_spanning_ties
from integration_sim.engine.state import Population, build_population
from integration_sim.errors import InputError

EVALUATION_PRACTITIONERS = 8_000  # practitioners generated per scoring, over several networks
MIN_NETWORKS, MAX_NETWORKS = 4, 80  # networks per scoring, whatever the place's size
ITERATIONS = 12  # quasi-Newton steps per team size
MIN_STEP = 0.2  # ... of the full step: shorter ones are not tried
TEAM_SIZES = 6  # team sizes tried at most, nearest the scenario's first
DEGREE_TOLERANCE = 0.01  # relative: the search stops when the expected mean degree is this close
SHARE_TOLERANCE = 0.005  # absolute, for clustering and the cross-boundary share
DEFAULT_CROSS_RATIO = 0.25  # cross : all random ties when the scenario sets both to 0 (1 : 3)
_CACHE: dict[str, NetworkFit] = {}
_CACHE_SIZE = 32


@dataclass(frozen=True)
class NetworkFit:
    """Generator parameters found for a target, and what they give.

    ``expected`` holds (mean degree, average clustering, cross-boundary share)
    averaged over ``networks`` evaluation networks; ``spread`` their standard
    deviations between single networks; ``reached`` whether the expected values
    are within the search tolerances of the target (allowing 4 standard errors
    for the noise of the evaluation networks, when they are fresh ones).
    """

    parameters: NetworkParameters
    expected: tuple[float, float, float]
    spread: tuple[float, float, float]
    networks: int
    reached: bool


def network_summary(ties: TieTable) -> tuple[float, float, float]:
    """(mean degree, average clustering, share of ties crossing an organisational boundary).

    Clustering is the mean over practitioners of the share of pairs of their
    contacts who are tied, counting practitioners with fewer than two ties as 0
    (networkx's ``average_clustering``).
    """
    u, v, _, layer = ties.live()
    if ties.n == 0:
        return 0.0, 0.0, 0.0
    degree_sum, clustering_sum = _degree_and_clustering(
        u.astype(np.int64), v.astype(np.int64), ties.n
    )
    cross = float(np.mean(layer == CROSS)) if layer.size else 0.0
    return degree_sum / ties.n, clustering_sum / ties.n, cross


@numba.njit(cache=True)
def _degree_and_clustering(u, v, n):
    """Sums over practitioners of degree and of local clustering, for distinct ties (u, v)."""
    degree = np.zeros(n, np.int64)
    for e in range(u.size):
        degree[u[e]] += 1
        degree[v[e]] += 1
    start = np.zeros(n + 1, np.int64)
    for i in range(n):
        start[i + 1] = start[i] + degree[i]
    fill = start[:-1].copy()
    neighbours = np.empty(2 * u.size, np.int64)
    for e in range(u.size):
        neighbours[fill[u[e]]] = v[e]
        fill[u[e]] += 1
        neighbours[fill[v[e]]] = u[e]
        fill[v[e]] += 1
    mark = np.zeros(n, np.bool_)
    clustering = 0.0
    for i in range(n):
        k = degree[i]
        if k < 2:
            continue
        for s in range(start[i], start[i + 1]):
            mark[neighbours[s]] = True
        closed = 0  # each tie among i's contacts is seen from both ends
        for s in range(start[i], start[i + 1]):
            j = neighbours[s]
            for t in range(start[j], start[j + 1]):
                if mark[neighbours[t]]:
                    closed += 1
        for s in range(start[i], start[i + 1]):
            mark[neighbours[s]] = False
        clustering += closed / (k * (k - 1.0))
    return float(degree.sum()), clustering


def place_ties(
    pop: Population,
    params: NetworkParameters,
    network_rng: np.random.Generator,
    spanning_rng: np.random.Generator,
) -> TieTable:
    """A generated place's ties: teams, random and closing ties, then spanning ties."""
    ties = generate_ties(pop, params, network_rng)
    add_spanning_ties(pop, ties, params, spanning_rng)
    return ties


def generator_parameters(
    pop: Population, params: NetworkParameters, seed: int
) -> NetworkParameters:
    """``params`` as given, or (with a target) the fitted ones, cached per place and seed."""
    if params.target is None:
        return params
    fit = _fit_cached(pop, params, seed)
    if not fit.reached:
        raise InputError(missed_target(params.target, fit), field="parameters.network.target")
    return _fitted(params, fit)


def fit_network(scenario: Scenario) -> NetworkFit:
    """The generator parameters matching ``scenario.parameters.network.target`` in its place.

    The result is cached, and identical to what every run of the scenario uses.
    """
    params = scenario.parameters.network
    if params.target is None:
        raise InputError("the scenario gives no target", field="parameters.network.target")
    pop = build_population(scenario, np.random.default_rng(0))  # only its layout is used
    fit = _fit_cached(pop, params, scenario.seed)
    return replace(fit, parameters=_fitted(params, fit))


def check_target(scenario: Scenario, path: str | Path) -> None:
    """Refuse (InputError naming ``path``, field and line) a network target that the
    generator cannot reach in this place. Run on loading, before any output is
    written; the search is cached, so the runs that follow reuse it."""
    target = scenario.parameters.network.target
    if target is None:
        return
    fit = fit_network(scenario)
    if not fit.reached:
        where = ("parameters", "network", "target")
        raise InputError(
            missed_target(target, fit),
            file=path,
            field=".".join(where),
            line=key_lines(Path(path).read_text(encoding="utf-8")).get(where),
        )


# ------------------------------------------------------------------- the search

# What shapes the network at build time (the cache key); the rest (trust, tie
# dynamics) does not, so changing it reuses the search.
STRUCTURE = {
    "team_size",
    "within_organisation_ties",
    "cross_boundary_ties",
    "spanning_ties",
    "cross_locality_share",
    "target",
}
SEARCHED = ("team_size", "within_organisation_ties", "cross_boundary_ties", "triangle_closure")


def _fitted(params: NetworkParameters, fit: NetworkFit) -> NetworkParameters:
    """``params`` with the searched values of ``fit`` (and no target left to search for)."""
    found = {name: getattr(fit.parameters, name) for name in SEARCHED}
    return params.model_copy(update={**found, "target": None})


def _fit_cached(pop: Population, params: NetworkParameters, seed: int) -> NetworkFit:
    key = hashlib.sha256()
    for part in (pop.organisation, pop.locality):
        key.update(np.ascontiguousarray(part).tobytes())
    spans = [len(o.localities) > 1 for o in pop.organisations]
    shape = params.model_dump_json(include=STRUCTURE)
    key.update(f"{spans}|{len(pop.locality_names)}|{seed}|{shape}".encode())
    digest = key.hexdigest()
    if digest not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[digest] = _search(pop, params, seed)
    return _CACHE[digest]


class _Scorer:
    """Scores generator parameters on fixed blocks of evaluation networks of one place.

    Parameters are x = (random ties per practitioner, triangle closure[, cross
    share of the random ties]); the team size is given separately.
    """

    def __init__(self, pop: Population, params: NetworkParameters, seed: int) -> None:
        self.pop, self.base, self.seed = pop, params, seed
        self.networks = int(
            np.clip(
                np.ceil(EVALUATION_PRACTITIONERS / max(pop.size, 1)), MIN_NETWORKS, MAX_NETWORKS
            )
        )
        target = params.target
        assert target is not None
        self.target = np.array([target.mean_degree, target.clustering, target.cross_share or 0.0])
        self.fit_cross = target.cross_share is not None
        self.dims = 3 if self.fit_cross else 2
        w, c = params.within_organisation_ties, params.cross_boundary_ties
        self.ratio = c / (w + c) if w + c > 0 else DEFAULT_CROSS_RATIO
        self.lower = np.zeros(self.dims)
        self.upper = np.array([np.inf, 1.0, 1.0])[: self.dims]

    def parameters(self, team: int, x: np.ndarray) -> NetworkParameters:
        """Generator parameters for team size ``team`` and parameters ``x``."""
        random_ties, closure = float(x[0]), float(x[1])
        ratio = float(x[2]) if self.fit_cross else self.ratio
        return self.base.model_copy(
            update={
                "team_size": team,
                "within_organisation_ties": random_ties * (1.0 - ratio),
                "cross_boundary_ties": random_ties * ratio,
                "triangle_closure": closure,
                "target": None,
            }
        )

    def score(self, team: int, x: np.ndarray, block: int = 0) -> NetworkFit:
        """Summaries averaged over evaluation networks: block 0 is the search's own
        ``networks`` networks; blocks 1 and 2 are fresh ones, four times as many each."""
        params = self.parameters(team, x)
        first, count = ((0, 1), (1, 5), (5, 9))[block]
        ids = range(first * self.networks, count * self.networks)
        values = np.array([self._summary(params, i) for i in ids])
        expected = values.mean(axis=0)
        spread = values.std(axis=0, ddof=1)
        # The search stops at the tolerances; a fresh check also allows for its own noise.
        noise = 0.0 if block == 0 else 4.0 * spread / np.sqrt(len(ids))
        return NetworkFit(
            parameters=params,
            expected=tuple(float(e) for e in expected),
            spread=tuple(float(s) for s in spread),
            networks=len(ids),
            reached=self.close_enough(expected, noise),
        )

    def _summary(self, params: NetworkParameters, index: int) -> tuple[float, float, float]:
        network_rng, spanning_rng = side_rng(self.seed, "network_target", index).spawn(2)
        return network_summary(place_ties(self.pop, params, network_rng, spanning_rng))

    def residual(self, fit: NetworkFit) -> np.ndarray:
        """Scaled misses: degree relative to its target, the shares as they are."""
        miss = np.array(fit.expected) - self.target
        miss[0] /= self.target[0]
        return miss[: self.dims]

    def close_enough(self, expected: np.ndarray, noise: np.ndarray | float = 0.0) -> bool:
        miss = np.abs(expected - self.target)
        tolerance = np.array([DEGREE_TOLERANCE * self.target[0], SHARE_TOLERANCE, SHARE_TOLERANCE])
        return bool(np.all((miss <= tolerance + noise)[: self.dims]))


def _search(pop: Population, params: NetworkParameters, seed: int) -> NetworkFit:
    """Try team sizes from the scenario's outwards; polish the first that reaches the target."""
    scorer = _Scorer(pop, params, seed)
    largest = max(1, int(np.floor(scorer.target[0])) + 1)  # a team alone gives team - 1 ties
    first = min(params.team_size, largest)
    best: NetworkFit | None = None
    teams = sorted(range(1, largest + 1), key=lambda k: (abs(k - first), -k))
    for team in teams[:TEAM_SIZES]:
        x, jacobian, fit = _solve(scorer, team)
        if fit.reached:
            return _polish(scorer, team, x, jacobian)
        if best is None or _miss(scorer, fit) < _miss(scorer, best):
            best = fit
    assert best is not None
    return best


def _miss(scorer: _Scorer, fit: NetworkFit) -> float:
    return float(np.linalg.norm(scorer.residual(fit)))


def _solve(scorer: _Scorer, team: int) -> tuple[np.ndarray, np.ndarray, NetworkFit]:
    """Quasi-Newton steps on the scaled misses, inside the box of valid parameters.

    The Jacobian is updated by Broyden's rule after each step; a step that does
    not bring the scores nearer the target re-measures it by finite differences
    (clustering is far from linear in the random ties) or, if it was fresh,
    halves the next step.
    """
    x = np.array([max(scorer.target[0] - (team - 1), 0.2), 0.3, scorer.target[2]])[: scorer.dims]
    fit = scorer.score(team, x)
    jacobian, fresh, scale = _jacobian(scorer, team, x, fit), True, 1.0
    for _ in range(ITERATIONS):
        if fit.reached:
            break
        miss = scorer.residual(fit)
        step = scale * np.linalg.lstsq(jacobian, -miss, rcond=None)[0]
        x_new = np.clip(x + step, scorer.lower, scorer.upper)
        if np.allclose(x_new, x, atol=1e-4):
            break  # pinned at a bound: this team size cannot get closer
        new = scorer.score(team, x_new)
        taken = x_new - x
        jacobian += np.outer(scorer.residual(new) - miss - jacobian @ taken, taken) / (
            taken @ taken
        )
        if _miss(scorer, new) < _miss(scorer, fit):
            x, fit, fresh, scale = x_new, new, False, 1.0
        elif not fresh:
            jacobian, fresh = _jacobian(scorer, team, x, fit), True
        elif (scale := scale / 2.0) < MIN_STEP:
            break  # even short steps from a fresh Jacobian fail: as near as this size gets
    return x, jacobian, fit


def _jacobian(scorer: _Scorer, team: int, x: np.ndarray, at: NetworkFit) -> np.ndarray:
    """Finite differences with steps large enough to move the discrete draws."""
    columns = []
    for j in range(x.size):
        h = np.zeros(x.size)
        h[j] = 0.1 * max(x[j], 1.0) if j == 0 else (-0.1 if x[j] > 0.5 else 0.1)
        moved = scorer.score(team, x + h)
        columns.append((scorer.residual(moved) - scorer.residual(at)) / h[j])
    return np.column_stack(columns)


def _polish(scorer: _Scorer, team: int, x: np.ndarray, jacobian: np.ndarray) -> NetworkFit:
    """One Newton step from fresh networks, then a fresh check of the result.

    Different parameters draw different random numbers (a Poisson draw uses a
    varying count of them), so the search's scores carry noise of about one
    standard error that the search can chase. The step from block 1 removes
    what the search fitted to that noise; block 2, unused by the search, gives
    the reported expected values without selection bias.
    """
    miss = scorer.residual(scorer.score(team, x, block=1))
    x = np.clip(x + np.linalg.lstsq(jacobian, -miss, rcond=None)[0], scorer.lower, scorer.upper)
    return scorer.score(team, x, block=2)


def missed_target(target: NetworkTarget, fit: NetworkFit) -> str:
    """What the generator could not reach, and the nearest it found (for an error message)."""
    d, c, s = fit.expected
    p = fit.parameters
    wanted = f"mean degree {target.mean_degree:g}, clustering {target.clustering:g}" + (
        f", cross-boundary share {target.cross_share:g}" if target.cross_share is not None else ""
    )
    found = f"mean degree {d:.3g}, clustering {c:.3g}" + (
        f", cross-boundary share {s:.3g}" if target.cross_share is not None else ""
    )
    return (
        f"the generated network cannot reach {wanted} in this place; the nearest found was "
        f"{found} (team_size {p.team_size}, triangle_closure {p.triangle_closure:.2f}): give "
        "a target nearer that, or a measured network (system.network)"
    )
