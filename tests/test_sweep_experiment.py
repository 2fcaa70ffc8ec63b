"""Experiment files: mistakes are reported with file, field and line, and exit status 2."""

from __future__ import annotations

import pytest
from sweep_helpers import REPO, write_experiment

from integration_sim.cli import main
from integration_sim.errors import InputError
from integration_sim.sensitivity.experiment import load_experiment

EXAMPLE = REPO / "scenarios" / "example_place.yaml"

GOOD = """\
name: t
method: sobol
samples: 16
function: integration_sim.sensitivity.analytic:ishigami
parameters:
  - {path: x1, bounds: [-3, 3]}
  - {path: x2, bounds: [-3, 3]}
  - {path: x3, bounds: [-3, 3]}
outputs: [y]
"""


def _cli_error(tmp_path, capsys, text: str) -> str:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["sweep", str(path), "-o", str(tmp_path / "out"), "--workers", "1"]) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("method: sobol", "method: sobol\nsampels: 3", "bad.yaml:3: sampels: unknown key"),
        ("method: sobol", "method: prim", "bad.yaml:2: method:"),
        ("samples: 16", "samples: 20", "bad.yaml:3: samples: sobol samples must be a power of 2"),
        (
            "{path: x2, bounds: [-3, 3]}",
            "{path: x2, bounds: [3, -3]}",
            "bad.yaml:7: parameters.1: ",
        ),
        (
            "{path: x3, bounds: [-3, 3]}",
            "{path: x3, distribution: normal, mean: 0}",
            "needs mean and sd",
        ),
        (
            "function: integration_sim.sensitivity.analytic:ishigami",
            "function: no_such_module:f",
            "bad.yaml:4: function: cannot import module",
        ),
        (
            "outputs: [y]",
            "outputs: [y]\ndiscovery: {output: z, above: 1}",
            "bad.yaml:10: discovery.output: 'z' is not an output (y)",
        ),
        ("name: t", "name: ../t", "bad.yaml:1: name: experiment name '../t' is used in file names"),
        ("outputs: [y]", "outputs: []", "bad.yaml:9: outputs: give at least 1 item, got 0"),
        # Problems across fields are reported at the entry that has them:
        (
            "{path: x3, bounds: [-3, 3]}",
            "{path: x3, name: x1, bounds: [-3, 3]}",
            "bad.yaml:8: parameters.2: name 'x1' is already parameters.0",
        ),
        (
            "outputs: [y]",
            "outputs: [y, x2]",
            "bad.yaml:9: outputs.1: name 'x2' is also parameters.1",
        ),
        (
            "outputs: [y]",
            "outputs: [y]\npriorities: {outputs: [y, w]}",
            "bad.yaml:10: priorities.outputs.1: 'w' is not an output (y)",
        ),
        ("outputs: [y]", "outputs: [y]\nfixed: {x9: 1}", "bad.yaml:10: fixed: fixed applies to"),
        (
            "function: integration_sim.sensitivity.analytic:ishigami",
            "function: integration_sim.sensitivity.analytic",
            "bad.yaml:4: function: function must look like module:function",
        ),
    ],
)
def test_bad_experiment_exits_2_with_location(tmp_path, capsys, old, new, expected):
    assert old in GOOD
    err = _cli_error(tmp_path, capsys, GOOD.replace(old, new))
    assert err.startswith("integration-sim sweep: error: ")
    assert expected in err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "samples: 16",
            "sampels: 16",
            "bad.yaml:3: sampels: unknown key 'sampels' (did you mean 'samples'?",
        ),
        (
            "{path: x2, bounds: [-3, 3]}",
            "{path: x2, bound: [-3, 3]}",
            "bad.yaml:7: parameters.1.bound: unknown key 'bound' (did you mean 'bounds'?",
        ),
        (
            "outputs: [y]",
            "outputs: [y]\nzzz: 1",
            "bad.yaml:10: zzz: unknown key 'zzz' (check the spelling;",
        ),
    ],
)
def test_misspelt_experiment_key_gets_did_you_mean_and_line(tmp_path, capsys, old, new, expected):
    err = _cli_error(tmp_path, capsys, GOOD.replace(old, new))
    assert expected in err
    assert "docs/sensitivity.md" in err and "integration-sim schema" not in err


def test_not_yaml_exits_2(tmp_path, capsys):
    assert "bad.yaml:2: not valid YAML" in _cli_error(tmp_path, capsys, "name: t\n  bad: [\n")


SCENARIO_EXP = f"""\
name: m
method: morris
samples: 2
scenario: {EXAMPLE}
parameters:
  - {{path: behaviours.joint_assessment.coefficients.social, bounds: [1, 3]}}
outputs:
  - {{metric: integration_final, difference: [colocation_pilot, business_as_usual]}}
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "coefficients.social",
            "coefficients.sociall",
            "bad.yaml:6: parameters.0.path: no such key 'sociall'",
        ),
        (
            "bounds: [1, 3]",
            "bounds: [1, 3]}\n  - {path: parameters.behaviour.habit_gain, bounds: [0.1, 1.5]",
            "bad.yaml:7: parameters.1.bounds: bound 1.5 is not allowed",
        ),
        ("colocation_pilot,", "pilot,", "bad.yaml:8: outputs.0: unknown strategy 'pilot'"),
        (
            "metric: integration_final",
            "metric: integration_fnal",
            "unknown metric 'integration_fnal'",
        ),
        (
            f"scenario: {EXAMPLE}",
            "scenario: nowhere.yaml",
            "bad.yaml:4: scenario: scenario file not found",
        ),
        (f"scenario: {EXAMPLE}", "scenario: .", "bad.yaml:4: scenario: "),
        (
            "outputs:",
            "fixed: {behaviours.joint_assessment.coefficients.social: 2}\noutputs:",
            "bad.yaml:7: fixed.behaviours.joint_assessment.coefficients.social: also swept "
            "(parameters.0): fix it or sweep it, not both",
        ),
    ],
)
def test_bad_scenario_references_exit_2(tmp_path, capsys, old, new, expected):
    assert old in SCENARIO_EXP
    err = _cli_error(tmp_path, capsys, SCENARIO_EXP.replace(old, new))
    assert expected in err
    if new == "scenario: .":  # the experiment's own folder: a folder, not a file
        assert "is a folder, not a scenario file" in err


def test_shipped_experiments_are_valid():
    paths = sorted((REPO / "experiments").glob("*.yaml"))
    assert paths
    for path in paths:
        exp, _ = load_experiment(path)
        assert exp.runs_per_replicate() > 0


def test_strings_and_mappings_as_outputs(tmp_path):
    path = write_experiment(tmp_path, outputs=["y", {"metric": "y", "name": "y_again"}])
    exp, _ = load_experiment(path)
    assert exp.output_names == ["y", "y_again"]
    with pytest.raises(InputError, match="reserved"):
        load_experiment(
            write_experiment(tmp_path, name="r", outputs=[{"metric": "y", "name": "seed"}])
        )
