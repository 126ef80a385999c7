"""What changed between two readings of a sandbox, in the words a learner would use."""

from __future__ import annotations

from .state import DETACHED, Migration, SandboxState


def describe_changes(before: SandboxState, after: SandboxState) -> list[str]:
    lines = [*_migration_changes(before, after), *_schema_changes(before, after),
             *_row_changes(before, after), *_git_changes(before, after),
             *_release_changes(before, after)]
    # The lesson's other databases: their records, schema and rows (the files are shared,
    # and told once above).
    for name in sorted(before.databases.keys() | after.databases.keys()):
        was, now = before.databases.get(name), after.databases.get(name)
        if was is None or now is None:
            lines.append(f"database {name}: {'added' if was is None else 'gone'}")
            continue
        lines += [f"on {name}: {line}" for line in
                  [*_record_changes(was, now), *_schema_changes(was, now),
                   *_row_changes(was, now)]]
    return lines


def _git_changes(before: SandboxState, after: SandboxState) -> list[str]:
    """A branch switched to (and the commit it is at), or the commit the same branch is at
    now (a commit, a reset, a merge: the state tells where HEAD is, not how it got there)."""
    def detached(state: SandboxState) -> bool:
        return state.git_branch == DETACHED

    old_commit, new_commit = (state.git_head.split(" ", 1)[0]
                              for state in (before, after))
    if not after.git_branch:
        return []
    if before.git_branch and before.git_branch != after.git_branch:
        at = f", at {after.git_head}" if after.git_head else ""
        now = "HEAD detached" if detached(after) else f"on branch {after.git_branch}"
        was = "HEAD detached" if detached(before) else f"on {before.git_branch}"
        return [f"git: {now}{at} (was {was})"]
    if new_commit and old_commit != new_commit:
        where = "HEAD detached" if detached(after) else after.git_branch
        return [f"git: {where} at {after.git_head} (was {old_commit or 'no commit'})"]
    return []


def _release_changes(before: SandboxState, after: SandboxState) -> list[str]:
    """A release that broke, with Django's first error, or works again, between two readings
    that both ran it. The lesson's start is read without its releases: a release is first
    seen at a check (where the check says whether it works), and changes from there."""
    lines = []
    for name in sorted(before.releases.keys() & after.releases.keys()):
        was, now = before.releases[name], after.releases[name]
        if was.works and not now.works:
            action, error = now.failures[0]
            why = f"{action}: {error.strip().splitlines()[0][:200]}" if error.strip() else action
            lines.append(f"release {name}: broke ({why})")
        elif now.works and not was.works:
            lines.append(f"release {name}: works again")
    return lines


def _record_changes(before: SandboxState, after: SandboxState) -> list[str]:
    """Migrations applied or unapplied on a database, whatever became of their files."""
    old = {m.key for m in before.migrations if m.applied}
    new = {m.key for m in after.migrations if m.applied}
    word = {True: "applied", False: "not applied"}
    return [f"{key}: {word[key in old]} -> {word[key in new]}" for key in sorted(old ^ new)]


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
        if was.on_disk and now.on_disk:
            lines.extend(_operation_changes(key, was, now))
    return lines


def _operation_changes(key: str, was: Migration, now: Migration) -> list[str]:
    """An edited migration file: operations added or removed, or one whose definition
    changed under the same description (a `WHERE` clause, a reverse function)."""
    if was.operations == now.operations:
        changed = [op for op, a, b in zip(now.operations, was.operation_digests,
                                          now.operation_digests) if a != b]
        return [f"{key}: operation changed: {op}" for op in changed]
    if not now.operations:
        return [f"{key}: its operations were emptied (was: {'; '.join(was.operations)})"]
    return [f"{key}: operations now {'; '.join(now.operations)} "
            f"(was: {'; '.join(was.operations) or 'none'})"]


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


# A burst of changed values (loaddata of a whole fixture) is told in a few lines, not dozens.
VALUE_CHANGES_SHOWN = 6


def _value_changes(table: str, before: list[dict], after: list[dict]) -> list[str]:
    """Rows whose values changed, matched by their first column (the primary key); a column
    added or dropped is told by the schema changes, not here."""
    if not before or not after:
        return []
    key = next(iter(before[0]))
    old = {row.get(key): row for row in before}
    lines = []
    for row in after:
        was = old.get(row.get(key))
        if was is None:
            continue
        for column, value in row.items():
            if column in was and was[column] != value:
                lines.append(f"{table} row {key}={row.get(key)}: {column} {_shown(was[column])}"
                             f" -> {_shown(value)}")
    if len(lines) > VALUE_CHANGES_SHOWN:
        hidden = len(lines) - VALUE_CHANGES_SHOWN + 1
        lines = lines[:VALUE_CHANGES_SHOWN - 1] + [f"{table}: and {hidden} more values changed"]
    return lines


def _shown(value) -> str:
    return "NULL" if value is None else repr(value) if isinstance(value, str) else str(value)


def _null_word(null: bool) -> str:
    return "allows NULL" if null else "NOT NULL"


def _row_changes(before: SandboxState, after: SandboxState) -> list[str]:
    lines = []
    for table, count in sorted(after.row_counts.items()):
        old = before.row_counts.get(table)
        if old is not None and old != count:
            lines.append(f"table {table}: {old} -> {count} {'row' if count == 1 else 'rows'}")
        if table in before.rows and table in after.rows:
            lines.extend(_value_changes(table, before.rows[table], after.rows[table]))
    if before.database_exists and not after.database_exists:
        kind = "database file" if before.database_vendor == "sqlite" else "database"
        lines.append(f"{kind} {before.database_file}: {before.removed}")
    return lines
