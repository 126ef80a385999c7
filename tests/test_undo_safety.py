"""`tutor undo` and `tutor redo` after the learners' attacks (issue 27, safety round 3): undo
never follows a link out of the sandbox, never loses what the learner wrote (it lists every
file it changes, and `tutor redo` brings it back), an undo cut short is finished whole, and
progress says the same everywhere after it. Real `tutor` commands on real sandboxes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, ci_suite_only, manage, tutor, tutor_json

from tutor.history import History

# The timeline works on files alike on both Django lines: CI runs this in one of its suites.
pytestmark = ci_suite_only("1")


def tree(folder: Path) -> dict:
    """Every file and link under `folder`, with its content or target."""
    found = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def applied(home: Path) -> set[str]:
    return {m["name"] for m in tutor_json(home, "status")[1]["migrations"] if m["applied"]}


# --- point 3: never through a link ------------------------------------------------------

def test_undo_refuses_a_sandbox_that_is_a_link_and_touches_nothing_there(lesson_home, tmp_path):
    """`HOME/sandbox` a link to a folder elsewhere (the learner's own): undo, like a reset,
    never follows it. Before, undo deleted the files there that its point did not hold."""
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0
    elsewhere = tmp_path / "my projects" / "shop"
    elsewhere.parent.mkdir()
    (home / "sandbox").rename(elsewhere)
    (home / "sandbox").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "precious.txt").write_text("my own work\n", encoding="utf-8")
    (elsewhere / "store" / "mine.py").write_text("x = 1\n", encoding="utf-8")
    before = tree(elsewhere)
    for command in ("undo", "redo", "solve"):  # (solve: found by the probe)
        result = tutor(home, command)
        assert result.returncode == 2, result.stdout + result.stderr
        said = " ".join(result.stderr.split())
        assert "is a link to" in said and "never follow a link out of the sandbox" in said
        assert "nothing was changed" in said and "Traceback" not in result.stderr
        assert tree(elsewhere) == before
    # A restore noted as cut short is not finished through the link either.
    (home / "history" / "restoring").write_text("0", encoding="utf-8")
    assert tutor(home, "lessons").returncode == 0 and tutor(home, "history").returncode == 0
    assert tree(elsewhere) == before


def test_links_in_the_sandbox_that_point_out_are_replaced_never_followed(lesson_home,
                                                                         tmp_path):
    """A file and a folder of the sandbox that became links out of it: undo puts the files
    back in the sandbox, and the files where the links point stay as they are; a link of the
    learner's (pointing out) that undo brings back is a link again, and nothing is written
    through it."""
    home = lesson_home("revert-applied")
    sandbox = home / "sandbox"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "readme.txt").write_text("outside's own\n", encoding="utf-8")
    (outside / "other.txt").write_text("also outside's\n", encoding="utf-8")
    (outside / "precious.txt").write_text("precious\n", encoding="utf-8")
    (sandbox / "docs").mkdir()
    (sandbox / "docs" / "readme.txt").write_text("the sandbox's readme\n", encoding="utf-8")
    (sandbox / "notes.txt").write_text("the sandbox's notes\n", encoding="utf-8")
    (sandbox / "shared").symlink_to(outside, target_is_directory=True)
    assert tutor(home, "check").returncode == 1  # a point: these as they are
    before_outside = tree(outside)
    import shutil

    shutil.rmtree(sandbox / "docs")
    (sandbox / "docs").symlink_to(outside, target_is_directory=True)
    (sandbox / "notes.txt").unlink()
    (sandbox / "notes.txt").symlink_to(outside / "precious.txt")
    (sandbox / "shared").unlink()
    (sandbox / "shared").mkdir()
    (sandbox / "shared" / "readme.txt").write_text("a folder now\n", encoding="utf-8")
    result = tutor(home, "undo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert tree(outside) == before_outside
    assert not (sandbox / "docs").is_symlink()
    assert (sandbox / "docs" / "readme.txt").read_text(encoding="utf-8") == \
        "the sandbox's readme\n"
    assert not (sandbox / "notes.txt").is_symlink()
    assert (sandbox / "notes.txt").read_text(encoding="utf-8") == "the sandbox's notes\n"
    assert os.readlink(sandbox / "shared") == str(outside)
    # And back again with redo: the links as they were, nothing written through them.
    assert tutor(home, "redo").returncode == 0
    assert tree(outside) == before_outside
    assert os.readlink(sandbox / "notes.txt") == str(outside / "precious.txt")
    assert (sandbox / "shared" / "readme.txt").read_text(encoding="utf-8") == "a folder now\n"


# --- point 4: nothing the learner wrote is lost ----------------------------------------------

def test_undo_lists_every_file_it_changes_and_redo_brings_back_what_the_learner_wrote(
        lesson_home):
    home = lesson_home("revert-applied")
    sandbox = home / "sandbox"
    assert tutor(home, "check").returncode == 1
    (sandbox / "MY_NOTES.txt").write_text("what I learnt\n", encoding="utf-8")
    (sandbox / "store" / "my_helper.py").write_bytes(b"def helper():\n    return 1\n")
    (sandbox / "evil\x1b[31m.txt").write_text("a name with an escape\n", encoding="utf-8")
    mine = {name: (sandbox / name).read_bytes()
            for name in ("MY_NOTES.txt", "store/my_helper.py", "evil\x1b[31m.txt")}
    result = tutor(home, "undo")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "MY_NOTES.txt: removed" in out and "store/my_helper.py: removed" in out
    assert "evil\\x1b[31m.txt: removed" in out and "\x1b" not in out
    assert "Nothing changed" not in out and "`tutor redo` brings" in out
    assert not any((sandbox / name).exists() for name in mine)
    shown = tutor(home, "history")
    assert "Taken back by undo" in shown.stdout and "tutor redo" in shown.stdout
    _, history = tutor_json(home, "history")
    assert [p["redo"] for p in history["undone"]] == [1]
    redone = tutor(home, "redo", "--json")
    assert redone.returncode == 0, redone.stdout + redone.stderr
    data = json.loads(redone.stdout)
    assert "MY_NOTES.txt: created" in data["files"] and data["check"]["passed"] is False
    assert {name: (sandbox / name).read_bytes() for name in mine} == mine
    again = tutor(home, "redo")
    assert again.returncode == 2 and "There is nothing to redo" in " ".join(again.stderr.split())
    assert tutor_json(home, "history")[1]["undone"] == []


def test_an_undo_of_thousands_of_files_says_how_many_more(lesson_home):
    home = lesson_home("revert-applied")
    assert tutor(home, "check").returncode == 1
    generated = home / "sandbox" / "generated"
    generated.mkdir()
    for number in range(450):
        (generated / f"file{number:03d}.txt").write_text(str(number), encoding="utf-8")
    result = tutor(home, "undo")
    assert result.returncode == 0
    listed = [line for line in result.stdout.splitlines() if line.startswith("  • ")]
    assert len(listed) == 201 and "generated/file000.txt: removed" in listed[1]
    assert listed[-1] == "  • ...and 251 more (all are in `--json`)"
    assert tutor(home, "redo", "--json").returncode == 0
    assert len(list(generated.iterdir())) == 450


def test_redo_refuses_once_the_sandbox_changed_after_the_undo(lesson_home):
    home = lesson_home("revert-applied")
    sandbox = home / "sandbox"
    assert tutor(home, "check").returncode == 1
    (sandbox / "MY_NOTES.txt").write_text("mine\n", encoding="utf-8")
    assert tutor(home, "undo").returncode == 0
    assert manage(home, "migrate", "store", "0002").returncode == 0  # new work
    result = tutor(home, "redo")
    assert result.returncode == 2
    assert "the sandbox changed since that undo" in " ".join(result.stderr.split())
    assert "0003_change_price_field" not in applied(home)  # the new work stays
    _, history = tutor_json(home, "history")
    assert [p["redo"] for p in history["undone"]] == [None]  # kept, but no redo reaches it
    assert "the sandbox changed since: no redo" in tutor(home, "history").stdout
    # Undoing the new work makes a redo possible again: it brings the new work back.
    assert tutor(home, "undo").returncode == 0
    assert "0003_change_price_field" in applied(home)
    assert tutor(home, "redo").returncode == 0
    assert "0003_change_price_field" not in applied(home)


def test_redo_brings_back_the_steps_passed_there(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0
    assert tutor(home, "undo").returncode == 0
    assert tutor_json(home, "status")[1]["step_index"] == 0
    assert tutor(home, "redo").returncode == 0
    assert tutor_json(home, "status")[1]["step_index"] == 1
    first = next(s for s in tutor_json(home, "report")[1]["steps"] if s["step"] == 1)
    assert first["passed"] and first["passed_at"] is not None


def test_redo_is_in_the_help(lesson_home):
    from tutor.cli import build_parser

    assert "redo" in build_parser().format_help()
    result = tutor(None, "redo", "--help")
    assert result.returncode == 0 and "take back the last undo" in result.stdout
    assert "brings it back" in tutor(None, "undo", "--help").stdout


# --- point 5: an undo cut short is finished whole ------------------------------------------

def _undo_paused(home: Path, seconds: float = 20) -> subprocess.Popen:
    """A real `tutor undo`, in its own process, that pauses halfway through its restore
    (the test-only pause of history.py) once it has begun it."""
    env = dict(os.environ, PYTHONPATH=str(REPO), TUTOR_TEST_PAUSE_IN_RESTORE=str(seconds))
    process = subprocess.Popen([sys.executable, "-m", "tutor", "undo", "--home", str(home)],
                               cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    restoring = home / "history" / "restoring"
    deadline = time.monotonic() + 30
    while not restoring.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the undo never began its restore"
        time.sleep(0.01)
    time.sleep(0.5)  # in the pause: its deletions done, nothing given back yet
    return process


def _passed_and_changed(home: Path) -> None:
    """Step 1 passed (0003 unapplied) and a file of the learner's since."""
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0
    (home / "sandbox" / "MY_NOTES.txt").write_text("mine\n", encoding="utf-8")
    assert tutor(home, "check").returncode == 1  # (a point: the file seen)


def test_an_undo_killed_in_its_restore_is_finished_whole_by_the_next_command(lesson_home):
    """SIGKILL halfway through the restore: the next command finishes the files, the
    timeline and progress; the next undo goes on from there, not back to where the learner
    was before the first; and redo still brings it all back."""
    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    assert manage(home, "migrate", "store", "0001").returncode == 0
    process = _undo_paused(home)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (home / "history" / "restoring").exists()
    _, status = tutor_json(home, "status")  # any command finishes it
    assert not (home / "history" / "restoring").exists()
    assert status["step_index"] == 1
    assert {m["name"] for m in status["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product"}
    assert (home / "sandbox" / "MY_NOTES.txt").read_text(encoding="utf-8") == "mine\n"
    _, history = tutor_json(home, "history")
    assert len(history["points"]) == 3 and len(history["undone"]) == 1
    # The next undo goes one further back (the file), not to 0001 again.
    assert tutor(home, "undo").returncode == 0
    assert not (home / "sandbox" / "MY_NOTES.txt").exists()
    assert "0002_add_price_to_product" in applied(home)
    assert tutor(home, "redo", "2").returncode == 0
    assert applied(home) == {"0001_initial"}


def test_work_written_after_an_undo_was_cut_short_is_kept_and_said(lesson_home):
    """Probe: an undo killed mid-restore, then the learner goes on writing (a new file, an
    edit of models.py), then any command: the undo was finished and the new work deleted,
    unsaid, beyond any redo. It is kept as the last point the undo took back, named in a
    warning, and `tutor redo` brings it back."""
    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    process = _undo_paused(home)
    process.send_signal(signal.SIGKILL)
    process.wait()
    sandbox = home / "sandbox"
    (sandbox / "PRECIOUS.txt").write_text("precious\n", encoding="utf-8")
    models = sandbox / "store" / "models.py"
    edited = models.read_text(encoding="utf-8") + "# MY EDIT\n"
    models.write_text(edited, encoding="utf-8")
    result = tutor(home, "status")
    said = " ".join(result.stderr.split())
    assert "An undo cut short was finished now. What you wrote since it was cut short is " \
           "kept (" in said and "PRECIOUS.txt" in said and "store/models.py" in said, said
    assert "`tutor redo` brings it back" in said
    assert not (sandbox / "PRECIOUS.txt").exists()
    assert tutor(home, "redo").returncode == 0
    assert (sandbox / "PRECIOUS.txt").read_text(encoding="utf-8") == "precious\n"
    assert models.read_text(encoding="utf-8") == edited
    assert (sandbox / "MY_NOTES.txt").read_text(encoding="utf-8") == "mine\n"


def test_an_undo_cut_short_with_nothing_written_since_is_said_finished(lesson_home):
    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    process = _undo_paused(home)
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = tutor(home, "status")
    assert "An undo cut short was finished now." in " ".join(result.stderr.split())
    assert "kept" not in result.stderr
    assert tutor(home, "status").stderr == ""  # said once, when it was finished


def test_a_file_whose_name_is_as_long_as_a_file_system_takes_is_undone(lesson_home):
    """Probe: the restore's temporary file was named after the file (`.NAME.PID.undo`): for a
    name of 244 to 255 bytes that is too long, and the sandbox stayed half restored for
    good. The temporary file is named after the content."""
    home = lesson_home("revert-applied")
    long = home / "sandbox" / ("a" * 255)
    long.write_text("first\n", encoding="utf-8")
    assert tutor(home, "check").returncode == 1
    long.write_text("second\n", encoding="utf-8")
    result = tutor(home, "undo")
    assert result.returncode == 0, result.stdout + result.stderr
    assert long.read_text(encoding="utf-8") == "first\n"
    assert tutor(home, "redo").returncode == 0
    assert long.read_text(encoding="utf-8") == "second\n"
    assert not (home / "history" / "restoring").exists()


def test_ctrl_c_in_an_undo_finishes_it_first_and_says_so(lesson_home):
    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    process = _undo_paused(home, seconds=3)  # (the pause goes on after the Ctrl-C)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, out + err
    assert "Ctrl-C: the undo is finished first" in err and "Traceback" not in err
    assert not (home / "history" / "restoring").exists()
    assert not (home / "sandbox" / "MY_NOTES.txt").exists()
    _, history = tutor_json(home, "history")
    assert len(history["points"]) == 2 and len(history["undone"]) == 1
    assert tutor(home, "redo").returncode == 0
    assert (home / "sandbox" / "MY_NOTES.txt").read_text(encoding="utf-8") == "mine\n"


def test_a_full_disk_in_an_undo_says_what_it_left_and_the_next_command_finishes_it(
        lesson_home, monkeypatch):
    """The disk fills up halfway through the restore (here: copying a file back fails as a
    full disk's would): the undo says so and what finishes it, exit 2, no traceback; while
    the disk is still full, each command says the undo is not finished yet; once there is
    room, the next command finishes it whole."""
    import errno
    import shutil

    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    real = shutil.copyfile
    full = {"on": True}

    def copy(source, target, *args, **kwargs):
        if full["on"]:
            raise OSError(errno.ENOSPC, "No space left on device", str(target))
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copy)
    (home / "sandbox" / "store" / "models.py").write_text("# broken by the learner\n")
    result = tutor(home, "undo")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert "The undo was cut short: the operating system refused: No space left on device" \
        in said and "the next tutor command finishes the undo" in said
    assert "Free some space on the disk" in said
    for command in ("status", "lessons"):
        still = tutor(home, command)
        assert "An undo cut short could not be finished yet (No space left on device)" in \
            " ".join(still.stderr.split())
    full["on"] = False
    _, lessons = tutor_json(home, "lessons")  # reading progress alone, it is finished first
    assert next(r for r in lessons["lessons"] if r["id"] == "revert-applied")["step_index"] == 1
    assert not (home / "history" / "restoring").exists()
    assert "broken by the learner" not in (home / "sandbox" / "store" / "models.py").read_text()
    _, history = tutor_json(home, "history")
    assert len(history["undone"]) == 1


def test_an_undo_that_cannot_be_finished_never_blocks_a_reset(lesson_home):
    """The contents a cut-short undo needs are gone (deleted by hand): every command says it
    cannot be finished, none fails for it, and `tutor reset` starts over."""
    import shutil

    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    (home / "sandbox" / "store" / "models.py").write_text("# the learner's edit\n")
    process = _undo_paused(home)  # (models.py is to be copied back from the contents)
    process.send_signal(signal.SIGKILL)
    process.wait()
    shutil.rmtree(home / "history" / "objects")
    result = tutor(home, "status")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert "An undo cut short could not be finished yet" in " ".join(result.stderr.split())
    reset = tutor(home, "reset")
    assert reset.returncode == 0, reset.stderr
    assert not (home / "history" / "restoring").exists()
    assert tutor(home, "status").stderr == ""


def test_a_command_during_an_undo_waits_and_does_not_finish_it_twice(lesson_home):
    """Another tutor run while an undo restores sees the note, waits for the home's lock, and
    finds the undo done: it does nothing of it again (the journal has one undo)."""
    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    env = dict(os.environ, PYTHONPATH=str(REPO), TUTOR_TEST_PAUSE_IN_RESTORE="1.5")
    process = subprocess.Popen([sys.executable, "-m", "tutor", "undo", "--home", str(home)],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    while not (home / "history" / "restoring").exists():
        assert process.poll() is None
        time.sleep(0.01)
    _, status = tutor_json(home, "status")  # waits for the undo to finish
    assert process.wait(timeout=60) == 0
    assert not (home / "sandbox" / "MY_NOTES.txt").exists()
    assert status["step_index"] == 1
    journal = [json.loads(line) for line in
               (home / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [entry["kind"] for entry in journal].count("undo") == 1
    assert len(tutor_json(home, "history")[1]["undone"]) == 1


# --- point 6: one rule for what is passed --------------------------------------------------

def test_after_an_undo_takes_back_a_pass_every_view_agrees(step_home, tmp_path):
    home = step_home("revert-applied", 3)  # both steps passed: the lesson done
    assert tutor_json(home, "status")[1]["lesson_complete"] is True
    result = tutor(home, "undo", "--json")
    assert result.returncode == 0, result.stdout + result.stderr  # it undid
    undone = json.loads(result.stdout)
    assert undone["check"]["passed"] is False and undone["undone"]
    _, status = tutor_json(home, "status")
    assert status["step_index"] == 1 and status["lesson_complete"] is False
    _, lessons = tutor_json(home, "lessons")
    row = next(r for r in lessons["lessons"] if r["id"] == "revert-applied")
    assert row["completed"] is False and row["step_index"] == 1
    assert "step 2/2 (current)" in tutor(home, "lessons").stdout
    _, report = tutor_json(home, "report")
    assert report["current"] == {"lesson": "revert-applied", "step": 2}
    second = next(s for s in report["steps"] if s["step"] == 2)
    assert second["current"] and not second["passed"] and second["passed_at"] is None
    assert second["stuck_for_seconds"] is not None
    first = next(s for s in report["steps"] if s["step"] == 1)
    assert first["passed"]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(report), encoding="utf-8")
    from conftest import tutor as run

    table = run(None, "class-report", str(export), "--csv")
    assert table.returncode == 0
    assert "lesson complete" not in table.stdout
    assert ",1," in table.stdout  # one step passed, not two
    from tutor.classroom.telling import position
    from tutor.progress import ProgressFile
    from tutor.lessons import load_course

    where = position(ProgressFile(home).load(), load_course())
    assert where["step"] == 2 and where["done"] == {"revert-applied": [1]}


def test_a_pass_from_before_a_reset_stays_after_an_undo(lesson_home):
    """A reset starts the steps over but what was done stays done (README): an undo takes
    back the passes of its own timeline only."""
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0
    time.sleep(1.1)  # the build after the reset is later than the last one's pass
    assert tutor(home, "reset").returncode == 0
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0
    assert tutor(home, "undo").returncode == 0
    first = next(s for s in tutor_json(home, "report")[1]["steps"] if s["step"] == 1)
    assert first["passed"] and first["current"]


# --- point 8: damaged and newer files --------------------------------------------------------

def test_a_point_nested_too_deeply_is_said_and_left_out(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0
    deep = home / "history" / "points" / "000007.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    for command in (("history",), ("undo",)):
        result = tutor(home, *command)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        said = " ".join(result.stderr.split())
        assert "history/points/000007.json could not be read (nested too deeply to read): " \
               "it is left out of the timeline." in said
    assert "0003_change_price_field" in applied(home)  # the undo went to the real point


def test_a_progress_file_from_a_newer_tutor_is_refused_and_left_untouched(lesson_home):
    home = lesson_home("revert-applied")
    newer = json.dumps({"format": 2, "current": "revert-applied", "lessons": {},
                        "something_new": [1, 2]}).encode()
    (home / "progress.json").write_bytes(newer)
    for command in ("status", "lessons", "report", "check", "undo"):
        result = tutor(home, command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        said = " ".join(result.stderr.split())
        assert "was written by a newer tutor (progress format 2; this tutor reads format 1)" \
            in said, said
        assert "Traceback" not in result.stderr
    assert (home / "progress.json").read_bytes() == newer
    assert not list(home.glob("progress.json.unreadable-*"))


# --- point 12: a check that changed nothing makes no point ------------------------------------

@pytest.mark.parametrize("lesson", ["revert-applied", "branch-switch"])
def test_a_check_or_status_that_changed_nothing_makes_no_point_git_lessons_too(lesson_home,
                                                                          lesson):
    home = lesson_home(lesson)
    tutor(home, "check")
    points = History(home, home / "sandbox").points()
    for _ in range(3):
        tutor(home, "check")
        tutor(home, "status")
    assert [p.number for p in History(home, home / "sandbox").points()] == \
        [p.number for p in points]
    (home / "sandbox" / "scratch.txt").write_text("a change\n", encoding="utf-8")
    tutor(home, "check")
    assert len(History(home, home / "sandbox").points()) == len(points) + 1


def test_redo_in_the_session_menu_after_an_undo(lesson_home):
    """The session's menu offers "redo" right below "undo" once an undo can be redone."""
    import pexpect
    from test_session_pty import DOWN, ENTER, MENU, choose, run_command, spawn_tutor

    home = lesson_home("revert-applied")
    child = spawn_tutor(home, "start")
    run_command(child, "python manage.py migrate store zero")
    child.expect_exact("Unapplying store.0001_initial")
    choose(child, "undo")
    child.expect_exact("↶ python manage.py migrate store zero")
    child.expect_exact("What would you like to do")
    child.expect_exact("Redo: take back the last undo")
    child.send(DOWN * (MENU.index("undo") + 1) + ENTER)
    child.expect_exact("Redone:")
    child.expect_exact("↷ python manage.py migrate store zero")
    child.expect_exact("store.0001_initial: applied -> not applied")
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert applied(home) == set()
    assert tutor_json(home, "history")[1]["undone"] == []


@pytest.mark.parametrize("damage", ["torn", "deep"])
def test_an_undo_cut_short_whose_note_is_damaged_is_said_not_passed_over(lesson_home, damage):
    """Probe: a restore killed halfway, then its note torn (or nested 100 000 deep): the next
    command said nothing, and the sandbox held neither the point's files nor the newer ones.
    It is said, once, with the ways out."""
    home = lesson_home("revert-applied")
    _passed_and_changed(home)
    process = _undo_paused(home)
    process.send_signal(signal.SIGKILL)
    process.wait()
    note = home / "history" / "restoring"
    text = note.read_text(encoding="utf-8")
    note.write_text(text[:len(text) // 2] if damage == "torn" else "[" * 100_000 + "]" * 100_000,
                    encoding="utf-8")
    result = tutor(home, "status")
    said = " ".join(result.stderr.split())
    assert "its note (history/restoring in the home) could not be read" in said, said
    assert "may be half restored" in said and "Traceback" not in result.stderr
    assert tutor(home, "status").stderr == ""
    assert tutor(home, "reset", "revert-applied").returncode == 0


def test_a_pipe_in_the_sandbox_is_left_where_it_is(lesson_home):
    """Probe: a named pipe (which no point can hold) was removed by undo, unsaid, and no
    redo brought it back. What undo cannot keep it does not take away."""
    home = lesson_home("revert-applied")
    pipe = home / "sandbox" / "myfifo"
    os.mkfifo(pipe)
    assert tutor(home, "check").returncode == 1
    (home / "sandbox" / "B.txt").write_text("b\n", encoding="utf-8")
    assert tutor(home, "check").returncode == 1
    assert tutor(home, "undo").returncode == 0
    assert not (home / "sandbox" / "B.txt").exists()
    assert pipe.exists() and stat.S_ISFIFO(os.lstat(pipe).st_mode)
