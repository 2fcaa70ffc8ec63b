"""`integration-sim run`: run one scenario's strategies and write records, summary, manifest, charts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import (
    add_out,
    add_run_options,
    default_out,
    load_scenario_with_sets,
    run_with_options,
    warn_about,
)
from integration_sim.files import locked_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a scenario and write records, summary, manifest and charts",
        description="Run a scenario (all its strategies, or one) and write tidy weekly "
        "records, a per-run summary (Parquet; CSV too with --csv), manifest.json and charts "
        "to DIR.",
    )
    p.add_argument("scenario", type=Path, help="scenario YAML file")
    add_out(p, default="results/<scenario name>-run")
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
    from integration_sim.present.charts import write_run_charts

    scenario = load_scenario_with_sets(args.scenario, args)
    warn_about(scenario, args.scenario)
    with locked_folder(args.out or default_out(scenario.name, "run")) as out:
        results = run_with_options(scenario, args, out, strategies=args.strategy)
        results.write(out, extra=write_run_charts(results, out), csv=args.csv)
    print_summary(results, out)
    return 0


def _number(v: float) -> str:
    return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"


def print_summary(results, out: Path) -> None:
    """Medians of the console metrics per strategy (levels, then paired effects), and the folder."""
    from integration_sim.analysis.comparison import paired_effects
    from integration_sim.metrics import console

    summary = results.summary
    levels = [m for m in console() if m in summary.columns]
    print(
        f"{results.manifest['scenario']}: {results.manifest['replicates']} replicate(s) per strategy "
        "(medians over replicates)"
    )
    print(summary.groupby("strategy", sort=False)[levels].median().to_string(float_format=_number))
    strategies = list(dict.fromkeys(summary["strategy"].astype(str)))
    if len(strategies) > 1:
        base = results.scenario.decision.baseline or strategies[0]
        effects = paired_effects(results.records, summary, base, results.scenario.horizon_weeks)
        wanted = [m for m in console() if m not in summary.columns]
        table = (
            effects[effects["metric"].isin(wanted)]
            .pivot_table(index="strategy", columns="metric", values="difference", aggfunc="median")
            .reindex(index=[s for s in strategies if s != base], columns=wanted)
        )
        print(f"paired effects against {base} (same seeds; medians over replicates)")
        print(table.to_string(float_format=_number))
    print(f"wrote {out}/", file=sys.stdout)
