"""inconsistent-history: a row missing from django_migrations, found from the schema and put
back with Django's recorder (migrate refuses to run, --fake included)."""

from __future__ import annotations

from conftest import manage, run_ok, solve_steps, tutor_json, unmet_text

LESSON = "inconsistent-history"
ERROR = ("InconsistentMigrationHistory: Migration store.0003_change_price_field is applied "
         "before its dependency store.0002_add_price_to_product on database 'default'.")
RECORD = ("from django.db import connection; from django.db.migrations.recorder import "
          "MigrationRecorder; MigrationRecorder(connection).{}('store', '{}')")


def _answer(home, *values):
    return tutor_json(home, "answer", *values)  # no traceback, and the JSON


def test_the_start_is_inconsistent_and_the_tutor_still_reads_it(lesson_home):
    home = lesson_home(LESSON)
    result = manage(home, "migrate")
    assert result.returncode == 1 and ERROR in result.stderr
    shown = run_ok(home, "showmigrations", "store").stdout
    assert "[ ] 0002_add_price_to_product" in shown and "[X] 0004_add_discount_field" in shown
    _, status = tutor_json(home, "status")
    applied = {m["name"]: m["applied"] for m in status["migrations"] if m["app"] == "store"}
    assert applied == {"0001_initial": True, "0002_add_price_to_product": False,
                       "0003_change_price_field": True, "0004_add_discount_field": True}


def test_trusting_the_record_is_a_wrong_answer(lesson_home):
    home = lesson_home(LESSON)
    status, answer = _answer(home, "id", "name", "discount")
    assert status == 1 and answer["right"] is False
    status, answer = _answer(home, "id", "name", "price", "discount")
    assert status == 0 and answer["right"] is True


def test_fake_is_refused_too(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    result = manage(home, "migrate", "store", "0002", "--fake")
    assert result.returncode == 1 and ERROR in result.stderr
    assert "`--fake` included" in unmet_text(home, 1)


def test_deleting_the_right_rows_is_the_wrong_fix(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    for name in ("0004_add_discount_field", "0003_change_price_field"):
        run_ok(home, "shell", "-v", "0", "-c", RECORD.format("record_unapplied", name))
    text = unmet_text(home, 1)
    assert "0003 did run" in text and "0004 did run" in text


def test_deleting_the_later_rows_and_migrating_resets_the_data(lesson_home):
    home = solve_steps(lesson_home(LESSON), 1)
    for name in ("0004_add_discount_field", "0003_change_price_field"):
        run_ok(home, "shell", "-v", "0", "-c", RECORD.format("record_unapplied", name))
    out = run_ok(home, "migrate").stdout  # no error on SQLite: the tables are rebuilt
    assert "Applying store.0002_add_price_to_product... OK" in out
    assert "Applying store.0004_add_discount_field... OK" in out
    text = unmet_text(home, 1)
    assert "The prices were reset" in text and "The discounts were reset" in text
