"""Run every validation check; write validation/results.csv and the table in docs/validation.md.

python -m validation [--replicates N] [--workers W]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from integration_sim.files import write_text
from validation.checks import fast_checks, flagship_checks
from validation.common import ROOT

DOC = ROOT / "docs" / "validation.md"
BEGIN, END = "<!-- checks:begin -->", "<!-- checks:end -->"


def table(checks) -> str:
    head = (
        "| check | pattern | source | measured | tolerance | result |\n|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {c.name} | {c.pattern} | {c.source} | {c.measured} | {c.tolerance} | "
        f"{'pass' if c.passed else 'FAIL'} |\n"
        for c in checks
    )
    return head + rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicates", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    started = time.time()
    checks = fast_checks() + flagship_checks(args.replicates, args.workers)
    pd.DataFrame([c.__dict__ for c in checks]).to_csv(
        ROOT / "validation" / "results.csv", index=False
    )
    text = DOC.read_text() if DOC.exists() else f"# Validation\n\n{BEGIN}\n{END}\n"
    note = (
        f"Written by `python -m validation --replicates {args.replicates}` "
        f"({time.time() - started:.0f} s on this machine).\n\n"
    )
    before, _, rest = text.partition(BEGIN)
    _, _, after = rest.partition(END)
    write_text(DOC, f"{before}{BEGIN}\n{note}{table(checks)}{END}{after}")
    for c in checks:
        print(f"{'pass' if c.passed else 'FAIL'}  {c.name}: {c.measured}")


if __name__ == "__main__":
    main()
