"""ARCHITECTURE.md's floors: a module imports only from its floor or below, and no import cycle.

The imports are read with ``ast`` from every module of the package, function-level imports
included (a cycle hidden in a function is still a cycle); the floors come from the table in
ARCHITECTURE.md, the one place they are written.
"""

from __future__ import annotations

import ast
import graphlib
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "refconv"


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The refconv modules ``name`` imports (``from . import x`` names the module ``x``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "refconv"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "refconv":
                base = node.module
            else:
                continue
            found |= {f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names}
    return {m for m in found if m in MODULES and m != name}


def graph() -> dict[str, set[str]]:
    return {name: _imports(name, path) for name, path in MODULES.items()}


def floors() -> dict[str, int]:
    """``module -> floor`` from the table rows of ARCHITECTURE.md (``| 3 | ... | `a`, `b` |``)."""
    table = {}
    for line in (ROOT / "ARCHITECTURE.md").read_text().splitlines():
        row = re.match(r"\|\s*(\d+)\s*\|[^|]*\|(.*)\|\s*$", line)
        if row:
            for module in re.findall(r"`([\w.]+)`", row[2]):
                table[module] = int(row[1])
    return table


def _placed(module: str, floor: dict[str, int]) -> int | None:
    """A module's floor: its own row, else its package's (``refconv.pooling.max`` sits with
    ``refconv.pooling``); the top-level package ``refconv`` places nothing beneath it."""
    while module not in floor:
        module, _, _ = module.rpartition(".")
        if module in ("", "refconv"):
            return None
    return floor[module]


def violations(edges: dict[str, set[str]], floor: dict[str, int]) -> list[str]:
    """Every broken rule: an unplaced module, an import upward, or a cycle."""
    floor = {m: f for m in edges if (f := _placed(m, floor)) is not None}
    found = [f"{m} is on no floor of ARCHITECTURE.md" for m in sorted(edges) if m not in floor]
    found += [
        f"{m} (floor {floor[m]}) imports {d} (floor {floor[d]})"
        for m in sorted(edges)
        for d in sorted(edges[m])
        if m in floor and d in floor and floor[d] > floor[m]
    ]
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as exc:
        found.append("import cycle: " + " -> ".join(exc.args[1]))
    return found


def test_every_module_is_on_a_floor_and_imports_only_downward_without_cycles():
    assert violations(graph(), floors()) == []


def test_the_table_names_only_real_modules():
    assert set(floors()) - set(MODULES) == set()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        # A deliberately upward import: the geometry importing the layer functions.
        ({"refconv.spec": {"refconv.layer"}}, "refconv.spec (floor 1) imports refconv.layer (floor 3)"),
        # A cycle within one floor: the dense method back to the methods package.
        ({"refconv.methods.dense": {"refconv.methods"}}, "import cycle"),
        # A module of a package sits on its package's floor, and is held to it.
        (
            {"refconv.pooling._part": {"refconv.exact"}},
            "refconv.pooling._part (floor 3) imports refconv.exact (floor 4)",
        ),
        # A module the table does not place.
        ({"refconv.new_module": set()}, "refconv.new_module is on no floor"),
    ],
)
def test_the_rules_catch_an_upward_import_a_cycle_and_an_unplaced_module(extra, expected):
    edges = graph()
    for module, deps in extra.items():
        edges[module] = edges.get(module, set()) | deps
    assert any(expected in v for v in violations(edges, floors())), violations(edges, floors())


def test_imports_are_read_by_hand_on_known_modules():
    # By hand from the sources: the dense method's assembler, the layer's naming table, the
    # command line's function-level import of the adapters' check command.
    edges = graph()
    assert "refconv._assemble" in edges["refconv.methods.dense"]
    assert "refconv.matrices" not in edges["refconv.methods.dense"]
    assert "refconv.conventions" in edges["refconv.layer"]
    assert "refconv.adapters.cli" in edges["refconv.cli"]  # imported inside a function
    assert "refconv.cli" not in edges["refconv.adapters.cli"]


# Issue 19's size rule: no module over 600 lines, no function body over 60 (docstring excluded).
MAX_MODULE_LINES = 600
MAX_BODY_LINES = 60


def oversized(sources: dict[str, str]) -> list[str]:
    """Every module over MAX_MODULE_LINES lines and every function body over MAX_BODY_LINES."""
    found = []
    for name, text in sources.items():
        if (n := len(text.splitlines())) > MAX_MODULE_LINES:
            found.append(f"{name}: {n} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = node.body
                if len(body) > 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    body = body[1:]  # the docstring is documentation, not body
                if (n := node.end_lineno - body[0].lineno + 1) > MAX_BODY_LINES:
                    found.append(f"{name}.{node.name}: a body of {n} lines")
    return found


def test_no_module_over_600_lines_and_no_function_body_over_60():
    assert oversized({name: path.read_text() for name, path in MODULES.items()}) == []


def test_the_size_rule_catches_a_long_module_and_a_long_body():
    # By hand: 601 blank-free lines; a function of a docstring plus 61 statements (body 61).
    long_module = "\n".join(f"a{i} = {i}" for i in range(601))
    long_body = 'def f():\n    """Doc."""\n' + "\n".join(f"    b{i} = {i}" for i in range(61))
    just_fits = 'def g():\n    """Doc\n\n    on lines.\n    """\n' + "\n".join(f"    c{i} = {i}" for i in range(60))
    assert oversized({"m": long_module, "f": long_body, "g": just_fits}) == ["m: 601 lines", "f.f: a body of 61 lines"]


def _declares_all(text: str) -> bool:
    """Whether a source assigns ``__all__`` at module level (read with ``ast``, not imported)."""
    for node in ast.parse(text).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id == "__all__":
            return True
    return False


def test_every_module_declares_all_and_each_name_exists():
    assert [name for name, path in MODULES.items() if not _declares_all(path.read_text())] == []
    for name in MODULES:
        if name == "refconv.__main__":  # importing it runs the command line
            continue
        module = importlib.import_module(name)
        assert [n for n in module.__all__ if not hasattr(module, n)] == [], name


def test_the_all_reader_sees_only_a_module_level_assignment():
    assert _declares_all('"""Doc."""\nimport os\n\n__all__ = ["a", *os.__all__]\n')
    assert _declares_all("__all__: list[str] = []\n")
    assert not _declares_all("def f():\n    __all__ = ['x']\n")
    assert not _declares_all("__version__ = '1'\n")
