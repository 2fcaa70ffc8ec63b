"""The decision summary, as HTML for the top of the report and as text for the console."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from integration_sim.analysis.comparison import MIN_PAIRS
from integration_sim.analysis.decision import Decision, Standing
from integration_sim.metrics import VS, metric_info
from integration_sim.present.format import (
    DASH,
    clear_of_zero,
    finite,
    fmt,
    fmt_diff,
    fmt_effect,
    replicate_warning,
)

SWEEP_DOCS = "docs/sensitivity.md"


def verdict(d: Decision, labels: Mapping[str, str]) -> str:
    """One or two sentences: who comes out ahead on the primary outcome, and how surely."""
    name = lambda s: labels.get(s, s)  # noqa: E731
    p = d.primary
    lead = d.ranking[0]
    what = f"{p.label.lower()} ({p.unit}; {p.window.removeprefix(VS)})"
    if d.runner_up is None:
        return f"Only one strategy was run; nothing to rank on {what}."
    if unmeasured_warning(d):
        return f"Nothing to rank on {what}: it could not be measured."
    if lead.strategy == d.baseline and p.paired:
        text = f"No strategy beats {name(d.baseline)} on {what}."
    else:
        text = f"On {what}, {name(lead.strategy)} comes out ahead"
        margin = d.head_to_head[d.head_to_head["metric"] == p.name]
        if len(margin):
            m = margin.iloc[0]
            text += f" of {name(d.runner_up)} by {fmt_effect(m.diff_median, m.ci_low, m.ci_high, p.name)}"
        text += f", and is best in {_share(lead.p_best)} of replicates."
    if not d.enough:
        text += " Too few replicates to be sure of the order."
    elif not d.settled:
        text += (
            f" The margin over {name(d.runner_up)} could be zero: "
            "the two cannot be told apart at this number of replicates."
        )
    return text


def _share(p: float) -> str:
    """A share of replicates in percent, or a dash where none could be ranked."""
    return f"{p:.0%}" if finite(p) else DASH


def unmeasured_warning(d: Decision) -> str:
    """A warning when the primary outcome could be measured in no replicate of any
    strategy other than the baseline (empty otherwise)."""
    others = [s for s in d.ranking if s.strategy != d.baseline or not d.primary.paired]
    if not others or any(finite(s.median) for s in others):
        return ""
    return (
        f"{d.primary.label} could not be measured in any replicate. If it comes from the "
        "integration index, which is a share of cases: a place this small, or with need "
        "this low, may have no cases in the window."
    )


def _primary_text(d: Decision, s: Standing) -> str:
    if d.primary.paired and s.strategy == d.baseline:
        return "0 (the baseline)"
    if not d.primary.paired:
        return fmt(s.median, d.primary.name)
    if not d.enough:
        return fmt_diff(s.median, d.primary.name)
    return fmt_effect(s.median, s.ci_low, s.ci_high, d.primary.name)


def _ranking_rows(d: Decision, labels: Mapping[str, str]) -> str:
    rows = []
    for i, s in enumerate(d.ranking, 1):
        primary = _primary_text(d, s)
        base = " (baseline)" if s.strategy == d.baseline else ""
        rows.append(
            f"<tr><td>{i}</td><th scope='row'>{escape(labels.get(s.strategy, s.strategy))}{base}</th>"
            f"<td>{escape(primary)}</td><td>{_share(s.p_best)}</td>"
            f"<td>{escape(fmt_diff(s.net_cost, 'net_cost'))}</td></tr>"
        )
    return "".join(rows)


def _head_to_head_rows(d: Decision) -> str:
    rows = []
    for _, r in d.head_to_head.iterrows():
        info = metric_info(r["metric"])
        if not info.headline:
            continue
        low, high = (r["ci_low"], r["ci_high"]) if d.enough else (float("nan"),) * 2
        cls = " class='sure'" if clear_of_zero(low, high) else ""
        rows.append(
            f"<tr{cls}><th scope='row'>{escape(info.label)}</th>"
            f"<td>{escape(fmt_effect(r['diff_median'], low, high, r['metric'], str(r.get('note') or '')))}</td></tr>"
        )
    return "".join(rows)


def _assumptions(d: Decision) -> str:
    items = "".join(
        f"<li><code>{escape(path)}</code>: {escape(why)}</li>" for path, why in d.assumptions
    )
    sweep = (
        f"<code>integration-sim sweep {escape(d.sweep)}</code> varies them and reports "
        "which ones move the verdict"
        if d.sweep
        else f"a sweep over them (see {SWEEP_DOCS}) shows which ones move the verdict"
    )
    return f"<ul class='assumptions'>{items}</ul><p class='note'>Test them: {sweep}.</p>"


def decision_html(d: Decision, labels: Mapping[str, str]) -> str:
    """The decision summary section (HTML): verdict, ranking, head to head, what could flip it."""
    name = lambda s: escape(labels.get(s, s))  # noqa: E731
    warning = " ".join(
        w for w in (unmeasured_warning(d), replicate_warning(d.replicates, MIN_PAIRS)) if w
    )
    posterior = (
        " Each replicate draws its parameters from the posterior, so these shares are also "
        "shares of posterior draws."
        if d.posterior
        else ""
    )
    parts = [
        "<section id='decision'><h2>Decision summary</h2>",
        f"<p class='warn'>{escape(warning)}</p>" if warning else "",
        f"<p class='verdict'>{escape(verdict(d, labels))}</p>",
        "<table class='ranking'><thead><tr><th>Rank</th><th>Strategy</th>"
        f"<th>{escape(d.primary.label)}<br><small>{escape(d.primary.unit)}, median over replicates</small></th>"
        "<th>Best in (share of replicates)</th><th>Net cost over the baseline<br>"
        "<small>extra spend minus care costs avoided</small></th></tr></thead><tbody>"
        + _ranking_rows(d, labels)
        + "</tbody></table>",
        f"<p class='note'>Effects are paired differences from {name(d.baseline)} (same seeds, "
        f"same weeks and places).{posterior}</p>",
    ]
    if d.runner_up is not None and len(d.head_to_head):
        parts += [
            f"<h3>Head to head: {name(d.leader)} minus {name(d.runner_up)}</h3>",
            "<table class='h2h'><tbody>" + _head_to_head_rows(d) + "</tbody></table>",
        ]
    parts += ["<h3>What could change the verdict</h3>", _assumptions(d), "</section>"]
    return "\n".join(p for p in parts if p)


def decision_text(d: Decision, labels: Mapping[str, str]) -> str:
    """The decision summary for the console (plain text, a few lines)."""
    name = lambda s: labels.get(s, s)  # noqa: E731
    lines = ["Decision summary", verdict(d, labels)]
    for warning in (unmeasured_warning(d), replicate_warning(d.replicates, MIN_PAIRS)):
        if warning:
            lines.append("WARNING: " + warning)
    lines.append(f"Ranked on {d.primary.label.lower()} ({d.primary.unit}; vs {name(d.baseline)}):")
    for i, s in enumerate(d.ranking, 1):
        primary = _primary_text(d, s)
        lines.append(
            f"  {i}. {name(s.strategy)}: {primary}; best in {_share(s.p_best)} of replicates; "
            f"net cost {fmt_diff(s.net_cost, 'net_cost')}"
        )
    lines.append(
        "Could change it: "
        + ", ".join(path for path, _ in d.assumptions)
        + (f" (test with: integration-sim sweep {d.sweep})" if d.sweep else f" (see {SWEEP_DOCS})")
    )
    return "\n".join(lines)
