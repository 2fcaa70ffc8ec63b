"""The ``integration-sim`` command: a thin layer over the Python API.

Each sub-command lives in its own module in this package, exposing
``register(subparsers)`` which adds its parser and sets ``handler``. A user's
mistake raises :class:`~integration_sim.errors.InputError`, which becomes one
message on stderr and exit status 2; argparse errors also exit 2.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import importlib
import os
import sys
import threading
from typing import NoReturn

from integration_sim import __version__
from integration_sim.errors import InputError
from integration_sim.parallel import default_workers
from integration_sim.workers import start_server

# Errors of the storage, not of the program: disk full, quota exceeded, read-only.
_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}

# What each command's local workers import before their first task. Their fork server
# is started as soon as the command line is parsed, so that its imports (about 3 s of
# CPU) run on another core while this process imports the model and reads its inputs.
# Only for commands that nearly always run long enough to use their workers: `run` of a
# small place is done before the server would be ready, and would only pay for it.
WORKER_PRELOAD = {
    "compare": ["integration_sim.warmup", "integration_sim.present.report"],
    "sweep": ["integration_sim.sensitivity.models", "integration_sim.warmup"],
    "calibrate": ["integration_sim.calibration.abc", "integration_sim.warmup"],  # = abc.PRELOAD
}

# Order here is the order in `integration-sim --help`.
COMMAND_MODULES = [
    "run",
    "validate",
    "schema",
    "compare",
    "report",
    "network",
    "sweep",
    "pinpoint",
    "calibrate",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every available sub-command."""
    parser = argparse.ArgumentParser(
        prog="integration-sim",
        description="Simulate how integrated working between health and social care "
        "organisations emerges, spreads and lasts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"integration_sim.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse ``argv`` and run the chosen sub-command; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _start_workers_early(args)
        status = args.handler(args)
    except InputError as err:
        print(f"integration-sim {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        if err.errno not in _STORAGE_ERRORS:
            raise
        where = f"{err.filename}: " if err.filename else ""
        print(f"integration-sim {args.command}: error: {where}{err.strerror}", file=sys.stderr)
        return 2
    return int(status or 0)


def run_command() -> NoReturn:
    """The ``integration-sim`` command: :func:`main`, then exit without the interpreter's teardown.

    Tearing down the modules a command imported (numba, scipy, pyabc, pandas,
    matplotlib) takes about a second of CPU after the work is done and every
    file is closed. The exit handlers still run (logging, temporary folders,
    multiprocessing), and output is flushed; only the freeing of memory the
    operating system reclaims anyway is skipped. With another thread still
    running (none is, normally), or after an uncaught error, the exit is the
    usual one.
    """
    status = main()
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        sys.exit(status)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's, not a public API
    if run_exit_handlers is None:
        sys.exit(status)
    sys.stdout.flush()
    sys.stderr.flush()
    run_exit_handlers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _start_workers_early(args: argparse.Namespace) -> None:
    """Start local workers' fork server now if the command may use more than one worker."""
    preload = WORKER_PRELOAD.get(args.command)
    workers = getattr(args, "workers", None) or default_workers()
    only_checking = getattr(args, "check", False)  # validates inputs, runs nothing
    if preload and workers > 1 and not only_checking and getattr(args, "scheduler", None) is None:
        start_server(preload)


if __name__ == "__main__":  # pragma: no cover
    run_command()
