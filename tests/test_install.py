"""The package on every Python it claims: newer mesa releases, and the optional calibration extra."""

from __future__ import annotations

import subprocess
import sys

import mesa
import pytest
from conftest import ROOT

from integration_sim.engine.model import IntegrationModel
from integration_sim.runs import simulate


def test_model_runs_when_mesa_owns_a_scenario_property(small, monkeypatch) -> None:
    """mesa 3.5 added ``Model.scenario`` whose setter writes ``scenario.model = self``;
    our model must not store its validated (frozen, strict) scenario under that name."""

    def set_scenario(model, value) -> None:
        value.model = model  # what mesa 3.5's setter does: fails on a strict pydantic model
        model.__dict__["_mesa_scenario"] = value

    prop = property(lambda model: model.__dict__.get("_mesa_scenario"), set_scenario)
    monkeypatch.setattr(mesa.Model, "scenario", prop, raising=False)
    model = IntegrationModel(small, "pilot", seed=3)
    assert model.spec is small
    result = simulate(small, "pilot", replicate=0)
    assert len(result.records) > 0


def _calibrate_without_pyabc(*args: str) -> subprocess.CompletedProcess:
    # None in sys.modules makes `import pyabc` fail as if it were not installed.
    code = (
        "import sys; sys.modules['pyabc'] = None\n"
        "from integration_sim.cli import main\n"
        f"sys.exit(main(['calibrate', 'calibration/example/config.yaml', *{list(args)!r}]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_calibrate_without_pyabc_says_how_to_install(tmp_path) -> None:
    proc = _calibrate_without_pyabc("-o", str(tmp_path / "out"), "--workers", "1")
    assert proc.returncode == 2, proc.stderr
    assert "integration-sim[calibration]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_calibrate_check_needs_no_pyabc() -> None:
    """Checking the inputs does not import pyabc (seconds of imports), so it is quick and
    works where the calibration extra is not installed."""
    proc = _calibrate_without_pyabc("--check")
    assert proc.returncode == 0, proc.stderr
    assert "valid (2 parameters" in proc.stdout


@pytest.mark.parametrize("extra", ["calibration"])
def test_pyabc_is_an_extra_not_a_core_dependency(extra) -> None:
    from importlib.metadata import requires

    reqs = requires("integration-sim") or []
    core = [r for r in reqs if "extra ==" not in r]
    assert not any(r.lower().startswith("pyabc") for r in core)
    assert any(r.lower().startswith("pyabc") and extra in r for r in reqs)
