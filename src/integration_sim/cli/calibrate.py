"""``integration-sim calibrate CONFIG``: fit parameters to Pinpoint measurements by ABC-SMC."""

from __future__ import annotations

import argparse
import sys

from integration_sim.cli.options import add_set_option, add_workers, scenario_overrides


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` sub-command."""
    parser = subparsers.add_parser(
        "calibrate",
        help="fit parameters to Pinpoint measurements (ABC-SMC)",
        description="Calibrate the parameters named in CONFIG (YAML; see docs/calibration.md) "
        "against its measurement files. Writes posterior.parquet, summary.csv, diagnostics.html "
        "and more to the output folder. Same config and seed give the same posterior, "
        "whatever the number of workers.",
    )
    parser.add_argument("config", metavar="CONFIG", help="calibration config (YAML)")
    parser.add_argument(
        "-o", "--output", metavar="DIR", help="output folder (default: <config>-out beside it)"
    )
    group = parser.add_mutually_exclusive_group()
    add_workers(group)
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (e.g. tcp://host:8786) to run simulations on a cluster",
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the calibration stored in DIR/history.db"
    )
    parser.add_argument("--quiet", action="store_true", help="no per-generation log")
    parser.add_argument(
        "--check",
        action="store_true",
        help="only validate the config, scenario and measurement files",
    )
    add_set_option(parser)
    parser.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    import os

    from integration_sim.calibration.workflow import calibrate, check_summary, load_config_only

    if args.check:
        loaded, measurements = load_config_only(args.config, scenario_overrides(args))
        print(f"{args.config}: valid ({check_summary(loaded, measurements)})")
        return 0
    workers = 1 if args.scheduler else (args.workers or os.cpu_count() or 1)
    result = calibrate(
        args.config,
        args.output,
        workers=workers,
        scheduler=args.scheduler,
        resume=args.resume,
        overrides=scenario_overrides(args),
        verbose=not args.quiet,  # pyabc's line per generation, on stderr
    )
    print(
        result.summary[["parameter", "mean", "median", "q05", "q95", "shrinkage"]].to_string(
            index=False, float_format=lambda x: f"{x:.3g}"
        )
    )
    last = float(result.generations["temperature"].iloc[-1])
    if last > 1.0:
        print(
            f"warning: the last generation ran at temperature {last:.3g} > 1, so intervals are "
            "wider than the exact posterior's; continue with --resume (raise max_generations)",
            file=sys.stderr,
        )
    pred = result.predictive
    if "inside_90" in pred:
        print(
            f"posterior predictive: {int(pred['inside_90'].sum())} of {len(pred)} measurements "
            "inside their 90% interval"
        )
    print(f"wrote {result.out_dir}/ (posterior.parquet, summary.csv, diagnostics.html)")
    return 0
