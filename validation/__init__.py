"""Pattern-oriented validation: executable checks of the model against patterns in the evidence.

Run all checks and write the table:  python -m validation
Each check is a function in validation/checks.py returning a Check (pattern,
source, what was measured, tolerance, pass/fail). The fast ones also run in the
test suite (tests/test_validation.py).
"""
