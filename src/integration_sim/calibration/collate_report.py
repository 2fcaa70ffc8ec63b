"""The programme's collated report: one self-contained HTML page of every locator's results.

Per behaviour: a table of pooled estimates by relationship and period, the
time course of each relationship and locality (estimate and 95% interval by
period), a forest chart of each measurement's estimate with its 95% interval
(duplicates greyed, conflicts in orange), and the measurements themselves
with their notes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from integration_sim.calibration.collate import (
    CONFLICT_P,
    PAIRWISE_ROWS,
    PERIOD,
    Collated,
    row_interval,
)
from integration_sim.calibration.format import WRITTEN_COLUMNS
from integration_sim.calibration.html import esc, img, page, png_bytes, table
from integration_sim.files import write_text
from integration_sim.present.style import MAIN, REFERENCE, SECOND, new_figure, styled

MAX_CHART_ROWS = 150  # per behaviour and kind: a longer forest chart is unreadable
MAX_TABLE_ROWS = 200  # per behaviour: beyond this the report lists flagged rows first

_UNITS = {
    "proportion": "share of encounters in which the behaviour was performed",
    "tie_density": "cross-boundary ties per possible pair",
    "rate": "performances per practitioner-week",
    "score": "mean score (0-1)",
    "adoption": "share of not-yet-adopters adopting in the period",
}


def report_html(collated: Collated, title: str = "Pinpoint collated measurements") -> str:
    """The collated report as an HTML string."""
    m = collated.measurements
    parts = [_overview(collated)]
    flagged = m[(m["duplicate_of"] != "") | (m["conflicts_with"] != "")]
    if len(flagged):
        parts.append(
            "<h2>Duplicates and conflicts</h2><p>Flagged rows are kept in the dataset; "
            "duplicates are left out of pooled estimates. A conflict means two locators' "
            "estimates of the same thing over overlapping periods differ more than chance "
            f"allows (p &lt; {CONFLICT_P:g}). Where more than {PAIRWISE_ROWS} rows measure "
            "one thing, each row is instead compared with the other locators' rows over "
            "overlapping periods, pooled, and the farthest of them are named.</p>"
        )
        if len(flagged) > MAX_TABLE_ROWS:
            parts.append(
                f"<p>{len(flagged)} rows are flagged; the first {MAX_TABLE_ROWS} are shown. "
                "Every row, with its duplicate_of and conflicts_with, is in "
                "measurements.csv.</p>"
            )
        parts.append(
            table(
                flagged.head(MAX_TABLE_ROWS)[
                    [
                        "measurement_id",
                        "locator",
                        "behaviour",
                        "from",
                        "to",
                        "locality",
                        "start_week",
                        "end_week",
                        "kind",
                        "estimate",
                        "duplicate_of",
                        "conflicts_with",
                    ]
                ]
            )
        )
    for behaviour, g in m.groupby("behaviour", sort=True):
        parts.append(_behaviour_section(str(behaviour), g, collated.summary))
    return page(
        title,
        parts,
        subtitle="Every measurement as submitted by the locator "
        "organisations, validated and collated by integration-sim.",
    )


def write_report(
    collated: Collated, path: str | Path, title: str = "Pinpoint collated measurements"
) -> None:
    """Write the collated report atomically."""
    write_text(path, report_html(collated, title))


def _overview(c: Collated) -> str:
    m = c.measurements
    files = sorted(m["source_file"].unique())
    items = [
        f"<li>{len(m)} measurements from {m['locator'].nunique()} locator organisations "
        f"in {len(files)} files</li>",
        f"<li>{m['behaviour'].nunique()} behaviours, {len(c.summary)} distinct things measured</li>",
        f"<li>weeks {int(m['start_week'].min())} to {int(m['end_week'].max())}</li>",
        f"<li>{c.n_duplicates} duplicate rows, {c.n_conflicts} rows in conflict with another locator</li>",
    ]
    locs = m.groupby("locator").agg(
        measurements=("measurement_id", "size"),
        behaviours=("behaviour", lambda s: ", ".join(sorted(set(s)))),
        files=("source_file", lambda s: ", ".join(sorted({Path(f).name for f in s}))),
    )
    return f"<h2>Overview</h2><ul>{''.join(items)}</ul><h3>Locators</h3>" + table(
        locs.reset_index()
    )


def _behaviour_section(behaviour: str, g: pd.DataFrame, summary: pd.DataFrame) -> str:
    title = "Relationships (tie density, trust)" if behaviour == "all" else behaviour
    parts = [f"<h2>{esc(title)}</h2>"]
    s = summary[summary["behaviour"] == behaviour]
    if len(s):
        parts.append("<h3>Pooled by relationship and period</h3>")
        parts.append(table(s.drop(columns=["behaviour"])))
    for kind, gk in g.groupby("kind", sort=True):
        measured = gk[gk["estimate"].notna()]
        if len(measured):
            parts.append(f"<h3>{esc(kind)}: {esc(_UNITS.get(str(kind), ''))}</h3>")
            if len(measured) > MAX_CHART_ROWS:
                parts.append(
                    f"<p>{len(measured)} measurements: too many to draw one line each; "
                    "the pooled table above summarises them.</p>"
                )
                continue
            course = s[s["kind"] == kind]
            if course[PERIOD].drop_duplicates().shape[0] > 1:
                parts.append(
                    img(png_bytes(time_course(course, str(kind))), f"{behaviour} {kind} over time")
                )
            parts.append(
                img(png_bytes(_forest(measured, str(kind))), f"{behaviour} {kind} estimates")
            )
    parts.append("<h3>Measurements</h3>")
    if len(g) > MAX_TABLE_ROWS:
        # A large file's report stays a summary: flagged rows first, every row in measurements.csv.
        flagged = (g["duplicate_of"] != "") | (g["conflicts_with"] != "")
        g = pd.concat([g[flagged], g[~flagged]]).head(MAX_TABLE_ROWS)
        parts.append(
            f"<p>The first {MAX_TABLE_ROWS} rows (flagged rows first); every row is in "
            "measurements.csv.</p>"
        )
    # The file's own columns (behaviour is the section; scale only matters for scores),
    # then the estimate this tool derived, then the locator's notes.
    shown = [c for c in WRITTEN_COLUMNS if c not in ("behaviour", "scale", "notes")]
    cols = [*shown, "estimate", "notes"]
    flag = (g["duplicate_of"] != "") | (g["conflicts_with"] != "")
    parts.append(table(g[cols].dropna(axis=1, how="all"), flag=flag.reset_index(drop=True)))
    return "\n".join(parts)


@styled
def _forest(g: pd.DataFrame, kind: str) -> Figure:
    """Each measurement's estimate and 95% interval, one line each, grouped by relationship."""
    g = g.sort_values(["from", "to", "locality", "start_week"])
    fig = new_figure(8, 0.9 + 0.32 * len(g))
    ax = fig.subplots()
    for y, (_, row) in enumerate(g.iterrows()):
        lo, hi = row_interval(row)
        colour = REFERENCE if row["duplicate_of"] else SECOND if row["conflicts_with"] else MAIN
        ax.plot([lo, hi], [y, y], color=colour, lw=2)
        ax.plot(row["estimate"], y, "o", color=colour)
    labels = [
        f"{r['locator']}: {r['from']}\u2192{r['to']}, {r['locality']}, wk {r['start_week']}-{r['end_week']}"
        for _, r in g.iterrows()
    ]
    # Escape "$" so matplotlib does not read user text as mathtext.
    ax.set_yticks(range(len(g)), [t.replace("$", r"\$") for t in labels], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(_UNITS.get(kind, kind))
    ax.grid(axis="x", alpha=0.3)
    return fig


@styled
def time_course(summary: pd.DataFrame, kind: str) -> Figure:
    """Pooled estimate and 95% interval by period, one line per relationship and locality.

    Each period is drawn at its midpoint week, with a horizontal bar for its span.
    """
    fig = new_figure(8, 3.6)
    ax = fig.subplots()
    series = summary.groupby(["from_type", "to_type", "locality"], sort=True)
    for (a, c, loc), g in series:
        g = g.sort_values("start_week")
        mid = (g["start_week"] + g["end_week"]) / 2
        label = f"{a}\u2192{c}, {loc}".replace("$", r"\$")
        line = ax.plot(mid, g["estimate"], "o-", label=label, lw=1.2)[0]
        ax.vlines(mid, g["ci_low"], g["ci_high"], color=line.get_color(), alpha=0.6)
        ax.hlines(g["estimate"], g["start_week"], g["end_week"], color=line.get_color(), alpha=0.3)
    ax.set_xlabel("week")
    ax.set_ylabel(_UNITS.get(kind, kind), fontsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    return fig
