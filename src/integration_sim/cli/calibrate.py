"""``integration-sim calibrate CONFIG``: fit parameters to Pinpoint measurements by ABC-SMC."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import (
    add_out,
    add_scheduler,
    add_set_option,
    add_workers,
    check_scheduler,
    default_out,
    scenario_overrides,
)
from integration_sim.errors import InputError
from integration_sim.files import locked_folder

INSTALL_HINT = "pip install 'integration-sim[calibration]'"


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
    add_out(parser, default="results/<config file name>-calibrate")
    group = parser.add_mutually_exclusive_group()
    add_workers(group)
    add_scheduler(group)
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

    # The inputs are checked first: they do not need pyabc, whose import takes seconds.
    from integration_sim.calibration.inputs import adoption_advice, check_summary, load_config_only

    loaded, measurements = load_config_only(args.config, scenario_overrides(args))
    for advice in adoption_advice(loaded):
        print(f"{args.config}: warning: {advice}", file=sys.stderr)
    if args.check:
        print(f"{args.config}: valid ({check_summary(loaded, measurements)})")
        return 0
    try:
        from integration_sim.calibration.workflow import calibrate
    except ModuleNotFoundError as exc:
        if exc.name != "pyabc":
            raise
        raise InputError(
            f"calibrate needs the optional dependency pyabc, which is not installed: {INSTALL_HINT}"
        ) from None
    check_scheduler(args.scheduler)
    workers = 1 if args.scheduler else (args.workers or os.cpu_count() or 1)
    with locked_folder(args.out or default_out(Path(args.config).stem, "calibrate")) as out:
        result = calibrate(
            args.config,
            out,
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
