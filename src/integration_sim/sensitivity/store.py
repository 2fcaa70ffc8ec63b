"""The append-only results store of a sweep: a manifest plus one Parquet part per finished batch.

Layout of a sweep folder::

    manifest.json       experiment hash, batch plan, status
    experiment.yaml     a copy of the experiment file as run
    design.parquet      the unit-hypercube design (one row per sample point)
    samples.parquet     the same points in natural units
    parts/part-000042.parquet   runs of batch 42, written atomically

A part is written to a temporary name and renamed only once complete, so a
kill at any moment leaves either the whole part or none of it; temporary
leftovers never match ``part-NNNNNN.parquet`` and are ignored (and swept away
on resume). A part that cannot be read is treated as missing.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from integration_sim.errors import InputError
from integration_sim.files import LOCK, atomic_path, write_json

_PART = re.compile(r"^part-(\d{6})\.parquet$")
MANIFEST = "manifest.json"


class Store:
    """Read and append to the results store in ``out_dir``."""

    def __init__(self, out_dir: str | Path) -> None:
        self.dir = Path(out_dir)
        self.parts = self.dir / "parts"

    # Manifest --------------------------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        """Where the manifest lives."""
        return self.dir / MANIFEST

    def exists(self) -> bool:
        """True when the folder already holds a sweep."""
        return self.manifest_path.exists()

    def read_manifest(self) -> dict[str, Any]:
        """The manifest as written at the start (and updated at the end)."""
        try:
            return json.loads(self.manifest_path.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(
                f"cannot read the sweep manifest: {exc}", file=self.manifest_path
            ) from None

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json(self.manifest_path, manifest)

    def create(
        self,
        manifest: dict[str, Any],
        experiment_text: str,
        design: pd.DataFrame,
        samples: pd.DataFrame,
    ) -> None:
        """Start a new sweep; refuse a folder that already holds anything."""
        if self.exists():
            raise InputError(
                "this folder already holds a sweep; resume it to finish it, "
                "or choose another output folder",
                file=self.dir,
            )
        if self.dir.exists() and any(p.name != LOCK for p in self.dir.iterdir()):
            raise InputError(
                "output folder is not empty; choose a new or empty folder", file=self.dir
            )
        self.parts.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.dir / "experiment.yaml") as tmp:
            tmp.write_text(experiment_text, encoding="utf-8")
        self._write_parquet(design, self.dir / "design.parquet")
        self._write_parquet(samples, self.dir / "samples.parquet")
        # The manifest goes last: a folder with a manifest has everything needed to resume.
        self.write_manifest(manifest)

    def design(self) -> pd.DataFrame:
        """The unit-hypercube design, one row per sample point."""
        return pd.read_parquet(self.dir / "design.parquet")

    def samples(self) -> pd.DataFrame:
        """Sample points in natural units (column ``point`` then one per parameter)."""
        return pd.read_parquet(self.dir / "samples.parquet")

    # Parts -----------------------------------------------------------------------

    def part_path(self, batch: int) -> Path:
        """File of batch ``batch``'s part."""
        return self.parts / f"part-{batch:06d}.parquet"

    def write_part(self, batch: int, table: pd.DataFrame) -> None:
        """Append one finished batch (atomically: all of it or nothing)."""
        self._write_parquet(table, self.part_path(batch))

    def done_batches(self) -> set[int]:
        """Batches with a readable part; unreadable parts and temporary leftovers are removed."""
        done = set()
        if not self.parts.exists():
            return done
        for path in sorted(self.parts.iterdir()):
            match = _PART.match(path.name)
            if match is None:
                if path.name.startswith("."):
                    path.unlink(missing_ok=True)  # a temporary file from a killed write
                continue
            try:
                pd.read_parquet(path, columns=["run"])
            except Exception as exc:  # a corrupt part is redone rather than trusted
                warnings.warn(f"ignoring unreadable part {path.name}: {exc}", stacklevel=2)
                path.unlink(missing_ok=True)
                continue
            done.add(int(match.group(1)))
        return done

    def results(self) -> pd.DataFrame:
        """Every stored run, sorted by run index (so the order never depends on timing)."""
        paths = [p for p in sorted(self.parts.glob("part-*.parquet")) if _PART.match(p.name)]
        if not paths:
            return pd.DataFrame()
        table = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
        return table.sort_values("run", kind="stable").reset_index(drop=True)

    @staticmethod
    def _write_parquet(table: pd.DataFrame, path: Path) -> None:
        with atomic_path(path) as tmp:
            table.to_parquet(tmp, index=False)
