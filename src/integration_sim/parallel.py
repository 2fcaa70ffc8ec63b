"""One way to map a function over tasks: in this process, on local worker processes, or on Dask.

(Placeholder during the renovation; replaced by the unified executor.)
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from integration_sim.lifeline import pool_options


def process_context() -> multiprocessing.context.BaseContext:
    """Fork where available: workers start fast and plain scripts need no ``__main__``
    guard. Results do not depend on the start method (each run is seeded alone)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def ordered_map(fn: Callable[[Any], Any], tasks: Iterable[Any], workers: int) -> Iterator[Any]:
    """Yield ``fn(task)`` for each task, as each finishes."""
    tasks = list(tasks)
    if workers <= 1:
        for task in tasks:
            yield fn(task)
        return
    with ProcessPoolExecutor(workers, mp_context=process_context(), **pool_options()) as pool:
        futures = [pool.submit(fn, t) for t in tasks]
        for fut in as_completed(futures):
            yield fut.result()
