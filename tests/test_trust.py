"""Trust boundaries: spreadsheet formulas neutralised in CSV outputs, documented code execution."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import ROOT

from integration_sim.files import write_table


def test_csv_text_that_a_spreadsheet_would_run_is_neutralised(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "locator": ["=HYPERLINK(1)", "+1", "-cmd", "@SUM(A1)", "plain"],
            "strategy": pd.Categorical(["=a", "b", "c", "d", "e"]),
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0],
        }
    )
    write_table(df, tmp_path / "t")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["locator"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-cmd", "'@SUM(A1)", "plain"]
    assert back["strategy"].tolist()[0] == "'=a"
    assert back["value"].tolist() == [-1.5, 2.0, -3.0, 4.0, 5.0]  # numbers untouched
    exact = pd.read_parquet(tmp_path / "t.parquet")
    assert exact["locator"].tolist()[0] == "=HYPERLINK(1)"


def test_measurement_files_round_trip_through_the_neutralising(tmp_path: Path) -> None:
    from integration_sim.calibration.measurements import read_measurements, write_measurements

    source = sorted((ROOT / "calibration/example/measurements").glob("*.csv"))[0]
    original = read_measurements(source)
    changed = original.assign(notes="=1+1 looks like a formula")
    path = tmp_path / "m.csv"
    write_measurements(changed, path)
    assert "'=1+1" in path.read_text()
    assert read_measurements(path)["notes"].tolist() == changed["notes"].tolist()


def test_docs_say_that_an_experiment_function_runs_code() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    assert "`function:`" in text and "runs" in text and "code" in text
    assert "security.md" in (ROOT / "docs" / "sensitivity.md").read_text()
    assert "docs/security.md" in (ROOT / "README.md").read_text()
