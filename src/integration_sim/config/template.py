"""`scenarios/template.yaml`'s comments come from the schema's field descriptions.

The descriptions in the schema (``Field(description=...)``) are the one source:
``integration-sim schema`` shows them to editors, and :func:`annotate` writes
them as the trailing comment of each key in the template, so the two cannot
drift apart (a test regenerates the template and compares). Keys the user
names (a behaviour, a strategy) and flow-style lines keep their own comments.

Regenerate after changing a description::

    python -m integration_sim.config.template scenarios/template.yaml
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from integration_sim.config.scenario import Scenario
from integration_sim.config.yaml_io import key_lines

COMMENT_COLUMN = 36
_KEY_LINE = re.compile(r"^(\s*(?:- )?)([A-Za-z_]\w*):(.*)$")


def describe(path: tuple[str, ...], data: Any, model: type[BaseModel] = Scenario) -> str | None:
    """Description of the schema field at ``path`` in ``data`` (None for user-named keys)."""
    kind: Any = model
    value, description = data, None
    for step in path:
        kind = _choose(kind, value)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            info = kind.model_fields.get(step)
            if info is None:
                return None
            kind, description = info.annotation, info.description
        elif typing.get_origin(kind) is dict:
            kind, description = typing.get_args(kind)[1], None
        elif typing.get_origin(kind) is list:
            kind, description = typing.get_args(kind)[0], None
            step = int(step)
        else:
            return None
        value = value[step] if isinstance(value, dict | list) else None
    return description


def _choose(kind: Any, value: Any) -> Any:
    """The member of a union (or Annotated type) that ``value`` is an instance of."""
    while typing.get_origin(kind) is typing.Annotated:
        kind = typing.get_args(kind)[0]
    members = typing.get_args(kind) if typing.get_origin(kind) in (typing.Union, _UnionType) else ()
    if not members:
        return kind
    for m in members:
        m = _choose(m, value)
        if isinstance(m, type) and issubclass(m, BaseModel) and isinstance(value, dict):
            tag = m.model_fields.get("kind")
            if tag is None or value.get("kind") in typing.get_args(tag.annotation):
                return m
        elif (
            typing.get_origin(m) is dict
            and isinstance(value, dict)
            or typing.get_origin(m) is list
            and isinstance(value, list)
        ):
            return m
    return members[0]


_UnionType = type(int | str)


def annotate(text: str) -> str:
    """``text`` (a scenario YAML) with each described key's trailing comment set to its
    schema description."""
    data = yaml.safe_load(text)
    by_line: dict[int, tuple[str, ...]] = {}
    for path, line in key_lines(text).items():
        if path and not path[-1].isdigit():
            by_line.setdefault(line, path)
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        match = _KEY_LINE.match(line)
        path = by_line.get(number)
        description = describe(path, data) if match and path else None
        if description is None:
            out.append(line)
            continue
        body = line.split(" #", 1)[0].rstrip() if " #" in line else line.rstrip()
        pad = max(COMMENT_COLUMN - len(body), 2)
        out.append(f"{body}{' ' * pad}# {description}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Rewrite each file named on the command line with annotated comments."""
    for name in argv if argv is not None else sys.argv[1:]:
        path = Path(name)
        path.write_text(annotate(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
