"""data-loss-on-revert: wrong paths a learner really takes, each rejected with a specific message.

The state is changed only with real manage.py commands; the check never knows what was typed.
"""

from __future__ import annotations

import json

from conftest import manage, run_ok, solve_steps, tutor, tutor_json, unmet, unmet_text

LESSON = "data-loss-on-revert"


_check = unmet_text


_solve = solve_steps


_run = run_ok


# --- step 1: back up ------------------------------------------------------------------------

def test_reverting_without_a_backup_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    result = _run(home, "migrate", "store", "0001")
    # Django drops the column and its prices without a word of warning.
    assert "Unapplying store.0002_add_price_to_product... OK" in result.stdout
    assert result.stderr == ""
    details = _check(home, 0)
    assert "there is no file backup.json" in details
    assert "You reverted before backing up" in details
    assert "store_product has no column price" in details
    assert "Today's prices are gone" in details


def test_a_backup_taken_after_the_revert_holds_no_prices(lesson_home):
    home = lesson_home(LESSON)
    _run(home, "migrate", "store", "0001")
    _run(home, "migrate", "store")
    _run(home, "dumpdata", "store", "--output", "backup.json")
    assert '"price": "0.00"' in (home / "sandbox/backup.json").read_text(encoding="utf-8")
    details = _check(home, 0)
    assert "backup.json does not contain '\"price\": \"14.50\"'" in details
    assert "it holds 0, 0, 0." in details
    assert "Re-applying 0002 refills the column with its default, 0.00" in details


# --- step 2: revert -------------------------------------------------------------------------

def test_faking_the_revert_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    result = _run(home, "migrate", "store", "0001", "--fake")
    assert "Unapplying store.0002_add_price_to_product... FAKED" in result.stdout
    details = _check(home, 1)
    assert "the column is still in the table" in details
    assert "with `--fake`, Django only deletes the record and leaves the column" in details


def test_dumping_again_after_the_revert_ruins_the_backup(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    _run(home, "migrate", "store", "0001")
    result = manage(home, "dumpdata", "store", "--output", "backup.json")
    assert result.returncode != 0
    assert "Unable to serialize database: no such column: store_product.price" in result.stderr
    assert (home / "sandbox/backup.json").read_text(encoding="utf-8") == "["
    details = _check(home, 1)
    assert "backup.json does not contain" in details
    assert "leaves only `[` in the file" in details


def test_reverting_to_zero_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    _run(home, "migrate", "store", "zero")
    details = _check(home, 1)
    assert "You went too far: `migrate store zero` dropped the whole table" in details


# --- step 3: re-apply and load --------------------------------------------------------------

def test_loading_the_backup_before_reapplying_fails_and_changes_nothing(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 2)
    result = manage(home, "loaddata", "backup.json")
    assert result.returncode != 0
    assert "Could not load store.Product(pk=1): no such column: price" in result.stderr
    details = _check(home, 2)
    assert "store_product has no column price (its columns: id, name)" in details
    assert "Re-apply 0002 first with `python manage.py migrate store`" in details


def test_reapplying_without_loading_leaves_every_price_at_zero(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 2)
    _run(home, "migrate", "store")
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 2
    assert unmet(report) == [
        "it holds 0, 0, 0. Re-applying 0002 gives every row its default, 0.00, and "
        "`store/fixtures/products.json` holds the teapot's old price, 12.00. Only the backup "
        "has today's prices: `python manage.py loaddata backup.json`."
    ]


def test_the_fixture_is_no_backup(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 2)
    _run(home, "migrate", "store")
    _run(home, "loaddata", "products")
    details = _check(home, 2)
    assert details.startswith("it holds 9.99, 4.5, 12.")
    assert "holds the teapot's old price, 12.00" in details


def test_faking_the_reapply_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 2)
    _run(home, "migrate", "store", "0002", "--fake")
    assert manage(home, "loaddata", "backup.json").returncode != 0
    details = _check(home, 2)
    assert "column store_product.price is missing, though the applied migrations add it" in details
    assert "Apply 0002 for real with `python manage.py migrate store`, not with `--fake`" in details


def test_the_backup_is_real_dumpdata_output(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    rows = json.loads((home / "sandbox/backup.json").read_text(encoding="utf-8"))
    assert [(r["pk"], r["fields"]["price"]) for r in rows] == [
        (1, "9.99"), (2, "4.50"), (3, "14.50")]


def test_naming_the_dropped_column_is_a_wrong_answer(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    _run(home, "migrate", "store", "0001")
    result = tutor(home, "answer", "id", "name", "price", "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["right"] is False
    assert answer["detail"] == "Not quite: price should not be in your answer."
    status, answer = tutor_json(home, "answer", "id", "name")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [1] and answer["check"]["step_index"] == 2
