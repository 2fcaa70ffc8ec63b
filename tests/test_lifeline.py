"""Pool workers end when the job that started them is killed (kill -9 or SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

JOB = r"""
import multiprocessing as mp, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from integration_sim.lifeline import pool_options
from integration_sim.parallel import ordered_map

kind = sys.argv[1]
if kind == "ordered_map":
    print("ready", flush=True)
    for _ in ordered_map(time.sleep, [600, 600], 2):
        pass
else:
    pool = ProcessPoolExecutor(2, mp_context=mp.get_context(kind), **pool_options())
    for f in [pool.submit(time.sleep, 600) for _ in range(2)]:
        pass
    print("ready", flush=True)
    time.sleep(600)
"""


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state) of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            out[int(entry.name)] = (int(fields[1]), fields[0])
    return out


def _descendants(pid: int) -> set[int]:
    table = _processes()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, (pp, _) in table.items() if pp in frontier} - found
        found |= frontier
    return found


def _living(pids: set[int]) -> set[int]:
    table = _processes()
    return {p for p in pids if p in table and table[p][1] != "Z"}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize(
    "kind, sig",
    [
        ("ordered_map", signal.SIGKILL),
        ("spawn", signal.SIGTERM),
        ("forkserver", signal.SIGKILL),
    ],
)
def test_workers_exit_when_their_parent_is_killed(kind: str, sig: int) -> None:
    job = subprocess.Popen(
        [sys.executable, "-c", JOB, kind],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        assert job.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _descendants(job.pid)
        assert len(workers) >= 2, "the pool's workers never started"
        job.send_signal(sig)
        job.wait(timeout=30)
        deadline = time.monotonic() + 15  # the watch thread looks once a second
        while _living(workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = _living(workers)
        for pid in left:  # do not leave them behind even when the test fails
            os.kill(pid, signal.SIGKILL)
        assert not left, f"{len(left)} worker(s) outlived their parent"
    finally:
        if job.poll() is None:
            job.kill()
            job.wait()
