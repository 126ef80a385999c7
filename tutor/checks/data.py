"""The judges of the data: rows kept (as at the start, or as a backup holds them), a column's
values, and a backup `dumpdata` wrote that holds every row it must, by key and value.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..course.model import Expectation
from ..course.resources import is_within
from ..markup import listed
from ..state import SandboxState
from .outcome import Context, Finding
from .words import no_table, plural, row_label, shown_value, summarised


def _rows(e: Expectation, state: SandboxState, context: Context) -> Finding:
    table = e.subject
    count = e.options.get("count")
    source = e.options.get("same_as")
    claims = []
    if count is not None:
        claims.append(f"has {plural(count, 'row')}")
    compared = [c for c in e.options.get("columns") or [] if c != "id"]
    values = f"the same id and {listed(compared)}" if compared else "the same id and values"
    if source == "start":
        claims.append(f"keeps every row it had when the lesson started, with {values}")
    elif source:
        claims.append(f"holds every row of {source}, with {values}")
    text = f"table {table} " + " and ".join(claims)
    if table not in state.row_counts:
        return text, False, no_table(state, table)
    problems = []
    if count is not None and state.row_counts[table] != count:
        problems.append(f"it has {plural(state.row_counts[table], 'row')}.")
    if source:
        wanted, trouble = _rows_wanted(source, table, state, context)
        if trouble:
            problems.append(trouble)
        else:
            problems += _row_differences(wanted, state.rows.get(table, []),
                                         e.options.get("columns"))
    return text, not problems, " ".join(problems)


def _rows_wanted(source: str, table: str, state: SandboxState,
                 context: Context) -> tuple[list[dict], str]:
    """The rows the table must still hold: those of the lesson's start, or those of a
    `dumpdata` file in the sandbox (each object's pk and fields, as columns)."""
    if source == "start":
        if context.start is None:
            return [], "the tutor does not know this lesson's starting rows: `tutor reset`."
        return context.start.rows.get(table, []), ""
    backup, trouble = _backup_objects(source, context)
    if trouble:
        return [], trouble
    objects = backup.objects
    found = state.model_of_table(table)
    if found is None:
        return [], f"{source} holds no rows of {table}."
    label, model = found
    columns = {name: field["column"] for name, field in model["fields"].items()}
    pk = _pk_column(model)
    rows = []
    for item in objects:
        if item.model == label:
            row = {pk: item.pk}
            for name, value in item.fields.items():
                row[columns.get(name, name)] = value
            rows.append(row)
    if not rows:
        return [], f"{source} holds no rows of {table}."
    return rows, ""


def _backup_objects(source: str, context: Context):
    """The objects of a backup file in the sandbox, or why there are none to read."""
    from ..backups import BackupUnreadable, read_backup

    path = context.sandbox / source
    if not is_within(path, context.sandbox):
        return None, f"{source} is outside the sandbox: the tutor reads no file there."
    if not path.exists():
        return None, f"there is no file {source}."
    try:
        return read_backup(path), ""
    except BackupUnreadable as problem:
        return None, f"{source} is not a backup `dumpdata` writes: {problem.reason}."


def _backup(e: Expectation, state: SandboxState, context: Context) -> Finding:
    """The backup holds every row the tables had when the step began, by primary key and
    value (each column of the model's, as its field is named in the file)."""
    tables = list(e.options["tables"])
    of_start = e.option("of") == "start"
    when = "at the lesson's start" if of_start else "when this step began"
    text = f"{e.subject} holds every row of {listed(tables)} as it was {when}, by id and value"
    began = context.start if of_start else context.step_start
    if began is None:
        return text, False, f"the tutor does not know the rows {when}: `tutor reset`."
    backup, trouble = _backup_objects(e.subject, context)
    if trouble:
        return text, False, trouble
    unloadable = backup.loadable_as(Path(e.subject).name)
    if unloadable:  # a backup is one that can be loaded back
        return text, False, unloadable[0].upper() + unloadable[1:] + "."
    objects = backup.objects
    problems = []
    for table in tables:
        found = began.model_of_table(table) or state.model_of_table(table)
        rows = began.rows.get(table, [])
        if found is None:
            if rows:
                problems.append(f"no migration file describes {table}'s model")
            continue
        label, model = found
        problems += _backup_differences(table, label, model, rows, objects)
    if not problems:
        return text, True, ""
    return text, False, summarised(problems)


def _backup_differences(table: str, label: str, model: dict, rows: list[dict],
                        objects: list) -> list[str]:
    pk = _pk_column(model)
    fields = {field["column"]: name for name, field in model["fields"].items()
              if field["column"] != pk}
    saved = {str(item.pk): item for item in objects if item.model == label}
    missing = [row for row in rows if str(row.get(pk)) not in saved]
    problems = []
    # It holds the table, and nothing loaddata could not write back into it.
    had = {str(row.get(pk)) for row in rows}
    made_up = [key for key in saved if key not in had]
    if made_up:
        problems.append(f"it holds {'a row' if len(made_up) == 1 else 'rows'} of {table} with "
                        f"{pk} {listed(made_up)}, which {table} did not have")
    for key, item in saved.items():
        unknown = sorted(set(item.fields) - set(model["fields"]))
        if unknown:
            problems.append(f"its row with {pk} {key} has {listed(unknown)}, which "
                            f"{label} does not have: `loaddata` would refuse it")
    if missing:
        labels = [row_label(pk, row) for row in missing]
        problems.append(f"it lacks {'the row' if len(missing) == 1 else 'the rows'} of "
                        f"{table} with {listed(labels)}")
    for row in rows:
        item = saved.get(str(row.get(pk)))
        if item is None:
            continue
        for column, value in row.items():
            name = fields.get(column)
            if name is None:
                continue  # the primary key, or a column no field of the model names
            if name not in item.fields:
                problems.append(f"its row with {row_label(pk, row)} has no {name}")
            elif not same_value(item.fields[name], value):
                problems.append(f"its row with {row_label(pk, row)} has {name} "
                                f"{shown_value(item.fields[name])} ({table} had "
                                f"{shown_value(value)})")
    return problems


def _pk_column(model: dict) -> str:
    return "id" if "id" in model["fields"] else next(iter(model["fields"].values()))["column"]


def _row_differences(wanted: list[dict], rows: list[dict],
                     columns: list[str] | None) -> list[str]:
    if not wanted:
        return []
    key = "id" if "id" in wanted[0] else next(iter(wanted[0]))
    now = {row.get(key): row for row in rows}
    problems = []
    for row in wanted:
        label = row_label(key, row)
        current = now.get(row.get(key))
        if current is None:
            problems.append(f"the row with {label} is gone")
            continue
        for column in columns or [c for c in row if c != key]:
            if column not in current:
                if columns:
                    problems.append(f"the row with {label} has no column {column} any more")
                continue
            if column in row and not same_value(current[column], row[column]):
                problems.append(f"in the row with {label}, {column} is "
                                f"{shown_value(current[column])} (it was "
                                f"{shown_value(row[column])})")
    return [summarised(problems)] if problems else []


def _values(e: Expectation, state: SandboxState, context: Context) -> Finding:
    table, column = e.subject.split(".")
    want = e.options.get("equal", [])
    text = f"{e.subject} holds {', '.join(map(str, want))} (in row order)"
    if table not in state.rows:
        return text, False, no_table(state, table)
    rows = state.rows[table]
    if rows and column not in rows[0]:
        return text, False, f"{table} has no column {column}."
    if not rows and want:
        return text, False, f"{table} has no rows."
    found = [row[column] for row in rows]
    if len(found) == len(want) and all(map(same_value, found, want)):
        return text, True, ""
    return text, False, f"it holds {', '.join(map(shown_value, found)) or 'no rows'}."


def same_value(found, want) -> bool:
    """Numbers compare as decimals (SQLite returns 12 for a stored 12.00, dumpdata writes
    "12.00"); the rest exactly."""
    if isinstance(want, bool) or isinstance(found, bool):
        return found == want
    if isinstance(want, (int, float, Decimal)) or isinstance(found, (int, float, Decimal)):
        try:
            return Decimal(str(found)) == Decimal(str(want))
        except (InvalidOperation, ValueError):
            return False
    return found == want


JUDGES = {
    "rows": _rows,
    "values": _values,
    "backup": _backup,
}
