"""The map of a home (`tutor/home_layout.py`) is the one place its names are spelled: a module
that spelled one itself would let the map drift from the home, and a home holds nothing the
map does not name."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import manage, tutor

from tutor import home_layout

PACKAGE = Path(home_layout.__file__).parent
NAMES = {value for key, value in vars(home_layout).items()
         if key.isupper() and isinstance(value, str)}
# Names no other meaning in the code shares: spelled anywhere but the map, they are a home's.
DISTINCT = {name for name in NAMES if "." in name[1:] or "-" in name}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _home_names_spelled(source: str) -> list[str]:
    """Where `source` spells a home's name: a distinct one anywhere (docstrings aside), any
    of them joined onto something called a home (`home / "sandbox"`)."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    spelled = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings and node.value in DISTINCT):
            spelled.append(f"line {node.lineno}: {node.value!r}")
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Constant) and node.right.value in NAMES
                and "home" in ast.unparse(node.left)):
            spelled.append(f"line {node.lineno}: {ast.unparse(node)}")
    return spelled


def test_no_module_but_the_map_spells_a_name_of_the_home():
    spelled = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "home_layout.py":
            continue
        found = _home_names_spelled(path.read_text(encoding="utf-8"))
        if found:
            spelled[str(path.relative_to(PACKAGE))] = found
    assert spelled == {}


def test_the_check_finds_a_name_spelled_outside_the_map():
    # (the check above must be able to fail)
    assert _home_names_spelled('PROGRESS = "progress.json"\n')
    assert _home_names_spelled('def f(home):\n    return home / "sandbox"\n')
    assert _home_names_spelled('def f(self):\n    return self.home / "history"\n')
    assert not _home_names_spelled('def f(folder):\n    return folder / "sandbox"\n')
    assert not _home_names_spelled('"""The journal (journal.jsonl)."""\n')


def test_every_top_level_name_is_declared_and_described():
    for name, description in home_layout.TOP_LEVEL.items():
        assert name in NAMES and description.strip(), name
    subfolder_names = {home_layout.SNAPSHOT_SANDBOX, home_layout.SNAPSHOT_SEEN,
                       home_layout.COURSE_CACHE, home_layout.COURSE_CONTENTS,
                       home_layout.HISTORY_POINTS,
                       home_layout.HISTORY_UNDONE, home_layout.HISTORY_OBJECTS,
                       home_layout.HISTORY_UNDOS, home_layout.HISTORY_RESTORING,
                       home_layout.SHELL_BASHRC, home_layout.SHELL_ZSH}
    assert NAMES == set(home_layout.TOP_LEVEL) | subfolder_names


def test_a_home_after_checks_commands_and_an_undo_holds_only_what_the_map_names(lesson_home):
    home = lesson_home("revert-applied")
    tutor(home, "check")
    manage(home, "migrate", "store", "0001")
    tutor(home, "check")
    assert tutor(home, "undo").returncode == 0
    tutor(home, "notes")
    found = {path.name for path in home.iterdir()}
    assert found <= set(home_layout.TOP_LEVEL), found - set(home_layout.TOP_LEVEL)
    assert {home_layout.SANDBOX, home_layout.PROGRESS, home_layout.HISTORY,
            home_layout.MARKER} <= found
