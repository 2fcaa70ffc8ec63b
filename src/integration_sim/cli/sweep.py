"""``integration-sim sweep``: a sensitivity sweep on local cores or a Dask cluster, resumable."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import add_workers, positive_int


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
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="output folder (default: results/sweep-<experiment name>)",
    )
    where = p.add_mutually_exclusive_group()
    add_workers(where)
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler address, e.g. tcp://127.0.0.1:8786",
    )
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

    out = args.out
    if out is None:
        exp, _ = load_experiment(args.experiment)
        out = Path("results") / f"sweep-{exp.name}"
    result = sweep(
        args.experiment,
        out,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        batch_size=args.batch_size,
    )
    rate = result.runs_this_call / result.seconds if result.seconds > 0 else float("nan")
    print(
        f"{result.runs_this_call} of {result.runs_total} runs done in {result.seconds:.1f} s "
        f"({rate:.1f} runs/s, {result.batch_size} per task); results in {out}"
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
