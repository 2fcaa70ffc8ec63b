"""An older commit's files, unpacked from git, so benchmarks can time it beside today's code."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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
