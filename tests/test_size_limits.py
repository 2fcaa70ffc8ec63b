"""A place too big to run is refused before any work, at the line that made it so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from integration_sim.cli import main
from integration_sim.config import size
from integration_sim.config.load import load_scenario
from integration_sim.engine.cases import CaseMix
from integration_sim.engine.place import build_place
from integration_sim.engine.seeds import Streams
from integration_sim.errors import InputError

GOOD = (ROOT / "scenarios" / "example_place.yaml").read_text()


def _line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def _refused(tmp_path: Path, text: str) -> str:
    path = tmp_path / "big.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    return str(err.value)


@pytest.mark.parametrize("name", ["example_place.yaml", "pilot_vs_system_wide.yaml"])
def test_the_estimates_are_what_the_model_builds(name: str) -> None:
    """The checks count what a run would make: practitioners and organisations of the
    place as built, and the cases' mean arrivals per locality at the busiest week."""
    s = load_scenario(ROOT / "scenarios" / name)
    pop, _ = build_place(s, Streams(1))
    sizes = size.staffing(s)
    assert sum(p for _, p in sizes) == pop.size
    assert sum(o for o, _ in sizes) == len(pop.organisations)
    mix = CaseMix(s, pop)
    average = sum(ct.rate for ct in mix.types)  # [L] arrivals in an average week
    d = s.drivers
    peak = (1 + d.seasonal.demand_amplitude) * max(
        1.0, (1 + d.demand_trend) ** (s.horizon_weeks / 52)
    )
    np.testing.assert_allclose(size.peak_weekly_cases(s), average * peak, rtol=1e-12)


def test_a_billion_practitioners_is_refused_at_its_line(tmp_path: Path) -> None:
    text = GOOD.replace("{type: gp_practice, count: 3}", "{type: gp_practice, count: 300000000}")
    message = _refused(tmp_path, text)
    line = _line_of(text, "count: 300000000")
    assert f"big.yaml:{line}: system.organisations.5.count" in message
    assert "practitioners" in message and f"{size.MAX_PRACTITIONERS:,}" in message


def test_too_many_organisations_is_refused(tmp_path: Path) -> None:
    # Small practices, but more of them than a run holds (each is a Mesa agent).
    # The voluntary sector's entry (6) has the most organisations, the system-wide
    # acute trust (0, scaled up) the most practitioners: the organisations' entry is named.
    many = size.MAX_ORGANISATIONS // 4 + 1  # per locality, four localities
    text = GOOD.replace(
        "{type: voluntary_sector, count: 2}", f"{{type: voluntary_sector, count: {many}, staff: 1}}"
    ).replace("{type: acute_trust, count: 1}", "{type: acute_trust, count: 1, staff: 100000}")
    message = _refused(tmp_path, text)
    assert "system.organisations.6.count" in message and "organisations;" in message


def test_a_population_whose_cases_would_take_days_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("population: 60000", "population: 60000000000")
    message = _refused(tmp_path, text)
    line = _line_of(text, "population: 60000000000")
    assert f"big.yaml:{line}: system.localities.0.population" in message
    assert "new cases a week" in message


def test_a_compounding_demand_trend_counts(tmp_path: Path) -> None:
    """Each field is within its own range, but 100 years of demand doubling is not."""
    text = GOOD.replace("horizon_weeks: 156", "horizon_weeks: 5200")
    text += "drivers: {demand_trend: 1.0}\n"
    assert "new cases a week" in _refused(tmp_path, text)
    path = tmp_path / "fine.yaml"
    path.write_text(GOOD + "drivers: {demand_trend: 1.0}\n")  # three years of it: fine
    assert load_scenario(path).drivers.demand_trend == 1.0


def test_replicates_have_a_ceiling_in_the_file_and_on_the_command_line(
    tmp_path: Path, capsys
) -> None:
    top = size.MAX_REPLICATES
    message = _refused(tmp_path, GOOD.replace("replicates: 4", f"replicates: {top + 1}"))
    assert "replicates" in message
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(ROOT / "scenarios" / "example_place.yaml"), "--replicates", "100000000"])
    assert exit_.value.code == 2
    assert f"<= {top:,}" in capsys.readouterr().err
