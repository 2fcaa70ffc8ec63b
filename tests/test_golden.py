"""Results do not change unless we mean them to.

The expected digests below are the exact bits of ``records`` and ``summary`` for
two short runs (see ``tests/golden.py``). A change that alters results on purpose
updates them, and its commit message says which numbers changed and why.
Print today's digests with ``python tests/golden.py``.
"""

from __future__ import annotations

import pytest
from golden import digests

EXPECTED = {
    "example_place": {
        "records": "362e503a0b1631aaaaf417cd37a3b8880ffabf0d7fbca7ab7c53e49e97d3a91a",
        "summary": "40c716b09c90a3f50acad88a9be7327cdaa280fe0d5e68d67e7604a67990dd2f",
    },
    "flagship_short": {
        "records": "a8d37d6a5a91877792aa066b0fd92b28eeaee2e0c97bef2244f81fe538bd33c4",
        "summary": "2875b980aab5a66681dd386cc79dc04aaeec856f7fe78b33a3042eda2635f5e0",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]
