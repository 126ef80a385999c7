"""fix-broken-default: wrong actions a learner really makes, each rejected with a specific message.

The state is changed only with real manage.py commands and file edits.
"""

from __future__ import annotations

from conftest import edit, manage, not_yet, tutor, tutor_json, unmet

LESSON = "fix-broken-default"
BROKEN = "store/migrations/0002_add_price_to_product.py"


_check = not_yet


def _at_step_two(lesson_home):
    home = lesson_home(LESSON)
    assert tutor(home, "solve").returncode == 0
    return home


def _at_step_three(lesson_home):
    home = _at_step_two(lesson_home)
    assert tutor(home, "solve").returncode == 0
    _, report = tutor_json(home, "check")
    assert report["step_index"] == 2
    return home


def test_django_writes_the_broken_default_and_fails_to_apply_it(lesson_home):
    """The lesson's premise, on the Django under test: makemigrations accepts 'free', migrate
    fails before recording anything, and migrating back has nothing to undo."""
    home = lesson_home(LESSON)
    made = manage(home, "makemigrations", "store", "--name", "add_price_to_product")
    assert made.returncode == 0
    assert "default='free'" in (home / "sandbox" / BROKEN).read_text(encoding="utf-8")
    failed = manage(home, "migrate")
    assert failed.returncode == 1
    assert "Applying store.0002_add_price_to_product..." in failed.stdout
    assert "ValidationError: ['“free” value must be a decimal number.']" in failed.stderr
    back = manage(home, "migrate", "store", "0001")
    assert back.returncode == 0 and "No migrations to apply." in back.stdout
    _, state = tutor_json(home, "status")
    assert {"app": "store", "name": "0002_add_price_to_product", "on_disk": True,
            "applied": False, "depends_on": ["store.0001_initial"]} in state["migrations"]
    assert [c["name"] for c in state["tables"]["store_product"]] == ["id", "name"]


def test_step_one_rejects_a_migration_without_the_course_name(lesson_home):
    home = lesson_home(LESSON)
    assert manage(home, "makemigrations", "store").returncode == 0
    report = _check(home)
    assert report["step_index"] == 0
    assert unmet(report) == [
        "there is no file store/migrations/0002_add_price_to_product.py (there is "
        "0002_product_price instead). Make it with `python manage.py makemigrations store "
        "--name add_price_to_product`. A migration under another name was never applied, so "
        "it is only a file: delete it first (with it in place, makemigrations finds no "
        "changes)."
    ]


def test_step_two_wrong_answers_are_rejected_and_the_right_one_passes(lesson_home):
    home = _at_step_two(lesson_home)
    assert manage(home, "migrate").returncode == 1
    # "The failed migration is half applied": it is not.
    result = tutor(home, "answer", "--none", "--json")
    assert result.returncode == 1
    assert '"right": false' in result.stdout
    assert "0002_add_price_to_product is missing from it" in result.stdout
    # "Everything after the failure is unapplied, 0001 too": 0001 is untouched.
    result = tutor(home, "answer", "0001", "0002", "--json")
    assert result.returncode == 1
    assert "0001_initial should not be in your answer" in result.stdout
    status, report = tutor_json(home, "answer", "0002")
    assert status == 0 and report["right"] is True
    _, check = tutor_json(home, "check")
    assert check["step_index"] == 2


def test_step_two_rejects_migrating_to_zero_in_panic(lesson_home):
    home = _at_step_two(lesson_home)
    assert manage(home, "migrate", "store", "zero").returncode == 0
    # The answer is right about this state, but the step is not done: 0001 must stay applied.
    status, answered = tutor_json(home, "answer", "0001", "0002")
    assert status == 1 and answered["right"] is True
    report = answered["check"]
    assert report["step_index"] == 1 and not report["passed"]
    assert unmet(report) == [
        "it is not applied: django_migrations has no row for it. 0001 should stay applied: "
        "apply it again with `python manage.py migrate store 0001`."
    ]
    assert manage(home, "migrate", "store", "0001").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["step_index"] == 2


def test_step_three_rejects_a_fix_on_top_of_the_broken_migration(lesson_home):
    home = _at_step_three(lesson_home)
    # The habit: fix the model and make a new migration; Django writes it after the broken one.
    edit(home, "store/models.py", "default='free'", "default=0.00")
    made = manage(home, "makemigrations", "store")
    assert "store/migrations/0003_alter_product_price.py" in made.stdout
    failed = manage(home, "migrate")
    assert failed.returncode == 1
    assert "Applying store.0002_add_price_to_product..." in failed.stdout
    assert "value must be a decimal number" in failed.stderr
    report = _check(home)
    assert report["step_index"] == 2
    assert unmet(report) == [
        "store/migrations/0002_add_price_to_product.py still contains 'free'. Fix the model's "
        "default (`default=0.00`) and delete the broken 0002 before making it again: a fix on "
        "top of it leaves it in the way.",
        "it is not applied: django_migrations has no row for it. Make it again from the fixed "
        "model with `python manage.py makemigrations store --name add_price_to_product`, then "
        "apply it with `python manage.py migrate store`.",
        "it also holds 0003_alter_product_price. The fix belongs in 0002 itself, not in a "
        "migration after it: `migrate` would still run the broken 0002 first. Delete the extra "
        "files and make 0002 again.",
        "store_product has no column price (its columns: id, name).",
    ]
    assert report["where"] == ("Where you are: store's last applied migration is 0001_initial. "
                               "store.0002_add_price_to_product is not applied yet.")


def test_step_three_rejects_correcting_the_migration_but_not_the_model(lesson_home):
    home = _at_step_three(lesson_home)
    edit(home, BROKEN, "default='free'", "default=0.00")
    assert manage(home, "migrate").returncode == 0
    report = _check(home)
    assert report["step_index"] == 2
    assert unmet(report) == [
        "store/models.py still contains 'free'. Fix the model's default (`default=0.00`) and "
        "delete the broken 0002 before making it again: a fix on top of it leaves it in the way.",
        "makemigrations would write a new migration: Alter field price on product. "
        "store/models.py and the migrations disagree: make 0002 from the fixed model.",
    ]


def test_step_three_accepts_correcting_both_files_by_hand(lesson_home):
    home = _at_step_three(lesson_home)
    edit(home, BROKEN, "default='free'", "default=0.00")
    edit(home, "store/models.py", "default='free'", "default=0.00")
    assert manage(home, "migrate").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]
