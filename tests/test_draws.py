"""Draws made inside compiled kernels are NumPy's own, and the passes that use them give
exactly what the passes with NumPy's draws between them gave."""

from __future__ import annotations

import copy

import numba
import numpy as np
from conftest import make_scenario
from test_week_kernels import _busy_model

from integration_sim.engine import draws
from integration_sim.engine.draws import CALL, PCG64_INLINE, Stream, address, fill, uniform
from integration_sim.engine.model import IntegrationModel


def _generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))


@numba.njit
def _one_by_one(stream, n):
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(stream)
    return out


def _draw_like_numpy(numpy_side, kernel_side, stream, seed: int) -> None:
    """Single draws, fills of every length modulo the four lanes, then Python again: the
    same values as ``numpy_side.random`` and the same state (``has_uint32`` included)."""
    n = seed % 11
    assert np.array_equal(numpy_side.random(n), _one_by_one(stream.address, n))
    for size in (3 * 5, 4 * seed + seed % 4, 1000 + seed):
        block = np.empty(size)
        fill(stream.address, block)
        assert np.array_equal(numpy_side.random(size), block)
    # The generator itself moved on: Python continues where the kernel stopped.
    assert np.array_equal(numpy_side.random(4), kernel_side.random(4))
    np.testing.assert_equal(kernel_side.bit_generator.state, numpy_side.bit_generator.state)


def test_pcg64_draws_inline_as_numpy_draws_them() -> None:
    for seed in range(60):
        numpy_side, kernel_side = _generator(seed), _generator(seed)
        if seed % 3 == 0:  # a half-used 32-bit draw in the state: left alone, as NumPy does
            for g in (numpy_side, kernel_side):
                g.integers(2**32, dtype=np.uint32)
        stream = Stream(kernel_side)
        # The inline arithmetic ran (a wrong step, output or layout would fail the check
        # and fall back, or give other values).
        assert stream.address[2] == PCG64_INLINE
        _draw_like_numpy(numpy_side, kernel_side, stream, seed)
    assert address(np.random.default_rng(1))[2] == PCG64_INLINE  # the model's streams


def test_other_bit_generators_call_their_own_function() -> None:
    kinds = (np.random.Philox, np.random.MT19937, np.random.SFC64, np.random.PCG64DXSM)
    for seed, kind in enumerate(kinds * 3):
        numpy_side, kernel_side = (np.random.Generator(kind(seed)) for _ in range(2))
        stream = Stream(kernel_side)
        assert stream.address[2] == CALL
        _draw_like_numpy(numpy_side, kernel_side, stream, seed)


def test_pcg64_falls_back_when_the_inline_check_fails(monkeypatch) -> None:
    monkeypatch.setattr(draws, "_INLINE_OK", [False])
    numpy_side, kernel_side = _generator(5), _generator(5)
    stream = Stream(kernel_side)
    assert stream.address[2] == CALL
    _draw_like_numpy(numpy_side, kernel_side, stream, 5)


def test_the_inline_check_compares_values_and_state() -> None:
    assert draws.inline_checked() and draws.agrees(_generator(1), _generator(1))
    assert not draws.agrees(_generator(1), _generator(2))  # other values
    ahead = _generator(1)
    ahead.bit_generator.advance(1)
    assert not draws.agrees(_generator(1), ahead)


def test_cases_week_in_one_call_equals_the_week_type_by_type() -> None:
    model = _busy_model(2)
    cm = model.cases
    performed = np.random.default_rng(9).random(model.pop.eligible.shape) < 0.5
    for demand in (0.7, 1.0, 1.6):
        one, by_type = _generator(3), _generator(3)
        week = cm.week(performed, 1.1, demand, one)
        out, seen = np.zeros((4, cm.n_loc)), np.zeros((2, cm.n))
        cm.week_by_type(performed, 1.1, demand, by_type, out, seen)
        assert week.cases.sum() > 0 and week.integrated.sum() > 0
        for got, want in zip(
            (week.cases, week.integrated, week.delay_days, week.admissions),
            out,
            strict=True,
        ):
            assert np.array_equal(got, want)
        assert np.array_equal(week.seen, seen[0]) and np.array_equal(week.seen_integrated, seen[1])
        assert one.bit_generator.state == by_type.bit_generator.state


def test_cases_week_with_huge_means_goes_type_by_type() -> None:
    model = _busy_model(0)
    cm = model.cases
    performed = np.zeros(model.pop.eligible.shape, bool)
    demand = 700.0 / cm.table[0].max()  # a mean above the compiled sum's limit
    one, by_type = _generator(4), _generator(4)
    week = cm.week(performed, 1.0, demand, one)
    out, seen = np.zeros((4, cm.n_loc)), np.zeros((2, cm.n))
    cm.week_by_type(performed, 1.0, demand, by_type, out, seen)
    assert week.cases.max() > 600
    assert np.array_equal(week.cases, out[0]) and np.array_equal(week.seen, seen[0])


def test_leavers_draw_one_uniform_each_in_row_order() -> None:
    from integration_sim.engine.turnover import _leavers

    probability = np.random.default_rng(5).random(300) * 0.2
    tenure = np.zeros(300, np.int64)
    kernel_side, numpy_side = _generator(6), _generator(6)
    leave, rows = _leavers(address(kernel_side), probability, tenure)
    want = numpy_side.random(300) < probability
    assert want.any() and np.array_equal(leave, want)
    assert np.array_equal(rows, np.flatnonzero(want)) and (tenure == 1).all()
    assert kernel_side.bit_generator.state == numpy_side.bit_generator.state


def _encounters_reference(tally, encountered, performed, rng) -> None:
    """The array code: one draw per encounter, in ``np.nonzero``'s order, then the counts."""
    rows, beh = np.nonzero(encountered)
    draws = rng.random(rows.size)
    n_types = tally.cum.shape[2]
    for r, b, d in zip(rows, beh, draws, strict=True):
        loc = tally.pop.locality[r]
        total = tally.cum[loc, b, n_types - 1]
        if not total > 0:
            continue
        partner = min(int((d * total >= tally.cum[loc, b]).sum()), n_types - 1)
        tally.enc[loc, b, tally.pop.organisation_type[r], partner] += 1
        tally.perf[loc, b, tally.pop.organisation_type[r], partner] += performed[r, b]


def test_tallies_encounters_equal_the_array_code() -> None:
    model = IntegrationModel(make_scenario(), seed=2, tallies=True, records=False)
    tally = model.recorder.tallies
    draw = np.random.default_rng(7)
    encountered = draw.random(model.pop.eligible.shape) < 0.6
    performed = encountered & (draw.random(encountered.shape) < 0.5)
    tally.cum[0, 0] = 0.0  # a behaviour with no possible partner in a locality: not counted
    reference = copy.deepcopy(tally)
    reference.rng, tally.rng = _generator(8), _generator(8)
    _encounters_reference(reference, encountered, performed, reference.rng)
    tally.add_encounters(encountered, performed)
    assert tally.enc.sum() > 0 and tally.perf.sum() > 0
    assert np.array_equal(tally.enc, reference.enc) and np.array_equal(tally.perf, reference.perf)
    assert tally.rng.bit_generator.state == reference.rng.bit_generator.state


def test_addresses_kept_for_recent_generators_only() -> None:
    from integration_sim.engine import draws

    generators = [_generator(s) for s in range(draws._KEEP + 10)]
    first = [address(g) for g in generators]
    assert len(draws._RECENT) <= draws._KEEP
    assert address(generators[-1]) is first[-1]  # a recent one: looked up once
    again = address(generators[0])  # evicted, then looked up afresh: the same addresses
    assert again is not first[0] and np.array_equal(again, first[0])
