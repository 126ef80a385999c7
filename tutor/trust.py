"""A course is code: its lessons run `python manage.py ...` commands (`shell -c` runs any
Python) and ship Python files (models, migrations) that Django imports. The shipped course is
the tutor's own; a course from anywhere else is shown, the first time, with where it comes
from and what it runs, and runs only once the learner (or the room's script) trusts it.

Trust is remembered by the course's content, in the home: a change to any of its lesson
files, or to what they ship, is a new course and is asked about again. `--trust-course` or
`TUTOR_TRUST_COURSE=1` trusts it without asking (a classroom's scripted setup).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .exceptions import LessonFileError, TutorError
from .files import write_atomically
from .lessons import Course, Lesson, is_shipped_lesson
from .markup import printable
from .paths import claim_home, resource_dir
from .home_layout import TRUSTED_COURSES

TRUST_VARIABLE = "TUTOR_TRUST_COURSE"


@dataclass(frozen=True)
class LessonCode:
    id: str
    file: Path
    commands: list[str]      # what its start and its solutions run, as typed, on any backend
    python_files: list[Path]  # the Python it ships (models versions, migration files)
    resources: list[Path]     # every file it ships, Python or not (part of what is trusted)
    # Where its start writes files into the sandbox (from what), Python or not: a file that
    # lands where Django or git reads it is code too.
    writes: list[tuple[str, Path]] = ()

    def lines(self) -> list[str]:
        # One line each, whatever a file holds: a newline in a command cannot fake a line.
        lines = [printable(f"{self.id} ({self.file}):")]
        lines += [printable(f"  runs: {command}") for command in self.commands]
        lines += [printable(f"  Python file: {path}") for path in self.python_files]
        lines += [printable(f"  writes: {target} (from {source})")
                  for target, source in self.writes]
        if not self.commands and not self.python_files and not self.writes:
            lines.append("  (only the shipped models versions, and commands typed by you)")
        return lines

    def to_json(self) -> dict:
        return {"commands": self.commands, "python_files": [str(p) for p in self.python_files],
                "writes": [{"path": target, "source": str(source)}
                           for target, source in self.writes]}


@dataclass(frozen=True)
class CourseCode:
    """What a course from outside the shipped lessons runs on the machine."""

    source: Path              # the course file (or its folder)
    lessons: list[LessonCode]
    fingerprint: str

    def lines(self) -> list[str]:
        lines = [printable(f"The course {self.source} is code: it runs these on this machine.")]
        for lesson in self.lessons:
            lines += lesson.lines()
        return lines


def lesson_code(lesson: Lesson) -> LessonCode | None:
    """What one lesson runs: its start's and its solutions' commands, and the Python files it
    ships; None for a lesson shipped with the tutor (the tutor's own code)."""
    if lesson.shipped:
        return None
    shipped = resource_dir("lessons").resolve()
    commands: dict[str, None] = {}  # every telling's (a backend's solution may differ)
    for told in (lesson, *lesson.tellings.values()):
        for action in (*told.start.commands,
                       *(action for step in told.steps for action in step.solution)):
            commands.setdefault(action.describe())
    files = [lesson.resource_path(name) for name in lesson.start_resources()]
    # Code whatever its name: models versions and migrations are imported by Django.
    imported = {lesson.resource_path(name) for name in lesson.imported_resources()}
    python = [path for path in files if (path.suffix == ".py" or path in imported)
              and shipped not in path.resolve().parents]
    writes = [(extra.path, lesson.resource_path(extra.source)) for extra in lesson.start.files]
    return LessonCode(lesson.id, lesson.file, list(commands), python, files, writes)


def course_code(course: Course, lesson: Lesson | None = None) -> CourseCode | None:
    """What the course's own lessons (those not among the shipped ones) run; None when every
    lesson of it is shipped with the tutor. Only the course's own lessons are read: `tutor
    start` on the shipped course pays for no lesson it does not show. `lesson`, about to run,
    is among them whatever its path says now: it is its own by the text that was read.

    The digest is of the bytes that run: each lesson's text as it was parsed, and each of its
    files as read here, which the lesson keeps (`Lesson.pin`) and builds from. A file changed
    after this moment changes nothing that runs."""
    own_ids = [i for i in course.order if not is_shipped_lesson(course.lesson_file(i))]
    lessons = [loaded for loaded in _loadable(course, own_ids) if not loaded.shipped]
    if lesson is not None and not lesson.shipped and lesson.id not in [x.id for x in lessons]:
        lessons.append(lesson)
    own = [(loaded, lesson_code(loaded)) for loaded in lessons]
    if not own:
        return None
    import hashlib  # a trust must not be had by a file made to collide with a trusted one

    digest = hashlib.sha256()

    def add(content: bytes) -> None:
        digest.update(len(content).to_bytes(8, "little") + content)

    if course.file is not None:
        add(_bytes(course.file) or MISSING)
    for loaded, code in own:
        add(loaded.source or _bytes(code.file) or MISSING)
        for name in loaded.start_resources():
            content = loaded.pinned.get(name)
            if content is None:
                content = _bytes(loaded.resource_path(name))
                if content is not None:
                    loaded.pin(name, content)
            add(MISSING if content is None else content)
    codes = [code for _, code in own]
    return CourseCode(course.file or codes[0].file.parent, codes, digest.hexdigest())


# What stands in the digest for a file gone since it loaded: a course that differs from any
# trusted one (and builds nothing: the file is missing).
MISSING = b"\0missing"


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _loadable(course: Course, ids: list[str]) -> list[Lesson]:
    """The lessons of `ids` that load (one that does not is named elsewhere, and runs nothing)."""
    lessons = []
    for lesson_id in ids:
        try:
            lessons.append(course.get(lesson_id))
        except LessonFileError:
            pass
    return lessons


class CourseNotTrusted(TutorError):
    def __init__(self, code: CourseCode):
        super().__init__(
            "\n".join(code.lines()) + "\nIt is not trusted on this machine yet.",
            "Read what it runs (above, or `tutor lint-lessons` on its folder). To trust it: "
            "`tutor start` asks, or give `--trust-course` (or set TUTOR_TRUST_COURSE=1) once.",
        )
        self.code = code


def trusted_by_environment() -> bool:
    return os.environ.get(TRUST_VARIABLE, "").strip().lower() in ("1", "yes", "true")


def is_trusted(home: Path, code: CourseCode) -> bool:
    return code.fingerprint in _trusted(home)


def remember(home: Path, code: CourseCode) -> None:
    claim_home(home)  # a trust may be the first thing a new home holds
    known = _trusted(home) | {code.fingerprint}
    write_atomically(home / TRUSTED_COURSES, json.dumps(sorted(known), indent=2) + "\n")


def _trusted(home: Path) -> set[str]:
    try:
        data = json.loads((home / TRUSTED_COURSES).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return set()
    return {item for item in data if isinstance(item, str)} if isinstance(data, list) else set()


def may_run(home: Path, code: CourseCode | None, flagged: bool = False,
           ask: Callable[[CourseCode], bool] | None = None) -> bool:
    """Whether the code may run: it is the tutor's own (None), it was trusted before, the
    learner trusts it now (`flagged`, the environment, or `ask` says yes: remembered), or
    not. Without `ask`, an untrusted course raises CourseNotTrusted, which says what it runs."""
    if code is None or is_trusted(home, code):
        return True
    if not (flagged or trusted_by_environment()):
        if ask is None:
            raise CourseNotTrusted(code)
        if not ask(code):
            return False
    remember(home, code)
    return True


def require_trust(home: Path, course: Course, lesson: Lesson, flagged: bool = False) -> None:
    """Raise CourseNotTrusted before a lesson of an untrusted course runs anything."""
    if lesson_code(lesson) is not None:
        may_run(home, course_code(course, lesson), flagged)
