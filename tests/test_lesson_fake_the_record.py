"""fake-the-record: wrong paths a learner really takes, each rejected with a specific message.
The state is changed only with real manage.py commands."""

from __future__ import annotations

from conftest import manage, run_ok, solve_steps, tutor_json, unmet, unmet_text

LESSON = "fake-the-record"
FAKE_EXPLAIN = ("Apply 0004 for real with `python manage.py migrate store`. A `--fake` runs none "
                "of 0004's operations: if you faked it, its row says applied while the column is "
                "missing; take the row away with `python manage.py migrate store 0003 --fake` first.")


_check = unmet_text


_run = run_ok


_solve = solve_steps


def _answer(home, *values):
    return tutor_json(home, "answer", *values)  # no traceback, and the JSON


# --- the start: record and schema disagree --------------------------------------------------

def test_the_record_says_unapplied_while_the_column_is_there(lesson_home):
    home = lesson_home(LESSON)
    shown = _run(home, "showmigrations", "store").stdout
    assert "[ ] 0004_add_discount_field" in shown
    assert "discount = models.IntegerField()" in _run(home, "inspectdb", "store_product").stdout
    _, status = tutor_json(home, "status")
    assert status["schema_drift"]["store"] == [
        "column store_product.discount is in the database, though no applied migration adds it"]
    assert [row["discount"] for row in status["rows"]["store_product"]] == [10, 0, 30]


# --- step 1: which columns? -----------------------------------------------------------------

def test_trusting_the_record_is_a_wrong_answer(lesson_home):
    home = lesson_home(LESSON)
    status, answer = _answer(home, "id", "name", "price")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: discount is missing from it."
    status, answer = _answer(home, "id", "name", "price", "discount")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


# --- step 2: fake the record forward --------------------------------------------------------

def test_plain_migrate_resets_every_discount_on_sqlite(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    # No duplicate-column error on SQLite: Django rebuilds the table and fills in the default.
    sql = _run(home, "sqlmigrate", "store", "0004").stdout
    assert 'SELECT "id", "name", "price", 0 FROM "store_product"' in sql
    result = _run(home, "migrate", "store")
    assert "Applying store.0004_add_discount_field... OK" in result.stdout
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 1
    assert unmet(report) == [
        "it holds 0, 0, 0. The discounts were reset: a plain `migrate` ran 0004 for real, and "
        "on SQLite that rebuilds the table and fills discount with its default, 0. Only "
        "`--fake` leaves the table alone. `tutor reset` rebuilds the lesson."
    ]


def test_the_fixture_cannot_undo_the_reset(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    _run(home, "migrate", "store")
    _run(home, "loaddata", "products")
    details = _check(home, 1)
    assert details.startswith("it holds 10, 0, 25. The discounts were reset")


def test_plain_migrate_before_answering_does_not_skip_ahead(lesson_home):
    home = lesson_home(LESSON)
    _run(home, "migrate", "store")
    status, answer = _answer(home, "id", "name", "price", "discount")
    assert answer["right"] is True and status == 0
    assert answer["check"]["step_index"] == 1
    assert "The discounts were reset" in " ".join(unmet(answer["check"]))


def test_faking_the_whole_app_back_further_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 1)
    # Faking to the wrong target: the record now disagrees about price and discount.
    _run(home, "migrate", "store", "0002", "--fake")
    details = _check(home, 1)
    assert "Record it as applied without running it: `python manage.py migrate store 0004 --fake`" in details
    assert ("column store_product.price allows NULL, though the applied migrations say NOT NULL"
            in details)


# --- step 3: unapply for real ---------------------------------------------------------------

def test_faking_the_unapply_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 2)
    result = _run(home, "migrate", "store", "0003", "--fake")
    assert "Unapplying store.0004_add_discount_field... FAKED" in result.stdout
    details = _check(home, 2)
    assert "the column is still in the table. Unapplying 0004 for real drops the column" in details
    assert "column store_product.discount is in the database, though no applied migration adds it" in details


# --- step 4: look, then apply for real ------------------------------------------------------

def test_a_stale_answer_about_the_columns_is_wrong(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 3)
    status, answer = _answer(home, "id", "name", "price", "discount")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: discount should not be in your answer."


def test_faking_the_reapply_is_rejected_and_breaks_queries(lesson_home):
    home = lesson_home(LESSON)
    _solve(home, 3)
    result = _run(home, "migrate", "store", "0004", "--fake")
    assert "Applying store.0004_add_discount_field... FAKED" in result.stdout
    broken = manage(home, "dumpdata", "store")
    assert broken.returncode == 1
    assert "Unable to serialize database: no such column: store_product.discount" in broken.stderr
    status, answer = _answer(home, "id", "name", "price")
    assert status == 1 and answer["right"] is True
    assert answer["check"]["step_index"] == 3
    assert unmet(answer["check"]) == [
        "store_product has no column discount (its columns: id, name, price). " + FAKE_EXPLAIN,
        "column store_product.discount is missing, though the applied migrations add it. "
        "Apply it for real with `python manage.py migrate store`.",
    ]
    # The way out: fake the false row away, then apply for real.
    _run(home, "migrate", "store", "0003", "--fake")
    _run(home, "migrate", "store")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]
