"""The fast validation checks (validation/checks.py) run in the suite too."""

from __future__ import annotations

import pytest

from validation.checks import centola, eckles_reversal


@pytest.mark.slow
def test_centola_2010_clustered_lattice_spreads_further_and_faster() -> None:
    check = centola()
    assert check.passed, check.measured


@pytest.mark.slow
def test_random_network_overtakes_the_lattice_with_enough_noise() -> None:
    check = eckles_reversal()
    assert check.passed, check.measured
