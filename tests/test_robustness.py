"""Never lose the learner: broken sandboxes, interruptions, two processes, odd paths.

Every case ends in a plain-words message (no traceback) and a way back.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from conftest import REPO, manage, tutor, tutor_json, unmet


def _no_traceback(result):
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


def _cannot_check(home, *needles):
    """`check` and `status` both exit 2 with the explanation and no traceback."""
    for command in ("check", "status"):
        result = tutor(home, command)
        _no_traceback(result)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        message = " ".join(result.stderr.split())
        for needle in needles:
            assert needle in message, (command, message)


def test_models_with_an_import_error_name_file_and_line(lesson_home):
    home = lesson_home("revert-applied")
    path = home / "sandbox/store/models.py"
    path.write_text("import no_such_module\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    _cannot_check(home, "No module named 'no_such_module'", "store/models.py, line 1",
                  "tutor reset")


def test_a_model_django_rejects_is_named_with_its_line(lesson_home):
    home = lesson_home("revert-applied")
    path = home / "sandbox/store/models.py"
    path.write_text(path.read_text(encoding="utf-8").replace("max_length=100", "max_length=-5"),
                    encoding="utf-8")
    _cannot_check(home, "Django rejects the models (store/models.py, line 5)",
                  "'max_length' must be a positive integer")


def test_a_migration_file_with_a_syntax_error_is_named(lesson_home):
    home = lesson_home("revert-applied")
    path = home / "sandbox/store/migrations/0002_add_price_to_product.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n    oops(\n", encoding="utf-8")
    _cannot_check(home, "store/migrations/0002_add_price_to_product.py", "line")


def test_a_missing_sandbox_folder_says_how_to_rebuild(lesson_home):
    home = lesson_home("revert-applied")
    (home / "sandbox").rename(home / "renamed by mistake")
    result = tutor(home, "check")
    _no_traceback(result)
    assert result.returncode == 2
    assert "There is no sandbox" in result.stderr and "tutor reset" in result.stderr


def test_a_deleted_database_is_said_plainly(lesson_home):
    home = lesson_home("revert-applied")
    (home / "sandbox/db.sqlite3").unlink()
    status, report = tutor_json(home, "check")
    assert status == 1
    assert any("There is no database file (db.sqlite3)" in note for note in report["notes"])
    assert "it is not applied: django_migrations has no row for it." in unmet(report)[0]
    assert "no store migration is applied" in report["where"]
    assert not (home / "sandbox/db.sqlite3").exists(), "reading the state must not create it"


@pytest.mark.parametrize("remove", ["__init__.py", ""])
def test_deleted_migrations_package_is_explained(lesson_home, remove):
    home = lesson_home("revert-applied")
    folder = home / "sandbox/store/migrations"
    if remove:
        (folder / remove).unlink()
        expected = "store/migrations/__init__.py is missing"
    else:
        import shutil

        shutil.rmtree(folder)
        expected = "store/migrations/ is missing"
    status, report = tutor_json(home, "check")
    assert status == 1
    assert any(expected in note and "Django sees no migrations" in note
               for note in report["notes"])
    # Django sees every applied migration as an orphan now.
    assert any("django_migrations records 0001_initial, 0002_add_price_to_product and "
               "0003_change_price_field as applied" in d for d in unmet(report))


def test_two_leaf_migrations_are_explained(lesson_home):
    home = lesson_home("revert-applied")
    migrations = home / "sandbox/store/migrations"
    text = (migrations / "0003_change_price_field.py").read_text(encoding="utf-8")
    (migrations / "0003_other_branch.py").write_text(text, encoding="utf-8")
    status, report = tutor_json(home, "check")
    assert status == 1
    assert any("Conflicting migrations in store: 0003_change_price_field, 0003_other_branch"
               in note and "makemigrations --merge" in note for note in report["notes"])
    _, data = tutor_json(home, "status")
    assert data["conflicts"] == {"store": ["0003_change_price_field", "0003_other_branch"]}


def test_reverting_too_far_says_where_you_are(lesson_home):
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "zero").returncode == 0
    _, report = tutor_json(home, "check")
    assert report["where"] == (
        "Where you are: no store migration is applied. store.0002_add_price_to_product and "
        "store.0001_initial should still be applied (reverted too far?).")


def test_jumping_ahead_is_recognised(lesson_home):
    home = lesson_home("delete-unapplied")
    # Step 2's work (fix, make, apply) done in one go, but on top of the unapplied mistake:
    # step 1 (delete the mistaken file) cannot pass, and the tutor says the learner is ahead.
    (home / "sandbox/store/migrations/0004_add_discount_field.py").unlink()
    path = home / "sandbox/store/models.py"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "IntegerField(null=True)", "IntegerField(default=0)"), encoding="utf-8")
    assert manage(home, "makemigrations", "store", "--name", "add_discount_field").returncode == 0
    assert manage(home, "migrate", "store").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["lesson_complete"]  # both steps hold: both pass at once


def test_paths_with_spaces_and_non_ascii_letters_work(tmp_path):
    home = tmp_path / "Zoë's tutor home"
    assert tutor(home, "reset", "revert-applied").returncode == 0
    assert manage(home, "migrate", "store", "0002").returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 0 and report["passed_steps"] == [0]


def test_two_processes_take_turns_on_one_home(lesson_home):
    home = lesson_home("revert-applied")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "tutor", "--home", str(home)]
    resetting = subprocess.Popen(command + ["reset", "delete-unapplied"], env=env, cwd=REPO,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    checks = [subprocess.run(command + ["check", "--json"], env=env, cwd=REPO,
                             capture_output=True, text=True) for _ in range(3)]
    assert resetting.wait(timeout=60) == 0
    for check in checks:
        _no_traceback(check)
        assert check.returncode in (1, 2), check.stderr
    _, report = tutor_json(home, "check")
    assert report["lesson"] == "delete-unapplied" and report["step_index"] == 0
    json.loads((home / "progress.json").read_text(encoding="utf-8"))


def test_a_busy_home_is_refused_with_a_clear_message(lesson_home):
    home = lesson_home("revert-applied")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from tutor.lock import home_lock\n"
         "with home_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(30)",
         str(home)],
        cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        script = ("import sys; from pathlib import Path; import tutor.lock as lock\n"
                  "lock.DEFAULT_WAIT_SECONDS = 0.5\n"
                  "from tutor.cli import main; sys.exit(main(sys.argv[1:]))")
        result = subprocess.run([sys.executable, "-c", script, "hint", "--home", str(home)],
                                env=env, cwd=REPO, capture_output=True, text=True)
        _no_traceback(result)
        assert result.returncode == 2
        assert f"Another tutor process (pid {holder.pid}) is changing" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_the_home_lock_is_filelocks_and_the_default_home_platformdirs(lesson_home, tmp_path,
                                                                     monkeypatch):
    """Issue 13, point 15: the user data folder comes from platformdirs, and the home's lock
    is the one filelock takes: a program holding it with filelock makes the tutor wait."""
    import platformdirs

    from tutor.paths import resolve_home

    home = lesson_home("revert-applied")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time, filelock\n"
         "with filelock.FileLock(sys.argv[1]):\n    print('held', flush=True); time.sleep(30)",
         str(home / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr("tutor.lock.DEFAULT_WAIT_SECONDS", 0.3)
        result = tutor(home, "hint")
        assert result.returncode == 2 and "Another tutor process" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert tutor(home, "hint").returncode == 0  # released with its holder
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = Path(platformdirs.user_data_dir("migration-tutor", appauthor=False))
    assert resolve_home(None) == expected == tmp_path / "data" / "migration-tutor"
    source = (REPO / "tutor" / "paths.py").read_text(encoding="utf-8")
    assert "sys.platform" not in source  # no hand-written per-platform folders left


def test_a_killed_reset_is_rolled_back_or_finished(lesson_home):
    """Fault injection: SIGKILL a reset at random moments; every next run recovers."""
    home = lesson_home("revert-applied")
    assert manage(home, "migrate", "store", "0002").returncode == 0
    assert tutor(home, "check").returncode == 0  # progress: step 2 of revert-applied
    env = dict(os.environ, PYTHONPATH=str(REPO))
    rng = random.Random(20261125)
    for attempt in range(8):
        process = subprocess.Popen(
            [sys.executable, "-m", "tutor", "reset", "delete-unapplied", "--home", str(home)],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.05, 1.2))  # a reset from scratch takes about a second
        process.send_signal(signal.SIGKILL)
        process.wait()
        status, data = tutor_json(home, "status")
        assert status == 0, data
        assert not (home / "sandbox.new").exists() or True  # removed by the next change
        result = tutor(home, "hint")  # any change first recovers the home
        _no_traceback(result)
        assert not (home / "sandbox.new").exists() and not (home / "sandbox.old").exists()
        sandbox_lesson = data["sandbox_lesson"]
        assert sandbox_lesson in ("revert-applied", "delete-unapplied")
        assert (home / "sandbox/manage.py").is_file()
        names = {m["name"] for m in data["migrations"]}
        if sandbox_lesson == "delete-unapplied":
            assert "0004_add_discount_field" in names
        json.loads((home / "progress.json").read_text(encoding="utf-8"))
    assert tutor(home, "reset", "revert-applied").returncode == 0


def test_killed_progress_writes_never_corrupt_the_file(lesson_home):
    home = lesson_home("revert-applied")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    script = ("import sys; from pathlib import Path\n"
              "from tutor.progress import ProgressFile\n"
              "f = ProgressFile(Path(sys.argv[1]))\n"
              "while True:\n    p = f.load(); p.of('x').step += 1; f.save(p)")
    rng = random.Random(7)
    progress = home / "progress.json"
    for _ in range(10):
        before = progress.stat().st_mtime_ns if progress.exists() else None
        process = subprocess.Popen([sys.executable, "-c", script, str(home)], env=env, cwd=REPO)
        # Kill it while it writes: once it has written at least once (a loaded machine can
        # take longer than any fixed sleep just to start Python), then at a random moment.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
                not progress.exists() or progress.stat().st_mtime_ns == before):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))
        process.send_signal(signal.SIGKILL)
        process.wait()
        data = json.loads((home / "progress.json").read_text(encoding="utf-8"))
        assert data["lessons"]["x"]["step"] >= 1
    assert not list(home.glob("progress.json.unreadable-*"))


def start_and_type(home: Path, command: str) -> pexpect.spawn:
    """`tutor start` in a terminal, with `command` typed at its command prompt."""
    env = dict(os.environ, PYTHONPATH=str(REPO), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm",
               NO_COLOR="1", DJANGO_COLORS="nocolor")
    child = pexpect.spawn(sys.executable, ["-m", "tutor", "start", "--home", str(home)],
                          env=env, encoding="utf-8", timeout=30, dimensions=(50, 200),
                          cwd=str(REPO))
    child.expect_exact("What would you like to do")
    child.send("\r")
    child.expect_exact("Command")
    child.sendline(command)
    return child


def test_ctrl_c_during_a_command_stays_in_the_tutor(lesson_home):
    home = lesson_home("revert-applied")
    # A command that waits for input: the learner answers it.
    child = start_and_type(home, "python -c \"print('hello', input('name? '))\"")
    child.expect_exact("name?")
    child.sendline("Ada")
    child.expect_exact("hello Ada")
    # A command that never ends: the learner interrupts it and stays in the tutor.
    child.expect_exact("What would you like to do")
    child.send("\r")
    child.expect_exact("Command")
    child.sendline("python -c \"import time; print('working', flush=True); time.sleep(600)\"")
    child.expect_exact("working")
    time.sleep(0.5)  # a person's Ctrl-C comes after the output, not within a millisecond
    child.sendcontrol("c")
    child.expect_exact("Interrupted; you are still in the tutor")
    child.expect_exact("What would you like to do")
    # Ctrl-C at the menu quits cleanly, progress kept.
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


IGNORES_CTRL_C = ("import os, signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                  "open('{pid_file}', 'w').write(str(os.getpid())); print('ign' + 'oring', flush=True); "
                  "time.sleep(600); open('{pid_file}.ended', 'w')")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")  # killed, not yet reaped by whoever adopted it


@pytest.mark.parametrize("command", [
    # Through the traceback filter (a manage.py command), and the shell staying the parent
    # of what it runs (`a; b`): both end with everything they started.
    'python manage.py shell -c "{code}"',
    'true; python -c "{code}"',
], ids=["manage.py", "compound"])
def test_a_second_ctrl_c_ends_a_command_that_ignores_the_first(lesson_home, tmp_path, command):
    home = lesson_home("revert-applied")
    pid_file = tmp_path / "pid"
    child = start_and_type(home, command.format(code=IGNORES_CTRL_C.format(pid_file=pid_file)))
    child.expect_exact("ignoring")
    time.sleep(0.3)
    child.sendcontrol("c")
    child.expect_exact("does not stop at Ctrl-C. Press Ctrl-C again to end it.")
    pid = int(pid_file.read_text())
    assert not _gone(pid)  # the first Ctrl-C waited, killed nothing
    child.sendcontrol("c")
    child.expect_exact("Interrupted; you are still in the tutor")
    child.expect_exact("What would you like to do")
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid), "the command outlived the second Ctrl-C"
    assert not Path(f"{pid_file}.ended").exists()
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    child.close()
    assert "Traceback" not in child.before


def _run_script(script: str, cwd: Path) -> subprocess.CompletedProcess:
    """A Python script of a test's own, in a process of its own (signals, a possible hang)."""
    return subprocess.run([sys.executable, "-c", script], cwd=cwd, timeout=30,
                          env=dict(os.environ, PYTHONPATH=str(REPO)),
                          capture_output=True, text=True)


def test_a_second_ctrl_c_that_lands_while_the_note_is_said_still_ends_the_command(tmp_path):
    """The race behind a flaky run: the second Ctrl-C arrives while the tutor is still saying
    "press Ctrl-C again". It must end the command, not leave the tutor waiting for one that
    ignores Ctrl-C. (A process of its own: the bug it guards against is a hang.)"""
    pid_file = tmp_path / "pid"
    script = (
        "import os, signal, sys, threading\n"
        "from tutor.attached import run_attached\n"
        "def note(text):\n"
        "    raise KeyboardInterrupt  # the second Ctrl-C, inside the note\n"
        "threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT)).start()  # the first\n"
        "try:\n"
        f"    run_attached('echo $$ > {pid_file}; exec sleep 600', '.', dict(os.environ),\n"
        "                 None, note)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n")
    result = _run_script(script, tmp_path)
    assert result.stdout.strip() == "interrupted", result.stderr
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pid)


def test_ctrl_c_is_counted_while_a_command_runs_never_raised_inside_the_wait(tmp_path):
    """The hang behind a rare CI failure: a KeyboardInterrupt raised inside `Popen.wait` can
    land between its taking a lock and guarding it, and the next wait then blocks for good.
    While a command runs, Ctrl-C must be counted, not raised there; the tutor's own handler
    comes back afterwards. (A process of its own: signals and a possible hang.)"""
    script = (
        "import os, signal, subprocess, threading, time\n"
        "from tutor.attached import run_attached\n"
        "raised_inside = []\n"
        "real_wait = subprocess.Popen._wait\n"
        "def watched_wait(self, *args, **kwargs):\n"
        "    try:\n"
        "        return real_wait(self, *args, **kwargs)\n"
        "    except KeyboardInterrupt:\n"
        "        raised_inside.append(1)\n"
        "        raise\n"
        "subprocess.Popen._wait = watched_wait\n"
        "notes = []\n"
        "def ctrl_c_twice():\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    deadline = time.monotonic() + 20\n"
        "    while not notes and time.monotonic() < deadline:\n"
        "        time.sleep(0.02)\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "threading.Timer(0.5, ctrl_c_twice).start()\n"
        "try:\n"
        "    run_attached(\"trap '' INT; sleep 600\", '.', dict(os.environ), None, notes.append)\n"
        "    print('returned')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', len(notes), len(raised_inside),\n"
        "          signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n")
    result = _run_script(script, tmp_path)
    assert result.stdout.split() == ["interrupted", "1", "0", "True"], result.stdout + result.stderr


def test_a_command_run_where_ctrl_c_is_ignored_ignores_it_too(tmp_path):
    script = (
        "import os, signal\n"
        "from tutor.attached import run_attached\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "run_attached('python3 -c \"import signal; print(signal.getsignal(2) == signal.SIG_IGN)\"', '.',\n"
        "             dict(os.environ))\n"
        "print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n")
    result = _run_script(script, tmp_path)
    assert result.stdout.split() == ["True", "True"], result.stderr


def test_ctrl_c_during_a_reset_exits_cleanly_and_the_next_run_recovers(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    process = subprocess.Popen(
        [sys.executable, "-m", "tutor", "reset", "revert-applied", "--home", str(home)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The first build runs makemigrations: interrupt it in the middle.
    deadline = time.monotonic() + 20
    while not (home / "sandbox.new").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert "Traceback" not in out + err
    assert process.returncode == 130 and "Interrupted" in err
    result = tutor(home, "reset", "revert-applied")
    _no_traceback(result)
    assert result.returncode == 0
    assert not (home / "sandbox.new").exists()
    status, report = tutor_json(home, "check")
    assert status == 1 and report["lesson"] == "revert-applied"


def test_the_users_home_folder_is_refused(tmp_path):
    fake_home = tmp_path / "someone"
    fake_home.mkdir()
    (fake_home / ".bashrc").write_text("# mine\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "tutor", "reset", "--home", "~"],
                            cwd=REPO, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO), HOME=str(fake_home)))
    _no_traceback(result)
    assert result.returncode == 2
    assert "will not use" in result.stderr and "deletes and rebuilds" in " ".join(result.stderr.split())
    assert sorted(p.name for p in fake_home.iterdir()) == [".bashrc"]


def test_two_homes_side_by_side_never_see_each_other(tmp_path):
    ada, bob = tmp_path / "ada", tmp_path / "bob"
    assert tutor(ada, "reset", "revert-applied").returncode == 0
    assert tutor(bob, "reset", "delete-unapplied").returncode == 0
    assert manage(ada, "migrate", "store", "0002").returncode == 0
    assert tutor(ada, "check").returncode == 0
    _, ada_status = tutor_json(ada, "status")
    _, bob_status = tutor_json(bob, "status")
    assert ada_status["lesson"] == "revert-applied" and ada_status["step_index"] == 1
    assert bob_status["lesson"] == "delete-unapplied" and bob_status["step_index"] == 0
    assert ada_status["sandbox"] != bob_status["sandbox"]
    # Bob's sandbox was not touched by Ada's migrate.
    assert any(m["name"] == "0003_change_price_field" and m["on_disk"] and m["applied"]
               for m in bob_status["migrations"])


@pytest.mark.parametrize("content", [
    # (one from a newer tutor is refused and kept: test_undo_safety.py)
    '{"format": 1, "current": "revert-applied", "lessons": {"revert-applied": {"st',  # cut short
    "\x00\x01 not json at all",
])
def test_an_unreadable_progress_file_is_kept_aside_and_the_tutor_goes_on(lesson_home, content):
    home = lesson_home("revert-applied")
    (home / "progress.json").write_text(content, encoding="utf-8")
    result = tutor(home, "check")
    _no_traceback(result)
    assert result.returncode == 1  # it checked: the tutor went on
    assert "could not be read" in result.stderr and "kept as progress.json.unreadable-" in result.stderr
    backup = next(home.glob("progress.json.unreadable-*"))
    assert backup.read_text(encoding="utf-8") == content
    json.loads((home / "progress.json").read_text(encoding="utf-8"))


def test_the_tests_hand_ctrl_c_on_even_when_they_were_started_ignoring_it():
    """Run from a shell that ignores SIGINT (a background job), the test process gives its
    children the default, so that the tests pressing Ctrl-C test the tutor's handling."""
    script = ("import signal, subprocess, sys\n"
              "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
              "sys.path.insert(0, sys.argv[1])\n"
              "import conftest\n"
              "child = 'import signal; print(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)'\n"
              "subprocess.run([sys.executable, '-c', child])\n")
    result = subprocess.run([sys.executable, "-c", script, str(REPO / "tests")],
                            capture_output=True, text=True, cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.stdout.strip() == "False", result.stdout + result.stderr


# --- damaged files and a full disk (issue 27, point 8) -------------------------------------

def test_a_torn_journal_line_or_random_bytes_are_skipped_once_and_the_next_entry_is_whole(
        lesson_home):
    """A crash mid-append leaves a torn last line; anything may be written into the file.
    `tutor notes` leaves the damaged lines out (said once), and the next entry is a line of
    its own, not glued onto the torn bytes."""
    home = lesson_home("revert-applied")
    journal = home / "journal.jsonl"
    with journal.open("ab") as stream:
        stream.write(bytes(random.Random(27).randrange(256) for _ in range(300)) + b"\n")
        stream.write(b'{"lesson": "revert-applied", "at": 1, "kind": "comm')  # torn
    assert tutor(home, "solve").returncode == 0  # appends its command
    result = tutor(home, "notes")
    _no_traceback(result)
    assert result.returncode == 0
    assert "`tutor solve (step 1: python manage.py migrate store 0002)`" in result.stdout
    said = " ".join(result.stderr.split())
    assert said.count("could not be read") == 1, said
    assert "lines of" in said and "journal.jsonl could not be read" in said
    assert json.loads(journal.read_bytes().split(b"\n")[-2])["kind"] == "command"


@pytest.mark.parametrize("where", ["journal", "marker", "database.json", "servers-left.json"])
def test_json_nested_100000_deep_is_a_damaged_file_not_a_traceback(lesson_home, where):
    home = lesson_home("revert-applied")
    deep = "[" * 100_000 + "]" * 100_000
    if where == "servers-left.json":  # read after each build: the servers left to clean
        (home / where).write_text(deep, encoding="utf-8")
        result = tutor(home, "reset")
        _no_traceback(result)
        assert result.returncode == 0, result.stderr
        assert tutor(home, "check").returncode == 1
        return
    if where == "database.json":  # the database chosen for the home: none readable, SQLite
        (home / where).write_text(deep, encoding="utf-8")
        for command in ("lessons", "status", "check"):
            result = tutor(home, command)
            _no_traceback(result)
            assert result.returncode in (0, 1), (command, result.stderr)
        return
    if where == "journal":
        with (home / "journal.jsonl").open("a", encoding="utf-8") as stream:
            stream.write(deep + "\n")
        result = tutor(home, "notes")
        _no_traceback(result)
        assert result.returncode == 0 and "could not be read" in result.stderr
        assert "Reset to the lesson's start" in result.stdout  # the other lines are kept
        return
    (home / "sandbox" / ".tutor-sandbox").write_text(deep, encoding="utf-8")
    for command in ("status", "check", "history", "notes"):
        result = tutor(home, command)
        _no_traceback(result)
        assert result.returncode in (0, 1, 2), (command, result.stderr)
    checked = tutor(home, "check")
    assert checked.returncode == 2 and "tutor reset revert-applied" in checked.stderr
    assert tutor(home, "reset").returncode == 0  # the way back: a new marker
    assert tutor(home, "check").returncode == 1


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB disk of its own (a tmpfs) to fill up; skipped where mounting is not allowed."""
    import shutil

    if not shutil.which("mount") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (and mount)")
    disk = tmp_path / "small disk"
    disk.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"a tmpfs cannot be mounted here: {made.stderr.strip()}")
    yield disk
    if subprocess.run(["umount", str(disk)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def _fill(disk: Path, leave_kb: int) -> None:
    import shutil

    free = shutil.disk_usage(disk).free
    with (disk / "filler").open("ab") as filler:
        filler.write(b"\0" * max(0, free - leave_kb * 1024))


def _contents(home: Path) -> dict:
    """The sandbox's files and the progress file, byte for byte."""
    files = {str(p.relative_to(home)): p.read_bytes()
             for p in (home / "sandbox").rglob("*") if p.is_file()}
    files["progress.json"] = (home / "progress.json").read_bytes()
    return files


def test_a_name_on_a_full_or_read_only_home_is_said_plainly(small_disk):
    home = small_disk / "home"
    assert tutor(home, "reset", "revert-applied").returncode == 0
    progress = (home / "progress.json").read_bytes()
    _fill(small_disk, 0)
    for command in (("status",), ("lessons",), ("check", "--json")):
        result = tutor(home, *command, "--name", "Ada Lovelace")
        _no_traceback(result)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        said = result.stderr + result.stdout
        assert "No space left on device" in said and "The disk is full" in said, said
    assert (home / "progress.json").read_bytes() == progress
    (small_disk / "filler").unlink()
    remounted = subprocess.run(["mount", "-o", "remount,ro", str(small_disk)],
                               capture_output=True, text=True)
    assert remounted.returncode == 0, remounted.stderr
    for where in (home, small_disk / "another home"):
        result = tutor(where, "lessons", "--name", "Ada Lovelace")
        _no_traceback(result)
        assert result.returncode == 2, result.stderr
        assert "Read-only file system" in result.stderr and "read-only" in result.stderr


@pytest.mark.parametrize("lesson, leave_kb", [
    ("fake-the-record", 8), ("fake-the-record", 48), ("fake-the-record", 96),  # a new build
    ("revert-applied", 8),  # a copy of the start kept before
])
def test_a_reset_on_a_full_disk_says_so_and_leaves_everything_as_it_was(small_disk, lesson,
                                                                        leave_kb):
    """Wherever the disk fills up (the copy, Django's makemigrations or migrate, the start
    kept), the learner reads that the disk is full, and the sandbox and progress are as they
    were; once there is room, the same reset works."""
    home = small_disk / "home"
    assert tutor(home, "reset", "revert-applied").returncode == 0
    assert tutor(home, "solve").returncode == 0  # the learner's work: a sandbox at step 2
    before = _contents(home)
    _fill(small_disk, leave_kb)
    result = tutor(home, "reset", lesson)
    _no_traceback(result)
    said = " ".join(result.stderr.split())
    assert result.returncode == 2, result.stdout + result.stderr
    assert said.startswith("Error: The disk is full: the sandbox's rebuild could not be "
                           "finished."), said
    assert "Nothing was changed: the sandbox and your progress are as they were." in said
    assert "[(" not in said and "Error:" not in said[6:] and "Errno" not in said
    assert _contents(home) == before
    assert not (home / "sandbox.new").exists()
    assert not list((home / "snapshots").glob("*.partial"))
    (small_disk / "filler").unlink()
    assert tutor(home, "reset", lesson).returncode == 0
    status, report = tutor_json(home, "check")
    assert status == 1 and report["lesson"] == lesson


def test_the_home_files_read_as_json_fail_only_as_damaged():
    """files.read_json, which the marker, journal, database choice, servers left and spare
    databases are read with: whatever bytes a file holds, a value or DamagedJson (a
    ValueError), never RecursionError or UnicodeDecodeError's cousins."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from tutor.files import DamagedJson, parse_json

    nested = st.integers(1, 200_000).map(lambda depth: "[" * depth + "]" * depth)

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=200) | nested.map(str.encode) | nested.map(lambda t: '{"a":' + t))
    def any_bytes(raw):
        try:
            parse_json(raw)
        except DamagedJson:
            pass

    any_bytes()


def test_a_class_membership_nested_100000_deep_is_no_membership_not_a_traceback(home):
    """Probe: `class.json` of 100 000 brackets made `tutor class status`, `--json`, `leave`
    and `join` raise RecursionError."""
    from tutor.paths import claim_home

    claim_home(home)
    (home / "class.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    for args in (("class", "status"), ("class", "status", "--json"), ("class", "leave")):
        result = tutor(home, *args)
        _no_traceback(result)
        assert result.returncode == 0, (args, result.stderr)
        assert "in no class" in result.stdout or '"class": null' in result.stdout, result.stdout


@pytest.mark.parametrize("damage", ["garbage", "deep"])
def test_a_kept_start_whose_marker_is_damaged_is_built_again(home, damage):
    """Probe: a kept start (HOME/snapshots/LESSON-KEY) whose marker was garbage was copied
    in as it was, and every check then said "built for another lesson: run tutor reset",
    which copied it in again, for ever. A kept start whose marker cannot be read is none:
    the lesson is built again, and kept anew."""
    assert tutor(home, "reset", "revert-applied").returncode == 0
    [kept] = [path for path in (home / "snapshots").iterdir() if "step" not in path.name]
    (kept / ".tutor-sandbox").write_text(
        "garbage" if damage == "garbage" else "[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = tutor(home, "reset", "revert-applied")
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    checked = tutor(home, "check")
    assert checked.returncode == 1 and "another lesson" not in checked.stdout + checked.stderr
    assert json.loads((kept / ".tutor-sandbox").read_text(encoding="utf-8"))["lesson"] == \
        "revert-applied"
