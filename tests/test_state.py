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
    orders_table = shown[shown.index("orders migrations"):]
    assert "0001_initial" in orders_table and "[X]" not in orders_table.split("store_product")[0]
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
