"""The class's plain logic, in memory: what an event may hold (and the reason for each
refusal), what events make of a learner, the room's order, and what a learner's tutor tells."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ci_servers_job_only

from tutor.classroom import room
from tutor.classroom.events import (MAX_BODY_BYTES, Event, Refused, check_batch, check_event,
                                    check_join, check_target, normalise_code)


# The class server, its protocol and its load are the same whichever Django a learner's
# tutor has: CI runs them once, in its servers' job, beside its two suites (one per Django).
pytestmark = ci_servers_job_only()


def an_event(**fields) -> dict:
    data = {"id": "0123456789abcdef", "kind": "check", "at": 1_800_000_000.0,
            "lesson": "first-migrations", "step": 1, "steps": 4, "done": {},
            "detail": {"passed_steps": [], "unmet": ["a file exists"]}}
    data.update(fields)
    return data


def made(kind: str = "check", at: float = 100.0, lesson: str | None = "first-migrations",
         step: int | None = 1, **detail) -> tuple[Event, float]:
    defaults = {"check": {"passed_steps": [], "unmet": []}, "hint": {"number": 1},
                "hand": {"raised": True, "message": ""}, "solution": {"how": "shown"}}
    body = an_event(kind=kind, lesson=lesson, step=step,
                    detail={**defaults.get(kind, {}), **detail})
    return check_event(body), at


# --- what an event may hold ----------------------------------------------------------------

def test_a_well_formed_event_is_taken_as_it_is():
    event = check_event(an_event(done={"first-migrations": [2, 1, 2]}))
    assert (event.kind, event.lesson, event.step, event.steps) == ("check", "first-migrations",
                                                                   1, 4)
    assert event.done == {"first-migrations": [1, 2]}  # sorted, once each
    assert event.detail == {"passed_steps": [], "unmet": ["a file exists"], "state": None,
                            "lesson_complete": False}


@pytest.mark.parametrize("fields, reason", [
    ({"kind": "rm -rf"}, "events[0].kind must be one of"),
    ({"id": "../../x"}, "id must be 8 to 64"),
    ({"step": 1.5}, "step must be a whole number"),
    ({"step": False}, "step must be a whole number"),
    ({"at": "now"}, "at must be a number"),
    ({"at": 1e12}, "at is not a time"),
    ({"lesson": "x" * 101}, "lesson is longer than 100"),
    ({"lesson": "a\x00b"}, "lesson holds a NUL"),
    ({"done": {"first-migrations": [0]}}, "must be a whole number from 1"),
    ({"learner": "someone-else"}, "unknown field 'learner'"),
    ({"detail": {"passed_steps": [], "unmet": ["x"] * 31}}, "unmet has more than 30"),
    ({"detail": {"passed_steps": [], "state": {"tables": {"t": "id,name"}}}},
     "tables['t'] must be a list"),
    ({"detail": {"passed_steps": [], "state": {"migrations": {"store": [["a", True, 1]]}}}},
     "has more than 2 items"),
    ({"detail": {"passed_steps": [], "state": {"migrations": ["store"]}}},
     "migrations must be an object"),
    ({"kind": "hint", "detail": {}}, "detail lacks 'number'"),
    ({"kind": "solution", "detail": {"how": "peeked"}}, "how must be one of shown"),
    ({"kind": "hand", "detail": {"raised": "yes"}}, "raised must be true or false"),
    ({"kind": "left", "detail": {"why": "bored"}}, "unknown field 'why'"),
])
def test_each_refusal_says_what_is_wrong(fields, reason):
    with pytest.raises(Refused) as refused:
        check_batch({"events": [an_event(**fields)], "sent_at": 1_800_000_000})
    assert reason in str(refused.value)


def test_a_hands_message_is_one_line():
    event = check_event(an_event(kind="hand", detail={"raised": True,
                                                      "message": "line one\nline\ttwo  "}))
    assert event.detail["message"] == "line one line two"


@pytest.mark.parametrize("body, reason", [
    ({"events": [], "sent_at": 1}, "events is empty"),
    ({"events": [an_event()] * 101, "sent_at": 1}, "more than 100 items"),
    ({"events": [an_event()]}, "lacks 'sent_at'"),
    ("events", "body must be an object"),
])
def test_a_batch_is_bounded(body, reason):
    with pytest.raises(Refused, match=reason):
        check_batch(body)


def test_joins_and_codes():
    join = check_join({"code": "ab cd-ef", "token": "T" * 43, "name": "  Ada \t Lovelace "})
    assert join.name == "Ada Lovelace" and normalise_code(join.code) == "ABCDEF"
    with pytest.raises(Refused, match="name holds control characters"):
        check_join({"code": "x", "token": "T" * 43, "name": "Ada\x1b[31m"})


def test_the_room_step_must_be_a_step_of_the_course():
    steps = {"first-migrations": 4}
    assert check_target({"lesson": "first-migrations", "step": 4}, steps) == (
        "first-migrations", 4)
    assert check_target({"lesson": None}, steps) is None
    with pytest.raises(Refused, match="from 1 to 4"):
        check_target({"lesson": "first-migrations", "step": 5}, steps)


# Any JSON at all: taken, or refused with a reason; never any other error.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["id", "kind", "at", "lesson", "step", "steps", "done",
                                       "detail", "events", "sent_at", "passed_steps", "unmet",
                                       "state", "migrations", "tables", "number", "raised",
                                       "message", "how", "x"]) | st.text(max_size=5),
                      children, max_size=6),
    max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_anything_a_client_sends_is_taken_or_refused_never_a_crash(value):
    for check in (check_batch, check_join, lambda v: check_target(v, {"a": 2}),
                  lambda v: check_event(v)):
        try:
            check(value)
        except Refused:
            pass


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "kind", "at", "lesson", "step", "detail"]),
                       json_values, max_size=6))
def test_fields_of_an_event_of_any_shape_are_taken_or_refused(fields):
    try:
        check_event(an_event(**fields))
    except Refused:
        pass


def test_the_body_limit_holds_a_full_batch_of_real_events():
    """A real tutor's batch (the sender's 50 events, each a check with a full state) fits."""
    state = {"migrations": {"store": [[f"{n:04d}_migration_name", True] for n in range(12)]},
             "tables": {"store_product": ["id", "name", "price", "discount"]}, "problem": None}
    batch = {"events": [an_event(detail={"passed_steps": [], "unmet": ["x" * 120] * 4,
                                         "state": state})] * 50, "sent_at": 1.0}
    assert len(json.dumps(batch)) < MAX_BODY_BYTES


# --- what events make of a learner -------------------------------------------------------

def apply_all(*events: tuple[Event, float], summary: dict | None = None) -> dict:
    summary = summary or room.new_summary("Ada", 50.0)
    for event, at in events:
        summary = room.apply(summary, event, at)
    return summary


def test_time_on_a_step_runs_from_the_first_event_there():
    summary = apply_all(made("step_shown", 100), made("check", 160), made("hint", 200))
    assert summary["step_since"] == 100
    assert room.stuck_for(summary, 400) == 300
    assert (summary["attempts"], summary["hints"], summary["events"]) == (1, 1, 3)


def test_passing_a_step_moves_on_lowers_the_hand_and_starts_the_count_again():
    summary = apply_all(made("hand", 100), made("check", 120))
    assert summary["hand"] == {"at": 100, "message": ""} and summary["attempts"] == 1
    summary = apply_all(made("check", 150, step=2, passed_steps=[1]), summary=summary)
    assert summary["hand"] is None
    assert (summary["step"], summary["step_since"], summary["attempts"]) == (2, 150, 0)
    assert summary["last_check"]["passed"] is True


def test_a_hand_stays_up_through_failed_checks_and_a_reset_to_an_earlier_step():
    summary = apply_all(made("step_shown", 100, step=3), made("hand", 110, step=3),
                        made("check", 120, step=3), made("reset", 130, step=1))
    assert summary["hand"] is not None and summary["step"] == 1


def test_a_hand_lowered_by_the_learner_and_a_learner_who_left():
    summary = apply_all(made("hand", 100), made("hand", 110, raised=False))
    assert summary["hand"] is None
    summary = apply_all(made("hand", 120), made("left", 130), summary=summary)
    assert summary["left"] and summary["hand"] is None and room.stuck_for(summary, 200) is None


def test_the_lesson_complete_is_not_stuck():
    summary = apply_all(made("check", 100, step=None, passed_steps=[4], lesson_complete=True))
    assert summary["step"] is None and room.stuck_for(summary, 1000) is None


def test_an_event_is_never_later_than_its_arrival_and_the_learners_clock_is_corrected():
    event, _ = made("check")
    event = check_event(dict(an_event(), at=1000.0))
    assert room.server_time(event, sent_at=1000.0, received_at=5000.0) == 5000.0
    queued = check_event(dict(an_event(), at=940.0))
    assert room.server_time(queued, sent_at=1000.0, received_at=5000.0) == 4940.0
    fast = check_event(dict(an_event(), at=9000.0))  # a clock hours ahead
    assert room.server_time(fast, sent_at=9000.0, received_at=5000.0) == 5000.0


def test_the_room_order_raised_hands_first_then_the_most_stuck_then_by_name():
    learners = {
        "a": apply_all(made("step_shown", 100), summary=room.new_summary("zed", 0)),
        "b": apply_all(made("step_shown", 300), summary=room.new_summary("Amy", 0)),
        "c": apply_all(made("step_shown", 350), made("hand", 360),
                       summary=room.new_summary("Hal", 0)),
        "d": apply_all(made("step_shown", 200), made("hand", 340),
                       summary=room.new_summary("Ida", 0)),
        "e": room.new_summary("new", 0),
        "f": apply_all(made("step_shown", 10), made("left", 20),
                       summary=room.new_summary("gone", 0)),
    }
    course = room.CourseOutline([{"id": "first-migrations", "title": "First",
                                  "steps": ["one", "two", "three", "four"]}])
    view = room.view(learners, course, None, stuck_after=250, now=400)
    assert [row["name"] for row in view["learners"]] == ["Ida", "Hal", "zed", "Amy", "new",
                                                         "gone"]
    stuck = {row["name"]: row["stuck"] for row in view["learners"]}
    assert stuck == {"Ida": False, "Hal": False, "zed": True, "Amy": False, "new": False,
                     "gone": False}
    assert view["learners"][2]["title"] == "one"


# --- what a learner's tutor tells --------------------------------------------------------

def test_the_position_told_is_the_progress_the_report_shows(tmp_path):
    from tutor.lessons import load_course
    from tutor.progress import LessonProgress, Progress, StepRecord
    from tutor.classroom.telling import position

    course = load_course()
    progress = Progress(current="revert-applied")
    progress.lessons["first-migrations"] = LessonProgress(step=4, completed=True)
    progress.lessons["revert-applied"] = LessonProgress(step=1, steps={
        "0": StepRecord(passed_at=100)})
    told = position(progress, course)
    assert told == {"lesson": "revert-applied", "step": 2, "steps": 2,
                    "done": {"first-migrations": [1, 2, 3, 4], "revert-applied": [1]}}
    check_event(an_event(**told))  # and the server takes it
    progress.lessons["revert-applied"].step = 2
    assert position(progress, course)["step"] is None  # the lesson is complete


@pytest.mark.parametrize("target, offered", [
    ({"lesson": "first-migrations", "step": 3, "seq": 1}, True),
    ({"lesson": "first-migrations", "step": 1, "seq": 1}, False),  # where the learner is
    ({"lesson": "../../etc/passwd", "step": 1, "seq": 1}, False),
    ({"lesson": "first-migrations", "step": 99, "seq": 1}, False),
    ({"lesson": "first-migrations", "step": 0, "seq": 1}, False),
    ({"lesson": "first-migrations", "step": "3", "seq": 1}, False),
    ({"lesson": "first-migrations", "step": 3, "seq": "1"}, False),
    ("first-migrations", False),
    (None, False),
])
def test_the_room_step_is_offered_only_when_it_is_a_step_ahead_in_this_course(
        tmp_path, target, offered):
    from tutor.classroom import link
    from tutor.home_layout import CLASS, CLASS_ROOM
    from tutor.lessons import load_course

    home = tmp_path / "home"
    home.mkdir()
    link.save_membership(home, link.Membership(url="http://x", code="C", token="t" * 40,
                                               name="N"))
    (home / CLASS_ROOM).write_text(json.dumps({"target": target}), encoding="utf-8")
    course = load_course()
    assert (link.room_offer(home, course, "first-migrations", 1) is not None) is offered
    # A learner ahead of the room (a later lesson) is not called back.
    assert link.room_offer(home, course, "revert-applied", 1) is None
    (home / CLASS).unlink()
    assert link.room_offer(home, course, "first-migrations", 1) is None  # in no class
