"""``integration-sim pinpoint``: collate locators' measurement files, or simulate a plan."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from integration_sim.cli.options import (
    add_out,
    add_set_option,
    default_out,
    load_scenario_with_sets,
    non_negative_int,
)
from integration_sim.errors import InputError
from integration_sim.files import locked_folder, prepare_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``pinpoint collate`` and ``pinpoint simulate``."""
    parser = subparsers.add_parser(
        "pinpoint",
        help="collate Pinpoint measurement files, or simulate a measurement plan",
        description="Work with Pinpoint measurement files (docs/measurement-format.md).",
    )
    sub = parser.add_subparsers(dest="pinpoint_command", metavar="ACTION")
    sub.required = True

    _register_collate(sub)
    _register_simulate(sub)


def _register_collate(sub: argparse._SubParsersAction) -> None:
    """``pinpoint collate FILE...``."""
    collate = sub.add_parser(
        "collate",
        help="merge and validate measurement files; flag duplicates and conflicts",
        description="Merge many locators' measurement files into one validated dataset "
        "(measurements.parquet/.csv), a pooled summary (summary.csv) and a self-contained "
        "HTML report (report.html).",
    )
    collate.add_argument("files", nargs="+", metavar="FILE", help="measurement CSV files")
    add_out(collate, default="results/pinpoint-collate")
    _context_options(collate, scenario_required=False)
    collate.add_argument("--title", default="Pinpoint collated measurements", help="report title")
    collate.set_defaults(handler=_collate)


def _register_simulate(sub: argparse._SubParsersAction) -> None:
    """``pinpoint simulate SCENARIO --plan PLAN``."""
    simulate = sub.add_parser(
        "simulate",
        help="simulate the measurements a planned programme would observe",
        description="Run SCENARIO once and fill in the observed values of every planned "
        "measurement (same file format; notes mark the rows synthetic).",
    )
    simulate.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    simulate.add_argument(
        "--plan",
        required=True,
        action="append",
        metavar="PLAN",
        help="plan CSV (a measurement file with observed values blank); repeatable",
    )
    add_out(
        simulate,
        what="measurement CSV to write",
        metavar="FILE",
        default="results/<scenario name>-simulate.csv",
    )
    simulate.add_argument(
        "--seed", type=non_negative_int, default=None, help="base seed (default: scenario's)"
    )
    simulate.add_argument(
        "--replicate", type=non_negative_int, default=0, help="replicate index (default 0)"
    )
    simulate.add_argument(
        "--overdispersion",
        type=float,
        default=0.0,
        help="beta-binomial intra-class correlation for proportions (default 0)",
    )
    simulate.add_argument(
        "--truth", metavar="FILE", help="also write each measurement's simulated true value"
    )
    simulate.add_argument(
        "--start-date", metavar="DATE", help="date of week 0 (YYYY-MM-DD) if the plan uses dates"
    )
    add_set_option(simulate)
    simulate.set_defaults(handler=_simulate)


def _context_options(parser: argparse.ArgumentParser, scenario_required: bool) -> None:
    parser.add_argument(
        "--scenario",
        required=scenario_required,
        metavar="SCENARIO",
        help="check localities, behaviours and horizon against this scenario "
        "(default: the shipped catalogue; localities and horizon unchecked)",
    )
    parser.add_argument(
        "--start-date", metavar="DATE", help="date of week 0 (YYYY-MM-DD) for rows giving dates"
    )


def _collate(args: argparse.Namespace) -> int:
    from integration_sim.calibration.collate import collate
    from integration_sim.calibration.collate_report import write_report
    from integration_sim.calibration.measurements import context_from_scenario, read_many
    from integration_sim.config.load import load_scenario

    scenario = load_scenario(args.scenario) if args.scenario else None
    context = context_from_scenario(scenario, _date(args.start_date))
    measurements = read_many(args.files, context)
    with locked_folder(args.out or default_out("pinpoint", "collate")) as out:
        collated = collate(measurements)
        collated.write(out)
        write_report(collated, out / "report.html", args.title)
    m = collated.measurements
    print(
        f"collated {len(m)} measurements from {m['locator'].nunique()} locators "
        f"({collated.n_duplicates} duplicates, {collated.n_conflicts} in conflict) into {out}/"
    )
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from integration_sim.calibration.measurements import write_measurements
    from integration_sim.calibration.plan import read_plan, simulate_measurements
    from integration_sim.files import write_table

    if not 0 <= args.overdispersion < 1:
        raise InputError("--overdispersion must be in [0, 1)")
    scenario = load_scenario_with_sets(args.scenario, args)
    plan = read_plan(args.plan, scenario, _date(args.start_date))
    out = args.out or default_out(scenario.name, "simulate", ".csv")
    for path in (out, *([Path(args.truth)] if args.truth else [])):
        _check_file_target(path)
    measured, truth = simulate_measurements(
        scenario, plan, seed=args.seed, replicate=args.replicate, overdispersion=args.overdispersion
    )
    write_measurements(measured, out)
    if args.truth:
        write_table(truth, Path(args.truth).with_suffix(""), csv=True)
    from integration_sim.present.format import count_of

    print(f"simulated {count_of(len(measured), 'measurement')} into {out}")
    return 0


def _check_file_target(path: Path) -> None:
    """An output file's folder must be writable and the path not a folder, before any work."""
    path = Path(path)
    if path.is_dir():
        raise InputError("is a folder: give a file name to write", file=path)
    folder = prepare_folder(path.parent)
    if not os.access(folder, os.W_OK):
        raise InputError("cannot write in this folder", file=folder)


def _date(text: str | None):
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--start-date: {text!r} is not a date (expected YYYY-MM-DD)") from None
