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
        "records": "bd245563228c7c924e7a89d63821f17df99afca236ed8193387f8a0384f5e3af",
        "summary": "89a0d08d7025fde605974d64a116667d988433d0d4ca55a5546080552ca89279",
    },
    "flagship_short": {
        "records": "480a6ef0f5205c3378fd76ea74208cb55252d904ea3778b1764e2ed383b412ca",
        "summary": "529ef397b39b5760bc6dd513559d8199c08fa70d116c2f1507d930a7da1d92fe",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]
