"""What a learner's tutor may send to the class server, checked field by field.

Everything a learner sends is data: it is checked here against a fixed shape (known keys only,
each of a known type and a bounded size) before the server stores or shows any of it, and
anything else is refused with the reason, which the server answers with a 4xx and logs. The
learner is never named in an event: the server knows them by the token they joined with, so
no learner can post as another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

# The body of one request, in bytes (the server refuses a larger one with 413).
MAX_BODY_BYTES = 64 * 1024
MAX_EVENTS_PER_BATCH = 100
MAX_TEXT = 500          # an unmet expectation's text, a hand's message...
MAX_NAME = 80           # as `tutor report`'s names (report.NAME_LIMIT)
MAX_ID = 100            # a lesson id, an app or table or migration name
MAX_LIST = 200

KINDS = ("joined", "step_shown", "check", "hint", "solution", "undo", "answer", "reset",
         "lesson_complete", "hand", "left")
SOLUTION_WAYS = ("shown", "carried_out")

_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")
_EVENT_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class Refused(ValueError):
    """A request that is not what the protocol allows; the message says what is wrong."""


@dataclass(frozen=True)
class Event:
    """One event a learner's tutor sent, checked: what happened (`kind`, `detail`) and where
    the learner stood (lesson, step, the steps passed in `done`)."""

    id: str           # the sender's own id for it: a retried event is stored once
    kind: str
    at: float         # the learner's clock (the server corrects it by the batch's sent_at)
    lesson: str | None
    step: int | None  # 1-based, None when the lesson is complete
    steps: int | None
    done: dict[str, list[int]]  # lesson id -> the steps passed there (1-based)
    detail: dict

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "at": self.at, "lesson": self.lesson,
                "step": self.step, "steps": self.steps, "done": self.done,
                "detail": self.detail}


@dataclass(frozen=True)
class Join:
    """A join asked for, checked: the class's code, the learner's own token and name, and
    the tutor's version."""

    code: str
    token: str
    name: str
    tutor: str


# --- small checks ------------------------------------------------------------------------

def _object(value, where: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
    if not isinstance(value, dict):
        raise Refused(f"{where} must be an object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise Refused(f"{where} has an unknown field {unknown[0]!r}")
    missing = sorted(required - set(value))
    if missing:
        raise Refused(f"{where} lacks {missing[0]!r}")
    return value


def _map(value, where: str) -> dict:
    """An object whose keys are names (apps, tables, lessons), each checked by the caller."""
    if not isinstance(value, dict):
        raise Refused(f"{where} must be an object")
    return value


def _text(value, where: str, limit: int = MAX_TEXT, *, empty: bool = True) -> str:
    if not isinstance(value, str):
        raise Refused(f"{where} must be a string")
    if len(value) > limit:
        raise Refused(f"{where} is longer than {limit} characters")
    if not empty and not value.strip():
        raise Refused(f"{where} is empty")
    if "\x00" in value:
        raise Refused(f"{where} holds a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON)
        raise Refused(f"{where} is not valid text") from None
    return value


def _int(value, where: str, low: int = 0, high: int = 10_000) -> int:
    # bool is an int in Python: true is not a step number.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise Refused(f"{where} must be a whole number from {low} to {high}")
    return value


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused(f"{where} must be a number")
    if not 0 <= value < 1e11:  # seconds since 1970: not negative, not beyond the year 5000
        raise Refused(f"{where} is not a time")
    return float(value)


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise Refused(f"{where} must be true or false")
    return value


def _list(value, where: str, limit: int = MAX_LIST) -> list:
    if not isinstance(value, list):
        raise Refused(f"{where} must be a list")
    if len(value) > limit:
        raise Refused(f"{where} has more than {limit} items")
    return value


def _optional(value, check, *args):
    return None if value is None else check(value, *args)


# --- a learner's state, as the dashboard shows it -------------------------------------------

def check_state(value, where: str = "state") -> dict:
    """Migrations per app (name, applied), columns per table, and what stopped the reading."""
    data = _object(value, where, {"migrations", "tables", "problem"})
    migrations = {}
    for app, rows in _map(data.get("migrations", {}), f"{where}.migrations").items():
        _text(app, f"{where}.migrations key", MAX_ID, empty=False)
        if len(migrations) >= 50:
            raise Refused(f"{where}.migrations has more than 50 apps")
        checked = []
        for index, row in enumerate(_list(rows, f"{where}.migrations[{app!r}]")):
            row = _list(row, f"{where}.migrations[{app!r}][{index}]", 2)
            if len(row) != 2:
                raise Refused(f"{where}.migrations[{app!r}][{index}] must be [name, applied]")
            checked.append([_text(row[0], f"{where}.migrations[{app!r}][{index}][0]", MAX_ID),
                            _bool(row[1], f"{where}.migrations[{app!r}][{index}][1]")])
        migrations[app] = checked
    tables = {}
    for table, columns in _map(data.get("tables", {}), f"{where}.tables").items():
        _text(table, f"{where}.tables key", MAX_ID, empty=False)
        if len(tables) >= 100:
            raise Refused(f"{where}.tables has more than 100 tables")
        tables[table] = [_text(column, f"{where}.tables[{table!r}][{index}]", MAX_ID)
                         for index, column in enumerate(_list(columns,
                                                              f"{where}.tables[{table!r}]"))]
    problem = _optional(data.get("problem"), _text, f"{where}.problem")
    return {"migrations": migrations, "tables": tables, "problem": problem}


# --- each kind's detail ------------------------------------------------------------------

def _detail(kind: str, value, where: str) -> dict:
    if kind == "step_shown":
        data = _object(value, where, {"title"})
        return {"title": _optional(data.get("title"), _text, f"{where}.title")}
    if kind == "check":
        data = _object(value, where, {"passed_steps", "unmet", "state", "lesson_complete"})
        return {
            "passed_steps": [_int(step, f"{where}.passed_steps[{index}]", 1)
                             for index, step in enumerate(
                                 _list(data.get("passed_steps", []), f"{where}.passed_steps"))],
            "unmet": [_text(text, f"{where}.unmet[{index}]")
                      for index, text in enumerate(_list(data.get("unmet", []),
                                                         f"{where}.unmet", 30))],
            "state": _optional(data.get("state"), check_state, f"{where}.state"),
            "lesson_complete": _bool(data.get("lesson_complete", False),
                                     f"{where}.lesson_complete"),
        }
    if kind == "hint":
        data = _object(value, where, {"number", "total"}, {"number"})
        return {"number": _int(data["number"], f"{where}.number", 1, 100),
                "total": _optional(data.get("total"), _int, f"{where}.total", 1, 100)}
    if kind == "solution":
        data = _object(value, where, {"how"}, {"how"})
        if data["how"] not in SOLUTION_WAYS:
            raise Refused(f"{where}.how must be one of {', '.join(SOLUTION_WAYS)}")
        return {"how": data["how"]}
    if kind == "undo":
        data = _object(value, where, {"count"})
        return {"count": _int(data.get("count", 1), f"{where}.count", 1, 1000)}
    if kind == "answer":
        data = _object(value, where, {"right"}, {"right"})
        return {"right": _bool(data["right"], f"{where}.right")}
    if kind == "reset":
        data = _object(value, where, {"step"})
        return {"step": _int(data.get("step", 1), f"{where}.step", 1)}
    if kind == "hand":
        data = _object(value, where, {"raised", "message"}, {"raised"})
        message = " ".join(_text(data.get("message", ""), f"{where}.message", 200).split())
        return {"raised": _bool(data["raised"], f"{where}.raised"), "message": message}
    _object(value, where, set())  # joined, lesson_complete, left: nothing more
    return {}


# --- whole requests ------------------------------------------------------------------------

def check_event(value, where: str = "event") -> Event:
    data = _object(value, where,
                   {"id", "kind", "at", "lesson", "step", "steps", "done", "detail"},
                   {"id", "kind", "at"})
    event_id = _text(data["id"], f"{where}.id", 64)
    if not _EVENT_ID.fullmatch(event_id):
        raise Refused(f"{where}.id must be 8 to 64 letters, digits, - or _")
    kind = data["kind"]
    if kind not in KINDS:
        raise Refused(f"{where}.kind must be one of {', '.join(KINDS)}")
    done = {}
    for lesson, steps in _map(data.get("done", {}), f"{where}.done").items():
        _text(lesson, f"{where}.done key", MAX_ID, empty=False)
        if len(done) >= MAX_LIST:
            raise Refused(f"{where}.done has more than {MAX_LIST} lessons")
        done[lesson] = sorted({_int(step, f"{where}.done[{lesson!r}]", 1)
                               for step in _list(steps, f"{where}.done[{lesson!r}]")})
    return Event(
        id=event_id, kind=kind, at=_number(data["at"], f"{where}.at"),
        lesson=_optional(data.get("lesson"), _text, f"{where}.lesson", MAX_ID),
        step=_optional(data.get("step"), _int, f"{where}.step", 1),
        steps=_optional(data.get("steps"), _int, f"{where}.steps", 1),
        done=done, detail=_detail(kind, data.get("detail", {}), f"{where}.detail"))


def check_batch(value) -> tuple[list[Event], float]:
    """A learner's POST of events: the events, and when the learner's clock sent them."""
    data = _object(value, "body", {"events", "sent_at"}, {"events", "sent_at"})
    events = _list(data["events"], "events", MAX_EVENTS_PER_BATCH)
    if not events:
        raise Refused("events is empty")
    return ([check_event(event, f"events[{index}]") for index, event in enumerate(events)],
            _number(data["sent_at"], "sent_at"))


def check_join(value) -> Join:
    data = _object(value, "body", {"code", "token", "name", "tutor"}, {"code", "token", "name"})
    code = _text(data["code"], "code", 40)
    token = _text(data["token"], "token", 128)
    if not _TOKEN.fullmatch(token):
        raise Refused("token must be 32 to 128 letters, digits, - or _")
    name = " ".join(_text(data["name"], "name", MAX_NAME, empty=False).split())
    if not name.isprintable():
        raise Refused("name holds control characters")
    return Join(code=code, token=token, name=name,
                tutor=_text(data.get("tutor", ""), "tutor", 40))


def check_in_course(event: Event, course_steps: dict[str, int], where: str = "event") -> Event:
    """An event's lessons and steps against the class's course: each lesson it names is one
    of the course's, each step one of that lesson's; its count of steps is the course's."""
    def lesson_steps(lesson: str, field: str) -> int:
        if lesson not in course_steps:
            raise Refused(f"{where}.{field}: lesson {lesson!r} is not in the class's course")
        return course_steps[lesson]

    def in_range(step: int, lesson: str, field: str) -> None:
        count = course_steps[lesson]
        if not 1 <= step <= count:
            raise Refused(f"{where}.{field}: step {step} is not a step of {lesson!r} "
                          f"(it has {count})")

    steps = event.steps
    if event.lesson is not None:
        steps = lesson_steps(event.lesson, "lesson")
        if event.step is not None:
            in_range(event.step, event.lesson, "step")
        for step in (event.detail.get("passed_steps") or []) if event.kind == "check" else []:
            in_range(step, event.lesson, "detail.passed_steps")
        if event.kind == "reset":
            in_range(event.detail["step"], event.lesson, "detail.step")
    elif event.step is not None:
        raise Refused(f"{where}.step is given without a lesson")
    for lesson, done in event.done.items():
        lesson_steps(lesson, "done")
        for step in done:
            in_range(step, lesson, f"done[{lesson!r}]")
    return event if steps == event.steps else replace(event, steps=steps)


def check_target(value, course_steps: dict[str, int]) -> tuple[str, int] | None:
    """The instructor's room step: a lesson of the class's course and one of its steps, or
    null to clear it."""
    data = _object(value, "body", {"lesson", "step"}, {"lesson"})
    if data["lesson"] is None:
        return None
    lesson = _text(data["lesson"], "lesson", MAX_ID)
    if lesson not in course_steps:
        raise Refused(f"lesson {lesson!r} is not in the class's course")
    step = _int(data.get("step", 1), "step", 1, course_steps[lesson])
    return lesson, step


def normalise_code(code: str) -> str:
    """A join code as typed: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]", "", code).upper()
