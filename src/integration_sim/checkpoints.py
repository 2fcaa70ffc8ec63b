"""Checkpoints: each finished run saved as it completes, so an interrupted job can resume."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

from integration_sim.config.scenario import Scenario
from integration_sim.engine.seeds import run_seed
from integration_sim.errors import InputError
from integration_sim.files import atomic_path, content_hash, write_text
from integration_sim.results import RunResult


class Checkpoints:
    """Finished runs saved one file each, so an interrupted job can resume.

    A run is pickled atomically to ``<strategy>~<replicate>.pkl``, then a line
    (file name, SHA-256 of its bytes, scenario content hash, run seed) is appended
    to ``ledger.jsonl``. Resuming unpickles only files listed there with the same
    digest, this scenario's hash and the seed replicate *r* must have: a file this
    tool did not write, one cut short, or one from another seed or scenario is never
    loaded, and its run is simply done again. The folder is stamped with the
    scenario's hash; resuming into a folder stamped for other content is refused.
    """

    LEDGER = "ledger.jsonl"

    def __init__(self, folder: str | Path, scenario: Scenario, resume: bool) -> None:
        self.folder = Path(folder)
        self.stamp = scenario.content_hash()
        self.base_seed = scenario.seed
        stamp_file = self.folder / "scenario_hash"
        if resume and stamp_file.exists() and stamp_file.read_text().strip() != self.stamp:
            raise InputError(
                "the saved runs in this folder come from a different scenario or seed; "
                "start again without resuming",
                file=self.folder,
            )
        if not resume and self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text(stamp_file, self.stamp + "\n")

    def load(self) -> list[RunResult]:
        """Every run this scenario and seed saved so far (checked before unpickling)."""
        ledger = self._ledger()
        results = []
        for path in sorted(self.folder.glob("*.pkl")):
            entry = ledger.get(path.name)
            data = path.read_bytes()
            if (
                entry is None
                or entry.get("scenario_hash") != self.stamp
                or entry.get("sha256") != content_hash(data)
            ):
                continue  # not written by this job for this scenario, or damaged: rerun it
            result = pickle.loads(data)
            if result.seed == entry.get("seed") == run_seed(self.base_seed, result.replicate):
                results.append(result)
        return results

    def save(self, result: RunResult) -> None:
        """Save one finished run (atomically), then record it in the ledger."""
        path = self.folder / f"{result.strategy}~{result.replicate}.pkl"
        if path.parent != self.folder or path.name.startswith("."):
            raise InputError(f"strategy name {result.strategy!r} cannot be a file name")
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        entry = {
            "file": path.name,
            "sha256": content_hash(data),
            "scenario_hash": self.stamp,
            "seed": result.seed,
        }
        with open(self.folder / self.LEDGER, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _ledger(self) -> dict[str, dict[str, Any]]:
        try:
            text = (self.folder / self.LEDGER).read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        entries = {}
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short when a job was killed
            if isinstance(entry, dict) and "file" in entry:
                entries[entry["file"]] = entry
        return entries
