"""What the checks share: the flagship place, a run of one strategy, and a locality group's index."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides
from integration_sim.config.scenario import Scenario
from integration_sim.engine.model import IntegrationModel
from integration_sim.engine.network import CROSS

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "pilot_vs_system_wide.yaml"


@dataclass
class Check:
    """One pattern, what the model gave and whether it is within tolerance."""

    name: str
    pattern: str
    source: str
    measured: str
    tolerance: str
    passed: bool


def flagship(overrides: dict | None = None, horizon: int | None = None) -> Scenario:
    """The flagship scenario, with dotted-path overrides and an optional shorter horizon."""
    s = load_scenario(FLAGSHIP)
    if horizon is not None:
        s = s.model_copy(update={"horizon_weeks": horizon})
    return apply_overrides(s, overrides) if overrides else s


@dataclass
class Drift:
    """Business-as-usual state at the start and the end of a run."""

    index_first_year: float
    index_last_year: float
    ties_start: int
    ties_end: int
    motivation_start: dict[str, float]
    motivation_end: dict[str, float]

    @property
    def index_change(self) -> float:
        """Relative change of the yearly mean integration index (last year over first)."""
        return self.index_last_year / self.index_first_year - 1.0

    @property
    def ties_change(self) -> float:
        """Relative change of the number of cross-boundary ties (end over start)."""
        return self.ties_end / self.ties_start - 1.0

    @property
    def motivation_change(self) -> float:
        """Largest change of mean motivation of any organisation type (end minus start)."""
        return max(abs(self.motivation_end[t] - v) for t, v in self.motivation_start.items())


def business_as_usual_drift(scenario: Scenario, strategy: str, seed: int) -> Drift:
    """Run ``strategy`` (one with no interventions) and measure the drift of its state."""
    model = IntegrationModel(scenario, strategy, seed)
    pop = model.pop

    def motivation() -> dict[str, float]:
        return {
            t: float(pop.motivation[pop.organisation_type == i].mean())
            for i, t in enumerate(pop.type_names)
            if (pop.organisation_type == i).any()
        }

    start_m, start_t = motivation(), int((model.ties.layer == CROSS).sum())
    try:
        model.run()
    finally:
        model.release()
    rec = model.recorder.frame(0, strategy)
    index = rec[(rec["metric"] == "integration_index") & (rec["locality"] == "all")]
    weeks, values = index["week"].to_numpy(), index["value"].to_numpy()
    last = int(weeks.max())
    return Drift(
        float(values[weeks < 52].mean()),
        float(values[weeks > last - 52].mean()),
        start_t,
        int((model.ties.layer == CROSS).sum()),
        start_m,
        motivation(),
    )


def group_index(records: pd.DataFrame, localities: list[str], weeks: tuple[int, int]) -> float:
    """Case-weighted integration index of ``localities`` over weeks [start, end)."""
    r = records[
        records["locality"].isin(localities)
        & (records["week"] >= weeks[0])
        & (records["week"] < weeks[1])
        & (records["organisation_type"] == "all")
    ]
    cases = r[r["metric"] == "cases"]["value"].sum()
    integrated = r[r["metric"] == "integrated_cases"]["value"].sum()
    return float(integrated / cases) if cases else float("nan")
