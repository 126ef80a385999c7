"""branch-switch: 0005 was applied on `feature`, then `main` was checked out, so 0005 is a
record with no file and `stock` a column with no migration. Wrong paths a learner really takes,
each rejected with a specific message; the state is changed only with real commands (git and
manage.py). Without git, the lesson is skipped, never failed."""

from __future__ import annotations

import json
import shutil
import subprocess

from conftest import REPO, not_yet, run_ok, solve_steps, tutor, tutor_json, unmet, unmet_text

LESSON = "branch-switch"
STOCK_FILE = "store/migrations/0005_add_stock_to_product.py"
STOCK_DRIFT = "column store_product.stock is in the database, though no applied migration adds it"
RECORD_DELETED = ("If 0005's row is gone all the same, the record was deleted (`migrate "
                  "--prune`, `--fake`, or by hand) instead of the migration being undone")
CHECKOUT_FEATURE = ("0005 is still recorded as applied. On `main`, `migrate store 0004` cannot "
                    "undo it (there is no file for it there): `git checkout feature`, then "
                    "`python manage.py migrate store 0004` there.")
SWITCH_TO_MAIN = "it is on feature. Switch with `git checkout main`."


def git(home, *args: str) -> subprocess.CompletedProcess:
    """A git command in the sandbox, as the learner types it; it must succeed."""
    result = subprocess.run(["git", *args], cwd=home / "sandbox", capture_output=True,
                            text=True, encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _state(home) -> dict:
    _, status = tutor_json(home, "status")
    return status


def _answered(lesson_home):
    home = lesson_home(LESSON)
    status, answer = tutor_json(home, "answer", "0005")
    assert status == 0 and answer["right"] is True
    return home


# --- the start ------------------------------------------------------------------------------

def test_the_start_is_main_with_a_record_and_a_column_from_feature(lesson_home):
    home = lesson_home(LESSON)
    state = _state(home)
    assert state["git_branch"] == "main"
    assert state["orphans"] == ["store.0005_add_stock_to_product"]
    assert state["schema_drift"]["store"] == [STOCK_DRIFT]
    # The database and the tutor's marker are ignored: the working tree is clean.
    assert git(home, "status", "--porcelain").stdout == ""
    assert git(home, "branch", "--list").stdout.split() == ["feature", "*", "main"]
    assert not (home / "sandbox" / STOCK_FILE).exists()
    shown = run_ok(home, "showmigrations", "store").stdout
    assert "[X] 0004_add_discount_field" in shown and "0005" not in shown
    assert "Answer with `tutor answer CHOICE...`" in unmet_text(home, 0)


# --- step 1: which record has no file -------------------------------------------------------

def test_a_wrong_orphan_answer_is_rejected(lesson_home):
    home = lesson_home(LESSON)
    status, answer = tutor_json(home, "answer", "0004")
    assert status == 1 and answer["right"] is False
    assert answer["detail"] == ("Not quite: 0004_add_discount_field should not be in your "
                                "answer; 0005_add_stock_to_product is missing from it.")
    status, answer = tutor_json(home, "answer", "0005")
    assert status == 0 and answer["right"] is True
    assert answer["check"]["passed_steps"] == [0] and answer["check"]["step_index"] == 1


# --- step 2: undo 0005 where its file is ----------------------------------------------------

def test_migrating_back_on_main_does_nothing(lesson_home):
    home = _answered(lesson_home)
    out = run_ok(home, "migrate", "store", "0004").stdout
    assert "No migrations to apply." in out
    text = unmet_text(home, 1)
    assert CHECKOUT_FEATURE in text
    assert _state(home)["orphans"] == ["store.0005_add_stock_to_product"]


def test_pruning_on_main_deletes_the_record_and_keeps_the_column(lesson_home):
    home = _answered(lesson_home)
    out = run_ok(home, "migrate", "--prune", "store").stdout
    assert "Pruning store.0005_add_stock_to_product OK" in out
    state = _state(home)
    assert state["orphans"] == [] and state["schema_drift"]["store"] == [STOCK_DRIFT]
    report = not_yet(home, 1)
    details = unmet(report)
    assert details[0].startswith("the column is still in the table.")
    assert RECORD_DELETED in details[0]
    assert STOCK_DRIFT in details[1]
    assert CHECKOUT_FEATURE not in " ".join(details)  # the record is gone indeed


def test_faking_the_revert_on_feature_keeps_the_column(lesson_home):
    home = _answered(lesson_home)
    git(home, "checkout", "feature")
    assert _state(home)["git_branch"] == "feature"
    assert (home / "sandbox" / STOCK_FILE).is_file()
    out = run_ok(home, "migrate", "store", "0004", "--fake").stdout
    assert "Unapplying store.0005_add_stock_to_product... FAKED" in out
    text = unmet_text(home, 1)
    assert RECORD_DELETED in text and STOCK_DRIFT in text


# --- step 3: switch back to main ------------------------------------------------------------

def test_undoing_on_feature_then_staying_there_is_rejected(lesson_home):
    home = _answered(lesson_home)
    git(home, "checkout", "feature")
    out = run_ok(home, "migrate", "store", "0004").stdout
    assert "Unapplying store.0005_add_stock_to_product... OK" in out
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [1] and report["step_index"] == 2
    assert unmet(not_yet(home, 2)) == [SWITCH_TO_MAIN]
    git(home, "checkout", "main")
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"] is True
    state = _state(home)
    assert state["git_branch"] == "main" and state["orphans"] == []
    assert [c["name"] for c in state["tables"]["store_product"]] == [
        "id", "name", "price", "discount"]
    assert git(home, "status", "--porcelain").stdout == ""


def test_deleting_0005_on_feature_instead_of_switching_is_rejected(lesson_home):
    home = solve_steps(_answered(lesson_home), 1)
    assert _state(home)["git_branch"] == "feature"
    (home / "sandbox" / STOCK_FILE).unlink()
    text = unmet_text(home, 2)
    assert SWITCH_TO_MAIN in text
    assert "makemigrations would write a new migration: Add field stock to product." in text
    assert git(home, "status", "--porcelain").stdout == f" D {STOCK_FILE}\n"


# --- without git ----------------------------------------------------------------------------

def test_without_git_the_lesson_is_skipped_not_failed(monkeypatch, tmp_path, home):
    assert shutil.which("git")  # the other tests need it; here it is hidden
    empty = tmp_path / "no programs"
    empty.mkdir()
    # conftest's tutor() passes os.environ on, and runs `sys.executable -m tutor` with
    # PYTHONPATH set: Python and the tutor are found without PATH, git is not.
    monkeypatch.setenv("PATH", str(empty))

    _, listing = tutor_json(home, "lessons")
    missing = {row["id"]: row["missing"] for row in listing["lessons"]}
    assert missing["branch-switch"] == ["git"] and missing["cross-app-revert"] == []
    assert "skipped: needs git" in tutor(home, "lessons").stdout

    result = tutor(home, "reset", LESSON)
    assert result.returncode == 2
    assert "Lesson branch-switch needs git, which is not installed here" in result.stderr
    assert not (home / "sandbox").exists()

    folder = tmp_path / "my lessons"
    folder.mkdir()
    shutil.copy(REPO / "lessons" / f"{LESSON}.toml", folder)
    result = tutor(None, "lint-lessons", str(folder), "--solve", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["problems"] == []
    (lesson,) = report["lessons"]
    assert lesson["id"] == LESSON and lesson["loaded"] is True and lesson["solved"] is None
    assert lesson["skipped"] == "needs git, which is not installed here"


def test_on_feature_the_record_has_its_file_again(lesson_home):
    """The checkout alone repairs nothing in the database, but on `feature` Django sees 0005
    again: the record has its file, and the column its migration."""
    home = _answered(lesson_home)
    git(home, "checkout", "feature")
    assert "[X] 0005_add_stock_to_product" in run_ok(home, "showmigrations", "store").stdout
    state = _state(home)
    assert state["git_branch"] == "feature"
    assert state["orphans"] == [] and state["schema_drift"]["store"] == []
    assert unmet(not_yet(home, 1)) == [
        "it is still recorded as applied in django_migrations. " + CHECKOUT_FEATURE,
        "the column is still in the table. Undoing 0005 drops it. " + RECORD_DELETED
        + ": `tutor reset` rebuilds the lesson; then undo 0005 on `feature` with "
        "`python manage.py migrate store 0004`."]
