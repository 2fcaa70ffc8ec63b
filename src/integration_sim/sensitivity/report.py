"""Analysing a stored sweep and writing its tables, charts and summary.

Files written into the sweep folder:

- ``results.parquet/.csv``: every run (bookkeeping, parameters, outputs);
- ``failures.csv``: runs that failed twice, with parameters and traceback;
- ``indices.csv``: sensitivity indices with 95% bootstrap half-widths, and a
  ``note`` saying why an index or interval is empty where it cannot be computed;
- ``convergence.csv``: the ranking index at half and full sample size;
- ``noise.csv``: share of output variance due to stochastic noise;
- ``priorities.csv``: behaviours ranked for measurement;
- ``discovery.csv``, ``discovery_trajectory.csv``, ``discovery.md`` (if asked);
- ``charts/*.png`` and ``summary.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from integration_sim.files import atomic_path, write_table, write_text
from integration_sim.sensitivity import analysis, charts, discovery
from integration_sim.sensitivity.experiment import Experiment
from integration_sim.sensitivity.models import RunSpec
from integration_sim.sensitivity.priorities import priorities
from integration_sim.sensitivity.store import Store


@dataclass
class Analysis:
    """Every table of an analysed sweep."""

    results: pd.DataFrame
    failures: pd.DataFrame
    indices: pd.DataFrame
    convergence: pd.DataFrame
    noise: pd.DataFrame
    priorities: pd.DataFrame
    discovery: pd.DataFrame | None = None
    discovery_text: str = ""
    charts: list[Path] = field(default_factory=list)


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """CSV atomically, with enough digits to round-trip the analysis."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.10g")


def analyse(store: Store, exp: Experiment, spec: RunSpec) -> Analysis:
    """Analyse the runs in ``store`` and write every table and chart into its folder."""
    out = store.dir
    results = store.results()
    write_table(results, out / "results")
    keep = ["run", "point", "replicate", "seed", "attempts", *exp.parameter_names, "error"]
    failures = results.loc[results["status"] != "ok", keep].reset_index(drop=True)
    write_csv(failures, out / "failures.csv")

    design = store.design()[exp.parameter_names].to_numpy()
    means = analysis.point_means(results, exp.output_names, len(design))
    idx = analysis.indices(exp, design, means)
    write_csv(idx, out / "indices.csv")
    conv = analysis.convergence(exp, design, means, idx)
    write_csv(conv, out / "convergence.csv")
    noise = analysis.noise(results, exp)
    write_csv(noise, out / "noise.csv")
    prio = priorities(exp, idx, _scenario(spec))
    write_csv(prio, out / "priorities.csv")
    result = Analysis(results, failures, idx, conv, noise, prio)
    if exp.discovery is not None:
        _discover(exp, store, means, result)
    label = analysis.TOTAL_INDEX[exp.method]
    result.charts = charts.write_charts(exp.method, idx, prio, label, out / "charts")
    write_text(out / "summary.md", summary_text(exp, result))
    return result


def _scenario(spec: RunSpec) -> Any | None:
    if spec.scenario_data is None:
        return None
    from integration_sim.config.scenario import Scenario

    return Scenario.model_validate(spec.scenario_data)


def _discover(exp: Experiment, store: Store, means: pd.DataFrame, result: Analysis) -> None:
    d = exp.discovery
    assert d is not None
    x = store.samples()[exp.parameter_names].to_numpy()
    y = means[d.output].to_numpy()
    ok = ~np.isnan(y)
    yes = y[ok] > d.above if d.above is not None else y[ok] < d.below
    found = discovery.prim(
        x[ok], yes, alpha=d.peel_alpha, min_mass=d.min_mass, min_coverage=d.min_coverage
    )
    paths = [p.path for p in exp.parameters]
    table = discovery.box_table(found, x[ok], exp.parameter_names, paths)
    question = d.question or (
        f"{d.output} > {d.above:g}" if d.above is not None else f"{d.output} < {d.below:g}"
    )
    write_csv(table, store.dir / "discovery.csv")
    write_csv(found.trajectory, store.dir / "discovery_trajectory.csv")
    result.discovery = table
    result.discovery_text = discovery.describe(found, table, question)
    write_text(store.dir / "discovery.md", result.discovery_text)


def top_parameters(indices: pd.DataFrame, output: str, index: str, n: int = 3) -> str:
    """The ``n`` parameters with the largest defined ``index`` for ``output``, with values."""
    t = indices[(indices["output"] == output) & indices[index].notna()]
    t = t.sort_values(index, ascending=False).head(n)
    return ", ".join(f"{r.parameter} ({getattr(r, index):.3g})" for r in t.itertuples())


def summary_text(exp: Experiment, a: Analysis) -> str:
    """A short markdown summary: runs, failures, noise, top parameters, convergence."""
    index = analysis.TOTAL_INDEX[exp.method]
    lines = [
        f"# Sweep {exp.name}",
        "",
        f"{exp.method} design, {len(a.results)} runs ({exp.replicates} replicate(s) per point), "
        f"{len(a.failures)} failed.",
        "",
    ]
    for out in exp.output_names:
        top = top_parameters(a.indices, out, index)
        lines.append(f"- **{out}**: largest {index}: {top or 'none'}")
        lines += [
            f"  - {note}"
            for note in a.indices.loc[a.indices["output"] == out, "note"].drop_duplicates()
            if note
        ]
        n = a.noise[a.noise["output"] == out]
        if len(n) and np.isfinite(n["noise_share_of_means"].iloc[0]):
            lines.append(
                f"  - stochastic noise is {n['noise_share_of_means'].iloc[0]:.0%} of the variance "
                "the indices decompose; parameter effects smaller than that are not distinguishable from noise"
            )
        c = a.convergence[a.convergence["output"] == out]
        moved = c.loc[c["stable"].eq(False), "parameter"]  # empty ones could not be checked
        if len(moved):
            lines.append(
                f"  - not converged: {', '.join(moved)} changed between half and full "
                "sample size by more than the interval; increase samples"
            )
    if len(a.priorities):
        lines += [
            "",
            f"Measure first: {', '.join(a.priorities['behaviour'].head(3))} (see priorities.csv).",
        ]
    if a.discovery_text:
        lines += ["", "See discovery.md for where the discovery question holds."]
    return "\n".join(lines) + "\n"
