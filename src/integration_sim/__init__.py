"""integration-sim: how integrated working between health and social care emerges, spreads and lasts.

The public Python API, in the order data flows through it::

    from integration_sim import load_scenario, run

    scenario = load_scenario("scenarios/example_place.yaml")
    results = run(scenario, replicates=4)
    results.records   # tidy weekly records (pandas DataFrame)
    results.summary   # one row per run and outcome metric
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("integration-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from integration_sim.errors import InputError  # noqa: E402

__all__ = ["InputError", "__version__", "load_scenario", "run", "simulate"]


def __getattr__(name: str):
    # Lazy imports keep `integration-sim --help` fast and avoid import cycles.
    if name == "load_scenario":
        from integration_sim.config.load import load_scenario

        return load_scenario
    if name in ("run", "simulate"):
        from integration_sim import runs as runner

        return getattr(runner, name)
    raise AttributeError(name)
