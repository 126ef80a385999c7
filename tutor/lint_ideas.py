"""The course as a path of ideas, for `tutor lint-lessons`: the ideas (commands, options, ways
of working) a lesson's reference solutions use, read from the structure of their actions, and
checked against what the lesson declares it `introduces` and `needs`; then, along the
course's order, that each idea a lesson needs was introduced by a lesson before it.

What an action uses is read from its tokens, never from a piece of its text: a `run`
command is split as a shell splits it (`shlex`), and its manage.py subcommand, options and
arguments are looked at one by one; a `delete` or an `edit` by the path it names.

What a solution holds, and the idea it uses:

- `manage.py SUBCOMMAND`: the subcommand's name (`migrate`, `makemigrations`,
  `showmigrations`, `sqlmigrate`, `inspectdb`, `shell`, `dbshell`...), except
  `squashmigrations`: `squash`, and `dumpdata`, `loaddata`: `backup`;
- `migrate APP zero`: `zero`; `migrate APP MIGRATION`: `migrate-target`;
- `--fake`, `--fake-initial`, `--plan`, `--prune`: `fake`, `fake-initial`, `plan`, `prune`;
- `makemigrations --merge`, `--empty`: `merge-migrations`, `empty-migration`;
- `--database X` (X not `default`): `several-databases`;
- `git ...`: `git`;
- deleting or editing a file in an app's `migrations/`: `delete-migration`, `edit-migration`;
- deleting a database file of the lesson (`db.sqlite3`...): `delete-database`.

(lessons/README.md, "The course as a path of ideas", says the same for lesson writers.)
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

from .course.fields import IDEA_LENGTH
from .course.kinds import DEFAULT_DATABASE
from .lessons import Course, Lesson, SolutionAction
from .lint_rules import Problem

SUBCOMMAND_IDEAS = {"squashmigrations": "squash", "dumpdata": "backup", "loaddata": "backup"}
OPTION_IDEAS = {"--fake": "fake", "--fake-initial": "fake-initial", "--plan": "plan",
                "--prune": "prune", "--merge": "merge-migrations", "--empty": "empty-migration"}
# Options of manage.py's commands that take the next token as their value: that token is no
# argument (`--database teammate`, `-v 0`, `shell -c CODE`).
VALUE_OPTIONS = frozenset({
    "--database", "--name", "-n", "--output", "-o", "--indent", "--verbosity", "-v",
    "--settings", "--pythonpath", "--command", "-c", "--squashed-name", "--format",
    "--exclude", "-e", "--interface", "-i", "--pks", "--app"})
DATABASE_FILE = "db.sqlite3"  # the default database's SQLite file in the sandbox


@dataclass(frozen=True)
class Use:
    """An idea one action uses, and what in the action shows it (`--fake`)."""

    idea: str
    shown: str

    def said(self) -> str:
        """What shows the idea, bounded: a token of a command is the lesson's data."""
        return self.shown if len(self.shown) <= 80 else self.shown[:77] + "..."


def ideas_used(action: SolutionAction, database_files: frozenset[str] = frozenset()) \
        -> list[Use]:
    """The ideas one action of a solution uses, read from its tokens or its path."""
    if action.run:
        try:
            tokens = shlex.split(action.run)
        except ValueError:  # the loader's own checks name a command that does not split
            return []
        if tokens[:1] == ["git"]:
            return [Use("git", "git")]
        return _manage_ideas(tokens[2:]) if tokens[:2] == ["python", "manage.py"] else []
    path = PurePosixPath((action.delete or action.edit).replace("\\", "/"))
    if len(path.parts) >= 2 and path.parts[-2] == "migrations" and path.suffix == ".py":
        verb = "delete" if action.delete else "edit"
        return [Use(f"{verb}-migration", f"{'deleting' if action.delete else 'editing'} "
                                          f"{path}")]
    if action.delete and str(path) in database_files | {DATABASE_FILE}:
        return [Use("delete-database", f"deleting {path}")]
    return []


def _manage_ideas(args: list[str]) -> list[Use]:
    """A manage.py command's ideas: its subcommand's, its options', its target's."""
    options, words = _split(args)
    if not words:
        return []
    command = words[0]
    uses = [Use(SUBCOMMAND_IDEAS.get(command) or _idea_named(command), command)]
    for option, value in options:
        if option in OPTION_IDEAS:
            uses.append(Use(OPTION_IDEAS[option], option))
        elif option == "--database" and value and value != DEFAULT_DATABASE:
            uses.append(Use("several-databases", f"--database {value}"))
    if command == "migrate" and len(words) >= 3:
        target = "zero" if words[2] == "zero" else "migrate-target"
        uses.append(Use(target, " ".join(words[:3])))
    return uses


def _idea_named(command: str) -> str:
    """A subcommand's own idea: its name as an idea's id (`sqlflush`, `my-command`)."""
    idea = re.sub(r"[^a-z0-9]+", "-", command.lower()).strip("-")[:IDEA_LENGTH].strip("-")
    return idea if idea and idea[0].isalpha() else "manage-command"


def _split(args: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Options (each with its value, "" for a flag) and the other words, in order; after a
    bare `--`, what follows is another program's (dbshell's client), and is neither."""
    options: list[tuple[str, str]] = []
    words: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            break
        if token.startswith("-") and len(token) > 1:
            name, equals, value = token.partition("=")
            if not equals and name in VALUE_OPTIONS:
                value = next(tokens, "")
            options.append((name, value))
        else:
            words.append(token)
    return options, words


def undeclared_ideas(lesson: Lesson) -> list[Problem]:
    """Each idea a step's solution uses (on any backend it is told for) that the lesson
    neither introduces nor needs: its path through the course would not be checked."""
    declared = {*lesson.introduces, *lesson.needs}
    tellings = list(lesson.tellings.values()) or [lesson]
    databases = frozenset(database.file for database in lesson.start.databases)
    problems: dict[tuple[str, str], Problem] = {}
    for told in tellings:
        for i, step in enumerate(told.steps):
            told_on = f" (as told on {told.told})" if told.told and any(
                other.steps[i].solution != step.solution for other in tellings) else ""
            for j, action in enumerate(step.solution):
                for use in ideas_used(action, databases):
                    if use.idea in declared:
                        continue
                    where = f"steps[{i}].solution[{j}]"
                    problems.setdefault((where, use.idea), Problem(
                        lesson.file.name, where,
                        f"uses `{use.said()}` in step {i + 1}'s solution{told_on} but neither "
                        f"introduces nor needs `{use.idea}`: add it to `needs` (or to "
                        "`introduces`, if this lesson teaches it)"))
    return list(problems.values())


def path_problems(course: Course) -> list[Problem]:
    """Along the course's order (chapter after chapter), each idea a lesson needs must be
    introduced by a lesson before it, or assumed by the course file (`assumes`): a problem
    names the lesson, the idea and the later lesson that introduces it, if one does. Not judged while a lesson of the course does not
    load (its own problems are reported; what it introduces is not known)."""
    if course.problems:
        return []
    lessons = course.lessons
    introduced_by: dict[str, str] = {}
    for lesson in lessons:
        for idea in lesson.introduces:
            introduced_by.setdefault(idea, lesson.id)
    problems = []
    seen: set[str] = set(course.assumes)  # what the course's learners know before it
    for lesson in lessons:
        for i, idea in enumerate(lesson.needs):
            if idea in seen:
                continue
            later = introduced_by.get(idea)
            said = (f"needs `{idea}`, which no lesson before it in the course introduces: "
                    + (f"{later} (lesson {course.number(later)}) introduces it, later"
                       if later else "no lesson of the course introduces it, and the "
                       "course file does not list it in `assumes`"))
            problems.append(Problem(lesson.file.name, f"needs[{i}]", said))
        seen.update(lesson.introduces)
    return problems
