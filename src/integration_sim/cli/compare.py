"""``integration-sim compare``: every strategy of a scenario, side by side, in one report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import (
    add_out,
    add_run_options,
    default_out,
    load_scenario_with_sets,
    run_with_options,
    warn_about,
)
from integration_sim.files import locked_folder


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` sub-command."""
    p = sub.add_parser(
        "compare",
        help="run every strategy with common random numbers and write a comparison report",
        description="Run every strategy in SCENARIO (replicate r of each uses the same seeds), then "
        "write tidy results (records, summary), paired differences between strategies "
        "(differences; Parquet, CSV too with --csv), charts (charts/*.png) and a self-contained report.html to DIR.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    add_out(p, default="results/<scenario name>-compare")
    add_decision_options(p)
    p.add_argument(
        "--no-network",
        action="store_true",
        help="leave out the network before/after figure",
    )
    add_run_options(p)
    p.set_defaults(handler=handle)


def add_decision_options(p: argparse.ArgumentParser) -> None:
    """``--baseline`` and ``--primary``, shared by ``compare`` and ``report``."""
    p.add_argument(
        "--baseline",
        default=None,
        metavar="STRATEGY",
        help="strategy every effect is measured against (default: the scenario's "
        "decision.baseline, else the first strategy in the file)",
    )
    p.add_argument(
        "--primary",
        default=None,
        metavar="METRIC",
        help="outcome the strategies are ranked on (default: the scenario's "
        "decision.primary_outcome, integration gain over the baseline at the horizon)",
    )


def check_decision_options(args: argparse.Namespace, strategies: list[str]) -> None:
    """Stop before any work on an unknown baseline strategy or primary outcome."""
    from integration_sim.analysis.decision import check_primary
    from integration_sim.errors import InputError

    if args.baseline is not None and args.baseline not in strategies:
        raise InputError(
            f"unknown strategy {args.baseline!r} (known: {', '.join(strategies)})",
            field="--baseline",
        )
    if args.primary is not None:
        try:
            check_primary(args.primary)
        except InputError as err:
            raise InputError(err.message, field="--primary") from None


def write_and_print(results, out: Path, args: argparse.Namespace) -> Path:
    """Write the report; print the decision summary and where the files are."""
    from integration_sim.present.decision import decision_text
    from integration_sim.present.report import analyse, write_report

    found = analyse(results, args.baseline, args.primary)
    csv = getattr(args, "csv", False)
    workers = getattr(args, "workers", None)  # `report` has no --workers: all cores
    report = write_report(
        results, out, found=found, network=not args.no_network, csv=csv, workers=workers
    )
    labels = {n: s.label or n for n, s in results.scenario.strategies.items()}
    if found.decision is not None:
        print(decision_text(found.decision, labels))
    print(f"wrote {out}/ (records, summary, effects, differences, charts/)", file=sys.stdout)
    print(f"report: {report}")
    return report


def handle(args: argparse.Namespace) -> int:
    """Run, write results, then the comparison report; print the decision summary."""
    from integration_sim.errors import InputError

    scenario = load_scenario_with_sets(args.scenario, args)
    warn_about(scenario, args.scenario)
    check_decision_options(args, list(scenario.strategies))
    if len(scenario.strategies) < 2:
        raise InputError(
            "compare needs at least two strategies and this scenario has one "
            "(use `integration-sim run` for a single strategy)",
            file=args.scenario,
            field="strategies",
        )
    with locked_folder(args.out or default_out(scenario.name, "compare")) as out:
        results = run_with_options(scenario, args, out)
        n = results.summary.groupby("strategy", observed=True).size().min()
        print(
            f"{scenario.name}: {len(scenario.strategies)} strategies x {n} replicates "
            "(common random numbers)"
        )
        # The report first: Results.write puts manifest.json last, marking the folder complete.
        report = write_and_print(results, out, args)
        written = [report, *sorted((out / "charts").glob("*.png"))]
        written += [*sorted(out.glob("differences.*")), *sorted(out.glob("effects.*"))]
        results.write(out, extra=written, csv=args.csv)
    return 0
