"""merge-migrations: two 0004s from two branches, merged, applied, and reverted. Wrong paths a
learner really takes, each rejected with a specific message; the state is changed only with
real commands."""

from __future__ import annotations

import json

from conftest import manage, run_ok, solve_steps, tutor, tutor_json, unmet, unmet_text

LESSON = "merge-migrations"
CONFLICT = ("CommandError: Conflicting migrations detected; multiple leaf nodes in the migration "
            "graph: (0004_add_discount_field, 0004_add_stock_to_product in store).")


# --- step 1: merge --------------------------------------------------------------------------

def test_migrate_refuses_while_there_are_two_leaves(lesson_home):
    home = lesson_home(LESSON)
    result = manage(home, "migrate")
    assert result.returncode == 1
    assert CONFLICT in result.stderr
    assert "To fix them run 'python manage.py makemigrations --merge'" in result.stderr
    result = manage(home, "migrate", "store", "0003")
    assert result.returncode == 1 and CONFLICT in result.stderr
    assert "there is no file store/migrations/0005_merge_discount_stock.py" in unmet_text(home, 0)


def test_a_merge_with_the_default_name_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    result = run_ok(home, "makemigrations", "store", "--merge", "--noinput")
    assert "Created new merge migration" in result.stdout
    merged = [p.name for p in (home / "sandbox/store/migrations").glob("0005_merge_*.py")]
    assert len(merged) == 1 and merged[0] != "0005_merge_discount_stock.py"
    details = unmet_text(home, 0)
    assert "(a merge with another name: delete it first)" in details
    assert f"it also holds {merged[0][:-3]}" in details


def test_deleting_a_branch_instead_of_merging_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    (home / "sandbox/store/migrations/0004_add_stock_to_product.py").unlink()
    run_ok(home, "migrate", "store")  # no conflict left: nothing to apply
    details = unmet_text(home, 0)
    assert "Keep both branches' 0004 files" in details
    assert "store/models.py must keep both `discount` and `stock`" in details


# --- step 2: apply --------------------------------------------------------------------------

def test_applying_one_side_only_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 1)
    result = run_ok(home, "migrate", "store", "0004_add_stock_to_product")
    assert "Applying store.0004_add_stock_to_product... OK" in result.stdout
    status, report = tutor_json(home, "check")
    assert status == 1 and report["step_index"] == 1
    assert unmet(report) == [
        "it is not applied: django_migrations has no row for it. Apply it: "
        "`python manage.py migrate store`."
    ]


def test_faking_the_apply_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 1)
    result = run_ok(home, "migrate", "store", "--fake")
    assert "Applying store.0004_add_stock_to_product... FAKED" in result.stdout
    details = unmet_text(home, 1)
    assert "The stock column is missing: `migrate --fake`" in details
    assert "column store_product.stock is missing, though the applied migrations add it" in details


# --- step 3: revert both sides --------------------------------------------------------------

def test_the_plan_lists_the_merge_then_both_sides(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    plan = run_ok(home, "migrate", "store", "0003", "--plan").stdout
    assert plan.index("store.0005_merge_discount_stock") < plan.index(
        "store.0004_add_discount_field") < plan.index("store.0004_add_stock_to_product")
    assert "Undo Add field discount to product" in plan
    assert "Undo Add field stock to product" in plan


def test_reverting_to_one_side_undoes_only_the_merge(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    result = run_ok(home, "migrate", "store", "0004_add_discount_field")
    assert "Unapplying store.0005_merge_discount_stock... OK" in result.stdout
    # Only what depends on the target is unapplied: the other side stays applied too.
    assert "Unapplying store.0004" not in result.stdout
    status, answer = tutor_json(home, "answer", "0001", "0002", "0003",
                                "0004_add_discount_field", "0004_add_stock_to_product")
    assert answer["right"] is True and status == 1
    details = " ".join(unmet(answer["check"]))
    assert "Your branch's 0004 is still applied" in details
    assert "Your colleague's 0004 is still applied" in details
    assert "The discount column is still in the table" in details


def test_reverting_too_far_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    run_ok(home, "migrate", "store", "0002")
    status, answer = tutor_json(home, "answer", "0001", "0002")
    assert answer["right"] is True and status == 1
    assert "You went too far: 0001 to 0003 must stay applied" in " ".join(unmet(answer["check"]))


def test_a_wrong_answer_after_the_revert(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    run_ok(home, "migrate", "store", "0003")
    result = tutor(home, "answer", "0001", "0002", "0003", "0005", "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["right"] is False
    status, answer = tutor_json(home, "answer", "0001", "0002", "0003")
    assert status == 0 and answer["check"]["lesson_complete"]


def test_faking_the_revert_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    solve_steps(home, 2)
    run_ok(home, "migrate", "store", "0003", "--fake")
    status, answer = tutor_json(home, "answer", "0001", "0002", "0003")
    assert status == 1
    details = " ".join(unmet(answer["check"]))
    assert "The discount column is still in the table: `--fake` deletes the records only." in details
    assert "The stock column is still in the table" in details
