"""`integration-sim schema`: print the JSON Schema of scenario files (for editors)."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, for editor autocompletion "
        "(e.g. save as integration-sim.schema.json and point your YAML editor at it).",
    )
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from integration_sim.config.scenario import schema_json

    print(json.dumps(schema_json(), indent=2))
    return 0
