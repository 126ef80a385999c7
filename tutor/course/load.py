"""Reads a whole lesson file: its texts, start, steps, invariants and releases, each part
by its own loader, then the checks across parts (`validate.py`), and the lesson as told on
each backend. `load_lesson` stops at the first problem; `lesson_problems` collects the first
of each part, for `tutor lint-lessons`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..backends import VENDOR_NAMES
from ..exceptions import LessonFileError
from .fields import Fields
from .lesson import Lesson, running_at
from .load_expectation import load_expectation
from .load_start import load_release, load_start
from .load_step import backend_tables, load_step
from .model import Expectation, Invariant, Step
from .resources import ParsedFiles, is_shipped_lesson, resource_folders
from .start import Release, Start
from .validate import (fail, require_known_databases, require_known_releases,
                       require_no_git)


def load_lesson(path: Path, parsed: ParsedFiles | None = None,
                shared: Path | None = None) -> Lesson:
    """Read and validate a lesson file; the first problem found is raised. Resources not
    beside the lesson are looked up in `shared` (default: the shipped lessons folder)."""
    lesson = _read_lesson(path, parsed, shared, problems=None)
    assert lesson is not None
    return lesson


def lesson_problems(path: Path, parsed: ParsedFiles | None = None,
                    shared: Path | None = None) -> list[LessonFileError]:
    """Every problem in a lesson file, for `tutor lint-lessons`: the first of each part of it
    (each top-level field, the start, each step), where `load_lesson` stops at the first."""
    problems: list[LessonFileError] = []
    _read_lesson(path, parsed, shared, problems)
    return problems


def _read_lesson(path: Path, parsed: ParsedFiles | None, shared: Path | None,
                 problems: list[LessonFileError] | None) -> Lesson | None:
    def part(read, *args):
        """Read one part of the file; when collecting, a problem is noted and reading goes on
        with the next part."""
        if problems is None:
            return read(*args)
        try:
            return read(*args)
        except LessonFileError as problem:
            problems.append(problem)
            return None

    # One resolution of the path: its text is read from there, it is shipped or not by
    # there, and its files are found beside it.
    real = path.resolve()
    parsed = parsed or ParsedFiles()
    data = part(parsed.read, real)
    if data is None:
        return None
    shipped = is_shipped_lesson(real)
    name = path.name
    reader = Fields(data, name)
    part(reader.require_format)
    lesson_id = part(reader.get, "id", str)
    if lesson_id is not None and lesson_id != path.stem:
        part(fail, name, "id", f"is {lesson_id!r} but the file is named {path.stem}")
    title = part(reader.get, "title", str)
    summary = part(reader.get, "summary", str)
    intro = part(reader.get, "intro", str)
    start_data = part(reader.get, "start", dict)
    folders = resource_folders(real.parent, shared)  # as Lesson.resource_path
    start = part(load_start, start_data, name, folders) if start_data is not None else None
    steps_data = part(reader.get, "steps", list)
    invariants_data = part(reader.get, "invariants", list, [])
    releases_data = part(reader.get, "releases", list, [])
    declared = _declarations(part, reader, name)
    texts_on = part(_load_lesson_variants, part(reader.get, "on", dict, {}) or {}, name) or {}
    part(reader.finish)
    if steps_data is not None and not steps_data:
        part(fail, name, "steps", "a lesson needs at least one step")
    steps = [part(load_step, step, f"steps[{i}]", name)
             for i, step in enumerate(steps_data or [])]
    invariants = [part(load_invariant, entry, f"invariants[{i}]", name, len(steps))
                  for i, entry in enumerate(invariants_data or [])]
    if start is not None and not start.git:
        part(require_no_git, start, steps, name)
    releases = [part(load_release, entry, f"releases[{i}]", name, folders)
                for i, entry in enumerate(releases_data or [])]
    if start is not None:
        part(require_known_databases, start, steps, invariants, name)
        part(require_known_releases, start, releases, steps, invariants, name)
    if problems:
        return None
    common = dict(id=lesson_id, title=title, summary=summary, intro=intro, start=start,
                  file=path, shared=shared, releases=releases, shipped=shipped,
                  source=parsed.raw.get(str(real), b""), **declared)
    return _told(part, common, texts_on, steps, invariants, name)


def _declarations(part, reader: Fields, name: str) -> dict:
    """What the lesson declares of itself: the backends its story holds on, and the ideas it
    introduces and those it needs from lessons before it (a problem is noted by `part`)."""
    backends = part(reader.get, "backends", list, []) or []
    if any(b not in VENDOR_NAMES for b in backends):
        part(fail, name, "backends", f"may list {', '.join(VENDOR_NAMES)}")
    introduces = part(reader.ideas, "introduces") or ()
    needs = part(reader.ideas, "needs") or ()
    for i, idea in enumerate(needs):
        if idea in introduces:
            part(fail, name, f"needs[{i}]", f"{idea!r} is in `introduces` too: a lesson needs "
                                            "only what a lesson before it introduces")
    return dict(backends=tuple(backends), introduces=introduces, needs=needs)


def _told(part, common: dict, texts_on: dict[str, dict[str, str]], steps: list[Step],
          invariants: list[Invariant], file: str) -> Lesson | None:
    """The lesson as told on each backend where anything of it differs by backend (each
    telling knowing the others, all sharing one lesson's pinned files), else told once;
    None when a variant has a problem (noted by `part`)."""
    told_differently = bool(texts_on) or any(
        step.variants or any(e.backends for e in step.expectations) for step in steps) or any(
        i.expectation.backends for i in invariants)
    tellings: dict[str, Lesson] = {}
    pinned: dict[str, bytes] = {}
    for backend in (VENDOR_NAMES if told_differently else [""]):
        told = part(_as_told_on, backend, common["start"], steps, invariants, common["releases"],
                    file)
        if told is None:
            return None
        tellings[backend] = Lesson(**{**common, **texts_on.get(backend, {})}, steps=told[0],
                                   invariants=told[1], told=backend, tellings=tellings,
                                   pinned=pinned)
    # Where nothing names the backend, the lesson is told as on SQLite (it was written so).
    return tellings.pop("", None) or tellings["sqlite"]


def _as_told_on(backend: str, start: Start, steps: list[Step], invariants: list[Invariant],
             releases: list[Release], file: str) -> tuple[list[Step], list[Invariant]]:
    """The steps and invariants as told on `backend` ("": a lesson told alike everywhere),
    each variant checked as the lesson's own steps are (its commands, its names)."""
    told_steps = [step.as_told_on(backend) for step in steps]
    told_invariants = [i for i in invariants if i.expectation.checked_on(backend)]
    if backend and any(step.variants for step in steps):
        if not start.git:
            require_no_git(start, told_steps, file)
        require_known_databases(start, told_steps, told_invariants, file)
        require_known_releases(start, releases, told_steps, told_invariants, file)
    return _name_running_releases(told_steps, releases), told_invariants


LESSON_TEXTS = ("title", "summary", "intro")


def _load_lesson_variants(data: dict, file: str) -> dict[str, dict[str, str]]:
    """`[on.postgresql]`: the lesson's texts as told on another backend."""
    variants = {}
    for backend, texts, where in backend_tables(data, "on", file, ", ".join(LESSON_TEXTS)):
        reader = Fields(texts, file, where)
        variants[backend] = {key: reader.get(key, str) for key in LESSON_TEXTS if key in texts}
        reader.finish()
    return variants


def load_invariant(data: Any, where: str, file: str, steps: int) -> Invariant:
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    numbers = data.get("steps", [])
    if not isinstance(numbers, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= steps for n in numbers):
        raise LessonFileError(file, f"{where}.steps",
                              f"must list step numbers from 1 to {steps}")
    expectation = load_expectation({k: v for k, v in data.items() if k != "steps"}, where,
                                    file)
    return Invariant(expectation, tuple(numbers))


def _name_running_releases(steps: list[Step], releases: list[Release]) -> list[Step]:
    """`release_works = true` is about the release running at its step: name it."""

    def named(e: Expectation, running: str) -> Expectation:
        e = dataclasses.replace(e, when=tuple(named(c, running) for c in e.when))
        if e.about_a_release and e.subject is True:
            e = dataclasses.replace(e, subject=running)
        return e

    steps_named = []
    for index, step in enumerate(steps):
        running = running_at(steps, releases, index)
        steps_named.append(dataclasses.replace(
            step, expectations=[named(e, running) for e in step.expectations],
            explanations=tuple(dataclasses.replace(x, when=tuple(named(c, running)
                                                                 for c in x.when))
                               for x in step.explanations)))
    return steps_named
