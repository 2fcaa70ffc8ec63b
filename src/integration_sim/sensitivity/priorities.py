"""Measurement priorities: which behaviours to measure first, ranked by their parameters' influence.

Each parameter belongs to the behaviour its dotted path names
(``behaviours.<name>....``), on that behaviour's relationship (its performers
and partners in the scenario); every other parameter belongs to ``system``. A
behaviour's influence on one output is the sum of its parameters' total-order
indices (Sobol or FAST ``ST``; for Morris ``mu_star`` divided by the output's
largest ``mu_star``, so outputs in different units weigh alike; for LHS the
RBD-FAST ``S1``). Its priority score is the mean of that influence over the
chosen outputs. Summing total-order indices counts a shared interaction once
per parameter, which is what a ranking of "where would better measurement
shrink uncertainty most" wants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from integration_sim.sensitivity.analysis import TOTAL_INDEX
from integration_sim.sensitivity.experiment import Experiment

SYSTEM = "system"


def behaviour_of(path: str) -> str:
    """The behaviour a dotted parameter path belongs to, or ``system``."""
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "behaviours":
        return parts[1]
    return SYSTEM


def relationship(behaviour: str, scenario: Any | None) -> str:
    """``performers -> partners`` of a behaviour in the scenario (organisation types)."""
    if behaviour == SYSTEM or scenario is None or behaviour not in scenario.behaviours:
        return "whole system" if behaviour == SYSTEM else ""
    b = scenario.behaviours[behaviour]
    return f"{_short(b.performers)} -> {_short(b.partners)}"


def _short(names: list[str], limit: int = 3) -> str:
    return (
        ", ".join(names)
        if len(names) <= limit
        else ", ".join(names[:limit]) + f" (+{len(names) - limit})"
    )


def priorities(
    experiment: Experiment, table: pd.DataFrame, scenario: Any | None = None
) -> pd.DataFrame:
    """Rank behaviours by total-order influence on the chosen outputs (most influential first)."""
    index = TOTAL_INDEX[experiment.method]
    outputs = experiment.priorities.outputs or experiment.output_names
    paths = {p.label: p.path for p in experiment.parameters}
    t = table[table["output"].isin(outputs)].copy()
    t["behaviour"] = t["parameter"].map(lambda name: behaviour_of(paths[name]))
    t["influence"] = t[index].clip(lower=0)
    if experiment.method == "morris":  # mu* is in output units: scale each output to its largest
        t["influence"] = t["influence"] / t.groupby("output")["influence"].transform("max")
    per_output = t.pivot_table(
        index="behaviour", columns="output", values="influence", aggfunc="sum"
    )
    per_output = per_output.reindex(columns=[o for o in outputs if o in per_output.columns])
    params = (
        t.drop_duplicates("parameter")
        .groupby("behaviour")["parameter"]
        .apply(lambda s: "; ".join(s))
    )
    out = pd.DataFrame(
        {
            "behaviour": per_output.index,
            "relationship": [relationship(b, scenario) for b in per_output.index],
            "parameters": params.reindex(per_output.index).to_numpy(),
            "score": per_output.mean(axis=1, skipna=True).to_numpy(),
        }
    )
    for col in per_output.columns:
        out[f"influence.{col}"] = per_output[col].to_numpy()
    out = out.sort_values(["score", "behaviour"], ascending=[False, True], na_position="last")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)
