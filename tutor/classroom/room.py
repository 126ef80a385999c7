"""What the events make of each learner, and the room as the dashboard shows it: plain logic,
in memory, on the server's clock.

A learner's summary is a small dict (kept as JSON by `store`), changed by each new event in
the order the learner's tutor made them. Time on a step runs from the first event that put
the learner there; a raised hand stays up until the learner lowers it, passes a step, or the
instructor lowers it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .events import Event

DEFAULT_STUCK_AFTER = 5 * 60  # seconds on one step before the dashboard calls it stuck


@dataclass(frozen=True)
class CourseOutline:
    """The class's course as the dashboard draws it: each lesson's id, title, step titles."""
    lessons: list[dict] = field(default_factory=list)  # {"id", "title", "steps": [titles]}

    @property
    def steps(self) -> dict[str, int]:
        return {lesson["id"]: len(lesson["steps"]) for lesson in self.lessons}

    def step_title(self, lesson: str | None, step: int | None) -> str:
        for entry in self.lessons:
            if entry["id"] == lesson:
                if step is None:
                    return "lesson complete"
                if 1 <= step <= len(entry["steps"]):
                    return entry["steps"][step - 1]
        return ""


def new_summary(name: str, joined_at: float) -> dict:
    return {"name": name, "joined_at": joined_at, "left": False, "lesson": None, "step": None,
            "steps": None, "done": {}, "step_since": joined_at, "hand": None,
            "last_event_at": joined_at, "events": 0, "attempts": 0, "hints": 0,
            "solutions": 0, "last_check": None, "state": None}


def server_time(event: Event, sent_at: float, received_at: float) -> float:
    """When an event happened, on the server's clock: the learner's clock is corrected by how
    far it stood from the server's when the batch was sent (a queued event keeps its own
    earlier time), and nothing is later than its arrival."""
    return min(event.at + (received_at - sent_at), received_at)


def apply(summary: dict, event: Event, at: float) -> dict:
    """The summary after `event`, which happened at `at` (server time). A new dict."""
    after = dict(summary, events=summary["events"] + 1,
                 last_event_at=max(summary["last_event_at"], at))
    if event.kind == "left":
        after["left"] = True
        after["hand"] = None
        return after
    after["left"] = False
    moved = (event.lesson, event.step) != (summary["lesson"], summary["step"])
    if event.lesson is not None:
        if moved:
            after.update(step_since=at, attempts=0, hints=0, solutions=0)
            passed_on = (event.lesson == summary["lesson"] and summary["step"] is not None
                         and (event.step is None or event.step > summary["step"]))
            if passed_on:
                after["hand"] = None
        after.update(lesson=event.lesson, step=event.step, steps=event.steps,
                     done=event.done)
    detail = event.detail
    if event.kind == "check":
        if not detail["passed_steps"]:  # a check that passed was an attempt at the step before
            after["attempts"] = after["attempts"] + 1
        after["last_check"] = {"at": at, "passed": bool(detail["passed_steps"]),
                               "passed_steps": detail["passed_steps"],
                               "unmet": detail["unmet"], "lesson": event.lesson}
        if detail["state"] is not None:
            after["state"] = detail["state"]
        if detail["passed_steps"]:
            after["hand"] = None
    elif event.kind == "hint":
        after["hints"] = max(after["hints"], detail["number"])
    elif event.kind == "solution":
        after["solutions"] = after["solutions"] + 1
    elif event.kind == "hand":
        after["hand"] = ({"at": at, "message": detail["message"]} if detail["raised"]
                         else None)
    return after


def lower_hand(summary: dict) -> dict:
    return dict(summary, hand=None)


def stuck_for(summary: dict, now: float) -> float | None:
    """Seconds on the current, unfinished step; None when there is none (not started, the
    lesson complete, or gone)."""
    if summary["left"] or summary["lesson"] is None or summary["step"] is None:
        return None
    return max(0.0, now - summary["step_since"])


def sort_key(summary: dict, now: float) -> tuple:
    """Raised hands first (the longest raised first), then the most stuck, then by name."""
    hand = summary["hand"]
    stuck = stuck_for(summary, now)
    return (hand is None, hand["at"] if hand else 0, summary["left"],
            -(stuck if stuck is not None else -1), summary["name"].casefold())


def view(learners: dict[str, dict], course: CourseOutline, target: dict | None,
         stuck_after: float, now: float | None = None) -> dict:
    """The room for the dashboard: the course, the room's step, every learner in order."""
    now = time.time() if now is None else now
    rows = []
    # (a list first: the store's thread may add a learner meanwhile)
    for learner_id, summary in sorted(list(learners.items()),
                                      key=lambda item: sort_key(item[1], now)):
        stuck = stuck_for(summary, now)
        rows.append({
            "id": learner_id, "name": summary["name"], "left": summary["left"],
            "lesson": summary["lesson"], "step": summary["step"], "steps": summary["steps"],
            "title": course.step_title(summary["lesson"], summary["step"]),
            "done": summary["done"], "step_since": summary["step_since"],
            "on_step_seconds": stuck, "stuck": stuck is not None and stuck >= stuck_after,
            "hand": summary["hand"], "attempts": summary["attempts"], "hints": summary["hints"],
            "events": summary["events"], "last_event_at": summary["last_event_at"],
            "last_check": summary["last_check"],
        })
    return {"now": now, "stuck_after": stuck_after, "course": course.lessons,
            "target": target, "learners": rows}


# The columns of `tutor class-report --csv` (exports.WHERE_COLUMNS), one row per learner.
def where_rows(learners: dict[str, dict], course: CourseOutline, now: float) -> list[dict]:
    from ..exports import iso_time

    rows = []
    for summary in sorted(list(learners.values()), key=lambda s: sort_key(s, now)):
        stuck = stuck_for(summary, now)
        row = {"learner": summary["name"], "lesson": summary["lesson"] or "",
               "step": summary["step"],
               "title": (course.step_title(summary["lesson"], summary["step"])
                         if summary["lesson"] else "not started"),
               "steps_passed": sum(len(steps) for steps in summary["done"].values()),
               "attempts": summary["attempts"] if summary["step"] is not None else None,
               "hints": summary["hints"] if summary["step"] is not None else None,
               "stuck_for_seconds": int(stuck) if stuck is not None else None,
               "exported_at": iso_time(int(now))}
        rows.append(row)
    return rows
