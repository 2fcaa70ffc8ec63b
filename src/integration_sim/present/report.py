"""The scenario comparison report: one self-contained HTML page for programme leads.

``write_report(results, out_dir)`` writes ``report.html`` with every chart
embedded as a base64 PNG data URI (the file opens offline, by e-mail, from a
USB stick), next to the charts as PNG files, the paired differences and the
per-replicate effects as tables. The page opens with the decision summary.
``report(folder)`` redraws all of it from a saved results folder, with
another baseline or primary outcome, without re-running the model.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from integration_sim import __version__
from integration_sim.analysis import comparison
from integration_sim.analysis.decision import Decision, check_primary, decide
from integration_sim.errors import InputError
from integration_sim.files import write_table, write_text
from integration_sim.metrics import headline
from integration_sim.parallel import Pool
from integration_sim.present import charts
from integration_sim.present.charts import Chart
from integration_sim.present.decision import decision_html
from integration_sim.present.format import replicate_warning
from integration_sim.present.tables import (
    differences_table,
    glance_table,
    interventions_table,
    manifest_list,
)
from integration_sim.runs import read_results


def _labels(results: Any) -> dict[str, str]:
    scenario = getattr(results, "scenario", None)
    strategies = getattr(scenario, "strategies", None) or {}
    return {name: (s.label or name) for name, s in strategies.items()}


def _png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure(chart: Chart | DrawnChart, uri: str) -> str:
    title = chart.title.rstrip()
    stop = "" if title[-1:] in ".?!" else "."
    return (
        f"<figure id='{escape(chart.name)}'><img src='{uri}' alt='{escape(title)}'>"
        f"<figcaption><b>{escape(title)}{stop}</b> {escape(chart.caption)}</figcaption></figure>"
    )


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:1150px;
margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:right;vertical-align:top}
th{background:#f2f2f2} tbody th{text-align:left}
tr.sure td{font-weight:600}
.warn{background:#fff4e5;border-left:4px solid #D55E00;padding:.4em .7em}
.verdict{font-size:1.15em;font-weight:600} #decision{border:2px solid #0072B2;padding:.2em 1em .8em;margin:1em 0}
#decision h2{margin-top:.5em}
figure{margin:1.5em 0;page-break-inside:avoid} img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;color:#222;margin-top:.3em}
.note{font-size:.85em;color:#444} .manifest dt{font-weight:600;float:left;clear:left;width:11em}
.manifest dd{margin-left:12em} small{color:#555}
@media print{body{max-width:none;margin:0} h2{page-break-after:avoid}}
"""


@dataclass
class Comparison:
    """Everything the report says, computed once from the results."""

    baseline: str
    effects: pd.DataFrame  # per-replicate paired effects against the baseline
    table: pd.DataFrame  # paired differences (comparison.paired_differences)
    decision: Decision | None  # None with a single strategy
    willingness_to_pay: float


def analyse(results: Any, baseline: str | None = None, primary: str | None = None) -> Comparison:
    """Paired effects, differences and the decision summary for ``results``.

    ``baseline`` and ``primary`` default to the scenario's ``decision`` block
    (baseline: the first strategy; primary: integration gain at the horizon).
    """
    summary: pd.DataFrame = results.summary
    scenario = getattr(results, "scenario", None)
    choice = getattr(scenario, "decision", None)
    strategies = list(dict.fromkeys(summary["strategy"].astype(str)))
    baseline = baseline or getattr(choice, "baseline", None) or strategies[0]
    if baseline not in strategies:
        raise InputError(
            f"unknown baseline strategy {baseline!r} (known: {', '.join(strategies)})",
            field="baseline",
        )
    primary = primary or getattr(choice, "primary_outcome", None) or "integration_gain"
    check_primary(primary)
    horizon = getattr(scenario, "horizon_weeks", None) or int(results.records["week"].max()) + 1
    wtp = float(getattr(choice, "willingness_to_pay", 500_000.0))
    if len(strategies) < 2:
        table = comparison.paired_differences(summary, baseline)
        return Comparison(baseline, pd.DataFrame(columns=comparison.PAIR_COLUMNS), table, None, wtp)
    effects = comparison.paired_effects(results.records, summary, baseline, horizon)
    table = comparison.paired_differences(summary, baseline, effects=effects)
    decision = decide(
        results.records,
        summary,
        horizon=horizon,
        baseline=baseline,
        primary=primary,
        effects=effects,
        table=table,
        sweep=getattr(choice, "sweep", None),
        posterior=bool(getattr(getattr(scenario, "parameters", None), "posterior", None)),
    )
    return Comparison(baseline, effects, table, decision, wtp)


def render_html(
    *,
    title: str,
    description: str,
    summary: pd.DataFrame,
    found: Comparison,
    figures: list[tuple[Chart | DrawnChart, str]],
    interventions: Mapping[str, list[Any]],
    labels: Mapping[str, str],
    manifest: Mapping[str, Any],
) -> str:
    """The report page as a string (``figures``: each chart with its image URI)."""
    n_rep = int(summary.groupby("strategy", observed=True).size().min())
    enough = n_rep >= comparison.MIN_PAIRS
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(description)}</p>" if description else "",
        f"<p class='note'>{n_rep} replicates per strategy, common random numbers (replicate r of "
        f"every strategy uses the same seeds). Generated {dt.date.today().isoformat()} by "
        f"integration-sim {escape(__version__)}.</p>",
    ]
    if found.decision is not None:
        body.append(decision_html(found.decision, labels))
    elif not enough:
        body.append(f"<p class='warn'>{escape(replicate_warning(n_rep, comparison.MIN_PAIRS))}</p>")
    levels = [m for m in headline(paired=False) if m in summary.columns]
    body += ["<h2>Outcomes at a glance</h2>", glance_table(summary, labels, levels, bands=enough)]
    body += _differences_section(found, labels, enough)
    body.append("<h2>Charts</h2>")
    body += [_figure(c, uri) for c, uri in figures]
    body += [
        "<h2>What each strategy did</h2>",
        interventions_table(interventions, labels),
        "<h2>Run details</h2>",
        manifest_list(manifest),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body>\n"
        + "\n".join(b for b in body if b)
        + "\n</body></html>\n"
    )


def _differences_section(found: Comparison, labels: Mapping[str, str], enough: bool) -> list[str]:
    table = found.table
    if not len(table):
        return []
    method = table["interval"].iloc[0]
    base = escape(labels.get(found.baseline, found.baseline))
    return [
        f"<h2>Differences from {base}</h2>",
        "<p class='note'>Each replicate of a strategy is compared with the same replicate of the "
        "baseline (same seeds) over the same weeks and localities, so shared luck cancels. Bold "
        f"rows: the 95% interval excludes zero. Method: {escape(method)}. Care costs are priced "
        "at the scenario's unit costs (drivers.costs; illustrative, see docs/ODD.md).</p>",
        differences_table(table, labels, headline(paired=True), bands=enough),
    ]


def network_chart(results: Any, strategies: list[str], labels: Mapping[str, str]) -> Chart | None:
    """The practitioner network before the run and at the end of each strategy's replicate 0.

    Uses the networks the runs kept (``Results.networks``, replicate 0 of each
    strategy). Under common random numbers the starting network is the same for
    every strategy, so one "before" panel serves them all. A strategy without a
    kept network is named in the caption rather than silently left out.
    """
    from integration_sim.analysis.network import snapshot_graph
    from integration_sim.present.charts.network import network_before_after

    before, after, missing = None, {}, []
    for name in strategies:
        snapshot = (getattr(results, "networks", None) or {}).get(name)
        if snapshot is None:
            missing.append(labels.get(name, name))
            continue
        # Common random numbers: one starting network serves every strategy, built once.
        before = before or snapshot_graph(snapshot, "before")
        after[f"After: {labels.get(name, name)}"] = snapshot_graph(snapshot, "after")
    if before is None:
        return None
    chart = network_before_after(
        before, after, max_nodes=700, titles=("Before (every strategy)", "")
    )
    if missing:
        chart.caption += f" Not shown (no network kept): {', '.join(missing)}."
    return chart


NETWORK_CHART = "network_before_after"
# Drawing order across processes: longest first (CPU seconds measured on the
# flagship), so that the last chart to finish is a short one.
DRAW_FIRST = (
    "paired_differences",
    "locality_heatmap",
    "pilot_vs_rest",
    NETWORK_CHART,
    "integration_over_time",
    "acceptability_curve",
)


@dataclass
class ChartInputs:
    """What the report's charts are drawn from; sent once to each process that draws some."""

    records: pd.DataFrame
    summary: pd.DataFrame
    interventions: Mapping[str, list[Any]]
    options: dict[str, Any]  # keyword arguments of charts.comparison_chart
    networks: Mapping[str, Any] | None  # replicate 0's networks, by strategy
    labels: Mapping[str, str]
    directory: Path  # where the PNG files go


@dataclass(frozen=True)
class DrawnChart:
    """A chart already written as PNG: what the page says about it, and where it is."""

    name: str
    title: str
    caption: str
    path: Path


def draw_chart(inputs: ChartInputs, name: str) -> DrawnChart | None:
    """Draw one chart of the report and write its PNG (in whichever process runs it)."""
    if name == NETWORK_CHART:
        strategies = list(dict.fromkeys(inputs.summary["strategy"].astype(str)))
        chart = network_chart(inputs, strategies, inputs.labels)
    else:
        chart = charts.comparison_chart(
            name, inputs.records, inputs.summary, inputs.interventions, **inputs.options
        )
    if chart is None:
        return None
    path = charts.save_png(chart, inputs.directory / f"{chart.name}.png")
    return DrawnChart(chart.name, chart.title, chart.caption, path)


def chart_inputs(
    results: Any, found: Comparison, labels: Mapping[str, str], out: Path, network: bool = True
) -> tuple[ChartInputs, list[str]]:
    """What the report's charts are drawn from, and the names of those to draw (reading order)."""
    scenario = getattr(results, "scenario", None)
    options = {
        "baseline": found.baseline,
        "labels": labels,
        "localities": getattr(scenario, "locality_names", None),
        "horizon": getattr(scenario, "horizon_weeks", None),
        "differences": found.table,
        "effects": found.effects,
        "willingness_to_pay": found.willingness_to_pay,
    }
    inputs = ChartInputs(
        results.records,
        results.summary,
        getattr(results, "interventions", None) or {},
        options,
        getattr(results, "networks", None),
        labels,
        out / "charts",
    )
    names = list(charts.COMPARISON_CHARTS)
    if network and hasattr(scenario, "system"):
        names.append(NETWORK_CHART)
    return inputs, names


def _draw_charts(inputs: ChartInputs, names: list[str], workers: int | None) -> list[DrawnChart]:
    """Draw the report's charts (returned in reading order) on up to ``workers`` processes."""
    order = sorted(names, key=lambda n: DRAW_FIRST.index(n) if n in DRAW_FIRST else len(names))
    drawn: dict[str, DrawnChart | None] = {}
    with Pool(workers, context=inputs, preload=[__name__]) as pool:
        for i, chart in pool.imap(draw_chart, order):
            drawn[order[i]] = chart
    return [c for c in (drawn[n] for n in names) if c is not None]


def write_report(
    results: Any,
    out_dir: str | Path,
    *,
    baseline: str | None = None,
    primary: str | None = None,
    extra_charts: list[Chart] | None = None,
    network: bool = True,
    csv: bool = False,
    found: Comparison | None = None,
    workers: int | None = 1,
) -> Path:
    """Write ``report.html``, ``charts/*.png``, ``differences`` and ``effects`` tables to ``out_dir``.

    Args:
        results: a ``runs.Results`` (or anything with ``records``, ``summary``,
            and optionally ``manifest``, ``interventions``, ``networks`` and ``scenario``).
        out_dir: output directory (created if needed).
        baseline: strategy effects are measured against (default: the
            scenario's ``decision.baseline``, else the first strategy).
        primary: metric the strategies are ranked on (default: the scenario's
            ``decision.primary_outcome``).
        extra_charts: further charts to include.
        network: add the practitioner network before and after each strategy.
        csv: also write CSV copies of the tables.
        found: the comparison already computed by :func:`analyse` (then
            ``baseline`` and ``primary`` are not used).
        workers: processes the charts are drawn on (this one included); a
            worker process starts only if the charts are worth it (see
            :mod:`integration_sim.parallel`). The files are the same either way.

    Returns:
        The path of ``report.html``.
    """
    out = Path(out_dir)
    found = found or analyse(results, baseline, primary)
    labels = _labels(results)
    write_table(found.table, out / "differences", csv=csv)
    write_table(found.effects, out / "effects", csv=csv)
    drawn = _draw_charts(*chart_inputs(results, found, labels, out, network), workers)
    for chart in extra_charts or []:
        path = charts.save_png(chart, out / "charts" / f"{chart.name}.png")
        drawn.append(DrawnChart(chart.name, chart.title, chart.caption, path))
    scenario = getattr(results, "scenario", None)
    manifest = dict(getattr(results, "manifest", None) or {})
    name = getattr(scenario, "name", None) or manifest.get("scenario") or "scenario"
    html = render_html(
        title=f"Rollout strategies compared: {name}",
        description=getattr(scenario, "description", "") or "",
        summary=results.summary,
        found=found,
        figures=[(c, _png_data_uri(c.path)) for c in drawn],
        interventions=getattr(results, "interventions", None) or {},
        labels=labels,
        manifest=manifest,
    )
    path = out / "report.html"
    write_text(path, html)
    return path


def report(
    folder: str | Path,
    *,
    baseline: str | None = None,
    primary: str | None = None,
    out_dir: str | Path | None = None,
    network: bool = True,
) -> Path:
    """Redraw the comparison report from a saved results folder, without re-running.

    Args:
        folder: a folder written by ``compare`` (or ``run``, or ``Results.write``).
        baseline: strategy effects are measured against (default: the scenario's).
        primary: metric the strategies are ranked on (default: the scenario's).
        out_dir: where to write (default: ``folder`` itself).
        network: include the network figure (from the networks the runs kept).

    Returns:
        The path of the new ``report.html``.
    """
    results = read_results(folder)
    return write_report(
        results, out_dir or folder, baseline=baseline, primary=primary, network=network
    )
