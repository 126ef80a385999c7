"""Checks across a lesson's parts, once each is read: every database and release an
expectation, a step or an allowance names exists in the lesson, and git is used only in a
sandbox that is a repository.
"""

from __future__ import annotations

from ..exceptions import LessonFileError
from .kinds import DEFAULT_DATABASE
from .model import Expectation, Invariant, Question, Step
from .start import Release, Start


def require_known_releases(start: Start, releases: list[Release | None],
                            steps: list[Step | None], invariants: list[Invariant | None],
                            file: str) -> None:
    """Releases have names of their own and run against a database of the lesson; a step
    deploys one of them, and an expectation names one that exists."""
    known = {DEFAULT_DATABASE, *(database.name for database in start.databases)}
    names = [release.name for release in releases if release is not None]
    if len(set(names)) != len(names):
        raise LessonFileError(file, "releases", "names a release twice")
    for i, release in enumerate(releases):
        if release is not None and release.ref and not start.git:
            raise LessonFileError(file, f"releases[{i}].ref",
                                  "needs a git repository: set git = true in [start]")
        if release is not None and release.database not in known:
            raise LessonFileError(file, f"releases[{i}].database",
                                  f"{release.database!r} is not a database of this lesson "
                                  f"(one of {', '.join(sorted(known))})")
    named = []
    for i, step in enumerate(steps):
        if step is None:
            continue
        if step.release and step.release not in names:
            named.append((f"steps[{i}].release", step.release))
        for j, expectation in enumerate(step.expectations):
            for where, e in ((f"steps[{i}].expect[{j}]", expectation),
                             *((f"steps[{i}].expect[{j}].when", c) for c in expectation.when)):
                if e.about_a_release:
                    named.append((f"{where}.release_works", e.subject))
        named += [(f"steps[{i}].allow[{j}].broken_release", a.subject)
                  for j, a in enumerate(step.allowances) if a.kind == "broken_release"]
        named += [(f"steps[{i}].explanation[{j}].when.{c.kind}", c.subject)
                  for j, part in enumerate(step.explanations) for c in part.when
                  if c.about_a_release]
    for i, invariant in enumerate(invariants):
        if invariant is not None and invariant.expectation.about_a_release:
            if invariant.expectation.subject is True:
                raise LessonFileError(file, f"invariants[{i}].release_works",
                                      "must name a release: an invariant spans steps that may "
                                      "run different ones")
            named.append((f"invariants[{i}].release_works", invariant.expectation.subject))
    for where, name in named:
        if name is True and not names:
            raise LessonFileError(file, where, "needs a release: the lesson declares none "
                                               "([[releases]])")
        if name is not True and name not in names:
            raise LessonFileError(file, where, f"{name!r} is not a release of this lesson (one "
                                               f"of {', '.join(names) or 'none'})")


def require_no_git(start: Start, steps: list[Step | None], file: str) -> None:
    """A git command or a branch expectation only works in a sandbox that is a repository."""
    actions = [(f"start.commands[{i}]", a) for i, a in enumerate(start.commands)]
    branches = []
    for i, step in enumerate(steps):
        if step is not None:
            actions += [(f"steps[{i}].solution[{j}]", a) for j, a in enumerate(step.solution)]
            branches += [f"steps[{i}].expect[{j}].{e.kind}"
                         for j, e in enumerate(step.expectations) if e.declaration.needs_git]
    for where, action in actions:
        if action.is_git:
            raise LessonFileError(file, where, "runs git, so [start] needs git = true")
    if branches:
        raise LessonFileError(file, branches[0],
                              "needs a git repository: set git = true in [start]")


def require_known_databases(start: Start, steps: list[Step | None],
                              invariants: list[Invariant | None], file: str) -> None:
    """An expectation names `default` or a database the start declares: a typo would make a
    step that no state can pass."""
    known = {DEFAULT_DATABASE, *(database.name for database in start.databases)}
    named: list[tuple[str, Expectation | Question]] = []
    for i, step in enumerate(steps):
        if step is None:
            continue
        for j, expectation in enumerate(step.expectations):
            named.append((f"steps[{i}].expect[{j}]", expectation))
            named += [(f"steps[{i}].expect[{j}].when", c) for c in expectation.when]
        for j, explanation in enumerate(step.explanations):
            named += [(f"steps[{i}].explanation[{j}].when", c) for c in explanation.when]
        if step.question is not None:
            named.append((f"steps[{i}].question", step.question))
        named += [(f"steps[{i}].allow[{j}]", allowance)
                  for j, allowance in enumerate(step.allowances)]
    for i, invariant in enumerate(invariants):
        if invariant is not None:
            named.append((f"invariants[{i}]", invariant.expectation))
    for where, expectation in named:
        for other in getattr(expectation, "options", {}).get("databases", []):
            if other not in known:
                raise LessonFileError(file, f"{where}.databases",
                                      f"{other!r} is not a database of this lesson (one of "
                                      f"{', '.join(sorted(known))})")
        if expectation.database not in known:
            raise LessonFileError(file, f"{where}.database",
                                  f"{expectation.database!r} is not a database of this lesson "
                                  f"(one of {', '.join(sorted(known))})")


def fail(file: str, field_name: str, problem: str):
    raise LessonFileError(file, field_name, problem)
