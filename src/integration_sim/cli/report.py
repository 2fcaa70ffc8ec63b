"""``integration-sim report DIR``: redraw the comparison report from saved results, without re-running."""

from __future__ import annotations

import argparse
from pathlib import Path

from integration_sim.cli.compare import add_decision_options, check_decision_options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` sub-command."""
    p = sub.add_parser(
        "report",
        help="redraw report.html from a results folder, e.g. with another baseline",
        description="Read the results `compare` (or `run`) wrote to DIR and write report.html, "
        "charts, paired differences and effects again, against another baseline or ranked on "
        "another primary outcome, without re-running the model.",
    )
    p.add_argument(
        "folder", type=Path, metavar="DIR", help="results folder written by compare or run"
    )
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="where to write the report (default: DIR itself)",
    )
    add_decision_options(p)
    p.add_argument("--no-network", action="store_true", help="leave out the network figure")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Read the folder, check the options, redraw, print the decision summary."""
    from integration_sim.cli.compare import write_and_print
    from integration_sim.runs import read_results

    results = read_results(args.folder)
    check_decision_options(args, list(dict.fromkeys(results.summary["strategy"].astype(str))))
    write_and_print(results, args.out or args.folder, args)
    return 0
