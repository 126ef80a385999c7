"""The service's orchestration, in memory: a `StateReader` double hands `Workspace` states
made by hand, so that what a check, an answer, a solution, an undo and a fast-forward record
(progress, the journal, the seen states, the timeline, the class) is tested in a second,
without Django or a real sandbox.

The double is for the orchestration only. What a state means (the judge) is tested against
hand-made states in tests/test_judge.py, and the real sandbox in the slow tier.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import textwrap
from pathlib import Path

import pytest

from tutor.home_layout import CLASS, CLASS_OUTBOX
from tutor.lessons import Course
from tutor.sandbox import SANDBOX_MARKER
from tutor.state import Column, Migration, SandboxState
from tutor.workspace import Workspace

LESSON = """
format = 1
id = "served"
title = "A lesson of the service's own"
summary = "s"
intro = "i"

[start]
migrations = ["0001_initial", "0002_add_price_to_product"]
applied = "0002_add_price_to_product"

[[steps]]
title = "Unapply 0002"
goal = "g"
hints = ["first hint", "second hint"]
solution = ["python manage.py migrate store 0001"]

[[steps.expect]]
migration = "store.0002_add_price_to_product"
applied = false

[[steps]]
title = "Unapply 0001"
goal = "g"
hints = ["h"]
solution = ["python manage.py migrate store zero"]

[[steps.expect]]
migration = "store.0001_initial"
applied = false
"""

FILES = ("0001_initial", "0002_add_price_to_product")
DATABASE = "db.sqlite3"  # the double's "database": a file of the applied migrations


def made_state(applied: list[str]) -> SandboxState:
    """The state of a sandbox whose store app has both files and `applied` applied."""
    migrations = [Migration("store", name, True, name in applied,
                            depends_on=(f"store.{FILES[0]}",) if index else (),
                            operations=(f"operation of {name}",), initial=index == 0)
                  for index, name in enumerate(FILES)]
    columns = [Column("id", "integer", False), Column("name", "varchar", False)]
    if FILES[1] in applied:
        columns.append(Column("price", "decimal", False))
    tables = {"store_product": columns} if applied else {}
    return SandboxState(migrations=migrations, tables=tables,
                        row_counts={"store_product": 0} if applied else {},
                        schema_drift={"store": []}, pending_changes={"store": []},
                        database_mark=7)


class ReaderDouble:
    """A `StateReader` for tests: the sandbox's "database" is a small JSON file of the
    applied migrations, which `manage("migrate store X")` rewrites and `read` turns into a
    `SandboxState` made in memory. Files, not memory: an undo restores them as it would a
    real database file."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, sandbox: Path, *, fresh_build: bool = False,
             releases: list[dict] = ()) -> SandboxState:
        self.reads += 1
        return made_state(json.loads((sandbox / DATABASE).read_text())["applied"])

    def manage(self, sandbox: Path, args: list[str]) -> subprocess.CompletedProcess:
        assert args[:2] == ["migrate", "store"], args
        prefixes = [name[:4] for name in FILES]
        applied = [] if args[2] == "zero" else list(FILES[:prefixes.index(args[2][:4]) + 1])
        write_database(sandbox, applied)
        return subprocess.CompletedProcess(["manage.py", *args], 0, "", "")

    def close(self) -> None:
        pass


def write_database(sandbox: Path, applied: list[str]) -> None:
    (sandbox / DATABASE).write_text(json.dumps({"applied": applied}))


def migrate(workspace: Workspace, target: str) -> None:
    """What a learner's `python manage.py migrate store TARGET` does to the double's sandbox."""
    workspace.reader.manage(workspace.sandbox.path, shlex.split(f"migrate store {target}"))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch) -> Workspace:
    """A home whose sandbox was "built" for the lesson: its marker and start state written
    by hand, as `Sandbox.build` writes them."""
    monkeypatch.setattr("tutor.classroom.outbox.ensure_sender", lambda home: None)
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "served.toml").write_text(textwrap.dedent(LESSON), encoding="utf-8")
    home = tmp_path / "home"
    sandbox = home / "sandbox"
    sandbox.mkdir(parents=True)
    start = made_state(list(FILES))
    (sandbox / SANDBOX_MARKER).write_text(json.dumps(
        {"lesson": "served", "start_state": start.to_json()}))
    write_database(sandbox, list(FILES))
    made = Workspace(home, course=Course([folder], ["served"]), reader=ReaderDouble(),
                     trust_course=True)
    with made.locked_home():
        made.progress.current = "served"
        made.progress.begin("served", 0, 0)
        made.save()
    made.history.record("tutor reset served", 0)  # where a reset starts the timeline
    return made


def journal(workspace: Workspace) -> list[dict]:
    return workspace.journal.entries()


def told_class(workspace: Workspace) -> list[str]:
    outbox = workspace.home / CLASS_OUTBOX
    return [json.loads(path.read_text())["kind"] for path in sorted(outbox.iterdir())] \
        if outbox.is_dir() else []


def test_a_check_that_passes_records_progress_journal_seen_states_and_timeline(workspace):
    migrate(workspace, "0001")
    report = workspace.check(did="python manage.py migrate store 0001")
    assert report.passed_steps == [0] and not report.lesson_complete
    reloaded = Workspace(workspace.home, course=workspace.course, reader=workspace.reader)
    progress = reloaded.progress.of("served")
    assert progress.step == 1 and progress.passed(0)
    assert progress.steps["0"].checks == 1
    [entry] = journal(workspace)
    assert entry["kind"] == "command" and entry["did"] == "python manage.py migrate store 0001"
    assert entry["passed"][0]["step"] == 1
    assert "store.0002_add_price_to_product: applied -> not applied" in entry["changes"]
    assert report.changes == entry["changes"]  # "what changed" is computed once
    seen = workspace.seen.load("served")
    assert list(seen.began) == [1]  # the state step 2 began in
    [_, point] = workspace.history.points()
    assert point.did == "python manage.py migrate store 0001" and point.passed == [1]
    assert point.changes == entry["changes"]


def test_a_check_that_fails_counts_the_check_and_moves_nothing(workspace):
    report = workspace.check()
    assert not report.passed and report.passed_steps == []
    progress = workspace.progress_file.load().of("served")
    assert progress.step == 0 and progress.steps["0"].checks == 1
    assert journal(workspace) == []  # nothing done, nothing changed, nothing passed
    assert workspace.seen.load("served").began == {}


def test_the_class_hears_a_check_a_hint_and_the_lesson_complete(workspace):
    (workspace.home / CLASS).write_text("{}")
    migrate(workspace, "0001")
    workspace.check()
    workspace.next_hint()
    migrate(workspace, "zero")
    report = workspace.check()
    assert report.lesson_complete
    assert told_class(workspace) == ["check", "hint", "check", "lesson_complete"]


def test_no_class_no_outbox(workspace):
    migrate(workspace, "0001")
    workspace.check()
    assert told_class(workspace) == []


def test_a_solution_is_carried_out_and_counted_not_as_a_check(workspace):
    report = workspace.solve(lambda action, status, output: None)
    assert report.passed_steps == [0]
    record = workspace.progress_file.load().record("served", 0)
    assert record.solutions == 1 and record.checks == 0
    [entry] = journal(workspace)
    assert entry["did"] == "tutor solve (step 1: python manage.py migrate store 0001)"


def test_undo_takes_the_sandbox_and_progress_back_and_redo_brings_them(workspace):
    migrate(workspace, "0001")
    workspace.check(did="python manage.py migrate store 0001")
    assert workspace.progress.of("served").step == 1
    report = workspace.undo(1)
    done = report.done
    assert [point.did for point in done.points] == ["python manage.py migrate store 0001"]
    assert f"{DATABASE}: changed" in done.files
    assert json.loads((workspace.sandbox.path / DATABASE).read_text())["applied"] == list(FILES)
    assert workspace.progress_file.load().of("served").step == 0
    # One report: the undo, then the check of where it left the sandbox, each journalled.
    assert [(e["kind"], e.get("did")) for e in journal(workspace)[-2:]] == [
        ("undo", None), ("command", "tutor undo")]
    assert report.check.passed_steps == [] and not report.check.passed
    assert report.problem is None
    redone = workspace.redo(1)
    assert workspace.progress_file.load().of("served").step == 1
    assert journal(workspace)[-2]["kind"] == "redo"
    assert redone.to_json()["redone"][0]["did"] == "python manage.py migrate store 0001"
    # what changed: said once, against the state before the redo
    assert redone.changes == redone.check.changes == [
        "store.0002_add_price_to_product: applied -> not applied", "column store_product.price: dropped"]


def test_an_answer_needs_a_question(workspace):
    from tutor.exceptions import TutorError

    with pytest.raises(TutorError, match="asks no question"):
        workspace.answer(["x"])


def test_a_hint_is_counted_and_the_next_one_shown(workspace):
    assert workspace.next_hint().text == "first hint"
    assert workspace.next_hint().text == "second hint"
    assert workspace.next_hint().number == 2
    assert workspace.progress_file.load().record("served", 0).hints == 2


def test_before_a_command_the_sandbox_is_remembered_once(workspace):
    migrate(workspace, "0001")  # work the tutor has not seen
    workspace.remember_before_command()
    workspace.remember_before_command()
    assert [point.did for point in workspace.history.points()] == ["tutor reset served", ""]


@pytest.fixture
def built_by_hand(monkeypatch):
    """`Sandbox.build` made in memory: the marker and the start's "database" written, as a
    real build leaves them (the build itself is tested in the slow tier)."""
    from tutor.sandbox import Sandbox

    def build(sandbox, lesson, announce=None) -> list[str]:
        folder = sandbox.path
        folder.mkdir(parents=True, exist_ok=True)
        (folder / SANDBOX_MARKER).write_text(json.dumps(
            {"lesson": lesson.id, "start_state": made_state(list(FILES)).to_json()}))
        write_database(folder, list(FILES))
        return []

    monkeypatch.setattr(Sandbox, "build", build)


def test_a_reset_starts_the_notes_the_timeline_and_the_seen_states_afresh(workspace,
                                                                           built_by_hand):
    (workspace.home / CLASS).write_text("{}")
    migrate(workspace, "0001")
    workspace.check()
    workspace.reset(workspace.current_lesson())
    assert journal(workspace)[-1]["kind"] == "reset"
    assert workspace.journal.last_state("served") is None  # changes said from the start
    assert [point.did for point in workspace.history.points()] == ["tutor reset served"]
    assert workspace.seen.load("served").began == {}
    progress = workspace.progress_file.load().of("served")
    assert progress.step == 0  # (the step records stay, for `tutor report`)
    assert told_class(workspace)[-1] == "reset"


def test_a_fast_forward_marks_the_steps_and_starts_the_timeline_where_it_ends(workspace,
                                                                              built_by_hand):
    reset = workspace.reset(workspace.current_lesson(), step=2)
    assert reset.label == "tutor reset served --step 2" and reset.notes == ()
    assert not reset.reached.migration("store", FILES[1]).applied  # the state it left
    progress = workspace.progress_file.load()
    assert progress.of("served").step == 1
    assert progress.record("served", 0).fast_forwarded
    # The solution's check is not the learner's: no note of it, no point but the reset's.
    assert [entry["kind"] for entry in journal(workspace)] == ["reset"]
    [point] = workspace.history.points()
    assert point.did == "tutor reset served --step 2" and point.step == 1
    assert json.loads((workspace.sandbox.path / DATABASE).read_text())["applied"] == [FILES[0]]
    # What changed is said from where the fast-forward left the learner.
    migrate(workspace, "zero")
    report = workspace.check()
    assert report.lesson_complete
    assert report.changes == ["store.0001_initial: applied -> not applied",
                              "table store_product: dropped"]


def test_a_second_fast_forward_starts_from_the_copy_the_first_kept(workspace, built_by_hand):
    workspace.reset(workspace.current_lesson(), step=2)
    reads = workspace.reader.reads
    workspace.reset(workspace.current_lesson(), step=2)
    assert workspace.reader.reads == reads + 1  # the state reached; no solution carried out
    assert workspace.progress_file.load().of("served").step == 1
