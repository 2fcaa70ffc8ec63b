"""A recorded week's state, computed in one compiled pass, equals the NumPy code it
replaced bit for bit (sums in row order, totals summed as NumPy sums, NaN where a
locality had no cases or no cross-boundary ties)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import make_scenario
from test_week_kernels import BUSY

from integration_sim.engine import week_record
from integration_sim.engine.model import IntegrationModel
from integration_sim.engine.network import CROSS
from integration_sim.engine.numpy_sums import pairwise_sum
from integration_sim.engine.recorder import BY_LOCALITY, Recorder


@pytest.mark.parametrize("n", [*range(0, 140), 255, 256, 257, 1000, 2106, 10_530, 100_003])
def test_pairwise_sum_rounds_as_numpy_sum(n: int) -> None:
    rng = np.random.default_rng(n)
    values = rng.random(n) * 10.0 ** rng.uniform(-6, 6, n)  # wide range: rounding shows
    assert pairwise_sum(values, 0, n) == values.sum()


def _reference_state(rec: Recorder, performed, cases, exposure, pooling) -> np.ndarray:
    """The array code the compiled pass replaced: weighted bincounts (sums in row order),
    divisions under ``errstate``, totals by ``sum``, parts concatenated in layout order."""
    pop, ties, L, T = rec.pop, rec.ties, len(rec.locs), len(rec.types)
    loc, typ = rec.locality, rec.org_type

    def by(groups, weights, size):
        return np.bincount(groups, weights.astype(float), size)

    perf = performed.astype(float)
    perf_loc = np.stack([by(loc, perf[:, b], L) for b in range(perf.shape[1])], axis=1)
    perf_type = np.stack([by(typ, perf[:, b], T) for b in range(perf.shape[1])], axis=1)
    ever_loc = np.stack([by(loc, pop.ever[:, b], L) for b in range(perf.shape[1])], axis=1)
    cross = np.flatnonzero(ties.layer == CROSS)
    count = by(loc[ties.u[cross]], np.ones(cross.size), L)
    tsum = by(loc[ties.u[cross]], ties.trust[cross], L)
    costs = rec.costs
    care = cases.delay_days * costs.delay_day + cases.admissions * costs.emergency_admission
    parts = []
    with np.errstate(invalid="ignore", divide="ignore"):
        parts += [perf_loc / rec.elig_loc, perf_type / rec.elig_type, perf.sum(0) / rec.elig_all]
        parts += [ever_loc, ever_loc.sum(axis=0)]
        n_cases, n_cross = cases.cases.sum(), count.sum()
        index = cases.integrated.sum() / n_cases if n_cases else np.nan
        parts += [cases.integrated / cases.cases, [index]]
        summed = [cases.cases, cases.integrated, cases.delay_days, cases.admissions]
        for part in [*summed, care, exposure.spend]:
            parts += [part, [part.sum()]]
        parts += [count / rec.cross_pairs, [n_cross / rec.cross_pairs.sum()]]
        parts += [tsum / count, [tsum.sum() / n_cross if n_cross else np.nan]]
        ability = by(loc, pop.capability.mean(axis=1), L)
        parts += [ability / rec.staff_loc, [pop.capability.mean()]]
        parts += [by(loc, pop.motivation, L) / rec.staff_loc, [pop.motivation.mean()]]
    pooled = np.bincount(rec.org_types, np.asarray(pooling, float), T)
    types = rec.pooling_types
    parts.append(pooled[types] / rec.orgs_of_type[types])
    return np.concatenate([np.ravel(p) for p in parts])


@pytest.mark.parametrize("horizon", [6, 30])
def test_week_state_equals_the_array_code(horizon: int) -> None:
    model = IntegrationModel(make_scenario(BUSY), "busy", seed=5)
    states: list[tuple[np.ndarray, np.ndarray]] = []
    record = model.recorder._week_state

    def both(performed, cases, exposure, pooling):
        state = record(performed, cases, exposure, pooling)
        ref = _reference_state(model.recorder, performed, cases, exposure, pooling)
        states.append((state, ref))
        return state

    model.recorder._week_state = both
    for _ in range(horizon):
        model.step()
    assert len(states) == horizon
    # Weeks without cases, in one locality and everywhere: NaN rates, as NumPy gives them.
    week = model.cases.week(model.pop.performed, 1.0, 1.0, np.random.default_rng(1))
    exposure = model.schedule_of_interventions.exposure(horizon)
    pooling = model.organisation_state.pooling
    for zero in (slice(0, 1), slice(None)):
        quiet = dataclasses.replace(week, cases=week.cases.astype(float).copy())
        quiet.cases[zero] = 0.0
        quiet.integrated = np.where(quiet.cases > 0, week.integrated, 0.0)
        both(model.pop.performed, quiet, exposure, pooling)
    assert np.isnan(states[-1][1]).any()
    assert model.recorder.layout.names[5 : 5 + len(BY_LOCALITY)] == BY_LOCALITY
    for state, ref in states:
        assert np.array_equal(state.view(np.int64), ref.view(np.int64))  # bits, NaN too


@pytest.mark.parametrize("sorted_rows", [True, False])
def test_practitioner_sums_equal_bincounts_in_row_order(sorted_rows: bool) -> None:
    # Localities in runs (as staff are listed) and shuffled (each locality's sums are
    # left and taken up again many times): the sums must be the bincounts' bits.
    rng = np.random.default_rng(31)
    n, b, n_loc, n_type = 3000, 5, 6, 4
    loc = rng.integers(0, n_loc, n)
    loc = np.sort(loc) if sorted_rows else loc
    typ = rng.integers(0, n_type, n)
    performed, ever = rng.random((n, b)) < 0.3, rng.random((n, b)) < 0.6
    capability = rng.random((n, b)) * 10.0 ** rng.uniform(-6, 6, (n, b))  # rounding shows
    motivation = rng.random(n) * 10.0 ** rng.uniform(-6, 6, n)
    got = week_record._practitioner_sums(
        (loc, typ, n_loc, n_type), performed, ever, capability, motivation
    )

    def by(groups, weights, size):
        return np.stack([np.bincount(groups, w, size) for w in weights.T.astype(float)], 1)

    want = (
        by(loc, performed, n_loc),
        by(typ, performed, n_type),
        performed.astype(float).sum(0),
        by(loc, ever, n_loc),
        np.bincount(loc, capability.mean(axis=1), n_loc),
        np.bincount(loc, motivation, n_loc),
    )
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
