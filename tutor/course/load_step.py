"""Reads a lesson's `[[steps]]`: texts, hints, solution, expectations, explanations, what a
step allows, the mutants it accepts, its question, and its telling on other backends.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..backends import VENDOR_NAMES
from ..exceptions import LessonFileError
from .fields import MISSING, Fields
from .kinds import (ALLOWANCE_FIELDS, ALLOWANCE_TYPES, DEFAULT_DATABASE, QUESTION_ABOUT,
                    QUESTION_KINDS)
from .load_expectation import load_backends, load_conditions, load_expectation
from .load_start import load_action
from .model import AcceptedMutant, Allowance, Explanation, Question, Step


def load_step(data: Any, where: str, file: str) -> Step:
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    step = _load_step_fields(data, where, file)
    variants = {}
    for backend, fields, there in backend_tables(data.get("on", {}), f"{where}.on", file,
                                                  "the step's fields"):
        for key in ("on", "release"):
            if key in fields:
                raise LessonFileError(file, f"{there}.{key}",
                                      "is the same on every backend: give it in the step")
        variants[backend] = _load_step_fields(
            {**{k: v for k, v in data.items() if k != "on"}, **fields}, there, file)

    return dataclasses.replace(step, variants=variants)


def _load_step_fields(data: dict, where: str, file: str) -> Step:
    reader = Fields({k: v for k, v in data.items() if k != "on"}, file, where)
    title = reader.get("title", str)
    goal = reader.get("goal", str)
    hints = reader.get("hints", list)
    if not hints or not all(isinstance(h, str) for h in hints):
        raise LessonFileError(file, f"{where}.hints", "needs at least one hint, each a string")
    question_data = reader.get("question", dict, default=None)
    question = _load_question(question_data, f"{where}.question", file) \
        if question_data is not None else None
    # A question step is solved by answering it; its solution and expectations are optional.
    optional = [] if question else MISSING
    solution = [
        load_action(action, f"{where}.solution[{i}]", file)
        for i, action in enumerate(reader.get("solution", list, default=optional))
    ]
    if not solution and not question:
        raise LessonFileError(file, f"{where}.solution", "needs at least one action")
    expectations = [
        load_expectation(entry, f"{where}.expect[{i}]", file)
        for i, entry in enumerate(reader.get("expect", list, default=optional))
    ]
    if not expectations and not question:
        raise LessonFileError(file, f"{where}.expect", "needs at least one expectation")
    explanations = _load_explanations(reader.get("explanation", (str, list), default=""),
                                      f"{where}.explanation", file)
    release = reader.get("release", str, default="")
    allowances = tuple(_load_allowance(entry, f"{where}.allow[{i}]", file)
                       for i, entry in enumerate(reader.get("allow", list, default=[])))
    accepted = tuple(_load_accepted_mutant(entry, f"{where}.accepted_mutants[{i}]", file)
                     for i, entry in enumerate(reader.get("accepted_mutants", list,
                                                          default=[])))
    passes_later = reader.get("passes_with_a_later_step", bool, default=False)
    reader.finish()
    return Step(title=title, goal=goal, hints=hints, solution=solution,
                expectations=expectations, explanations=explanations, question=question,
                release=release, allowances=allowances, accepted_mutants=accepted,
                passes_with_a_later_step=passes_later)


def _load_accepted_mutant(data: Any, where: str, file: str) -> AcceptedMutant:
    """`{ mutant = "drop 2", why = "two migrates instead of one: the goal allows it" }`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table with `mutant` and `why`")
    reader = Fields(data, file, where)
    mutant = reader.get("mutant", str)
    why = reader.get("why", str)
    if not why.strip():
        raise LessonFileError(file, f"{where}.why", "must say why the mutant is right")
    reader.finish()
    return AcceptedMutant(mutant.strip(), why)


def _load_allowance(data: Any, where: str, file: str) -> Allowance:
    """`{ rows = "store_product", columns = ["price"], database = "production" }`, `{ drift =
    "store" }`, `{ orphans = "store" }`, `{ new_database = true }`, `{ broken_release = "1.4"
    }`: what the step may change, each with an optional `database` and `backends`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    kinds = [key for key in data if key in ALLOWANCE_FIELDS]
    if len(kinds) != 1:
        raise LessonFileError(file, where, f"needs exactly one of {', '.join(ALLOWANCE_FIELDS)} "
                                           f"(found {len(kinds)})")
    kind = kinds[0]
    reader = Fields(data, file, where)
    subject = reader.get(kind, ALLOWANCE_TYPES[kind])
    if kind == "new_database" and subject is not True:
        raise LessonFileError(file, f"{where}.{kind}", "must be true")
    if isinstance(subject, str) and not subject.strip():
        raise LessonFileError(file, f"{where}.{kind}", "must name what may change")
    columns = reader.get("columns", list, default=[]) if kind == "rows" else []
    ids = reader.get("ids", list, default=[]) if kind == "rows" else []
    if not all(isinstance(c, str) and c for c in columns):
        raise LessonFileError(file, f"{where}.columns", "must list column names")
    if not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in ids):
        raise LessonFileError(file, f"{where}.ids", "must list primary keys")
    database = DEFAULT_DATABASE
    if kind in ("broken_release", "conflicts"):
        if "database" in data:
            raise LessonFileError(file, f"{where}.database",
                                  f"{kind} is not about one database: leave it out")
    else:
        database = reader.get("database", str, default=DEFAULT_DATABASE)
    backends = load_backends(reader, data, where, file)
    why = reader.get("why", str, default="")
    if "why" in data and not why.strip():
        raise LessonFileError(file, f"{where}.why", "must name the road that needs it")
    reader.finish()
    return Allowance(kind=kind, subject=subject, database=database, columns=tuple(columns),
                     ids=tuple(ids), backends=backends, where=where, why=why)


def _load_explanations(value: Any, where: str, file: str) -> tuple[Explanation, ...]:
    """A string, or a list of `{ text = ..., when = condition(s) }` tables."""
    if isinstance(value, str):
        return (Explanation(value),) if value else ()
    parts = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise LessonFileError(file, f"{where}[{i}]", "must be a table with `text`")
        reader = Fields(entry, file, f"{where}[{i}]")
        text = reader.get("text", str)
        when = load_conditions(reader.get("when", (dict, list), default=None),
                                f"{where}[{i}].when", file)
        reader.finish()
        parts.append(Explanation(text, when))
    return tuple(parts)


def _load_question(data: dict, where: str, file: str) -> Question:
    reader = Fields(data, file, where)
    ask = reader.get("ask", str)
    kind = reader.get("answer", str)
    if kind not in QUESTION_KINDS:
        raise LessonFileError(file, f"{where}.answer",
                              f"{kind!r} is not one of {', '.join(sorted(QUESTION_KINDS))}")
    question = Question(
        ask=ask, kind=kind, app=reader.get("app", str, default="store"),
        table=reader.get("table", str, default="store_product"),
        target=reader.get("target", str, default=""),
        choices=reader.get("choices", list, default=[]),
        about=reader.get("about", str, default="now"),
        database=reader.get("database", str, default=DEFAULT_DATABASE),
    )
    if question.about not in QUESTION_ABOUT:
        raise LessonFileError(file, f"{where}.about",
                              f"{question.about!r} is not one of {', '.join(QUESTION_ABOUT)}")
    if kind == "would_unapply" and not question.target:
        raise LessonFileError(file, f"{where}.target", "is needed by would_unapply")
    if kind == "columns" and not question.choices:
        raise LessonFileError(file, f"{where}.choices", "columns questions need choices")
    reader.finish()
    return question


def backend_tables(data: Any, where: str, file: str, what: str):
    """`on`: a table for each backend, each a table of `what`: (backend, table, its place)."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table of backends")
    for backend, table in data.items():
        there = f"{where}.{backend}"
        if backend not in VENDOR_NAMES:
            raise LessonFileError(file, there, f"is not a backend: one of "
                                               f"{', '.join(VENDOR_NAMES)}")
        if not isinstance(table, dict):
            raise LessonFileError(file, there, f"must be a table of {what}")
        yield backend, table, there
