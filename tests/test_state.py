"""What the state reader sees beyond one app: other apps and their dependencies, a record
missing below an applied migration, the git branch, and the state table showing them all."""

from __future__ import annotations

import sqlite3

from conftest import edit, manage, tutor, tutor_json


def test_every_app_and_what_its_migrations_depend_on(lesson_home):
    home = lesson_home("cross-app-revert")
    _, state = tutor_json(home, "status")
    orders = [m for m in state["migrations"] if m["app"] == "orders"]
    assert [{key: m[key] for key in ("app", "name", "on_disk", "applied", "depends_on",
                                     "operations", "initial")} for m in orders] == [
        {"app": "orders", "name": "0001_initial", "on_disk": True, "applied": True,
         "depends_on": ["store.0004_add_discount_field"], "operations": ["Create model Order"],
         "initial": True}]
    assert state["row_counts"]["orders_order"] == 2
    assert state["schema_drift"] == {"orders": [], "store": []}
    assert state["git_branch"] == ""


def test_the_state_table_shows_every_app_and_their_tables(lesson_home):
    home = lesson_home("cross-app-revert")
    shown = tutor(home, "status").stdout
    assert "store migrations" in shown and "orders migrations" in shown
    assert shown.index("store migrations") < shown.index("orders migrations")
    assert "Table orders_order (2 rows): id, quantity, product_id" in shown
    assert "git: on branch" not in shown
    # Reverting store takes orders along, and the table says so.
    assert manage(home, "migrate", "store", "0003").returncode == 0
    shown = tutor(home, "status").stdout
    orders_table = shown[shown.index("orders migrations"):shown.index("The migration graph")]
    assert "0001_initial" in orders_table and "[X]" not in orders_table
    assert "orders.0001_initial  [ ]  (needs store.0004_add_discount_field)" in shown
    assert "orders_order" not in shown


def test_the_state_table_shows_the_git_branch(lesson_home):
    home = lesson_home("branch-switch")
    shown = tutor(home, "status").stdout
    assert "git: on branch main" in shown
    assert "Applied but no file (orphan rows): store.0005_add_stock_to_product" in shown
    assert ("Record and schema disagree (store): column store_product.stock is in the database, "
            "though no applied migration adds it") in shown


def test_the_state_table_shows_a_faked_revert(lesson_home):
    home = lesson_home("cross-app-revert")
    assert "disagree" not in tutor(home, "status").stdout
    assert manage(home, "migrate", "store", "0003", "--fake").returncode == 0
    shown = tutor(home, "status").stdout
    assert ("Record and schema disagree (orders): table orders_order is in the database, "
            "though no applied migration creates it") in shown
    assert "Record and schema disagree (store): column store_product.discount" in shown


def test_a_missing_record_below_an_applied_migration_is_drift(lesson_home):
    """inconsistent-history starts with 0002's row deleted: its schema change is there, so
    only the record can show what is wrong."""
    home = lesson_home("inconsistent-history")
    _, state = tutor_json(home, "status")
    assert state["schema_drift"]["store"] == [
        "store.0002_add_price_to_product is not recorded as applied, though "
        "store.0003_change_price_field, which depends on it, is"]


def test_a_record_put_back_by_hand_ends_the_drift(lesson_home):
    home = lesson_home("inconsistent-history")
    with sqlite3.connect(home / "sandbox" / "db.sqlite3") as database:
        database.execute("INSERT INTO django_migrations (app, name, applied) "
                         "VALUES ('store', '0002_add_price_to_product', '2026-01-01')")
    _, state = tutor_json(home, "status")
    assert state["schema_drift"]["store"] == []


def test_a_changed_dependency_is_told_as_a_change(lesson_home):
    from tutor.changes import describe_changes
    from tutor.state import SandboxState

    home = lesson_home("cross-app-revert")
    _, before = tutor_json(home, "status")
    edit(home, "orders/migrations/0001_initial.py", "('store', '0004_add_discount_field')",
         "('store', '0003_change_price_field')")
    _, after = tutor_json(home, "status")
    assert describe_changes(SandboxState.from_json(before), SandboxState.from_json(after)) == [
        "orders.0001_initial: now depends on store.0003_change_price_field "
        "(was store.0004_add_discount_field)"]


def _with(state: dict, **changes):
    from tutor.state import SandboxState

    return SandboxState.from_json({**state, **changes})


BASE = {
    "migrations": [{"app": "store", "name": "0003_add_discount_field", "on_disk": True,
                    "applied": False, "depends_on": ["store.0002_add_price_to_product"],
                    "operations": ["Add field discount to product", "Raw SQL operation"],
                    "operation_digests": ["aaa", "bbb"], "replaces": [], "initial": False}],
    "tables": {"store_product": [{"name": "id", "type": "integer", "null": False},
                                 {"name": "discount", "type": "integer", "null": False}]},
    "row_counts": {"store_product": 2},
    "rows": {"store_product": [{"id": 1, "discount": 0}, {"id": 3, "discount": 0}]},
    "pending_changes": {}, "schema_drift": {}, "database_exists": True, "django_version": "",
    "conflicts": {}, "notes": [], "git_branch": "",
}


def test_what_changed_tells_changed_values_and_edited_operations():
    """Editing a `WHERE` clause keeps the operation's description but not its definition;
    an UPDATE changes values, not counts: today neither went unsaid."""
    from tutor.changes import describe_changes

    before = _with(BASE)
    after = _with(BASE, migrations=[{**BASE["migrations"][0],
                                     "operation_digests": ["aaa", "ccc"]}],
                  rows={"store_product": [{"id": 1, "discount": 0}, {"id": 3, "discount": 10}]})
    assert describe_changes(before, after) == [
        "store.0003_add_discount_field: operation changed: Raw SQL operation",
        "store_product row id=3: discount 0 -> 10",
    ]
    emptied = _with(BASE, migrations=[{**BASE["migrations"][0], "operations": [],
                                       "operation_digests": []}],
                    row_counts={"store_product": 1},
                    rows={"store_product": [{"id": 1, "discount": 0}]})
    assert describe_changes(before, emptied) == [
        "store.0003_add_discount_field: its operations were emptied (was: Add field discount "
        "to product; Raw SQL operation)",
        "table store_product: 2 -> 1 row",
    ]


def test_an_edited_sql_changes_the_operations_fingerprint_and_nothing_else(lesson_home):
    """Read for real: the fingerprint of 0003's RunSQL follows its text, and only its own."""
    home = lesson_home("half-applied")
    _, before = tutor_json(home, "status")
    edit(home, "store/migrations/0003_add_discount_field.py", "WHERE on_sale = 1",
         "WHERE name = 'Teapot'")
    _, after = tutor_json(home, "status")
    old, new = (next(m for m in state["migrations"] if m["name"] == "0003_add_discount_field")
                for state in (before, after))
    assert old["operations"] == new["operations"] == ["Add field discount to product",
                                                      "Raw SQL operation"]
    assert old["operation_digests"][0] == new["operation_digests"][0]
    assert old["operation_digests"][1] != new["operation_digests"][1]
