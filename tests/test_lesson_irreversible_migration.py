"""irreversible-migration: wrong paths a learner really takes, each rejected with a specific
message. The state is changed only with real manage.py commands and file edits."""

from __future__ import annotations

import json

from conftest import edit, manage, run_ok, tutor, tutor_json, unmet, unmet_text

LESSON = "irreversible-migration"
MIGRATION = "store/migrations/0003_raise_prices.py"
RAISED = "it holds 10.99, 5.5, 15.5."


_check = unmet_text


_run = run_ok


def _answer_step_one(home):
    status, answer = tutor_json(home, "answer", "0001", "0002", "0003")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


def _add_reverse_code(home, reverse):
    edit(home, MIGRATION, "migrations.RunPython(raise_prices),",
         f"migrations.RunPython(raise_prices, {reverse}),")


# --- step 1: the failing revert -------------------------------------------------------------

def test_the_revert_fails_and_a_partial_answer_is_wrong(lesson_home):
    home = lesson_home(LESSON)
    plan = _run(home, "migrate", "store", "0002", "--plan")
    assert "Raw Python operation -> IRREVERSIBLE" in plan.stdout
    result = manage(home, "migrate", "store", "0002")
    assert result.returncode == 1
    assert ("django.db.migrations.exceptions.IrreversibleError: Operation <RunPython <function "
            "raise_prices at 0x") in result.stderr
    assert "in store.0003_raise_prices is not reversible" in result.stderr
    # Believing the revert half-worked: 0003 is still applied.
    result = tutor(home, "answer", "0001", "0002", "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["right"] is False
    assert answer["detail"] == "Not quite: 0003_raise_prices is missing from it."
    _answer_step_one(home)


def test_deleting_the_applied_file_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    (home / "sandbox" / MIGRATION).unlink()
    status, answer = tutor_json(home, "answer", "0001", "0002", "0003")
    assert answer["right"] is True and status == 1
    details = " ".join(unmet(answer["check"]))
    assert "django_migrations records 0003_raise_prices as applied, but the file is gone" in details
    assert "Deleting the file of an applied migration undoes nothing" in details


# --- step 2: reverse function and revert ----------------------------------------------------

def test_faking_the_revert_leaves_the_prices_raised(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    result = _run(home, "migrate", "store", "0002", "--fake")
    assert "Unapplying store.0003_raise_prices... FAKED" in result.stdout
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 1
    assert unmet(report) == [
        f"{RAISED} The rows must get the price rise undone. Django runs exactly the reverse "
        "code it is given: `RunPython.noop` and `--fake` unapply 0003 without lowering a single "
        "price. `tutor reset` rebuilds the lesson."
    ]


def test_faking_before_answering_is_caught_at_step_two(lesson_home):
    home = lesson_home(LESSON)
    _run(home, "migrate", "store", "0002", "--fake")
    # The answer is read from the live state, where 0003 is no longer recorded.
    status, answer = tutor_json(home, "answer", "0001", "0002")
    assert answer["right"] is True and status == 0
    assert answer["check"]["step_index"] == 1
    assert RAISED in " ".join(unmet(answer["check"]))


def test_reloading_the_fixture_is_no_reverse_function(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    _run(home, "migrate", "store", "0002", "--fake")
    _run(home, "loaddata", "products")
    details = _check(home, 1)
    assert details.startswith("it holds 9.99, 4.5, 12.")
    assert "The rows must get the price rise undone" in details


def test_noop_as_reverse_code_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    _add_reverse_code(home, "migrations.RunPython.noop")
    result = _run(home, "migrate", "store", "0002")
    assert "Unapplying store.0003_raise_prices... OK" in result.stdout
    details = _check(home, 1)
    assert details.startswith(RAISED)
    assert "`RunPython.noop` and `--fake` unapply 0003 without lowering a single price" in details
    # And the next migrate raises the prices a second time.
    _run(home, "migrate", "store")
    _run(home, "migrate", "store", "0002")
    assert _check(home, 1).startswith("it holds 11.99, 6.5, 16.5.")


def test_reverting_past_0002_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    edit(home, MIGRATION, "\n\nclass Migration",
         "\n\ndef lower_prices(apps, schema_editor):\n"
         "    Product = apps.get_model('store', 'Product')\n"
         "    for product in Product.objects.all():\n"
         "        product.price -= Decimal('1.00')\n"
         "        product.save()\n\n\nclass Migration")
    _add_reverse_code(home, "reverse_code=lower_prices")
    _run(home, "migrate", "store", "0001")
    details = _check(home, 1)
    assert "You went past 0003: reverting 0002 dropped the price column" in details
    assert "store_product has no column price or no rows" in details


def test_deleting_the_file_instead_of_reverting_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    (home / "sandbox" / MIGRATION).unlink()
    details = _check(home, 1)
    assert "it is still recorded as applied in django_migrations" in details
    assert RAISED in details
    assert "django_migrations records 0003_raise_prices as applied, but the file is gone" in details


# --- step 3: delete the unapplied file ------------------------------------------------------

def test_reapplying_before_deleting_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    assert tutor(home, "solve").returncode == 0
    _run(home, "migrate", "store")
    (home / "sandbox" / MIGRATION).unlink()
    details = _check(home, 2)
    assert "It was applied again before its file was deleted" in details
    assert RAISED in details
    assert "A `migrate` ran 0003 again and raised the prices" in details


def test_keeping_the_file_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    _answer_step_one(home)
    assert tutor(home, "solve").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 2
    assert unmet(report) == [
        "its file store/migrations/0003_raise_prices.py is still there. "
        "Delete store/migrations/0003_raise_prices.py.",
        "it also holds 0003_raise_prices.",
    ]
