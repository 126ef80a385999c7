"""The learner's progress: one small JSON file in the tutor's home, written atomically.

A progress file that cannot be read (corrupt, truncated, from a newer tutor) is never fatal: it
is kept aside as a backup, the learner is told, and the tutor goes on from a fresh start.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .files import write_atomically

FORMAT_VERSION = 1
FILE_NAME = "progress.json"


@dataclass
class LessonProgress:
    step: int = 0             # index of the current step; the number of steps once finished
    completed: bool = False   # finished at least once (a reset starts the steps over)
    hints_shown: dict[str, int] = field(default_factory=dict)  # step index -> hints revealed
    answered: list[int] = field(default_factory=list)  # question steps answered rightly

    def to_json(self) -> dict:
        return {"step": self.step, "completed": self.completed, "hints_shown": self.hints_shown,
                "answered": self.answered}

    @classmethod
    def from_json(cls, data: dict) -> "LessonProgress":
        step, completed, hints = data["step"], data["completed"], data["hints_shown"]
        answered = data.get("answered", [])
        if not isinstance(step, int) or step < 0 or not isinstance(completed, bool):
            raise ValueError("bad lesson progress")
        if not all(isinstance(k, str) and isinstance(v, int) for k, v in hints.items()):
            raise ValueError("bad hints")
        if not all(isinstance(i, int) for i in answered):
            raise ValueError("bad answers")
        return cls(step=step, completed=completed, hints_shown=dict(hints),
                   answered=list(answered))


@dataclass
class Progress:
    current: str | None = None
    lessons: dict[str, LessonProgress] = field(default_factory=dict)

    def of(self, lesson_id: str) -> LessonProgress:
        return self.lessons.setdefault(lesson_id, LessonProgress())

    def to_json(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "note": "Written by migration tutor. Use `tutor reset` rather than editing this.",
            "current": self.current,
            "lessons": {lesson: p.to_json() for lesson, p in sorted(self.lessons.items())},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Progress":
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"format {data.get('format')!r}")
        current = data["current"]
        if current is not None and not isinstance(current, str):
            raise ValueError("bad current lesson")
        lessons = {str(k): LessonProgress.from_json(v) for k, v in data["lessons"].items()}
        return cls(current=current, lessons=lessons)


@dataclass
class ProgressFile:
    home: Path
    warning: str = ""  # set by load() when an unreadable file was kept aside

    @property
    def path(self) -> Path:
        return self.home / FILE_NAME

    def load(self) -> Progress:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Progress()
        try:
            return Progress.from_json(json.loads(raw.decode("utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            backup = self.path.with_name(f"{FILE_NAME}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
            os.replace(self.path, backup)
            self.warning = (f"Your progress file could not be read ({error}); it was kept as "
                            f"{backup.name} and the tutor starts afresh.")
            return Progress()

    def save(self, progress: Progress) -> None:
        """Write atomically: a crash mid-write leaves the previous file whole."""
        self.home.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(progress.to_json(), indent=2) + "\n")
