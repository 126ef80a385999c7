"""The fresh build: the learner's migration files, run once more on a new, empty database,
up to the migrations the learner's database records, in a child process of its own (fork
before Django is set up, so that the child sets Django up with its own empty database). It
says what that gives: the tables, the record, the migration that failed, and whether each
next migration's way back gives the learner's rows back as they were.

The learner's database is only read (its record and a copy of its rows), never written.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..state import DJANGO_TABLES, FreshBuild
from .read import database_found, local_apps
from .schema import ROWS_READ_PER_TABLE, read_rows, read_tables


class FreshBuildProcess:
    """A fresh build running in a child process. Fork before Django is set up, so that the
    child sets Django up with its own, empty database; where there is no fork, a new Python."""

    def __init__(self, sandbox: Path):
        self.pid = self.process = None
        if hasattr(os, "fork"):
            read_end, write_end = os.pipe()
            self.pid = os.fork()
            if self.pid == 0:
                os.close(read_end)
                _silence_output()
                try:
                    answer = json.dumps(fresh_build(sandbox).to_json())
                except BaseException as error:  # noqa: BLE001
                    answer = json.dumps(FreshBuild(False, error=f"{type(error).__name__}: "
                                                                f"{error}").to_json())
                with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                    pipe.write(answer)
                os._exit(0)
            os.close(write_end)
            self.pipe = os.fdopen(read_end, encoding="utf-8")
        else:
            import subprocess

            self.process = subprocess.Popen(
                [sys.executable, "-P", "-m", "tutor.probe", "--fresh-build-only", str(sandbox)],
                cwd=sandbox, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL, text=True, encoding="utf-8")
            self.pipe = self.process.stdout

    def result(self) -> FreshBuild:
        with self.pipe:
            answer = self.pipe.read()
        if self.pid is not None:
            os.waitpid(self.pid, 0)
        else:
            self.process.wait()
        try:
            return FreshBuild.from_json(json.loads(answer.strip().splitlines()[-1]))
        except (ValueError, IndexError, KeyError):
            return FreshBuild(False, error="the fresh build stopped without an answer")


def _silence_output() -> None:
    """A learner's migration may print: nothing of it may reach the tutor's output."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


FRESH_ALIAS, LEARNER_ALIAS = "default", "tutor_learner"


def fresh_build(sandbox: Path) -> FreshBuild:
    """Apply the migration files to a new, empty in-memory database, up to the migrations the
    learner's database records, and say what that gives: the tables, the record, or the
    migration that failed. The learner's database is only read (its record), never written:
    the empty database is Django's `default` here, so a data migration that ignores
    `schema_editor.connection.alias` writes to it, not to the learner's."""
    from django.conf import settings

    learner = dict(settings.DATABASES["default"])
    scratch = None
    if "sqlite" in learner["ENGINE"]:
        empty = ":memory:"
    else:  # on a server: a scratch database of the tutor's own, dropped once read
        from ..server_databases import OwnedDatabases

        scratch = OwnedDatabases.of_sandbox(learner)
        empty = scratch.name("fresh")
        scratch.create(empty, 1)
    settings.DATABASES = {FRESH_ALIAS: {**learner, "NAME": empty}, LEARNER_ALIAS: learner}
    try:
        return _fresh_build_into(sandbox, learner)
    finally:
        if scratch is not None:
            from django.db import connections

            connections.close_all()
            scratch.drop(empty)


def _fresh_build_into(sandbox: Path, learner: dict) -> FreshBuild:
    import django

    django.setup()
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.recorder import MigrationRecorder

    apps = local_apps(sandbox)
    recorded = set()
    if database_found(connections[LEARNER_ALIAS], Path(str(learner["NAME"]))):
        recorder = MigrationRecorder(connections[LEARNER_ALIAS])
        if recorder.has_table():
            recorded = {key for key in recorder.applied_migrations() if key[0] in apps}
    running = []
    executor = MigrationExecutor(
        connections[FRESH_ALIAS],
        progress_callback=lambda action, migration=None, fake=False: (
            running.append(migration) if action == "apply_start" else None))
    loader = executor.loader
    graph = loader.graph
    targets = set()
    for key in recorded:
        if key in graph.nodes:
            targets.add(key)
        else:  # a replaced migration: the squash that stands for it in this graph
            targets |= {squash for squash, migration in loader.replacements.items()
                        if key in migration.replaces and squash in graph.nodes}
    plan, planned = [], set()
    for target in sorted(targets):
        for key in graph.forwards_plan(target):
            if key not in planned:
                planned.add(key)
                plan.append((graph.nodes[key], False))
    error = failed = ""
    try:
        executor.migrate(None, plan=plan)
    except Exception as problem:  # noqa: BLE001 - the learner's migration failed: say how
        error = f"{type(problem).__name__}: {problem}"
        failed = str(running[-1]) if running else ""
    connection = connections[FRESH_ALIAS]
    tables = {name: columns for name, columns in read_tables(connection).items()
              if name not in DJANGO_TABLES}
    rows = MigrationRecorder(connection).applied_migrations() \
        if MigrationRecorder(connection).has_table() else {}
    round_trips = {} if error else _round_trips(executor, connections[LEARNER_ALIAS],
                                                set(rows), apps)
    return FreshBuild(ok=not error, error=error, failed_migration=failed, tables=tables,
                      recorded=tuple(sorted(f"{a}.{n}" for a, n in rows if a in apps)),
                      round_trips=round_trips)


# The migrations whose way back is tried on a copy of the learner's rows, at most.
ROUND_TRIPS_TRIED = 5


def _round_trips(executor, learner, applied: set, local_apps: set[str]) -> dict[str, dict]:
    """Each unapplied migration next in line (its file there, every migration it depends on
    applied), applied and unapplied again on the new database, with the learner's rows in it:
    does its way back give every row back as it was? (`reverses`, in checks.py.) The new
    database is left as it was before."""
    graph = executor.loader.graph
    nexts = [key for key in sorted(graph.nodes) if key[0] in local_apps and key not in applied
             and all(parent in applied for parent in graph.node_map[key].parents)]
    if not nexts:
        return {}
    connection = executor.connection
    _copy_rows(learner, connection)
    before = _all_rows(connection)
    trips = {}
    for key in nexts[:ROUND_TRIPS_TRIED]:
        app, name = key
        back = [parent for parent in graph.node_map[key].parents if parent[0] == app]
        try:
            executor.loader.build_graph()
            executor.migrate([key])
            there = _row_changes(before, _all_rows(connection))
            executor.loader.build_graph()
            executor.migrate(back or [(app, None)])
        except Exception as problem:  # noqa: BLE001 - the learner's own code: say how it failed
            trips[f"{app}.{name}"] = {"error": f"{type(problem).__name__}: {problem}",
                                      "differences": [], "changes": []}
            break  # the new database is no longer as it was: try no other
        after = _all_rows(connection)
        trips[f"{app}.{name}"] = {"error": "", "differences": _row_changes(before, after),
                                  "changes": there}
    return trips


def _copy_rows(source, target) -> None:
    """The learner's rows, into the new database's tables of the same name (the columns both
    have): what a migration's code is tried on."""
    with source.cursor() as reading, target.cursor() as writing:
        theirs = set(source.introspection.table_names(reading))
        for table in target.introspection.table_names(writing):
            if table in DJANGO_TABLES or table not in theirs:
                continue
            mine = [c.name for c in target.introspection.get_table_description(writing, table)]
            there = {c.name for c in source.introspection.get_table_description(reading, table)}
            columns = [c for c in mine if c in there]
            quoted = ", ".join(target.ops.quote_name(c) for c in columns)
            reading.execute(f"SELECT {quoted} FROM {source.ops.quote_name(table)} "
                            f"LIMIT {ROWS_READ_PER_TABLE}")
            values = reading.fetchall()
            if values:
                marks = ", ".join(["%s"] * len(columns))
                writing.executemany(f"INSERT INTO {target.ops.quote_name(table)} ({quoted}) "
                                    f"VALUES ({marks})", values)


def _all_rows(connection) -> dict[str, list[dict]]:
    with connection.cursor() as cursor:
        return {table: read_rows(cursor, connection, table)[1]
                for table in connection.introspection.table_names(cursor)
                if table not in DJANGO_TABLES}


def _row_changes(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[str]:
    """What a round trip changed, row by row ("store_product, id 1: price 10.99, was 9.99")."""
    changes = []
    for table, rows in sorted(before.items()):
        now = {str(row.get("id", next(iter(row.values())))): row for row in after.get(table, [])}
        for row in rows:
            key = str(row.get("id", next(iter(row.values()))))
            found = now.get(key)
            if found is None:
                changes.append(f"{table}, id {key}: gone")
                continue
            changed = [f"{column} {found[column]}, was {value}" for column, value in row.items()
                       if column in found and str(found[column]) != str(value)]
            if changed:
                changes.append(f"{table}, id {key}: " + "; ".join(changed))
    return changes
