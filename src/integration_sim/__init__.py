"""integration-sim: how integrated working between health and social care emerges, spreads and lasts.

The public Python API, in the order data flows through it::

    from integration_sim import load_scenario, report, run

    scenario = load_scenario("scenarios/example_place.yaml")
    results = run(scenario, replicates=4)
    results.records   # tidy weekly records (pandas DataFrame)
    results.summary   # one row per run and outcome metric
    results.write("results/mine")
    report("results/mine", baseline="business_as_usual")  # report.html from saved results
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("integration-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from integration_sim.errors import InputError  # noqa: E402

__all__ = [
    "InputError",
    "__version__",
    "apply_overrides",
    "load_scenario",
    "read_results",
    "report",
    "run",
    "simulate",
    "write_report",
]

# Public name -> module that defines it. Imported lazily, so `integration-sim --help`
# stays fast and importing the package does not pull in the engine.
_API = {
    "load_scenario": "integration_sim.config.load",
    "apply_overrides": "integration_sim.config.overrides",
    "run": "integration_sim.runs",
    "simulate": "integration_sim.runs",
    "read_results": "integration_sim.runs",
    "write_report": "integration_sim.present.report",
    "report": "integration_sim.present.report",
}


def __getattr__(name: str):
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(name)
