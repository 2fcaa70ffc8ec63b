"""Results do not change unless we mean them to.

The expected digests below are the exact bits of ``records`` and ``summary`` for
two short runs (see ``tests/golden.py``). A change that alters results on purpose
updates them, and its commit message says which numbers changed and why.
Print today's digests with ``python tests/golden.py``.
"""

from __future__ import annotations

import pytest
from golden import digests, tallies_digest

EXPECTED = {
    "example_place": {
        "records": "e4a7e24f99bf011e4f84b70759820781a6af16264fdd9e0c6a84a1806b42a344",
        "summary": "7c4af4859cb750ef5053dcaf78a2dc9b7bbb799bf88d591e9ed39dda3ca69f11",
    },
    "flagship_short": {
        "records": "197c767a856513c1a0203a17831a4896d61cc6d821ddbe5e0a2a3ba82f91732b",
        "summary": "87a37976c6821981aed57645fdcd4545d81a0504a4ed0932a84af1fe77705177",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]


# A calibration run's raw tallies (they are not in records or summary).
EXPECTED_TALLIES = "5061c06784f8b11b3c252196d764d7cf2472176ee8177d20c36267474f03622b"


def test_tallies_are_bit_identical_to_the_recorded_digest():
    assert tallies_digest() == EXPECTED_TALLIES
