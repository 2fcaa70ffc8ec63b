"""``integration-sim network``: behavioural network analysis of a generated or measured network."""

from __future__ import annotations

import argparse
from pathlib import Path

from integration_sim.cli.options import non_negative_int, positive_int

SCENARIO_SUFFIXES = (".yaml", ".yml")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``network`` sub-command."""
    p = sub.add_parser(
        "network",
        help="density, brokers, clustering and components of a practitioner network",
        description="Analyse the practitioner network of SOURCE: a scenario (YAML; the generated "
        "network before and after one run of its first strategy) or a measured network (CSV edge "
        "list source,target[,weight,layer] or GraphML, with --practitioners for attributes). "
        "Writes CSV tables and figures to DIR.",
    )
    p.add_argument(
        "source",
        type=Path,
        metavar="SCENARIO|EDGELIST",
        help="scenario YAML, edge-list CSV or GraphML",
    )
    p.add_argument(
        "-o",
        "--out",
        type=Path,
        default=None,
        help="output folder (default: results/<name>-network)",
    )
    p.add_argument(
        "--practitioners",
        type=Path,
        default=None,
        metavar="CSV",
        help="for an edge list: id, organisation, role, locality[, organisation_type]",
    )
    p.add_argument(
        "--strategy", default=None, help="for a scenario: strategy to run (default: the first)"
    )
    p.add_argument(
        "--replicate",
        type=non_negative_int,
        default=0,
        help="for a scenario: replicate whose seed to use",
    )
    p.add_argument(
        "--top", type=positive_int, default=20, help="brokers and components to list (default 20)"
    )
    p.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed for sampled betweenness (default 0)"
    )
    p.add_argument(
        "--max-nodes",
        type=positive_int,
        default=1200,
        help="practitioners to draw at most (default 1200)",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Build or load the network(s), analyse, write tables and figures."""
    from integration_sim.analysis import network as na
    from integration_sim.errors import InputError
    from integration_sim.files import write_table
    from integration_sim.present.charts import save_png
    from integration_sim.present.charts.network import network_before_after, network_measures

    is_scenario = args.source.suffix.lower() in SCENARIO_SUFFIXES
    if is_scenario:
        from integration_sim.config.load import load_scenario
        from integration_sim.runs import simulate

        if args.practitioners is not None:
            raise InputError(
                "only for an edge list (a scenario names its own network)", field="--practitioners"
            )
        scenario = load_scenario(args.source)
        if args.strategy is not None and args.strategy not in scenario.strategies:
            raise InputError(
                f"unknown strategy {args.strategy!r} (scenario has: {', '.join(scenario.strategies)})",
                field="--strategy",
            )
        run = simulate(scenario, args.strategy, args.replicate, network=True)
        before, after = na.snapshot_graphs(run.network)
        graphs = {"before": before, "after": after}
        name = scenario.name
    else:
        graphs = {"measured": na.read_edgelist(args.source, args.practitioners)}
        name = args.source.stem
    out = args.out or Path("results") / f"{name}-network"
    analyses = {k: na.analyse(g, top=args.top, seed=args.seed) for k, g in graphs.items()}
    written = []
    for table, df in na.stack(analyses).items():
        written += write_table(df, out / table, csv=True)
    if is_scenario:
        for table, df in na.compare(analyses["before"], analyses["after"]).items():
            written += write_table(df, out / table)
        pictures = [
            network_before_after(before, after, max_nodes=args.max_nodes, seed=args.seed),
            network_measures(analyses["before"], analyses["after"]),
        ]
    else:
        g = graphs["measured"]
        pictures = [
            network_before_after(
                g, None, max_nodes=args.max_nodes, seed=args.seed, titles=("Measured",)
            ),
            network_measures(analyses["measured"]),
        ]
    for chart in pictures:
        save_png(chart, out / f"{chart.name}.png")
    overview = na.stack(analyses)["overview"].set_index("network").T
    print(overview.to_string())
    print(f"wrote {out}/ (CSV and Parquet tables, {len(pictures)} figures)")
    return 0
