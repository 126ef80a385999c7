"""What `tutor lint-lessons` finds by reading a lesson, without running it: a text that would
act on a terminal, a migration nothing makes, a verdict a piece of text decides, an explain
that could never be shown. Each is a `Problem`, named by file and field.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .exceptions import LessonFileError
from .course.kinds import SELECTOR, SELECTORS
from .lessons import Lesson
from .markup import printable

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
    known = _known_migrations(lesson)

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
        if expectation.declaration.shape == SELECTOR:
            check_selector(where, expectation.subject)
        elif expectation.declaration.shape == SELECTORS:
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


def _known_migrations(lesson: Lesson) -> dict[str, set[str]]:
    """Each app's migrations the lesson can have: its start's, its first, and those its
    commands make (a `--name` one as "*_NAME": Django numbers it when it runs)."""
    commands = [*(action.run for action in lesson.start.commands if action.run),
                *(action.run for step in lesson.steps for action in step.solution if action.run)]
    known = {app.name: {ALWAYS_KNOWN, *(m.name for m in app.migrations)}
             for app in lesson.start.apps}
    for command in commands:
        app, made = _migrations_made(command, known)
        if app in known:
            known[app] |= made
    return known


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
            if e.declaration.searches_text_with(e.options)]


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
