"""YAML that would hang or crash the loader stops with exit 2, the file, field and line."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SMALL, merge

from integration_sim.cli import main
from integration_sim.config.load import load_scenario


def _bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghij"[: levels - 1]:
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    return "name: bomb\n" + "\n".join(lines) + "\n"


CASES = {
    # name: (text, line, field)
    "alias bomb": (_bomb(), 8, "g"),
    "deep nesting": ("name: x\nsystem: " + "[" * 3000 + "]" * 3000 + "\n", 2, "system.0.0..."),
    "bad int": ("name: x\nseed: !!int abc\n", 2, "seed"),
    "impossible date": ("name: x\ndescription: 2024-02-30\n", 2, "description"),
    "self reference": ("name: x\nsystem: &s [1, *s]\n", 2, None),
    "nested bad int": (
        "name: x\nsystem:\n  localities:\n    - name: a\n      population: !!int abc\n",
        5,
        "system.localities.0.population",
    ),
}

# The command that reads each kind of YAML file, checking it without running anything.
COMMANDS = {
    "scenario": ["validate"],
    "experiment": ["sweep"],
    "calibration": ["calibrate", "--check"],
}


@pytest.mark.parametrize("kind", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_yaml_is_an_input_error(tmp_path: Path, capsys, kind: str, case: str) -> None:
    text, line, field = CASES[case]
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text)
    command = COMMANDS[kind]
    status = main([command[0], str(path), *command[1:]])
    err = capsys.readouterr().err
    assert status == 2
    assert f"{path}:{line}: " in err
    if field:
        assert f": {field}: " in err
    assert "Traceback" not in err


def test_alias_bomb_answers_within_seconds(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb())
    proc = subprocess.run(
        [sys.executable, "-m", "integration_sim.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,  # today's loader gives no answer in 60 s
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert "alias" in proc.stderr


def test_oversized_file_is_refused_before_parsing(tmp_path: Path, monkeypatch, capsys) -> None:
    from integration_sim.config import yaml_io

    monkeypatch.setattr(yaml_io, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("name: x\n" + "# padding\n" * 200)
    assert main(["validate", str(path)]) == 2
    assert "larger than" in capsys.readouterr().err


def test_anchors_and_aliases_in_ordinary_use_still_work(tmp_path: Path) -> None:
    from integration_sim.config.yaml_io import read_yaml

    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2]}\nother: *b\nmerged: {<<: *b, x: 2}\n")
    data, _ = read_yaml(path)
    assert data["other"] == {"x": 1, "y": [1, 2]}
    assert data["merged"] == {"x": 2, "y": [1, 2]}


def test_a_share_written_as_minus_zero_is_read_as_zero(tmp_path: Path) -> None:
    """YAML reads "-0.0" as -0.0; a share or non-negative value keeps no sign bit (compiled
    passes read a tie weight's sign as "lost")."""
    network = {"team_trust": -0.0, "initial_trust": -0.0, "tie_formation": -0.0}
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(merge(SMALL, {"parameters": {"network": network}})))
    assert "-0.0" in path.read_text()
    net = load_scenario(path).parameters.network
    for name in network:
        value = getattr(net, name)
        assert value == 0.0 and math.copysign(1.0, value) == 1.0, name
