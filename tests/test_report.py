"""The comparison report: self-contained, escaped, every chart present (synthetic results)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd

from integration_sim.analysis import comparison
from integration_sim.config.strategies import Intervention, Target
from integration_sim.present import charts, report
from integration_sim.present.format import fmt, fmt_diff, fmt_effect

EVIL = "<script>alert(1)</script>"


def synthetic_results(
    strategies: tuple[str, ...] = ("pilot", "system_wide", "staged"),
    localities: tuple[str, ...] = ("North", "South", "East", "West"),
    replicates: int = 5,
    horizon: int = 120,
    name: str = "synthetic",
) -> SimpleNamespace:
    """Results that follow the records/summary contract of docs/architecture.md, without the engine."""
    weeks = np.arange(horizon)
    rec, summ, interventions = [], [], {}
    for si, s in enumerate(strategies):
        pilot_locs = list(localities[:2]) if si == 0 else "all"
        interventions[s] = [
            Intervention(
                kind="co_location",
                start_week=10,
                end_week=50,
                cost_per_week=2000.0,
                target=Target(localities=pilot_locs),
                phase="pilot" if si == 0 else "system_wide",
            ),
        ]
        if si == 0:
            interventions[s].append(
                Intervention(
                    kind="training",
                    start_week=50,
                    end_week=70,
                    cost_per_week=500.0,
                    target=Target(localities=list(localities[2:])),
                    phase="scale_up",
                )
            )
        for r in range(replicates):
            rng = np.random.default_rng([si, r])
            tot_c, tot_i = np.zeros(horizon), np.zeros(horizon)
            for li, loc in enumerate(localities):
                level = 0.2 + (0.1 + 0.05 * si) / (1 + np.exp(-(weeks - 40 - 3 * li) / 6))
                cases = rng.poisson(20, horizon).astype(float)
                integ = np.round(cases * np.clip(level + rng.normal(0, 0.02, horizon), 0, 1))
                tot_c += cases
                tot_i += integ
                for metric, v in (
                    ("integration_index", integ / np.maximum(cases, 1)),
                    ("cases", cases),
                    ("integrated_cases", integ),
                ):
                    rec.append(
                        pd.DataFrame(
                            {
                                "week": weeks,
                                "replicate": r,
                                "strategy": s,
                                "locality": loc,
                                "organisation_type": "all",
                                "behaviour": "all",
                                "metric": metric,
                                "value": v,
                            }
                        )
                    )
            index = tot_i / tot_c
            spend = np.zeros(horizon)
            for iv in interventions[s]:
                spend[iv.start_week : iv.end_week] += iv.cost_per_week
            delays = rng.poisson(40 - 2 * si, horizon).astype(float)
            admissions = rng.poisson(2, horizon).astype(float)
            for metric, v in (
                ("integration_index", index),
                ("cases", tot_c),
                ("integrated_cases", tot_i),
                ("spend", spend),
                ("delay_days", delays),
                ("emergency_admissions", admissions),
                ("care_cost", 400 * delays + 2000 * admissions),
            ):
                rec.append(
                    pd.DataFrame(
                        {
                            "week": weeks,
                            "replicate": r,
                            "strategy": s,
                            "locality": "all",
                            "organisation_type": "all",
                            "behaviour": "all",
                            "metric": metric,
                            "value": v,
                        }
                    )
                )
            summ.append(
                {
                    "strategy": s,
                    "replicate": r,
                    "seed": 100 + r,
                    "funding_end": 70.0 if si == 0 else 50.0,
                    "first_localities": ";".join(localities[:2] if si == 0 else localities),
                    "integration_final": index[-13:].mean(),
                    "sustainability": 0.9 + 0.02 * si + rng.normal(0, 0.02),
                    "total_spend": spend.sum(),
                    "delay_days": delays.sum(),
                    "care_cost": (400 * delays + 2000 * admissions).sum(),
                }
            )
    return SimpleNamespace(
        records=pd.concat(rec, ignore_index=True),
        summary=pd.DataFrame(summ),
        manifest={"scenario": name, "replicates": replicates},
        interventions=interventions,
        scenario=None,
    )


CHARTS = {
    "integration_over_time",
    "pilot_vs_rest",
    "sustainability",
    "paired_differences",
    "cost_effectiveness",
    "acceptability_curve",
    "locality_heatmap",
}


def test_report_is_self_contained_with_captioned_charts(tmp_path):
    path = report.write_report(synthetic_results(), tmp_path)
    html = path.read_text(encoding="utf-8")
    images = re.findall(r"<img src='([^']*)'", html)
    assert len(images) == len(CHARTS)
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert html.count("<figcaption>") == len(images)
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", html)  # nothing fetched from a network
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert {p.stem for p in (tmp_path / "charts").glob("*.png")} == CHARTS
    diffs = pd.read_parquet(tmp_path / "differences.parquet")
    assert set(diffs["strategy"]) == {"system_wide", "staged"}
    # The decision summary comes first, before any table or chart.
    assert html.index("Decision summary") < html.index("Outcomes at a glance")
    # No caption title ends in doubled punctuation ("?." or "..").
    assert not re.search(r"[.?!]\.</b>", html)


def test_report_escapes_user_supplied_names(tmp_path):
    evil_loc = 'Old <b>Town</b> & "Quay"'
    res = synthetic_results(
        strategies=("pilot", EVIL),
        localities=("North", evil_loc, "East"),
        name="<img src=x onerror=alert(2)>",
    )
    res.scenario = SimpleNamespace(
        name="<img src=x onerror=alert(2)>",
        description="<i>desc</i>",
        horizon_weeks=120,
        locality_names=["North", evil_loc, "East"],
        strategies={
            "pilot": SimpleNamespace(label="Pilot <u>one</u>"),
            EVIL: SimpleNamespace(label=""),
        },
    )
    html = report.write_report(res, tmp_path).read_text(encoding="utf-8")
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "Pilot <u>one</u>" not in html and "Pilot &lt;u&gt;one&lt;/u&gt;" in html
    assert "<i>desc</i>" not in html
    assert (
        "<b>Town</b>" not in html and "Old &lt;b&gt;Town&lt;/b&gt; &amp; &quot;Quay&quot;" in html
    )


def test_every_chart_has_title_caption_and_axis_labels():
    res = synthetic_results()
    effects = comparison.paired_effects(res.records, res.summary, "pilot", 120)
    table = comparison.paired_differences(res.summary, "pilot", effects=effects)
    made = charts.comparison_charts(
        res.records, res.summary, res.interventions, differences=table, effects=effects
    )
    assert {c.name for c in made} == CHARTS
    for chart in made:
        assert chart.title and chart.caption and len(chart.caption) < 300
        visible = [
            ax for ax in chart.figure.axes if ax.get_visible() and ax.get_label() != "<colorbar>"
        ]
        assert visible
        for ax in visible:
            if (
                ax.axison
                and ax.get_subplotspec() is not None
                and ax.get_subplotspec().is_first_col()
            ):
                assert ax.get_ylabel() or ax.get_yticklabels(), chart.name


def test_single_strategy_report(tmp_path):
    res = synthetic_results(strategies=("only",))
    html = report.write_report(res, tmp_path).read_text(encoding="utf-8")
    assert "Outcomes at a glance" in html and "Differences from" not in html


def test_format_helpers():
    assert fmt(0.4567, "integration_final") == "45.7"
    assert fmt(1234567.0, "total_spend") == "£1,234,567"
    assert fmt_diff(-2500.0, "care_cost") == "-£2,500"
    assert fmt_diff(0.0123, "integration_gain") == "+1.23"
    assert fmt(float("nan"), "x") == "–"
    assert fmt_effect(0.01, float("nan"), float("nan"), "integration_gain") == "+1.00"
    assert fmt_effect(0.01, 0.005, 0.02, "integration_gain") == (
        "+1.00 (95% interval +0.50 to +2.00)"
    )
    assert fmt_effect(float("nan"), 0, 0, "cost_per_point", "undefined: gain may be zero") == (
        "undefined (gain may be zero)"
    )


def test_charts_drawn_on_worker_processes_are_the_same_files(tmp_path):
    from dataclasses import replace

    from integration_sim.parallel import Pool

    results = synthetic_results(replicates=3, horizon=60)
    found = report.analyse(results)
    inputs, names = report.chart_inputs(results, found, {}, tmp_path / "here")
    here = [report.draw_chart(inputs, name) for name in names]
    away = replace(inputs, directory=tmp_path / "away")  # the charts folder itself
    with Pool(2, context=away, parent_works=False, preload=["integration_sim.present.report"]) as p:
        there = dict(p.imap(report.draw_chart, names))
    assert len(here) == len(there) == len(CHARTS)  # SimpleNamespace results: no network chart
    for i, chart in enumerate(here):
        assert there[i].path.parent == tmp_path / "away"
        assert (there[i].name, there[i].title, there[i].caption) == (
            chart.name,
            chart.title,
            chart.caption,
        )
        assert there[i].path.read_bytes() == chart.path.read_bytes(), chart.name


def test_the_workers_warm_up_place_runs():
    from integration_sim import warmup

    warmup.warm_up()  # the fork server ignores a failure; here it must not fail
