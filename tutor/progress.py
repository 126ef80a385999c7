"""The learner's progress: one small JSON file in the tutor's home, written atomically.

A progress file that cannot be read (corrupt, truncated) is never fatal: it is kept aside as a
backup, the learner is told, and the tutor goes on from a fresh start. One from a newer tutor
is refused and left as it is: this tutor cannot tell what it holds, and the learner's newer
tutor still can.

Besides where the learner is, it keeps what they did on each step (checks, hints, solutions,
answers, time) for `tutor report`. Those fields came later and are optional: a file written
before them loads with empty records.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from .files import write_atomically
from .home_layout import PROGRESS

FORMAT_VERSION = 1  # fields added since are optional, so older files still load
# Time spent is added up action by action; a pause between two actions counts at most this
# long, so a night away (or a clock set forward) does not make a step look like hours of work.
PAUSE_LIMIT = 15 * 60
LAST_TIMESTAMP = 253402300799  # 9999-12-31: any later "timestamp" is damage, not a date


def now() -> int:
    """Whole seconds since the epoch: all the precision a report needs, and no floats to
    round-trip in the file."""
    return int(time.time())


def _count(value) -> int:
    if type(value) is not int or value < 0:  # bool is an int subclass: refused too
        raise ValueError(f"bad count {value!r}")
    return value


def _timestamp(value) -> int | None:
    if value is not None and (type(value) is not int or not 0 <= value <= LAST_TIMESTAMP):
        raise ValueError(f"bad timestamp {value!r}")
    return value


@dataclass
class StepRecord:
    """What the learner did on one step, for `tutor report`. It outlives a lesson reset (the
    effort was made); only `tutor reset --all` forgets it."""

    started_at: int | None = None  # first seen, seconds since the epoch
    passed_at: int | None = None   # first passed
    seconds: int = 0               # time worked on it until it passed (see PAUSE_LIMIT)
    checks: int = 0                # checks run while it was the current step
    hints: int = 0                 # the most hints revealed at once
    solutions: int = 0             # solutions shown or carried out (solve, skip)
    answers: int = 0               # answers tried to its question
    fast_forwarded: bool = False   # passed by `tutor reset --step`, not by the learner

    def to_json(self) -> dict:
        # Only what differs from a fresh record: a whole course of records stays short.
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) != f.default}

    @classmethod
    def from_json(cls, data: dict) -> "StepRecord":
        fast_forwarded = data.get("fast_forwarded", False)
        if not isinstance(fast_forwarded, bool):
            raise ValueError(f"bad flag {fast_forwarded!r}")
        return cls(started_at=_timestamp(data.get("started_at")),
                   passed_at=_timestamp(data.get("passed_at")),
                   fast_forwarded=fast_forwarded,
                   **{name: _count(data.get(name, 0))
                      for name in ("seconds", "checks", "hints", "solutions", "answers")})


@dataclass
class LessonProgress:
    """Where the learner stands in one lesson (its step, its questions answered, its hints
    shown), and what they did on each step (its `StepRecord`)."""

    step: int = 0             # index of the current step; the number of steps once finished
    completed: bool = False   # finished at least once (a reset starts the steps over)
    hints_shown: dict[str, int] = field(default_factory=dict)  # step index -> hints revealed
    answered: list[int] = field(default_factory=list)  # question steps answered rightly
    steps: dict[str, StepRecord] = field(default_factory=dict)  # step index -> its record

    def passed(self, index: int) -> bool:
        """Whether step `index` is passed: the one rule `tutor lessons`, `tutor report`, its
        export and the class all follow. Passed once and not undone since (a reset starts
        the steps over, but what was done stays done; an undo takes a pass back). An older
        progress file has no records: where the learner stands still tells."""
        record = self.steps.get(str(index))
        return (record is not None and record.passed_at is not None) or index < self.step \
            or self.completed

    def finished(self, steps: int) -> bool:
        """Whether the lesson (of `steps` steps) is done, by the same rule as `passed`."""
        return self.completed or self.step >= steps

    def marks(self) -> dict:
        """What an undo changes of this lesson's progress, and a redo gives back: where the
        learner stands, the answers given, the passes and whether the lesson was done."""
        return {"step": self.step, "completed": self.completed, "answered": list(self.answered),
                "passed_at": {index: record.passed_at for index, record in self.steps.items()
                              if record.passed_at is not None}}

    def put_marks(self, marks: dict) -> None:
        """Progress as `marks` (see `marks`) says; the effort recorded (checks, hints, time)
        stays as it is: it was made."""
        step, completed, answered = marks["step"], marks["completed"], marks["answered"]
        passed_at = marks["passed_at"]
        if (type(step) is not int or step < 0 or not isinstance(completed, bool)
                or not all(type(i) is int and i >= 0 for i in answered)
                or not all(isinstance(k, str) and k.isdigit() for k in passed_at)):
            raise ValueError("bad progress marks")
        self.step, self.completed, self.answered = step, completed, list(answered)
        for index, record in self.steps.items():
            record.passed_at = _timestamp(passed_at.get(index))
        for index, at in passed_at.items():
            self.steps.setdefault(index, StepRecord()).passed_at = _timestamp(at)

    def take_back(self, index: int, since: int, steps: int) -> None:
        """An undo to a point where step `index` was the current one, a point taken at
        `since`: the learner stands there again, the answers given since are asked again,
        and the steps passed since are not passed any more (a pass from an earlier build of
        the lesson stays: a reset keeps what was done)."""
        self.step = min(self.step, index)
        self.answered = [i for i in self.answered if i < index]
        for key, record in self.steps.items():
            if int(key) >= index and record.passed_at is not None and record.passed_at >= since:
                record.passed_at = None
        if self.steps:  # done once means every step passed once
            self.completed = self.completed and all(
                self.steps.get(str(i), StepRecord()).passed_at is not None or i < self.step
                for i in range(steps))

    def to_json(self) -> dict:
        data = {"step": self.step, "completed": self.completed, "hints_shown": self.hints_shown,
                "answered": self.answered}
        if self.steps:
            data["steps"] = {index: record.to_json() for index, record in
                             sorted(self.steps.items(), key=lambda item: int(item[0]))}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "LessonProgress":
        step, completed, hints = data["step"], data["completed"], data["hints_shown"]
        answered = data.get("answered", [])
        if not isinstance(step, int) or step < 0 or not isinstance(completed, bool):
            raise ValueError("bad lesson progress")
        if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool)
                   and v >= 0 for k, v in hints.items()):
            raise ValueError("bad hints")
        if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in answered):
            raise ValueError("bad answers")
        steps = data.get("steps", {})
        if not all(isinstance(k, str) and k.isascii() and k.isdigit() for k in steps):
            raise ValueError("bad step records")
        return cls(step=step, completed=completed, hints_shown=dict(hints),
                   answered=list(answered),
                   steps={k: StepRecord.from_json(v) for k, v in steps.items()})


@dataclass
class Progress:
    """The learner's progress through the course: the lesson they are on, each lesson begun,
    and their name. The service (`workspace.py`) moves it; `ProgressFile` keeps it."""

    current: str | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)
    # None: never asked; "": the learner chose not to give a name (and is not asked again).
    learner: str | None = None
    last_active: int | None = None  # when the learner last did something the tutor saw

    def forget(self) -> None:
        """All progress forgotten (`tutor reset --all`); the learner's name is kept: a name
        is not progress."""
        self.current, self.lessons, self.last_active = None, {}, None

    def of(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def record(self, lesson_id: str, index: int) -> StepRecord:
        return self.of(lesson_id).steps.setdefault(str(index), StepRecord())

    def worked_since_last_action(self, at: int) -> int:
        """The seconds since the learner's previous action, as time worked: a clock set back
        counts nothing, and a pause counts at most PAUSE_LIMIT."""
        if self.last_active is None:
            return 0
        return min(max(at - self.last_active, 0), PAUSE_LIMIT)

    def spend(self, lesson_id: str, index: int, at: int) -> StepRecord:
        """The learner acted on this step at `at`: it is first seen then (unless it was
        before), and until it passes, the time since their previous action counts towards it."""
        record = self.record(lesson_id, index)
        if record.started_at is None:
            record.started_at = at
        if record.passed_at is None:
            record.seconds += self.worked_since_last_action(at)
        self.last_active = at
        return record

    def begin(self, lesson_id: str, index: int, at: int) -> None:
        """The step became the current one at `at`: first seen then, unless it was before."""
        record = self.record(lesson_id, index)
        if record.started_at is None:
            record.started_at = at

    def pass_step(self, lesson_id: str, index: int, at: int) -> None:
        record = self.record(lesson_id, index)
        if record.started_at is None:  # passed without ever being current: done in one go
            record.started_at = at
        if record.passed_at is None:
            record.passed_at = at

    def advance(self, lesson_id: str, steps: int, passed: list[int], next_index: int,
                complete: bool, at: int) -> None:
        """Steps `passed` at once (a lesson of `steps` steps): the learner is on
        `next_index` now, or done with the lesson (`complete`)."""
        for index in passed:
            self.pass_step(lesson_id, index, at)
        progress = self.of(lesson_id)
        if not complete:
            self.begin(lesson_id, next_index, at)
        progress.step = steps if complete else next_index
        progress.completed = progress.completed or complete

    def to_json(self) -> dict:
        data = {
            "format": FORMAT_VERSION,
            "note": "Written by migration tutor. Use `tutor reset` rather than editing this.",
            "learner": self.learner,
            "current": self.current,
            "lessons": {lesson: p.to_json() for lesson, p in sorted(self.lessons.items())},
        }
        if self.last_active is not None:
            data["last_active"] = self.last_active
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Progress":
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {data.get('format')!r}")
        current = data["current"]
        if current is not None and not isinstance(current, str):
            raise ValueError("bad current lesson")
        learner = data.get("learner")
        if learner is not None and not isinstance(learner, str):
            raise ValueError("bad learner name")
        lessons = {str(k): LessonProgress.from_json(v) for k, v in data["lessons"].items()}
        return cls(current=current, lessons=lessons, learner=learner,
                   last_active=_timestamp(data.get("last_active")))


def _refuse_newer(path: Path, data) -> None:
    """A progress file a newer tutor wrote is refused, and left untouched: renamed aside, the
    learner would silently start over, and their newer tutor would lose it too."""
    written = data.get("format") if isinstance(data, dict) else None
    if type(written) is int and written > FORMAT_VERSION:
        from .exceptions import TutorError

        raise TutorError(f"{path} was written by a newer tutor (progress format {written}; "
                         f"this tutor reads format {FORMAT_VERSION}), so it is left as it is.",
                         "Upgrade the tutor (`pip install -U migration-tutor`), or choose "
                         "another --home to start afresh.")


@dataclass
class ProgressFile:
    """The progress file in one home: read (a damaged one kept aside, a newer one refused)
    and written atomically."""

    home: Path
    warning: str = ""  # set by load() when an unreadable file was kept aside

    @property
    def path(self) -> Path:
        return self.home / PROGRESS

    def load(self) -> Progress:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Progress()
        except IsADirectoryError:
            from .exceptions import UnsafeHome

            raise UnsafeHome(f"{self.path} is a folder, not the tutor's progress file.",
                             "Move it away (or choose another --home), then run the command "
                             "again.") from None
        try:
            data = json.loads(raw.decode("utf-8"))
            _refuse_newer(self.path, data)
            return Progress.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError,
                RecursionError) as error:  # RecursionError: JSON nested beyond Python's stack
            if isinstance(error, RecursionError):
                error = "it is nested too deeply"
            backup = self.path.with_name(f"{PROGRESS}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, backup)
            self.warning = (f"Your progress file could not be read ({error}); it was kept as "
                            f"{backup.name} and the tutor starts afresh.")
            return Progress()

    def save(self, progress: Progress) -> None:
        """Write atomically: a crash mid-write leaves the previous file whole."""
        self.home.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(progress.to_json(), indent=2) + "\n")
