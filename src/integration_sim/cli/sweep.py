"""``integration-sim sweep``: a sensitivity sweep on local cores or a Dask cluster, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import (
    add_out,
    add_scheduler,
    add_workers,
    check_scheduler,
    default_out,
    positive_int,
)
from integration_sim.files import locked_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` sub-command."""
    p = subparsers.add_parser(
        "sweep",
        help="sensitivity sweep (Sobol, Morris, FAST, LHS) on local cores or a Dask cluster",
        description="Run the experiment's sampling design, store each finished batch of runs, "
        "and write sensitivity indices, convergence, noise share, measurement priorities, "
        "scenario discovery and charts into the output folder. See docs/sensitivity.md.",
    )
    p.add_argument("experiment", type=Path, help="experiment file (YAML, see experiments/)")
    add_out(p, default="results/<experiment name>-sweep")
    where = p.add_mutually_exclusive_group()
    add_workers(where)
    add_scheduler(where)
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish an interrupted sweep in the output folder (only the missing runs)",
    )
    p.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        help="runs per task (default: timed so a task takes about a second)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the sweep and print where everything went."""
    from integration_sim.sensitivity import load_experiment, sweep
    from integration_sim.sensitivity.analysis import TOTAL_INDEX
    from integration_sim.sensitivity.report import top_parameters

    exp, _ = load_experiment(args.experiment)  # the file's mistakes first
    check_scheduler(args.scheduler)
    # A sweep's manifest is its resume state, so it is kept (fresh=False).
    with locked_folder(args.out or default_out(exp.name, "sweep"), fresh=False) as out:
        result = sweep(
            args.experiment,
            out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            batch_size=args.batch_size,
        )
    running = result.execute_seconds
    rate = result.runs_this_call / running if running > 0 else float("nan")
    print(
        f"{result.runs_this_call} of {result.runs_total} runs done in {result.seconds:.1f} s "
        f"(running them {running:.1f} s: {rate:.1f} runs/s, {result.batch_size} per task); "
        f"results in {out}"
    )
    index = TOTAL_INDEX[result.experiment.method]
    for output in result.experiment.output_names:
        top = top_parameters(result.indices, output, index)
        print(f"  {output}: largest {index}: {top or 'none (see the notes in indices.csv)'}")
    if len(result.failures):
        print(
            f"warning: {len(result.failures)} run(s) failed twice and are left out of the indices; "
            f"tracebacks and parameters in {out / 'failures.csv'}",
            file=sys.stderr,
        )
    return 0
