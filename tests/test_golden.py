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
        "records": "86a4df303eb6a2e25e9ce5015150b9a21e718ea738a71fc52d95e7f7a0e82087",
        "summary": "b41fffc930531e5180d2f11e13736cf2fb010ba7f9e0729f2baafa2b64aa0c98",
    },
    "flagship_short": {
        "records": "63b87d28ea7d8f7b7b4c10a2f0fe3890573a328896b820454bf47c674905775f",
        "summary": "5f28688d7951261449e3687fd9326959fa85a3d96935da4abc7d454b760ccd57",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]


# A calibration run's raw tallies (they are not in records or summary).
EXPECTED_TALLIES = "9cb939100c3a301c2c9684db804e55384745271cc8d62700402a0e339e674f07"


def test_tallies_are_bit_identical_to_the_recorded_digest():
    assert tallies_digest() == EXPECTED_TALLIES
