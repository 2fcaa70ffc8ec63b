"""A sweep's runs as tasks for the shared map (:mod:`integration_sim.parallel`).

A task is a :class:`Batch`: a contiguous range of runs, big enough that the
cost of sending it to a worker and its results back is small against the runs
themselves. Batches come back in whatever order they finish; the store sorts
by run index, so results are identical for any backend and worker count. A
batch whose worker dies twice has its runs recorded as failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from integration_sim.parallel import Pool
from integration_sim.runs import WORKER_PRELOAD
from integration_sim.sensitivity.models import (
    ATTEMPTS,
    RunSpec,
    append_row,
    empty_columns,
    run_batch,
)


@dataclass(frozen=True)
class Batch:
    """A contiguous range of runs executed as one task."""

    index: int
    runs: tuple[int, ...]
    values: tuple[tuple[float, ...], ...]  # parameter values of each run's sample point


def plan_batches(n_runs: int, batch_size: int) -> list[tuple[int, range]]:
    """Split runs 0..n_runs-1 into contiguous batches: (batch index, runs)."""
    return [
        (b, range(start, min(start + batch_size, n_runs)))
        for b, start in enumerate(range(0, n_runs, batch_size))
    ]


def failed_columns(spec: RunSpec, batch: Batch, error: str) -> dict[str, list]:
    """Result columns marking every run of a batch as failed with ``error``."""
    cols = empty_columns(spec)
    for run, vals in zip(batch.runs, batch.values, strict=True):
        append_row(cols, spec, run, vals, None, error, ATTEMPTS)
    return cols


def preload(spec: RunSpec) -> list[str]:
    """Modules a local worker needs for this spec (imported once for all workers)."""
    mods = ["integration_sim.sensitivity.models"]
    return [*mods, *WORKER_PRELOAD] if spec.kind == "scenario" else mods


def _batch_task(spec: RunSpec, batch: Batch) -> dict[str, list]:
    return run_batch(spec, batch.runs, batch.values)


def run_batches(
    pool: Pool, spec: RunSpec, batches: list[Batch], batch_seconds: float | None = None
) -> Iterator[tuple[Batch, dict[str, list]]]:
    """Yield ``(batch, result columns)`` as batches finish; ``pool`` holds ``spec`` as context.

    ``batch_seconds`` is the expected time of one batch, when measured.
    """

    def died(batch: Batch, error: str) -> dict[str, list]:
        return failed_columns(spec, batch, error)

    for i, cols in pool.imap(_batch_task, batches, died=died, task_seconds=batch_seconds):
        yield batches[i], cols
