"""One map over tasks: in this process, on local worker processes, or on a Dask cluster.

:class:`Pool` is used by running strategies (``runs.run``), sensitivity sweeps
and ABC calibration. Its properties, whatever the backend:

- ``fn(context, task)`` is called for each task; ``context`` (a scenario, a
  sweep's run spec) is sent to each worker once, not with every task;
- workers start once, on the first map that needs them, and are reused by
  every later map until the pool closes;
- only a few tasks per worker are in flight at once, so memory stays flat and
  a kill loses little work;
- a task whose worker dies (killed, out of memory) is run once more; if it
  dies again it is reported through ``died`` (or raises :class:`TaskDied`);
- local workers exit when the process that started them dies.

On a local pool this process is one of the workers: it runs tasks itself while
the worker processes start, and hands tasks to them only once they are ready;
a feeder thread then gives each worker its next task as soon as one ends. A
job smaller than the start-up cost is done here before any worker is used,
and N workers are never slower than one. Workers are forked from a fork
server that has imported the model once and loaded its compiled kernels
(``preload``); :func:`~integration_sim.workers.start_server` starts it early, so that this costs a
spare core, not the job. Results never depend on where a task ran: each task
carries everything (seed included) its result depends on.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import math
import multiprocessing
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from integration_sim.errors import InputError
from integration_sim.workers import (
    process_context,
    ready_probe,
    start_server,
    start_worker,
    worker_call,
)

IN_FLIGHT_PER_WORKER = 2  # tasks queued per worker: one running, one ready to start
CHUNKS_PER_SLOT = 4  # ordered maps split their tasks in this many chunks per worker slot
# Start worker processes only for at least this much work (CPU s). Their fork server
# costs about S = 3 s of CPU (it imports mesa, pandas, scipy and the model, then runs a
# small place to load the compiled kernels), taken from the cores the job runs on when
# the machine is busy: 2 workers finish a job of T seconds in about (T + S) / 2, so they
# are slower than 1 when T < S; 2.5 S leaves room for noise.
START_WORTH_SECONDS = 8.0
# Once a worker has come up, the fork server is ready (it lives as long as this process):
# a new worker then costs a fork and its context (a few tenths of a second), not S.
WARM_START_WORTH_SECONDS = 1.0
_server_ready = False  # set when a worker of any pool of this process first answered

Task = Any
Fn = Callable[[Any, Task], Any]
Died = Callable[[Task, str], Any]


class TaskDied(RuntimeError):
    """A task whose worker died twice (raised when the map was given no ``died`` handler)."""


def default_workers() -> int:
    """Workers when none are asked for: the cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Pool:
    """Workers for many maps: in-process (1 worker), local processes, or a Dask cluster.

    Args:
        workers: local worker slots including this process (default: all cores;
            1 runs every task here).
        cluster: a Dask scheduler address (``tcp://host:8786``), a cluster
            object (``LocalCluster``, ``SLURMCluster``) or a ``Client``; when
            given, ``workers`` is ignored.
        context: the first argument of every ``fn``; sent to each worker once.
        preload: modules local workers import once, before any task (their
            common start-up cost is then paid once, not once per worker).
        parent_works: on a local pool, this process runs tasks too (False: all
            tasks go to worker processes, which then always start).
        prestart: on a local pool of more than one worker, start the fork server
            (and its ``preload``) now, in the background, so that its imports
            overlap the caller's own set-up; use it when the job is likely to
            need workers (it costs a core about 2-3 s of CPU either way).
    """

    def __init__(
        self,
        workers: int | None = None,
        cluster: Any = None,
        *,
        context: Any = None,
        preload: Sequence[str] = (),
        parent_works: bool = True,
        prestart: bool = False,
    ) -> None:
        self.context = context
        self.parent_works = parent_works
        self.cluster = cluster
        self.preload = tuple(preload)
        self.workers = max(int(workers or default_workers()), 1)
        self._local: _LocalWorkers | None = None
        self._dask: _DaskWorkers | None = None
        if prestart and cluster is None and self.workers > 1:
            start_server(self.preload)

    def __enter__(self) -> Pool:
        if self.cluster is not None:
            self._dask = _DaskWorkers(self.cluster, self.context)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop local workers and release the Dask client (if this pool made it)."""
        if self._local is not None:
            self._local.close()
            self._local = None
        if self._dask is not None:
            self._dask.close()
            self._dask = None

    @property
    def slots(self) -> int:
        """Tasks that can run at once: local workers, or the cluster's worker threads."""
        return self._dask.slots() if self._dask is not None else self.workers

    def slots_for(self, seconds: float) -> int:
        """Slots a job of ``seconds`` of work (in all) will use: 1 if too small to start workers."""
        small = self._dask is None and self._local is None and seconds < START_WORTH_SECONDS
        return 1 if small and self.parent_works else self.slots

    def imap(
        self,
        fn: Fn,
        tasks: Iterable[Task],
        died: Died | None = None,
        task_seconds: float | None = None,
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(i, fn(context, tasks[i]))`` as each task finishes (in any order).

        ``task_seconds`` is the expected time of one task, if the caller has
        measured it; otherwise the first task is timed here. Worker processes
        start only when the whole job is worth their start-up (START_WORTH_SECONDS).

        ``fn`` must be a module-level function (it is pickled by reference).
        ``died(task, error)`` gives the result of a task whose worker died twice;
        without it, :class:`TaskDied` is raised. An exception raised by ``fn``
        itself propagates to the caller unchanged.
        """
        tasks = list(tasks)
        died = died or _raise_died
        if self._dask is not None:
            yield from self._dask.imap(fn, tasks, died)
        elif self.workers == 1 or len(tasks) <= 1 and self._local is None and self.parent_works:
            for i, task in enumerate(tasks):
                yield i, fn(self.context, task)
        else:
            yield from self._local_workers().imap(fn, tasks, died, task_seconds)

    def start_workers(self) -> None:
        """Start local workers now (in the background): many jobs are coming, each perhaps small."""
        if self._dask is None and self.workers > 1:
            self._local_workers().start()

    def _local_workers(self) -> _LocalWorkers:
        if self._local is None:
            processes = self.workers - 1 if self.parent_works else self.workers
            self._local = _LocalWorkers(processes, self.context, self.preload, self.parent_works)
        return self._local

    def map(self, fn: Fn, tasks: Iterable[Task], chunk_size: int | None = None) -> list:
        """``[fn(context, t) for t in tasks]``, computed in chunks across the workers.

        Chunks (default: about CHUNKS_PER_SLOT per worker slot) amortise the cost
        of sending ``fn`` and a result; tasks within a chunk run in order.
        """
        tasks = list(tasks)
        if not tasks:
            return []
        size = chunk_size or max(math.ceil(len(tasks) / (self.slots * CHUNKS_PER_SLOT)), 1)
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        out: list = [None] * len(chunks)
        for i, results in self.imap(_run_chunk, [(fn, c) for c in chunks]):
            out[i] = results
        return [r for chunk in out for r in chunk]


def _run_chunk(context: Any, chunk: tuple[Fn, list]) -> list:
    fn, tasks = chunk
    return [fn(context, t) for t in tasks]


def _raise_died(task: Task, error: str) -> Any:
    raise TaskDied(f"a task's worker died twice: {error}")


# ---------------------------------------------------------------------- local workers


class _LocalWorkers:
    """Worker processes (started once, in the background) plus this process, which works too."""

    def __init__(
        self, processes: int, context: Any, preload: Sequence[str], parent_works: bool
    ) -> None:
        self.processes, self.context, self.preload = processes, context, preload
        self.parent_works = parent_works
        self._alive_read, self._alive_write = multiprocessing.Pipe(duplex=False)
        self._pool: cf.ProcessPoolExecutor | None = None
        self._probes: list[cf.Future] = []
        self._starter: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Start the worker processes without waiting for them (starting one blocks ~1 s)."""
        if self._starter is None:
            self._starter = threading.Thread(target=self._start, name="start-workers", daemon=True)
            self._starter.start()

    def _start(self) -> None:
        try:
            self._pool = self._new_pool()
        except BaseException as exc:  # raised in the caller's thread by ready()
            self._error = exc

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        pool = cf.ProcessPoolExecutor(
            self.processes,
            mp_context=process_context(self.preload),
            initializer=start_worker,
            initargs=(self.context, self._alive_read),
        )
        # One probe per process: real tasks are handed over only once a worker is up.
        self._probes = [pool.submit(ready_probe) for _ in range(self.processes)]
        return pool

    def ready(self) -> bool:
        """True once at least one worker process is up."""
        global _server_ready
        if self._error is not None:
            raise self._error
        up = self._pool is not None and any(p.done() for p in self._probes)
        _server_ready = _server_ready or up
        return up

    def close(self) -> None:
        """Stop the workers (waiting for them, so none outlives the pool)."""
        if self._starter is not None:
            self._starter.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._alive_write.close()  # anything still starting exits at once
        self._alive_read.close()

    def imap(
        self, fn: Fn, tasks: list, died: Died, task_seconds: float | None
    ) -> Iterator[tuple[int, Any]]:
        """As :meth:`Pool.imap`; ``task_seconds`` (if known) decides at once whether to start."""
        todo = deque(range(len(tasks)))
        if not self.parent_works:
            self.start()
        if self._starter is None and task_seconds is None and todo:
            # Time one task here: start processes only if the rest is worth their start-up.
            # CPU time, not wall: on a busy machine waiting for a core would inflate it.
            t0 = time.thread_time()
            i = todo.popleft()
            yield i, fn(self.context, tasks[i])
            task_seconds = time.thread_time() - t0
        # Worth starting for the work still to do (a timed first task is already done).
        worth = WARM_START_WORTH_SECONDS if _server_ready else START_WORTH_SECONDS
        if self._starter is None and (task_seconds or 0) * len(todo) >= worth:
            self.start()
        yield from self._share(fn, tasks, todo, died)

    def _share(self, fn: Fn, tasks: list, todo: deque[int], died: Died) -> Iterator[tuple]:
        """This process runs tasks from ``todo`` while a feeder thread keeps the workers busy.

        The feeder hands a worker its next task as soon as the previous one ends,
        even while this process is in the middle of a task of its own; results
        come back through ``done`` as ``(kind, index, value)``.
        """
        count = len(todo)  # before the feeder starts taking from it
        done: queue.SimpleQueue = queue.SimpleQueue()
        stop = threading.Event()
        feeder = threading.Thread(
            target=self._feed, args=(fn, tasks, todo, done, stop), name="feed-workers"
        )
        feeder.start()
        try:
            for _ in range(count):
                kind, i, value = self._next(fn, tasks, todo, done)
                if kind == "error":
                    raise value
                yield i, died(tasks[i], value) if kind == "died" else value
        finally:
            stop.set()
            feeder.join()

    def _next(self, fn: Fn, tasks: list, todo: deque[int], done: queue.SimpleQueue) -> tuple:
        """The next finished task: a worker's if one is waiting, else one run here."""
        with contextlib.suppress(queue.Empty):
            return done.get_nowait()
        if self.parent_works:
            with contextlib.suppress(IndexError):  # the feeder may have taken the last one
                i = todo.popleft()
                return "ok", i, fn(self.context, tasks[i])
        return done.get()

    def _feed(
        self, fn: Fn, tasks: list, todo: deque[int], done: queue.SimpleQueue, stop: threading.Event
    ) -> None:
        # Tasks in flight when a worker died are suspects: each is run again alone,
        # so a task that kills its worker is found without blaming its neighbours.
        suspects: deque[int] = deque()
        pending: dict[cf.Future, tuple[int, bool]] = {}
        try:
            while not stop.is_set() and (todo or pending or suspects):
                self._submit(fn, tasks, todo, suspects, pending)
                if not pending:
                    time.sleep(0.02)  # the worker processes are still starting
                    continue
                finished, _ = cf.wait(pending, timeout=0.1, return_when=cf.FIRST_COMPLETED)
                for item in self._collect(finished, pending, suspects):
                    done.put(item)
        except BaseException as exc:  # e.g. the workers could not start: the caller raises it
            done.put(("error", -1, exc))

    def _submit(self, fn: Fn, tasks: list, todo: deque, suspects: deque, pending: dict) -> None:
        if not self.ready():
            return
        if suspects:  # one at a time, nothing else in flight
            if not pending:
                i = suspects.popleft()
                pending[self._pool.submit(worker_call, fn, tasks[i])] = (i, True)
            return
        cap = self.processes * IN_FLIGHT_PER_WORKER
        if self.parent_works and len(todo) < cap:
            cap = self.processes  # the last tasks: none waits in a worker's queue while we idle
        while len(pending) < cap:
            try:
                i = todo.popleft()
            except IndexError:  # none left (this process may have taken the last)
                return
            pending[self._pool.submit(worker_call, fn, tasks[i])] = (i, False)

    def _collect(self, finished, pending, suspects) -> Iterator[tuple]:
        broken = False
        for fut in finished:
            try:
                result = fut.result()
            except cf.process.BrokenProcessPool:
                broken = True  # handled with the rest of the broken pool below
                continue
            except Exception as exc:  # raised by the task itself: the caller raises it
                yield "error", pending.pop(fut)[0], exc
                continue
            yield "ok", pending.pop(fut)[0], result
        if not broken:
            return
        # A dead worker breaks the whole pool: start a new one and run the suspects again.
        for fut, (i, alone) in pending.items():
            fut.cancel()
            if alone:  # it died a second time, alone: it is the culprit
                yield "died", i, "worker process died (twice)"
            else:
                suspects.append(i)
        pending.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._start()


# ------------------------------------------------------------------------------- Dask


def _dask_call(fn: Fn, context: Any, task: Task) -> Any:
    return fn(context, task)


class _DaskWorkers:
    """A distributed client: the context is scattered to every worker once."""

    def __init__(self, cluster: Any, context: Any) -> None:
        from distributed import Client

        if isinstance(cluster, Client):
            self.client, self.owned = cluster, False
        elif isinstance(cluster, str):
            try:
                self.client, self.owned = Client(cluster, timeout="20s"), True
            except (OSError, ValueError, TypeError) as exc:
                raise InputError(f"cannot reach the Dask scheduler at {cluster}: {exc}") from None
        else:  # a cluster object, e.g. LocalCluster or SLURMCluster
            self.client, self.owned = Client(cluster), True
        [self.context] = self.client.scatter([context], broadcast=True, hash=False)
        self.stamp = time.time_ns()  # unique task keys: a later map never reuses a cached result
        self.maps = 0

    def slots(self) -> int:
        return max(sum(self.client.nthreads().values()), 1)

    def close(self) -> None:
        if self.owned:
            self.client.close()

    def imap(self, fn: Fn, tasks: list, died: Died) -> Iterator[tuple]:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        self.maps += 1
        prefix = f"task-{self.stamp}-{self.maps}"

        def submit(i: int) -> Any:
            # retries=1: a task lost with its worker is run once more elsewhere.
            return self.client.submit(
                _dask_call, fn, self.context, tasks[i], key=f"{prefix}-{i}", pure=False, retries=1
            )

        queue = iter(range(len(tasks)))
        first = [submit(i) for i in _take(queue, self.slots() * IN_FLIGHT_PER_WORKER)]
        done = as_completed(first, with_results=False)
        for fut in done:
            i = int(fut.key.rsplit("-", 1)[1])
            try:
                result = fut.result()
            except KilledWorker as exc:
                result = died(tasks[i], f"Dask worker died: {exc}")
            fut.release()
            yield i, result
            nxt = next(queue, None)
            if nxt is not None:
                done.add(submit(nxt))


def _take(it: Iterator[int], n: int) -> list[int]:
    return [i for _, i in zip(range(n), it, strict=False)]
