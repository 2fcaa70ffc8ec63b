"""Shared helpers for the sweep tests: writing small experiment files."""

from __future__ import annotations

import math
from pathlib import Path

import yaml

PI = math.pi
ANALYTIC = "integration_sim.sensitivity.analytic"
REPO = Path(__file__).resolve().parents[1]


def ishigami_params() -> list[dict]:
    """The three Ishigami inputs, each uniform on [-pi, pi]."""
    return [{"path": f"x{i}", "bounds": [-PI, PI]} for i in (1, 2, 3)]


def write_experiment(folder: Path, name: str = "exp", **fields) -> Path:
    """Write an experiment file (defaults: Sobol on Ishigami) and return its path."""
    data = {
        "name": name,
        "method": "sobol",
        "samples": 64,
        "function": f"{ANALYTIC}:ishigami",
        "parameters": ishigami_params(),
        "outputs": ["y"],
        "seed": 11,
        "bootstrap": 200,
    }
    data.update(fields)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
