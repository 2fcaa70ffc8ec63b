"""ABC-SMC calibration with pyabc: exact-likelihood acceptance, reproducible parallel sampling.

The simulator is the real engine (the model behind :func:`integration_sim.runs.simulate`,
run without its weekly records and summary, see :func:`run_tallies`) with the
candidate parameters; its tallies give every measurement's
simulated statistic (:mod:`.observation`). Acceptance is pyabc's
``StochasticAcceptor`` with the measurements' log-likelihood as kernel and a
temperature falling to 1 (Wilkinson 2013): the final population is then a
weighted sample from the posterior that integrates over both the model's own
randomness and measurement noise, with no tolerance to tune.

Reproducibility: pyabc's multicore and Dask samplers reseed workers from the
operating system, so their results differ run to run. :class:`SeededMappingSampler`
instead draws one seed per task in the main process (from the seeded global
NumPy stream pyabc itself uses) and maps tasks with an order-preserving map, so
the same config and seed give the same posterior with 1 worker, N local workers
or a Dask cluster. The map is the shared :class:`~integration_sim.parallel.Pool`,
whose workers are started once for the whole calibration.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc
from pyabc.sampler.mapping import MappingSampler
from pydantic import ValidationError

from integration_sim.calibration.config import OBSERVATION_PARAMETERS
from integration_sim.calibration.observation import LOG_FLOOR, ObservationModel
from integration_sim.config.overrides import set_fields
from integration_sim.config.scenario import Scenario
from integration_sim.engine.model import IntegrationModel
from integration_sim.engine.seeds import run_seed
from integration_sim.errors import InputError
from integration_sim.parallel import Pool

# What a local worker imports once; the warm-up runs a small place so forked
# workers start with the compiled kernels loaded.
PRELOAD = ["integration_sim.calibration.abc", "integration_sim.warmup"]


class SimulationModel:
    """pyabc model: parameters -> each measurement's simulated statistic (picklable).

    Adoption rows get their counts pooled over ``adoption_replicates`` runs of
    the same parameters (see :mod:`.adoption_likelihood`). With ``common_seeds``
    those runs use the same seeds for every candidate (common random numbers),
    so the adoption likelihood is a fixed function of the parameters rather than
    a noisy one; other measurements still come from a run with the candidate's
    own seed, as their likelihood expects.
    """

    def __init__(
        self,
        scenario: Scenario,
        names: list[str],
        observation: ObservationModel,
        strategy: str | None = None,
        adoption_replicates: int = 1,
        common_seeds: list[int] | None = None,
    ) -> None:
        self.scenario, self.names, self.observation, self.strategy = (
            scenario,
            names,
            observation,
            strategy,
        )
        self.adoption_replicates = adoption_replicates
        if common_seeds is not None and len(common_seeds) != adoption_replicates:
            raise ValueError("common_seeds needs one seed per adoption replicate")
        self.common_seeds = common_seeds

    def overrides(self, par: dict) -> dict[str, float]:
        """pyabc's parameter names (p0, p1, ...) -> dotted paths (scenario or observation)."""
        return {name: float(par[f"p{i}"]) for i, name in enumerate(self.names)}

    def _scenario(self, overrides: dict[str, float]) -> Scenario | None:
        """The scenario with the scenario parameters set; None if a value is out of range."""
        fields = {k: v for k, v in overrides.items() if k not in OBSERVATION_PARAMETERS}
        for name, (low, high) in OBSERVATION_PARAMETERS.items():
            if name in overrides and not low <= overrides[name] < high:
                return None
        try:
            return set_fields(self.scenario, fields)
        except (ValidationError, InputError):
            # A draw outside a parameter's valid range (e.g. a share above 1) has no model.
            return None

    def statistics(self, overrides: dict[str, float], seed: int) -> np.ndarray:
        """Simulate once with ``overrides`` and run seed ``seed``; NaN if the values are invalid."""
        scenario = self._scenario(overrides)
        if scenario is None:
            return np.full(len(self.observation.keys), np.nan)
        return self.observation.statistics(run_tallies(scenario, self.strategy, seed))

    def pooled(self, overrides: dict[str, float], seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Statistics of one run and adoption counts [rows, 2] summed over the replicate runs.

        The statistics come from the run with the candidate's own ``seed``, or,
        with common seeds and only adoption rows, from the first common-seed run.
        """
        scenario = self._scenario(overrides)
        n_adopt = len(self.observation.adoption_rows)
        if scenario is None:
            return np.full(len(self.observation.keys), np.nan), np.full((n_adopt, 2), np.nan)
        obs = self.observation
        values = None
        if self.common_seeds is None:
            seeds = [seed] + [run_seed(seed, r) for r in range(1, self.adoption_replicates)]
        else:
            seeds = self.common_seeds
            if len(obs.adoption_rows) < len(obs.keys):
                # Proportions, rates, ... integrate the model's noise through ABC: own seed.
                values = obs.statistics(run_tallies(scenario, self.strategy, seed))
        counts = np.zeros((n_adopt, 2))
        for s in seeds:
            tallies = run_tallies(scenario, self.strategy, s)
            if values is None:
                values = obs.statistics(tallies)
            counts += obs.adoption_counts(tallies)
        return values, counts

    def predict(self, overrides: dict[str, float], seed: int) -> tuple[np.ndarray, np.ndarray]:
        """One run's statistics and, per adoption row, its cumulative adopters (NaN if invalid)."""
        scenario = self._scenario(overrides)
        if scenario is None:
            n = len(self.observation.keys), len(self.observation.adoption_rows)
            return np.full(n[0], np.nan), np.full(n[1], np.nan)
        tallies = run_tallies(scenario, self.strategy, seed)
        obs = self.observation
        return obs.statistics(tallies), obs.cumulative_adopters(tallies)

    def __call__(self, par: dict) -> dict[str, float]:
        # pyabc seeds the global stream per task (SeededMappingSampler), so this is reproducible.
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        overrides = self.overrides(par)
        keys = self.observation.keys
        if len(self.observation.adoption_rows) == 0:
            return dict(zip(keys, self.statistics(overrides, seed).tolist(), strict=True))
        values, counts = self.pooled(overrides, seed)
        out = dict(zip(keys, values.tolist(), strict=True))
        out.update({f"a{i:04d}": float(c) for i, c in enumerate(counts[:, 0])})
        out.update({f"n{i:04d}": float(c) for i, c in enumerate(counts[:, 1])})
        out.update({k: v for k, v in overrides.items() if k in OBSERVATION_PARAMETERS})
        return out


def run_tallies(scenario: Scenario, strategy: str | None, seed: int):
    """One run's tallies, skipping the weekly records and summary calibration does not use."""
    strategy = strategy or next(iter(scenario.strategies))
    model = IntegrationModel(scenario, strategy, seed, tallies=True, records=False)
    try:
        model.run()
        return model.recorder.tallies.build()
    finally:
        model.release()


class LogLikelihoodKernel:
    """pyabc kernel function: total log-likelihood of the measurements given simulated statistics."""

    def __init__(self, observation: ObservationModel) -> None:
        self.observation = observation

    def __call__(self, x: dict, x_0: dict, t: int | None = None, par: dict | None = None) -> float:
        obs = self.observation
        values = np.array([x[k] for k in obs.keys], dtype=float)
        if len(obs.adoption_rows) == 0:
            return obs.log_likelihood(values)
        n = len(obs.adoption_rows)
        counts = np.array([[x[f"a{i:04d}"], x[f"n{i:04d}"]] for i in range(n)], dtype=float)
        if not np.isfinite(counts).all():
            return LOG_FLOOR * len(values)  # parameters outside their valid range
        return obs.log_likelihood(
            values,
            counts,
            x.get("observation.overdispersion"),
            x.get("observation.locality_sd"),
        )


class SeededMappingSampler(MappingSampler):
    """pyabc's MappingSampler, but each task's seed comes from the main process: reproducible."""

    def map_function(self, simulate_one, task):  # noqa: D102 - pyabc hook
        seed, cap = task
        np.random.seed(seed)
        random.seed(seed)
        simulate_one = self.unpickle(simulate_one)
        sample = self._create_empty_sample()
        n = 0
        while n < cap:  # the cap enforces pyabc's min_acceptance_rate
            particle = simulate_one()
            n += 1
            sample.append(particle)
            if particle.accepted:
                break
        return sample, n

    def sample_until_n_accepted(
        self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
    ):  # noqa: D102 - pyabc hook
        cap = int(np.ceil(max_eval / n)) if np.isfinite(max_eval) else 2**62
        seeds = np.random.randint(0, 2**31 - 1, size=n + 1).tolist()
        tasks = [(s, cap) for s in seeds[1:]]
        fn = functools.partial(self.map_function, self.pickle(simulate_one))
        results = list(self.map_(fn, tasks))
        # A plain map runs the tasks in this process, reseeding its global stream:
        # restore a state that does not depend on where the tasks ran.
        np.random.seed(seeds[0])
        random.seed(seeds[0])
        self.nr_evaluations_ = sum(r[1] for r in results)
        sample = self._create_empty_sample()
        for r in results:
            sample += r[0]
        if sample.n_accepted < n:
            sample.ok = False  # pyabc stops: acceptance fell below min_acceptance_rate
        return sample


def _without_context(fn: Callable, _context: object, task: object) -> object:
    return fn(task)


@dataclass
class PoolMap:
    """pyabc's map function over a shared :class:`~integration_sim.parallel.Pool`, in order."""

    pool: Pool

    def __call__(self, fn: Callable, tasks: Iterable) -> list:
        # One particle per task: a particle runs until one candidate is accepted, so
        # tasks vary widely in length and larger chunks leave a worker idle at the
        # generation's end. The pickled simulate_one (about 100 kB, under a millisecond to
        # send) travels with each.
        return self.pool.map(functools.partial(_without_context, fn), tasks, chunk_size=1)


def make_prior(priors: dict) -> pyabc.Distribution:
    """pyabc prior over p0, p1, ... from the config's priors (same order)."""
    rvs = {}
    for i, prior in enumerate(priors.values()):
        name, args = prior.scipy_args()
        rvs[f"p{i}"] = pyabc.RV(name, *args)
    return pyabc.Distribution(**rvs)


def build_abc(model: SimulationModel, priors: dict, population_size: int, sampler) -> pyabc.ABCSMC:
    """The ABCSMC object: likelihood kernel, temperature schedule and stochastic acceptor."""
    kernel = pyabc.distance.FunctionKernel(
        LogLikelihoodKernel(model.observation),
        ret_scale=pyabc.distance.SCALE_LOG,
        pdf_max=model.observation.max_log_likelihood(),
    )
    return pyabc.ABCSMC(
        model,
        make_prior(priors),
        kernel,
        population_size=population_size,
        eps=pyabc.Temperature(),
        acceptor=pyabc.StochasticAcceptor(),
        sampler=sampler,
    )


def run_abc(
    model: SimulationModel,
    priors: dict,
    settings,
    db_path: Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    pool: Pool | None = None,
    resume: bool = False,
    verbose: bool = False,
) -> pyabc.History:
    """Run (or resume) ABC-SMC, storing every generation in the SQLite file ``db_path``.

    Simulations run on ``pool`` if given (so its workers can be reused
    afterwards), else on a pool of ``workers`` or on the Dask ``scheduler``.
    ``verbose`` keeps pyabc's one-line-per-generation log (temperature, acceptance, ESS).
    """
    _quiet_pyabc(verbose)
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(Pool(workers, scheduler, preload=PRELOAD, prestart=True))
        # Each generation alone may look too small to start workers for; the
        # calibration as a whole is not.
        pool.start_workers()
        sampler = SeededMappingSampler(PoolMap(pool))
        abc = build_abc(model, priors, settings.population_size, sampler)
        remaining, history = _open_history(abc, model, settings, db_path, resume)
        if remaining <= 0:
            return history
        return abc.run(
            max_nr_populations=remaining,
            min_acceptance_rate=settings.min_acceptance_rate,
            max_total_nr_simulations=settings.max_simulations or np.inf,
        )


def _open_history(abc: pyabc.ABCSMC, model: SimulationModel, settings, db_path: Path, resume: bool):
    """Start a new history or continue one; (generations still to run, history if resumed)."""
    db = f"sqlite:///{db_path.resolve()}"
    if resume and db_path.exists():
        history = abc.load(db, 1)
        done = history.max_t + 1
        np.random.seed([settings.seed, done])  # deterministic given where it stopped
        remaining = settings.max_generations - done
        return (0 if _finished(history) else remaining), history
    if db_path.exists():
        raise InputError(
            f"{db_path} exists: resume the calibration to continue it, or choose another output folder"
        )
    np.random.seed(settings.seed)
    random.seed(settings.seed)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    observed = {k: 0.0 for k in model.observation.keys}  # the kernel reads the data itself
    abc.new(db, observed)
    return settings.max_generations, None


class _NoTiming(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Timing")


def _quiet_pyabc(verbose: bool) -> None:
    """pyabc logs every step at INFO; keep only generation lines, and only when asked."""
    log = logging.getLogger("ABC")
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    if not any(isinstance(f, _NoTiming) for f in log.filters):
        log.addFilter(_NoTiming())
    logging.getLogger("ABC.History").setLevel(logging.WARNING)


def predict_task(
    model: SimulationModel, task: tuple[dict[str, float], int]
) -> tuple[np.ndarray, np.ndarray]:
    """One posterior-predictive simulation: the pool's context is the model; task (overrides, seed).

    Returns the run's statistics and, per adoption row, its cumulative adopters.
    """
    overrides, seed = task
    return model.predict(overrides, seed)


def _finished(history: pyabc.History) -> bool:
    """True when the last generation ran at temperature 1 (the exact posterior)."""
    pops = history.get_all_populations()
    return bool(len(pops) and float(pops["epsilon"].iloc[-1]) <= 1.0)


def posterior_table(history: pyabc.History, names: list[str], t: int | None = None) -> pd.DataFrame:
    """Generation ``t`` (default: last) as a posterior table: dotted-path columns and ``weight``."""
    df, w = history.get_distribution(m=0, t=t)  # w is aligned with df's rows
    out = pd.DataFrame({name: df[f"p{i}"].to_numpy(dtype=float) for i, name in enumerate(names)})
    out["weight"] = np.asarray(w, dtype=float)
    return out


def generations(history: pyabc.History) -> pd.DataFrame:
    """Per generation: temperature, simulations, acceptance rate and effective sample size."""
    from integration_sim.calibration.posterior import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, p in pops.iterrows():
        _, w = history.get_distribution(m=0, t=int(p["t"]))
        rows.append(
            {
                "generation": int(p["t"]),
                "temperature": float(p["epsilon"]),
                "simulations": int(p["samples"]),
                "accepted": int(p["particles"]),
                "acceptance_rate": p["particles"] / p["samples"],
                "ess": effective_sample_size(w),
            }
        )
    return pd.DataFrame(rows)
