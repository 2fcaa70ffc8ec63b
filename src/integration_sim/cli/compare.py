"""``integration-sim compare``: every strategy of a scenario, side by side, in one report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import add_run_options, load_scenario_with_sets, run_with_options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = sub.add_parser(
        "compare",
        help="run every strategy with common random numbers and write a comparison report",
        description="Run every strategy in SCENARIO (replicate r of each uses the same seeds), then "
        "write tidy results (records, summary), paired differences between strategies "
        "(differences.csv), charts (charts/*.png) and a self-contained report.html to DIR.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="output folder (default: results/<scenario name>-compare)",
    )
    p.add_argument(
        "--baseline",
        default=None,
        metavar="STRATEGY",
        help="strategy the others are compared with (default: the first in the file)",
    )
    p.add_argument(
        "--no-network",
        action="store_true",
        help="leave out the network before/after figure",
    )
    add_run_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run, write results, then the comparison report; print where everything went."""
    from integration_sim.errors import InputError
    from integration_sim.present.report import write_report

    scenario = load_scenario_with_sets(args.scenario, args)
    if args.baseline is not None and args.baseline not in scenario.strategies:
        raise InputError(
            f"unknown strategy {args.baseline!r} (scenario has: {', '.join(scenario.strategies)})",
            field="--baseline",
        )
    out = args.out or Path("results") / f"{scenario.name}-compare"
    results = run_with_options(scenario, args, out)
    # The report first: Results.write puts manifest.json last, marking the folder complete.
    report = write_report(results, out, baseline=args.baseline, network=not args.no_network)
    written = [report, *sorted((out / "charts").glob("*.png")), *sorted(out.glob("differences.*"))]
    results.write(out, extra=written)
    n = results.summary.groupby("strategy", observed=True).size().min()
    print(
        f"{scenario.name}: {len(scenario.strategies)} strategies x {n} replicates (common random numbers)"
    )
    print(f"wrote {out}/ (records, summary, differences, charts/)", file=sys.stdout)
    print(f"report: {report}")
    return 0
