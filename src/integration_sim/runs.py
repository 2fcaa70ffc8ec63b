"""Running the model: one run (`simulate`), many runs in parallel (`run`), and `Results`.

Replicate ``r`` of every strategy uses the same run seed (common random
numbers), derived from the scenario seed and ``r`` alone, so results are
identical whatever the number of worker processes or the order runs finish in.
"""

from __future__ import annotations

import json
import os
import pickle
import platform
import shutil
import sys
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from integration_sim import __version__
from integration_sim.config.overrides import apply_overrides
from integration_sim.config.posterior import draw, load_posterior
from integration_sim.config.scenario import Scenario
from integration_sim.config.strategies import Intervention
from integration_sim.engine.footprint import check_memory, run_bytes
from integration_sim.engine.model import IntegrationModel
from integration_sim.engine.recorder import Tallies
from integration_sim.engine.seeds import Streams, run_seed
from integration_sim.engine.state import practitioner_table
from integration_sim.errors import InputError
from integration_sim.files import atomic_path, content_hash, write_json, write_table, write_text
from integration_sim.metrics import summarise
from integration_sim.parallel import Pool, default_workers
from integration_sim.progress import Progress


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


def posterior_draw(scenario: Scenario, seed: int) -> dict[str, float]:
    """One weighted draw from the scenario's posterior file (empty without one).

    The draw uses the run's own ``posterior`` stream, so replicate ``r`` of every
    strategy uses the same parameter values (common random numbers).
    """
    if scenario.parameters.posterior is None:
        return {}
    table = load_posterior(scenario.parameters.posterior)
    return draw(table, Streams(seed).rng("posterior"))


def simulate(
    scenario: Scenario,
    strategy: str | None = None,
    replicate: int = 0,
    seed: int | None = None,
    tallies: bool = False,
    network: bool = False,
) -> RunResult:
    """Run one strategy once.

    Args:
        scenario: validated scenario.
        strategy: strategy name (default: the scenario's first).
        replicate: replicate number, used for the seed when ``seed`` is None.
        seed: run seed; default ``run_seed(scenario.seed, replicate)``.
        tallies: also return raw counts for observation models.
        network: also return the practitioner network at the start and the end.
    """
    strategy = strategy or next(iter(scenario.strategies))
    if strategy not in scenario.strategies:
        raise InputError(
            f"no strategy {strategy!r} (scenario has: {', '.join(scenario.strategies)})",
            field="strategy",
        )
    seed = run_seed(scenario.seed, replicate) if seed is None else int(seed)
    draw = posterior_draw(scenario, seed)
    effective = (
        apply_overrides(scenario, draw, source=scenario.parameters.posterior) if draw else scenario
    )
    model = IntegrationModel(effective, strategy, seed, tallies=tallies)
    try:
        model.run()
        records = model.recorder.frame(replicate, strategy)
        sched = model.schedule_of_interventions
        first = [
            n
            for n, hit in zip(model.pop.locality_names, sched.first_localities(), strict=True)
            if hit
        ]
        end = sched.funding_end()
        summary = summarise(records, scenario.horizon_weeks, end, first)
        tally = model.recorder.tallies.build() if tallies else None
        snapshot = None
        if network:
            snapshot = NetworkSnapshot(
                practitioner_table(model.pop), model.initial_ties.live(), model.ties.live()
            )
        return RunResult(
            strategy,
            replicate,
            seed,
            records,
            summary,
            model.interventions,
            tally,
            draw,
            snapshot,
            end,
        )
    finally:
        model.release()


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


def _one(scenario: Scenario, task: tuple[str, int]) -> RunResult:
    strategy, replicate = task
    # Replicate 0 of each strategy keeps its network for the before/after picture.
    return simulate(scenario, strategy, replicate, network=replicate == 0)


def run(
    scenario: Scenario,
    strategies: list[str] | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    checkpoint: str | Path | None = None,
    resume: bool = False,
) -> Results:
    """Run every (strategy, replicate) pair, in parallel worker processes.

    Args:
        strategies: names to run (default: all in the scenario).
        replicates: runs per strategy (default: the scenario's).
        seed: overrides the scenario seed.
        workers: workers (default: all cores; 1 runs in this process). Worker
            processes start only when the runs are long enough to repay it.
        progress: show a progress bar (default: only on a terminal, not in CI).
        checkpoint: folder where each finished run is saved as it completes;
            :meth:`Results.write` removes it once the output folder is complete.
        resume: reuse the runs already saved in ``checkpoint`` for this same
            scenario content and seed, and run only the missing ones.
    """
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": int(seed)})
    strategies = list(strategies or scenario.strategies)
    for s in strategies:
        if s not in scenario.strategies:
            raise InputError(
                f"no strategy {s!r} (scenario has: {', '.join(scenario.strategies)})",
                field="strategies",
            )
    n_rep = replicates or scenario.replicates
    store = Checkpoints(checkpoint, scenario, resume) if checkpoint is not None else None
    results: list[RunResult] = store.load() if store else []
    done = {(r.strategy, r.replicate) for r in results}
    tasks = [(s, r) for s in strategies for r in range(n_rep) if (s, r) not in done]
    results = [r for r in results if r.strategy in strategies and r.replicate < n_rep]
    workers = max(1, min(workers or default_workers(), len(tasks)))
    fits = check_memory(scenario, workers)
    if fits < workers:
        warnings.warn(
            f"{workers} runs at once would not fit in memory (about {run_bytes(scenario) / 1e9:.1f} "
            f"GB each); using {fits} worker(s)",
            ResourceWarning,
            stacklevel=2,
        )
        workers = fits
    started = datetime.now(UTC)
    bar = Progress(len(tasks) + len(results), "runs", enabled=progress, done=len(results))
    with Pool(workers, context=scenario, preload=["integration_sim.runs"]) as pool, bar:
        for _, result in pool.imap(_one, tasks):
            if store:
                store.save(result)
            results.append(result)
            bar.advance()
    order = {s: i for i, s in enumerate(strategies)}
    results.sort(key=lambda r: (order[r.strategy], r.replicate))
    collected = _collect(scenario, results, n_rep, started, workers)
    collected.checkpoint = store.folder if store else None
    return collected


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


def _collect(
    scenario: Scenario, results: list[RunResult], n_rep: int, started: datetime, workers: int
) -> Results:
    records = pd.concat([r.records for r in results], ignore_index=True)
    for col in ("strategy", "locality", "organisation_type", "behaviour", "metric"):
        records[col] = records[col].astype("category")
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
