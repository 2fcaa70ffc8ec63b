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
        "records": "4a02bf9b0b93fe65ab7aaed877f2f3bf24137fafd848c16f6b60b67ffd682867",
        "summary": "7c4af4859cb750ef5053dcaf78a2dc9b7bbb799bf88d591e9ed39dda3ca69f11",
    },
    "flagship_short": {
        "records": "2d35966a99d5c8c26e64309e2c601aa0830e0c067a689fa8475ce2cfffd1d3f5",
        "summary": "87a37976c6821981aed57645fdcd4545d81a0504a4ed0932a84af1fe77705177",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]
