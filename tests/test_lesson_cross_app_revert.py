"""cross-app-revert: `orders.0001_initial` depends on store's 0004, so `migrate store 0003`
unapplies orders too. Wrong paths a learner really takes, each rejected with a specific
message; the state is changed only with real commands (manage.py, sqlite3, file edits)."""

from __future__ import annotations

import json
import sqlite3

from conftest import (edit, manage, not_yet, run_ok, solve_steps, tutor, tutor_json, unmet,
                      unmet_text)

LESSON = "cross-app-revert"
BACKUP = "orders-backup.json"
DEPENDENCY = "('store', '0004_add_discount_field')"
NEW_DEPENDENCY = "('store', '0003_change_price_field')"
DISCOUNT_LINE = "    discount = models.IntegerField(default=0)\n"
NODE_NOT_FOUND = ("NodeNotFoundError: Migration orders.0001_initial dependencies reference "
                  "nonexistent parent node ('store', '0004_add_discount_field')")
FAKE_EXPLAIN = "the row went (with `--fake`, or by hand) while the change it records stayed"
DISCOUNT_DRIFT = ("column store_product.discount is in the database, though no applied "
                  "migration adds it")
ORDERS_DRIFT = "table orders_order is in the database, though no applied migration creates it"


def _migrations(home) -> dict[str, dict]:
    _, status = tutor_json(home, "status")
    return {f"{m['app']}.{m['name']}": m for m in status["migrations"]}


def _sql(home, statement: str) -> None:
    """Change the database by hand, as a learner with the sqlite3 module would."""
    connection = sqlite3.connect(home / "sandbox" / "db.sqlite3")
    try:
        connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _cut_discount(home, *, models: bool = True, dependency: bool = True) -> None:
    """Step 4's file changes, all or some of them."""
    (home / "sandbox/store/migrations/0004_add_discount_field.py").unlink()
    if models:
        edit(home, "store/models.py", DISCOUNT_LINE, "")
    if dependency:
        edit(home, "orders/migrations/0001_initial.py", DEPENDENCY, NEW_DEPENDENCY)


# --- the start ------------------------------------------------------------------------------

def test_the_start_orders_depend_on_store_0004(lesson_home):
    home = lesson_home(LESSON)
    migrations = _migrations(home)
    assert migrations["orders.0001_initial"] == {
        "app": "orders", "name": "0001_initial", "on_disk": True, "applied": True,
        "depends_on": ["store.0004_add_discount_field"]}
    assert all(m["applied"] for m in migrations.values()) and len(migrations) == 5
    _, status = tutor_json(home, "status")
    assert status["row_counts"] == {"orders_order": 2, "store_product": 3}
    # The fixtures were deleted after loading: only a backup can bring the orders back.
    assert not (home / "sandbox/orders/fixtures/sample_orders.json").exists()
    plan = run_ok(home, "migrate", "store", "0003", "--plan").stdout
    assert ("orders.0001_initial\n    Undo Create model Order\n"
            "store.0004_add_discount_field\n    Undo Add field discount to product") in plan
    assert _migrations(home) == migrations  # --plan changed nothing
    assert "Answer with `tutor answer CHOICE...`" in unmet_text(home, 0)


# --- step 1: the preview question -----------------------------------------------------------

def test_answering_only_the_store_migration_names_the_missing_orders(lesson_home):
    home = lesson_home(LESSON)
    status, answer = tutor_json(home, "answer", "store.0004")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: orders.0001_initial is missing from it."
    # The choices are app-qualified: a bare store name is not one of them.
    status, answer = tutor_json(home, "answer", "0004")
    assert status == 1 and answer["right"] is False
    assert answer["detail"].startswith(
        "0004 is not one of the choices (orders.0001_initial, store.0001_initial")
    status, answer = tutor_json(home, "answer", "orders.0001", "store.0004")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


# --- step 2: save the orders ----------------------------------------------------------------

def test_reverting_before_saving_leaves_an_empty_backup(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    assert "there is no file orders-backup.json" in unmet_text(home, 1)
    run_ok(home, "migrate", "store", "0003")
    result = manage(home, "dumpdata", "orders", "--indent", "2", "--output", BACKUP)
    assert result.returncode == 1
    assert ("CommandError: Unable to serialize database: no such table: orders_order"
            in result.stderr)
    assert (home / "sandbox" / BACKUP).read_text(encoding="utf-8").strip() == "["
    text = unmet_text(home, 1)
    assert "orders-backup.json does not contain 'orders.order'" in text
    assert "the table was already gone when you dumped it: `tutor reset`" in text
    assert "The orders table is gone already, and its rows with it" in text
    # Step 3's revert is done, but without a backup it does not carry the learner past step 2.
    assert not_yet(home, 1)["passed_steps"] == []


def test_dumping_the_orders_passes_step_2(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    run_ok(home, "dumpdata", "orders", "--indent", "2", "--output", BACKUP)
    rows = json.loads((home / "sandbox" / BACKUP).read_text(encoding="utf-8"))
    assert [row["model"] for row in rows] == ["orders.order", "orders.order"]
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [1] and report["step_index"] == 2


# --- step 3: revert store to 0003 -----------------------------------------------------------

def test_faking_the_revert_leaves_the_tables_and_the_advice_repairs_it(lesson_home):
    home = solve_steps(lesson_home(LESSON), 2)
    out = run_ok(home, "migrate", "store", "0003", "--fake").stdout
    assert "Unapplying orders.0001_initial... FAKED" in out
    assert "Unapplying store.0004_add_discount_field... FAKED" in out
    text = unmet_text(home, 2)
    assert DISCOUNT_DRIFT in text and ORDERS_DRIFT in text
    assert FAKE_EXPLAIN in text
    assert "the orders_order table is still there: the record went without the revert" in text
    # The advice in the explain works: record the rows again, then revert for real.
    assert "Applying orders.0001_initial... FAKED" in run_ok(home, "migrate", "--fake").stdout
    assert "Unapplying orders.0001_initial... OK" in run_ok(home, "migrate", "store", "0003").stdout
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [2]


def test_unapplying_orders_alone_leaves_store_0004_applied(lesson_home):
    home = solve_steps(lesson_home(LESSON), 2)
    out = run_ok(home, "migrate", "orders", "zero").stdout
    assert "Unapplying orders.0001_initial... OK" in out and "store.0004" not in out
    report = not_yet(home, 2)
    assert unmet(report) == [
        "it is still recorded as applied in django_migrations. store's 0004 is still applied: "
        "`migrate orders zero` only takes orders back. Run `python manage.py migrate store "
        "0003`."]
    assert ("no orders migration is applied; store's last applied migration is "
            "0004_add_discount_field. store.0004_add_discount_field should not be applied "
            "(not reverted far enough?)") in report["where"]


def test_deleting_the_records_by_hand_leaves_the_tables(lesson_home):
    home = solve_steps(lesson_home(LESSON), 2)
    _sql(home, "DELETE FROM django_migrations WHERE (app = 'store' AND name = "
               "'0004_add_discount_field') OR (app = 'orders' AND name = '0001_initial')")
    migrations = _migrations(home)
    assert not migrations["store.0004_add_discount_field"]["applied"]
    assert not migrations["orders.0001_initial"]["applied"]
    text = unmet_text(home, 2)
    assert DISCOUNT_DRIFT in text and ORDERS_DRIFT in text and FAKE_EXPLAIN in text


def test_the_revert_takes_orders_along(lesson_home):
    home = solve_steps(lesson_home(LESSON), 2)
    out = run_ok(home, "migrate", "store", "0003").stdout
    assert out.index("Unapplying orders.0001_initial... OK") < out.index(
        "Unapplying store.0004_add_discount_field... OK")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [2] and report["step_index"] == 3
    _, state = tutor_json(home, "status")
    assert "orders_order" not in state["tables"]
    assert [c["name"] for c in state["tables"]["store_product"]] == ["id", "name", "price"]
    assert state["row_counts"] == {"store_product": 3}


# --- step 4: cut the dependency, bring the orders back --------------------------------------

def test_deleting_0004_without_moving_the_dependency_breaks_the_graph(lesson_home):
    home = solve_steps(lesson_home(LESSON), 3)
    _cut_discount(home, dependency=False)
    result = manage(home, "showmigrations")
    assert result.returncode == 1 and NODE_NOT_FOUND in result.stderr
    result = tutor(home, "check", "--json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["error"].startswith("Migration orders.0001_initial depends on "
                                      "store.0004_add_discount_field, whose file is missing.")
    assert ("change that dependency in orders/migrations/0001_initial.py to a migration that "
            "exists") in report["advice"]
    # Following the advice makes the sandbox readable again.
    edit(home, "orders/migrations/0001_initial.py", DEPENDENCY, NEW_DEPENDENCY)
    assert "Apply orders again with `python manage.py migrate`" in unmet_text(home, 3)


def test_forgetting_the_loaddata_leaves_the_orders_table_empty(lesson_home):
    home = solve_steps(lesson_home(LESSON), 3)
    _cut_discount(home)
    assert "Applying orders.0001_initial... OK" in run_ok(home, "migrate").stdout
    report = not_yet(home, 3)
    assert unmet(report) == ["it has 0 rows. The table is back but empty: load your backup "
                             "with `python manage.py loaddata orders-backup.json`."]
    out = run_ok(home, "loaddata", BACKUP).stdout
    assert "Installed 2 object(s) from 1 fixture(s)" in out
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"] is True
    migrations = _migrations(home)
    assert migrations["orders.0001_initial"]["depends_on"] == ["store.0003_change_price_field"]
    assert "store.0004_add_discount_field" not in migrations


def test_keeping_the_discount_field_in_the_models_is_rejected(lesson_home):
    home = solve_steps(lesson_home(LESSON), 3)
    _cut_discount(home, models=False)
    run_ok(home, "migrate")
    run_ok(home, "loaddata", BACKUP)
    report = not_yet(home, 3)
    assert unmet(report) == [
        "makemigrations would write a new migration: Add field discount to product. "
        "`store/models.py` still has the `discount` field: delete that line, or the next "
        "`makemigrations` brings 0004 back."]
    edit(home, "store/models.py", DISCOUNT_LINE, "")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"] is True


def test_the_reference_solution_completes_the_lesson(lesson_home):
    home = solve_steps(lesson_home(LESSON), 4)
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"] is True
    _, state = tutor_json(home, "status")
    assert state["row_counts"] == {"orders_order": 2, "store_product": 3}
    orders = [(r["id"], r["product_id"], r["quantity"]) for r in state["rows"]["orders_order"]]
    assert orders == [(1, 1, 2), (2, 3, 1)]  # the backup's rows, pointing at the same products
