"""HTML tables of the comparison report: outcomes at a glance, differences, interventions, run details.

Every name that comes from a user (strategy, label, locality, manifest values)
is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd

from integration_sim.analysis import comparison
from integration_sim.config.strategies import Intervention
from integration_sim.metrics import metric_info
from integration_sim.present.format import DASH, clear_of_zero, finite, fmt, fmt_diff


def _head(metric: str) -> str:
    info = metric_info(metric)
    return f"<th>{escape(info.label)}<br><small>{escape(info.unit)}</small></th>"


def glance_table(
    summary: pd.DataFrame, labels: Mapping[str, str], metrics: list[str], bands: bool
) -> str:
    """Median of each per-run metric per strategy, with 10-90% of replicates when ``bands``.

    A quantity fixed by the scenario (programme spend) gets no band.
    """
    stats = comparison.strategy_summary(summary, metrics)
    rows = []
    for name in dict.fromkeys(summary["strategy"]):
        cells = []
        for m in metrics:
            r = stats[(stats["strategy"] == name) & (stats["metric"] == m)].iloc[0]
            band = bands and r["n"] > 1 and not metric_info(m).fixed
            small = f"<br><small>{fmt(r['q10'], m)} to {fmt(r['q90'], m)}</small>" if band else ""
            cells.append(f"<td>{fmt(r['median'], m)}{small}</td>")
        label = escape(labels.get(name, name))
        rows.append(f"<tr><th scope='row'>{label}</th>{''.join(cells)}</tr>")
    note = (
        "Median of replicates; small print: 10% to 90% of replicates."
        if bands
        else "Median of replicates."
    )
    return (
        "<table class='glance'><thead><tr><th>Strategy</th>"
        + "".join(_head(m) for m in metrics)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody></table><p class='note'>{note} Programme spend is fixed by the scenario.</p>"
    )


def _difference_cells(r: pd.Series, bands: bool) -> str:
    m = r["metric"]
    note = str(r.get("note") or "")
    if note.startswith("undefined"):
        return f"<td>{DASH}</td><td colspan='3'>{escape(note)}</td>"
    interval = (
        f"{fmt_diff(r['ci_low'], m)} to {fmt_diff(r['ci_high'], m)}"
        if finite(r["ci_low"])
        else escape(note or DASH)
    )
    spread = (
        f"{fmt_diff(r['diff_q10'], m)} to {fmt_diff(r['diff_q90'], m)}"
        if bands and finite(r.get("diff_q10")) and not metric_info(m).fixed
        else DASH
    )
    better = f"{r['share_better']:.0%}" if finite(r.get("share_better")) else DASH
    return (
        f"<td>{fmt_diff(r['diff_median'], m)}</td><td>{spread}</td>"
        f"<td>{interval}</td><td>{better}</td>"
    )


def differences_table(
    table: pd.DataFrame, labels: Mapping[str, str], metrics: list[str], bands: bool = True
) -> str:
    """One row per strategy and paired outcome: median, 10-90%, 95% interval, share better."""
    rows = []
    by_key = {(r["strategy"], r["metric"]): r for _, r in table.iterrows()}
    keys = [(s, m) for s in dict.fromkeys(table["strategy"]) for m in metrics if (s, m) in by_key]
    for r in (by_key[k] for k in keys):
        sure = clear_of_zero(r["ci_low"], r["ci_high"])
        rows.append(
            f"<tr{' class=sure' if sure else ''}>"
            f"<th scope='row'>{escape(labels.get(r['strategy'], r['strategy']))}</th>"
            f"<td>{escape(metric_info(r['metric']).label)}</td>{_difference_cells(r, bands)}"
            f"<td>{int(r['n'])}</td></tr>"
        )
    return (
        "<table class='diffs'><thead><tr><th>Strategy</th><th>Outcome</th><th>Median difference</th>"
        "<th>10-90% of replicate pairs</th><th>95% interval of the median</th>"
        "<th>Replicates where better</th><th>Pairs</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def interventions_table(
    interventions: Mapping[str, list[Intervention]], labels: Mapping[str, str]
) -> str:
    """What each strategy did: phase, kind, weeks, localities, strength, cost per week."""
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


def manifest_list(manifest: Mapping[str, Any]) -> str:
    """The manifest's simple values as a definition list."""
    items = [
        f"<dt>{escape(str(k))}</dt><dd>{escape(str(v))}</dd>"
        for k, v in manifest.items()
        if isinstance(v, str | int | float | bool) or v is None
    ]
    return "<dl class='manifest'>" + "".join(items) + "</dl>"
