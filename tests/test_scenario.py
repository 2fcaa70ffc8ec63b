"""Scenario files: validation, line numbers, catalogue merging, overrides, and the CLI's exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, make_scenario
from pydantic import ValidationError

from integration_sim.cli import main
from integration_sim.config.load import load_scenario
from integration_sim.config.overrides import apply_overrides, set_fields
from integration_sim.config.scenario import schema_json
from integration_sim.errors import InputError

EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path: Path) -> None:
    s = load_scenario(path)
    assert s.strategies and s.system.localities


def test_catalogue_entries_merge_with_overrides() -> None:
    s = make_scenario({"behaviours": {"joint_assessment": {"coefficients": {"social": 3.5}}}})
    ja = s.behaviours["joint_assessment"]
    assert ja.coefficients.social == 3.5
    # Untouched fields keep their catalogue values.
    assert (
        ja.coefficients.habit == make_scenario().behaviours["joint_assessment"].coefficients.habit
    )
    assert "information_sharing" in s.behaviours


def test_new_behaviour_can_be_added_as_data() -> None:
    s = make_scenario(
        {
            "behaviours": {
                "discharge_huddle": {
                    "performers": ["acute_trust", "adult_social_care"],
                    "partners": ["adult_social_care"],
                }
            }
        }
    )
    assert "discharge_huddle" in s.practitioner_behaviours


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


GOOD = (ROOT / "scenarios" / "example_place.yaml").read_text()


def test_unknown_key_names_file_field_and_line(tmp_path: Path) -> None:
    text = GOOD.rstrip("\n") + "\nhorizon_weekz: 3\n"
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    line = len(text.splitlines())
    assert f"bad.yaml:{line}: horizon_weekz: unknown key" in str(err.value)


def test_wrong_type_deep_inside_is_located(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("population: 45000", "population: lots"))
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert "system.localities.1.population" in str(err.value)
    assert "bad.yaml:" in str(err.value)


def test_unknown_organisation_type_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("type: housing", "type: hospice"))
    with pytest.raises(InputError, match="unknown organisation type 'hospice'"):
        load_scenario(path)


def test_overrides_by_dotted_path_and_locality_name(small) -> None:
    s = apply_overrides(
        small,
        {
            "behaviours.joint_assessment.coefficients.social": 4.0,
            "system.localities.South.readiness": 0.9,
            "strategies.pilot.funding.budget": 5.0,
        },
    )
    assert s.behaviours["joint_assessment"].coefficients.social == 4.0
    assert s.system.localities[1].readiness == 0.9
    assert s.strategies["pilot"].funding.budget == 5.0
    with pytest.raises(InputError, match="no such key"):
        apply_overrides(small, {"parameters.habit.gain": 0.1})
    with pytest.raises(InputError, match="less than or equal to 1"):
        apply_overrides(small, {"system.localities.South.readiness": 3.0})


def test_set_fields_copies_only_the_paths_and_matches_apply_overrides(small) -> None:
    """Calibration's fast path gives the scenario apply_overrides gives, shares the parts it
    does not change and leaves the original untouched; a value out of its range is refused."""
    values = {
        "behaviours.joint_assessment.coefficients.social": 4.0,
        "system.localities.South.readiness": 0.9,
        "parameters.behaviour.habit_gain": 0.2,
    }
    before = small.model_dump()
    fast = set_fields(small, values)
    assert fast.model_dump() == apply_overrides(small, values).model_dump()
    assert small.model_dump() == before
    assert fast.behaviours["joint_assessment"] is not small.behaviours["joint_assessment"]
    assert fast.strategies is small.strategies  # not on any path: shared, not copied
    assert fast.system.localities[0] is small.system.localities[0]
    with pytest.raises(InputError, match="no such key"):
        set_fields(small, {"parameters.habit.gain": 0.1})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        set_fields(small, {"system.localities.South.readiness": 3.0})
    assert small.model_dump() == before


def test_schema_is_json_schema_with_every_top_level_key() -> None:
    schema = schema_json()
    assert {"system", "strategies", "behaviours", "parameters", "drivers"} <= set(
        schema["properties"]
    )
    assert schema["additionalProperties"] is False
    json.dumps(schema)


def test_cli_bad_scenario_exits_2_without_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("seed: 2024", "seed: -5"))
    proc = subprocess.run(
        [sys.executable, "-m", "integration_sim", "run", str(path), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "seed" in proc.stderr and "bad.yaml" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()  # stopped before any work


def test_cli_validate_and_bad_options(tmp_path: Path, capsys) -> None:
    assert main(["validate", str(ROOT / "scenarios" / "example_place.yaml")]) == 0
    assert main(["validate", str(_write(tmp_path, "name: [unclosed"))]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(ROOT / "scenarios" / "example_place.yaml"), "--workers", "0"])
    assert exit_.value.code == 2
    assert (
        main(
            [
                "run",
                str(ROOT / "scenarios" / "example_place.yaml"),
                "--strategy",
                "nope",
                "-o",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "no strategy 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("need: 1.2}", "need: .inf}", "system.localities.0.need"),
        ("budget: 1500000", "budget: .inf", "strategies.colocation_pilot.funding.budget"),
        ("population: 45000, readiness: 0.5", "population: 45000, readiness: .nan", "readiness"),
    ],
)
def test_nan_and_infinity_are_refused_at_their_field(tmp_path: Path, old, new, field) -> None:
    """Every schema field is finite: an infinite need would otherwise pass its lower bound
    and surface later as infinite cases, far from the line that set it."""
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputError) as err:
        load_scenario(path)
    assert field in str(err.value) and "bad.yaml:" in str(err.value)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "{name: Meadowbank,",
            "{name: Hillcrest,",
            "bad.yaml:19: system.localities.3.name: locality 'Hillcrest' is already localities.1",
        ),
        (
            "seed: 2024\n",
            "seed: 2024\nparameters:\n  implementation:\n    lag_weeks: {training: 2, telepathy: 3}\n",
            "bad.yaml:14: parameters.implementation.lag_weeks.telepathy: unknown primitive",
        ),
        # A strategy named like a kind keeps its name in the location of its problems:
        (
            "  colocation_pilot:\n    kind: pilot\n",
            "  pilot:\n    kind: pilot\n    colour: red\n",
            "bad.yaml:34: strategies.pilot.colour: unknown key 'colour'",
        ),
        # Labels are drawn in chart titles and legends:
        (
            "label: Co-located pilot in the two most ready localities",
            "label: " + "x" * 81,
            "bad.yaml:34: strategies.colocation_pilot.label: at most 80 characters, got 81",
        ),
        # The default output folder is named by the scenario: it must not climb out of results/.
        (
            "name: example_place\n",
            "name: ../../escape\n",
            "bad.yaml:9: name: scenario name '../../escape' is used in file names",
        ),
        # A locality listed twice would be counted twice (a pilot's dose halved):
        (
            "    kind: pilot\n",
            "    kind: pilot\n    localities: [Riverside, Riverside]\n",
            "bad.yaml:34: strategies.colocation_pilot.localities.1: locality 'Riverside' is "
            "already localities.0",
        ),
        (
            "{type: gp_practice, count: 3}",
            "{type: gp_practice, count: 3, localities: [Riverside, Old Town, Riverside]}",
            "bad.yaml:26: system.organisations.5.localities.2: locality 'Riverside' is already",
        ),
        # Checked before the run, where an unknown one stopped it with a traceback:
        (
            "    label: No new programme\n",
            "    label: No new programme\n    interventions:\n      - {kind: learning_transfer, "
            "start_week: 10, end_week: 40, source_localities: [Atlantis]}\n",
            "bad.yaml:33: strategies.business_as_usual.interventions.0.source_localities: "
            "unknown locality 'Atlantis'",
        ),
        # Settings that would make an intervention or a behaviour do nothing, silently:
        *(
            (
                "    label: No new programme\n",
                f"    label: No new programme\n    interventions:\n      - {{{entry}}}\n",
                f"bad.yaml:33: strategies.business_as_usual.interventions.0.{expected}",
            )
            for entry, expected in [
                (
                    "kind: learning_transfer, transfer: 0.5",
                    "source_localities: a learning_transfer",
                ),
                ("kind: learning_transfer, source_localities: [Riverside]", "transfer: a learning"),
                ("kind: champions", "champions: a champions intervention needs at least 1"),
                ("kind: training, champions: 3", "champions: applies to champions interventions"),
                ("kind: training, target: {roles: [nurse]}", "target.roles: unknown role 'nurse'"),
            ]
        ),
        (
            "seed: 2024\n",
            "seed: 2024\nbehaviours:\n  information_sharing: {roles: [social_worker, wizard]}\n",
            "bad.yaml:13: behaviours.information_sharing.roles.1: unknown role 'wizard'",
        ),
    ],
)
def test_problems_across_entries_are_reported_at_the_entry(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    """A problem found by comparing entries (a repeated name, a key outside a list of
    names) points at the entry that has it, not at the section that holds it."""
    assert old in GOOD
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, GOOD.replace(old, new)))
    assert expected in str(err.value)


def test_unknown_primary_outcome_stops_validate_and_run_at_its_line(tmp_path: Path, capsys) -> None:
    """Metric names are the metrics table's, above the schema: the commands check the
    scenario's primary outcome before any work, at its line, as they check every field."""
    text = GOOD.replace("seed: 2024\n", "seed: 2024\ndecision: {primary_outcome: happiness}\n")
    path = _write(tmp_path, text)
    for argv in (["validate", str(path)], ["run", str(path), "-o", str(tmp_path / "out")]):
        assert main(argv) == 2
        assert "bad.yaml:12: decision.primary_outcome: primary outcome 'happiness'" in (
            capsys.readouterr().err
        )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "old, new, field",
    [
        (
            "    kind: pilot\n",
            "    kind: pilot\n    localities: []\n",
            "strategies.colocation_pilot.localities",
        ),
        (
            "    label: No new programme\n",
            "    label: No new programme\n    interventions:\n"
            "      - {kind: training, target: {roles: []}}\n",
            "strategies.business_as_usual.interventions.0.target.roles",
        ),
        (
            "seed: 2024\n",
            "seed: 2024\ncase_types:\n  frailty: {needs: []}\n",
            "case_types.frailty.needs",
        ),
        (
            "{type: gp_practice, count: 3}",
            "{type: gp_practice, count: 3, localities: []}",
            "system.organisations.5.localities",
        ),
        ("seed: 2024\n", "seed: 2024\nbehaviour_set: []\n", "behaviour_set"),
    ],
)
def test_an_empty_list_of_names_is_refused(tmp_path: Path, old: str, new: str, field: str) -> None:
    """A list that picks who or where picks nobody when empty: an intervention reaching no
    one, GP practices in no locality, or a case type needing nobody, which then counted as
    integrated every time (no drawn practitioner to fail it)."""
    assert old in GOOD
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, GOOD.replace(old, new)))
    assert f"{field}: give at least one name (an empty list picks nobody)" in str(err.value)
