"""Results of many runs as data: what one run returns, what a job returns, and results folders.

``Results.write`` writes a folder (Parquet tables, the scenario and interventions,
the manifest last, so a folder is complete exactly when ``manifest.json`` is
there); :func:`read_results` reads one back, so a report can be redrawn without
re-running.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from integration_sim import __version__
from integration_sim.config.scenario import Scenario
from integration_sim.config.strategies import Intervention
from integration_sim.engine.tallies import Tallies
from integration_sim.errors import InputError
from integration_sim.files import atomic_path, write_json, write_table


@dataclass
class NetworkSnapshot:
    """A run's practitioner network at the start and at the end.

    ``people`` has one row per practitioner (organisation, organisation_type,
    role, locality); ``before`` and ``after`` are (u, v, trust, layer) tie arrays.
    """

    people: pd.DataFrame
    before: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    after: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class RunResult:
    """One run: its records, summary, and what produced them."""

    strategy: str
    replicate: int
    seed: int
    records: pd.DataFrame
    summary: dict[str, float]
    interventions: list[Intervention]
    tallies: Tallies | None = None
    parameter_draw: dict[str, float] = field(default_factory=dict)
    network: NetworkSnapshot | None = None
    funding_end: int | None = None  # week (exclusive) paid work stops, within the horizon


@dataclass
class Results:
    """Many runs of one scenario: tidy records, a summary row per run, and provenance."""

    scenario: Scenario
    records: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]
    interventions: dict[str, list[Intervention]]
    networks: dict[str, NetworkSnapshot] = field(default_factory=dict)
    funding_end: dict[str, int | None] = field(default_factory=dict)  # strategy -> week
    checkpoint: Path | None = None  # the finished runs saved while running, if any

    def write(self, out_dir: str | Path, extra: list[Path] = (), csv: bool = False) -> list[Path]:
        """Write records, summary (Parquet; also CSV if ``csv``) and manifest; return the paths.

        ``extra`` names files already written there (charts, a report) for the
        manifest's list of files. Once the manifest is written the folder is
        complete, and the saved runs in ``checkpoint`` (only needed to resume an
        unfinished job) are removed.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = write_table(self.records, out / "records", csv=csv)
        paths += write_table(self.summary, out / "summary", csv=csv)
        paths += _write_inputs(self, out)
        # The manifest goes last: its presence marks a complete output folder.
        names = sorted(str(Path(p).resolve().relative_to(out.resolve())) for p in [*paths, *extra])
        write_json(out / "manifest.json", {**self.manifest, "files": names})
        if self.checkpoint is not None:
            shutil.rmtree(self.checkpoint, ignore_errors=True)
        return [*paths, out / "manifest.json"]


# What a results folder holds besides records and summary, so a report can be redrawn
# from it without re-running: the validated scenario, each strategy's interventions
# and the networks replicate 0 kept.
SCENARIO_FILE, INTERVENTIONS_FILE, NETWORKS_FILE = (
    "scenario.json",
    "interventions.json",
    "networks.npz",
)


def _write_inputs(results: Results, out: Path) -> list[Path]:
    write_json(out / SCENARIO_FILE, results.scenario.model_dump(mode="json"))
    ivs = {s: [iv.model_dump(mode="json") for iv in v] for s, v in results.interventions.items()}
    write_json(out / INTERVENTIONS_FILE, ivs)
    paths = [out / SCENARIO_FILE, out / INTERVENTIONS_FILE]
    if results.networks:
        arrays = {}
        for i, (name, snap) in enumerate(results.networks.items()):
            arrays[f"{i}.strategy"] = np.array(name)
            for col in snap.people.columns:
                arrays[f"{i}.people.{col}"] = snap.people[col].to_numpy(dtype=str)
            for when in ("before", "after"):
                for k, part in zip("uvtl", getattr(snap, when), strict=True):
                    arrays[f"{i}.{when}.{k}"] = part
        with atomic_path(out / NETWORKS_FILE) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        paths.append(out / NETWORKS_FILE)
    return paths


def read_results(folder: str | Path) -> Results:
    """A results folder written by ``Results.write`` (``run`` or ``compare``), read back.

    Raises:
        InputError: the folder is not a complete results folder.
    """
    folder = Path(folder)
    needed = [
        "manifest.json",
        "records.parquet",
        "summary.parquet",
        SCENARIO_FILE,
        INTERVENTIONS_FILE,
    ]
    missing = [n for n in needed if not (folder / n).exists()]
    if missing:
        raise InputError(
            f"not a complete results folder (missing {', '.join(missing)}); "
            "write one with run or compare",
            file=folder,
        )
    scenario = Scenario.model_validate(json.loads((folder / SCENARIO_FILE).read_text()))
    ivs = json.loads((folder / INTERVENTIONS_FILE).read_text())
    interventions = {s: [Intervention.model_validate(iv) for iv in v] for s, v in ivs.items()}
    records = pd.read_parquet(folder / "records.parquet")
    summary = pd.read_parquet(folder / "summary.parquet")
    manifest = json.loads((folder / "manifest.json").read_text())
    networks = _read_networks(folder / NETWORKS_FILE)
    ends = summary.drop_duplicates("strategy").set_index("strategy")["funding_end"]
    funding = {str(s): None if pd.isna(e) else int(e) for s, e in ends.items()}
    return Results(scenario, records, summary, manifest, interventions, networks, funding)


def _read_networks(path: Path) -> dict[str, NetworkSnapshot]:
    if not path.exists():
        return {}
    out = {}
    with np.load(path) as z:
        for i in sorted({int(k.split(".")[0]) for k in z.files}):
            cols = [k.split(".", 2)[2] for k in z.files if k.startswith(f"{i}.people.")]
            people = pd.DataFrame({c: z[f"{i}.people.{c}"].astype(object) for c in cols})
            ties = {w: tuple(z[f"{i}.{w}.{k}"] for k in "uvtl") for w in ("before", "after")}
            out[str(z[f"{i}.strategy"])] = NetworkSnapshot(people, ties["before"], ties["after"])
    return out


LABEL_COLUMNS = ("strategy", "locality", "organisation_type", "behaviour", "metric")


def stack_records(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Runs' records one after another, label columns categorical with sorted categories.

    Column by column: the label columns' codes are merged (categories sorted)
    rather than concatenated as strings and converted back to categories.
    """
    if not frames:
        return pd.concat(frames)  # raises, as concatenating nothing always has
    out = {}
    for col in frames[0].columns:
        parts = [f[col] for f in frames]
        if col in LABEL_COLUMNS:
            labels = [
                p if isinstance(p.dtype, pd.CategoricalDtype) else p.astype("category")
                for p in parts
            ]
            out[col] = union_categoricals(labels, sort_categories=True)
        else:
            out[col] = np.concatenate([p.to_numpy() for p in parts])
    return pd.DataFrame(out)


def collect(
    scenario: Scenario, results: list[RunResult], n_rep: int, started: datetime, workers: int
) -> Results:
    """One ``Results`` from finished runs (in order), with the job's provenance."""
    records = stack_records([r.records for r in results])
    summary = pd.DataFrame(
        [
            {"strategy": r.strategy, "replicate": r.replicate, "seed": r.seed, **r.summary}
            for r in results
        ]
    )
    interventions = {}
    for r in results:
        interventions.setdefault(r.strategy, r.interventions)
    networks = {r.strategy: r.network for r in results if r.network is not None}
    funding = {r.strategy: r.funding_end for r in results}
    manifest = {
        "package": "integration-sim",
        "version": __version__,
        "scenario": scenario.name,
        "scenario_hash": scenario.content_hash(),
        "strategies": list(dict.fromkeys(r.strategy for r in results)),
        "replicates": n_rep,
        "base_seed": scenario.seed,
        "seeds": {str(r.replicate): r.seed for r in results},
        "posterior": scenario.parameters.posterior,
        "parameter_draws": {
            f"{r.strategy}/{r.replicate}": r.parameter_draw for r in results if r.parameter_draw
        },
        "workers": workers,
        "started": started.isoformat(),
        "finished": datetime.now(UTC).isoformat(),
        "platform": {
            "python": sys.version.split()[0],
            "system": platform.platform(),
            "machine": platform.machine(),
        },
    }
    return Results(scenario, records, summary, manifest, interventions, networks, funding)
