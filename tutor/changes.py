"""What changed between two readings of a sandbox, in the words a learner would use."""

from __future__ import annotations

from .state import Migration, SandboxState


def describe_changes(before: SandboxState, after: SandboxState) -> list[str]:
    return [*_migration_changes(before, after), *_schema_changes(before, after),
            *_row_changes(before, after)]


def _migration_changes(before: SandboxState, after: SandboxState) -> list[str]:
    old = {m.key: m for m in before.migrations}
    new = {m.key: m for m in after.migrations}
    lines = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        if was == now:
            continue
        if was is None or not was.on_disk and not was.applied:
            lines.append(f"{key}: new file ({_applied_word(now)})")
            continue
        if now is None or not now.on_disk and not now.applied:
            lines.append(f"{key}: file deleted")
            continue
        if was.applied != now.applied:
            lines.append(f"{key}: {_applied_word(was)} -> {_applied_word(now)}")
        if was.on_disk != now.on_disk:
            lines.append(f"{key}: file {'created' if now.on_disk else 'deleted'}"
                         + ("; still recorded as applied (orphan row)"
                            if now.applied and not now.on_disk else ""))
        if was.on_disk and now.on_disk and was.depends_on != now.depends_on:
            lines.append(f"{key}: now depends on {', '.join(now.depends_on) or 'nothing'}"
                         f" (was {', '.join(was.depends_on) or 'nothing'})")
    return lines


def _applied_word(migration: Migration) -> str:
    return "applied" if migration.applied else "not applied"


def _schema_changes(before: SandboxState, after: SandboxState) -> list[str]:
    lines = []
    for table in sorted(before.tables.keys() | after.tables.keys()):
        if table not in after.tables:
            lines.append(f"table {table}: dropped")
            continue
        if table not in before.tables:
            lines.append(f"table {table}: created")
            continue
        old = {c.name: c for c in before.tables[table]}
        new = {c.name: c for c in after.tables[table]}
        for name in sorted(old.keys() | new.keys()):
            was, now = old.get(name), new.get(name)
            if was is None:
                lines.append(f"column {table}.{name}: added ({_null_word(now.null)})")
            elif now is None:
                lines.append(f"column {table}.{name}: dropped")
            else:
                if was.null != now.null:
                    lines.append(f"column {table}.{name}: {_null_word(was.null)} -> "
                                 f"{_null_word(now.null)}")
                if was.type != now.type:
                    lines.append(f"column {table}.{name}: type {was.type} -> {now.type}")
    return lines


def _null_word(null: bool) -> str:
    return "allows NULL" if null else "NOT NULL"


def _row_changes(before: SandboxState, after: SandboxState) -> list[str]:
    lines = []
    for table, count in sorted(after.row_counts.items()):
        old = before.row_counts.get(table)
        if old is not None and old != count:
            lines.append(f"table {table}: {old} -> {count} rows")
    if before.database_exists and not after.database_exists:
        lines.append("database file db.sqlite3: deleted")
    return lines
