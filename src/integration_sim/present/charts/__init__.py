"""Charts for programme leads (matplotlib, Agg, no pyplot).

Every chart function returns a :class:`Chart`: a matplotlib ``Figure`` with a
title and a one-line caption saying what to look for. :func:`save_png` writes
one; :func:`comparison_charts` builds the set the comparison report shows.

Concepts live in submodules: ``time_series`` (integration over time, pilot vs
rest, locality heatmap), ``outcomes`` (gain kept after the money ends, paired
effects), ``money`` (cost-effectiveness plane, acceptability curve),
``network`` (practitioner network before/after and network measures),
``data`` (reshaping). The palette and file writing are in ``present.style``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from integration_sim.config.strategies import Intervention
from integration_sim.present.charts.money import acceptability_curve, cost_effectiveness
from integration_sim.present.charts.outcomes import (
    paired_difference_distributions,
    sustainability,
)
from integration_sim.present.charts.time_series import (
    behaviour_performance,
    integration_over_time,
    locality_heatmap,
    pilot_vs_rest,
)
from integration_sim.present.style import Chart, save_png

__all__ = [
    "COMPARISON_CHARTS",
    "Chart",
    "acceptability_curve",
    "behaviour_performance",
    "comparison_chart",
    "comparison_charts",
    "cost_effectiveness",
    "integration_over_time",
    "locality_heatmap",
    "paired_difference_distributions",
    "pilot_vs_rest",
    "save_png",
    "sustainability",
    "write_charts",
    "write_run_charts",
]


# The comparison report's charts, in reading order.
COMPARISON_CHARTS = (
    "integration_over_time",
    "pilot_vs_rest",
    "sustainability",
    "paired_differences",
    "cost_effectiveness",
    "acceptability_curve",
    "locality_heatmap",
)
PAIRED_CHARTS = {
    "sustainability": sustainability,
    "paired_differences": paired_difference_distributions,
    "cost_effectiveness": cost_effectiveness,
    "acceptability_curve": acceptability_curve,
}


def comparison_chart(
    name: str,
    records: pd.DataFrame,
    summary: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    *,
    baseline: str | None = None,
    labels: Mapping[str, str] | None = None,
    localities: list[str] | None = None,
    horizon: int | None = None,
    differences: pd.DataFrame | None = None,
    effects: pd.DataFrame | None = None,
    willingness_to_pay: float = 500_000.0,
) -> Chart | None:
    """One of :data:`COMPARISON_CHARTS` (None if it does not apply), as :func:`comparison_charts`."""
    strategies = list(dict.fromkeys(summary["strategy"].astype(str)))
    baseline = baseline or strategies[0]
    common: dict[str, Any] = {"strategies": strategies, "labels": labels, "horizon": horizon}
    if name == "integration_over_time":
        return integration_over_time(records, interventions, **common)
    if name == "pilot_vs_rest":
        return pilot_vs_rest(records, interventions, **common)
    if name == "locality_heatmap":
        return locality_heatmap(
            records, interventions, baseline=baseline, localities=localities, **common
        )
    if len(strategies) < 2 or effects is None or not len(effects):
        return None  # the paired charts need a baseline and another strategy
    paired: dict[str, Any] = {"baseline": baseline, "strategies": strategies, "labels": labels}
    if name == "paired_differences":
        return paired_difference_distributions(effects, differences, **paired)
    if name in ("cost_effectiveness", "acceptability_curve"):
        paired["willingness_to_pay"] = willingness_to_pay
    return PAIRED_CHARTS[name](effects, **paired)


def comparison_charts(
    records: pd.DataFrame,
    summary: pd.DataFrame,
    interventions: Mapping[str, list[Intervention]],
    **options: Any,
) -> list[Chart]:
    """The comparison report's charts, in reading order (skipping any that do not apply).

    ``options`` are those of :func:`comparison_chart`: ``effects`` and
    ``differences`` are the paired effects and differences against
    ``baseline`` (see :mod:`integration_sim.analysis.comparison`).
    """
    charts = [
        comparison_chart(name, records, summary, interventions, **options)
        for name in COMPARISON_CHARTS
    ]
    return [c for c in charts if c is not None]


def write_charts(charts: list[Chart], directory: str | Path) -> list[Path]:
    """Save each chart as ``<directory>/<name>.png``; return the paths."""
    directory = Path(directory)
    return [save_png(c, directory / f"{c.name}.png") for c in charts]


def write_run_charts(results, directory: str | Path) -> list[Path]:
    """The charts every ``run`` writes: integration index and behaviours over time (PNG)."""
    common = {
        "strategies": list(results.interventions),
        "horizon": results.scenario.horizon_weeks,
        "labels": {n: s.label for n, s in results.scenario.strategies.items() if s.label},
    }
    figures = [
        integration_over_time(results.records, results.interventions, **common),
        behaviour_performance(results.records, results.interventions, **common),
    ]
    return write_charts(figures, directory)
