"""One command-line grammar: -o/--out wherever a command writes, a description in every
--help, and the README's command table naming every option."""

from __future__ import annotations

import argparse
import re

import pytest
from conftest import ROOT

from integration_sim.cli import build_parser


def commands() -> dict[str, argparse.ArgumentParser]:
    """Every leaf command ("run", "pinpoint collate", ...) and its parser."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            found[prefix.strip()] = parser
        for sub in subs:
            for name, child in sub.choices.items():
                walk(child, f"{prefix} {name}")

    walk(build_parser(), "")
    return found


WRITES_NOTHING = {"validate"}


@pytest.mark.parametrize("name", sorted(commands()))
def test_every_command_has_out_and_a_description(name: str) -> None:
    parser = commands()[name]
    assert parser.description, f"{name}: no description in --help"
    options = parser._option_string_actions
    if name not in WRITES_NOTHING:
        assert "-o" in options and "--out" in options, name
        assert options["-o"] is options["--out"]
    assert "--output" not in options
    for action in parser._actions:
        assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


def _readme_rows() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `integration-sim ([a-z ]+?)(?: [A-Z\[`]|`)", line)
        if m:
            rows[m.group(1)] = line
    return rows


def test_readme_command_table_is_complete() -> None:
    rows = _readme_rows()
    assert set(rows) == set(commands())
    for name, parser in commands().items():
        for action in parser._actions:
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and long[0] not in ("--help",):
                assert long[0] in rows[name], f"README row for {name} lacks {long[0]}"


def test_one_default_output_pattern() -> None:
    for name, parser in commands().items():
        if name in WRITES_NOTHING:
            continue
        help_text = parser._option_string_actions["--out"].help
        if name == "report":  # redraws a results folder: by default in that folder
            assert "DIR itself" in help_text
            continue
        assert "results/" in help_text or "print" in help_text, (name, help_text)
        if "results/" in help_text:
            assert re.search(r"results/<[^>]+>-[a-z]+|results/pinpoint-collate", help_text), (
                help_text
            )
