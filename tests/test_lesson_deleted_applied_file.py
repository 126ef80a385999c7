"""deleted-applied-file: wrong actions a learner really makes, each rejected with a specific message.

The state is changed only with real manage.py commands and file edits.
"""

from __future__ import annotations

from conftest import edit, manage, not_yet, solve_steps, tutor, tutor_json, unmet

LESSON = "deleted-applied-file"
FILE_0004 = "store/migrations/0004_add_discount_field.py"


_check = not_yet


def _at_step(lesson_home, index):
    """A home whose lesson is at step `index` (0-based), reached with the reference solution."""
    home = solve_steps(lesson_home(LESSON), index)
    _, report = tutor_json(home, "check")
    assert report["step_index"] == index
    return home


def _answer(home, *values):
    result = tutor(home, "answer", *values, "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result


# --- step 1: delete the applied file -------------------------------------------------------

def test_step_one_rejects_unapplying_before_deleting(lesson_home):
    home = lesson_home(LESSON)
    assert manage(home, "migrate", "store", "0003").returncode == 0
    (home / "sandbox" / FILE_0004).unlink()
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report)[0].startswith("it is not applied: django_migrations has no row for it. "
                                       "You unapplied 0004 before deleting it: that is the right "
                                       "way (lesson revert-applied), but this lesson needs the "
                                       "mistake.")


def test_step_one_shows_sqlite_silently_dropping_the_orphaned_column(lesson_home):
    home = lesson_home(LESSON)
    (home / "sandbox" / FILE_0004).unlink()
    reverted = manage(home, "migrate", "store", "0002")
    assert reverted.returncode == 0
    assert "Unapplying store.0003_change_price_field... OK" in reverted.stdout
    _, state = tutor_json(home, "status")
    assert "discount" not in [c["name"] for c in state["tables"]["store_product"]]
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report) == [
        "store_product has no column discount (its columns: id, price, name). The discount "
        "column and its data are gone: after 0004's file was deleted, unapplying 0003 made "
        "SQLite rebuild store_product from what the remaining migrations describe, and they "
        "know no discount. Django said nothing but `OK`. Run `tutor reset` to get the lesson "
        "back."
    ]


# --- steps 2 and 3: the questions ----------------------------------------------------------

def test_step_two_showmigrations_hides_the_orphan_that_the_question_asks_for(lesson_home):
    home = _at_step(lesson_home, 1)
    shown = manage(home, "showmigrations", "store").stdout
    assert "0003_change_price_field" in shown and "0004" not in shown
    result = _answer(home, "--none")
    assert result.returncode == 1 and '"right": false' in result.stdout
    assert "0004_add_discount_field is missing from it" in result.stdout
    result = _answer(home, "0003")
    assert result.returncode == 1
    assert "0003_change_price_field should not be in your answer" in result.stdout
    status, report = tutor_json(home, "answer", "0004")
    assert status == 0 and report["right"] and report["check"]["step_index"] == 2


def test_step_three_the_column_is_still_in_the_table(lesson_home):
    home = _at_step(lesson_home, 2)
    assert "discount = models.IntegerField()" in manage(home, "inspectdb", "store_product").stdout
    result = _answer(home, "id", "name", "price")
    assert result.returncode == 1 and '"right": false' in result.stdout
    assert "discount is missing from it" in result.stdout
    status, report = tutor_json(home, "answer", "id", "name", "price", "discount")
    assert status == 0 and report["right"] and report["check"]["step_index"] == 3


# --- step 4: restore the file --------------------------------------------------------------

def test_step_four_rejects_pruning_while_the_column_is_still_there(lesson_home):
    home = _at_step(lesson_home, 3)
    assert "Migrations can be pruned only when an app is specified." in \
        manage(home, "migrate", "--prune").stderr
    pruned = manage(home, "migrate", "--prune", "store")
    assert pruned.returncode == 0
    assert "Pruning store.0004_add_discount_field OK" in pruned.stdout
    report = _check(home)
    assert report["step_index"] == 3
    details = unmet(report)
    assert ("column store_product.discount is in the database, though no applied migration adds "
            "it. `migrate --prune` deletes the orphan row and leaves the column: prune only when "
            "the schema no longer holds the migration's change.") in details
    assert ("it is not applied: django_migrations has no row for it. Was it pruned? While its "
            "column is in the table, 0004 is in effect applied: restore the file, then record it "
            "without running it, with `python manage.py migrate store 0004 --fake`.") in details


def test_step_four_accepts_restoring_a_pruned_record_with_fake(lesson_home):
    """The way back the pruning message gives: restore the file, record it with --fake."""
    home = _at_step(lesson_home, 3)
    assert manage(home, "migrate", "--prune", "store").returncode == 0
    assert manage(home, "makemigrations", "store", "--name", "add_discount_field").returncode == 0
    assert manage(home, "migrate", "store", "0004", "--fake").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [3]


def test_step_four_rejects_a_new_migration_that_resets_the_discounts(lesson_home):
    home = _at_step(lesson_home, 3)
    made = manage(home, "makemigrations", "store")
    assert "store/migrations/0004_product_discount.py" in made.stdout
    # On SQLite this does not fail on the existing column: the table is rebuilt.
    migrated = manage(home, "migrate")
    assert migrated.returncode == 0
    assert "Applying store.0004_product_discount... OK" in migrated.stdout
    report = _check(home)
    assert report["step_index"] == 3
    details = unmet(report)
    assert details[0] == (
        "there is no file store/migrations/0004_add_discount_field.py (there is "
        "0004_product_discount instead). Write it under its old name: `python manage.py "
        "makemigrations store --name add_discount_field`. A file under another name is a new "
        "migration, not the recorded one: delete it while it is unapplied (once applied, it has "
        "reset the discounts: run `tutor reset`).")
    assert details[-1] == (
        "it holds 0, 0, 0. The discounts were reset: applying a second migration that adds "
        "discount made SQLite rebuild the table and fill the column with the default, 0. Run "
        "`tutor reset` and restore the file under its old name instead.")


# --- step 5: undo 0004 properly ------------------------------------------------------------

def test_step_five_rejects_deleting_the_restored_file_again(lesson_home):
    home = _at_step(lesson_home, 4)
    (home / "sandbox" / FILE_0004).unlink()
    edit(home, "store/models.py", "    discount = models.IntegerField(default=0)\n", "")
    report = _check(home)
    assert report["step_index"] == 4
    details = unmet(report)
    assert details[0].startswith("django_migrations records 0004_add_discount_field as applied, "
                                 "but the file is gone.")
    assert "the mistake from step 1 again" in details[0]
    assert details[1] == (
        "the column is still in the table. 0004's change is still in the database: unapply it "
        "with `python manage.py migrate store 0003` while its file is there.")


def test_step_five_rejects_removing_the_field_with_a_new_migration(lesson_home):
    home = _at_step(lesson_home, 4)
    edit(home, "store/models.py", "    discount = models.IntegerField(default=0)\n", "")
    assert manage(home, "makemigrations", "store").returncode == 0
    assert manage(home, "migrate").returncode == 0
    report = _check(home)
    assert report["step_index"] == 4
    assert unmet(report) == [
        "its file store/migrations/0004_add_discount_field.py is still there. Once 0004 is "
        "unapplied (`python manage.py migrate store 0003`), it is only a file: delete "
        "store/migrations/0004_add_discount_field.py.",
        "it also holds 0004_add_discount_field, 0005_remove_product_discount. Only 0001 to "
        "0003 should remain: unapply 0004 with `python manage.py migrate store 0003`, then "
        "delete its file. (A new migration that removes discount would keep 0004 in the "
        "history.)",
    ]
