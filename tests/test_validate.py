"""`validate` stops every value that would pass the schema and then fail, write outside
the output folder, or silently do nothing: exit 2 with the file, the field and the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from integration_sim.cli import main

EXAMPLE = (ROOT / "scenarios" / "example_place.yaml").read_text()
PILOT = "  colocation_pilot:\n    kind: pilot\n"
CUSTOM = "  business_as_usual:\n    kind: custom\n"

# name: (replace this, with this, field in the message, line of the field in the edited file)
SCENARIO_CASES = {
    "name escapes the folder": (
        "  colocation_pilot:",
        "  ../../escaped/bau:",
        "strategies.../../escaped/bau",
        32,
    ),
    "absolute path as name": (
        "  colocation_pilot:",
        "  /tmp/escaped/bau:",
        "strategies./tmp/escaped/bau",
        32,
    ),
    "end before start": (
        CUSTOM,
        CUSTOM + "    interventions:\n      - {kind: training, start_week: 40, end_week: 20}\n",
        "strategies.business_as_usual.interventions.0.end_week",
        32,
    ),
    "intervention after the horizon": (
        CUSTOM,
        CUSTOM + "    interventions:\n      - {kind: training, start_week: 400}\n",
        "strategies.business_as_usual.interventions.0.start_week",
        32,
    ),
    "pilot larger than the place": (
        "    count: 2\n",
        "    count: 5\n",
        "strategies.colocation_pilot.count",
        35,
    ),
    "missing posterior file": (
        "strategies:\n",
        "parameters:\n  posterior: no_such_posterior.parquet\nstrategies:\n",
        "parameters.posterior",
        29,
    ),
    "dollar in a label": (
        "label: No new programme",
        "label: Costs $5m",
        "strategies.business_as_usual.label",
        31,
    ),
    "unknown locality, with a suggestion": (
        PILOT,
        PILOT + "    localities: [Riversid]\n",
        "strategies.colocation_pilot.localities",
        34,
    ),
}


def _check(path: Path, field: str, line: int, capsys) -> str:
    status = main(["validate", str(path)])
    err = capsys.readouterr().err
    assert status == 2, err
    assert f"{path}:{line}: {field}: " in err, err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_validate_stops_bad_scenario_values(tmp_path: Path, capsys, case: str) -> None:
    old, new, field, line = SCENARIO_CASES[case]
    assert old in EXAMPLE
    path = tmp_path / "scenario.yaml"
    path.write_text(EXAMPLE.replace(old, new, 1))
    _check(path, field, line, capsys)


def test_misspelt_locality_gets_a_suggestion(tmp_path: Path, capsys) -> None:
    old, new, field, line = SCENARIO_CASES["unknown locality, with a suggestion"]
    path = tmp_path / "scenario.yaml"
    path.write_text(EXAMPLE.replace(old, new, 1))
    assert "did you mean 'Riverside'" in _check(path, field, line, capsys)


EXPERIMENT = f"""name: e
method: morris
samples: 4
scenario: {ROOT / "scenarios" / "example_place.yaml"}
parameters:
  - {{path: parameters.behaviour.habit_gain, name: habit_gain, bounds: [0.05, 0.3]}}
outputs:
  - {{metric: integration_final, strategy: colocation_pilot}}
"""

EXPERIMENT_CASES = {
    "infinite bounds": ("bounds: [0.05, 0.3]", "bounds: [-.inf, .inf]", "parameters.0.bounds.0", 6),
    "nan prior mean": (
        "bounds: [0.05, 0.3]}",
        "distribution: normal, mean: .nan, sd: 1}",
        "parameters.0.mean",
        6,
    ),
    "samples too large": ("samples: 4", "samples: 4000000000", "samples", 3),
}


@pytest.mark.parametrize("case", sorted(EXPERIMENT_CASES))
def test_validate_stops_bad_experiment_values(tmp_path: Path, capsys, case: str) -> None:
    old, new, field, line = EXPERIMENT_CASES[case]
    path = tmp_path / "experiment.yaml"
    path.write_text(EXPERIMENT.replace(old, new, 1))
    _check(path, field, line, capsys)


CALIBRATION = f"""scenario: {ROOT / "calibration" / "example" / "scenario.yaml"}
measurements:
  - {ROOT / "calibration" / "example" / "measurements"}/*.csv
parameters:
  behaviours.joint_assessment.coefficients.intercept: {{distribution: uniform, low: -7, high: -3}}
abc:
  population_size: 50
"""

CALIBRATION_CASES = {
    "population too large": (
        "population_size: 50",
        "population_size: 100000000",
        "abc.population_size",
        7,
    ),
    "nan prior": (
        "low: -7, high: -3",
        "low: .nan, high: -3",
        "parameters.behaviours.joint_assessment.coefficients.intercept.low",
        5,
    ),
}


@pytest.mark.parametrize("case", sorted(CALIBRATION_CASES))
def test_validate_stops_bad_calibration_values(tmp_path: Path, capsys, case: str) -> None:
    old, new, field, line = CALIBRATION_CASES[case]
    path = tmp_path / "config.yaml"
    path.write_text(CALIBRATION.replace(old, new, 1))
    _check(path, field, line, capsys)


def test_shipped_files_all_validate(capsys) -> None:
    files = [
        *sorted((ROOT / "scenarios").glob("*.yaml")),
        *sorted((ROOT / "experiments").glob("*.yaml")),
        ROOT / "calibration" / "example" / "config.yaml",
    ]
    assert main(["validate", *map(str, files)]) == 0, capsys.readouterr().err


def test_compare_refuses_one_strategy_before_running(tmp_path: Path, capsys) -> None:
    one = EXAMPLE.split("  colocation_pilot:")[0]
    path = tmp_path / "one.yaml"
    path.write_text(one)
    assert main(["compare", str(path), "-o", str(tmp_path / "out")]) == 2
    assert "at least two strategies" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_run_that_cannot_fit_in_memory_is_refused(small) -> None:
    from integration_sim.engine.footprint import check_memory, run_bytes
    from integration_sim.errors import InputError

    need = run_bytes(small)
    with pytest.raises(InputError, match="needs about"):
        check_memory(small, 2, available=need / 2)
    assert check_memory(small, 8, available=need * 3.5) == 3


def test_messages_in_plain_words_with_suggestions_and_values(tmp_path: Path, capsys) -> None:
    path = tmp_path / "msgs.yaml"
    path.write_text(
        "name: x\nhorizon_week: 10\nsystem:\n  localities: [{name: a, readines: 0.5}]\n"
        "  organisations: [{type: acute_trust}]\nstrategies:\n  s1: {start_week: 3}\n"
        "  s2: {kind: pilott}\nbehaviours: 5\nseed: abc\n"
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    expected = [
        ":2: horizon_week: unknown key 'horizon_week' (did you mean 'horizon_weeks'?",
        ":4: system.localities.0.readines: unknown key 'readines' (did you mean 'readiness'?",
        ":7: strategies.s1: needs `kind:` (one of custom, pilot,",
        ":8: strategies.s2: unknown kind 'pilott' (use one of custom, pilot, system_wide, "
        "staged, targeted); did you mean 'pilot'?",
        ":9: behaviours: expected a mapping of keys to values (key: value lines), got 5",
        ":10: seed: input should be a valid integer, unable to parse string as an integer, "
        "got 'abc'",
    ]
    for text in expected:
        assert text in err, (text, err)
    assert "discriminator" not in err and "valid dictionary" not in err


def test_misspelt_organisation_type_and_behaviour_get_suggestions(tmp_path: Path, capsys) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        EXAMPLE.replace("{type: housing, count: 1}", "{type: housng, count: 1}").replace(
            "strategies:\n", "behaviour_set: [joint_assesment]\nstrategies:\n"
        )
    )
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "system.organisations.4.type: unknown organisation type 'housng'; did you mean 'housing'?"
        in err
    )
    assert (
        "behaviour_set.0: unknown behaviour 'joint_assesment'; did you mean 'joint_assessment'?"
        in err
    )


def test_validate_reads_a_measured_network_as_run_would(tmp_path: Path, capsys) -> None:
    """The place of a measured network is its files': validate counts their practitioners
    (not the organisations' posts) and stops on a mistake in them, at its file and line."""
    (tmp_path / "people.csv").write_text(
        "id,organisation,role,locality\np1,Acute,ward_nurse,A\np2,Acute,consultant,A\n"
        "p3,GP1,gp,B\n",
        encoding="utf-8",
    )
    (tmp_path / "edges.csv").write_text("source,target\np1,p2\np2,p3\n", encoding="utf-8")
    scenario = tmp_path / "measured.yaml"
    scenario.write_text(
        "name: measured\nsystem:\n  localities: [{name: A, population: 3000}, {name: B, "
        "population: 3000}]\n  organisations: [{type: acute_trust, count: 1}]\n"
        "  network: {edges: edges.csv, practitioners: people.csv}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(scenario)]) == 0
    assert ", 3 practitioners," in capsys.readouterr().out
    with (tmp_path / "edges.csv").open("a", encoding="utf-8") as f:
        f.write("p1,p9\n")
    assert main(["validate", str(scenario)]) == 2
    assert "edges.csv:4: target: practitioner 'p9' is not in the practitioner table" in (
        capsys.readouterr().err
    )


def test_case_types_that_can_never_be_integrated_are_warned_about(tmp_path: Path, capsys) -> None:
    """Allowed, but probably not meant: a case needing an organisation type a locality lacks
    draws nobody of it there, so it is never integrated and the index reads zero."""
    text = EXAMPLE.replace("    - {type: adult_social_care, count: 1}\n", "")
    scenario = tmp_path / "no_care.yaml"
    scenario.write_text(text, encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0
    err = capsys.readouterr().err
    assert (
        f"{scenario}: warning: case_types.hospital_discharge: its cases in every locality are "
        "never integrated, as nobody there works for adult_social_care"
    ) in err
    assert err.count("warning:") == 4  # every catalogue case type needs adult social care
    rates = "\n".join(f"  {t}: {{rate: 0}}" for t in ("hospital_discharge", "frailty"))
    scenario.write_text(text + f"case_types:\n{rates}\n", encoding="utf-8")
    assert main(["validate", str(scenario)]) == 0
    assert capsys.readouterr().err.count("warning:") == 2  # a rate of 0 leaves a type out
