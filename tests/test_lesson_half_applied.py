"""half-applied: a migration with atomic = False fails half-way. Wrong paths a learner really
takes, each rejected with a specific message; the state is changed only with real commands."""

from __future__ import annotations

import json

from conftest import edit, manage, run_ok, solve_steps, tutor, tutor_json, unmet, unmet_text

LESSON = "half-applied"
MIGRATION = "store/migrations/0003_add_discount_field.py"


def _fail_and_answer(home):
    result = manage(home, "migrate", "store")
    assert result.returncode == 1
    status, answer = tutor_json(home, "answer", "id", "name", "price", "discount")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["step_index"] == 1


def _fix_sql(home):
    edit(home, MIGRATION, "WHERE on_sale = 1", "WHERE name = 'Teapot'")


# --- step 1: the failure and what it leaves ---------------------------------------------------

def test_the_failure_leaves_the_column_and_no_record(lesson_home):
    home = lesson_home(LESSON)
    result = manage(home, "migrate", "store")
    assert result.returncode == 1
    assert "Applying store.0003_add_discount_field...Traceback" in result.stdout + result.stderr
    assert "django.db.utils.OperationalError: no such column: on_sale" in result.stderr
    shown = run_ok(home, "showmigrations", "store").stdout
    assert "[ ] 0003_add_discount_field" in shown
    schema = run_ok(home, "dbshell", "--", ".schema store_product").stdout
    assert '"discount" integer NOT NULL' in schema
    # Believing the failed migration changed nothing.
    result = tutor(home, "answer", "id", "name", "price", "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["right"] is False
    status, answer = tutor_json(home, "answer", "id", "name", "price", "discount")
    assert status == 0 and answer["right"] is True
    details = unmet_text(home, 1)
    assert "column store_product.discount is in the database, though no applied migration adds it" in details


def test_answering_before_migrating_is_caught(lesson_home):
    home = lesson_home(LESSON)
    status, answer = tutor_json(home, "answer", "id", "name", "price")
    assert answer["right"] is True and status == 1
    assert "Run `python manage.py migrate store` first" in " ".join(unmet(answer["check"]))


# --- step 2: drop the stray column ------------------------------------------------------------

def test_retrying_unfixed_fails_the_same_way(lesson_home):
    home = lesson_home(LESSON)
    _fail_and_answer(home)
    result = manage(home, "migrate", "store")
    assert result.returncode == 1
    assert "no such column: on_sale" in result.stderr
    assert "the column is still in the table" in unmet_text(home, 1)


def test_faking_0003_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _fail_and_answer(home)
    result = run_ok(home, "migrate", "store", "0003", "--fake")
    assert "Applying store.0003_add_discount_field... FAKED" in result.stdout
    details = unmet_text(home, 1)
    assert "`--fake` writes the record and runs nothing" in details


def test_dropping_with_dbshell_works(lesson_home):
    home = lesson_home(LESSON)
    _fail_and_answer(home)
    run_ok(home, "dbshell", "--", "ALTER TABLE store_product DROP COLUMN discount")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["step_index"] == 2


def test_on_sqlite_fixing_and_migrating_right_away_is_accepted(lesson_home):
    # SQLite rebuilds the table for an AddField with a default, so the stray column is no
    # obstacle there: both steps pass.
    home = lesson_home(LESSON)
    _fail_and_answer(home)
    _fix_sql(home)
    assert "Applying store.0003_add_discount_field... OK" in run_ok(home, "migrate", "store").stdout
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]


# --- step 3: fix and apply --------------------------------------------------------------------

def test_faking_after_the_cleanup_gives_no_discount(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    run_ok(home, "migrate", "store", "--fake")
    details = unmet_text(home, 2)
    assert "store_product has no column discount or no rows" in details
    assert "`migrate --fake` records 0003 without running its `RunSQL`" in details
    assert "column store_product.discount is missing, though the applied migrations add it" in details


def test_a_fresh_migration_instead_of_the_fix_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    (home / "sandbox" / MIGRATION).unlink()
    run_ok(home, "makemigrations", "store", "--name", "discount")
    run_ok(home, "migrate", "store")
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 2
    details = " ".join(unmet(report))
    assert "it holds 0, 0, 0." in details
    assert "a fresh `makemigrations` gives nobody the discount" in details


def test_discounting_everything_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    edit(home, MIGRATION, " WHERE on_sale = 1", "")
    run_ok(home, "migrate", "store")
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 2
    assert unmet(report) == [
        "it holds 10, 10, 10. The teapot must have its 10 % discount, and only the teapot. "
        "`migrate --fake` records 0003 without running its `RunSQL`."
    ]
