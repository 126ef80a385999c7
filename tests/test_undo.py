"""`tutor undo` and `tutor history` (issue 16): the sandbox goes back to a point the tutor saw,
restored from real files (the database's rows and record included), and progress follows."""

from __future__ import annotations

import json
import os
import time

import pytest
from conftest import manage, tutor, tutor_json

from tutor.history import KEEP, History, Restoring


def live(home):
    """What undo must give back exactly: the record, the schema and the rows."""
    _, data = tutor_json(home, "status")
    return {key: data[key] for key in ("migrations", "tables", "rows", "row_counts",
                                       "database_exists", "database_mark", "orphans")}


def test_undo_after_migrate_zero_gives_back_the_record_schema_and_rows(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "shell", "-c", "from store.models import Product; "
                  "Product.objects.create(name='kept', price=7)").returncode == 0
    assert tutor(home, "check").returncode == 1  # seen: a point of the timeline
    before = live(home)
    assert {"name": "kept", "price": 7} in [
        {k: row[k] for k in ("name", "price")} for row in before["rows"]["store_product"]]
    assert manage(home, "migrate", "store", "zero").returncode == 0
    assert live(home) != before
    result = tutor(home, "undo")
    assert result.returncode == 0, result.stderr  # it undid (its check: step 1, not yet done)
    assert "Not yet" in result.stdout
    assert "Undone:" in result.stdout and "changes made outside the tutor" in result.stdout
    assert "store.0001_initial: not applied -> applied" in result.stdout
    assert live(home) == before


def test_undo_after_the_database_file_is_deleted_brings_back_the_lessons_own(lesson_home):
    home = lesson_home("revert-applied")
    before = live(home)
    (home / "sandbox" / "db.sqlite3").unlink()
    assert tutor_json(home, "status")[1]["database_exists"] is False
    assert tutor(home, "undo").returncode == 0
    assert live(home) == before  # its mark too: the database the lesson started with
    _, report = tutor_json(home, "check")
    met = {e["text"]: e["met"] for e in report["expectations"]}
    assert met["db.sqlite3 is the database this lesson started with"] is True


def test_undo_brings_back_a_deleted_applied_file_byte_for_byte(lesson_home):
    home = lesson_home("revert-applied")
    migration = home / "sandbox" / "store" / "migrations" / "0003_change_price_field.py"
    content, mode = migration.read_bytes(), migration.stat().st_mode
    migration.unlink()
    assert tutor(home, "undo").returncode == 0
    assert migration.read_bytes() == content and migration.stat().st_mode == mode


def test_undo_past_a_passed_step_makes_it_unpassed(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    _, report = tutor_json(home, "check")
    assert report["step_index"] == 1  # step 1 passed
    result = tutor(home, "undo")
    _, status = tutor_json(home, "status")
    assert status["step_index"] == 0, result.stdout
    assert {m["name"] for m in status["migrations"] if m["applied"]} == {
        "0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    # Done again, it passes again: progress follows the state.
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor_json(home, "check")[1]["step_index"] == 1


def test_undo_several_and_the_history_that_lists_them(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    tutor(home, "check")
    assert manage(home, "migrate", "store", "0001").returncode == 0
    tutor(home, "check")
    _, history = tutor_json(home, "history")
    assert [p["did"] for p in history["points"]] == ["tutor reset revert-applied", "", ""]
    assert [p["step"] for p in history["points"]] == [1, 2, 2]
    assert [p["passed"] for p in history["points"]] == [[], [1], []]
    assert "store.0003_change_price_field: applied -> not applied" in history["points"][1][
        "changes"]
    assert "store.0002_add_price_to_product: applied -> not applied" in history["points"][2][
        "changes"]
    shown = tutor(home, "history").stdout
    assert "✓ step 1 passed" in shown
    assert "• store.0002_add_price_to_product: applied -> not applied" in shown
    assert "tutor reset revert-applied" in shown and "tutor undo 2" in shown and "now" in shown
    assert tutor(home, "undo", "2").returncode == 0
    _, status = tutor_json(home, "status")
    assert status["step_index"] == 0
    assert len(tutor_json(home, "history")[1]["points"]) == 1


@pytest.mark.parametrize("count, said", [
    ("1", "There is nothing to undo since the lesson's start."),
    ("0", "Undo takes a number of commands from 1 up, not 0."),
    ("-3", "Undo takes a number of commands from 1 up, not -3."),
])
def test_nothing_to_undo_is_said_and_changes_nothing(lesson_home, count, said):
    home = lesson_home("revert-applied")
    before = live(home)
    result = tutor(home, "undo", count)
    assert result.returncode == 2
    assert said in " ".join(result.stderr.split()), result.stderr
    assert "Traceback" not in result.stderr
    assert live(home) == before


def test_more_than_the_timeline_holds_is_said(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    result = tutor(home, "undo", "5")
    assert result.returncode == 2
    assert "Only 1 change can be undone since the lesson's start, not 5." in " ".join(
        result.stderr.split())
    assert "tutor history" in result.stderr


def test_undo_never_crosses_a_reset(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "zero").returncode == 0
    tutor(home, "check")
    assert tutor(home, "reset").returncode == 0
    result = tutor(home, "undo")
    assert result.returncode == 2 and "nothing to undo" in result.stderr


def test_a_hostile_point_cannot_write_outside_the_sandbox(lesson_home, tmp_path):
    """A point edited to name `../` (or a path through a link) is not read: undo goes to the
    real points only, and nothing appears outside the sandbox."""
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    tutor(home, "check")
    history = History(home, home / "sandbox")
    good = history.points()[-1].to_json()
    digest = next(entry[0] for entry in good["files"].values() if entry[0] != "->")
    for number, path in ((90, "../../escaped.txt"), (91, "/tmp/escaped.txt"),
                         (92, "link/escaped.txt")):
        files = {path: [digest, 0o644, 1, 1, 1]}
        if path.startswith("link/"):
            files["link"] = ["->", str(tmp_path)]
        (home / "history" / "points" / f"{number:06d}.json").write_text(
            json.dumps({**good, "number": number, "files": files}), encoding="utf-8")
    assert len(history.points()) == 2  # the reset's and the check's
    assert tutor(home, "undo").returncode == 0
    assert not (home / "escaped.txt").exists() and not (tmp_path / "escaped.txt").exists()
    assert not os.path.exists("/tmp/escaped.txt")


def test_a_file_rewritten_within_the_clocks_tick_is_read_again(tmp_path):
    """The same size and the same timestamp (a coarse file-system clock): a file changed
    right after a snapshot is not taken for the one snapshotted."""
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    target = sandbox / "models.py"
    target.write_text("price = 1\n", encoding="utf-8")
    history = History(tmp_path, sandbox)
    history.record("", 0)
    stamp = target.stat().st_mtime_ns
    target.write_text("price = 2\n", encoding="utf-8")
    os.utime(target, ns=(stamp, stamp))
    assert history.record("edit", 0) is not None
    assert history.record("", 0) is None  # and unchanged, nothing new


def test_the_timeline_keeps_its_last_points_and_only_their_contents(tmp_path):
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    history = History(tmp_path, sandbox)
    for number in range(KEEP + 5):
        (sandbox / "db.sqlite3").write_bytes(f"version {number}".encode())
        assert history.record(f"change {number}", 0) is not None
    points = history.points()
    assert len(points) == KEEP and points[0].did == "change 5"
    used = {entry[0] for point in points for entry in point.files.values()}
    assert {p.name for p in (tmp_path / "history" / "objects").iterdir()} == used


def test_undo_in_the_session_menu(lesson_home):
    from test_session_pty import choose, run_command, spawn_tutor

    import pexpect

    home = lesson_home("revert-applied")
    child = spawn_tutor(home, "start")
    run_command(child, "python manage.py migrate store zero")
    child.expect_exact("Unapplying store.0001_initial")
    choose(child, "undo")
    child.expect_exact("Undone:")
    child.expect_exact("↶ python manage.py migrate store zero")
    child.expect_exact("store.0001_initial: not applied -> applied")
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    applied = {m["name"] for m in tutor_json(home, "status")[1]["migrations"] if m["applied"]}
    assert applied == {"0001_initial", "0002_add_price_to_product", "0003_change_price_field"}
    assert [p["did"] for p in tutor_json(home, "history")[1]["points"]] == [
        "tutor reset revert-applied"]


def test_a_snapshot_of_an_unchanged_sandbox_writes_nothing(lesson_home):
    home = lesson_home("revert-applied")
    history = History(home, home / "sandbox")
    history.record("", 0)
    objects = home / "history" / "objects"
    before = {p.name: p.stat().st_mtime_ns for p in objects.iterdir()}
    time.sleep(0.06)  # beyond the racy window: the stat details are trusted
    assert history.record("", 0) is None
    assert {p.name: p.stat().st_mtime_ns for p in objects.iterdir()} == before


def test_undo_restores_in_place_so_a_terminal_in_the_sandbox_stays_there(lesson_home):
    home = lesson_home("revert-applied")
    folder = (home / "sandbox").stat().st_ino
    assert manage(home, "migrate", "store", "zero").returncode == 0
    assert tutor(home, "undo").returncode == 0
    assert (home / "sandbox").stat().st_ino == folder
    # A command run from that folder now (a learner's own terminal) sees the restored state.
    assert "[X] 0003_change_price_field" in manage(home, "showmigrations", "store").stdout


def test_an_undo_cut_short_is_finished_by_the_next_tutor(lesson_home):
    """As after a SIGKILL in the middle of a restore: the point it was going to is noted,
    some files are back and some are not. The next tutor command finishes it."""
    home = lesson_home("revert-applied")
    before = live(home)
    migration = home / "sandbox" / "store" / "migrations" / "0003_change_price_field.py"
    content = migration.read_bytes()
    tutor(home, "check")
    history = History(home, home / "sandbox")
    target = history.points()[-1]
    assert manage(home, "migrate", "store", "zero").returncode == 0
    migration.unlink()
    (home / "sandbox" / "store" / "stray.py").write_text("# made since\n", encoding="utf-8")
    (home / "history" / "restoring").write_text(str(target.number), encoding="utf-8")
    _, status = tutor_json(home, "status")  # any command
    assert not (home / "history" / "restoring").exists()
    assert migration.read_bytes() == content
    assert not (home / "sandbox" / "store" / "stray.py").exists()
    assert live(home) == before


def test_notes_hold_each_command_what_it_changed_and_the_mistakes_undone(lesson_home, tmp_path):
    from tutor.workspace import Workspace

    home = lesson_home("revert-applied")
    workspace = Workspace(home)
    workspace.remember_before_command()
    assert manage(home, "migrate", "store", "zero").returncode == 0
    workspace.check(did="python manage.py migrate store zero")
    workspace.undo(1)  # (checks where it left the sandbox, as `tutor undo` does)
    assert manage(home, "migrate", "store", "0002").returncode == 0
    workspace.check(did="python manage.py migrate store 0002")
    out = tmp_path / "notes.md"
    result = tutor(home, "notes", "--output", str(out))
    assert result.returncode == 0 and f"Notes written to {out}." in result.stdout
    sheet = out.read_text(encoding="utf-8")
    assert "## 2. Undo an applied migration (not finished)" in sheet
    zero = sheet.index("- `python manage.py migrate store zero`")
    undone = sheet.index("- **Undone** (a mistake taken back): "
                         "`python manage.py migrate store zero`.")
    right = sheet.index("- `python manage.py migrate store 0002`")
    assert zero < undone < right
    assert "  - table store\\_product: dropped" in sheet[zero:undone]
    assert "  - store.0003\\_change\\_price\\_field: applied -> not applied" in sheet[right:]
    assert "  - **Passed step 1: Unapply 0003 by migrating to 0002**" in sheet[right:]
    assert "    > `python manage.py migrate store 0002` prints `Unapplying " \
           "store.0003_change_price_field... OK`" in sheet
    assert tutor(home, "notes").stdout == sheet


@pytest.mark.parametrize("output, said", [(".", "is a folder"),
                                          ("missing/notes.md", "There is no folder")])
def test_notes_to_a_place_that_cannot_take_them_is_said(home, output, said):
    result = tutor(home, "notes", "--output", output)
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr


def test_notes_before_anything_is_done(home):
    result = tutor(home, "notes")
    assert result.returncode == 0 and "Nothing done yet" in result.stdout


def test_a_sigkill_in_the_middle_of_an_undo_loses_nothing(lesson_home):
    """A real `tutor undo`, killed with SIGKILL while it restores (a large file makes the
    restore last long enough to be caught in it): the next command finishes it."""
    import signal
    import subprocess
    import sys

    from conftest import REPO

    home = lesson_home("revert-applied")
    large = home / "sandbox" / "fixtures.json"
    large.write_bytes(b"[" + b"0," * 40_000_000 + b"0]")
    assert tutor(home, "check").returncode == 1
    before, content = live(home), large.read_bytes()
    large.unlink()
    assert manage(home, "migrate", "store", "zero").returncode == 0
    restoring = home / "history" / "restoring"
    for _ in range(5):  # caught in the restore, or tried again
        process = subprocess.Popen([sys.executable, "-m", "tutor", "undo", "--home", str(home)],
                                   cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while process.poll() is None and not restoring.exists():
            time.sleep(0.0005)
        caught = restoring.exists() and process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
        if caught:
            break
        assert tutor(home, "reset").returncode == 0  # it finished first: set it up again
        large.write_bytes(content)
        assert tutor(home, "check").returncode == 1
        large.unlink()
        assert manage(home, "migrate", "store", "zero").returncode == 0
    assert caught, "no undo was caught in its restore"
    assert restoring.exists()
    assert live(home) == before  # finished by `tutor status`, the next command
    assert not restoring.exists()
    assert large.read_bytes() == content


def test_undo_takes_the_git_repository_back_too(lesson_home):
    import subprocess

    home = lesson_home("branch-switch")
    sandbox = home / "sandbox"

    def git(*args):
        return subprocess.run(["git", *args], cwd=sandbox, capture_output=True, text=True,
                              check=True).stdout.strip()

    head, branch = git("rev-parse", "HEAD"), git("branch", "--show-current")
    assert tutor(home, "check").returncode in (0, 1)
    git("switch", "-c", "experiment")
    git("-c", "user.name=L", "-c", "user.email=l@example.com", "commit", "--allow-empty",
        "-m", "an experiment")
    assert git("rev-parse", "HEAD") != head
    assert tutor(home, "undo").returncode == 0
    assert git("rev-parse", "HEAD") == head and git("branch", "--show-current") == branch
    assert "experiment" not in git("branch", "--list")


def test_undo_without_a_sandbox_says_what_to_do(lesson_home):
    import shutil

    home = lesson_home("revert-applied")
    tutor(home, "check")
    shutil.rmtree(home / "sandbox")
    result = tutor(home, "undo")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "tutor reset" in result.stderr


def test_a_reset_takes_the_old_timelines_contents_with_it(lesson_home):
    """The home stays as small as one lesson's timeline: what only the old one held goes."""
    home = lesson_home("revert-applied")
    extra = home / "sandbox" / "scratch.txt"
    extra.write_text("a note of the learner's\n", encoding="utf-8")
    tutor(home, "check")
    import hashlib

    digest = hashlib.sha256(extra.read_bytes()).hexdigest()
    assert (home / "history" / "objects" / digest).exists()
    assert tutor(home, "reset").returncode == 0
    assert not (home / "history" / "objects" / digest).exists()
    assert len(History(home, home / "sandbox").points()) == 1


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
def test_each_command_in_a_tutor_shell_is_a_point_undo_takes_back(lesson_home, tmp_path,
                                                                  shell_name):
    """In `tutor shell` on bash or zsh, a point after each command, named after it: `tutor
    undo` takes back the last one only. The learner's own rc file still runs first."""
    import shutil
    import sys

    import pexpect
    from conftest import REPO

    shell = shutil.which(shell_name)
    if shell is None:
        pytest.skip(f"no {shell_name} here")
    home = lesson_home("revert-applied")
    own = tmp_path / "learner"
    own.mkdir()
    (own / f".{shell_name}rc").write_text("export FROM_MY_BASHRC=yes\n", encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), SHELL=shell, HOME=str(own),
               PATH="/usr/bin:/bin", DJANGO_COLORS="nocolor", HISTFILE=str(own / ".history"),
               PS1="sandbox$ ")
    (own / ".history").write_text("echo from an older session\n", encoding="utf-8")
    child = pexpect.spawn(sys.executable, ["-m", "tutor", "shell", "--home", str(home)],
                          env=env, encoding="utf-8", timeout=30, cwd=str(REPO))
    child.expect_exact("A shell in the sandbox")
    child.sendline("echo mine=$FROM_MY_BASHRC")
    child.expect_exact("mine=yes")
    child.sendline("python manage.py migrate store 0002")
    child.expect_exact("Unapplying store.0003_change_price_field... OK")
    child.sendline("python manage.py migrate store 0001")
    child.expect_exact("Unapplying store.0002_add_price_to_product... OK")
    child.sendline("echo done")
    child.expect_exact("done")
    child.sendline("exit")
    child.expect(pexpect.EOF)
    child.close()
    _, history = tutor_json(home, "history")
    assert [p["did"] for p in history["points"]] == [
        "tutor reset revert-applied", "python manage.py migrate store 0002",
        "python manage.py migrate store 0001"]
    assert tutor(home, "undo").returncode == 0
    applied = {m["name"] for m in tutor_json(home, "status")[1]["migrations"] if m["applied"]}
    assert applied == {"0001_initial", "0002_add_price_to_product"}
    assert not list((home / "shell").glob("seen-*"))  # the shell's own note went with it


def test_a_file_the_tutor_cannot_read_never_fails_a_check(lesson_home, monkeypatch):
    """A snapshot that cannot be taken (here, reading a file fails as an unreadable one's
    would: the tests run as root, who reads everything) is left out; the check goes on."""
    from pathlib import Path

    home = lesson_home("revert-applied")
    (home / "sandbox" / "secret.txt").write_text("mine\n", encoding="utf-8")
    real = Path.read_bytes

    def refuse(path):
        if path.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    result = tutor(home, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "Not yet" in result.stdout


def test_undo_as_far_as_the_timeline_goes_when_taking_the_present_prunes_one(tmp_path):
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / ".tutor-sandbox").write_text("{}", encoding="utf-8")
    history = History(tmp_path, sandbox)
    for number in range(KEEP):
        (sandbox / "db.sqlite3").write_bytes(f"version {number}".encode())
        history.record(f"change {number}", 0)
    (sandbox / "db.sqlite3").write_bytes(b"not seen yet")  # taken by undo: prunes the oldest
    from tutor.history import NothingToUndo

    with pytest.raises(NothingToUndo) as refused:  # the oldest went: not restored half-way
        history.plan_undo(KEEP)
    assert f"Only {KEEP - 1} changes can be undone" in refused.value.message
    assert (sandbox / "db.sqlite3").read_bytes() == b"not seen yet"
    target, undone = history.plan_undo(KEEP - 1)
    history.restore(Restoring("undo", target.number, []))
    assert target.did == "change 1" and (sandbox / "db.sqlite3").read_bytes() == b"version 1"
    assert len(undone) == KEEP - 1


@pytest.mark.parametrize("shell_name", ["bash", "zsh"])
def test_the_tutors_python_comes_first_after_the_learners_rc_file(lesson_home, tmp_path,
                                                                  shell_name):
    """A learner's rc file that puts another `python` first (pyenv's shims, conda, an
    activated venv) does not take Django away in `tutor shell`: the tutor's own `python` is
    first again once the learner's file has run, as the shell's greeting says."""
    import shutil
    import sys

    import pexpect
    from conftest import REPO

    shell = shutil.which(shell_name)
    if shell is None:
        pytest.skip(f"no {shell_name} here")
    home = lesson_home("revert-applied")
    own = tmp_path / "learner"
    shims = own / "shims"
    shims.mkdir(parents=True)
    (shims / "python").write_text("#!/bin/sh\necho 'a python without Django'\nexit 1\n")
    (shims / "python").chmod(0o755)
    (own / f".{shell_name}rc").write_text(f'export PATH="{shims}:$PATH"\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO), SHELL=shell, HOME=str(own),
               PATH="/usr/bin:/bin", DJANGO_COLORS="nocolor", HISTFILE=str(own / ".history"),
               PS1="sandbox$ ")
    child = pexpect.spawn(sys.executable, ["-m", "tutor", "shell", "--home", str(home)],
                          env=env, encoding="utf-8", timeout=30, cwd=str(REPO))
    child.expect_exact("`python manage.py showmigrations` works here")
    child.sendline("python manage.py showmigrations store")
    assert child.expect_exact(["[X] 0003_change_price_field", "a python without Django"]) == 0
    child.sendline("echo $PATH")
    child.expect_exact(str(shims))  # the learner's own PATH is kept, behind the tutor's
    child.sendline("exit")
    child.expect(pexpect.EOF)
