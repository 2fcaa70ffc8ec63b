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
        "records": "77df6b9d01d35ce8600412e03264f7f1adabe44079bf545a7c941cc1d41d2731",
        "summary": "9a87616258beb451fd366be2db7820a289ff222e9bada1bea792903cd076c52d",
    },
    "flagship_short": {
        "records": "fc8d20f92bd2b4bd511e8e167d4ad907ca5f2a57db5e0d69a8261258bebbddd8",
        "summary": "49a4113af3d5eeda133cddbac01671cb88758b48c8d29c07144bacd66a43eefe",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]
