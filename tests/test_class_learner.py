"""A learner's tutor in a class: real commands in a real sandbox send what happens to a real
class server, through the home's outbox and its background sender; a server that is away
loses nothing and slows nothing; a learner can leave."""

from __future__ import annotations

import json
import shutil
import socket
import time

import pytest

from class_server import session_present, start_class_server
from conftest import ci_suite_only, manage, tutor, tutor_json

pytest.importorskip("aiohttp")
# A learner's tutor in a class works alike on both Django lines: one of CI's suites runs these.
pytestmark = ci_suite_only("1")

LESSON = "first-migrations"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_class_server(tmp_path_factory.mktemp("class") / "instructor")
    yield running
    running.stop()


def timeline(server, name: str) -> list[dict]:
    learner_id = server.learner_row(name)["id"]
    status, page, _ = server.call("GET", f"/api/learners/{learner_id}", token=server.key)
    assert status == 200
    return list(reversed(page["timeline"]))  # oldest first


def outbox(home) -> list:
    return sorted((home / "class-outbox").glob("*.json")) if (home / "class-outbox").exists() \
        else []


def test_the_learners_commands_reach_the_dashboard_with_what_the_state_is(
        server, lesson_home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Grace")
    home = lesson_home(LESSON)
    joined = tutor(home, "class", "join", server.url, "--code", server.code)
    assert joined.returncode == 0 and f"in the class at {server.url} as Grace" in joined.stdout

    status, report = tutor_json(home, "check")  # nothing done yet: not passed
    assert status == 1
    row = server.wait_for(lambda room: any(r["name"] == "Grace" and r["attempts"] == 1
                                           for r in room["learners"]), what="Grace's check")
    grace = next(r for r in row["learners"] if r["name"] == "Grace")
    assert (grace["lesson"], grace["step"], grace["title"]) == (LESSON, 1,
                                                                "Make the first migration")
    unmet = [e["text"] for e in report["expectations"] if not e["met"]]
    assert grace["last_check"]["unmet"] == unmet and not grace["last_check"]["passed"]

    assert manage(home, "makemigrations", "store").returncode == 0
    assert tutor(home, "check").returncode == 0  # step 1 passes
    assert tutor(home, "hint").returncode == 0
    server.wait_for(lambda room: any(r["name"] == "Grace" and r["hints"] == 1
                                     for r in room["learners"]), what="Grace's hint")
    grace = server.learner_row("Grace")
    assert grace["done"] == {LESSON: [1]} and grace["step"] == 2
    assert grace["attempts"] == 0  # none yet on step 2
    learner_id = grace["id"]
    page = server.call("GET", f"/api/learners/{learner_id}", token=server.key)[1]
    # The live state: the migration file now on disk, not applied; no table yet.
    assert page["state"]["migrations"] == {"store": [["0001_initial", False]]}
    assert [e["kind"] for e in timeline(server, "Grace")] == ["check", "check", "hint"]


def test_undo_solve_and_the_lesson_complete_are_told(server, step_home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Linus")
    home = step_home(LESSON, 4)  # at the last step
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    assert tutor(home, "solve").returncode == 0
    server.wait_for(lambda room: any(r["name"] == "Linus" and r["step"] is None
                                     for r in room["learners"]), what="Linus's last step")
    assert tutor(home, "undo").returncode == 0  # it undid (its check: step 4 is not done)
    server.wait_for(lambda room: any(r["name"] == "Linus" and r["step"] is not None
                                     for r in room["learners"]), what="Linus's undo")
    status, where = tutor_json(home, "status")
    assert server.learner_row("Linus")["step"] == where["step_index"] + 1  # as the tutor says
    kinds = [e["kind"] for e in timeline(server, "Linus")]
    assert kinds[:4] == ["solution", "check", "lesson_complete", "undo"], kinds
    solution = timeline(server, "Linus")[0]
    assert solution["detail"] == {"how": "carried_out"}
    assert solution["step"] == 4  # the step it solved, not the end it led to


def test_a_wrong_join_code_is_said_and_nothing_is_kept(server, lesson_home):
    home = lesson_home(LESSON)
    result = tutor(home, "class", "join", server.url, "--code", "WRONG-CODE")
    assert result.returncode == 2
    assert f"The class at {server.url} refused the join code 'WRONG-CODE'" in result.stderr
    assert not (home / "class.json").exists()
    assert tutor(home, "check").returncode == 1 and not outbox(home)


@pytest.mark.parametrize("url, message", [
    ("192.168.1.20:8765", "is not a class server's address"),
    ("ftp://example.org", "is not a class server's address"),
    ("http://host:port", "has a port that is not a number"),
])
def test_a_bad_address_is_said_plainly(home, url, message):
    result = tutor(home, "class", "join", url, "--code", "ABCD")
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_while_the_server_is_away_events_wait_and_then_arrive_once_in_order(
        tmp_path, lesson_home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Patient")
    instructor = tmp_path / "instructor"
    first = start_class_server(instructor)
    url, code, port = first.url, first.code, first.port
    first.stop()  # the room's Wi-Fi is down

    home = lesson_home(LESSON)
    joined = tutor(home, "class", "join", url, "--code", code)
    assert joined.returncode == 0 and "cannot be reached now" in joined.stdout
    assert tutor(home, "check").returncode == 1
    assert tutor(home, "hint").returncode == 0
    assert tutor(home, "hint").returncode == 0
    assert len(outbox(home)) == 3
    status = json.loads(tutor(home, "class", "status", "--json").stdout)
    assert status["joined"] is False and status["queued"] == 3

    again = start_class_server(instructor, port=port)
    try:
        again.wait_for(lambda room: any(r["name"] == "Patient" and r["events"] == 3
                                        for r in room["learners"]), timeout=30,
                       what="the queued events")
        assert [e["kind"] for e in timeline(again, "Patient")] == ["check", "hint", "hint"]
        assert [e["detail"].get("number") for e in timeline(again, "Patient")] == [None, 1, 2]
        deadline = time.monotonic() + 10
        while outbox(home) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not outbox(home)
        status = json.loads(tutor(home, "class", "status", "--json").stdout)
        assert status["joined"] is True and status["queued"] == 0
        time.sleep(1)
        assert again.learner_row("Patient")["events"] == 3  # and none twice
    finally:
        again.stop()


def test_a_server_that_never_answers_slows_no_command(tmp_path, lesson_home):
    """A server that takes the connection and then says nothing: the learner's commands go
    on at their own pace, and what they tell waits in the outbox."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)  # connections are taken by the system, never answered
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    home = lesson_home(LESSON)
    alone = tmp_path / "in no class"
    shutil.copytree(home, alone, symlinks=True)
    try:
        started = time.monotonic()
        joined = tutor(home, "class", "join", url, "--code", "ABCD-EFGH")
        assert joined.returncode == 0 and "cannot be reached now" in joined.stdout
        assert time.monotonic() - started < 10  # the join waits a few seconds, no more
        without = tutor(alone, "check")
        result = tutor(home, "check")
        assert (result.returncode, result.stdout) == (without.returncode, without.stdout)
        assert len(outbox(home)) == 1
    finally:
        silent.close()


def test_a_learner_can_leave_and_then_nothing_is_sent(server, lesson_home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Leaver")
    home = lesson_home(LESSON)
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    assert tutor(home, "check").returncode == 1
    server.wait_for(lambda room: any(r["name"] == "Leaver" and r["events"] == 1
                                     for r in room["learners"]))
    left = tutor(home, "class", "leave")
    assert left.returncode == 0 and f"You left the class at {server.url}." in left.stdout
    row = server.learner_row("Leaver")
    assert row["left"] is True and row["events"] == 2
    assert not (home / "class.json").exists()
    assert tutor(home, "check").returncode == 1
    assert not outbox(home)
    time.sleep(0.5)
    assert server.learner_row("Leaver")["events"] == 2
    assert "You are in no class" in tutor(home, "class", "status").stdout
    assert "You are in no class" in tutor(home, "class", "leave").stdout


def test_class_status_says_the_class_the_room_step_and_the_hand(server, lesson_home,
                                                              monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Asker")
    home = lesson_home(LESSON)
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    server.call("POST", "/api/target", {"lesson": "revert-applied", "step": 2}, server.key)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            tutor(home, "check")
            status = json.loads(tutor(home, "class", "status", "--json").stdout)
            if status["room"] and status["room"]["lesson"] == "revert-applied":
                break
            time.sleep(0.3)
        assert status["room"]["step"] == 2 and status["class"] == server.url
        text = tutor(home, "class", "status").stdout
        assert f"Class: {server.url}, as Asker." in text
        assert "The room's step: revert-applied, step 2." in text
    finally:
        server.call("POST", "/api/target", {"lesson": None}, server.key)


def test_tutor_watch_sends_each_check_it_makes(server, lesson_home, monkeypatch):
    from conftest import run_ok
    from test_session_pty import spawn_tutor

    monkeypatch.setenv("TUTOR_NAME", "Watcher")
    home = lesson_home("revert-applied")
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    child = spawn_tutor(home, "watch")
    child.expect_exact("Not yet")
    run_ok(home, "migrate", "store", "0002")
    child.expect_exact("Step 1 passed", timeout=15)
    row = server.wait_for(lambda room: any(r["name"] == "Watcher" and r["step"] == 2
                                           for r in room["learners"]), what="the watch's pass")
    watcher = next(r for r in row["learners"] if r["name"] == "Watcher")
    assert watcher["done"] == {"revert-applied": [1]}
    assert watcher["last_check"]["passed_steps"] == [1]
    child.sendcontrol("c")
    child.expect_exact("Stopped watching")
    child.close()


def test_the_sender_stays_while_a_session_runs_and_ends_when_idle_without_one(
        server, lesson_home, monkeypatch):
    """A learner may sit on a step longer than the sender's idle time: while their session
    runs, the sender still reads the room's step for it."""
    from tutor.home_layout import CLASS_SENDER_LOCK
    from tutor.lock import held_elsewhere

    monkeypatch.setenv("TUTOR_NAME", "Sitter")
    monkeypatch.setenv("TUTOR_CLASS_SENDER_IDLE", "1")
    home = lesson_home(LESSON)
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    holder = session_present(home)
    try:
        assert tutor(home, "check").returncode == 1  # starts the sender
        time.sleep(3)  # past its idle time
        assert held_elsewhere(home / CLASS_SENDER_LOCK)  # still there, for the session
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 15
    while held_elsewhere(home / CLASS_SENDER_LOCK) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not held_elsewhere(home / CLASS_SENDER_LOCK)  # the session gone, it ends


def test_a_code_refused_once_the_server_is_back_is_said_and_nothing_more_is_tried(
        tmp_path, lesson_home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Mistyped")
    instructor = tmp_path / "instructor"
    first = start_class_server(instructor)
    url, port = first.url, first.port
    first.stop()
    home = lesson_home(LESSON)
    joined = tutor(home, "class", "join", url, "--code", "TYPO-TYPO")  # no server to say no
    assert joined.returncode == 0 and "cannot be reached now" in joined.stdout
    assert tutor(home, "check").returncode == 1
    again = start_class_server(instructor, port=port)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = json.loads(tutor(home, "class", "status", "--json").stdout)
            if status["last"].get("refused"):
                break
            time.sleep(0.2)
        assert status["last"]["refused"] == "wrong join code" and status["joined"] is False
        text = tutor(home, "class", "status").stdout
        assert "The class refused to let you join: wrong join code." in text
        assert status["queued"] == 1  # kept: a join with the right code sends it
        assert again.room()["learners"] == []
        assert "wrong join code" in again.logged()
        rejoined = tutor(home, "class", "join", url, "--code", again.code)
        assert rejoined.returncode == 0 and "You are in the class" in rejoined.stdout
        again.wait_for(lambda room: any(r["name"] == "Mistyped" and r["events"] == 1
                                        for r in room["learners"]), what="the kept check")
    finally:
        again.stop()


def test_a_learners_tutor_needs_no_web_server_package():
    """The learner side is the standard library's: aiohttp is the instructor's alone."""
    import subprocess
    import sys

    code = ("import sys\nimport tutor.classroom.link, tutor.classroom.sender, "
            "tutor.classroom.telling, tutor.workspace, tutor.session\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'aiohttp'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_a_second_class_refused_leaves_the_learner_in_the_first(server, tmp_path,
                                                                lesson_home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Switcher")
    home = lesson_home(LESSON)
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    other = start_class_server(tmp_path / "other instructor")
    try:
        wrong = tutor(home, "class", "join", other.url, "--code", server.code)
        assert wrong.returncode == 2 and "refused the join code" in wrong.stderr
        status = json.loads(tutor(home, "class", "status", "--json").stdout)
        assert status["class"] == server.url and status["joined"] is True  # still there
        assert server.learner_row("Switcher")["left"] is False
        moved = tutor(home, "class", "join", other.url, "--code", other.code)
        assert moved.returncode == 0 and f"in the class at {other.url}" in moved.stdout
        server.wait_for(lambda room: any(r["name"] == "Switcher" and r["left"]
                                         for r in room["learners"]), what="the first left")
        assert other.learner_row("Switcher")["left"] is False
    finally:
        other.stop()
