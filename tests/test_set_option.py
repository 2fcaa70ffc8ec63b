"""``--set PATH=VALUE`` on run, compare, pinpoint simulate and calibrate: one grammar, one walker."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml
from test_calibration import PARAM, TINY  # sibling test module (tests/ is on sys.path)

from integration_sim.calibration.inputs import load_config_only
from integration_sim.cli import main
from integration_sim.config.overrides import parse_assignment
from integration_sim.errors import InputError


def test_assignment_grammar():
    assert parse_assignment("a.b.c=0.5") == ("a.b.c", 0.5)
    assert parse_assignment("horizon_weeks=12") == ("horizon_weeks", 12)
    assert parse_assignment("x.localities=[North, South]") == ("x.localities", ["North", "South"])
    assert parse_assignment("name=a=b") == ("name", "a=b")
    for bad in ("novalue", "=3", "a b=1"):
        with pytest.raises(InputError, match="PATH=VALUE"):
            parse_assignment(bad)


@pytest.fixture
def scenario_file(tmp_path):
    data = copy.deepcopy(TINY)
    data["strategies"]["other"] = {"kind": "custom"}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["run", "compare"])
def test_set_changes_what_run_and_compare_simulate(scenario_file, tmp_path, command):
    out = tmp_path / command
    extra = ["--no-network"] if command == "compare" else []
    argv = [command, str(scenario_file), "-o", str(out), "--replicates", "1", *extra]
    assert main([*argv, "--set", "horizon_weeks=6", "--set", "seed=9"]) == 0
    records = pd.read_parquet(out / "records.parquet")
    assert records["week"].max() == 5  # TINY runs 16 weeks without the --set


def test_set_errors_name_the_path(scenario_file, tmp_path, capsys):
    argv = ["run", str(scenario_file), "-o", str(tmp_path / "o")]
    assert main([*argv, "--set", "behaviours.joint_assessment.coefficients.socal=1"]) == 2
    assert "coefficients.socal: no such key 'socal'" in capsys.readouterr().err
    assert main([*argv, "--set", "horizon_weeks=-3"]) == 2
    # The value came from the command line, so no line of the file is blamed for it.
    assert f"{scenario_file} + the values set: horizon_weeks:" in capsys.readouterr().err


def test_set_on_pinpoint_simulate(scenario_file, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "locator,behaviour,from,to,locality,start_week,end_week,kind,numerator,denominator\n"
        "A,joint_assessment,all,all,North,4,15,proportion,,400\n",
        encoding="utf-8",
    )
    shares = {}
    for value in (-20, 20):
        out = tmp_path / f"m{value}.csv"
        argv = ["pinpoint", "simulate", str(scenario_file), "--plan", str(plan), "-o", str(out)]
        assert main([*argv, "--set", f"{PARAM}={value}"]) == 0
        shares[value] = pd.read_csv(out)["numerator"].iloc[0] / 400
    assert shares[-20] < 0.1 < 0.9 < shares[20]


def test_set_on_calibrate(scenario_file, tmp_path, capsys):
    (tmp_path / "a.csv").write_text(
        "locality,week,adopters,eligible\nNorth,7,3,34\nNorth,15,6,34\n", encoding="utf-8"
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"scenario: {scenario_file.name}\nadoption: [{{file: a.csv, behaviour: joint_assessment, "
        f"format: cumulative}}]\nparameters:\n  {PARAM}: {{distribution: uniform, low: -7, high: -3}}\n",
        encoding="utf-8",
    )
    loaded, _ = load_config_only(cfg, {"behaviours.joint_assessment.coefficients.social": 3.5})
    assert loaded.scenario.behaviours["joint_assessment"].coefficients.social == 3.5
    assert main(["calibrate", str(cfg), "--check", "--set", "horizon_weeks=8"]) == 2
    assert "week 15 is outside the horizon" in capsys.readouterr().err
    assert main(["calibrate", str(cfg), "--check", "--set", "seed=4"]) == 0
    capsys.readouterr()
    # A fitted parameter cannot also be set: every draw would overwrite the set value.
    assert main(["calibrate", str(cfg), "--check", "--set", f"{PARAM}=-4"]) == 2
    assert f"c.yaml:4: parameters.{PARAM}: fitted here and also among the values set" in (
        capsys.readouterr().err
    )
