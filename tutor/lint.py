"""`tutor lint-lessons DIR`: every problem in a folder of lesson files, found at once.

An instructor writing lessons wants the whole list, not one error per run: each file is read
part by part (`lessons.lesson_problems`), then read for what `lint_rules.py` finds (migrations
no step can make, verdicts a text decides...) and what `lint_ideas.py` finds (an idea a
solution uses undeclared; with a course file, an idea needed before a lesson introduces it),
and with `solve` each lesson is played through
with its own reference solutions in a throw-away home, proving that it starts unsolved and
ends complete.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .exceptions import LessonFileError, TutorError
from .lessons import COURSE_FILE, Course, Lesson, ParsedFiles, lesson_problems, load_course
from .lint_ideas import path_problems, undeclared_ideas
from .lint_rules import (Problem, control_characters, text_searches, unknown_migrations,
                         unobservable_explains)
from .paths import resource_dir
from .trust import LessonCode, lesson_code

if TYPE_CHECKING:
    from .mutants import MutantsPlayed


@dataclass
class LessonReport:
    file: str
    id: str
    problems: list[Problem] = field(default_factory=list)
    loaded: bool = False
    solved: bool | None = None  # None: not played through (no --solve, or it did not load)
    steps: int = 0
    seconds: float = 0.0
    skipped: str = ""  # why it was not played through although asked (a missing program)
    code: LessonCode | None = None  # what it runs on a machine (None: shipped, or not loaded)
    mutants: MutantsPlayed | None = None  # with --mutants, once it solved

    def to_json(self) -> dict:
        return {"file": self.file, "id": self.id, "loaded": self.loaded, "solved": self.solved,
                "steps": self.steps, "seconds": round(self.seconds, 2),
                "skipped": self.skipped,
                "runs": self.code.to_json() if self.code else None,
                "mutants": self.mutants.to_json() if self.mutants else None,
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


def folder_course(folder: Path) -> Course:
    """Every lesson file of the folder (or the one lesson file named), as a course: what
    `--solve` would run."""
    if folder.suffix == ".toml" and folder.is_file():
        return Course([folder.parent], [folder.stem])
    require_folder(folder)
    return Course([folder], [path.stem for path in lesson_files(folder)])


def lesson_files(folder: Path) -> list[Path]:
    """The folder's lesson files, `<id>.toml`, in name order (its course.toml is none)."""
    return sorted(p for p in folder.glob("*.toml") if p.name != COURSE_FILE)


def _course_files(course: Course, beside: list[Path], folder: Path) -> list[Path]:
    """The lesson files a folder's course.toml runs, where it finds them (its `lessons_dir`
    may lie elsewhere), then the folder's other lesson files: what is linted, and listed as
    what runs, is what `tutor --course FOLDER` would run. The shipped lessons it takes from
    the shipped folder are the tutor's own, and left out (unless this is that folder)."""
    shipped = resource_dir("lessons")
    files = [path for path in map(course.lesson_file, course.order)
             if path.parent != shipped or folder.resolve() == shipped.resolve()]
    return files + [path for path in beside if path.stem not in course.order]


def require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise TutorError(f"There is no folder {folder}.",
                         "Give the folder that holds your lesson files, e.g. "
                         "`tutor lint-lessons our-lessons`.")


def lint_folder(folder: Path, solve: bool = False,
                on_lesson: Callable[[LessonReport], None] | None = None,
                database: str | None = None, mutants: bool = False,
                jobs: int = 1, course_file: Path | None = None) -> LintReport:
    """Lint every `<id>.toml` in `folder` (and its course.toml, if any), or the one lesson
    file `folder` names; `on_lesson` hears of each lesson as soon as it is done, since playing
    lessons through takes seconds each. With `solve`, the lessons' code runs: the caller has
    settled that it is trusted; with `database` (a URL), each sandbox's own database is on
    that server; with `mutants`, each step's solution is mutated and played too (see
    `mutants.py`), by `jobs` processes side by side. `course_file`: the course to lint the
    folder's lessons for, instead of its course.toml (`--course`)."""
    single = folder if folder.suffix == ".toml" and folder.is_file() else None
    folder = single.parent if single else folder
    require_folder(folder)
    course: list[Problem] = []
    files = [single] if single else lesson_files(folder)
    if course_file is not None:  # (named as it likes, beside the lessons: no lesson itself)
        files = [path for path in files if path.resolve() != course_file.resolve()]
    course_path = course_file or (folder / COURSE_FILE if single is None else None)
    if course_path is not None and course_path.is_file():
        try:
            path = load_course(course_path)
        except LessonFileError as error:
            course.append(Problem.of(error, course_path.name))
        else:
            files = _course_files(path, files, folder)
            # The path of ideas is the course's: its order, and every lesson it takes from
            # wherever (the shipped ones too), whether linted here or not.
            course += path_problems(path)
    if not files and course_file is None:  # (a course of shipped lessons has its path)
        course.append(Problem(str(folder), "", "holds no lesson files (<id>.toml)"))
    if solve and jobs > 1 and len(files) > 1:
        return LintReport(folder, _lint_side_by_side(files, on_lesson, database, mutants, jobs),
                          course)
    return LintReport(folder, _lint_files(files, solve, on_lesson, database, mutants), course)


def _lint_files(files: list[Path], solve: bool, on_lesson, database: str | None,
                mutants: bool) -> list[LessonReport]:
    """Lint the files one after another, in one throw-away home when they are played."""
    parsed = ParsedFiles()
    reports = []
    scratch = tempfile.TemporaryDirectory(prefix="tutor-lint-") if solve \
        else contextlib.nullcontext()
    with scratch as scratch_folder:
        home = Path(scratch_folder) / "home" if scratch_folder else None
        server = None
        if home is not None:
            from .backends import chosen

            server = chosen(home, database or "sqlite")
        try:
            for path in files:
                report = lint_lesson(path, parsed, home,
                                     server.vendor if server else "sqlite", mutants)
                reports.append(report)
                if on_lesson:
                    on_lesson(report)
        finally:
            if server is not None:  # the home goes: so do its databases on the server
                from .spare_database import drop_home

                drop_home(server, home)
    return reports


def _lint_one(path: Path, database: str | None, mutants: bool) -> LessonReport:
    """A worker's lesson: linted and played in a home of its own."""
    return _lint_files([path], True, None, database, mutants)[0]


def _lint_side_by_side(files: list[Path], on_lesson, database: str | None, mutants: bool,
                       jobs: int) -> list[LessonReport]:
    """The lessons played by `jobs` processes at once (each a new Python: nothing of this
    one's readers or Django is shared), heard of in course order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_lint_one, path, database, mutants) for path in files]
        reports = []
        for future in futures:
            report = future.result()
            reports.append(report)
            if on_lesson:
                on_lesson(report)
    return reports


def lint_lesson(path: Path, parsed: ParsedFiles, home: Path | None,
                backend: str = "sqlite", mutants: bool = False) -> LessonReport:
    """One lesson file's problems; played through in `home` when one is given and it loads
    (and can be taken on that `backend`)."""
    report = LessonReport(file=path.name, id=path.stem)
    report.problems = [Problem.of(error, path.name) for error in lesson_problems(path, parsed)]
    if report.problems:
        return report
    lesson = Course([path.parent], [path.stem], parsed).get(path.stem)
    report.loaded = True
    report.code = lesson_code(lesson)
    report.problems = (unknown_migrations(lesson) + unobservable_explains(lesson)
                       + text_searches(lesson) + undeclared_ideas(lesson)
                       + control_characters(parsed.read(path), path.name))
    missing = lesson.tools_missing()
    unavailable = lesson.unavailable_on(backend)
    if home is not None and missing:
        report.skipped = f"needs {', '.join(missing)}, which is not installed here"
    elif home is not None and unavailable:
        report.skipped = unavailable
    elif home is not None:
        began = time.monotonic()
        played = play_through(lesson, home, mutants)
        report.steps = played.steps
        report.problems += played.problems
        report.solved = played.solved
        report.mutants = played.mutants
        report.seconds = time.monotonic() - began
    return report


# --- playing a lesson through with its reference solutions -----------------------------------

@dataclass
class PlayedThrough:
    steps: int                   # the steps its reference solutions passed
    problems: list[Problem]      # the first failure stops the play-through
    solved: bool = False         # every step's solution passed it, and the lesson completed
    mutants: MutantsPlayed | None = None


def play_through(lesson: Lesson, home: Path, mutants: bool = False) -> PlayedThrough:
    """Build the lesson's sandbox, prove its start does not already pass step 1, carry out each
    step's solution and prove the lesson ends complete; with `mutants`, then play every
    mutant of each step's solution from that step's start (see `mutants.py`). The first
    failure stops the play-through: what follows would only echo it."""
    from .mutants import road_key
    from .workspace import Workspace

    file = lesson.file.name
    # Trusted: `lint_folder(solve=True)` is asked for by whoever trusts the folder's code.
    workspace = Workspace(home, course=Course([lesson.file.parent], [lesson.id]),
                          trust_course=True)
    heard: list[tuple[str, int, str]] = []
    unneeded: list[Problem] = []
    reference: dict[int, str] = {}
    try:
        try:
            workspace.reset(lesson)
        except TutorError as error:
            return PlayedThrough(0, [Problem(file, "start", _said(error))])
        try:
            report = workspace.check()
        except TutorError as error:
            return PlayedThrough(0, [Problem(file, "start", _said(error))])
        lesson = workspace.current_lesson()  # as told on the sandbox's backend
        if report.passed:
            return PlayedThrough(0, [Problem(file, "steps[0].expect",
                                             "already holds when the lesson starts: the step "
                                             "would pass before the learner does anything")])
        for _ in range(len(lesson.steps)):
            _, index, _ = workspace.current_step()
            heard.clear()
            try:
                report = workspace.solve(lambda action, status, output:
                                         heard.append((action.describe(), status, output)))
            except TutorError as error:
                where = f"steps[{index}].solution" + (f"[{len(heard) - 1}]" if heard else "")
                return PlayedThrough(index, [Problem(file, where, _said(
                    error, heard[-1][2] if heard else ""))])
            if not report.passed:
                unmet = "; ".join(o.text + (f" ({o.detail})" if o.detail else "")
                                  for o in report.result.unmet)
                return PlayedThrough(index, [Problem(file, f"steps[{index}]",
                                                     f"its solution does not pass it: {unmet}")])
            unneeded += _unneeded_allowances(lesson, index, report, file)
            reference[index] = road_key(report.state, workspace.sandbox.path)
            if report.lesson_complete:
                break
        else:
            return PlayedThrough(len(lesson.steps), [*unneeded, Problem(
                file, "steps", "the lesson is not complete after every step's solution")])
        played = PlayedThrough(len(lesson.steps), unneeded, solved=True)
        if mutants:
            from .mutants import play_mutants

            played.mutants = play_mutants(lesson, workspace, reference)
            played.problems += _mutant_problems(lesson, played.mutants, file)
        return played
    finally:
        workspace.sandbox.reader.close()


def _mutant_problems(lesson: Lesson, played: MutantsPlayed, file: str) -> list[Problem]:
    problems = [Problem(file, f"steps[{r.step}]",
                        f"the mutant `{r.mutant.name}` ({r.mutant.describe()}) passes the "
                        "step, leaving another state than the reference solution: a check is "
                        "missing, or the lesson accepts it with the reason "
                        "([[steps.accepted_mutants]])")
                for r in played.survivors]
    problems += [Problem(file, f"steps[{step}].accepted_mutants",
                         f"accepts the mutant `{name}`, which the step refuses, or which "
                         "leaves the reference solution's own state (or no such mutant is "
                         "made): take it out")
                 for step, name in played.stale]
    return problems


def _unneeded_allowances(lesson: Lesson, index: int, report, file: str) -> list[Problem]:
    """An allowance the step's reference solution never needed: wider than its goal, it
    would let a learner's wrong road through unseen (unless its `why` names the right road,
    by another name or another order, that needs it)."""
    used = report.verdict.excused.get(index, frozenset())
    return [Problem(file, allowance.where or f"steps[{index}].allow",
                    f"the reference solution does not need it ({allowance.words()}): an "
                    "exception wider than the goal lets wrong work through (where a right "
                    "road the solution does not take needs it, say which in `why`)")
            for allowance in lesson.steps[index].allowances
            if allowance not in used and not allowance.why]


def _said(error: TutorError, output: str = "") -> str:
    """An error in one line or a few: its message and the last line of what the command said."""
    last = next((line.strip() for line in reversed(output.splitlines()) if line.strip()), "")
    return error.message + (f" It said: {last}" if last else "")
