"""revert-several: wrong actions a learner really makes, rejected with a specific message.

The state is changed only with real manage.py commands; the check never knows what was typed.
"""

from __future__ import annotations

from conftest import manage, not_yet, solve_steps, tutor_json, unmet

LESSON = "revert-several"


_check = not_yet


def _at_step(lesson_home, number: int):
    """A home at the start of step `number` (1-based), reached by the reference solution."""
    return solve_steps(lesson_home(LESSON), number - 1)


# --- step 1: the question "which would migrate store 0002 unapply?" -------------------------

def test_the_plan_lists_both_undos_newest_first(lesson_home):
    home = _at_step(lesson_home, 1)
    result = manage(home, "migrate", "store", "0002", "--plan")
    assert result.returncode == 0
    assert result.stdout == (
        "Planned operations:\n"
        "store.0004_add_discount_field\n"
        "    Undo Add field discount to product\n"
        "store.0003_change_price_field\n"
        "    Undo Alter field price on product\n"
    )
    # --plan changed nothing: the step still waits for the answer, with 0004 applied.
    report = _check(home)
    assert report["step_index"] == 0
    assert [e["met"] for e in report["expectations"]] == [False, True, True]


def test_wrong_answers_to_the_plan_question(lesson_home):
    home = _at_step(lesson_home, 1)
    status, answer = tutor_json(home, "answer", "0004")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: 0003_change_price_field is missing from it."
    status, answer = tutor_json(home, "answer", "0004", "0003", "0002")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == "Not quite: 0002_add_price_to_product should not be in your answer."
    status, answer = tutor_json(home, "answer", "0004", "0003")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


def test_reverting_before_previewing_is_rejected(lesson_home):
    home = _at_step(lesson_home, 1)
    assert manage(home, "migrate", "store", "0002").returncode == 0
    # The live state now says nothing would be unapplied: a right answer, but not a preview.
    status, answer = tutor_json(home, "answer", "--none")
    assert status == 1 and answer["right"] is True
    assert not answer["check"]["passed"]
    details = unmet(answer["check"])
    assert len(details) == 2
    assert all("This step only previews: `--plan` changes nothing." in d for d in details)


# --- step 2: the revert -----------------------------------------------------------------------

def test_migrating_to_0003_undoes_only_0004(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "0003")
    assert "Unapplying store.0004_add_discount_field... OK" in result.stdout
    assert "0003_change_price_field..." not in result.stdout
    report = _check(home)
    assert report["step_index"] == 1
    assert unmet(report) == [
        "it is still recorded as applied in django_migrations. The target itself stays applied: "
        "`migrate store 0003` keeps 0003 and undoes only 0004. Target the migration before it: "
        "`python manage.py migrate store 0002`.",
        "the column allows NULL in the database.",
    ]


def test_migrating_to_0001_goes_one_too_far(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "0001")
    assert "Unapplying store.0002_add_price_to_product... OK" in result.stdout
    report = _check(home)
    details = " ".join(unmet(report))
    assert "it is not applied: django_migrations has no row for it. You went too far" in details
    assert "store_product has no column price" in details


def test_faking_the_revert_is_rejected(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "0002", "--fake")
    assert "Unapplying store.0004_add_discount_field... FAKED" in result.stdout
    details = " ".join(unmet(_check(home)))
    assert "column store_product.discount is in the database, though no applied migration adds it" in details
    assert "`--fake` changes django_migrations without running the undo" in details


def test_the_revert_prints_no_operations_to_reverse(lesson_home):
    home = _at_step(lesson_home, 2)
    result = manage(home, "migrate", "store", "0002")
    assert "Operations to reverse" not in result.stdout
    assert result.stdout.endswith(
        "  Unapplying store.0004_add_discount_field... OK\n"
        "  Unapplying store.0003_change_price_field... OK\n")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]
