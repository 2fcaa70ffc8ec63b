"""Local worker processes: how they start (a fork server, with modules preloaded), what they
hold (the pool's context) and how they end (with the process that started them).

Used by :class:`integration_sim.parallel.Pool`; a worker process runs
:func:`start_worker` once, then :func:`worker_call` for each task.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

WORKER_DIED_EXIT = 70  # exit status of a worker that saw its parent die

_CONTEXT: Any = None  # in a worker process: the pool's context, set once by start_worker


def _imported_by_fork_server() -> bool:
    """True while this module is being imported as the preload of multiprocessing's fork server."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "main" and (
            frame.f_globals.get("__name__") == "multiprocessing.forkserver"
        ):
            return True
        frame = frame.f_back
    return False


def _exit_now() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if _imported_by_fork_server():
    # The server ends when the process that started it exits. A normal interpreter exit
    # would then tear down everything its preload imported (numba, scipy, pyabc, the
    # model): 1-3 s of CPU, during which it still holds that process's stdout, so a
    # caller reading the command's output (a pipe, subprocess.run) waits for it. The
    # server holds no files or results, so it skips the teardown. Its workers are forks
    # that always end with os._exit, so they never run this.
    atexit.register(_exit_now)


def start_worker(context: Any, parent_alive: Any) -> None:
    """Worker initialisation: keep the context, and exit when the parent process dies."""
    global _CONTEXT
    _CONTEXT = context
    exit_with_parent(parent_alive)


def exit_with_parent(parent_alive: Any) -> None:
    """Exit this process as soon as ``parent_alive`` (a pipe end) reaches end of file.

    The parent holds the only writing end and never writes: when it dies, for
    whatever reason (kill -9 included), the pipe closes and this process exits
    at once, even in the middle of a task. A pipe works under every start method
    (fork, spawn, forkserver, whose workers are not the parent's children).
    """

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            parent_alive.recv_bytes()
        os._exit(WORKER_DIED_EXIT)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def worker_call(fn: Callable[[Any, Any], Any], task: Any) -> Any:
    """Run one task in a worker process, with the context it received at start."""
    return fn(_CONTEXT, task)


def ready_probe() -> int:
    """A first task that answers once the worker process is up."""
    return os.getpid()


def process_context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """Forkserver where available (else spawn); ``preload`` is imported once by its server.

    Not fork: forking a process that holds threads (Dask, BLAS, the progress
    bar's terminal) can deadlock, and Python 3.12+ warns about it.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__, *preload])
        return ctx
    return multiprocessing.get_context("spawn")


def start_server(preload: Sequence[str] = ()) -> None:
    """Start the fork server that local workers are forked from, without waiting for it.

    The server imports ``preload`` once (about 2 s for the model), and every
    worker forked from it starts with those modules (and whatever their import
    loaded, such as compiled kernels) already in memory. Starting it early lets
    that import run on another core while this process does its own set-up. A
    process has one fork server, started with the preload of its first caller
    and kept until the process exits; later calls return at once. Does
    nothing where there is no fork server (workers are then spawned).
    """
    ctx = process_context(preload)
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
