"""Reading YAML files with line numbers, and turning validation errors into user messages."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from integration_sim.errors import FieldProblems, InputError, InputErrors

MAX_FILE_BYTES = 20_000_000  # no scenario, experiment or calibration file comes near this
MAX_DEPTH = 100  # nesting levels; real files use fewer than 10
MAX_NODES = 1_000_000  # values after expanding aliases (an alias bomb expands to billions)


class YamlProblem(yaml.MarkedYAMLError):
    """A YAML problem with the dotted key path where it is (``field``), when known."""

    def __init__(self, problem: str, mark: yaml.Mark, field: str | None = None) -> None:
        super().__init__(None, None, problem, mark)
        self.field = field


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys, deep nesting, self-references and alias
    bombs, and reports a value its tag cannot build (``!!int abc``, ``2024-02-30``) at
    its line and key path."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._path: list[str] = []
        self._field_of: dict[int, str] = {}  # node id -> dotted key path

    def compose_node(self, parent, index):  # noqa: D102 - PyYAML hook
        # PyYAML passes the key node (mappings) or the position (sequences) as `index`.
        step = index.value if isinstance(index, yaml.ScalarNode) else index
        pushed = isinstance(step, str | int) and not isinstance(step, bool)
        if pushed:
            self._path.append(str(step))
        try:
            if len(self._path) > MAX_DEPTH:
                raise YamlProblem(
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                    ".".join(self._path[:3]) + "...",
                )
            node = super().compose_node(parent, index)
            self._field_of.setdefault(id(node), ".".join(self._path))
            return node
        finally:
            if pushed:
                self._path.pop()

    def field_of(self, node: yaml.Node) -> str | None:
        """Dotted key path of a composed node (None for the document itself)."""
        return self._field_of.get(id(node)) or None

    def construct_document(self, node):  # noqa: D102 - PyYAML hook
        _check_expanded_size(node, self)
        return super().construct_document(node)

    def construct_object(self, node, deep=False):  # noqa: D102 - PyYAML hook
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:
            raise YamlProblem(
                f"cannot read {node.value!r} as {node.tag.rsplit(':', 1)[-1]}: {exc}",
                node.start_mark,
                self.field_of(node),
            ) from None


def _check_expanded_size(root: yaml.Node, loader: _LineLoader) -> None:
    """Refuse a document whose aliases expand to more than MAX_NODES values, or refer
    to an enclosing value (an endless structure).

    Aliases share nodes, so each node's expanded size is counted once and added up
    as the expansion would repeat it.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        kids = (
            [k for pair in node.value for k in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = total = 1 + sum(sizes[id(k)] for k in kids)
            if total > MAX_NODES:
                raise YamlProblem(
                    f"aliases expand to more than {MAX_NODES:,} values (an alias bomb?)",
                    node.start_mark,
                    loader.field_of(node),
                )
            continue
        if any(id(k) in open_nodes for k in kids):
            raise YamlProblem(
                "an alias refers to a value that contains it",
                node.start_mark,
                loader.field_of(node),
            )
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in sizes)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<: *anchor`: merged keys may be overridden
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=deep)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map each key path in a YAML document to its 1-based line number."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                sub = (*path, str(key_node.value))
                lines[sub] = key_node.start_mark.line + 1
                walk(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                sub = (*path, str(i))
                lines[sub] = item.start_mark.line + 1
                walk(item, sub)

    try:
        root = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError:
        return lines
    if root is not None:
        walk(root, ())
    return lines


def read_yaml(path: str | Path) -> tuple[dict[str, Any], str]:
    """Read a YAML mapping from ``path``; return (data, text). Errors are InputError."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(
                f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB; is it the right file?",
                file=path,
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"cannot read file: {exc}", file=path) from None
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        field = getattr(exc, "field", None)
        raise InputError(
            f"not valid YAML: {exc.problem}", file=path, field=field, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=path) from None
    if not isinstance(data, dict):
        raise InputError("expected a mapping of keys to values at the top level", file=path, line=1)
    return data, text


SCENARIO_KEYS = "`integration-sim schema` lists every key"
"""Where a scenario file's keys are listed (other files name their own page)."""


def validation_errors(
    exc: ValidationError,
    path: str | Path | None,
    lines: dict[tuple[str, ...], int],
    model: type[BaseModel] | None = None,
    keys_listed_in: str = SCENARIO_KEYS,
) -> InputErrors:
    """Turn a pydantic ValidationError into InputErrors naming file, field and line, in
    plain words, echoing the bad value, with "did you mean" for a misspelt key
    (``model``'s field names are the vocabulary) and where the file's keys are listed
    (``keys_listed_in``)."""
    vocabulary = field_names(model) if model is not None else set()
    errors = []
    for err in exc.errors():
        found = err.get("ctx", {}).get("error")
        if isinstance(found, FieldProblems):
            base = tuple(str(p) for p in err["loc"])
            for loc, msg in found.problems:
                full = (*base, *loc)
                errors.append(
                    InputError(
                        msg, file=path, field=".".join(full), line=_nearest_line(full, lines)
                    )
                )
            continue
        loc = _as_written(tuple(str(p) for p in err["loc"]))
        field = ".".join(loc) if loc else None
        msg = plain_message(err, loc[-1] if loc else "", vocabulary, keys_listed_in)
        errors.append(InputError(msg, file=path, field=field, line=_nearest_line(loc, lines)))
    return InputErrors(errors)


def plain_message(
    err: dict[str, Any], key: str, vocabulary: set[str], keys_listed_in: str = SCENARIO_KEYS
) -> str:
    """One pydantic error in an analyst's words, with the value that was given."""
    kind, msg, given = err["type"], err["msg"], err.get("input")
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(key, sorted(vocabulary), n=1, cutoff=0.75)
        hint = f"did you mean {close[0]!r}?" if close else "check the spelling;"
        return f"unknown key {key!r} ({hint} {keys_listed_in})"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_not_found":
        return f"needs `kind:` (one of {', '.join(sorted(_STRATEGY_TAGS))})"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tags = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        close = difflib.get_close_matches(str(ctx.get("tag", "")), tags, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown kind {ctx.get('tag')!r} (use one of {', '.join(tags)}){hint}"
    if kind == "too_short":
        least = err["ctx"]["min_length"]
        return f"give at least {least} {'item' if least == 1 else 'items'}, got {len(given)}"
    if kind == "string_too_long":
        return f"at most {err['ctx']['max_length']} characters, got {len(given):,}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys to values (key: value lines), got {_shown(given)}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list ([a, b] or lines starting with -), got {_shown(given)}"
    msg = msg.removeprefix("Value error, ")
    if kind.endswith(("_type", "_parsing")) or kind.startswith(("greater", "less", "finite")):
        msg = f"{msg[0].lower()}{msg[1:]}, got {_shown(given)}"
    return msg


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def field_names(model: type[BaseModel]) -> set[str]:
    """Every field name of ``model`` and the models inside it (for spelling suggestions)."""
    names: set[str] = set()
    seen: set[type] = set()
    stack: list[Any] = [model]
    while stack:
        t = stack.pop()
        if isinstance(t, type) and issubclass(t, BaseModel):
            if t in seen:
                continue
            seen.add(t)
            for name, info in t.model_fields.items():
                names.add(name)
                stack.append(info.annotation)
        else:
            stack.extend(get_args(t))
    return names


_STRATEGY_TAGS = {"custom", "pilot", "system_wide", "staged", "targeted"}


def _as_written(loc: tuple[str, ...]) -> tuple[str, ...]:
    """A pydantic location as the file writes it: without the validators' steps, and
    without the strategy union's tag, which pydantic puts after the strategy's name (only
    there: a strategy may itself be named like a kind, e.g. ``staged``)."""
    loc = tuple(p for p in loc if not p.startswith("function-"))
    if len(loc) > 2 and loc[0] == "strategies" and loc[2] in _STRATEGY_TAGS:
        loc = loc[:2] + loc[3:]
    return loc


def _nearest_line(loc: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> int | None:
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None
