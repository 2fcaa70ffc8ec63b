"""Worker processes that end when the process that started them ends.

A pool's workers outlive a parent killed with ``kill -9`` or SIGTERM (each holds
a few hundred MB), and a fork server kept open by them lingers too. Every pool
starts its workers with :func:`exit_with_parent` as (part of) its initializer:

* on Linux, a worker forked straight from the parent asks the kernel for SIGKILL
  when its parent goes (``prctl(PR_SET_PDEATHSIG)``): immediate;
* everywhere, and for workers started by a fork server (whose parent is the
  server, not the job), a daemon thread checks every ``interval`` seconds that
  the job's process is still there, and ends the worker when it is not.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Any

PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def pool_options() -> dict[str, Any]:
    """``initializer``/``initargs`` for a ProcessPoolExecutor whose workers must not
    outlive this process."""
    return {"initializer": exit_with_parent, "initargs": (os.getpid(),)}


def exit_with_parent(parent_pid: int, interval: float = 1.0) -> None:
    """End this worker process soon after ``parent_pid`` has gone, however it went."""
    direct = os.getppid() == parent_pid
    if direct and sys.platform.startswith("linux"):
        _kernel_death_signal()
        if os.getppid() != parent_pid:  # the parent went before the request took hold
            os._exit(1)
    watch = threading.Thread(
        target=_watch, args=(parent_pid, direct, interval), name="lifeline", daemon=True
    )
    watch.start()


def _kernel_death_signal() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # the watching thread still ends the worker


def _watch(parent_pid: int, direct: bool, interval: float) -> None:
    while _alive(parent_pid, direct):
        time.sleep(interval)
    os._exit(1)


def _alive(pid: int, direct: bool) -> bool:
    if direct and os.getppid() != pid:
        return False  # re-parented: the parent has gone even if its pid lingers as a zombie
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else (cannot be ours, but do not guess)
    return True
