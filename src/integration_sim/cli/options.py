"""Shared command-line options and their checks."""

from __future__ import annotations

import argparse
import os


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def add_workers(parser: argparse.ArgumentParser) -> None:
    """``--workers N``: local worker processes (default: number of cores)."""
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help=f"worker processes (default: all cores, here {os.cpu_count()})",
    )
