"""Paired comparisons: known answers, pairing by replicate, and the compare pipeline end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from integration_sim.analysis import comparison
from integration_sim.errors import InputError


def _summary(diffs: np.ndarray, seed: int = 3) -> pd.DataFrame:
    """Baseline with large replicate-to-replicate noise; 'new' = baseline + diffs[r]."""
    rng = np.random.default_rng(seed)
    base = rng.normal(100.0, 50.0, diffs.size)  # noise far larger than the differences
    rows = [
        {
            "strategy": "base",
            "replicate": r,
            "seed": r,
            "integration_final": base[r],
            "delay_days": base[r],
        }
        for r in range(diffs.size)
    ]
    rows += [
        {
            "strategy": "new",
            "replicate": r,
            "seed": r,
            "integration_final": base[r] + diffs[r],
            "delay_days": base[r] - diffs[r],
        }
        for r in range(diffs.size)
    ]
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=1).reset_index(
        drop=True
    )  # pairing must not use row order


def test_paired_differences_known_answer():
    diffs = np.array([7.0, 1, 11, 3, 9, 5, 2, 10, 4, 8, 6])  # 1..11, shuffled across replicates
    table = comparison.paired_differences(_summary(diffs), baseline="base")
    row = table[table["metric"] == "integration_final"].iloc[0]
    assert row["n"] == 11
    assert row["diff_median"] == pytest.approx(6.0)
    # Linear quantiles of 1..11: 1 + 0.1 * 10 = 2 and 1 + 0.9 * 10 = 10.
    assert row["diff_q10"] == pytest.approx(2.0)
    assert row["diff_q90"] == pytest.approx(10.0)
    # Paired: the baseline's noise (sd 50) does not widen the interval.
    assert 1.0 <= row["ci_low"] <= 6.0 <= row["ci_high"] <= 11.0
    assert row["ci_high"] - row["ci_low"] < 8.0
    assert row["share_better"] == pytest.approx(1.0)
    assert "bootstrap" in row["interval"]


def test_bootstrap_interval_matches_direct_computation():
    diffs = np.array([7.0, 1, 11, 3, 9, 5, 2, 10, 4, 8, 6])
    row = comparison.paired_differences(
        _summary(diffs), "base", ["integration_final"], resamples=500, seed=7
    ).iloc[0]
    pairs = comparison.paired_samples(_summary(diffs), "base", ["integration_final"])
    d = pairs.sort_values("replicate")["difference"].to_numpy()
    rng = np.random.default_rng(7)
    medians = np.median(d[rng.integers(0, d.size, (500, d.size))], axis=1)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(
        tuple(np.quantile(medians, [0.025, 0.975]))
    )


def test_constant_difference_gives_degenerate_interval_and_direction():
    table = comparison.paired_differences(_summary(np.full(8, 2.5)), "base")
    for _, row in table.iterrows():
        expected = 2.5 if row["metric"] == "integration_final" else -2.5
        assert row["diff_median"] == pytest.approx(expected)
        assert row["ci_low"] == pytest.approx(expected) and row["ci_high"] == pytest.approx(
            expected
        )
        # delay_days is lower-is-better, so -2.5 days is better in every replicate.
        assert row["share_better"] == pytest.approx(1.0)


def test_missing_replicates_and_nan_are_dropped_pairwise():
    s = _summary(np.arange(1.0, 7.0))
    s = s[~((s["strategy"] == "new") & (s["replicate"] == 0))]
    s.loc[(s["strategy"] == "base") & (s["replicate"] == 1), "integration_final"] = np.nan
    row = comparison.paired_differences(s, "base", ["integration_final"]).iloc[0]
    assert row["n"] == 4
    assert row["diff_median"] == pytest.approx(np.median([3, 4, 5, 6]))


def test_unknown_baseline_is_an_input_error():
    with pytest.raises(InputError, match="unknown baseline"):
        comparison.paired_differences(_summary(np.ones(3)), "nope")


def test_strategy_summary_quantiles():
    s = pd.DataFrame({"strategy": "a", "replicate": range(11), "x": np.arange(11.0)})
    row = comparison.strategy_summary(s, ["x"]).iloc[0]
    assert (row["q10"], row["median"], row["q90"]) == pytest.approx((1.0, 5.0, 9.0))


# ----------------------------------------------------------------- with the engine


def _tiny_scenario(tmp_path, strategies: dict) -> str:
    data = {
        "name": "tiny",
        "seed": 11,
        "replicates": 2,
        "horizon_weeks": 40,
        "system": {
            "localities": [
                {"name": n, "readiness": r} for n, r in (("A", 0.8), ("B", 0.5), ("C", 0.3))
            ],
            "organisations": [
                {"type": "adult_social_care", "count": 1, "staff": 12},
                {"type": "community_health", "count": 1, "staff": 12},
                {"type": "gp_practice", "count": 1, "staff": 6},
            ],
        },
        "strategies": strategies,
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


COLOCATE = {
    "kind": "custom",
    "interventions": [
        {
            "kind": "co_location",
            "start_week": 5,
            "end_week": 25,
            "cost_per_week": 1000.0,
            "target": {"localities": ["A"]},
        }
    ],
}


@pytest.mark.slow
def test_common_random_numbers_identical_strategies_identical_results(tmp_path):
    pytest.importorskip("integration_sim.runs")
    from integration_sim.config.load import load_scenario
    from integration_sim.runs import run

    scenario = load_scenario(_tiny_scenario(tmp_path, {"first": COLOCATE, "twin": COLOCATE}))
    res = run(scenario, replicates=comparison.MIN_PAIRS, workers=1)
    rec = res.records.astype({"strategy": str})
    a = rec[rec["strategy"] == "first"].drop(columns="strategy").reset_index(drop=True)
    b = rec[rec["strategy"] == "twin"].drop(columns="strategy").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    effects = comparison.paired_effects(res.records, res.summary, "first", 40)
    table = comparison.paired_differences(res.summary, "first", effects=effects)
    fixed = table["note"] == "fixed by the scenario"  # a value, no interval
    finite = table[np.isfinite(table["diff_median"]) & ~fixed]
    assert len(finite) > 10
    assert (finite[["diff_median", "diff_q10", "diff_q90", "ci_low", "ci_high"]] == 0).all().all()
    # A twin of the baseline gains nothing, so it has no cost per point.
    cost = table[table["metric"] == "cost_per_point"].iloc[0]
    assert np.isnan(cost["diff_median"]) and cost["note"].startswith("undefined")


@pytest.mark.slow
def test_compare_pipeline_pilot_targets_and_spend(tmp_path, capsys):
    pytest.importorskip("integration_sim.runs")
    from integration_sim.cli import main

    strategies = {
        "nothing": {"kind": "custom", "label": "No programme"},
        "pilot": {
            "kind": "pilot",
            "localities": ["A"],
            "start_week": 4,
            "funding": {"budget": 200000.0, "duration_weeks": 20},
        },
        "system_wide": {
            "kind": "system_wide",
            "start_week": 4,
            "funding": {"budget": 200000.0, "duration_weeks": 20},
        },
    }
    out = tmp_path / "out"
    assert (
        main(
            [
                "compare",
                _tiny_scenario(tmp_path, strategies),
                "-o",
                str(out),
                "--replicates",
                "2",
                "--workers",
                "1",
                "--csv",
            ]
        )
        == 0
    )
    assert not (out / ".runs").exists()  # the saved runs go once the folder is complete
    for name in (
        "records.parquet",
        "records.csv",
        "summary.parquet",
        "summary.csv",
        "differences.csv",
        "differences.parquet",
        "effects.csv",
        "report.html",
        "manifest.json",
    ):
        assert (out / name).exists(), name
    assert "Decision summary" in capsys.readouterr().out
    diffs = pd.read_csv(out / "differences.csv")
    assert set(diffs["strategy"]) == {"pilot", "system_wide"} and set(diffs["baseline"]) == {
        "nothing"
    }
    assert (diffs["n"] == 2).all()
    # The pilot spends only in its locality, only in its weeks, and all of its budget.
    rec = pd.read_parquet(out / "records.parquet").astype({"strategy": str, "locality": str})
    spend = rec[
        (rec["metric"] == "spend")
        & (rec["organisation_type"] == "all")
        & (rec["behaviour"] == "all")
    ]
    pilot = spend[spend["strategy"] == "pilot"]
    by_loc = pilot[pilot["locality"] != "all"].groupby("locality")["value"].sum()
    assert by_loc.get("B", 0) == 0 and by_loc.get("C", 0) == 0 and by_loc["A"] > 0
    weeks = pilot[(pilot["locality"] == "all") & (pilot["value"] > 0)]["week"]
    assert weeks.min() >= 4 and weeks.max() < 24
    summary = pd.read_csv(out / "summary.csv")
    for name in ("pilot", "system_wide"):
        total = summary.loc[summary["strategy"] == name, "total_spend"]
        assert total.to_numpy() == pytest.approx(200000.0, rel=1e-6)
    assert (summary.loc[summary["strategy"] == "nothing", "total_spend"] == 0).all()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 5


@pytest.mark.slow
def test_report_command_redraws_with_another_baseline_without_running(tmp_path, capsys):
    from integration_sim.cli import main

    strategies = {"nothing": {"kind": "custom"}, "colocate": COLOCATE}
    out = tmp_path / "out"
    argv = ["compare", _tiny_scenario(tmp_path, strategies), "-o", str(out), "--workers", "1"]
    assert main(argv) == 0
    records = (out / "records.parquet").stat().st_mtime_ns
    assert main(["report", str(out), "--baseline", "colocate", "--primary", "net_cost"]) == 0
    assert (out / "records.parquet").stat().st_mtime_ns == records  # nothing was re-run
    diffs = pd.read_parquet(out / "differences.parquet")
    assert set(diffs["baseline"]) == {"colocate"} and set(diffs["strategy"]) == {"nothing"}
    text = capsys.readouterr().out
    assert "Ranked on net cost" in text
    assert main(["report", str(out), "--baseline", "nope"]) == 2
    assert main(["report", str(tmp_path)]) == 2  # not a results folder


def test_compare_of_a_place_without_cases_says_so_and_finishes(tmp_path, capsys):
    """Too few residents for any case: the integration index is undefined in every run.
    The report is still written (it stopped with a traceback in a chart), and the summary
    says the outcome could not be measured, instead of ranking on nothing."""
    from integration_sim.cli import main

    scenario = _tiny_scenario(tmp_path, {"nothing": {"kind": "custom"}, "colocate": COLOCATE})
    data = yaml.safe_load(Path(scenario).read_text(encoding="utf-8"))
    for locality in data["system"]["localities"]:
        locality.update(population=1, need=0.01)
    Path(scenario).write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "out"
    argv = ["compare", scenario, "-o", str(out), "--workers", "1", "--no-network"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Nothing to rank on integration gain" in printed
    assert "WARNING: Integration gain over the baseline could not be measured" in printed
    assert "nan" not in printed
    assert (out / "report.html").exists() and (out / "manifest.json").exists()
