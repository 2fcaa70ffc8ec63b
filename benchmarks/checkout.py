"""Timing a checkout of the package in a fresh process: an older commit's files unpacked
from git, and a harness's JSON figures read back, so benchmarks time it beside today's code."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# One process per timing; single-threaded libraries, so a figure is per core.
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def unpack(folder: Path, commit: str, paths: list[str]) -> Path:
    """Unpack ``paths`` (e.g. ``src``, ``scenarios``) of ``commit`` into ``folder``; return
    the unpacked ``src`` folder."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, *paths],
        check=True,
        capture_output=True,
    ).stdout
    tar = folder / f"{commit}.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(folder, filter="data")
    return folder / "src"


def harness(script: Path, *args: str) -> dict:
    """Run a benchmark harness in a fresh process; its figures (its last line, JSON)."""
    out = subprocess.run(
        [sys.executable, str(script), *args],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
        cwd=REPO,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def timed_compare(src: Path, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds (this process's children) of ``integration-sim compare`` on the
    flagship scenario of the checkout whose ``src`` folder is given, report included."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "integration_sim",
                "compare",
                str(src.parent / "scenarios" / "pilot_vs_system_wide.yaml"),
                "-o",
                str(Path(tmp) / "out"),
                "--workers",
                str(workers),
            ],
            check=True,
            capture_output=True,
            env={**ENV, "PYTHONPATH": str(src)},
            cwd=REPO,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu
