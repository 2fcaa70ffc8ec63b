"""Named random streams for one run (common random numbers).

A run seed is split by NumPy's SeedSequence into one independent stream per
process. Because each process draws only from its own stream, changing what a
strategy does to (say) ties leaves the random numbers of turnover and case
arrivals untouched, so differences between strategies come from the strategy.
New names must be appended, never inserted, to keep existing streams stable.
"""

from __future__ import annotations

import numpy as np

STREAMS = (
    "network",
    "population",
    "behaviour",
    "turnover",
    "ties",
    "cases",
    "selection",
    "organisations",
    "posterior",
    "observation",
    "mesa",
    "spanning",
    "replacement",
    "movers",
)
_POSITION = {name: k for k, name in enumerate(STREAMS)}


class Streams:
    """One ``numpy.random.Generator`` per named process, all derived from ``seed``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._seqs: dict[str, np.random.SeedSequence] = {}
        self._gens: dict[str, np.random.Generator] = {}

    def _sequence(self, name: str) -> np.random.SeedSequence:
        """Stream ``name``'s SeedSequence: the child ``SeedSequence(seed).spawn`` gives at
        the name's position in STREAMS (entropy ``seed``, spawn key (position,)), made when
        first asked for: spawning all of them cost ~80 us a model, half a run's use."""
        if name not in self._seqs:
            key = (_POSITION[name],)
            self._seqs[name] = np.random.SeedSequence(self.seed, spawn_key=key)
        return self._seqs[name]

    def rng(self, name: str) -> np.random.Generator:
        """The generator for ``name`` (the same object on every call)."""
        if name not in self._gens:
            self._gens[name] = np.random.Generator(np.random.PCG64(self._sequence(name)))
        return self._gens[name]

    def seed_for(self, name: str) -> int:
        """A 63-bit integer seed derived from stream ``name`` (for libraries wanting ints)."""
        return int(self._sequence(name).generate_state(1, np.uint64)[0] >> np.uint64(1))


def run_seed(base_seed: int, index: int) -> int:
    """The seed of run ``index`` under ``base_seed`` (63-bit, via SeedSequence spawn keys).

    Replicate ``r`` of every strategy uses ``run_seed(scenario.seed, r)``: common
    random numbers. Sweeps use the run's index in the design.
    """
    seq = np.random.SeedSequence(int(base_seed), spawn_key=(int(index),))
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))


# Streams outside any run (measurement noise, predictive draws). Each has its own
# spawn-key tag, so none can collide with ``run_seed``'s one-element keys.
SIDE_STREAMS = {
    "observation": 7919,
    "predictive": 104729,
    "network_target": 1299709,
    "calibration_runs": 15485863,
}


def side_rng(seed: int, purpose: str, index: int | None = None) -> np.random.Generator:
    """A generator for ``purpose`` (see SIDE_STREAMS), optionally per replicate ``index``."""
    tag = SIDE_STREAMS[purpose]
    key = (tag,) if index is None else (int(index), tag)
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=key))


def side_seeds(seed: int, purpose: str, n: int) -> list[int]:
    """``n`` run seeds for ``purpose`` (see SIDE_STREAMS), distinct from every ``run_seed``.

    Calibration runs every candidate with the same seeds (common random
    numbers); they must not be the seeds that simulated synthetic data.
    """
    tag = SIDE_STREAMS[purpose]
    return [
        int(
            np.random.SeedSequence(int(seed), spawn_key=(i, tag)).generate_state(1, np.uint64)[0]
            >> np.uint64(1)
        )
        for i in range(n)
    ]
