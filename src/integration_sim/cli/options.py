"""Shared command-line options and their checks."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from integration_sim.config.size import MAX_REPLICATES
from integration_sim.errors import InputError

# Every command's default output: results/<name>-<command>, beside the other commands'.
DEFAULT_OUT = "results/<name>-<command>"


def _whole_number_at_least(minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a number >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"expected a number <= {maximum:,}, got {value:,}")
        return value

    return parse


positive_int = _whole_number_at_least(1)  # argparse type: an integer >= 1
non_negative_int = _whole_number_at_least(0)  # argparse type: an integer >= 0
replicate_count = _whole_number_at_least(1, MAX_REPLICATES)  # runs per strategy


def add_workers(parser: argparse.ArgumentParser) -> None:
    """``--workers N``: local worker processes (default: number of cores)."""
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help=f"worker processes (default: all cores, here {os.cpu_count()})",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """The options every command that runs a scenario shares: seed, replicates, resume, CSV, workers."""
    parser.add_argument(
        "--seed", type=non_negative_int, default=None, help="override the scenario seed"
    )
    parser.add_argument(
        "--replicates",
        type=replicate_count,
        default=None,
        help="runs per strategy (default: the scenario's)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the runs an interrupted job already finished in DIR/.runs and do the rest",
    )
    parser.add_argument(
        "--csv",
        action="store_true",
        help="also write every table as CSV (default: Parquet only, which is far smaller)",
    )
    add_workers(parser)
    add_set_option(parser)


def run_with_options(scenario, args: argparse.Namespace, out, strategies: list[str] | None = None):
    """Call ``runner.run`` with the options added by :func:`add_run_options`,
    checkpointing finished runs in ``out/.runs`` so ``--resume`` can pick them up (the
    folder goes once the results are written)."""
    from pathlib import Path

    from integration_sim.runs import run

    return run(
        scenario,
        strategies=strategies,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
        checkpoint=Path(out) / ".runs",
        resume=args.resume,
    )


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """``--set PATH=VALUE`` (repeatable): change any scenario value by its dotted path."""
    parser.add_argument(
        "--set",
        action="append",
        default=None,
        metavar="PATH=VALUE",
        dest="set_values",
        help="set a scenario value by dotted path, e.g. "
        "--set behaviours.joint_assessment.coefficients.intercept=-5 (repeatable; "
        "same paths as sweeps and calibration)",
    )


def scenario_overrides(args: argparse.Namespace) -> dict:
    """The ``--set`` values as a dotted-path overrides dict (errors name the bad PATH=VALUE)."""
    from integration_sim.config.overrides import parse_assignments

    return parse_assignments(getattr(args, "set_values", None))


def load_scenario_with_sets(path, args: argparse.Namespace):
    """Load a scenario file and apply the ``--set`` values (re-validated as a whole)."""
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.network_target import check_target

    scenario = load_scenario(path, scenario_overrides(args))
    check_target(scenario, path)
    check_primary_outcome(scenario, path)
    return scenario


def warn_about(scenario, path: Path) -> None:
    """Print what the scenario allows but probably does not mean for its outcomes (to
    stderr; ``run``, ``compare`` and ``validate``)."""
    from integration_sim.config.references import advice

    for note in advice(scenario):
        print(f"{path}: warning: {note}", file=sys.stderr)


def check_primary_outcome(scenario, path: Path) -> None:
    """The scenario's ``decision.primary_outcome`` names a metric that can rank strategies,
    reported at its line. Checked here, not by the scenario's schema: metric names are
    defined by the metrics table, above the schema."""
    from integration_sim.analysis.decision import check_primary
    from integration_sim.config.yaml_io import key_lines, read_yaml

    try:
        check_primary(scenario.decision.primary_outcome)
    except InputError as err:
        line = key_lines(read_yaml(path)[1]).get(("decision", "primary_outcome"))
        raise InputError(err.message, file=path, field=err.field, line=line) from None


def add_out(
    parser: argparse.ArgumentParser,
    what: str = "output folder",
    metavar: str = "DIR",
    default: str = DEFAULT_OUT,
    required: bool = False,
) -> None:
    """``-o/--out``: where a command writes (every command that writes has it)."""
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        required=required,
        metavar=metavar,
        help=f"{what} (default: {default})" if not required else what,
    )


def default_out(name: str, command: str, suffix: str = "") -> Path:
    """The default output path of ``command`` run on the input called ``name``."""
    return Path("results") / f"{name}-{command}{suffix}"


_ADDRESS = re.compile(r"([a-z][a-z0-9+.-]*://)?[^\s/:]+(:\d{1,5})?/?")


def scheduler_address(text: str) -> str:
    """argparse type for ``--scheduler``: a Dask address such as tcp://host:8786."""
    if not _ADDRESS.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"expected a scheduler address like tcp://host:8786, got {text!r}"
        )
    return text


def add_scheduler(group) -> None:
    """``--scheduler ADDRESS``: run on a Dask cluster instead of local workers."""
    group.add_argument(
        "--scheduler",
        type=scheduler_address,
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (e.g. tcp://host:8786) to run on a cluster",
    )


def check_scheduler(address: str | None, timeout: float = 10.0) -> None:
    """Refuse an unreachable scheduler before any folder is written or work done."""
    if address is None:
        return
    import socket

    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "8786")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {address}: {exc.strerror or exc}",
            field="--scheduler",
        ) from None
