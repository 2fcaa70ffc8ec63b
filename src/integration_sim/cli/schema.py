"""`integration-sim schema`: print the JSON Schema of scenario files (for editors)."""

from __future__ import annotations

import argparse
import json

from integration_sim.cli.options import add_out
from integration_sim.files import prepare_folder, write_text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, for editor autocompletion "
        "(e.g. save as integration-sim.schema.json and point your YAML editor at it).",
    )
    add_out(p, what="file to write the schema to", metavar="FILE", default="print it")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from integration_sim.config.scenario import schema_json

    text = json.dumps(schema_json(), indent=2)
    if args.out is None:
        print(text)
        return 0
    prepare_folder(args.out.parent)
    write_text(args.out, text + "\n")
    print(f"wrote {args.out}")
    return 0
