"""The class server, over real HTTP: who may post and read what, what it refuses (4xx, logged,
never a crash), what it keeps across a restart, and the CSV it exports."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import signal
import sqlite3
import time
from urllib.parse import urlsplit, urlunsplit

import pytest

from class_server import event, free_port, start_class_server, token
from conftest import ci_servers_job_only

pytest.importorskip("aiohttp")

from tutor.exports import WHERE_COLUMNS  # noqa: E402

# The class server, its protocol and its load are the same whichever Django a learner's
# tutor has: CI runs them once, in its servers' job, beside its two suites (one per Django).
pytestmark = ci_servers_job_only()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_class_server(tmp_path_factory.mktemp("class") / "instructor")
    yield running
    running.stop()


def joined(server, name: str) -> str:
    secret = token()
    status, answer = server.join(secret, name)
    assert status == 200, answer
    return secret


# --- joining ---------------------------------------------------------------------------------

def test_the_banner_tells_the_learners_command_the_dashboard_and_that_only_localhost_can_join(
        server):
    assert f"tutor start --class {server.url} --code {server.code}" in server.banner
    assert f"    {server.url}/\n" in server.banner
    assert server.url.startswith("http://127.0.0.1:")
    assert "give --host 0.0.0.0" in server.banner


def test_the_projected_banner_never_shows_the_key_which_only_its_owner_can_read(server):
    """Issue 27, point 10c: the instructor projects the banner; the key is in a file the
    banner names, readable by the instructor alone."""
    assert server.key not in server.banner
    assert "#key=" not in server.banner
    home = server.home
    key_file = home / "class-dashboard.txt"
    assert f"are in {key_file} (only you can read it" in server.banner
    assert f"{server.url}/#key={server.key}" in key_file.read_text(encoding="utf-8")
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert home.stat().st_mode & 0o777 == 0o700


def test_a_wrong_join_code_is_refused_and_logged_and_joins_nobody(server):
    before = len(server.room()["learners"])
    status, answer = server.join(token(), "Mallory", code="AAAA-AAAA")
    assert status == 403 and answer == {"error": "wrong join code"}
    assert len(server.room()["learners"]) == before
    assert "refused POST /api/join" in server.logged()
    assert "wrong join code" in server.logged()


def test_the_join_code_may_be_typed_in_lower_case_without_its_dash(server):
    status, answer = server.join(token(), "Casual Typist",
                                 code=server.code.replace("-", " ").lower())
    assert status == 200, answer
    assert server.learner_row("Casual Typist")["lesson"] is None


def test_joining_again_with_the_same_token_is_the_same_learner(server):
    secret = token()
    first = server.join(secret, "Twice")[1]["learner"]
    again = server.join(secret, "Twice Renamed")[1]["learner"]
    assert first == again
    names = [row["name"] for row in server.room()["learners"]]
    assert "Twice Renamed" in names and "Twice" not in names


@pytest.mark.parametrize("body, reason", [
    ({"code": "X", "token": "short", "name": "A"}, "token must be 32 to 128"),
    ({"code": "X", "token": "t" * 40, "name": "   "}, "name is empty"),
    ({"code": "X", "token": "t" * 40, "name": "A" * 81}, "name is longer than 80"),
    ({"code": "X", "token": "t" * 40, "name": "bell\x07"}, "name holds control characters"),
    ({"code": "X", "token": "t" * 40, "name": "A", "learner": "someone"},
     "unknown field 'learner'"),
    ([1, 2], "body must be an object"),
])
def test_a_malformed_join_is_refused_with_its_reason(server, body, reason):
    status, answer, _ = server.call("POST", "/api/join", body)
    assert status == 400 and reason in answer["error"]


def test_too_many_wrong_codes_from_one_address_must_wait(tmp_path):
    running = start_class_server(tmp_path / "instructor")
    try:
        statuses = [running.join(token(), "Guesser", code=f"GUESS{n:03d}")[0]
                    for n in range(21)]
        assert statuses[:20] == [403] * 20 and statuses[20] == 429
        # ... even with the right code, for the minute: a guesser cannot try on
        assert running.join(token(), "Guesser")[0] == 429
    finally:
        running.stop()


# --- posting events ------------------------------------------------------------------------

def test_events_need_a_joined_learners_token(server):
    status, answer = server.post_events("", [event()])
    assert status == 401 and "join the class first" in answer["error"]
    status, _ = server.post_events(token(), [event()])  # a token never joined
    assert status == 401


def test_a_learner_cannot_post_as_another(server):
    alice, bob = joined(server, "Alice"), joined(server, "Bob")
    alice_id = server.learner_row("Alice")["id"]
    # Naming Alice in Bob's event is refused: an event never says whose it is.
    status, answer = server.post_events(bob, [event(learner=alice_id)])
    assert status == 400 and "unknown field 'learner'" in answer["error"]
    status, answer, _ = server.call("POST", "/api/events", {
        "events": [event()], "sent_at": time.time(), "learner": alice_id}, bob)
    assert status == 400 and "unknown field 'learner'" in answer["error"]
    # Bob's token posts as Bob, whatever the event holds.
    assert server.post_events(bob, [event("hint")])[0] == 200
    assert server.learner_row("Bob")["events"] == 1
    assert server.learner_row("Bob")["hints"] == 1
    assert server.learner_row("Alice")["events"] == 0
    del alice


def test_a_retried_event_is_stored_once(server):
    secret = joined(server, "Retrier")
    sent = event("check")
    assert server.post_events(secret, [sent])[1]["new"] == 1
    assert server.post_events(secret, [sent])[1]["new"] == 0
    row = server.learner_row("Retrier")
    assert row["events"] == 1 and row["attempts"] == 1


@pytest.mark.parametrize("bad, reason", [
    ({"kind": "explode"}, "kind must be one of"),
    ({"step": True}, "step must be a whole number"),
    ({"step": 0}, "step must be a whole number from 1"),
    ({"at": -5}, "at is not a time"),
    ({"id": "x"}, "id must be 8 to 64"),
    ({"lesson": ["a"]}, "lesson must be a string"),
    ({"done": {"first-migrations": "1,2"}}, "must be a list"),
    ({"done": [1]}, "done must be an object"),
    ({"detail": {"passed_steps": [], "unmet": ["x" * 501]}}, "longer than 500"),
    ({"detail": {"passed_steps": [], "state": {"migrations": {"store": [["0001", "yes"]]}}}},
     "must be true or false"),
    ({"detail": {"passed_steps": [], "run": "rm -rf /"}}, "unknown field 'run'"),
])
def test_a_malformed_event_is_refused_with_its_reason_and_logged(server, bad, reason):
    secret = joined(server, f"Sloppy {secrets.token_hex(2)}")
    status, answer = server.post_events(secret, [event(**bad)])
    assert status == 400, answer
    assert reason in answer["error"], answer
    assert reason.split()[0] in server.logged()
    assert server.call("GET", "/api/health")[0] == 200  # and the server goes on


@pytest.mark.parametrize("raw, reason", [
    (b"{not json", "not valid JSON"),
    (b'{"events": [], "sent_at": NaN}', "NaN is not a JSON number"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[" * 5000 + b"]" * 5000, "not valid JSON"),  # nested past the parser's limit
    (b'{"events": [], "sent_at": 1}', "events is empty"),
])
def test_a_body_that_is_not_an_event_batch_is_a_400(server, raw, reason):
    secret = joined(server, f"Garbled {secrets.token_hex(2)}")
    status, answer, _ = server.call("POST", "/api/events", raw=raw, token=secret)
    assert status == 400 and reason in answer["error"], answer


def test_a_body_that_is_not_json_by_its_type_is_refused(server):
    secret = joined(server, "Form Poster")
    status, answer, _ = server.call("POST", "/api/events", raw=b"a=1", token=secret,
                                    content_type="application/x-www-form-urlencoded")
    assert status == 400 and "must be JSON" in answer["error"]


def test_a_body_over_the_size_limit_is_a_413_and_the_server_goes_on(server):
    secret = joined(server, "Big Sender")
    huge = json.dumps({"events": [event()], "sent_at": time.time(),
                       "padding": "x" * 70_000}).encode()
    status, answer, _ = server.call("POST", "/api/events", raw=huge, token=secret)
    assert status == 413, answer
    too_many = [event() for _ in range(101)]
    status, answer = server.post_events(secret, too_many)
    assert status in (400, 413) and server.learner_row("Big Sender")["events"] == 0
    assert server.post_events(secret, [event()])[0] == 200


def test_a_clock_far_off_is_corrected_and_a_queued_event_keeps_its_own_time(server):
    secret = joined(server, "Skewed Clock")
    learner_now = time.time() - 3600  # the learner's clock is an hour slow
    # Queued 30 s before it was sent (the server was away), on that slow clock.
    queued = event("check", at=learner_now - 30)
    server.post_events(secret, [queued], sent_at=learner_now)
    row = server.learner_row("Skewed Clock")
    assert time.time() - 40 < row["step_since"] < time.time() - 25


# --- the instructor's side -------------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("GET", "/api/room", None),
    ("GET", "/api/export.csv", None),
    ("POST", "/api/target", {"lesson": "first-migrations", "step": 2}),
])
def test_the_instructors_reads_and_controls_need_the_instructors_key(server, method, path, body):
    learner = joined(server, f"Curious {secrets.token_hex(2)}")
    for wrong in ("", learner, server.key[:-1], server.code):
        status, answer, _ = server.call(method, path, body, token=wrong)
        assert status == 403, (wrong, answer)
    assert server.call(method, path, body, token=server.key)[0] == 200


def test_a_learners_page_and_lowering_a_hand_need_the_key(server):
    secret = joined(server, "Hand Raiser")
    server.post_events(secret, [event("hand", detail={"raised": True, "message": "help"})])
    learner_id = server.learner_row("Hand Raiser")["id"]
    assert server.call("GET", f"/api/learners/{learner_id}", token=secret)[0] == 403
    assert server.call("POST", f"/api/learners/{learner_id}/lower-hand", {}, token=secret)[0] \
        == 403
    assert server.learner_row("Hand Raiser")["hand"]["message"] == "help"
    status, page, _ = server.call("GET", f"/api/learners/{learner_id}", token=server.key)
    assert status == 200 and [e["kind"] for e in page["timeline"]] == ["hand"]
    assert server.call("POST", f"/api/learners/{learner_id}/lower-hand", {},
                       token=server.key)[0] == 200
    assert server.learner_row("Hand Raiser")["hand"] is None
    assert server.call("GET", "/api/learners/nobody", token=server.key)[0] == 404


def test_the_room_step_is_set_by_the_instructor_and_read_by_each_learner(server):
    secret = joined(server, "Follower")
    status, answer, _ = server.call("POST", "/api/target",
                                    {"lesson": "revert-applied", "step": 2}, server.key)
    assert status == 200
    seq = answer["target"]["seq"]
    status, answer, _ = server.call("GET", "/api/target", token=secret)
    assert answer["target"]["lesson"] == "revert-applied" and answer["target"]["step"] == 2
    assert answer["target"]["title"] == "Drop the change for good"
    # And with every answer to the learner's events.
    assert server.post_events(secret, [event()])[1]["target"]["seq"] == seq
    for wrong, reason in [({"lesson": "no-such-lesson"}, "not in the class's course"),
                          ({"lesson": "revert-applied", "step": 3}, "from 1 to 2"),
                          ({"step": 1}, "lacks 'lesson'")]:
        status, answer, _ = server.call("POST", "/api/target", wrong, server.key)
        assert status == 400 and reason in answer["error"], answer
    status, answer, _ = server.call("POST", "/api/target", {"lesson": None}, server.key)
    assert answer["target"] is None
    assert server.call("GET", "/api/target", token=secret)[1]["target"] is None


def test_the_room_read_waits_for_a_change_and_answers_at_once_when_there_is_one(server):
    version = server.room()["version"]
    secret = joined(server, "Waker")  # a change since `version`
    started = time.monotonic()
    status, answer, _ = server.call("GET", f"/api/room?since={version}", token=server.key)
    assert status == 200 and answer["version"] != version
    assert time.monotonic() - started < 1.0
    import threading

    timer = threading.Timer(0.6, lambda: server.post_events(secret, [event("hint")]))
    timer.start()
    started = time.monotonic()
    status, answer, _ = server.call("GET", f"/api/room?since={answer['version']}",
                                    token=server.key)
    waited = time.monotonic() - started
    timer.join()
    assert 0.4 < waited < 5, waited  # it waited for the hint, and no longer
    assert next(r for r in answer["learners"] if r["name"] == "Waker")["hints"] == 1


def test_the_csv_export_has_class_reports_columns_and_a_name_is_never_a_formula(server):
    secret = joined(server, "=HYPERLINK(\"http://evil\")")
    server.post_events(secret, [event("step_shown"), event("check"), event("hint")])
    status, text, headers = server.call("GET", "/api/export.csv", token=server.key)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == WHERE_COLUMNS
    row = dict(zip(rows[0], next(r for r in rows if "HYPERLINK" in r[0])))
    assert row["learner"].startswith("'=")
    assert (row["lesson"], row["step"], row["title"]) == ("first-migrations", "1",
                                                          "Make the first migration")
    assert (row["attempts"], row["hints"]) == ("1", "1")


def test_pages_are_served_with_a_policy_that_runs_no_inline_script(server):
    status, page, headers = server.call("GET", "/")
    assert status == 200 and "<script src=\"/static/app.js\"" in page
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    import re

    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script at all
    script = server.call("GET", "/static/app.js")[1]
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert server.call("GET", "/static/../store.py")[0] == 404
    assert server.call("GET", "/static/index.html")[0] == 404


# --- keeping the class ---------------------------------------------------------------------

@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_a_server_restart_loses_no_class(tmp_path, how):
    home = tmp_path / "instructor"
    first = start_class_server(home)
    secret = token()
    first.join(secret, "Steady")
    sent = [event("step_shown"), event("check"), event("hint"),
            event("hand", detail={"raised": True, "message": "lost"})]
    assert first.post_events(secret, sent)[1]["new"] == 4
    first.call("POST", "/api/target", {"lesson": "first-migrations", "step": 3}, first.key)
    before = first.learner_row("Steady")
    first.stop(how)

    again = start_class_server(home, port=first.port)
    try:
        assert (again.code, again.key, again.url) == (first.code, first.key, first.url)
        after = again.learner_row("Steady")
        for field in ("id", "events", "attempts", "hints", "hand", "step_since", "lesson"):
            assert after[field] == before[field], field
        assert again.room()["target"]["step"] == 3
        # The learner's token still posts; a retry of what was sent is still stored once.
        assert again.post_events(secret, sent[-1:])[1]["new"] == 0
        assert again.post_events(secret, [event("hint")])[1]["new"] == 1
    finally:
        again.stop()
    with sqlite3.connect(home / "class.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM tutor_class_event").fetchone()[0] == 5


def test_new_starts_another_class_and_keeps_the_old_one_stored(tmp_path):
    home = tmp_path / "instructor"
    first = start_class_server(home)
    first.join(token(), "Old Class Learner")
    first.stop()
    second = start_class_server(home, "--new")
    try:
        assert second.code != first.code and second.key != first.key
        assert second.room()["learners"] == []
    finally:
        second.stop()
    with sqlite3.connect(home / "class.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM tutor_class").fetchone()[0] == 2


def test_a_second_server_on_the_same_class_file_is_refused(tmp_path, server):
    from conftest import tutor_process

    home = tmp_path / "instructor"
    first = start_class_server(home)
    try:
        result = tutor_process(home, "class", "serve", "--port", str(free_port()))
        assert result.returncode == 2
        assert "Another class server" in result.stderr and "is using" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        first.stop()


def test_a_port_in_use_is_said_plainly(tmp_path, server):
    from conftest import tutor_process

    result = tutor_process(tmp_path / "other", "class", "serve", "--port", str(server.port))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Port {server.port} on 127.0.0.1 is taken" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--port", "70000"], "--port 70000 is not a port"),
    (["--stuck-after", "-1"], "--stuck-after cannot be negative"),
])
def test_bad_serve_options_are_said_plainly(tmp_path, args, message):
    from conftest import tutor

    result = tutor(tmp_path / "home", "class", "serve", *args)
    assert result.returncode == 2 and message in result.stderr


def test_tutor_help_and_class_help_import_neither_aiohttp_nor_django():
    import subprocess
    import sys

    code = ("import sys\nfrom tutor.cli import main\n"
            "for argv in (['--help'], ['class', '--help'], ['class', 'serve', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('aiohttp', 'django', 'playwright')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr


def test_the_class_follows_the_course_file_it_is_given(tmp_path):
    course = tmp_path / "workshop.toml"
    course.write_text('format = 1\ntitle = "Tuesday"\norder = ["revert-applied", '
                      '"first-migrations"]\n', encoding="utf-8")
    running = start_class_server(tmp_path / "instructor", "--course", str(course))
    try:
        assert [lesson["id"] for lesson in running.room()["course"]] == [
            "revert-applied", "first-migrations"]
        status, answer, _ = running.call("POST", "/api/target",
                                         {"lesson": "delete-unapplied"}, running.key)
        assert status == 400 and "not in the class's course" in answer["error"]
    finally:
        running.stop()


@pytest.mark.server
def test_a_class_kept_on_postgresql_survives_a_restart(tmp_path):
    url = os.environ.get("TUTOR_TEST_POSTGRESQL", "")
    if not url:
        pytest.skip("no PostgreSQL server: set TUTOR_TEST_POSTGRESQL")
    psycopg = pytest.importorskip("psycopg")
    name = f"tutor_class_test_{secrets.token_hex(4)}"
    with psycopg.connect(url + "postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        home = tmp_path / "instructor"
        # With a password in the URL (the test server trusts any): it is never shown
        # (issue 27, point 11).
        parts = urlsplit(url + name)
        if parts.password is None and parts.username:
            url = urlunsplit(parts._replace(netloc=f"{parts.username}:s3cret-pw@"
                                                   f"{parts.hostname}:{parts.port}"))[:-len(name)]
        first = start_class_server(home, "--db", url + name)
        assert "s3cret-pw" not in first.banner + first.logged()
        assert f"the class kept in {url.replace(':s3cret-pw@', ':***@') + name}" in first.banner
        secret = token()
        first.join(secret, "On Postgres")
        assert first.post_events(secret, [event("check"), event("hint")])[1]["new"] == 2
        first.stop(signal.SIGKILL)
        again = start_class_server(home, "--db", url + name, port=first.port)
        try:
            assert (again.code, again.key) == (first.code, first.key)
            row = again.learner_row("On Postgres")
            assert (row["events"], row["attempts"], row["hints"]) == (2, 1, 1)
            assert again.post_events(secret, [event("hint", detail={"number": 2})])[1]["new"] \
                == 1
        finally:
            again.stop()
        with psycopg.connect(url + name) as db:
            assert db.execute("SELECT COUNT(*) FROM tutor_class_event").fetchone()[0] == 3
        assert not (home / "class.sqlite3").exists()  # kept on the server, not in the home
    finally:
        with psycopg.connect(url + "postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_unreachable_postgresql_is_said_plainly(tmp_path):
    from conftest import tutor_process

    result = tutor_process(tmp_path / "home", "class", "serve", "--db",
                           f"postgresql://nobody@127.0.0.1:{free_port()}/class")
    assert result.returncode == 2
    assert "The class's database cannot be reached" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_class_takes_a_bounded_number_of_learners(tmp_path):
    from tutor.classroom.server import MAX_LEARNERS

    running = start_class_server(tmp_path / "instructor")
    try:
        secrets_ = [token() for _ in range(MAX_LEARNERS)]
        assert all(running.join(secret, f"L{n}")[0] == 200 for n, secret in enumerate(secrets_))
        status, answer = running.join(token(), "One Too Many")
        # Who filled the room is said (issue 27, point 10d): here, this machine itself.
        assert status == 403 and answer["error"] == (
            f"the class is full ({MAX_LEARNERS} learners): 127.0.0.1 holds {MAX_LEARNERS} "
            "of the seats")
        assert "127.0.0.1 holds 1000 of the seats" in running.logged()
        assert running.join(secrets_[0], "L0")[0] == 200  # one already in joins again
    finally:
        running.stop()


def test_tokens_and_texts_that_are_not_plain_text_are_refused_not_a_crash(server):
    status, _, _ = server.call("POST", "/api/events", {"events": [event()], "sent_at": 1},
                               token="é" * 40)
    assert status == 401
    assert server.call("GET", "/api/room", token="é" * 40)[0] == 403
    status, answer, _ = server.call("POST", "/api/join",
                                    raw=b'{"code": "\\ud800", "token": "' + b"t" * 40
                                        + b'", "name": "A"}')
    assert status == 400 and "code is not valid text" in answer["error"]
    assert "Traceback" not in server.logged()


def test_lowering_hands_while_events_arrive_loses_none_of_them(server):
    import threading

    secret = joined(server, "Busy Hands")
    learner_id = server.learner_row("Busy Hands")["id"]

    def post_many():
        for _ in range(60):
            server.post_events(secret, [event("hand", detail={"raised": True, "message": ""})])

    def lower_many():
        for _ in range(60):
            server.call("POST", f"/api/learners/{learner_id}/lower-hand", {}, token=server.key)

    workers = [threading.Thread(target=post_many), threading.Thread(target=lower_many)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert server.learner_row("Busy Hands")["events"] == 60


def test_two_joins_with_one_token_at_once_make_one_learner(server):
    import threading

    secret, answers = token(), []
    workers = [threading.Thread(target=lambda: answers.append(server.join(secret, "Double")))
               for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert [status for status, _ in answers] == [200] * 8
    assert len({answer["learner"] for _, answer in answers}) == 1


def test_the_banner_on_every_address_names_the_machine_and_hides_nothing():
    from tutor.classroom.serve import banner
    from tutor.classroom.store import ClassInfo

    info = ClassInfo("id", "ABCDEFGH", "the-key", 0.0, None)
    lines = banner("0.0.0.0", 8765, info, "/tmp/class.sqlite3")
    joins = [line for line in lines if "tutor start --class" in line]
    assert joins and all(line.endswith("--code ABCD-EFGH") for line in joins)
    assert not any("127.0.0.1:8765 --code" in line for line in joins)  # others cannot use it
    assert "    http://127.0.0.1:8765/" in lines  # the instructor's, on this machine
    assert not any("the-key" in line for line in lines)  # projected: never the key
    assert not any("Only this machine" in line for line in lines)
    lines = banner("::1", 8765, info, "/tmp/class.sqlite3")
    assert "    tutor start --class http://[::1]:8765 --code ABCD-EFGH" in lines
    assert any("Only this machine" in line for line in lines)
