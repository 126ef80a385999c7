"""Notes and history tell what happened (issue 27, point 12): a step passed by an answer is
written as the answer, not as "changes made outside the tutor's commands - nothing changed";
git work (a branch switched to, a commit) and a release that broke or works again appear in
`tutor notes` and in `tutor history`, read from the state, whichever command did them."""

from __future__ import annotations

import json
import re
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
    [point] = tutor_json(home, "history")[1]["points"]  # the answer changed no file
    assert point["passed"] == [1]
    assert point["changes"] == ['answered "Which store migrations are recorded as applied but '
                                'have no file on this branch?": 0005']
    assert 'answered "Which store migrations' in tutor(home, "history").stdout


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
    # A switch says where the branch is, never "was" another branch's commit.
    assert re.search(r"git: on branch feature, at [0-9a-f]{7} Add stock to products "
                     r"\(was on main\)", sheet), sheet
    assert re.search(r"git: feature at [0-9a-f]{7} Remember the stock field \(was "
                     r"[0-9a-f]{7}\)", sheet), sheet
    changes = history_changes(home)
    assert any(c.startswith("git: on branch feature, at ") for c in changes), changes
    assert any(c.startswith("git: feature at ") and "Remember the stock field" in c
               for c in changes), changes


def test_git_work_that_moves_nothing_is_not_told_and_a_detached_head_is_said_so(lesson_home):
    home = lesson_home("branch-switch")
    tutor(home, "check")
    git(home, "gc", "-q")  # packs the commits: their subjects are no longer read
    tutor(home, "check")
    git(home, "checkout", "-q", "--detach", "feature")
    tutor(home, "check")
    sheet = tutor(home, "notes").stdout
    assert "(was " + "main" not in sheet and sheet.count("git: ") == 1, sheet
    assert re.search(r"git: HEAD detached, at [0-9a-f]{7} \(was on main\)", sheet), sheet
    assert "on branch (detached HEAD)" not in sheet


def test_a_head_that_points_outside_the_repository_is_not_read(lesson_home, tmp_path):
    outside = tmp_path / "secret"
    outside.write_text("ab" * 20 + "\n", encoding="utf-8")
    home = lesson_home("branch-switch")
    (home / "sandbox/.git/HEAD").write_text(f"ref: {outside}\n", encoding="utf-8")
    _, status = tutor_json(home, "status")
    assert status["git_head"] == "" and "abababa" not in json.dumps(status)


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


def test_a_release_first_seen_at_a_check_is_not_said_to_have_changed(lesson_home):
    """The lesson's start is read without its releases: at the first check after a reset the
    notes say nothing of a release (the check itself says whether it works), neither that
    1.4 "broke" when the tutor never saw it work, nor anything of 1.5, not deployed yet."""
    home = lesson_home("expand-contract")
    tutor(home, "check")
    assert "release 1." not in tutor(home, "notes").stdout


def test_a_release_broken_before_the_first_check_is_not_said_to_have_broken(lesson_home):
    home = lesson_home("expand-contract")
    assert manage(home, "migrate", "store", "0003", "--database", "production").returncode == 0
    tutor(home, "check")
    assert "release 1." not in tutor(home, "notes").stdout


def test_a_check_that_changed_nothing_makes_no_point(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    tutor(home, "check")
    before = tutor_json(home, "history")[1]["points"]
    for _ in range(3):
        tutor(home, "check")
    assert tutor_json(home, "history")[1]["points"] == before
