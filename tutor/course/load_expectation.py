"""Reads one expectation (or a condition of one) by asking its kind's declaration
(`kinds.py`): which key names it, the shape of its subject, its options and their types, and
whether it may name a database. No kind is spelt out here.
"""

from __future__ import annotations

from typing import Any

from ..backends import VENDOR_NAMES
from ..exceptions import LessonFileError
from .fields import Fields
from .kinds import (APP_MODEL_FIELD, APP_NAME, DATABASES, DEFAULT_DATABASE, EXPECTATION_KINDS,
                    FILES, RELEASE, SELECTOR, SELECTOR_FIELDS, SELECTORS, TABLE_COLUMN, TRUE,
                    TRUE_OR_NAME, ExpectationKind)
from .model import Expectation, MigrationSelector


def load_expectation(data: Any, where: str, file: str, condition: bool = False) -> Expectation:
    """An `[[steps.expect]]` table (or an invariant, or a condition: `condition`), read as its
    kind declares it."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    named = [key for key in data if key in EXPECTATION_KINDS]
    if len(named) != 1:
        raise LessonFileError(
            file, where,
            f"needs exactly one of {', '.join(EXPECTATION_KINDS)} (found {len(named)})",
        )
    kind = EXPECTATION_KINDS[named[0]]
    reader = Fields(data, file, where)
    subject = _subject(kind, reader.get(kind.name, kind.subject), data,
                       f"{where}.{kind.name}", file)
    if kind.seen and not condition:
        raise LessonFileError(file, f"{where}.{kind.name}",
                              "is about what the tutor saw during the step, not about the "
                              "state: use it as a condition (`when`) of an explanation")
    options = _options(kind, reader, data, where, file)
    database = _database(kind, reader, data, where, file)
    if condition:
        holds = reader.get("holds", bool, default=True)
        reader.finish()
        return Expectation(kind=kind.name, subject=subject, options=options, holds=holds,
                           database=database)
    explain = reader.get("explain", str, default="")
    backends = load_backends(reader, data, where, file)
    when = load_conditions(reader.get("when", (dict, list), default=None), f"{where}.when",
                           file)
    if when and not explain:
        raise LessonFileError(file, f"{where}.when", "is a condition for `explain`, which is "
                                                     "missing")
    reader.finish()
    return Expectation(kind=kind.name, subject=subject, options=options, explain=explain,
                       when=when, database=database, backends=backends)


# The subjects that name a thing by its dotted parts: how many dots they hold.
_DOTS = {APP_NAME: 1, TABLE_COLUMN: 1, APP_MODEL_FIELD: 2}


def _subject(kind: ExpectationKind, subject: Any, data: dict, where: str, file: str) -> Any:
    """The subject, checked against the shape its kind declares: a migration selector (or a
    list of names and selectors) is read as one."""
    if kind.shape == SELECTOR:
        return load_selector(subject, where, file)
    if kind.shape == SELECTORS:
        app = data.get("app", kind.options["app"].default)
        return [name if isinstance(name, str)
                else load_selector({"app": app, **name} if isinstance(name, dict) else name,
                                   f"{where}[{i}]", file)
                for i, name in enumerate(subject)]
    if kind.shape in _DOTS and subject.count(".") != _DOTS[kind.shape]:
        raise LessonFileError(file, where, f"{subject!r} must look like {kind.shape}")
    if kind.shape == TRUE and subject is not True:
        raise LessonFileError(file, where, "must be true")
    if kind.shape == TRUE_OR_NAME and subject is False:
        raise LessonFileError(file, where,
                              "must be true (the running release) or a release's name")
    return subject


def _options(kind: ExpectationKind, reader: Fields, data: dict, where: str,
             file: str) -> dict[str, Any]:
    """The options the table gives, each of its declared type (and one of its choices), and
    the ones the kind needs."""
    options = {name: reader.get(name, option.type) for name, option in kind.options.items()
               if name in data}
    for name, option in kind.options.items():
        if option.needed and (not options.get(name) or not all(
                isinstance(value, str) and value for value in options[name])):
            raise LessonFileError(file, f"{where}.{name}", option.needed)
        if option.choices and options.get(name, option.default) not in option.choices:
            raise LessonFileError(file, f"{where}.{name}",
                                  f"is one of {', '.join(option.choices)}")
    if kind.needs_one_of and not set(kind.needs_one_of) & set(options):
        raise LessonFileError(file, where, f"{kind.name} needs "
                              + " or ".join(f"`{name}`" for name in kind.needs_one_of))
    return options


def _database(kind: ExpectationKind, reader: Fields, data: dict, where: str, file: str) -> str:
    """The database it is about: only a kind about one database names one."""
    database = reader.get("database", str, default=DEFAULT_DATABASE)
    if database != DEFAULT_DATABASE and kind.scope in (FILES, DATABASES):
        raise LessonFileError(file, f"{where}.database",
                              f"{kind.name} is about the files, which every database shares: "
                              "leave `database` out")
    if "database" in data and kind.scope == RELEASE:
        raise LessonFileError(file, f"{where}.database",
                              f"{kind.name} runs against the release's own database (its "
                              "`database` in [[releases]]): leave `database` out")
    return database


def load_selector(value: Any, where: str, file: str) -> MigrationSelector:
    """`"app.name"`, or a table of SELECTOR_FIELDS naming a migration by what it does."""
    if isinstance(value, str):
        if value.count(".") != 1:
            raise LessonFileError(file, where, f"{value!r} must look like 'app.name'")
        app, name = value.split(".")
        return MigrationSelector(app=app, name=name)
    if not isinstance(value, dict):
        raise LessonFileError(file, where, "must be a migration name or a table")
    reader = Fields(value, file, where)
    fields = {key: reader.get(key, kind, default=None) for key, kind in SELECTOR_FIELDS.items()}
    reader.finish()
    for key in ("operations", "replaces", "depends_on"):
        if fields[key] is not None and not all(isinstance(v, str) for v in fields[key]):
            raise LessonFileError(file, f"{where}.{key}", "must be a list of strings")
    if fields["depends_on"] and not all(v.count(".") == 1 for v in fields["depends_on"]):
        raise LessonFileError(file, f"{where}.depends_on", "names migrations as 'app.name'")
    selector = MigrationSelector(
        app=fields["app"] or "store", name=fields["name"] or "", after=fields["after"] or "",
        operations=tuple(fields["operations"]) if fields["operations"] is not None else None,
        replaces=tuple(fields["replaces"]) if fields["replaces"] is not None else None,
        depends_on=tuple(fields["depends_on"] or ()),
        initial=fields["initial"])
    if not selector.name and not selector.identifies_by_deed:
        raise LessonFileError(file, where, "names no migration: give `name`, or what it does "
                                           "(`after`, `operations`, `replaces`, `depends_on`, "
                                           "`initial`)")
    return selector


def load_backends(reader: Fields, data: dict, where: str, file: str) -> tuple[str, ...]:
    """An expectation's or an allowance's `backends`: where it applies (none: everywhere)."""
    backends = reader.get("backends", list, default=[])
    if not backends and "backends" in data or any(b not in VENDOR_NAMES for b in backends):
        raise LessonFileError(file, f"{where}.backends",
                              f"must list some of {', '.join(VENDOR_NAMES)}")
    return tuple(backends)


def load_conditions(value: Any, where: str, file: str) -> tuple[Expectation, ...]:
    """`when`: one condition (an expectation table, with an optional `holds = false`) or a
    list of them, all of which must be observed."""
    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    return tuple(load_expectation(entry, f"{where}[{i}]" if isinstance(value, list) else where,
                                   file, condition=True)
                 for i, entry in enumerate(entries))
