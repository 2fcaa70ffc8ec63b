"""The scenario comparison report: one self-contained HTML page for programme leads.

``write_report(results, out_dir)`` writes ``report.html`` with every chart
embedded as a base64 PNG data URI (the file opens offline, by e-mail, from a
USB stick), next to the charts as PNG files and the comparison table as CSV.
Every name that comes from a user (scenario, strategy, label, locality,
manifest values) is HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from integration_sim import __version__
from integration_sim.analysis import comparison
from integration_sim.config.strategies import Intervention
from integration_sim.files import write_table, write_text
from integration_sim.metrics import headline, metric_info
from integration_sim.present import charts
from integration_sim.present.charts import Chart


def fmt(value: float, metric: str) -> str:
    """A metric value for people: scaled (proportions to points), pounds with separators."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    info = metric_info(metric)
    v = value * info.scale
    if info.unit.startswith("pounds"):
        return f"£{v:,.0f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_diff(value: float, metric: str) -> str:
    """A difference with an explicit sign."""
    text = fmt(value, metric)
    if text != "–" and value > 0:
        text = "+" + text
    return text.replace("£-", "-£").replace("+£", "+£")


def _labels(results: Any) -> dict[str, str]:
    scenario = getattr(results, "scenario", None)
    strategies = getattr(scenario, "strategies", None) or {}
    return {name: (s.label or name) for name, s in strategies.items()}


def _png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


# ----------------------------------------------------------------------- sections


def _glance_table(summary: pd.DataFrame, labels: Mapping[str, str], metrics: list[str]) -> str:
    stats = comparison.strategy_summary(summary, metrics)
    head = "".join(
        f"<th>{escape(metric_info(m).label)}<br><small>{escape(metric_info(m).unit)}</small></th>"
        for m in metrics
    )
    rows = []
    for name in dict.fromkeys(summary["strategy"]):
        cells = []
        for m in metrics:
            r = stats[(stats["strategy"] == name) & (stats["metric"] == m)].iloc[0]
            band = (
                f"<br><small>{fmt(r['q10'], m)} to {fmt(r['q90'], m)}</small>" if r["n"] > 1 else ""
            )
            cells.append(f"<td>{fmt(r['median'], m)}{band}</td>")
        rows.append(
            f"<tr><th scope='row'>{escape(labels.get(name, name))}</th>{''.join(cells)}</tr>"
        )
    return (
        "<table class='glance'><thead><tr><th>Strategy</th>"
        + head
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + "<p class='note'>Median of replicates; small print: 10% to 90% of replicates.</p>"
    )


def _differences_table(table: pd.DataFrame, labels: Mapping[str, str], metrics: list[str]) -> str:
    rows = []
    for _, r in table[table["metric"].isin(metrics)].iterrows():
        m = r["metric"]
        sure = math.isfinite(r["ci_low"]) and (r["ci_low"] > 0 or r["ci_high"] < 0)
        better = "–" if not math.isfinite(r["share_better"]) else f"{r['share_better']:.0%}"
        rows.append(
            "<tr{cls}><th scope='row'>{s}</th><td>{metric}</td><td>{med}</td><td>{q10} to {q90}</td>"
            "<td>{lo} to {hi}</td><td>{better}</td><td>{n}</td></tr>".format(
                cls=" class='sure'" if sure else "",
                s=escape(labels.get(r["strategy"], r["strategy"])),
                metric=escape(metric_info(m).label),
                med=fmt_diff(r["diff_median"], m),
                q10=fmt_diff(r["diff_q10"], m),
                q90=fmt_diff(r["diff_q90"], m),
                lo=fmt_diff(r["ci_low"], m),
                hi=fmt_diff(r["ci_high"], m),
                better=better,
                n=int(r["n"]),
            )
        )
    return (
        "<table class='diffs'><thead><tr><th>Strategy</th><th>Outcome</th><th>Median difference</th>"
        "<th>10-90% of replicate pairs</th><th>95% interval of the median</th>"
        "<th>Replicates where better</th><th>Pairs</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _findings(table: pd.DataFrame, labels: Mapping[str, str], baseline: str) -> str:
    """Plain-language sentences, one per strategy, from the differences table."""
    items = []
    base = escape(labels.get(baseline, baseline))
    for name, grp in table.groupby("strategy", sort=False, observed=True):
        parts = []
        for m, what in (
            ("integration_final", "integration at the end of the run"),
            ("sustainability", "sustainability"),
            ("total_spend", "programme spend"),
        ):
            row = grp[grp["metric"] == m]
            if row.empty:
                continue
            r = row.iloc[0]
            sure = math.isfinite(r["ci_low"]) and (r["ci_low"] > 0 or r["ci_high"] < 0)
            parts.append(
                f"{what} {fmt_diff(r['diff_median'], m)} "
                f"(95% interval {fmt_diff(r['ci_low'], m)} to {fmt_diff(r['ci_high'], m)}"
                f"{'' if sure else '; could be no difference'})"
            )
        if parts:
            items.append(
                f"<li><b>{escape(labels.get(name, name))}</b> vs {base}: {'; '.join(parts)}.</li>"
            )
    return "<ul class='findings'>" + "".join(items) + "</ul>" if items else ""


def _interventions_table(
    interventions: Mapping[str, list[Intervention]], labels: Mapping[str, str]
) -> str:
    rows = []
    for name, ivs in interventions.items():
        for iv in ivs:
            where = "all" if iv.target.localities == "all" else ", ".join(iv.target.localities)
            end = "end of run" if iv.end_week is None else str(iv.end_week)
            rows.append(
                f"<tr><th scope='row'>{escape(labels.get(name, name))}</th><td>{escape(iv.phase)}</td>"
                f"<td>{escape(iv.kind)}</td><td>{iv.start_week} to {escape(end)}</td>"
                f"<td>{escape(where)}</td><td>{iv.strength:.2f}</td><td>£{iv.cost_per_week:,.0f}</td></tr>"
            )
    if not rows:
        return "<p>No intervention details were recorded.</p>"
    return (
        "<table class='ivs'><thead><tr><th>Strategy</th><th>Phase</th><th>Intervention</th>"
        "<th>Weeks (end exclusive)</th><th>Localities</th><th>Strength (0-1)</th>"
        "<th>Cost per week</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _figure(chart: Chart, uri: str) -> str:
    return (
        f"<figure id='{escape(chart.name)}'><img src='{uri}' alt='{escape(chart.title)}'>"
        f"<figcaption><b>{escape(chart.title)}.</b> {escape(chart.caption)}</figcaption></figure>"
    )


def _manifest(manifest: Mapping[str, Any]) -> str:
    items = [
        f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>"
        for k, v in manifest.items()
        if isinstance(v, str | int | float | bool) or v is None
    ]
    return "<dl class='manifest'>" + "".join(items) + "</dl>"


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:1150px;
margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:1.8em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.3em .5em;text-align:right;vertical-align:top}
th{background:#f2f2f2} tbody th{text-align:left}
tr.sure td{font-weight:600}
figure{margin:1.5em 0;page-break-inside:avoid} img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;color:#222;margin-top:.3em}
.note{font-size:.85em;color:#444} .manifest dt{font-weight:600;float:left;clear:left;width:11em}
.manifest dd{margin-left:12em} small{color:#555}
@media print{body{max-width:none;margin:0} h2{page-break-after:avoid}}
"""


def render_html(
    *,
    title: str,
    description: str,
    summary: pd.DataFrame,
    table: pd.DataFrame,
    baseline: str,
    figures: list[tuple[Chart, str]],
    interventions: Mapping[str, list[Intervention]],
    labels: Mapping[str, str],
    manifest: Mapping[str, Any],
) -> str:
    """The report page as a string (``figures``: each chart with its image URI)."""
    metrics = [m for m in headline() if m in summary.columns]
    method = table["interval"].iloc[0] if len(table) else ""
    n_rep = summary.groupby("strategy", observed=True).size().min()
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(description)}</p>" if description else "",
        f"<p class='note'>{n_rep} replicates per strategy, common random numbers (replicate r of every "
        f"strategy uses the same seeds). Generated {dt.date.today().isoformat()} by integration-sim "
        f"{escape(__version__)}.</p>",
        "<h2>Key findings</h2>",
        _findings(table, labels, baseline),
        "<h2>Outcomes at a glance</h2>",
        _glance_table(summary, labels, metrics),
    ]
    if len(table):
        body += [
            f"<h2>Differences from {escape(labels.get(baseline, baseline))}</h2>",
            "<p class='note'>Each replicate of a strategy is compared with the same replicate of the "
            "baseline (same seeds), so shared luck cancels. Bold rows: the 95% interval excludes zero. "
            f"Method: {escape(method)}.</p>",
            _differences_table(table, labels, metrics),
        ]
    body.append("<h2>Charts</h2>")
    body += [_figure(c, uri) for c, uri in figures]
    body += [
        "<h2>What each strategy did</h2>",
        _interventions_table(interventions, labels),
        "<h2>Run details</h2>",
        _manifest(manifest),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def network_chart(results: Any, strategies: list[str], labels: Mapping[str, str]) -> Chart:
    """The practitioner network before the run and at the end of each strategy's replicate 0.

    Uses the networks the runs kept (``Results.networks``, replicate 0 of each
    strategy). Under common random numbers the starting network is the same for
    every strategy, so one "before" panel serves them all.
    """
    from integration_sim.analysis.network import snapshot_graphs
    from integration_sim.present.charts.network import network_before_after

    before, after = None, {}
    for name in strategies:
        snapshot = results.networks.get(name)
        if snapshot is None:
            continue
        start, end = snapshot_graphs(snapshot)
        before = before or start
        after[f"After: {labels.get(name, name)}"] = end
    return network_before_after(
        before, after, max_nodes=700, titles=("Before (every strategy)", "")
    )


def write_report(
    results: Any,
    out_dir: str | Path,
    *,
    baseline: str | None = None,
    extra_charts: list[Chart] | None = None,
    network: bool = True,
) -> Path:
    """Write ``report.html``, ``charts/*.png`` and ``differences.csv/.parquet`` to ``out_dir``.

    Args:
        results: a ``runner.Results`` (or anything with ``records``, ``summary``,
            and optionally ``manifest``, ``interventions`` (strategy -> list of
            :class:`Intervention`) and ``scenario``).
        out_dir: output directory (created if needed).
        baseline: strategy the others are compared with (default: the first).
        extra_charts: further charts to include.
        network: add the practitioner network before and after each strategy
            (from ``results.networks``, kept by replicate 0 of each strategy).

    Returns:
        The path of ``report.html``.
    """
    out = Path(out_dir)
    summary: pd.DataFrame = results.summary
    baseline = baseline or comparison.default_baseline(summary)
    interventions = getattr(results, "interventions", None) or {}
    scenario = getattr(results, "scenario", None)
    manifest = dict(getattr(results, "manifest", None) or {})
    labels = _labels(results)
    table = (
        comparison.paired_differences(summary, baseline)
        if summary["strategy"].nunique() > 1
        else (pd.DataFrame(columns=["strategy", "metric", "interval"]))
    )
    write_table(table, out / "differences")
    chart_list = charts.comparison_charts(
        results.records,
        summary,
        interventions,
        baseline=baseline,
        labels=labels,
        localities=getattr(scenario, "locality_names", None),
        horizon=getattr(scenario, "horizon_weeks", None),
        differences=table,
    ) + list(extra_charts or [])
    if network and hasattr(scenario, "system"):
        chart_list.append(network_chart(results, list(dict.fromkeys(summary["strategy"])), labels))
    paths = charts.write_charts(chart_list, out / "charts")
    name = getattr(scenario, "name", None) or manifest.get("scenario") or "scenario"
    html = render_html(
        title=f"Rollout strategies compared: {name}",
        description=getattr(scenario, "description", "") or "",
        summary=summary,
        table=table,
        baseline=baseline,
        figures=[(c, _png_data_uri(p)) for c, p in zip(chart_list, paths, strict=True)],
        interventions=interventions,
        labels=labels,
        manifest=manifest,
    )
    path = out / "report.html"
    write_text(path, html)
    return path
