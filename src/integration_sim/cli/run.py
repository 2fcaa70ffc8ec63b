"""`integration-sim run`: run one scenario's strategies and write records, summary, manifest, charts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import add_run_options, load_scenario_with_sets, run_with_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a scenario and write records, summary, manifest and charts",
        description="Run a scenario (all its strategies, or one) and write tidy weekly "
        "records, a per-run summary, manifest.json and charts to DIR.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="output folder (default: results/<scenario name>)",
    )
    p.add_argument(
        "--strategy",
        action="append",
        default=None,
        metavar="NAME",
        help="run only this strategy (repeatable; default: every strategy)",
    )
    add_run_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    scenario = load_scenario_with_sets(args.scenario, args)
    out = args.out or Path("results") / scenario.name
    results = run_with_options(scenario, args, out, strategies=args.strategy)
    from integration_sim.present.charts import write_run_charts

    results.write(out, extra=write_run_charts(results, out))
    print_summary(results, out)
    return 0


def print_summary(results, out: Path) -> None:
    """Median of the headline metrics per strategy, then where the files are."""
    from integration_sim.metrics import console

    cols = [m for m in console() if m in results.summary.columns]
    table = results.summary.groupby("strategy", sort=False)[cols].median()
    print(
        f"{results.manifest['scenario']}: {results.manifest['replicates']} replicate(s) per strategy "
        "(medians over replicates)"
    )
    print(table.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"))
    print(f"wrote {out}/", file=sys.stdout)
