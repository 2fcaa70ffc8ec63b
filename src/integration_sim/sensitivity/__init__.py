"""Sensitivity sweeps that scale from a laptop to a Dask cluster and survive interruptions.

The public API::

    from integration_sim.sensitivity import sweep

    result = sweep("experiments/small_test.yaml", "results/small_test", workers=2)
    result.indices        # the contents of indices.csv
    result.failures       # runs that raised twice

Modules, in the order data flows: ``experiment`` (file schema), ``sampling``
(SALib designs), ``models`` (the model under study, run batches), ``store``
(append-only Parquet parts), ``executor`` (in-process, process pool, Dask),
``analysis`` (indices, convergence, noise), ``priorities``, ``discovery``
(PRIM), ``charts``, ``report`` (writing it all), ``driver`` (the whole sweep).
"""

from __future__ import annotations

from typing import Any

__all__ = ["Experiment", "SweepResult", "load_experiment", "sweep"]


def __getattr__(name: str) -> Any:
    # Lazy: worker processes import only ``models`` (NumPy), not pandas, SciPy or pydantic,
    # which keeps a new worker's start-up well under a second.
    if name in ("Experiment", "load_experiment"):
        from integration_sim.sensitivity import experiment

        return getattr(experiment, name)
    if name in ("SweepResult", "sweep"):
        from integration_sim.sensitivity import driver

        return getattr(driver, name)
    raise AttributeError(name)
