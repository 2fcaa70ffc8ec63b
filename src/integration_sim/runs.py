"""Running the model: one run (`simulate`), many runs in parallel (`run`), and `Results`.

Replicate ``r`` of every strategy uses the same run seed (common random
numbers), derived from the scenario seed and ``r`` alone, so results are
identical whatever the number of worker processes or the order runs finish in.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path

from integration_sim.checkpoints import Checkpoints  # noqa: F401 - part of this module's API
from integration_sim.config.overrides import apply_overrides
from integration_sim.config.posterior import draw, load_posterior, scenario_parameters
from integration_sim.config.scenario import Scenario
from integration_sim.engine.footprint import check_memory, run_bytes
from integration_sim.engine.model import IntegrationModel
from integration_sim.engine.seeds import Streams, run_seed
from integration_sim.engine.state import practitioner_table
from integration_sim.errors import InputError
from integration_sim.metrics import summarise
from integration_sim.parallel import Pool, default_workers
from integration_sim.progress import Progress
from integration_sim.results import (  # noqa: F401 - part of this module's API
    NetworkSnapshot,
    Results,
    RunResult,
    collect,
    read_results,
)

# What a local worker imports before its first task: the model, with its compiled
# kernels loaded once by the fork server (integration_sim.warmup imports this module).
WORKER_PRELOAD = ["integration_sim.warmup"]


def posterior_draw(scenario: Scenario, seed: int) -> dict[str, float]:
    """One weighted draw from the scenario's posterior file (empty without one).

    The draw uses the run's own ``posterior`` stream, so replicate ``r`` of every
    strategy uses the same parameter values (common random numbers).
    """
    if scenario.parameters.posterior is None:
        return {}
    table = load_posterior(scenario.parameters.posterior)
    values = draw(table, Streams(seed).rng("posterior"))
    return {path: values[path] for path in scenario_parameters(table)}


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
        return _run_result(model, replicate, seed, draw, tallies, network)
    finally:
        model.release()


def _run_result(
    model: IntegrationModel,
    replicate: int,
    seed: int,
    draw: dict[str, float],
    tallies: bool,
    network: bool,
) -> RunResult:
    """What a finished model leaves: records, summary, and what produced them."""
    strategy = model.strategy
    records = model.recorder.frame(replicate, strategy)
    sched = model.schedule_of_interventions
    hits = zip(model.pop.locality_names, sched.first_localities(), strict=True)
    first = [name for name, hit in hits if hit]
    end = sched.funding_end()
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
        summarise(records, model.spec.horizon_weeks, end, first),
        model.interventions,
        model.recorder.tallies.build() if tallies else None,
        draw,
        snapshot,
        end,
    )


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
    workers = _workers_that_fit(scenario, max(1, min(workers or default_workers(), len(tasks))))
    started = datetime.now(UTC)
    bar = Progress(len(tasks) + len(results), "runs", enabled=progress, done=len(results))
    with Pool(workers, context=scenario, preload=WORKER_PRELOAD) as pool, bar:
        for _, result in pool.imap(_one, tasks):
            if store:
                store.save(result)
            results.append(result)
            bar.advance()
    order = {s: i for i, s in enumerate(strategies)}
    results.sort(key=lambda r: (order[r.strategy], r.replicate))
    collected = collect(scenario, results, n_rep, started, workers)
    collected.checkpoint = store.folder if store else None
    return collected


def _workers_that_fit(scenario: Scenario, workers: int) -> int:
    """As many workers as asked for, or fewer (with a warning) if their runs would not fit."""
    fits = check_memory(scenario, workers)
    if fits < workers:
        warnings.warn(
            f"{workers} runs at once would not fit in memory (about {run_bytes(scenario) / 1e9:.1f} "
            f"GB each); using {fits} worker(s)",
            ResourceWarning,
            stacklevel=3,
        )
    return fits
