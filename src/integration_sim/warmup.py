"""Imported by the fork server of local workers: load the model's compiled kernels once.

The model's kernels are compiled by numba and cached on disk; a process loads
them from the cache the first time it calls each one (about 0.3 s of CPU for
a whole run's set). Worker processes are forked from the fork server
(:func:`integration_sim.workers.start_server`), so a server that has loaded
them once hands every worker a copy already loaded: a worker's first task
then costs what any other does. Importing this module runs one short
simulation of a small built-in place (about 0.5 s) for that reason, and
nothing else; it is named in preload lists, never imported by the package.
"""

from __future__ import annotations

import contextlib

from integration_sim.config.load import parse_scenario
from integration_sim.runs import simulate

# A small place with one funded pilot, so that every part of the weekly step runs.
WARM_PLACE = {
    "name": "warm-up",
    "seed": 1,
    "replicates": 1,
    "horizon_weeks": 12,
    "system": {
        "localities": [
            {"name": "North", "population": 40000, "readiness": 0.7},
            {"name": "South", "population": 30000, "readiness": 0.4},
        ],
        "organisations": [
            {"type": "acute_trust", "count": 1, "staff": 20},
            {"type": "community_health", "count": 1, "staff": 10},
            {"type": "mental_health", "count": 1, "staff": 6},
            {"type": "adult_social_care", "count": 1, "staff": 10},
            {"type": "housing", "count": 1, "staff": 4},
            {"type": "gp_practice", "count": 2, "staff": 6},
            {"type": "voluntary_sector", "count": 1, "staff": 4},
        ],
    },
    "strategies": {
        "pilot": {
            "kind": "pilot",
            "localities": ["North"],
            "start_week": 2,
            "funding": {"budget": 100000, "duration_weeks": 6},
        },
    },
}


def warm_up() -> None:
    """Run the small place once, with tallies and the network kept (every kernel is called)."""
    simulate(parse_scenario(WARM_PLACE), tallies=True, network=True)


# Never let a failed warm-up stop the server: a worker would then load the kernels itself.
with contextlib.suppress(Exception):
    warm_up()
