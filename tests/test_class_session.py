"""`tutor start` in a class, in a real pseudo-terminal: joining from the options or the
environment, a wrong code, a hand raised and lowered, a learner who left."""

from __future__ import annotations

import json
import time

import pexpect
import pytest

from class_server import start_class_server
from conftest import ci_suite_only, tutor
import test_session_pty
from test_session_pty import DOWN, ENTER, MENU, spawn_tutor

pytest.importorskip("aiohttp")
# A learner's tutor in a class works alike on both Django lines: one of CI's suites runs these.
pytestmark = ci_suite_only("2")

LESSON = "revert-applied"
home = test_session_pty.home  # a new learner's home, the lessons' starts already built


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_class_server(tmp_path_factory.mktemp("class") / "instructor")
    yield running
    running.stop()


def pick(child, choices: list[str], item: str) -> None:
    child.expect_exact("What would you like to do")
    child.send(DOWN * choices.index(item) + ENTER)


def raise_hand(child, message: str, said: str) -> None:
    pick(child, ["hand", *MENU], "hand")
    child.expect_exact("What are you stuck on?")
    child.sendline(message)
    child.expect_exact(said)


def quit_session(child) -> None:
    pick(child, ["hand", *MENU], "quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_wrong_code_at_start_is_said_and_no_session_begins(server, home):
    child = spawn_tutor(home, "start", LESSON, "--class", server.url, "--code", "NOPE-NOPE")
    child.expect_exact(f"The class at {server.url} refused the join code 'NOPE-NOPE'")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert not (home / "class.json").exists()


@pytest.mark.parametrize("args, message", [
    (["--code", "ABCD"], "--code needs --class"),
    (["--class", "http://127.0.0.1:9"], "needs its join code (--code)"),
    (["--class", "localhost:8765", "--code", "A"], "is not a class server's address"),
])
def test_class_options_that_cannot_work_are_said_before_anything_else(tmp_path, args, message):
    home = tmp_path / "new home"
    result = tutor(home, "start", *args)
    assert result.returncode == 2 and message in result.stderr
    assert not home.exists()  # nothing made, not even the home


def test_the_environment_joins_and_a_learner_who_left_is_not_joined_again(
        server, home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "From Env")
    monkeypatch.setenv("TUTOR_CLASS", server.url)
    monkeypatch.setenv("TUTOR_CLASS_CODE", server.code.lower())
    child = spawn_tutor(home, "start", LESSON)
    child.expect_exact(f"You are in the class at {server.url} as From Env")
    child.expect_exact("Step 1/2")
    # The hand: raised with a message, then lowered; the dashboard sees both.
    raise_hand(child, "", "Your hand is up")  # the message is optional
    server.wait_for(lambda room: any(r["name"] == "From Env" and r["hand"] is not None
                                     for r in room["learners"]), what="the raised hand")
    pick(child, ["lower", *MENU], "lower")
    child.expect_exact("Your hand is down")
    server.wait_for(lambda room: any(r["name"] == "From Env" and r["hand"] is None
                                     for r in room["learners"]), what="the lowered hand")
    quit_session(child)
    row = server.learner_row("From Env")
    assert row["lesson"] == LESSON and row["step"] == 1

    assert tutor(home, "class", "leave").returncode == 0
    child = spawn_tutor(home, "start", LESSON)
    child.expect_exact("Step 1/2")
    assert "You are in the class" not in child.before
    pick(child, MENU, "quit")  # no class: no hand in the menu
    child.expect(pexpect.EOF)
    assert not (home / "class.json").exists()
    # Given again on the command line, the learner joins again (the same learner's name).
    child = spawn_tutor(home, "start", LESSON, "--class", server.url, "--code", server.code)
    child.expect_exact(f"You are in the class at {server.url} as From Env")
    quit_session(child)


def test_a_hand_goes_down_when_the_step_passes(server, home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Passer")
    child = spawn_tutor(home, "start", LESSON, "--class", server.url, "--code", server.code)
    child.expect_exact("Step 1/2")
    raise_hand(child, "migrate to what?", "Your hand is up")
    pick(child, ["lower", *MENU], "run")
    child.expect_exact("Command")
    child.sendline("python manage.py migrate store 0002")
    child.expect_exact("Step 1 passed")
    server.wait_for(lambda room: any(r["name"] == "Passer" and r["step"] == 2
                                     and r["hand"] is None for r in room["learners"]),
                    what="the hand lowered by the pass")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the tutor hears it from the server too
        room_file = json.loads((home / "class-room.json").read_text(encoding="utf-8"))
        if room_file.get("hand") is False:
            break
        time.sleep(0.2)
    pick(child, ["lower", *MENU], "hint")  # a menu drawn after the tutor heard of it...
    child.expect_exact("Hint 1/")
    child.expect_exact("I'm stuck: raise my hand")  # ... offers to raise it again
    child.send(DOWN * (1 + MENU.index("quit")) + ENTER)
    child.expect(pexpect.EOF)


def test_a_class_that_cannot_be_reached_is_said_and_the_session_goes_on(home, monkeypatch):
    from class_server import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    child = spawn_tutor(home, "start", LESSON, "--class", url, "--code", "ABCD-EFGH")
    child.expect_exact(f"The class at {url} cannot be reached now. Work on")
    child.expect_exact("Step 1/2")
    raise_hand(child, "help", "Your hand is up. The class cannot be reached just now")
    pick(child, ["lower", *MENU], "quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    queued = sorted((home / "class-outbox").glob("*.json"))
    kinds = [json.loads(path.read_text(encoding="utf-8"))["kind"] for path in queued]
    assert kinds == ["reset", "step_shown", "hand"]  # kept for when the class is reached


def test_the_room_in_another_lesson_asked_first_then_followed(server, home, monkeypatch):
    monkeypatch.setenv("TUTOR_NAME", "Latecomer")
    # The room is ahead already when the latecomer joins: the join's answer says so.
    status, answer, _ = server.call("POST", "/api/target",
                                    {"lesson": "delete-unapplied", "step": 2}, server.key)
    assert status == 200
    try:
        child = spawn_tutor(home, "start", LESSON, "--class", server.url, "--code",
                            server.code)
        child.expect_exact("Step 1/2")
        # (said on one line or wrapped, as the terminal's width makes it)
        child.expect(r"The instructor has moved the room to\s+delete-unapplied,\s+step\s+2")
        child.expect(r"Go to the room's step: delete-unapplied, step 2\s+\(the steps\s+before"
                     r"\s+it\s+fast-forwarded\)")
        child.send(ENTER)  # the room's step, at the top of the menu
        child.expect_exact("Rebuild the sandbox at delete-unapplied, step 2?")
        child.send("n")
        child.expect_exact("What would you like to do")  # still here, and asked again
        assert "Fast-forwarding" not in child.before
        child.expect_exact("Go to the room's step")
        child.send(ENTER)
        child.expect_exact("Rebuild the sandbox at delete-unapplied, step 2?")
        child.send(ENTER)
        child.expect_exact("Fast-forwarding delete-unapplied to step 2")
        child.expect_exact("Delete a migration that was never applied")
        child.expect_exact("Step 2/2")
        server.wait_for(lambda room: any(r["name"] == "Latecomer" and r["step"] == 2
                                         and r["lesson"] == "delete-unapplied"
                                         for r in room["learners"]), what="the latecomer")
        status_json = json.loads(tutor(home, "status", "--json").stdout)
        assert (status_json["lesson"], status_json["step_index"]) == ("delete-unapplied", 1)
        pick(child, ["hand", *MENU], "quit")  # at the room's step: nothing more offered
        child.expect(pexpect.EOF)
    finally:
        server.call("POST", "/api/target", {"lesson": None}, server.key)
