"""`tutor graph`: the migration graph as `git log --graph` draws commits. The layout is plain
logic, tested in memory; the graph of the lessons about merges, squashes, other apps, branches
and several databases is held against what Django says: `showmigrations --plan` on each
database, and each database's `django_migrations` rows."""

from __future__ import annotations

import json
import re

import pytest
from conftest import manage, tutor, tutor_json

from tutor.graph import MigrationGraph
from tutor.state import Migration, SandboxState


def migration(key: str, *parents: str, applied: bool = True, on_disk: bool = True,
              replaces: tuple[str, ...] = (), recorded: bool | None = None) -> Migration:
    app, name = key.split(".", 1)
    return Migration(app, name, on_disk, applied, parents if on_disk else (),
                     replaces=replaces, recorded=applied if recorded is None else recorded)


def drawing(*migrations: Migration, databases: dict | None = None) -> list[str]:
    state = SandboxState(migrations=list(migrations), databases=databases or {})
    graph = MigrationGraph.of(state)
    return [f"{lanes:<6}{node.words(graph.databases) if node else ''}".rstrip()
            for lanes, node in graph.rows()]


def test_a_line_of_migrations_is_one_lane():
    assert drawing(migration("store.0001_initial"),
                   migration("store.0002_add_price", "store.0001_initial", applied=False)) == [
        "*     store.0001_initial  [X]",
        "*     store.0002_add_price  [ ]"]


def test_two_branches_open_and_a_merge_joins_them():
    assert drawing(
        migration("store.0001_initial"),
        migration("store.0002_discount", "store.0001_initial"),
        migration("store.0002_stock", "store.0001_initial", applied=False),
        migration("store.0003_merge", "store.0002_discount", "store.0002_stock",
                  applied=False)) == [
        "*     store.0001_initial  [X]",
        "|\\",
        "* |   store.0002_stock  [ ]",
        "| *   store.0002_discount  [X]",
        "|/",
        "*     store.0003_merge  [ ]  (merge of 0002_discount, 0002_stock)"]


def test_another_apps_migration_opens_a_lane_and_says_what_it_needs():
    assert drawing(
        migration("store.0001_initial"),
        migration("store.0002_price", "store.0001_initial"),
        migration("orders.0001_initial", "store.0001_initial")) == [
        "*     store.0001_initial  [X]",
        "|\\",
        "| *   orders.0001_initial  [X]  (needs store.0001_initial)",
        "*     store.0002_price  [X]"]


def test_a_squash_a_missing_file_and_several_databases_are_said_in_words():
    """As Django's loader: a squash of migrations all (or none) recorded stands for them, and
    is applied, not recorded, until `migrate` records it ([-], as showmigrations marks it);
    a squash of migrations some of which are recorded is left out (they are still applied
    one by one)."""
    teammate = SandboxState(database="teammate", migrations=[
        migration("store.0001_initial"), migration("store.0002_price", "store.0001_initial")])
    squash = migration("store.0001_squashed_0002", replaces=("store.0001_initial",
                                                             "store.0002_price"),
                       recorded=False)
    assert drawing(
        migration("store.0001_initial"), migration("store.0002_price", "store.0001_initial"),
        squash, migration("store.0003_gone", on_disk=False),
        databases={"teammate": teammate}) == [
        "*     store.0001_squashed_0002  [-] default  [ ] teammate  (applied, not recorded "
        "yet: `migrate` records it)  (squash: replaces 0001_initial, 0002_price)",
        "",
        "*     store.0003_gone  [X] default  [ ] teammate  (no file on disk)"]
    assert drawing(
        migration("store.0001_initial"),
        migration("store.0002_price", "store.0001_initial", applied=False), squash) == [
        "*     store.0001_initial  [X]",
        "*     store.0002_price  [ ]"]


def test_a_leaf_is_one_with_no_child_in_its_own_app():
    """orders.0002 is a leaf though store.0003 depends on it (Django's leaf_nodes): the plan
    takes it, and what it needs, before store's line goes on."""
    rows = drawing(
        migration("store.0001_initial"), migration("store.0002_price", "store.0001_initial"),
        migration("orders.0001_initial", "store.0001_initial"),
        migration("orders.0002_more", "orders.0001_initial"),
        migration("store.0003_join", "store.0002_price", "orders.0002_more"))
    keys = [re.search(r"\w+\.\w+", row).group() for row in rows if "*" in row]
    assert keys == ["store.0001_initial", "orders.0001_initial", "orders.0002_more",
                    "store.0002_price", "store.0003_join"]


def _plan(home, database: str) -> list[tuple[str, bool]]:
    """`showmigrations --plan` on one database: (app.name, applied), in its order."""
    result = manage(home, "showmigrations", "--plan", "--database", database)
    assert result.returncode == 0, result.stderr
    return [(key, mark == "X") for mark, key in
            re.findall(r"^\[( |X)\]  (\S+)", result.stdout, flags=re.MULTILINE)]


def _recorded(home, database: str) -> set[str]:
    """The `django_migrations` rows of one database, as Django's recorder reads them."""
    result = manage(home, "shell", "-v", "0", "-c",
                    "import json; from django.db import connections; "
                    "from django.db.migrations.recorder import MigrationRecorder as R; "
                    f"print(json.dumps(sorted('.'.join(k) for k in "
                    f"R(connections[{database!r}]).applied_migrations())))")
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("lesson_id, squash", [
    ("merge-migrations", False), ("squashed-migrations", True), ("cross-app-revert", False),
    ("branch-switch", False), ("applied-elsewhere", False)])
def test_the_graph_says_what_django_says(lesson_home, lesson_id, squash):
    home = lesson_home(lesson_id)
    if squash:  # the squash the lesson makes, beside the files it replaces
        assert manage(home, "squashmigrations", "store", "0001", "0004",
                      "--noinput").returncode == 0
    status, graph = tutor_json(home, "graph")
    assert status == 0
    nodes = {f"{m['app']}.{m['name']}": m for m in graph["migrations"]}
    order = [key for key, m in nodes.items() if m["on_disk"]]
    for database in graph["databases"]:
        plan = _plan(home, database)
        # Every migration of the plan, in the plan's order (a squash's replaced files stand
        # beside it in the graph, where Django's plan keeps one or the other).
        assert [key for key in order if key in dict(plan)] == [key for key, _ in plan]
        for key, applied in plan:
            assert nodes[key]["applied"][database] is applied, (database, key)
        recorded = _recorded(home, database)
        for key, m in nodes.items():
            if not m["replaces"]:  # (a squash is applied once what it replaces is)
                assert m["applied"][database] is (key in recorded), (database, key)
    if squash:
        [squashed] = [m for m in nodes.values() if m["replaces"]]
        assert squashed["replaces"] == [f"store.{n}" for n in (
            "0001_initial", "0002_add_price_to_product", "0003_change_price_field",
            "0004_add_discount_field")]
    text = tutor(home, "graph").stdout
    for key in nodes:
        assert key in text


def test_the_graph_of_a_sandbox_with_a_file_missing_says_so(lesson_home):
    home = lesson_home("branch-switch")
    lines = tutor(home, "graph").stdout.splitlines()
    assert lines[-1].endswith("store.0005_add_stock_to_product  [X]  (no file on disk)")
    assert lines[-2] == ""  # a line apart: nothing on disk leads to it


def test_no_sandbox_is_said_plainly(home):
    result = tutor(home, "graph")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "tutor reset" in result.stderr or "tutor start" in result.stderr


def test_the_state_table_shows_the_graph_where_it_says_more(lesson_home):
    """The state `tutor status` and the session show: the graph below the migration tables
    for a branched history (two 0004s), none for a plain line of migrations."""
    merge = tutor(lesson_home("merge-migrations"), "status").stdout
    assert "The migration graph (`tutor graph`)" in merge
    assert re.search(r"^  \|\\\n  \* \|  store\.0004_add_discount_field  \[X\]\n"
                     r"    \*  store\.0004_add_stock_to_product  \[ \]$", merge, re.MULTILINE)
    cross = tutor(lesson_home("cross-app-revert"), "status").stdout
    assert "orders.0001_initial  [X]  (needs store.0004_add_discount_field)" in cross
    plain = tutor(lesson_home("revert-applied"), "status").stdout
    assert "The migration graph" not in plain


def test_a_narrow_terminal_wraps_the_graph_it_never_cuts_it(lesson_home, monkeypatch):
    """`tutor status` at 40 columns: each row's words are all there (wrapped), down to where
    the migration is applied."""
    from conftest import tutor_process

    home = lesson_home("merge-migrations")
    monkeypatch.setenv("COLUMNS", "40")
    shown = " ".join(tutor_process(home, "status").stdout.split())
    assert "store.0004_add_stock_to_product [ ]" in shown
    assert "store.0004_add_discount_field [X]" in shown


def test_the_heading_says_where_records_with_no_file_stand(lesson_home):
    out = tutor(lesson_home("branch-switch"), "graph").stdout
    assert out.splitlines()[0] == ("Migrations of store, in the order `migrate` applies them; "
                                   "then those recorded with no file (no migrate applies "
                                   "them):")
