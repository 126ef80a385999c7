"""Notes and history tell what happened (issue 27, point 12): a step passed by an answer is
written as the answer, not as "changes made outside the tutor's commands - nothing changed";
git work (a branch switched to, a commit) and a release that broke or works again appear in
`tutor notes` and in `tutor history`, read from the state, whichever command did them."""

from __future__ import annotations

import subprocess

from conftest import manage, tutor, tutor_json


def git(home, *args: str) -> None:
    subprocess.run(["git", *args], cwd=home / "sandbox", check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "Learner", "GIT_AUTHOR_EMAIL": "l@example.com",
                        "GIT_COMMITTER_NAME": "Learner", "GIT_COMMITTER_EMAIL": "l@example.com",
                        "PATH": "/usr/bin:/bin", "HOME": str(home)})


def history_changes(home) -> list[str]:
    status, data = tutor_json(home, "history")
    assert status == 0, data
    return [change for point in data["points"] for change in point.get("changes", [])]


def test_an_answer_is_written_as_the_answer(lesson_home):
    home = lesson_home("branch-switch")
    result = tutor(home, "answer", "0005")
    assert result.returncode == 0, result.stdout + result.stderr
    sheet = tutor(home, "notes").stdout
    answered = ('- Answered the question "Which store migrations are recorded as applied but '
                'have no file on this branch?": `0005`\n'
                "  - **Passed step 1: Find the migration with no file**\n")
    assert answered in sheet, sheet
    assert "changes made outside the tutor's commands" not in sheet.lower()
    assert "nothing changed" not in sheet


def test_a_wrong_answer_is_not_written_as_passing(lesson_home):
    home = lesson_home("branch-switch")
    assert tutor(home, "answer", "0001").returncode == 1
    sheet = tutor(home, "notes").stdout
    assert "Answered" not in sheet and "Passed step" not in sheet


def test_a_branch_switch_and_a_commit_appear_in_notes_and_history(lesson_home):
    home = lesson_home("branch-switch")
    git(home, "checkout", "-q", "feature")
    assert tutor(home, "check").returncode in (0, 1)
    git(home, "commit", "-q", "--allow-empty", "-m", "Remember the stock field")
    assert tutor(home, "check").returncode in (0, 1)
    sheet = tutor(home, "notes").stdout
    assert "git: on branch feature (was main)" in sheet, sheet
    assert "git: feature at " in sheet and " Remember the stock field (was " in sheet, sheet
    changes = history_changes(home)
    assert "git: on branch feature (was main)" in changes
    assert any(c.startswith("git: feature at ") and "Remember the stock field" in c
               for c in changes), changes


def test_a_release_that_broke_and_works_again_appears_in_notes_and_history(lesson_home):
    home = lesson_home("expand-contract")
    tutor(home, "check")  # the release seen working
    result = manage(home, "migrate", "store", "0003", "--database", "production")
    assert result.returncode == 0, result.stderr
    tutor(home, "check")
    assert manage(home, "migrate", "store", "--database", "production").returncode == 0
    tutor(home, "check")
    sheet = tutor(home, "notes").stdout
    broke = sheet.index("release 1.4: broke (")
    again = sheet.index("release 1.4: works again")
    assert broke < again
    assert "discount" in sheet[broke:again].splitlines()[0]
    changes = history_changes(home)
    assert any(c.startswith("release 1.4: broke (") for c in changes), changes
    assert "release 1.4: works again" in changes


def test_a_release_broken_from_the_start_is_said_broken_not_broke(lesson_home):
    """Where the tutor never saw it working (the first check after a reset), a release is
    broken, and the notes do not say when it broke."""
    home = lesson_home("expand-contract")
    assert manage(home, "migrate", "store", "0003", "--database", "production").returncode == 0
    tutor(home, "check")
    sheet = tutor(home, "notes").stdout
    assert "release 1.4: broken (" in sheet and "release 1.4: broke (" not in sheet


def test_a_check_that_changed_nothing_makes_no_point(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    tutor(home, "check")
    before = tutor_json(home, "history")[1]["points"]
    for _ in range(3):
        tutor(home, "check")
    assert tutor_json(home, "history")[1]["points"] == before
