"""The ``integration-sim`` command: a thin layer over the Python API.

Each sub-command lives in its own module in this package, exposing
``register(subparsers)`` which adds its parser and sets ``handler``. A user's
mistake raises :class:`~integration_sim.errors.InputError`, which becomes one
message on stderr and exit status 2; argparse errors also exit 2.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from integration_sim import __version__
from integration_sim.errors import InputError

# Errors of the storage, not of the program: disk full, quota exceeded, read-only.
_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
