"""The class under attack (issue 27, safety round 3, points 10, 11 and 13), against the real
server in a process of its own: connections that never finish, join codes tried in bulk, one
laptop taking every seat, a server's answers that are huge or hostile, secrets on screen or
readable by others, and senders that outlive their class."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import secrets
import signal
import stat
import threading
import time
from collections import Counter

import pytest

from class_server import (ANOTHER_MACHINE, call_from, event, held_socket, sender_processes,
                          session_present, start_class_server, token)
from conftest import ci_servers_job_only, tutor

pytest.importorskip("aiohttp")

from tutor.classroom.door import CONNECTIONS_PER_ADDRESS, HEADER_TIMEOUT_SECONDS  # noqa: E402
from tutor.classroom.http_client import MAX_ANSWER_BYTES  # noqa: E402
from tutor.classroom.server import FAILED_JOINS_ALLOWED, SEATS_PER_ADDRESS  # noqa: E402

pytestmark = ci_servers_job_only()

LESSON = "first-migrations"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_class_server(tmp_path_factory.mktemp("class") / "instructor")
    yield running
    running.stop()


def instructor_reads_the_room(server, timeout: float = 10.0) -> float:
    """Seconds the dashboard's read of the room takes (it must be answered)."""
    import urllib.request

    request = urllib.request.Request(f"{server.url}/api/room",
                                     headers={"Authorization": f"Bearer {server.key}"})
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=timeout) as response:
        assert response.status == 200
        json.loads(response.read())
    return time.monotonic() - started


def closed_by_the_server(held, within: float) -> bool:
    held.settimeout(within)
    try:
        return held.recv(1024) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


# --- 10a: connections that never finish their headers ----------------------------------------

def test_held_connections_neither_take_the_class_offline_nor_flood_the_log(tmp_path):
    """1 100 connections from one address that never finish their headers, on a server
    allowed 1 024 open files: the instructor's dashboard is still answered at once, the held
    connections are closed after the header timeout, and the log says it in a few lines."""
    running = start_class_server(tmp_path / "instructor", open_files=1024)
    held = []
    try:
        for _ in range(1100):
            connection = held_socket(running, ANOTHER_MACHINE,
                                     b"GET /api/health HTTP/1.1\r\nHost: class\r\n")
            if connection is not None:
                held.append(connection)
        waited = instructor_reads_the_room(running, timeout=5.0)
        assert waited < 2.0, waited
        # A learner from another address still joins, within the address's cap.
        status, answer = call_from(running, "127.0.0.3", "POST", "/api/join",
                                   {"code": running.code, "token": token(), "name": "Other"})
        assert status == 200, answer
        # Every held connection is closed soon after the header timeout.
        deadline = time.monotonic() + HEADER_TIMEOUT_SECONDS + 5
        still_open = [connection for connection in held
                      if not closed_by_the_server(connection,
                                                  max(0.01, deadline - time.monotonic()))]
        assert still_open == []
        log = running.logged()
        assert "Traceback" not in log and "Too many open files" not in log
        assert len(log) < 20_000, log[-3000:]
        assert (f"refused a connection from {ANOTHER_MACHINE}: it holds "
                f"{CONNECTIONS_PER_ADDRESS} connections already") in log
        assert f"no request within {HEADER_TIMEOUT_SECONDS:g} s" in log
        assert instructor_reads_the_room(running) < 2.0
    finally:
        for connection in held:
            connection.close()
        running.stop()
    # The count of what was refused again and again is said as the server stops.
    assert "times since)" in running.logged()


def test_a_body_that_never_arrives_is_answered_408(server):
    started = time.monotonic()
    body = json.dumps({"code": server.code, "token": token(), "name": "Slow"}).encode()
    held = held_socket(server, ANOTHER_MACHINE,
                       b"POST /api/join HTTP/1.1\r\nHost: class\r\nContent-Type: "
                       b"application/json\r\nContent-Length: " + str(len(body)).encode()
                       + b"\r\n\r\n" + body[:10], timeout=2)
    try:
        held.settimeout(HEADER_TIMEOUT_SECONDS + 5)
        answer = held.recv(4096)
    finally:
        held.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
    assert time.monotonic() - started < HEADER_TIMEOUT_SECONDS + 4


# --- 10b: join codes tried in bulk --------------------------------------------------------------

def joins_held_then_let_go(running, joins: list[dict]) -> Counter:
    """Each join's headers sent from another machine and its body held back until every one
    of them has started; then all the bodies at once: the statuses they get."""
    held = []
    try:
        for join in joins:
            body = json.dumps(join).encode()
            connection = held_socket(running, ANOTHER_MACHINE,
                                     b"POST /api/join HTTP/1.1\r\nHost: class\r\n"
                                     b"Content-Type: application/json\r\nContent-Length: "
                                     + str(len(body)).encode() + b"\r\n\r\n", timeout=2)
            assert connection is not None
            held.append((connection, body))
        time.sleep(0.5)  # every try has started; none has sent its code
        for connection, body in held:
            connection.sendall(body)
        statuses = Counter()
        for connection, _ in held:
            connection.settimeout(10)
            statuses[int(connection.recv(4096).split()[1])] += 1
        return statuses
    finally:
        for connection, _ in held:
            connection.close()


def test_wrong_join_codes_held_open_and_let_go_together_are_counted_as_they_start(tmp_path):
    running = start_class_server(tmp_path / "instructor")
    try:
        statuses = joins_held_then_let_go(running, [
            {"code": f"GUESS{n:03d}", "token": token(), "name": "Guesser"} for n in range(30)])
    finally:
        running.stop()
    assert statuses == {403: FAILED_JOINS_ALLOWED, 429: 30 - FAILED_JOINS_ALLOWED}


def test_right_join_codes_held_open_together_all_join(tmp_path):
    """Counting each try as it starts never turns away a room joining at once (the right
    code is no failed try)."""
    running = start_class_server(tmp_path / "instructor", "--seats-per-address", "30")
    try:
        statuses = joins_held_then_let_go(running, [
            {"code": running.code, "token": token(), "name": f"Punctual {n}"}
            for n in range(FAILED_JOINS_ALLOWED + 5)])
    finally:
        running.stop()
    assert statuses == {200: FAILED_JOINS_ALLOWED + 5}


# --- 10d: one laptop takes every seat -----------------------------------------------------------

def test_one_address_takes_a_bounded_number_of_seats(server):
    def join_from(source: str, name: str):
        return call_from(server, source, "POST", "/api/join",
                         {"code": server.code, "token": token(), "name": name})

    source = "127.0.0.4"
    assert [join_from(source, f"Seat {n}")[0] for n in range(SEATS_PER_ADDRESS)] == \
        [200] * SEATS_PER_ADDRESS
    status, answer = join_from(source, "One Seat Too Many")
    assert status == 403
    assert answer["error"] == (f"this address ({source}) holds {SEATS_PER_ADDRESS} seats "
                               "already: the class takes that many learners from one machine")
    assert join_from("127.0.0.5", "Another Laptop")[0] == 200  # the others still join
    assert server.join(token(), "The Instructor's Own Test")[0] == 200  # this machine's


def test_the_seats_per_address_are_the_instructors_to_set(tmp_path):
    running = start_class_server(tmp_path / "instructor", "--seats-per-address", "1")
    try:
        def join_from(name: str):
            return call_from(running, ANOTHER_MACHINE, "POST", "/api/join",
                             {"code": running.code, "token": token(), "name": name})[0]

        assert [join_from("Pair A"), join_from("Pair B")] == [200, 403]
    finally:
        running.stop()
    result = tutor(tmp_path / "other", "class", "serve", "--seats-per-address", "0")
    assert result.returncode == 2 and "--seats-per-address must be 1 or more" in result.stderr


def test_the_instructor_removes_a_learner_whose_token_never_joins_again(server):
    source = "127.0.0.6"
    secret = token()
    assert call_from(server, source, "POST", "/api/join",
                     {"code": server.code, "token": secret, "name": "Seat Filler"})[0] == 200
    assert server.post_events(secret, [event("hint")])[0] == 200
    learner_id = server.learner_row("Seat Filler")["id"]
    # Only with the instructor's key (the key travels in a header: no other site's page
    # can send it, as for every dashboard action).
    assert server.call("POST", f"/api/learners/{learner_id}/remove", {})[0] == 403
    assert server.call("POST", f"/api/learners/{learner_id}/remove", {}, token=secret)[0] \
        == 403
    assert server.call("POST", f"/api/learners/{learner_id}/remove", {},
                       token=server.key)[0] == 200
    assert "Seat Filler" not in [row["name"] for row in server.room()["learners"]]
    assert "removed by the instructor: 'Seat Filler' (joined from 127.0.0.6)" in \
        server.logged()
    assert server.post_events(secret, [event("hint")])[0] == 401
    status, answer = call_from(server, source, "POST", "/api/join",
                               {"code": server.code, "token": secret, "name": "Seat Filler"})
    assert (status, answer["error"]) == (403, "the instructor removed you from this class")
    assert server.call("POST", f"/api/learners/{learner_id}/remove", {},
                       token=server.key)[0] == 404


# --- 10g: lessons and steps are the course's ----------------------------------------------------

@pytest.mark.parametrize("bad, reason", [
    ({"lesson": "no-such-lesson"}, "events[0].lesson: lesson 'no-such-lesson' is not in the "
                                   "class's course"),
    ({"step": 9}, "events[0].step: step 9 is not a step of 'first-migrations' (it has 4)"),
    ({"done": {"first-migrations": [1, 7]}},
     "events[0].done['first-migrations']: step 7 is not a step of 'first-migrations'"),
    ({"done": {"elsewhere": [1]}}, "events[0].done: lesson 'elsewhere' is not in the class's"),
    ({"detail": {"passed_steps": [5], "unmet": []}},
     "events[0].detail.passed_steps: step 5 is not a step of 'first-migrations'"),
    ({"lesson": None, "step": 2}, "events[0].step is given without a lesson"),
])
def test_an_event_outside_the_class_course_is_refused_with_its_reason(server, bad, reason):
    secret = token()
    assert server.join(secret, f"Stray {secrets.token_hex(2)}")[0] == 200
    status, answer = server.post_events(secret, [event(**bad)])
    assert status == 400 and reason in answer["error"], answer


def test_an_event_takes_the_course_s_count_of_steps(server):
    secret = token()
    assert server.join(secret, "Counted")[0] == 200
    assert server.post_events(secret, [event(steps=999)])[0] == 200
    assert server.learner_row("Counted")["steps"] == 4


# --- 10f: --stuck-after is a number of minutes --------------------------------------------------

@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_stuck_after_that_is_not_a_number_is_refused(tmp_path, value):
    result = tutor(tmp_path / "home", "class", "serve", f"--stuck-after={value}")
    assert result.returncode == 2
    assert f"--stuck-after {float(value)} is not a number of minutes" in result.stderr
    assert "Traceback" not in result.stderr


# --- 10e: what a learner's tutor reads from a server -------------------------------------------

class Impostor(http.server.BaseHTTPRequestHandler):
    """Something at the class's address that is not a class server; `answers` says what
    each path gets: (status, body bytes, or an int: that many bytes of "x", streamed)."""
    answers: dict = {}
    sent = 0

    def do_POST(self):  # noqa: N802 - the standard library's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer()

    def do_GET(self):  # noqa: N802
        self.answer()

    def answer(self):
        status, body = type(self).answers.get(self.path.split("?")[0], (404, b"{}"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(body if isinstance(body, int) else len(body)))
        self.end_headers()
        try:
            if isinstance(body, int):
                chunk = b"x" * 65536
                for _ in range(body // len(chunk)):
                    self.wfile.write(chunk)
                    type(self).sent += len(chunk)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def impostor():
    class Answers(Impostor):
        answers = {}
        sent = 0

    running = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    running.url = f"http://127.0.0.1:{running.server_address[1]}"
    running.answers = Answers.answers
    running.handler = Answers
    yield running
    running.shutdown()
    running.server_close()


def test_a_huge_answer_is_read_no_further_than_the_bound_and_is_no_yes(home, impostor):
    impostor.answers["/api/join"] = (200, 50 * 1024 * 1024)
    result = tutor(home, "class", "join", impostor.url, "--code", "ABCD-EFGH")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "You are in the class" not in result.stdout
    assert (f"What answers at {impostor.url} is not a class server: its answer is larger "
            f"than {MAX_ANSWER_BYTES // 1024} KiB") in result.stderr
    assert impostor.handler.sent < 16 * 1024 * 1024  # it stopped reading; the rest never went
    assert not (home / "class.json").exists()


def test_a_server_that_drips_its_answer_holds_a_learner_no_longer_than_a_deadline(home):
    """Probe: a server that sends its headers, then one byte every half second, held `tutor
    class join` for hours (each read's timeout starts again at each byte). A whole answer
    comes within a deadline, or the server is not reached."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def drip() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                with contextlib.suppress(OSError):
                    connection.recv(65536)
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json"
                                       b"\r\nContent-Length: 60000\r\n\r\n{")
                    while not stop.wait(0.5):
                        connection.sendall(b" ")

    threading.Thread(target=drip, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        began = time.monotonic()
        result = tutor(home, "class", "join", url, "--code", "ABCD-EFGH")
        took = time.monotonic() - began
    finally:
        stop.set()
        listener.close()
    assert took < 15, took
    assert "You are in the class" not in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("body", [b"<html>It works!</html>", b"[1, 2]", b'{"ok": true}'])
def test_an_answer_that_is_not_a_class_servers_is_no_yes(home, impostor, body):
    impostor.answers["/api/join"] = (200, body)
    result = tutor(home, "class", "join", impostor.url, "--code", "ABCD-EFGH")
    assert result.returncode == 2
    assert "You are in the class" not in result.stdout
    assert f"What answers at {impostor.url} is not a class server" in result.stderr


def test_what_a_server_says_is_shown_with_its_control_characters_visible(home, impostor):
    clear_screen = "\x1b[2J\x1b[H"
    impostor.answers["/api/join"] = (403, json.dumps(
        {"error": f"{clear_screen}go away"}).encode())
    result = tutor(home, "class", "join", impostor.url, "--code", "ABCD-EFGH")
    assert result.returncode == 2
    assert "\x1b" not in result.stderr
    assert "refused to join: \\x1b[2J\\x1b[Hgo away." in result.stderr

    impostor.answers["/api/join"] = (200, json.dumps({
        "learner": "abc123", "target": {"lesson": f"{clear_screen}lesson", "step": 1,
                                        "seq": 1, "title": clear_screen}}).encode())
    impostor.answers["/api/target"] = (200, json.dumps({"target": None}).encode())
    joined = tutor(home, "class", "join", impostor.url, "--code", "ABCD-EFGH")
    assert joined.returncode == 0 and "You are in the class" in joined.stdout
    status = tutor(home, "class", "status")
    assert "\x1b" not in status.stdout
    assert "The room's step: \\x1b[2J\\x1b[Hlesson, step 1." in status.stdout
    tutor(home, "class", "leave")


# --- 11: secrets -----------------------------------------------------------------------------

def test_a_database_password_is_never_printed():
    from tutor.classroom.serve import banner, shown_location
    from tutor.classroom.store import ClassInfo

    url = "postgresql://teacher:s3cret-pw@db.school:5432/class"
    assert shown_location(url) == "postgresql://teacher:***@db.school:5432/class"
    assert shown_location("/home/t/class.sqlite3") == "/home/t/class.sqlite3"
    assert shown_location("postgresql://teacher@db/class") == "postgresql://teacher@db/class"
    lines = banner("127.0.0.1", 8765, ClassInfo("id", "ABCDEFGH", "k", 0.0, None), url)
    assert not any("s3cret-pw" in line for line in lines)
    assert "the class kept in postgresql://teacher:***@db.school:5432/class." in lines[0]


def test_an_unreachable_database_is_said_without_its_password(tmp_path):
    from class_server import free_port

    result = tutor(tmp_path / "home", "class", "serve", "--db",
                   f"postgresql://nobody:s3cret-pw@127.0.0.1:{free_port()}/class")
    assert result.returncode == 2
    assert "s3cret-pw" not in result.stdout + result.stderr


@pytest.fixture
def umask_022():
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_secrets_are_written_owner_only_whatever_the_umask(tmp_path, server, umask_022):
    instructor = tmp_path / "instructor"
    running = start_class_server(instructor)
    try:
        learner = tmp_path / "learner"
        assert tutor(learner, "class", "join", running.url, "--code",
                     running.code).returncode == 0
        assert mode(learner / "class.json") == 0o600  # the learner's token
        assert mode(learner) == 0o700
        assert mode(instructor / "class.sqlite3") == 0o600  # the code and the key
        for journal in ("class.sqlite3-wal", "class.sqlite3-shm"):
            if (instructor / journal).exists():
                assert mode(instructor / journal) == 0o600, journal
        assert mode(instructor / "class-dashboard.txt") == 0o600
        assert mode(instructor) == 0o700
        tutor(learner, "class", "leave")
    finally:
        running.stop()
    elsewhere = tmp_path / "kept" / "here" / "class.sqlite3"
    running = start_class_server(tmp_path / "instructor2", "--db", str(elsewhere))
    running.stop()
    assert mode(elsewhere) == 0o600 and mode(elsewhere.parent) == 0o700


# --- 13: no process outlives its class ----------------------------------------------------------

def wait_until_none(home, within: float) -> list[str]:
    deadline = time.monotonic() + within
    while True:
        left = sender_processes(home)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def test_a_sender_ends_soon_once_its_server_is_gone(tmp_path, lesson_home, monkeypatch):
    """The server goes while events wait in the outbox: the sender gives up after
    TUTOR_CLASS_SENDER_GONE seconds (here 2) without a session, keeping what waits."""
    monkeypatch.setenv("TUTOR_CLASS_SENDER_GONE", "2")
    monkeypatch.setenv("TUTOR_CLASS_SENDER_IDLE", "900")  # as a learner has it
    running = start_class_server(tmp_path / "instructor")
    home = lesson_home(LESSON)
    try:
        assert tutor(home, "class", "join", running.url, "--code", running.code
                     ).returncode == 0
        assert tutor(home, "check").returncode == 1
        running.wait_for(lambda room: any(r["attempts"] == 1 for r in room["learners"]),
                         what="the check")
        assert sender_processes(home)  # the sender runs, reading the room
    finally:
        running.stop(signal.SIGKILL)
    assert tutor(home, "hint").returncode == 0  # queued: the server is gone
    assert wait_until_none(home, 20) == []
    assert len(list((home / "class-outbox").glob("*.json"))) == 1  # kept for the next try
    status = json.loads(tutor(home, "class", "status", "--json").stdout)
    assert "tried again at the next event" in status["last"]["error"]


def test_a_sender_ends_soon_once_the_session_it_served_has_ended(server, lesson_home,
                                                                 monkeypatch):
    """The server stays up: the sender reads the room for the session, and ends once the
    session is over and nothing waits (not a quarter of an hour later)."""
    monkeypatch.setenv("TUTOR_CLASS_SENDER_IDLE", "900")  # as a learner has it
    home = lesson_home(LESSON)
    assert tutor(home, "class", "join", server.url, "--code", server.code).returncode == 0
    session = session_present(home)
    try:
        assert tutor(home, "check").returncode == 1  # starts the sender
        time.sleep(1.5)
        assert sender_processes(home)
    finally:
        session.kill()  # the session ends (as a closed terminal ends it)
        session.wait()
    assert wait_until_none(home, 10) == []


def test_malformed_requests_are_logged_once_then_counted_without_a_traceback(tmp_path):
    """Probe: each request aiohttp could not parse (a control character in its first line,
    or an ESC in a header) printed an 11-line traceback on the instructor's terminal: 100
    requests, 1 100 lines, from anyone on the network. One line per kind, then a count."""
    running = start_class_server(tmp_path / "instructor")
    try:
        for number in range(60):
            request = (b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n" if number % 2 else
                       b"GET / HTTP/1.1\r\nHost: x\r\nX-Evil: \x1b]0;T\x07\r\n\r\n")
            connection = held_socket(running, ANOTHER_MACHINE, request)
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.recv(4096)
                connection.close()
        assert instructor_reads_the_room(running) < 2.0
    finally:
        running.stop()
    log = running.logged()
    assert "Traceback" not in log and "\x1b" not in log, log[-3000:]
    assert "Error handling request" in log  # said, once per kind
    assert len(log.splitlines()) < 15, log


def test_an_error_met_again_and_again_is_logged_once_then_counted(caplog):
    """What filled 688 MB of the log in three minutes (the event loop's failing accept, a
    traceback each time): one line, then one line with the count."""
    import errno
    import logging

    from tutor.classroom.door import Repeats, loop_errors

    repeats = Repeats(logging.getLogger("tutor.class.test"))
    handle = loop_errors(repeats)
    with caplog.at_level(logging.INFO, logger="tutor.class.test"):
        for _ in range(10_000):
            handle(None, {"message": "socket.accept() out of system resource",
                          "exception": OSError(errno.EMFILE, "Too many open files")})
        repeats.flush()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert lines[0].startswith("socket.accept() out of system resource: OSError(24")
    assert lines[1].endswith("(again 9999 times since)")
    assert not any(record.exc_info for record in caplog.records)  # no traceback
