"""Running batches of runs: in this process, on local worker processes, or on a Dask cluster.

Every executor takes the same batches and calls ``on_done(batch, columns)`` in
the main process as each batch finishes, in whatever order they finish; the
store sorts by run index, so results are identical for any executor and
worker count. Only a bounded number of batches is in flight at once, so a kill
loses at most that much work and memory stays flat on long sweeps.

A batch whose task itself dies (a worker process killed, a lost Dask worker)
is resubmitted once; if it dies again its runs are recorded as failed.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from integration_sim.lifeline import exit_with_parent
from integration_sim.sensitivity.models import (
    ATTEMPTS,
    RunSpec,
    append_row,
    empty_columns,
    run_batch,
)

IN_FLIGHT_PER_SLOT = 2  # queued batches per worker: enough to hide latency, little to lose


@dataclass(frozen=True)
class Batch:
    """A contiguous range of runs executed as one task."""

    index: int
    runs: tuple[int, ...]
    values: tuple[tuple[float, ...], ...]  # parameter values of each run's sample point


OnDone = Callable[[Batch, dict[str, list]], None]


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


def execute(
    spec: RunSpec,
    batches: list[Batch],
    on_done: OnDone,
    workers: int | None = None,
    scheduler: Any = None,
) -> None:
    """Run ``batches`` in this process (workers=1), a process pool, or on Dask (``scheduler``)."""
    if scheduler is not None:
        _execute_dask(spec, batches, on_done, scheduler)
    elif (workers or default_workers()) == 1:
        for batch in batches:
            on_done(batch, run_batch(spec, batch.runs, batch.values))
    else:
        _execute_pool(spec, batches, on_done, workers or default_workers())


def default_workers() -> int:
    """Worker processes when none are asked for: the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# ----------------------------------------------------------------------- local pool

_WORKER_SPEC: RunSpec | None = None


def _init_worker(spec: RunSpec, parent_pid: int | None = None) -> None:
    # The spec is sent once per worker process, not once per task.
    global _WORKER_SPEC
    _WORKER_SPEC = spec
    if parent_pid is not None:
        exit_with_parent(parent_pid)


def _pool_task(runs: tuple[int, ...], values: tuple[tuple[float, ...], ...]) -> dict[str, list]:
    assert _WORKER_SPEC is not None
    return run_batch(_WORKER_SPEC, runs, values)


def _new_pool(spec: RunSpec, workers: int) -> cf.ProcessPoolExecutor:
    # forkserver/spawn: forking a process that holds threads (Dask, BLAS) can deadlock.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        # The fork server imports these once; each worker forks from it already warm.
        preload = ["integration_sim.sensitivity.models"]
        ctx.set_forkserver_preload(
            [*preload, "integration_sim.runs"] if spec.kind == "scenario" else preload
        )
    else:
        ctx = multiprocessing.get_context("spawn")
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(spec, os.getpid()),
    )


def _execute_pool(spec: RunSpec, batches: list[Batch], on_done: OnDone, workers: int) -> None:
    queue: Iterator[Batch] = iter(batches)
    tries: dict[int, int] = {}
    pool = _new_pool(spec, workers)
    pending: dict[cf.Future, Batch] = {}
    retry: list[Batch] = []
    try:
        while True:
            while len(pending) < workers * IN_FLIGHT_PER_SLOT:
                batch = retry.pop() if retry else next(queue, None)
                if batch is None:
                    break
                tries[batch.index] = tries.get(batch.index, 0) + 1
                pending[pool.submit(_pool_task, batch.runs, batch.values)] = batch
            if not pending:
                return
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            broken = False
            for fut in finished:
                batch = pending.pop(fut)
                try:
                    cols = fut.result()
                except Exception as exc:  # the task died, not a run: retry it once
                    broken = broken or isinstance(exc, cf.process.BrokenProcessPool)
                    _retry_or_fail(spec, batch, tries, retry, on_done, traceback.format_exc())
                    continue
                on_done(batch, cols)
            if broken:  # a dead worker breaks the whole pool: start a new one
                for fut, batch in pending.items():
                    fut.cancel()
                    _retry_or_fail(spec, batch, tries, retry, on_done, "worker process died")
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(spec, workers)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _retry_or_fail(
    spec: RunSpec,
    batch: Batch,
    tries: dict[int, int],
    retry: list[Batch],
    on_done: OnDone,
    error: str,
) -> None:
    if tries.get(batch.index, 0) < 2:
        retry.append(batch)
    else:
        on_done(batch, failed_columns(spec, batch, error))


# ----------------------------------------------------------------------------- Dask


def dask_client(scheduler: Any) -> tuple[Any, bool]:
    """A distributed Client for an address, a cluster object or a client; (client, we_own_it)."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    if isinstance(scheduler, str):
        try:
            return Client(scheduler, timeout="20s"), True
        except OSError as exc:
            from integration_sim.errors import InputError

            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    return Client(scheduler), True  # a cluster object, e.g. LocalCluster or SLURMCluster


def _dask_task(spec: RunSpec, runs: tuple[int, ...], values: tuple[tuple[float, ...], ...]) -> dict:
    return run_batch(spec, runs, values)


def _execute_dask(spec: RunSpec, batches: list[Batch], on_done: OnDone, scheduler: Any) -> None:
    from distributed import as_completed

    client, owned = dask_client(scheduler)
    try:
        slots = max(sum(client.nthreads().values()), 1)
        [spec_future] = client.scatter([spec], broadcast=True, hash=False)
        queue = iter(batches)
        stamp = time.time_ns()  # unique task keys: a resumed sweep never reuses a cached result
        by_key: dict[str, Batch] = {}

        def submit(batch: Batch) -> Any:
            key = f"sweep-batch-{batch.index}-{stamp}"
            by_key[key] = batch
            # retries=1: a task lost with its worker is run once more elsewhere.
            return client.submit(
                _dask_task, spec_future, batch.runs, batch.values, key=key, pure=False, retries=1
            )

        first = [submit(b) for b in _take(queue, slots * IN_FLIGHT_PER_SLOT)]
        done = as_completed(first, with_results=False)
        for fut in done:
            batch = by_key.pop(fut.key)
            try:
                cols = fut.result()
            except Exception:  # the task (not a run) failed twice: record, carry on
                cols = failed_columns(spec, batch, traceback.format_exc())
            fut.release()
            on_done(batch, cols)
            nxt = next(queue, None)
            if nxt is not None:
                done.add(submit(nxt))
    finally:
        if owned:
            client.close()


def _take(it: Iterator[Batch], n: int) -> list[Batch]:
    out = []
    for _ in range(n):
        b = next(it, None)
        if b is None:
            break
        out.append(b)
    return out
