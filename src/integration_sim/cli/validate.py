"""`integration-sim validate`: check scenario files without running them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="scenario YAML files")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from integration_sim.config.load import load_scenario

    bad = 0
    for path in args.files:
        try:
            s = load_scenario(path)
        except InputError as err:
            bad += 1
            print(f"{err}", file=sys.stderr)
            continue
        print(
            f"{path}: ok ({len(s.system.localities)} localities, {len(s.strategies)} strategies, "
            f"{len(s.practitioner_behaviours)} practitioner behaviours)"
        )
    return 2 if bad else 0
