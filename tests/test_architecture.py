"""The package's import graph: no circles, and nothing imports from a layer above it.

Every import is read from the source with ``ast``, including imports inside
functions and under ``TYPE_CHECKING``, because those are real dependencies of
the design even when they do not run at import time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "integration_sim"

# Lowest layer first. A module may import from its own layer or any layer below.
LAYERS = [
    ("errors", "files", "progress", "workers", "parallel"),
    ("config",),
    ("engine",),
    ("metrics",),
    ("runs", "results", "checkpoints", "warmup"),
    ("analysis",),
    ("present",),
    ("sensitivity", "calibration"),
    ("cli",),
    ("__init__", "__main__"),
]


def module_names() -> dict[str, Path]:
    """Dotted module name (without the package prefix) -> file."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of the package that ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name == "integration_sim" or not name.startswith("integration_sim."):
                continue
            short = name.removeprefix("integration_sim.")
            if short in modules:
                found.add(short)
    return found


def graph() -> dict[str, set[str]]:
    modules = module_names()
    g = {}
    for name, path in modules.items():
        deps = imports_of(path, modules)
        # A package importing its own submodules (its face) is not a dependency cycle.
        g[name] = {d for d in deps if d != name and not d.startswith(name + ".")}
    return g


def layer(module: str) -> int:
    top = module.split(".")[0]
    for i, names in enumerate(LAYERS):
        if top in names:
            return i
    raise AssertionError(f"module {module} is in no layer: add it to LAYERS")


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m) :] + [m]
            if m not in state and (c := visit(m)):
                return c
        state[n] = 2
        stack.pop()
        return None

    for n in sorted(g):
        if n not in state and (c := visit(n)):
            return c
    return None


def test_every_module_has_a_layer():
    for name in module_names():
        layer(name)


def test_no_import_circles():
    cycle = find_cycle(graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_no_import_runs_up_the_layers():
    upward = [
        f"{a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
        for a, deps in graph().items()
        for b in deps
        if layer(b) > layer(a)
    ]
    assert not upward, "\n".join(upward)


def test_only_the_cli_names_command_line_options():
    offenders = []
    for name, path in module_names().items():
        if name.split(".")[0] == "cli":
            continue
        for token in ("--strategy", "--scheduler", "--resume", "--workers", "--seed"):
            if token in path.read_text():
                offenders.append(f"{name}: {token}")
    assert not offenders, offenders


@pytest.mark.parametrize("bad", [{"a": {"b"}, "b": {"a"}}, {"a": {"b"}, "b": {"c"}, "c": {"a"}}])
def test_the_circle_finder_finds_circles(bad):
    assert find_cycle(bad) is not None


# Modules that are one concept may pass the usual size; everything else stays small.
ONE_CONCEPT_MODULES = {
    "metrics": 650,  # the one table of metrics with the code of each entry
    "parallel": 450,  # one map over tasks, three backends
    "config.schema": 450,  # the parts of a scenario, field by field
    "analysis.network": 450,  # network measures over one array view of a graph
    "engine.network": 450,
    "engine.recorder": 450,  # weekly series declared by name, and the calibration tallies  # the tie table, its sparse products and their compiled kernels
}
MODULE_LINES, FUNCTION_LINES = 400, 60


def test_modules_and_functions_stay_readable():
    too_long = []
    for name, path in module_names().items():
        text = path.read_text()
        limit = ONE_CONCEPT_MODULES.get(name, MODULE_LINES)
        if text.count("\n") > limit:
            too_long.append(f"module {name}: {text.count(chr(10))} lines (limit {limit})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {lines} lines")
    assert not too_long, "\n".join(too_long)
