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
        "records": "e69a5c425ea7233b7749512cdbe569e3aa821270ad17ab199569d1a27d908f34",
        "summary": "ebaa080b1d6bf8e97bfbf8cdc08a5465526259b4613010eb81d7c4ef6c96262f",
    },
    "flagship_short": {
        "records": "3c5de70a4022fd41f4ba168541bb04a4cd39fc1f11fcb978b490d0d987c92d13",
        "summary": "56b43ae6113cdd3787488935a3336a343ff246e62db0541e9aecddab043f7013",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_results_are_bit_identical_to_the_recorded_digests(case):
    assert digests(case) == EXPECTED[case]
