"""``integration-sim network``: behavioural network analysis of a generated or measured network."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from integration_sim.cli.options import (
    add_out,
    add_set_option,
    default_out,
    load_scenario_with_sets,
    non_negative_int,
    positive_int,
)
from integration_sim.errors import InputError
from integration_sim.files import locked_folder

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
    add_out(p, default="results/<scenario name or edge-list file name>-network")
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
    add_set_option(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the inputs and the output folder, then build or load, analyse and write."""
    from integration_sim.analysis import network as na

    is_scenario = args.source.suffix.lower() in SCENARIO_SUFFIXES
    scenario = _scenario(args) if is_scenario else None
    name = scenario.name if scenario is not None else args.source.stem
    if scenario is not None and scenario.parameters.network.target is not None:
        _print_fit(scenario)
    with locked_folder(args.out or default_out(name, "network")) as out:
        graphs = _graphs(args, scenario)
        analyses = {k: na.analyse(g, top=args.top, seed=args.seed) for k, g in graphs.items()}
        n_pictures = _write(args, out, graphs, analyses)
    overview = na.stack(analyses)["overview"].set_index("network").T
    print(overview.to_string())
    print(f"wrote {out}/ (CSV and Parquet tables, {n_pictures} figures)")
    return 0


def _scenario(args: argparse.Namespace):
    if args.practitioners is not None:
        raise InputError(
            "only for an edge list (a scenario names its own network)", field="--practitioners"
        )
    scenario = load_scenario_with_sets(args.source, args)
    if args.strategy is not None and args.strategy not in scenario.strategies:
        raise InputError(
            f"unknown strategy {args.strategy!r} (scenario has: {', '.join(scenario.strategies)})",
            field="--strategy",
        )
    return scenario


def _print_fit(scenario) -> None:
    """The generator parameters fitted to the scenario's network target, and what they give."""
    from integration_sim.engine.network_target import fit_network

    fit = fit_network(scenario)  # cached: loading the scenario ran it and refused a miss
    p = fit.parameters
    print(
        f"generator fitted to the target: team_size {p.team_size}, within_organisation_ties "
        f"{p.within_organisation_ties:.3f}, cross_boundary_ties {p.cross_boundary_ties:.3f}, "
        f"triangle_closure {p.triangle_closure:.3f}"
    )
    for label, mean, sd in zip(
        ("mean degree", "average clustering", "cross-boundary share"),
        fit.expected,
        fit.spread,
        strict=True,
    ):
        print(
            f"  {label}: {mean:.3f} expected, {sd:.3f} sd between networks ({fit.networks} networks)"
        )


def _graphs(args: argparse.Namespace, scenario) -> dict:
    from integration_sim.analysis import network as na

    if scenario is None:
        if args.practitioners is None and args.source.suffix.lower() not in (".graphml", ".xml"):
            print(
                "warning: without --practitioners nobody's organisation is known, so the "
                "cross-boundary measures (ties across organisation types, brokers between "
                "them) cannot be computed and show as 0",
                file=sys.stderr,
            )
        return {"measured": na.read_edgelist(args.source, args.practitioners)}
    from integration_sim.runs import simulate

    run = simulate(scenario, args.strategy, args.replicate, network=True)
    before, after = na.snapshot_graphs(run.network)
    return {"before": before, "after": after}


def _write(args: argparse.Namespace, out: Path, graphs: dict, analyses: dict) -> int:
    from integration_sim.analysis import network as na
    from integration_sim.files import write_table
    from integration_sim.present.charts import save_png
    from integration_sim.present.charts.network import network_before_after, network_measures

    for table, df in na.stack(analyses).items():
        write_table(df, out / table, csv=True)
    if "measured" not in graphs:
        for table, df in na.compare(analyses["before"], analyses["after"]).items():
            write_table(df, out / table)
        pictures = [
            network_before_after(
                graphs["before"], graphs["after"], max_nodes=args.max_nodes, seed=args.seed
            ),
            network_measures(analyses["before"], analyses["after"]),
        ]
    else:
        pictures = [
            network_before_after(
                graphs["measured"],
                None,
                max_nodes=args.max_nodes,
                seed=args.seed,
                titles=("Measured",),
            ),
            network_measures(analyses["measured"]),
        ]
    for chart in pictures:
        save_png(chart, out / f"{chart.name}.png")
    return len(pictures)
