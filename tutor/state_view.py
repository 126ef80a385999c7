"""The sandbox's live state as `tutor status` and the session show it: rich renderables
(tables and lines) built from a `SandboxState`, nothing decided.

Every name and value in it was read from the sandbox: put in a table as `literal`, in a
`Text` through `visible` (see ui.py). rich is imported when a state is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import plain
from .markup import listed, literal, printable, visible

if TYPE_CHECKING:
    from .state import ReleaseRun, SandboxState

FOCUS_APP = "store"
FOCUS_TABLE = "store_product"


def state_view(state: SandboxState):
    """The live state: each app's migrations (file, record), the columns of store_product, the
    other tables of the learner's apps, and the git branch when the sandbox has one."""
    from rich.console import Group
    from rich.text import Text

    others = list(state.databases.items())  # a lesson's teammate, staging, production...
    parts = _migration_tables(state, others)
    graph = _graph_view(state)
    if graph is not None:
        parts.append(graph)
    parts.append(_focus_table(state))
    parts.extend(_state_lines(state))
    for name, other in others:
        parts.append(_other_database_view(name, other))
    for run in state.releases.values():
        parts.append(_release_view(run))
    if state.git_branch:
        parts.append(Text(visible(f"git: on branch {state.git_branch}")))
    return Group(*parts)


def _migration_tables(state: SandboxState, others: list) -> list:
    """A table per app: each migration, whether its file is there, and where it is applied
    (the sandbox's database, and each of the lesson's other databases)."""
    from rich.table import Table

    parts = []
    every = [state, *(other for _, other in others)]
    apps = sorted({app for each in every for app in each.apps},
                  key=lambda app: (app != FOCUS_APP, app)) or [FOCUS_APP]
    for app in apps:
        names = sorted({m.name for each in every for m in each.app_migrations(app)})
        title = literal(f"{app} migrations") + (", applied on each database" if others
                                                 else "")
        migrations = Table(title=title, title_justify="left", expand=False)
        # A migration's name is what the learner types: never cut, whatever else must give.
        migrations.add_column("migration", no_wrap=True,
                              min_width=max((len(printable(n)) for n in names), default=9))
        migrations.add_column("file")
        migrations.add_column("applied" if not others else literal(state.database))
        for name, _ in others:
            migrations.add_column(literal(name))
        # Plain mode says it in words: "[X]" and "[ ]" are read out as brackets.
        applied, not_applied = ("yes", "no") if plain.on() else ("[green][X][/green]", "[ ]")
        for name in names:
            on_disk = any(m.on_disk for each in every for m in each.app_migrations(app)
                          if m.name == name)
            marks = []
            for each in every:
                migration = each.migration(app, name)
                marks.append(applied if migration and migration.applied else not_applied)
            migrations.add_row(literal(name), "yes" if on_disk else "[red]missing[/red]",
                               *marks)
        if not names:
            migrations.add_row("(none)", "", "", *("" for _ in others))
        parts.append(migrations)
    return parts


def _graph_view(state: SandboxState):
    """The migration graph (`tutor graph`), where it says more than the tables: branches, a
    merge, a squash, another app, a record with no file."""
    from rich.text import Text

    from .graph import MigrationGraph

    graph = MigrationGraph.of(state)
    if not graph.worth_drawing():
        return None
    lines = ["The migration graph (`tutor graph`), in the order `migrate` applies it:"]
    lines += [f"  {line}".rstrip() for line in graph.lines()]
    # (A row longer than the terminal wraps: cut, it would lose where it is applied.)
    return Text(visible("\n".join(lines)))


def _focus_table(state: SandboxState):
    """The columns of store_product, the table every lesson works on (or why it is not)."""
    from rich.table import Table
    from rich.text import Text

    columns = state.columns(FOCUS_TABLE)
    if columns is None:
        reason = "" if state.database_exists else f": {state.no_database()}"
        return Text(visible(f"Table {FOCUS_TABLE} does not exist{reason}."), style="yellow")
    table = Table(title=f"{FOCUS_TABLE} columns ({_rows(state, FOCUS_TABLE)})",
                  title_justify="left")
    table.add_column("column")
    table.add_column("type")
    table.add_column("null")
    for column in columns:
        table.add_row(literal(column.name), literal(column.type),
                      "NULL" if column.null else "NOT NULL")
    return table


def _state_lines(state: SandboxState) -> list:
    """A line for each other table, and for what is amiss: changes makemigrations would
    write, orphan records, and where the record and the schema disagree."""
    from rich.text import Text

    parts = []
    for name in sorted(state.row_counts):
        if name != FOCUS_TABLE:
            names = ", ".join(c.name for c in state.columns(name) or [])
            parts.append(Text(visible(f"Table {name} ({_rows(state, name)}): {names}")))
    for app, pending in state.pending_changes.items():
        if pending:
            which = "" if app == FOCUS_APP else f" for {app}"
            parts.append(Text(visible(f"makemigrations would write{which}: "
                                      + "; ".join(pending)), style="yellow"))
    orphans = state.orphans()
    if orphans:
        names = ", ".join(m.key for m in orphans)
        parts.append(Text(visible(f"Applied but no file (orphan rows): {names}"), style="red"))
    for app, drift in state.schema_drift.items():
        if drift:  # the record says one thing, the database another: `--fake`, a lost row...
            parts.append(Text(visible(f"Record and schema disagree ({app}): "
                                      + "; ".join(drift)), style="red"))
    return parts


def _other_database_view(name: str, state: SandboxState):
    """One of the lesson's other databases in a few lines: its tables and rows, its orphan
    records and where its record and schema disagree."""
    from rich.text import Text

    if not state.database_exists:
        return Text(visible(f"Database {name}: {state.no_database()}."), style="yellow")
    tables = [f"{table} ({_rows(state, table)}: "
              + ", ".join(c.name for c in state.columns(table) or []) + ")"
              for table in sorted(state.row_counts)]
    lines = [f"Database {name}: " + ("; ".join(tables) if tables else "no tables of yours")]
    style = ""
    orphans = state.orphans()
    if orphans:
        lines.append("  applied there but no file (orphan rows): "
                     + ", ".join(m.key for m in orphans))
        style = "red"
    for app, drift in state.schema_drift.items():
        if drift:
            lines.append(f"  record and schema disagree there ({app}): " + "; ".join(drift))
            style = "red"
    return Text(visible("\n".join(lines)), style=style)


def _release_view(run: ReleaseRun):
    from rich.text import Text

    from .checks import release_failures, release_name

    name = release_name(run)
    name = name[0].upper() + name[1:]
    if run.works:
        return Text(visible(f"{name} on {run.database}: works (it {listed(list(run.does))})"))
    return Text(visible(f"{name} on {run.database}: fails; " + "; ".join(release_failures(run))),
                style="red")


def _rows(state: SandboxState, table: str) -> str:
    count = state.row_counts.get(table, 0)
    return f"{count} row{'s' if count != 1 else ''}"


