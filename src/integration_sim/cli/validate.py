"""`integration-sim validate`: check scenario, experiment and calibration files without running them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.errors import InputError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="check scenario, experiment and calibration files without running them",
        description="Check each FILE as every command that reads it would, before any work: "
        "a scenario, a sweep experiment (it has `method:`) or a calibration config (it has "
        "`measurements:` or `adoption:`). Problems are listed with file, field and line; "
        "exit status 2 if any file has one. A function model's code is not imported.",
    )
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="YAML files to check")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.files:
        try:
            summary = check_file(path)
        except InputError as err:
            bad += 1
            print(f"{err}", file=sys.stderr)
            continue
        print(f"{path}: ok ({summary})")
    return 2 if bad else 0


def file_kind(data: dict) -> str:
    """Which kind of file a YAML mapping is: scenario, experiment or calibration."""
    if "system" in data:
        return "scenario"
    if "method" in data:
        return "experiment"
    if "measurements" in data or "adoption" in data:
        return "calibration"
    return "scenario"


def check_file(path: Path) -> str:
    """Validate one file as the command that reads it would; return a one-line summary."""
    from integration_sim.config.yaml_io import read_yaml
    from integration_sim.present.format import count_of

    data, _ = read_yaml(path)
    kind = file_kind(data)
    if kind == "experiment":
        from integration_sim.sensitivity.experiment import load_experiment
        from integration_sim.sensitivity.models import bind

        exp, text = load_experiment(path)
        if exp.scenario is not None:
            bind(exp, path, text)
        runs = exp.runs_per_replicate() * exp.replicates
        return f"{exp.method} experiment, {count_of(len(exp.parameters), 'parameter')}, {count_of(runs, 'run')}"
    if kind == "calibration":
        from integration_sim.calibration.config import load_config

        loaded = load_config(path)
        return (
            f"calibration config, {count_of(len(loaded.names), 'parameter')}, "
            f"{count_of(len(loaded.measurement_files), 'measurement file')}, "
            f"{count_of(len(loaded.config.adoption), 'adoption file')}"
        )
    from integration_sim.cli.options import check_primary_outcome, warn_about
    from integration_sim.config.load import load_scenario
    from integration_sim.engine.footprint import bytes_for, check_memory, practitioners
    from integration_sim.engine.network_target import check_target

    s = load_scenario(path)
    check_primary_outcome(s, path)
    warn_about(s, path)
    staff = practitioners(s)  # a measured network's files are read and checked here
    try:
        check_memory(s, 1, staff=staff)
    except InputError as err:  # about the scenario as a whole: name its file
        raise InputError(err.message, file=err.file or path, field=err.field) from None
    check_target(s, path)
    return (
        f"{count_of(len(s.system.localities), 'locality', 'localities')}, "
        f"{count_of(len(s.strategies), 'strategy', 'strategies')}, "
        f"{count_of(len(s.practitioner_behaviours), 'practitioner behaviour')}, "
        f"{count_of(staff, 'practitioner')}, about {bytes_for(staff) / 1e6:,.0f} MB per run"
    )
