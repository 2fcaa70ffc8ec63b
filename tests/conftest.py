"""Shared fixtures: small scenarios built in code so tests say exactly what they use."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # for `import oracle`
sys.path.insert(0, str(ROOT))  # for `import validation`

from integration_sim.config.load import parse_scenario  # noqa: E402
from integration_sim.config.scenario import Scenario  # noqa: E402

SMALL: dict[str, Any] = {
    "name": "small",
    "seed": 11,
    "replicates": 2,
    "horizon_weeks": 40,
    "system": {
        "localities": [
            {"name": "North", "population": 40000, "readiness": 0.7},
            {"name": "South", "population": 30000, "readiness": 0.4},
        ],
        "organisations": [
            {"type": "acute_trust", "count": 1, "staff": 40},
            {"type": "community_health", "count": 1, "staff": 20},
            {"type": "mental_health", "count": 1, "staff": 10},
            {"type": "adult_social_care", "count": 1, "staff": 20},
            {"type": "housing", "count": 1, "staff": 6},
            {"type": "gp_practice", "count": 2, "staff": 10},
            {"type": "voluntary_sector", "count": 1, "staff": 6},
        ],
    },
    "strategies": {
        "none": {"kind": "custom"},
        "pilot": {
            "kind": "pilot",
            "localities": ["North"],
            "start_week": 4,
            "funding": {"budget": 200000, "duration_weeks": 20},
        },
    },
}

# Everything but the core behaviour rule switched off (for oracle and limit tests).
FROZEN: dict[str, Any] = {
    "behaviour_set": [
        "information_sharing",
        "joint_assessment",
        "trusted_assessment",
        "shared_care_planning",
        "vcs_referral",
    ],
    "parameters": {
        "network": {
            "tie_formation": 0.0,
            "colocation_tie_formation": 0.0,
            "joint_work_tie_formation": 0.0,
            "trust_growth": 0.0,
            "trust_decay": 0.0,
        },
        "practitioners": {"motivation_rate": 0.0, "learning_by_doing": 0.0, "training_rate": 0.0},
    },
    "drivers": {"turnover_scale": 0.0, "seasonal": {"amplitude": 0.0}},
    "strategies": {"none": {"kind": "custom"}},
}


def merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``update`` into a copy of ``base``; ``strategies`` are replaced whole."""
    out = copy.deepcopy(base)
    for k, v in update.items():
        nested = isinstance(v, dict) and isinstance(out.get(k), dict) and k != "strategies"
        out[k] = merge(out[k], v) if nested else copy.deepcopy(v)
    return out


def make_scenario(*updates: dict[str, Any]) -> Scenario:
    """The small scenario with ``updates`` merged in, in order."""
    data = SMALL
    for u in updates:
        data = merge(data, u)
    return parse_scenario(data)


@pytest.fixture
def small() -> Scenario:
    return make_scenario()
