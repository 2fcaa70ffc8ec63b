"""The shared map (integration_sim.parallel): same results on every backend, workers started
once and holding their context, dead tasks retried then reported, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from integration_sim import parallel
from integration_sim.parallel import Pool, TaskDied

UNPICKLED = 0  # in a worker process: how many times a Context arrived there


class Context:
    """A pool context that counts its arrivals in each process."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __getstate__(self) -> dict:
        return {"seed": self.seed}

    def __setstate__(self, state: dict) -> None:
        global UNPICKLED
        UNPICKLED += 1
        self.seed = state["seed"]


def draw(context: Context, task: int) -> tuple[float, int, int]:
    """A seeded result that depends on context and task only; and where it ran."""
    value = float(np.random.default_rng([context.seed, task]).normal(size=50).sum())
    return value, os.getpid(), UNPICKLED


def values(pairs) -> list[float]:
    return [v for _, (v, _, _) in sorted(pairs)]


def test_same_results_in_process_on_local_workers_and_on_dask():
    from distributed import LocalCluster

    tasks = range(60)
    with Pool(1, context=Context(5)) as pool:
        expected = values(pool.imap(draw, tasks))
        assert [r[0] for r in pool.map(draw, tasks)] == expected
    for kwargs in ({"workers": 3, "parent_works": False}, {"workers": 2}):
        with Pool(context=Context(5), **kwargs) as pool:
            assert values(pool.imap(draw, tasks, task_seconds=60)) == expected  # starts workers
            while not pool._local.ready():
                time.sleep(0.05)
            got = list(pool.imap(draw, tasks))
            assert values(got) == expected, kwargs
            assert len({pid for _, (_, pid, _) in got} - {os.getpid()}) >= 1  # processes ran some
            assert [r[0] for r in pool.map(draw, tasks, chunk_size=7)] == expected
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Pool(cluster=cluster, context=Context(5)) as pool,
    ):
        assert pool.slots == 2 and pool._dask is not None  # on the cluster
        assert values(pool.imap(draw, tasks)) == expected
    assert expected != values(Pool(1, context=Context(6)).imap(draw, tasks))  # seeds matter


def test_workers_start_once_and_receive_their_context_once():
    with Pool(2, context=Context(1), parent_works=False) as pool:
        first = list(pool.imap(draw, range(40)))
        second = pool.map(draw, range(40))
    pids = {pid for _, (_, pid, _) in first}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # one may take all on a busy machine
    # The same two processes reused: a worker that got no task in the first map
    # (the other took them all while it started) may get some in the second.
    assert len(pids | {pid for _, pid, _ in second}) <= 2
    # Each worker unpickled the context exactly once, for 80 tasks in two maps.
    assert {n for _, (_, _, n) in first} | {n for _, _, n in second} == {1}


def test_small_jobs_stay_in_this_process():
    with Pool(4, context=Context(1)) as pool:
        got = list(pool.imap(draw, range(30)))  # microseconds each: not worth starting workers
        assert pool._local is not None and pool._local._starter is None
    assert {pid for _, (_, pid, _) in got} == {os.getpid()}


def test_start_workers_starts_them_for_small_jobs_that_follow():
    # A calibration's generations may each look too small to start workers for.
    with Pool(2, context=Context(1)) as pool:
        pool.start_workers()
        deadline = time.monotonic() + 60
        while not pool._local.ready() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool._local.ready()  # started without any job asking for it
        got = list(pool.imap(draw, range(200)))
    assert pool._local is None  # closed
    assert values(got) == [draw(Context(1), t)[0] for t in range(200)]
    with Pool(1) as single:
        single.start_workers()  # nothing to start
        assert single._local is None


def die_once(folder: str, task: int) -> int:
    """Kill the worker running task 3 always, and task 5 the first time it runs."""
    if os.getpid() == int(Path(folder, "parent").read_text()):
        return task  # never kill the test process itself
    mark = Path(folder, f"tried-{task}")
    if task == 3 or (task == 5 and not mark.exists()):
        mark.touch()
        os._exit(9)
    return task


def test_a_dead_task_is_run_again_alone_then_reported(tmp_path):
    (tmp_path / "parent").write_text(str(os.getpid()))
    with Pool(2, context=str(tmp_path), parent_works=False) as pool:
        tasks = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]
        reported = pool.imap(die_once, tasks, died=lambda task, error: f"died: {task}")
        got = {tasks[i]: result for i, result in reported}
        assert got == {i: "died: 3" if i == 3 else i for i in tasks}  # no other task blamed
        assert list(pool.imap(die_once, [5])) == [(0, 5)]  # died once, then ran
    with Pool(2, context=str(tmp_path), parent_works=False) as pool, pytest.raises(TaskDied):
        list(pool.imap(die_once, [3, 4]))


def raise_for_odd(context: None, task: int) -> int:
    if task % 2:
        raise ValueError(f"odd task {task}")
    return task


def test_an_exception_in_a_task_reaches_the_caller():
    with Pool(2, parent_works=False) as pool, pytest.raises(ValueError, match="odd task"):
        list(pool.imap(raise_for_odd, range(4)))


def sleep_long(context: None, task: int) -> int:
    time.sleep(120)
    return task


def _alive(pid: int) -> bool:
    try:  # a zombie (dead, not yet reaped by its new parent) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


PARENT = """
import os, signal, sys, time
sys.path.insert(0, {tests!r})
from integration_sim.parallel import Pool
from test_parallel import sleep_long
pool = Pool(3, parent_works=False).__enter__()
tasks = pool.imap(sleep_long, range(6))
threading = __import__("threading")
threading.Thread(target=lambda: list(tasks), daemon=True).start()
while not (pool._local and pool._local.ready()):
    time.sleep(0.05)
time.sleep(0.5)
print(" ".join(str(p) for p in pool._local._pool._processes), flush=True)
os.kill(os.getpid(), signal.{signal})
time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_workers_exit_when_their_parent_is_killed(sig):
    script = PARENT.format(tests=str(Path(__file__).parent), signal=sig)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == -getattr(signal, sig), proc.stderr
    workers = [int(p) for p in proc.stdout.split()]
    assert len(workers) == 3
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)], "workers outlived their parent"


def test_default_workers_is_the_usable_cores():
    assert parallel.default_workers() >= 1
    with Pool() as pool:
        assert pool.slots == parallel.default_workers()


def test_model_runs_on_worker_processes_match_runs_here(small):
    from integration_sim.runs import _one, simulate

    tasks = [(s, r) for s in small.strategies for r in range(2)]
    with Pool(2, context=small, parent_works=False, preload=["integration_sim.runs"]) as pool:
        remote = dict(pool.imap(_one, tasks))
    for i, (strategy, replicate) in enumerate(tasks):
        here = simulate(small, strategy, replicate)
        # Summaries hold text (first_localities) as well as numbers; NaN equals NaN here.
        assert pd.Series(remote[i].summary).equals(pd.Series(here.summary))
        assert remote[i].records.equals(here.records)


MARKED_PRELOAD = """
import os, pathlib
HERE = pathlib.Path(__file__).parent
(HERE / "loaded").write_text(str(os.getpid()))


class _Marker:
    def __del__(self):  # runs only if the interpreter tears its modules down
        (HERE / "torn_down").write_text("yes")


marker = _Marker()
"""

SERVER_PARENT = """
import time
from pathlib import Path
from integration_sim.workers import start_server
start_server(["marked_preload"])
while not (Path({folder!r}) / "loaded").exists():
    time.sleep(0.05)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_fork_server_ends_without_tearing_down_its_imports(tmp_path):
    # Its teardown (seconds for the model's imports) held the command's stdout open.
    (tmp_path / "marked_preload.py").write_text(MARKED_PRELOAD)
    script = SERVER_PARENT.format(folder=str(tmp_path))
    # The server imports from its working folder (Python 3.11 ignores the parent's sys.path).
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    server = int((tmp_path / "loaded").read_text())
    deadline = time.monotonic() + 30
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server), "the fork server outlived the process that started it"
    assert not (tmp_path / "torn_down").exists()


def test_the_command_exits_with_its_status_and_all_its_output(tmp_path):
    # run_command leaves without the interpreter's teardown: output must still be flushed.
    good = Path(__file__).parents[1] / "scenarios" / "example_place.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed")
    for path, status, stream in ((good, 0, "stdout"), (bad, 2, "stderr")):
        proc = subprocess.run(
            [sys.executable, "-m", "integration_sim", "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == status
        assert str(path) in getattr(proc, stream)
