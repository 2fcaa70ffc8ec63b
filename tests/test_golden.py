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
        "records": "c992d0fb0388b398b9dfa1a41b7071405a8e0a48acc8ce2a9887cbf0dda70bb2",
        "summary": "70ed4aaa1c886e0571ba9bf45894c828398342d6311aee0af4ead5e5ae167342",
    },
    "flagship_short": {
        "records": "a617b3ffc487aaf1c4f67b690248ce73894083728cb0b2b7896d1c462e94a2a5",
        "summary": "13414e00d14ebb375a575a57b844a9d846821347d6462b9d3af33bca866ebb5a",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]
