"""`tutor lint-lessons DIR`: every problem in a folder of lesson files, found at once.

An instructor writing lessons wants the whole list, not one error per run: each file is read
part by part (`lessons.lesson_problems`), expectations are checked for migrations no step can
make, and with `solve` each lesson is played through with its own reference solutions in a
throw-away home, proving that it starts unsolved and ends complete.
"""

from __future__ import annotations

import contextlib
import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .exceptions import LessonFileError, TutorError
from .lessons import COURSE_FILE, Course, Lesson, ParsedFiles, lesson_problems, load_course

APP = "store"
ALWAYS_KNOWN = "0001_initial"  # what `makemigrations store` names an app's first migration


@dataclass(frozen=True)
class Problem:
    file: str     # relative to the linted folder
    field: str    # "" when the problem is the whole file
    problem: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.problem}" if self.field \
            else f"{self.file}: {self.problem}"

    def to_json(self) -> dict:
        return {"file": self.file, "field": self.field, "problem": self.problem}

    @classmethod
    def of(cls, error: LessonFileError, file: str) -> Problem:
        return cls(file, error.field, error.problem)


@dataclass
class LessonReport:
    file: str
    id: str
    problems: list[Problem] = field(default_factory=list)
    loaded: bool = False
    solved: bool | None = None  # None: not played through (no --solve, or it did not load)
    steps: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"file": self.file, "id": self.id, "loaded": self.loaded, "solved": self.solved,
                "steps": self.steps, "seconds": round(self.seconds, 2),
                "problems": [p.to_json() for p in self.problems]}


@dataclass
class LintReport:
    folder: Path
    lessons: list[LessonReport]
    course: list[Problem]  # problems of the folder itself or of its course.toml

    @property
    def problems(self) -> list[Problem]:
        return [*self.course, *(p for lesson in self.lessons for p in lesson.problems)]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"folder": str(self.folder), "ok": self.ok,
                "problems": [p.to_json() for p in self.problems],
                "lessons": [lesson.to_json() for lesson in self.lessons]}


def lint_folder(folder: Path, solve: bool = False,
                on_lesson: Callable[[LessonReport], None] | None = None) -> LintReport:
    """Lint every `<id>.toml` in `folder` (and its course.toml, if any); `on_lesson` hears of
    each lesson as soon as it is done, since playing lessons through takes seconds each."""
    if not folder.is_dir():
        raise TutorError(f"There is no folder {folder}.",
                         "Give the folder that holds your lesson files, e.g. "
                         "`tutor lint-lessons our-lessons`.")
    course: list[Problem] = []
    if (folder / COURSE_FILE).is_file():
        try:
            load_course(folder / COURSE_FILE)
        except LessonFileError as error:
            course.append(Problem.of(error, COURSE_FILE))
    files = sorted(p for p in folder.glob("*.toml") if p.name != COURSE_FILE)
    if not files:
        course.append(Problem(str(folder), "", "holds no lesson files (<id>.toml)"))
    parsed = ParsedFiles()
    reports = []
    scratch = tempfile.TemporaryDirectory(prefix="tutor-lint-") if solve \
        else contextlib.nullcontext()
    with scratch as scratch_folder:
        home = Path(scratch_folder) / "home" if scratch_folder else None
        for path in files:
            report = lint_lesson(path, parsed, home)
            reports.append(report)
            if on_lesson:
                on_lesson(report)
    return LintReport(folder, reports, course)


def lint_lesson(path: Path, parsed: ParsedFiles, home: Path | None) -> LessonReport:
    """One lesson file's problems; played through in `home` when one is given and it loads."""
    report = LessonReport(file=path.name, id=path.stem)
    report.problems = [Problem.of(error, path.name) for error in lesson_problems(path, parsed)]
    if report.problems:
        return report
    lesson = Course([path.parent], [path.stem], parsed).get(path.stem)
    report.loaded = True
    report.problems = unknown_migrations(lesson)
    if home is not None:
        began = time.monotonic()
        report.steps, solve_problems = play_through(lesson, home)
        report.problems += solve_problems
        report.solved = not solve_problems
        report.seconds = time.monotonic() - began
    return report


# --- migrations that nothing makes -----------------------------------------------------------

def unknown_migrations(lesson: Lesson) -> list[Problem]:
    """Expectations and question targets naming a store migration that the lesson's start does
    not make and no `makemigrations --name` of the lesson can make: a typo that would leave a
    step impossible to pass."""
    known = {ALWAYS_KNOWN, *(m.name for m in lesson.start.migrations)}
    commands = [*lesson.start.commands,
                *(action.run for step in lesson.steps for action in step.solution if action.run)]
    named = {name for command in commands for name in _names_made(command)}

    def is_known(name: str) -> bool:
        # makemigrations numbers a --name migration itself, so only its suffix is compared.
        return name in known or name.partition("_")[2] in named

    def is_known_target(target: str) -> bool:
        # `migrate store 0002` takes a unique prefix, as the question's target does.
        if target == "zero" or is_known(target) or any(n.startswith(target) for n in known):
            return True
        highest = max(int(n[:4]) for n in known if n[:4].isdigit())
        return target.isdigit() and int(target) <= highest + len(named)

    problems = []
    for i, step in enumerate(lesson.steps):
        for j, expectation in enumerate(step.expectations):
            where = f"steps[{i}].expect[{j}].{expectation.kind}"
            if expectation.kind == "migration":
                app, _, name = expectation.subject.partition(".")
                if app == APP and not is_known(name):
                    problems.append(Problem(lesson.file.name, where, _unknown(name)))
            elif expectation.kind == "only_migrations" \
                    and expectation.options.get("app", APP) == APP:
                for name in expectation.subject:
                    if isinstance(name, str) and not is_known(name):
                        problems.append(Problem(lesson.file.name, where, _unknown(name)))
        question = step.question
        if question and question.target and question.app == APP \
                and not is_known_target(question.target):
            problems.append(Problem(lesson.file.name, f"steps[{i}].question.target",
                                    _unknown(question.target)))
    return problems


def _unknown(name: str) -> str:
    return (f"names the store migration {name!r}, which is not in start.migrations and "
            "no `makemigrations --name` of this lesson makes")


def _names_made(command: str) -> list[str]:
    """The --name given to a `python manage.py makemigrations ...` command, if any."""
    try:
        args = shlex.split(command)[2:]
    except ValueError:
        return []
    if "makemigrations" not in args:
        return []
    names = []
    for i, arg in enumerate(args):
        if arg in ("--name", "-n") and i + 1 < len(args):
            names.append(args[i + 1])
        elif arg.startswith("--name="):
            names.append(arg.partition("=")[2])
    return names


# --- playing a lesson through with its reference solutions -----------------------------------

def play_through(lesson: Lesson, home: Path) -> tuple[int, list[Problem]]:
    """Build the lesson's sandbox, prove its start does not already pass step 1, carry out each
    step's solution and prove the lesson ends complete. Returns the steps passed and the
    problems met (the first one stops the play-through: what follows would only echo it)."""
    from .workspace import Workspace

    file = lesson.file.name
    workspace = Workspace(home, course=Course([lesson.file.parent], [lesson.id]))
    heard: list[tuple[str, int, str]] = []
    try:
        try:
            workspace.reset(lesson)
        except TutorError as error:
            return 0, [Problem(file, "start", _said(error))]
        try:
            report = workspace.check()
        except TutorError as error:
            return 0, [Problem(file, "start", _said(error))]
        if report.passed:
            return 0, [Problem(file, "steps[0].expect",
                               "already holds when the lesson starts: the step would pass "
                               "before the learner does anything")]
        for _ in range(len(lesson.steps)):
            _, index, _ = workspace.current_step()
            heard.clear()
            try:
                report = workspace.solve(lambda action, status, output:
                                         heard.append((action.describe(), status, output)))
            except TutorError as error:
                where = f"steps[{index}].solution" + (f"[{len(heard) - 1}]" if heard else "")
                return index, [Problem(file, where, _said(error, heard[-1][2] if heard else ""))]
            if not report.passed:
                unmet = "; ".join(o.text + (f" ({o.detail})" if o.detail else "")
                                  for o in report.result.unmet)
                return index, [Problem(file, f"steps[{index}]",
                                       f"its solution does not pass it: {unmet}")]
            if report.lesson_complete:
                return len(lesson.steps), []
        return len(lesson.steps), [Problem(file, "steps", "the lesson is not complete after "
                                                          "every step's solution")]
    finally:
        workspace.sandbox.reader.close()


def _said(error: TutorError, output: str = "") -> str:
    """An error in one line or a few: its message and the last line of what the command said."""
    last = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "")
    return error.message + (f" It said: {last}" if last else "")
