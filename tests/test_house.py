"""The house stays one a newcomer can read: no module over 400 lines, no class over 250, no
function over 60; the modules import one another without a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import tutor

PACKAGE = Path(tutor.__file__).parent
MODULE_LINES, CLASS_LINES, FUNCTION_LINES = 400, 250, 60
# The service, which every command goes through, may be longer (issue 28: under 300 lines).
CLASS_LINES_OF = {"workspace.py.Workspace": 300}


def _modules() -> dict[str, ast.Module]:
    """Every module of the package, by dotted name."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def _too_long(name: str, tree: ast.Module, source_lines: int) -> list[str]:
    found = [f"{name}: {source_lines} lines"] if source_lines > MODULE_LINES else []
    for node in ast.walk(tree):
        size = getattr(node, "end_lineno", 0) - getattr(node, "lineno", 0) + 1
        if isinstance(node, ast.ClassDef) and size > CLASS_LINES_OF.get(f"{name}.{node.name}",
                                                                          CLASS_LINES):
            found.append(f"{name}.{node.name}: a class of {size} lines")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and size > FUNCTION_LINES:
            found.append(f"{name}.{node.name}: a function of {size} lines")
    return found


def test_no_module_class_or_function_is_too_long_to_read():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        too_long += _too_long(str(path.relative_to(PACKAGE)), ast.parse(text),
                              len(text.splitlines()))
    assert too_long == []


def test_the_length_check_can_fail():
    long_function = "def f():\n" + "    x = 1\n" * FUNCTION_LINES
    assert _too_long("m", ast.parse(long_function), FUNCTION_LINES + 1)
    assert _too_long("m", ast.parse(""), MODULE_LINES + 1)
    assert not _too_long("m", ast.parse("def f():\n    pass\n"), 2)


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The package's modules `name` imports, at its top or inside a function (a type-only
    import under `if TYPE_CHECKING:` runs never, and ties nothing)."""
    package = name if name in known and _is_package(name) else name.rpartition(".")[0]
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                imported.add(candidate if candidate in known else base)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    return {module for module in imported if module in known and module != name}


def _is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each circle of imports, found once (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, tree, known) for name, tree in modules.items()}


def test_no_import_circle():
    assert _circles(_import_graph()) == []


def test_the_circle_check_can_fail():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []
