"""The judges of the schema and of the database itself: tables and columns, the fields the
migration files (or models.py) describe, the schema against the record, the database the
lesson started with, and what the fresh build tells (the files build it; a way back undoes).
"""

from __future__ import annotations

from ..course.model import Expectation
from ..markup import listed
from ..state import DJANGO_TABLES, SandboxState
from .data import same_value
from .outcome import Context, Finding
from .words import article, no_table, null_words, plural, quoted


def _schema_matches_record(e: Expectation, state: SandboxState, context: Context) -> Finding:
    drift = state.schema_drift.get(e.subject, [])
    text = f"{e.subject}'s tables match what its applied migrations say"
    return text, not drift, "; ".join(drift) + "."


def _column(e: Expectation, state: SandboxState, context: Context) -> Finding:
    table, name = e.subject.split(".")
    want_exists = e.option("exists")
    columns = state.columns(table)
    column = next((c for c in columns or [] if c.name == name), None)
    if not want_exists:
        text = f"column {e.subject} does not exist"
        return text, column is None, "the column is still in the table."
    claims = ["exists"]
    if "null" in e.options:
        claims.append("allows NULL" if e.options["null"] else "is NOT NULL")
    if "default" in e.options:
        claims.append("has a DEFAULT in the database" if e.options["default"]
                      else "has no DEFAULT in the database")
    text = f"column {e.subject} " + " and ".join(claims)
    if columns is None:
        return text, False, no_table(state, table)
    if column is None:
        names = ", ".join(c.name for c in columns)
        return text, False, f"{table} has no column {name} (its columns: {names})."
    if "null" in e.options and column.null != e.options["null"]:
        now = "allows NULL" if column.null else "is NOT NULL"
        return text, False, f"the column {now} in the database."
    if "default" in e.options and column.default != e.options["default"]:
        now = "has a DEFAULT" if column.default else "has no DEFAULT"
        return text, False, f"the column {now} in the database."
    return text, True, ""


def _table(e: Expectation, state: SandboxState, context: Context) -> Finding:
    want = e.option("exists")
    exists = e.subject in state.tables
    text = f"table {e.subject} " + ("exists" if want else "does not exist")
    if exists:
        count = state.row_counts.get(e.subject)
        # "still" only where it is the lesson's own database and the table was there at the
        # start: a table a new database was given is not still anywhere.
        start = context.start
        kept = start is None or (e.subject in start.tables and (
            start.database_mark is None or state.database_mark == start.database_mark))
        detail = f"it is {'still ' if kept else ''}in the database" + (
            f", with {plural(count, 'row')}." if count is not None else ".")
    else:
        detail = no_table(state, e.subject)
    return text, exists == want, detail


def _field(e: Expectation, state: SandboxState, context: Context) -> Finding:
    app, model, name = e.subject.split(".")
    in_models = e.option("source") == "models"  # models.py, not the migration files
    described = (state.models if in_models else state.file_models).get(f"{app}.{model}")
    field = (described or {}).get("fields", {}).get(name)
    where = f"{model}.{name}"
    source = f"{app}/models.py" if in_models else "the migration files"
    want_exists = e.option("exists")
    if not want_exists:
        text = f"{source} give{'s' if in_models else ''} {model} no field {name}"
        return text, field is None, f"{source} still give{'s' if in_models else ''} {where}."
    claims = []
    if "type" in e.options:
        claims.append(f"as {article(e.options['type'])}")
    if "null" in e.options:
        claims.append("allowing NULL" if e.options["null"] else "NOT NULL")
    if "default" in e.options:
        claims.append(f"with the default {quoted(e.options['default'])}")
    if "db_default" in e.options:
        claims.append("with a default in the database itself (`db_default`)"
                      if e.options["db_default"] else "with no default in the database itself")
    text = (f"{source} give{'s' if in_models else ''} {app}'s {where}"
            + (" " + ", ".join(claims) if claims else ""))
    if field is None:
        if in_models:
            return text, False, f"{app}/models.py has no field {where}."
        return text, False, (f"no {app} migration file adds {where}." if described
                             else f"no {app} migration file creates {model}.")
    problems = []
    if "type" in e.options and field["type"] != e.options["type"]:
        problems.append(f"it is {article(field['type'])}")
    if "null" in e.options and field["null"] != e.options["null"]:
        problems.append("it allows NULL" if field["null"] else "it is NOT NULL")
    if "default" in e.options:
        if "default" not in field:
            problems.append("it has no default")
        elif not same_value(field["default"], e.options["default"]):
            problems.append(f"its default is {quoted(field['default'])}")
    if "db_default" in e.options and ("db_default" in field) != e.options["db_default"]:
        problems.append(f"it has `db_default={quoted(field['db_default'])}`"
                        if "db_default" in field else "it has no `db_default`")
    return text, not problems, (f"in {source}, {where}: " + "; ".join(problems)
                                + ".") if problems else ""


# --- the database itself ----------------------------------------------------------------------

LOST_FOR_GOOD = ("Whatever only that database held and was not put back is gone: in a real "
                 "project, every row written since the last backup.")


def _database_kept(e: Expectation, state: SandboxState, context: Context) -> Finding:
    text = f"{state.database_file} is the database this lesson started with"
    mark = context.start.database_mark if context.start else None
    if mark is None:  # the lesson started without a database (or an old sandbox): no mark
        return text, True, ""
    if not state.database_exists:
        return text, False, (f"there is no {state.database_file} any more: the database this "
                             f"lesson started with was {state.removed}. {LOST_FOR_GOOD}")
    if state.database_mark != mark:
        return text, False, (f"{state.database_file} is a new database, not the one this "
                             f"lesson started with: that one was deleted or replaced. "
                             f"{LOST_FOR_GOOD}")
    return text, True, ""


def _files_build_database(e: Expectation, state: SandboxState, context: Context) -> Finding:
    text = ("the migration files, applied to a new empty database, give the same schema and "
            "record as yours")
    built = state.fresh_build
    if built is None:
        return text, False, ("not checked yet: the tutor builds a new database from the files "
                             "once everything else of this step holds.")
    if not built.ok:
        where = f"applying {built.failed_migration} " if built.failed_migration else ""
        return text, False, (f"a new database cannot be built from the migration files: "
                             f"{where}fails with `{built.error}`.")
    local = {app for app in state.apps}
    yours = {m.key for m in state.migrations if m.applied and m.app in local}
    fresh = set(built.recorded)
    problems = []
    only_yours = sorted(yours - fresh)
    if only_yours:
        problems.append(f"your django_migrations records {listed(only_yours)}, which the files "
                        "do not give a new database")
    only_fresh = sorted(fresh - yours)
    if only_fresh:
        problems.append(f"a new database records {listed(only_fresh)}, yours does not")
    problems += _schema_differences(
        {t: c for t, c in state.tables.items() if t not in DJANGO_TABLES}, built.tables)
    if not problems:
        return text, True, ""
    return text, False, "built from the migration files, a new database differs from yours: " \
        + "; ".join(problems) + "."


def _reverses(e: Expectation, state: SandboxState, context: Context) -> Finding:
    """The migration's way back undoes its way there: applied and unapplied again on a new
    database holding a copy of the learner's rows (see the fresh build), every row is as it
    was. Judged from what the migration does, whatever road the learner's own rows took."""
    text = (f"{e.subject} can be undone: applied to a copy of your rows and unapplied again, "
            "it gives every row back as it was")
    built = state.fresh_build
    if built is None:
        return text, False, ("not checked yet: the tutor tries it on a copy of your rows once "
                             "everything else of this step holds.")
    trip = built.round_trips.get(e.subject)
    if trip is None:
        app, name = e.subject.split(".")
        found = state.migration(app, name)
        if found is None or not found.on_disk:
            return text, False, f"there is no file {app}/migrations/{name}.py to try."
        if found.applied:
            return text, False, ("it is applied: the tutor tries a migration's way back once it "
                                 "is unapplied, with every migration it depends on applied.")
        if not built.ok:
            return text, False, ("it could not be tried: a new database cannot be built from "
                                 f"the migration files (`{built.error}`).")
        return text, False, "it could not be tried: a migration it depends on is not applied."
    if trip["error"]:
        return text, False, f"applied and then unapplied, it failed with `{trip['error']}`."
    if not trip.get("changes", ["(not told)"]):
        return text, False, ("applied to a copy of your rows, it changes none of them: its way "
                             "there does nothing, so there is nothing for a way back to undo (an "
                             "emptied `operations` list, or a function that does nothing).")
    changes = list(trip["differences"])
    if changes:
        shown = "; ".join(changes[:4]) + (f"; and {len(changes) - 4} more" if len(changes) > 4
                                          else "")
        return text, False, f"applied and then unapplied, it left the rows changed: {shown}."
    return text, True, ""


def _schema_differences(yours: dict, fresh: dict) -> list[str]:
    problems = []
    for table in sorted(yours.keys() - fresh.keys()):
        problems.append(f"table {table} is in yours, not in a new one")
    for table in sorted(fresh.keys() - yours.keys()):
        problems.append(f"table {table} is in a new one, not in yours")
    for table in sorted(yours.keys() & fresh.keys()):
        mine = {c.name: c for c in yours[table]}
        theirs = {c.name: c for c in fresh[table]}
        for name in sorted(mine.keys() - theirs.keys()):
            problems.append(f"column {table}.{name} is in yours, not in a new one")
        for name in sorted(theirs.keys() - mine.keys()):
            problems.append(f"column {table}.{name} is in a new one, not in yours")
        for name in sorted(mine.keys() & theirs.keys()):
            a, b = mine[name], theirs[name]
            if a.null != b.null:
                problems.append(f"column {table}.{name} {null_words(a.null)} in yours, "
                                f"{null_words(b.null)} in a new one")
            elif a.type.lower() != b.type.lower():
                problems.append(f"column {table}.{name} is {a.type} in yours, {b.type} in a "
                                "new one")
    return problems


JUDGES = {
    "column": _column,
    "table": _table,
    "field": _field,
    "schema_matches_record": _schema_matches_record,
    "database_kept": _database_kept,
    "files_build_database": _files_build_database,
    "reverses": _reverses,
}
