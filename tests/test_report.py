"""What a learner did, for them and their instructor: step records made by real use, `tutor
report` (table, --json, --csv), `tutor class-report` over several learners' real exports, bad
export files, the learner's name, and progress files from before the records."""

from __future__ import annotations

import csv
import io
import json
import os
import sys

import pexpect
from conftest import REPO, manage, run_ok, tutor, tutor_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutor.exceptions import ReportFileError
from tutor.lessons import load_course
from tutor.progress import PAUSE_LIMIT, Progress, ProgressFile
from tutor.report import (REPORT_FORMAT, REPORT_VERSION, STEP_COLUMNS, learner_report,
                          read_exported)


def _no_traceback(result):
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


def report_json(home, *options: str) -> dict:
    result = tutor(home, "report", "--json", *options)
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def step_of(report: dict, lesson: str, number: int) -> dict:
    return next(s for s in report["steps"] if s["lesson"] == lesson and s["step"] == number)


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def export(home, folder, file_name: str) -> str:
    """`tutor report --json > FILE`, as a learner would hand it in."""
    result = tutor(home, "report", "--json")
    assert result.returncode == 0, result.stderr
    path = folder / file_name
    path.write_text(result.stdout, encoding="utf-8")
    return str(path)


# --- records made by real use ---------------------------------------------------------------

def test_checks_hints_and_solutions_are_recorded_per_step(lesson_home):
    home = lesson_home("revert-applied")
    assert tutor(home, "check", "--name", "Ada Lovelace").returncode == 1  # attempt 1
    run_ok(home, "migrate", "store", "0001")                               # one step too far
    assert tutor(home, "check").returncode == 1                           # attempt 2
    assert "Hint 1/3" in tutor(home, "hint").stdout
    assert "Hint 2/3" in tutor(home, "hint").stdout
    run_ok(home, "migrate", "store", "0002")
    assert tutor(home, "check").returncode == 0                           # attempt 3: passes
    assert tutor(home, "solve").returncode == 0                           # step 2, solved

    report = report_json(home)
    assert report["format"] == REPORT_FORMAT and report["version"] == REPORT_VERSION
    assert report["learner"] == "Ada Lovelace"
    assert report["current"] == {"lesson": "revert-applied", "step": None}  # complete
    first, second = step_of(report, "revert-applied", 1), step_of(report, "revert-applied", 2)
    assert first["title"] == "Unapply 0003 by migrating to 0002"
    assert first["passed"] and first["attempts"] == 3 and first["hints"] == 2
    assert first["solutions"] == 0 and first["answers"] == 0
    assert first["started_at"] <= first["passed_at"]
    assert first["time_spent_seconds"] >= 0 and first["stuck_for_seconds"] is None
    # The check a solution runs is not the learner's attempt; the solution is counted.
    assert second["passed"] and second["attempts"] == 0 and second["solutions"] == 1
    assert not any(s["current"] for s in report["steps"])
    # Only the lessons begun are reported.
    assert {s["lesson"] for s in report["steps"]} == {"revert-applied"}

    # The progress file stays small and readable: counts, and timestamps in seconds.
    raw = (home / "progress.json").read_text(encoding="utf-8")
    assert len(raw) < 1500
    records = json.loads(raw)["lessons"]["revert-applied"]["steps"]
    assert records["0"]["checks"] == 3 and records["0"]["hints"] == 2
    assert isinstance(records["0"]["passed_at"], int)

    # A reset starts the steps over, but what was done stays in the report.
    assert tutor(home, "reset").returncode == 0
    assert tutor(home, "check").returncode == 1
    again = step_of(report_json(home), "revert-applied", 1)
    assert again["attempts"] == 4 and again["passed"] and again["current"]
    assert again["stuck_for_seconds"] is None  # it was passed once: not stuck on it


def test_a_learner_part_way_is_stuck_on_their_current_step(lesson_home):
    home = lesson_home("delete-unapplied")
    for _ in range(2):
        assert tutor(home, "check").returncode == 1
    tutor(home, "hint")
    report = report_json(home)
    assert report["current"] == {"lesson": "delete-unapplied", "step": 1}
    here = step_of(report, "delete-unapplied", 1)
    assert here["current"] and not here["passed"] and here["passed_at"] is None
    assert here["attempts"] == 2 and here["hints"] == 1
    assert here["stuck_for_seconds"] is not None and here["stuck_for_seconds"] >= 0
    later = step_of(report, "delete-unapplied", 2)
    assert not later["current"] and later["stuck_for_seconds"] is None
    assert later["started_at"] is None and later["attempts"] == 0


def test_answers_tried_are_counted(lesson_home):
    home = lesson_home("first-migrations")
    run_ok(home, "makemigrations", "store")
    assert tutor(home, "check").returncode == 0           # step 1 passes
    assert tutor(home, "answer", "0001").returncode == 1  # wrong: nothing is applied yet
    assert tutor(home, "answer", "--none").returncode == 0
    question = step_of(report_json(home), "first-migrations", 2)
    assert question["passed"] and question["answers"] == 2
    assert question["attempts"] == 1  # the check that follows a right answer


def test_a_check_that_finds_the_sandbox_broken_still_counts(lesson_home):
    home = lesson_home("revert-applied")
    models = home / "sandbox/store/models.py"
    models.write_text(models.read_text(encoding="utf-8") + "\nthis is not python\n",
                      encoding="utf-8")
    assert tutor(home, "check").returncode == 2
    assert step_of(report_json(home), "revert-applied", 1)["attempts"] == 1


# --- report: table and CSV ------------------------------------------------------------------

def test_report_table_and_csv(lesson_home):
    home = lesson_home("revert-applied")
    tutor(home, "check")
    tutor(home, "hint")
    table = tutor(home, "report")
    _no_traceback(table)
    assert table.returncode == 0
    assert "Progress of Test Learner" in table.stdout  # the name from $TUTOR_NAME
    for header in ("lesson", "step", "passed", "attempts", "hints", "solutions", "time spent",
                   "stuck for"):
        assert header in table.stdout
    assert "Unapply 0003 by migrating to 0002" in table.stdout

    result = tutor(home, "report", "--csv")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == ",".join(STEP_COLUMNS)
    rows = csv_rows(result.stdout)
    assert [(r["lesson"], r["step"]) for r in rows] == [("revert-applied", "1"),
                                                        ("revert-applied", "2")]
    assert rows[0]["learner"] == "Test Learner"
    assert rows[0]["attempts"] == "1" and rows[0]["hints"] == "1"
    assert rows[0]["passed"] == "no" and rows[0]["current"] == "yes"
    assert rows[0]["stuck_for_seconds"].isdigit() and rows[1]["stuck_for_seconds"] == ""

    both = tutor(home, "report", "--json", "--csv")
    assert both.returncode == 2 and "not allowed with" in both.stderr


def test_report_before_any_progress(home, monkeypatch):
    monkeypatch.delenv("TUTOR_NAME")
    result = tutor(home, "report")
    assert result.returncode == 0 and "No progress yet" in result.stdout
    report = report_json(home)
    assert report["learner"] is None and report["current"] is None and report["steps"] == []
    assert tutor(home, "report", "--csv").stdout.strip() == ",".join(STEP_COLUMNS)


def test_report_reads_time_from_the_records_robustly(tmp_path):
    """Time spent is added action by action: a long pause counts PAUSE_LIMIT at most, a clock
    set back counts nothing, and a passed step stops counting."""
    course = load_course()
    progress = Progress(current="revert-applied")
    start = 1_800_000_000
    progress.spend("revert-applied", 0, start)
    progress.spend("revert-applied", 0, start + 100)             # 100 s of work
    progress.spend("revert-applied", 0, start + 100 + 86_400)    # back the next day
    progress.spend("revert-applied", 0, start + 50)              # the clock was set back
    record = progress.record("revert-applied", 0)
    assert record.seconds == 100 + PAUSE_LIMIT
    assert record.started_at == start

    report = learner_report(progress, course, at=start + 50 + 30)
    here = step_of(report, "revert-applied", 1)
    assert here["stuck_for_seconds"] == 100 + PAUSE_LIMIT + 30
    assert here["time_spent_seconds"] == here["stuck_for_seconds"]
    # Looked at much later (or with the clock far back), the current pause counts at most
    # PAUSE_LIMIT, and never less than nothing.
    later = learner_report(progress, course, at=start + 10 * 86_400)
    assert step_of(later, "revert-applied", 1)["stuck_for_seconds"] == 100 + 2 * PAUSE_LIMIT
    earlier = learner_report(progress, course, at=start - 10 * 86_400)
    assert step_of(earlier, "revert-applied", 1)["stuck_for_seconds"] == 100 + PAUSE_LIMIT

    progress.pass_step("revert-applied", 0, start + 200)
    progress.spend("revert-applied", 0, start + 300)
    assert progress.record("revert-applied", 0).seconds == 100 + PAUSE_LIMIT

    # Saved and loaded back unchanged.
    progress_file = ProgressFile(tmp_path)
    progress_file.save(progress)
    assert ProgressFile(tmp_path).load() == progress


# --- the learner's name ---------------------------------------------------------------------

def test_name_option_is_remembered_and_checked(lesson_home, monkeypatch):
    monkeypatch.delenv("TUTOR_NAME")
    home = lesson_home("revert-applied")
    assert report_json(home)["learner"] is None
    assert tutor(home, "lessons", "--name", "  Grace   Hopper ").returncode == 0
    assert report_json(home)["learner"] == "Grace Hopper"
    # A global option: before the command too; the last one given wins.
    result = tutor(None, "--name", "Grace B. Hopper", "status", "--home", str(home))
    assert result.returncode == 0, result.stderr
    assert json.loads((home / "progress.json").read_text(encoding="utf-8"))["learner"] == \
        "Grace B. Hopper"
    # Forgetting all progress keeps the name: it is not progress.
    assert tutor(home, "reset", "--all").returncode == 0
    assert report_json(home)["learner"] == "Grace B. Hopper"
    for bad, message in (("", "is empty"), ("a\x1b[31mb", "control characters"),
                         ("x" * 81, "longer than 80")):
        result = tutor(home, "report", "--name", bad)
        _no_traceback(result)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    assert report_json(home)["learner"] == "Grace B. Hopper"


def test_a_stored_name_wins_over_the_environment(lesson_home, monkeypatch):
    home = lesson_home("revert-applied")
    assert report_json(home)["learner"] == "Test Learner"
    assert tutor(home, "hint", "--name", "Ada").returncode == 0
    assert report_json(home)["learner"] == "Ada"


def _spawn_start(home, *args):
    env = dict(os.environ, PYTHONPATH=str(REPO), PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm",
               NO_COLOR="1", DJANGO_COLORS="nocolor")
    env.pop("TUTOR_NAME", None)
    return pexpect.spawn(sys.executable, ["-m", "tutor", "start", *args, "--home", str(home)],
                         env=env, encoding="utf-8", timeout=30, dimensions=(50, 120),
                         cwd=str(REPO))


DOWN, ENTER = "\x1b[B", "\r"
MENU = ["run", "check", "undo", "hint", "solution", "skip", "reset", "quit"]


def _choose(child, item: str) -> None:
    child.expect_exact("What would you like to do")
    child.send(DOWN * MENU.index(item) + ENTER)


def test_first_start_asks_the_name_and_session_actions_are_recorded(home, monkeypatch):
    monkeypatch.delenv("TUTOR_NAME")
    child = _spawn_start(home, "revert-applied")
    child.expect_exact("Your name, for your progress report")
    child.sendline("Grace Hopper")
    child.expect_exact("Sandbox ready")
    _choose(child, "solution")                     # shown: a solution seen
    child.expect_exact("The reference solution")
    _choose(child, "run")                          # each command is checked: an attempt
    child.expect_exact("Command")
    child.sendline("python manage.py showmigrations store")
    child.expect_exact("Not yet")
    _choose(child, "skip")                         # the tutor does it: a solution carried out
    child.expect_exact("Step 1 passed")
    child.expect_exact("Step 2/2")
    _choose(child, "quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    report = report_json(home)
    assert report["learner"] == "Grace Hopper"
    first = step_of(report, "revert-applied", 1)
    assert first["passed"] and first["attempts"] == 1 and first["solutions"] == 2
    assert report["current"] == {"lesson": "revert-applied", "step": 2}
    assert step_of(report, "revert-applied", 2)["stuck_for_seconds"] is not None

    # The name is known now: the next start goes straight to the lesson.
    child = _spawn_start(home)
    child.expect_exact("Resuming")
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect_exact("progress is saved")
    child.expect(pexpect.EOF)


def test_the_name_question_can_be_skipped_once_and_for_all(home, monkeypatch):
    monkeypatch.delenv("TUTOR_NAME")
    child = _spawn_start(home, "revert-applied")
    child.expect_exact("Your name, for your progress report")
    child.send(ENTER)
    child.expect_exact("What would you like to do")
    child.sendcontrol("c")
    child.expect(pexpect.EOF)
    assert report_json(home)["learner"] is None
    child = _spawn_start(home)
    index = child.expect_exact(["Your name", "What would you like to do"])
    assert index == 1
    child.sendcontrol("c")
    child.expect(pexpect.EOF)


# --- class-report ---------------------------------------------------------------------------

def _classroom(lesson_home, tmp_path, monkeypatch) -> list[str]:
    """Three learners, each in a home of their own: one finished, one stuck, one unnamed."""
    exports = tmp_path / "handed in"
    exports.mkdir()
    ada = lesson_home("revert-applied")
    tutor(ada, "solve", "--name", "Ada")
    tutor(ada, "solve")
    bob = lesson_home("delete-unapplied")
    for _ in range(2):
        tutor(bob, "check", "--name", "Bob")
    tutor(bob, "hint")
    cy = lesson_home("revert-several")
    manage(cy, "migrate", "store", "0001")
    tutor(cy, "check")
    files = [export(ada, exports, "ada.json"), export(bob, exports, "bob.json")]
    monkeypatch.delenv("TUTOR_NAME")
    files.append(export(cy, exports, "cy.json"))
    return files


def test_class_report_over_several_learners(lesson_home, tmp_path, monkeypatch):
    files = _classroom(lesson_home, tmp_path, monkeypatch)
    result = tutor(None, "class-report", *files)
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    for text in ("Ada", "Bob", "(cy.json)", "delete-unapplied", "revert-several",
                 "lesson complete", "stuck for"):
        assert text in result.stdout

    rows = csv_rows(tutor(None, "class-report", "--csv", *files).stdout)
    by_learner = {r["learner"]: r for r in rows}
    assert set(by_learner) == {"Ada", "Bob", "(cy.json)"}
    bob = by_learner["Bob"]
    assert (bob["lesson"], bob["step"], bob["attempts"], bob["hints"]) == \
        ("delete-unapplied", "1", "2", "1")
    assert bob["stuck_for_seconds"].isdigit()
    ada = by_learner["Ada"]
    assert ada["title"] == "lesson complete" and ada["steps_passed"] == "2"
    assert ada["stuck_for_seconds"] == "" and ada["step"] == ""
    assert by_learner["(cy.json)"]["attempts"] == "1"
    # The stuck come first: Ada, who is done, is last.
    assert rows[-1]["learner"] == "Ada"

    every = csv_rows(tutor(None, "class-report", "--all-steps", "--csv", *files).stdout)
    assert list(every[0]) == STEP_COLUMNS
    exported = [json.loads(open(f, encoding="utf-8").read()) for f in files]
    assert len(every) == sum(len(r["steps"]) for r in exported)
    table = tutor(None, "class-report", "--all-steps", *files)
    assert table.returncode == 0 and "time spent" in table.stdout


def test_bad_report_files_are_named_and_the_others_still_reported(lesson_home, tmp_path):
    home = lesson_home("revert-applied")
    tutor(home, "check", "--name", "Ada")
    good = export(home, tmp_path, "ada.json")
    report = json.loads(open(good, encoding="utf-8").read())
    bad = {
        "truncated.json": open(good, encoding="utf-8").read()[:40],
        "binary.json": b"\xff\x00\x81",
        "progress.json": (home / "progress.json").read_text(encoding="utf-8"),
        "newer.json": json.dumps(dict(report, version=99)),
        "other.json": json.dumps({"format": "something else"}),
        "missing-field.json": json.dumps(dict(report, steps=[{"lesson": "x"}])),
        "wrong-type.json": json.dumps(dict(report, steps=[dict(report["steps"][0],
                                                                 attempts="many")])),
        "deep.json": "[" * 100_000,
    }
    paths = []
    for name, content in bad.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        paths.append(str(path))
    paths.append(str(tmp_path / "not there.json"))
    paths.append(str(tmp_path))  # a folder

    result = tutor(None, "class-report", good, *paths)
    _no_traceback(result)
    assert result.returncode == 2
    assert "Ada" in result.stdout and "revert-applied" in result.stdout
    for path in paths:
        assert f"Skipped: {path}:" in result.stderr, (path, result.stderr)
    stderr = " ".join(result.stderr.split())
    assert "is a progress file, not an export" in stderr
    assert "version 99; this tutor reads version 1" in stderr
    assert "steps[0].step is missing" in stderr
    assert "steps[0].attempts: expected a whole number" in stderr

    only_bad = tutor(None, "class-report", *paths[:3])
    assert only_bad.returncode == 2 and "No report could be read" in only_bad.stderr
    assert only_bad.stdout == ""


def test_an_export_saved_by_windows_powershell_is_read(lesson_home, tmp_path):
    home = lesson_home("revert-applied")
    text = tutor(home, "report", "--json").stdout
    path = tmp_path / "utf16.json"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert read_exported(path)["learner"] == "Test Learner"
    result = tutor(None, "class-report", str(path))
    assert result.returncode == 0 and "Test Learner" in result.stdout


def test_csv_cells_are_never_spreadsheet_formulas(lesson_home, tmp_path):
    home = lesson_home("revert-applied")
    tutor(home, "check", "--name", "=HYPERLINK(\"x\")")
    rows = csv_rows(tutor(home, "report", "--csv").stdout)
    assert rows[0]["learner"] == "'=HYPERLINK(\"x\")"
    assert report_json(home)["learner"] == "=HYPERLINK(\"x\")"  # the export keeps it as given


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(
    st.binary(max_size=200),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.sampled_from(["format", "version", "learner", "steps",
                                                    "current", "exported_at", "lesson"]),
                                   inner, max_size=4),
                 max_leaves=12).map(lambda v: json.dumps(v).encode())))
def test_any_export_file_is_read_or_named(raw, tmp_path):
    path = tmp_path / "learner.json"
    path.write_bytes(raw)
    try:
        data = read_exported(path)
    except ReportFileError as error:
        assert error.file == str(path)
    else:
        assert data["format"] == REPORT_FORMAT


# --- progress files from before the records -------------------------------------------------

def test_an_old_progress_file_without_records_still_loads(lesson_home):
    home = lesson_home("revert-applied")
    old = {"format": 1, "current": "revert-applied",
           "lessons": {"revert-applied": {"step": 1, "completed": False,
                                          "hints_shown": {"0": 2}, "answered": []},
                       "first-migrations": {"step": 4, "completed": True,
                                            "hints_shown": {}}}}
    (home / "progress.json").write_text(json.dumps(old), encoding="utf-8")
    run_ok(home, "migrate", "store", "0002")

    result = tutor(home, "report", "--json")
    assert result.returncode == 0 and "could not be read" not in result.stderr
    report = json.loads(result.stdout)
    assert not list(home.glob("progress.json.unreadable-*"))
    # Where the learner stands still says which steps passed; when is not known.
    first = step_of(report, "revert-applied", 1)
    assert first["passed"] and first["passed_at"] is None and first["attempts"] == 0
    assert all(s["passed"] for s in report["steps"] if s["lesson"] == "first-migrations")
    assert report["current"] == {"lesson": "revert-applied", "step": 2}

    # Working on writes the new fields beside the old ones.
    status, _ = tutor_json(home, "check")
    assert status == 1
    data = json.loads((home / "progress.json").read_text(encoding="utf-8"))
    lesson = data["lessons"]["revert-applied"]
    assert lesson["hints_shown"] == {"0": 2} and lesson["steps"]["1"]["checks"] == 1
    assert data["lessons"]["first-migrations"]["completed"] is True


def test_new_commands_have_help():
    for command in ("report", "class-report"):
        result = tutor(None, command, "--help")
        assert result.returncode == 0 and "--home" in result.stdout
    listing = tutor(None, "--help").stdout
    assert "report" in listing and "class-report" in listing and "--name" in listing
