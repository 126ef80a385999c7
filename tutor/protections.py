"""What every step holds unless it says otherwise: the judge denies by default.

A step's expectations say what its goal is; the protections say what no step may lose on the
way, on every database of the sandbox, compared with the state the learner's step began in:

- each database that was there is still the same database (not deleted, not made again);
- each app's schema matches its record there, and no applied migration lacks its file;
- each app's migration graph has one leaf (two leaves, and `migrate` refuses to run);
- every row that was there is still there, with the same primary key and the same value in
  every column that still exists;
- the release running at the step works.

A step lifts a protection only by declaring it (`[[steps.allow]]`), as narrowly as its goal
says ("prices of store_product change", "discount may go on teammate"). Where the step's own
expectations (or the lesson's invariants) already judge the same thing, their words stand and
the protection stays silent. This is plain logic of two states, tested in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from .checks import (release_failures, release_name, row_label, same_value, shown_value,
                     summarised)
from .lessons import Allowance, Expectation
from .markup import listed
from .state import SandboxState


@dataclass(frozen=True)
class Baseline:
    """The state the learner's current step began in, and that step's index: a check that
    passes several steps at once compares each with it, with the allowances of every step
    from that one on."""

    state: SandboxState
    first: int


@dataclass(frozen=True)
class Breach:
    """A protection the state breaks: what it claims, and what the state shows instead."""

    text: str
    detail: str


@dataclass(frozen=True)
class Guarded:
    breaches: list[Breach] = field(default_factory=list)
    # The allowances that excused something the state shows: one never used by the
    # reference solution is reported by `lint-lessons --solve`.
    excused: frozenset[Allowance] = frozenset()


class _Allowed:
    """The allowances in force, asked one question at a time; remembers which it used."""

    def __init__(self, allowances: Iterable[Allowance]):
        self.allowances = list(allowances)
        self.used: set[Allowance] = set()

    def _first(self, kind: str, subject: Any, database: str | None = None):
        for allowance in self.allowances:
            if allowance.kind == kind and allowance.subject == subject and (
                    database is None or allowance.database == database):
                return allowance
        return None

    def permits(self, kind: str, subject: Any, database: str | None = None) -> bool:
        allowance = self._first(kind, subject, database)
        if allowance is not None:
            self.used.add(allowance)
        return allowance is not None

    def permits_row_change(self, table: str, database: str, key: Any,
                           column: str | None) -> bool:
        """A row of the table may change in `column` (None: the row may go)."""
        for allowance in self.allowances:
            if allowance.kind != "rows" or allowance.subject != table \
                    or allowance.database != database:
                continue
            if allowance.ids and not any(_same_key(key, i) for i in allowance.ids):
                continue
            if allowance.columns and (column is None or column not in allowance.columns):
                continue
            self.used.add(allowance)
            return True
        return False


def judged_elsewhere(expectations: Iterable[Expectation],
                     unmet: Iterable[Expectation] = ()) -> set[tuple]:
    """What the step's own expectations (and invariants) already judge, as the protections
    name it: their words stand, and the protection says nothing of it. `unmet`: those that
    do not hold, whose rows (a table's, or a column's values) are said already."""
    said = set()
    for e in unmet:
        if e.kind == "rows":
            said.add(("rows", e.subject, e.database))
        elif e.kind == "values":
            table, column = e.subject.split(".")
            said.add(("values", table, column, e.database))
    for e in expectations:
        said.add(("database", e.database))
        if e.kind == "database_kept":
            said.add(("database_kept", e.database))
        elif e.kind in ("schema_matches_record", "no_orphans"):
            said.add((e.kind, e.subject, e.database))
        elif e.kind == "release_works":
            said.add(("release_works", e.subject))
    return said


def protect(baseline: SandboxState, state: SandboxState, allowances: Iterable[Allowance],
            releases: Iterable[str] = (), judged: set[tuple] = frozenset()) -> Guarded:
    """The protections `state` breaks, compared with `baseline` (the state the step began in),
    less what `allowances` permit and what `judged` says the step judges itself. `releases`:
    the releases running at the step (their runs are in `state.releases`)."""
    allowed = _Allowed(allowances)
    breaches: list[Breach] = []
    names = [baseline.database, *baseline.databases]
    names += [name for name in [state.database, *state.databases] if name not in names]
    for name in names:
        breaches += _database(name, baseline.on(name), state.on(name), allowed, judged,
                              main=name == state.database)
    for app, leaves in sorted(state.conflicts.items()):  # the files: one graph for all
        if len(leaves) > 1 and not allowed.permits("conflicts", app):
            breaches.append(Breach(
                f"{app}'s migrations form one line (one leaf migration)",
                f"{listed(leaves)} are both leaves of {app}'s migration graph, so `migrate` "
                "refuses to run (`Conflicting migrations detected`): one must depend on the "
                "other, or a merge migration join them."))
    for release in releases:
        run = state.releases.get(release)
        if run is None or run.works or ("release_works", release) in judged \
                or allowed.permits("broken_release", release):
            continue
        failures = "; ".join(release_failures(run))
        breaches.append(Breach(f"{release_name(run)} works on {run.database}",
                               failures[:1].upper() + failures[1:] + "."))
    return Guarded(breaches, frozenset(allowed.used))


def _database(name: str, before: SandboxState | None, now: SandboxState | None,
              allowed: _Allowed, judged: set[tuple], main: bool) -> list[Breach]:
    on = "" if main else f"on {name}: "
    if now is None:
        if before is None or not before.database_exists or ("database", name) in judged \
                or allowed.permits("new_database", True, name):
            return []  # (an expectation about it says that the settings lost it)
        return [Breach(f"{on}the sandbox still has the database {name}",
                       f"settings.DATABASES no longer names {name!r}.")]
    breaches = []
    kept = _kept(before, now)
    if kept and not allowed.permits("new_database", True, name):
        # A database made again is compared no further: each of its rows would be "gone".
        if ("database_kept", name) in judged:
            return []
        return [Breach(f"{on}{now.database_file} is the database this step began with", kept)]
    for app, lines in sorted(now.schema_drift.items()):
        if lines and ("schema_matches_record", app, name) not in judged \
                and not allowed.permits("drift", app, name):
            breaches.append(Breach(f"{on}{app}'s tables match what its applied migrations say",
                                   "; ".join(lines) + "."))
    for app in now.apps:
        orphans = [m.name for m in now.orphans(app)]
        if orphans and ("no_orphans", app, name) not in judged \
                and not allowed.permits("orphans", app, name):
            breaches.append(Breach(
                f"{on}every applied {app} migration still has its file",
                f"django_migrations records {listed(orphans)} as applied, but "
                + ("its file is gone." if len(orphans) == 1 else "their files are gone.")))
    if before is not None and before.database_exists:
        for table, rows in sorted(before.rows.items()):
            if ("rows", table, name) in judged:
                continue
            said = {key[2] for key in judged if key[0] == "values" and key[1] == table
                    and key[3] == name}
            differences = _row_changes(table, rows, now, name, allowed, said)
            if differences:
                breaches.append(Breach(
                    f"{on}every row {table} had when this step began is still there, with "
                    "the same values", summarised(differences)))
    return breaches


def _kept(before: SandboxState | None, now: SandboxState) -> str:
    """Why `now` is not the database `before` was ("" when it is, or nothing can tell)."""
    if before is None or not before.database_exists or before.database_mark is None:
        return ""
    if not now.database_exists:
        return (f"{now.database_file} is gone: it was {now.removed}, and whatever only it "
                "held with it.")
    if now.database_mark != before.database_mark:
        return (f"{now.database_file} is a new database: the one this step began with was "
                "deleted or replaced, and whatever only it held with it.")
    return ""


def _row_changes(table: str, rows: list[dict], now: SandboxState, database: str,
                 allowed: _Allowed, said: set[str] = frozenset()) -> list[str]:
    """How the table's rows differ from `rows` (those it had), less what is allowed (and the
    columns whose values the step says wrong itself): rows gone and values changed in columns
    that still exist. Rows added are no loss."""
    if not rows:
        return []
    key = _key_column(rows[0])
    read = now.rows.get(table, [])
    current = {_key(row.get(key)): row for row in read}
    # The state holds the first rows of a big table, by its first column: a row past the
    # last one read is not known to be gone. (A table that is gone took its rows with it.)
    sorted_by_key = bool(read and read[0]) and next(iter(read[0])) == key
    last_read = _order(read[-1].get(key)) \
        if sorted_by_key and now.row_counts.get(table, 0) > len(read) else None
    changes = []
    for row in rows:
        found = current.get(_key(row.get(key)))
        label = row_label(key, row)
        if found is None:
            if last_read is not None and _order(row.get(key)) > last_read:
                continue
            if not allowed.permits_row_change(table, database, row.get(key), None):
                changes.append(f"the row with {label} is gone")
            continue
        for column, value in row.items():
            if column == key or column not in found or column in said \
                    or same_value(found[column], value):
                continue
            if not allowed.permits_row_change(table, database, row.get(key), column):
                changes.append(f"in the row with {label}, {column} is "
                               f"{shown_value(found[column])} (it was {shown_value(value)})")
    return changes


def _key_column(row: dict) -> str:
    return "id" if "id" in row else next(iter(row))


def _key(value: Any) -> str:
    return str(value)


def _order(value: Any) -> tuple:
    """A key's place in the table's order: numbers by value, before any text."""
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def _same_key(value: Any, declared: Any) -> bool:
    return str(value) == str(declared)

