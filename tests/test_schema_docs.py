"""The schema editors use: every field described, the template's comments generated from
those descriptions, and the JSON Schema accepting exactly what `validate` accepts."""

from __future__ import annotations

import typing
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import ROOT
from pydantic import BaseModel

from integration_sim.cli import main
from integration_sim.config.scenario import Scenario, schema_json
from integration_sim.config.template import annotate

TEMPLATE = ROOT / "scenarios" / "template.yaml"


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    found, stack = set(), [model]
    while stack:
        t = stack.pop()
        if isinstance(t, type) and issubclass(t, BaseModel):
            if t not in found:
                found.add(t)
                stack.extend(info.annotation for info in t.model_fields.values())
        else:
            stack.extend(typing.get_args(t))
    return found


def test_every_schema_field_is_described() -> None:
    missing = [
        f"{m.__name__}.{name}"
        for m in _models(Scenario)
        for name, info in m.model_fields.items()
        if not info.description
    ]
    assert not missing, f"fields without a description: {', '.join(sorted(missing))}"


def test_template_comments_are_the_schema_descriptions() -> None:
    text = TEMPLATE.read_text()
    assert annotate(text) == text, (
        "scenarios/template.yaml is out of date: run "
        "python -m integration_sim.config.template scenarios/template.yaml"
    )
    assert "# weeks between records" in text  # the generated comments are really there


def test_template_annotation_follows_a_changed_description(monkeypatch) -> None:
    info = Scenario.model_fields["replicates"]
    monkeypatch.setattr(info, "description", "a new description")
    assert "replicates: 10                      # a new description" in annotate(
        TEMPLATE.read_text()
    )


def _validate_ok(path: Path) -> bool:
    return main(["validate", str(path)]) == 0


ACCEPTED = {
    "partial behaviour override": "behaviours:\n  joint_assessment: {encounter_rate: 0.7}\n",
    "partial case type override": "case_types:\n  hospital_discharge: {rate: 0.3}\n",
}
REJECTED = {
    "unknown key": "horizon_weekz: 3\n",
    "new behaviour without performers": "behaviours:\n  brand_new: {partners: [housing]}\n",
    "wrong type": "replicates: many\n",
    "unknown strategy kind": "",
}
BASE = (ROOT / "scenarios" / "example_place.yaml").read_text()


@pytest.mark.parametrize("case", sorted(ACCEPTED) + sorted(REJECTED))
def test_json_schema_and_validate_agree(tmp_path: Path, capsys, case: str) -> None:
    text = BASE + (ACCEPTED | REJECTED)[case]
    if case == "unknown strategy kind":
        text = BASE.replace("kind: pilot\n", "kind: pilott\n")
        assert text != BASE
    path = tmp_path / "s.yaml"
    path.write_text(text)
    by_validate = _validate_ok(path)
    capsys.readouterr()
    errors = list(jsonschema.Draft202012Validator(schema_json()).iter_errors(yaml.safe_load(text)))
    assert by_validate == (case in ACCEPTED)
    assert (not errors) == by_validate, [e.message for e in errors]


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_pass_the_json_schema(path: Path) -> None:
    jsonschema.Draft202012Validator(schema_json()).validate(yaml.safe_load(path.read_text()))
