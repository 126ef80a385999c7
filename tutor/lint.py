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
from typing import TYPE_CHECKING, Callable

from .exceptions import LessonFileError, TutorError
from .lessons import COURSE_FILE, Course, Lesson, ParsedFiles, lesson_problems, load_course
from .markup import printable
from .paths import resource_dir
from .trust import LessonCode, lesson_code

if TYPE_CHECKING:
    from .mutants import MutantsPlayed

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
                jobs: int = 1) -> LintReport:
    """Lint every `<id>.toml` in `folder` (and its course.toml, if any), or the one lesson
    file `folder` names; `on_lesson` hears of each lesson as soon as it is done, since playing
    lessons through takes seconds each. With `solve`, the lessons' code runs: the caller has
    settled that it is trusted; with `database` (a URL), each sandbox's own database is on
    that server; with `mutants`, each step's solution is mutated and played too (see
    `mutants.py`), by `jobs` processes side by side."""
    single = folder if folder.suffix == ".toml" and folder.is_file() else None
    folder = single.parent if single else folder
    require_folder(folder)
    course: list[Problem] = []
    files = [single] if single else lesson_files(folder)
    if single is None and (folder / COURSE_FILE).is_file():
        try:
            files = _course_files(load_course(folder / COURSE_FILE), files, folder)
        except LessonFileError as error:
            course.append(Problem.of(error, COURSE_FILE))
    if not files:
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
                       + text_searches(lesson) + control_characters(parsed.read(path), path.name))
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


# --- texts that would act on a terminal -------------------------------------------------------

def control_characters(data, file: str, where: str = "") -> list[Problem]:
    """Every text of the lesson file holding a character a terminal acts on (an ESC, a BEL, a
    bidi override; a newline or a tab is text): the tutor shows them escaped, so they can
    only garble what a learner reads."""
    if isinstance(data, dict):
        return [problem for key, value in data.items()
                for problem in control_characters(value, file, f"{where}.{key}" if where
                                                  else key)]
    if isinstance(data, list):
        return [problem for i, value in enumerate(data)
                for problem in control_characters(value, file, f"{where}[{i}]")]
    if isinstance(data, str) and not data.replace("\n", "").replace("\t", "").isprintable():
        shown = printable(next(c for c in data if c not in "\n\t" and not c.isprintable()))
        return [Problem(file, where, f"holds a control character ({shown}), which the tutor "
                                     "shows escaped: write the text without it")]
    return []


# --- migrations that nothing makes -----------------------------------------------------------

def unknown_migrations(lesson: Lesson) -> list[Problem]:
    """Expectations and question targets naming a migration that the lesson's start does not
    make and no `makemigrations --name` or `squashmigrations` of the lesson can make: a typo
    that would leave a step impossible to pass."""
    commands = [*(action.run for action in lesson.start.commands if action.run),
                *(action.run for step in lesson.steps for action in step.solution if action.run)]
    known = {app.name: {ALWAYS_KNOWN, *(m.name for m in app.migrations)}
             for app in lesson.start.apps}
    for command in commands:
        app, made = _migrations_made(command, known)
        if app in known:
            known[app] |= made

    def is_known(app: str, name: str) -> bool:
        # makemigrations numbers a --name migration itself, so only its suffix is compared.
        names = known.get(app, set())
        return name in names or any(
            n.startswith("*_") and name.partition("_")[2] == n[2:] for n in names)

    def is_known_target(app: str, target: str) -> bool:
        # `migrate store 0002` takes a unique prefix, as the question's target does.
        names = known.get(app, set())
        if target == "zero" or is_known(app, target) or any(n.startswith(target) for n in names):
            return True
        numbered = [int(n[:4]) for n in names if n[:4].isdigit()]
        made = sum(n.startswith("*_") for n in names)
        return target.isdigit() and int(target) <= max(numbered, default=0) + made

    problems = []

    def unknown(where: str, app: str, name: str) -> None:
        problems.append(Problem(lesson.file.name, where, _unknown(app, name, known)))

    def check_selector(where: str, selector) -> None:
        named = [selector.name] if selector.name else []
        named += [selector.after] if selector.after else []
        for name in [*named, *(selector.replaces or ())]:
            if not is_known(selector.app, name):
                unknown(where, selector.app, name)
        for key in selector.depends_on:
            app, _, name = key.partition(".")
            if not is_known(app, name):
                unknown(where, app, name)

    def check_expectation(where: str, expectation) -> None:
        if expectation.kind == "migration":
            check_selector(where, expectation.subject)
        elif expectation.kind == "only_migrations":
            app = expectation.option("app")
            for name in expectation.subject:
                if isinstance(name, str):
                    if not is_known(app, name):
                        unknown(where, app, name)
                else:
                    check_selector(where, name)

    for where, expectation in _expectations(lesson):
        check_expectation(f"{where}.{expectation.kind}", expectation)
    for i, step in enumerate(lesson.steps):
        question = step.question
        if question and question.target and not is_known_target(question.app, question.target):
            unknown(f"steps[{i}].question.target", question.app, question.target)
    return problems


def _expectations(lesson: Lesson):
    """Every expectation of the lesson, with where it is written, conditions included."""
    def with_conditions(where: str, expectation):
        yield where, expectation
        for k, condition in enumerate(expectation.when):
            yield f"{where}.when[{k}]", condition

    for i, step in enumerate(lesson.steps):
        for j, expectation in enumerate(step.expectations):
            yield from with_conditions(f"steps[{i}].expect[{j}]", expectation)
        for j, part in enumerate(step.explanations):
            for k, condition in enumerate(part.when):
                yield f"steps[{i}].explanation[{j}].when[{k}]", condition
    for i, invariant in enumerate(lesson.invariants):
        yield from with_conditions(f"invariants[{i}]", invariant.expectation)


# --- verdicts decided by a piece of text -----------------------------------------------------

def text_searches(lesson: Lesson) -> list[Problem]:
    """`no_file_contains`, and `file` with `contains`: a word in a comment, a docstring or a
    help_text then decides, and a learner's right fix is called wrong (or a wrong one right).
    The structure says it instead."""
    return [Problem(lesson.file.name, f"{where}.{e.kind}",
                    "judges a piece of a file's text, which a comment or a docstring can hold "
                    "or lack: judge the structure instead (`field`, with `source = \"models\"` "
                    "for models.py; `migration` with `unchanged` or `replaces`; `backup`; "
                    "`models_match_migrations`)")
            for where, e in _expectations(lesson)
            if e.kind == "no_file_contains" or (e.kind == "file" and "contains" in e.options)]


# --- explains that could never be shown ------------------------------------------------------

def unobservable_explains(lesson: Lesson) -> list[Problem]:
    """An explain is shown when its expectation is not met and its `when` condition is seen.
    A condition that can only be seen when the expectation is met makes the explain dead
    text: the lesson writer meant something else."""
    problems = []
    for where, expectation in _expectations(lesson):
        for k, condition in enumerate(expectation.when):
            if _never_together(expectation, condition, condition.holds):
                problems.append(Problem(
                    lesson.file.name, f"{where}.when[{k}]",
                    "can only be seen when the expectation itself is met, so its explain is "
                    "never shown"))
    return problems


def _claims(expectation) -> dict:
    """What the expectation claims: its options, and the yes/no claims its kind makes by
    default ("it exists")."""
    claimed = {name: value for name, value in expectation.declaration.defaults().items()
               if isinstance(value, bool)}
    return {**claimed, **expectation.options}


def _never_together(expectation, condition, holds: bool) -> bool:
    """Whether "the expectation is not met" and "the condition is seen" exclude each other,
    judged from their words alone (same kind, same subject)."""
    if condition.kind != expectation.kind or condition.subject != expectation.subject:
        return False
    wanted, conditioned = _claims(expectation), _claims(condition)
    if holds:  # the condition holding implies the expectation is met
        return all(conditioned.get(key) == value for key, value in wanted.items())
    # the condition failing implies the expectation is met: one yes/no claim, turned round
    return (len(wanted) == len(conditioned) == 1 and wanted.keys() == conditioned.keys()
            and isinstance(next(iter(wanted.values())), bool)
            and next(iter(wanted.values())) != next(iter(conditioned.values())))


def _unknown(app: str, name: str, apps: dict) -> str:
    return (f"names the {app} migration {name!r}, which is not in the start's migrations and "
            "no `makemigrations --name` or `squashmigrations` of this lesson makes"
            + ("" if app in apps else f" (the lesson's start has no app {app})"))


def _migrations_made(command: str, known: dict[str, set[str]]) -> tuple[str, set[str]]:
    """The app and the migration names a `python manage.py makemigrations APP --name X` or
    `squashmigrations APP [START] END` command makes, named as Django names them. A --name
    migration is numbered by Django when it runs, so it is given as "*_X"."""
    try:
        args = shlex.split(command)[2:]
    except ValueError:
        return "", set()
    words = [arg for arg in args if not arg.startswith("-")]
    if not words or words[0] not in ("makemigrations", "squashmigrations"):
        return "", set()
    app = words[1] if len(words) > 1 else APP
    if words[0] == "makemigrations":
        return app, {f"*_{name}" for name in _options(args, ("--name", "-n"))}
    if len(words) < 3:
        return app, set()
    names = known.get(app, set())

    def full(prefix: str) -> str:  # squashmigrations takes unique prefixes, as migrate does
        matches = [n for n in names if n.startswith(prefix)]
        return matches[0] if len(matches) == 1 else prefix

    end = full(words[-1])
    start = full(words[2]) if len(words) > 3 else ""
    squashed = _options(args, ("--squashed-name",))
    if squashed:
        return app, {f"{(start or '0001')[:4]}_{squashed[-1]}"}
    return app, {f"{start}_squashed_{end}" if start else f"0001_squashed_{end}"}


def _options(args: list[str], names: tuple[str, ...]) -> list[str]:
    """The values given to any of the options `names` (`--name X` or `--name=X`)."""
    values = []
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            values.append(args[i + 1])
        elif "=" in arg and arg.partition("=")[0] in names:
            values.append(arg.partition("=")[2])
    return values


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
