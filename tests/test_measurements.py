"""Measurement files: format, validation (file, row, column of every problem), collation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from integration_sim.calibration.collate import collate
from integration_sim.calibration.collate_report import report_html
from integration_sim.calibration.measurements import (
    context_from_scenario,
    read_many,
    read_measurements,
    write_measurements,
)
from integration_sim.cli import main
from integration_sim.errors import InputError, InputErrors

HEADER = "locator,behaviour,from,to,locality,start_week,end_week,kind,numerator,denominator,count,exposure,mean,sd,n,notes\n"


def write(tmp_path: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


GOOD = [
    "North Trust,trusted_assessment,adult_social_care,acute_trust,all,10,30,proportion,30,120,,,,,,audit",
    "Riverside CCG,information_sharing,gp_practice,all,all,0,51,rate,,,400,1000,,,,",
    "Survey Co,information_sharing,gp_practice,adult_social_care,all,0,51,score,,,,,0.4,0.2,50,",
    "Survey Co,,social_worker,acute_trust,all,0,51,tie_density,12,300,,,,,,",
]


def test_reads_every_kind(tmp_path):
    df = read_measurements(write(tmp_path, "a.csv", GOOD))
    assert list(df["kind"]) == ["proportion", "rate", "score", "tie_density"]
    assert df["estimate"].tolist() == pytest.approx([0.25, 0.4, 0.4, 0.04])
    # A role is mapped to its organisation type; relationship-only kinds have behaviour "all".
    assert df.loc[3, "from_type"] == "adult_social_care"
    assert df.loc[3, "behaviour"] == "all"
    assert df.loc[0, "measurement_id"] == "North Trust:2"  # locator:row when not given


def test_every_problem_named_with_file_row_and_column(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        [
            "X,trusted_assesment,adult_social_care,acute_trust,all,10,30,proportion,30,120,,,,,,",
            "X,trusted_assessment,adult_social_care,acute_trust,all,10,30,proportion,130,120,,,,,,",
            "X,trusted_assessment,adult_social_care,acute_trust,all,10,30,proportion,,120,,,,,,",
            "X,trusted_assessment,adult_social_care,acute_trust,all,10,999,proportion,1,120,,,,,,",
            "X,trusted_assessment,housing,acute_trust,Nowhere,10,20,proportion,1,120,,,,,,",
        ],
    )
    from integration_sim.config.load import parse_scenario

    scenario = parse_scenario(
        {
            "name": "s",
            "horizon_weeks": 52,
            "system": {
                "localities": [{"name": "North"}],
                "organisations": [{"type": "acute_trust"}],
            },
            "strategies": {"baseline": {"kind": "custom"}},
        }
    )
    with pytest.raises(InputErrors) as info:
        read_measurements(path, context_from_scenario(scenario))
    text = str(info.value)
    assert f"{path}: row 2, column 'behaviour': unknown behaviour 'trusted_assesment'" in text
    assert (
        f"{path}: row 3, column 'numerator': numerator (130) is above the denominator (120)" in text
    )
    assert f"{path}: row 4, column 'numerator': missing value" in text
    assert f"{path}: row 5, column 'end_week': week 999 is outside the horizon" in text
    assert (
        "row 6, column 'from': 'housing' is not among the performers of trusted_assessment" in text
    )
    assert "row 6, column 'locality': unknown locality 'Nowhere'" in text


def test_header_problems(tmp_path):
    path = write(tmp_path, "h.csv", ["a,b"], header="locator,behavior,from,to\n")
    with pytest.raises(InputErrors) as info:
        read_measurements(path)
    text = str(info.value)
    assert "row 1, column 'behavior': unknown column" in text
    assert "row 1, column 'kind': required column is missing" in text


def test_dates_need_start_date(tmp_path):
    header = "locator,behaviour,from,to,start_date,end_date,kind,numerator,denominator\n"
    rows = [
        "A,trusted_assessment,adult_social_care,acute_trust,2024-04-15,2024-05-01,proportion,3,10"
    ]
    path = write(tmp_path, "d.csv", rows, header=header)
    with pytest.raises(
        InputErrors, match="row 2, column 'start_date': dates need a stated start date"
    ):
        read_measurements(path)
    df = read_measurements(path, context_from_scenario(None, dt.date(2024, 4, 1)))
    assert (df.loc[0, "start_week"], df.loc[0, "end_week"]) == (2, 4)


def test_plan_allows_blank_observed_values(tmp_path):
    path = write(
        tmp_path,
        "p.csv",
        ["A,trusted_assessment,adult_social_care,acute_trust,all,0,9,proportion,,50,,,,,,"],
    )
    with pytest.raises(InputErrors, match="missing value"):
        read_measurements(path)
    assert read_measurements(path, plan=True)["denominator"].iloc[0] == 50


def test_round_trip(tmp_path):
    df = read_measurements(write(tmp_path, "a.csv", GOOD))
    write_measurements(df, tmp_path / "b.csv")
    again = read_measurements(tmp_path / "b.csv")
    cols = ["behaviour", "kind", "numerator", "denominator", "count", "exposure", "mean", "sd", "n"]
    pd.testing.assert_frame_equal(df[cols], again[cols])


def test_collate_flags_duplicates_and_conflicts(tmp_path):
    a = write(tmp_path, "a.csv", [GOOD[0], GOOD[0].replace("adult_social_care", "social_worker")])
    b = write(
        tmp_path,
        "b.csv",
        [GOOD[0].replace("North Trust", "Riverside").replace(",30,120", ",90,120")],
    )
    c = collate(read_many([a, b]))
    m = c.measurements
    assert m["duplicate_of"].tolist() == ["", "North Trust:2", ""]
    assert "North Trust:2 (p=" in m.loc[2, "conflicts_with"]
    assert c.n_duplicates == 1 and c.n_conflicts == 3
    # The pooled summary leaves the duplicate out: (30 + 90) / 240.
    assert c.summary["estimate"].iloc[0] == pytest.approx(0.5)


def test_no_conflict_within_chance(tmp_path):
    a = write(tmp_path, "a.csv", [GOOD[0]])
    b = write(
        tmp_path,
        "b.csv",
        [GOOD[0].replace("North Trust", "Riverside").replace(",30,120", ",33,120")],
    )
    assert collate(read_many([a, b])).n_conflicts == 0


def test_report_escapes_user_strings(tmp_path):
    row = GOOD[0].replace("North Trust", "<script>alert(1)</script>").replace("audit", '"<b>x</b>"')
    html = report_html(collate(read_many([write(tmp_path, "a.csv", [row])])))
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html
    assert "data:image/png;base64," in html  # charts embedded: one self-contained file


def test_cli_collate(tmp_path, capsys):
    a = write(tmp_path, "a.csv", GOOD)
    out = tmp_path / "out"
    assert main(["pinpoint", "collate", str(a), "-o", str(out)]) == 0
    for name in ("measurements.parquet", "measurements.csv", "summary.csv", "report.html"):
        assert (out / name).exists()
    assert len(pd.read_parquet(out / "measurements.parquet")) == 4


def test_cli_rejects_bad_file_with_row_and_column(tmp_path, capsys):
    bad = write(tmp_path, "bad.csv", [GOOD[0].replace(",30,120", ",130,120")])
    status = main(["pinpoint", "collate", str(bad), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2
    assert (
        f"{bad}: row 2, column 'numerator': numerator (130) is above the denominator (120)" in err
    )
    assert "Traceback" not in err
    assert not (tmp_path / "o" / "report.html").exists()


def test_observation_likelihoods_match_scipy():
    from scipy import stats

    from integration_sim.calibration import observation as ob

    row = pd.Series({"kind": "proportion", "numerator": 30.0, "denominator": 120.0})
    assert ob.log_likelihood(row, 0.3) == pytest.approx(stats.binom.logpmf(30, 120, 0.3))
    assert ob.max_log_likelihood(row) == pytest.approx(stats.binom.logpmf(30, 120, 0.25))
    assert ob.log_likelihood(row, 0.3, 0.1) == pytest.approx(
        stats.betabinom.logpmf(30, 120, 2.7, 6.3)
    )
    rate = pd.Series({"kind": "rate", "count": 40.0, "exposure": 100.0})
    assert ob.log_likelihood(rate, 0.5) == pytest.approx(stats.poisson.logpmf(40, 50))
    score = pd.Series({"kind": "score", "mean": 0.4, "sd": 0.2, "n": 16.0})
    assert ob.log_likelihood(score, 0.5) == pytest.approx(stats.norm.logpdf(0.4, 0.5, 0.05))
    assert ob.log_likelihood(row, float("nan")) == ob.LOG_FLOOR
    rng = np.random.default_rng(1)
    draws = [ob.sample(row, 0.3, rng)["numerator"] for _ in range(2000)]
    assert np.mean(draws) == pytest.approx(36, rel=0.03)


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_measurements(tmp_path / "nope.csv")


def test_collate_summarises_by_period_with_a_time_course(tmp_path):
    # Six shares for one community at different periods stay six points, not one pool.
    header = "locator,behaviour,from,to,locality,start_week,end_week,kind,numerator,denominator\n"
    weeks = [(0, 11), (12, 23), (24, 35), (36, 47), (48, 59), (60, 73)]
    body = "".join(
        f"Audit,joint_assessment,all,all,North,{a},{b},proportion,{5 + 8 * i},60\n"
        for i, (a, b) in enumerate(weeks)
    )
    # A second locator measuring the third period: pooled with it, and only with it.
    body += "Survey,joint_assessment,all,all,North,24,35,proportion,25,60\n"
    path = tmp_path / "m.csv"
    path.write_text(header + body, encoding="utf-8")
    c = collate(read_many([path]))
    s = c.summary
    assert list(zip(s["start_week"], s["end_week"], strict=True)) == weeks
    assert s["estimate"].round(4).tolist() == [
        round(x, 4) for x in (5 / 60, 13 / 60, (21 + 25) / 120, 29 / 60, 37 / 60, 45 / 60)
    ]
    assert s["measurements"].tolist() == [1, 1, 2, 1, 1, 1]
    html = report_html(c)
    assert "over time" in html and "Pooled by relationship and period" in html


def test_a_repeated_column_is_refused_not_silently_won(tmp_path, capsys):
    # The second 'from' would otherwise replace the first for every row.
    header = HEADER.replace("from,to,", "from,to,from,")
    row = GOOD[0].replace(
        "adult_social_care,acute_trust,", "adult_social_care,acute_trust,housing,"
    )
    bad = write(tmp_path, "dup.csv", [row], header=header)
    assert main(["pinpoint", "collate", str(bad), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: row 1, column 'from': column appears 2 times; keep one" in err
    assert "Traceback" not in err


def test_an_oversized_measurement_file_is_refused_before_reading(tmp_path, capsys, monkeypatch):
    from integration_sim.calibration import measurements

    path = write(tmp_path, "big.csv", GOOD * 50)
    monkeypatch.setattr(measurements, "MAX_FILE_BYTES", path.stat().st_size - 1)
    assert main(["pinpoint", "collate", str(path), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: file is larger than" in err and "is it the right file?" in err
    monkeypatch.setattr(measurements, "MAX_FILE_BYTES", path.stat().st_size)
    assert len(read_measurements(path)) == 200  # at the limit it is read
