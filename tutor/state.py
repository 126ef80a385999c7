"""Reads the real state of a sandbox: migration files, `django_migrations` rows, schema, rows.

This module is the only one that talks to Django's migration machinery. Everything else in the
tutor asks it for a `SandboxState` and never guesses state from the commands a learner typed.

Django caches imported migration modules and (in 5.x) whether `django_migrations` exists, so a
state is always read by a Python process that has not read this sandbox before: see
`StateReader`. Reading never writes to the sandbox: it does not create a missing database,
and it writes no bytecode.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import subprocess

# subprocess and traceback are imported where they are used: a reset from a snapshot, which
# reads no state, does not pay for them.

SETTINGS_MODULE = "shop.settings"
DATABASE_FILE = "db.sqlite3"
# The tutor's own bookkeeping tables are Django's; lessons care about the learner's tables.
DJANGO_TABLES = {"django_migrations", "sqlite_sequence"}
# Lessons look at a handful of rows; a learner's experiment with thousands stays cheap to read.
ROWS_READ_PER_TABLE = 100


@dataclass(frozen=True)
class Migration:
    app: str
    name: str
    on_disk: bool
    applied: bool
    # The migrations (app.name) this one's file depends on, in any app; empty without a file.
    depends_on: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.app}.{self.name}"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    null: bool


@dataclass
class SandboxState:
    """What is true of a sandbox right now, read with Django's own machinery."""

    migrations: list[Migration] = field(default_factory=list)
    tables: dict[str, list[Column]] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    # The first rows of each of the learner's tables, ordered by their first column.
    rows: dict[str, list[dict]] = field(default_factory=dict)
    # Where the database schema differs from what the applied migrations say it should be.
    schema_drift: dict[str, list[str]] = field(default_factory=dict)
    # Operations `makemigrations` would write, per app: empty when models and migrations agree.
    pending_changes: dict[str, list[str]] = field(default_factory=dict)
    database_exists: bool = True
    django_version: str = ""
    # Apps with more than one leaf migration: Django refuses to migrate until they are merged.
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    # Situations a learner should be told about whatever the step (a missing database...).
    notes: list[str] = field(default_factory=list)
    # The checked-out branch when the sandbox is a git repository ("" when it is not).
    git_branch: str = ""

    @property
    def apps(self) -> list[str]:
        """The sandbox's apps that have migrations (on disk or recorded), store first."""
        return sorted({m.app for m in self.migrations}, key=lambda app: (app != "store", app))

    def migration(self, app: str, name: str) -> Migration | None:
        for migration in self.migrations:
            if migration.app == app and migration.name == name:
                return migration
        return None

    def app_migrations(self, app: str) -> list[Migration]:
        return [m for m in self.migrations if m.app == app]

    def orphans(self, app: str | None = None) -> list[Migration]:
        """Migrations recorded as applied whose file is gone."""
        return [
            m for m in self.migrations
            if m.applied and not m.on_disk and (app is None or m.app == app)
        ]

    def columns(self, table: str) -> list[Column] | None:
        return self.tables.get(table)

    def to_json(self) -> dict:
        return {
            "django_version": self.django_version,
            "database_exists": self.database_exists,
            "migrations": [
                {"app": m.app, "name": m.name, "on_disk": m.on_disk, "applied": m.applied,
                 "depends_on": list(m.depends_on)}
                for m in self.migrations
            ],
            "orphans": [m.key for m in self.orphans()],
            "tables": {
                table: [{"name": c.name, "type": c.type, "null": c.null} for c in columns]
                for table, columns in self.tables.items()
            },
            "row_counts": dict(self.row_counts),
            "rows": {table: list(rows) for table, rows in self.rows.items()},
            "pending_changes": {app: list(ops) for app, ops in self.pending_changes.items()},
            "schema_drift": {app: list(lines) for app, lines in self.schema_drift.items()},
            "conflicts": {app: list(names) for app, names in self.conflicts.items()},
            "notes": list(self.notes),
            "git_branch": self.git_branch,
        }

    @classmethod
    def from_json(cls, data: dict) -> "SandboxState":
        return cls(
            migrations=[Migration(**{**m, "depends_on": tuple(m["depends_on"])})
                        for m in data["migrations"]],
            tables={
                table: [Column(**c) for c in columns] for table, columns in data["tables"].items()
            },
            row_counts=dict(data["row_counts"]),
            rows={table: list(rows) for table, rows in data["rows"].items()},
            pending_changes={app: list(ops) for app, ops in data["pending_changes"].items()},
            schema_drift={app: list(lines) for app, lines in data["schema_drift"].items()},
            database_exists=data["database_exists"],
            django_version=data["django_version"],
            conflicts={app: list(names) for app, names in data["conflicts"].items()},
            notes=list(data["notes"]),
            git_branch=data["git_branch"],
        )


class StateUnreadable(Exception):
    """Django could not load the sandbox; carries what a learner needs to know about why."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 advice: str = ""):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.advice = advice

    def to_json(self) -> dict:
        return {"message": self.message, "file": self.file, "line": self.line,
                "advice": self.advice}


def sandbox_environment(sandbox: Path) -> dict[str, str]:
    """The environment every Python process that works on the sandbox runs with.

    No bytecode is written: a learner can edit `models.py` twice within one second without an
    old `.pyc` ever hiding the newer source from Django.
    """
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONPATH", None)
    return env


def read_state(sandbox: Path, python: str | None = None) -> SandboxState:
    """Read the sandbox's state in a fresh process, so that it sees the latest files."""
    import subprocess

    completed = subprocess.run(
        [python or sys.executable, "-m", "tutor.state", str(sandbox)],
        cwd=sandbox, env=_probe_environment(sandbox), capture_output=True, text=True,
        encoding="utf-8", stdin=subprocess.DEVNULL,
    )
    lines = completed.stdout.strip().splitlines()
    return _state_from_answer(lines[-1] if lines else "", completed.stderr)


def _probe_environment(sandbox: Path) -> dict[str, str]:
    env = sandbox_environment(sandbox)
    # The probe imports this module from wherever the tutor itself was imported from.
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    return env


def _state_from_answer(line: str, stderr: str = "") -> SandboxState:
    try:
        result = json.loads(line)
    except ValueError:
        raise StateUnreadable(
            "The tutor's state reader stopped without an answer.",
            advice="Details: " + (stderr.strip()[-800:] or "none"),
        ) from None
    if not result["ok"]:
        error = result["error"]
        raise StateUnreadable(error["message"], file=error["file"], line=error["line"],
                              advice=error["advice"])
    return SandboxState.from_json(result["state"])


class StateReader:
    """Reads sandbox states for one tutor process, never a stale one, as cheaply as it can.

    Django keeps what it has imported (models, migration modules) for the life of a process,
    so a process can read a sandbox once. The first read of a one-shot command (`tutor
    check`) happens right here, in a process that has not seen the sandbox yet: no second
    Python starts. Later reads, and every read of a long session, go to a *warm* reader: a
    helper process that has imported Django but never set it up, and forks a fresh child for
    each read, so each read sees the learner's latest files, models and database. Where fork
    does not exist (Windows), each later read starts a fresh process.
    """

    def __init__(self, python: str | None = None, in_process: bool = True):
        self.python = python or sys.executable
        self.in_process = in_process and self.python == sys.executable
        self._warm: subprocess.Popen | None = None

    def read(self, sandbox: Path) -> SandboxState:
        global _read_here
        if self.in_process and not _read_here:
            _read_here = True
            return _read_in_this_process(sandbox)
        if hasattr(os, "fork"):
            return self._read_warm(sandbox)
        return read_state(sandbox, self.python)

    def _read_warm(self, sandbox: Path) -> SandboxState:
        import subprocess

        for _ in range(2):  # a warm reader that died (killed, crashed) is started again
            if self._warm is None or self._warm.poll() is not None:
                self._warm = subprocess.Popen(
                    [self.python, "-m", "tutor.state", "--serve"], env=_probe_environment(sandbox),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                    text=True, encoding="utf-8", start_new_session=True,
                )
            try:
                self._warm.stdin.write(str(sandbox) + "\n")
                self._warm.stdin.flush()
                line = self._warm.stdout.readline()
            except (BrokenPipeError, OSError):
                line = ""
            if line:
                return _state_from_answer(line)
            self.close()
        return read_state(sandbox, self.python)

    def close(self) -> None:
        if self._warm is not None:
            self._warm.kill()
            self._warm.wait()
            self._warm = None


_read_here = False  # this process has set Django up for a sandbox: it cannot read another


def _read_in_this_process(sandbox: Path) -> SandboxState:
    import contextlib

    sandbox = sandbox.resolve()
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(sandbox))
    for name, value in sandbox_environment(sandbox).items():
        if name in ("DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE"):
            os.environ[name] = value
    # The learner's code may print: keep stdout for the tutor's own (JSON) output.
    with contextlib.redirect_stdout(sys.stderr):
        answer = _probe(sandbox)
    return _state_from_answer(json.dumps(answer))


# --- Everything below runs inside the probe process, with Django set up for the sandbox. ---


def _collect(sandbox: Path) -> SandboxState:
    import django
    from django.apps import apps
    from django.conf import settings
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    django.setup()
    _raise_model_errors()
    database = Path(settings.DATABASES["default"]["NAME"])
    database_exists = database.exists()
    # An SQLite connection would create a missing database file: read without one instead.
    loader = MigrationLoader(connection if database_exists else None,
                             ignore_no_migrations=True)
    local_apps = {
        config.label for config in apps.get_app_configs()
        if _is_inside(Path(config.path), sandbox)
    }
    applied = set(loader.applied_migrations or {}) if database_exists else set()
    on_disk = set(loader.disk_migrations)
    keys = {key for key in on_disk | applied if key[0] in local_apps}
    # Rows for apps the sandbox no longer has are orphans too; keep them visible.
    keys |= {key for key in applied if key[0] not in _all_labels(apps)}
    migrations = [
        Migration(app=app, name=name, on_disk=(app, name) in on_disk,
                  applied=(app, name) in applied,
                  depends_on=_dependencies(loader, (app, name)))
        for app, name in sorted(keys)
    ]
    conflicts = {app: sorted(names) for app, names in loader.detect_conflicts().items()
                 if app in local_apps}
    tables: dict[str, list[Column]] = {}
    row_counts: dict[str, int] = {}
    rows: dict[str, list[dict]] = {}
    if database_exists:
        with connection.cursor() as cursor:
            for table in sorted(connection.introspection.table_names(cursor)):
                description = connection.introspection.get_table_description(cursor, table)
                tables[table] = [
                    Column(name=c.name, type=str(c.type_code), null=bool(c.null_ok))
                    for c in description
                ]
                if table not in DJANGO_TABLES:
                    row_counts[table], rows[table] = _read_rows(cursor, connection, table)
    return SandboxState(
        migrations=migrations,
        tables=tables,
        row_counts=row_counts,
        rows=rows,
        schema_drift=_schema_drift(loader, local_apps, applied, tables),
        pending_changes=_pending_changes(loader, local_apps),
        database_exists=database_exists,
        django_version=django.get_version(),
        conflicts=conflicts,
        notes=_notes(sandbox, local_apps, database, database_exists, conflicts),
        git_branch=_git_branch(sandbox),
    )


def _dependencies(loader, key: tuple[str, str]) -> tuple[str, ...]:
    node = loader.graph.node_map.get(key)
    if node is None:
        return ()
    return tuple(sorted(f"{app}.{name}" for app, name in node.parents))


def _git_branch(sandbox: Path) -> str:
    """The branch checked out, read from .git/HEAD (no git process needed)."""
    try:
        head = (sandbox / ".git" / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    prefix = "ref: refs/heads/"
    return head[len(prefix):] if head.startswith(prefix) else "(detached HEAD)"


def _notes(sandbox: Path, local_apps: set[str], database: Path, exists: bool,
           conflicts: dict[str, list[str]]) -> list[str]:
    notes = [
        f"Conflicting migrations in {app}: {', '.join(names)} are both leaves of the graph, so "
        f"`migrate` refuses to run. `python manage.py makemigrations --merge` joins them."
        for app, names in conflicts.items()
    ]
    if not exists:
        notes.append(f"There is no database file ({database.name}): nothing is applied, and the "
                     "next `migrate` creates an empty database.")
    for app in sorted(local_apps):
        folder = sandbox / app / "migrations"
        if not folder.is_dir():
            notes.append(f"{app}/migrations/ is missing: Django sees no migrations for {app}.")
        elif not (folder / "__init__.py").is_file():
            notes.append(f"{app}/migrations/__init__.py is missing: without it the folder is not "
                         f"a package, and Django sees no migrations for {app} at all.")
    return notes


class ModelRejected(Exception):
    """Django's system checks found errors in the learner's models."""

    def __init__(self, messages: list, file: str | None, line: int | None):
        super().__init__("; ".join(messages))
        self.messages = messages
        self.file = file
        self.line = line


def _raise_model_errors() -> None:
    """Run Django's model checks, as `migrate` does before it will touch the database."""
    import inspect

    from django.core import checks

    errors = [m for m in checks.run_checks(tags=[checks.Tags.models]) if m.is_serious()]
    if not errors:
        return
    first = errors[0].obj
    file = line = None
    model = getattr(first, "model", first)
    try:
        file = inspect.getsourcefile(model)
        lines, start = inspect.getsourcelines(model)
        name = getattr(first, "name", None)
        line = start
        for offset, text in enumerate(lines):
            if name and text.strip().startswith(f"{name} ") or text.strip().startswith(f"{name}="):
                line = start + offset
                break
    except (TypeError, OSError):
        pass
    raise ModelRejected([f"{m.id}: {m.obj}: {m.msg.rstrip('.')}" for m in errors], file, line)


def _read_rows(cursor, connection, table: str) -> tuple[int, list[dict]]:
    quoted = connection.ops.quote_name(table)
    cursor.execute(f"SELECT COUNT(*) FROM {quoted}")
    count = cursor.fetchone()[0]
    cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1 LIMIT {ROWS_READ_PER_TABLE}")
    names = [column[0] for column in cursor.description]
    return count, [dict(zip(names, map(_json_value, row))) for row in cursor.fetchall()]


def _json_value(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _schema_drift(loader, local_apps: set[str], applied: set, tables: dict) -> dict[str, list[str]]:
    """Compare each app's tables with the schema its *applied* migrations describe.

    A learner can make the record and the schema disagree: `migrate --fake`, deleting an
    applied migration's file, editing `django_migrations` by hand. Migrations recorded as
    applied whose file is gone cannot be replayed, so what they changed shows up as drift.
    """
    graph = loader.graph
    drift: dict[str, list[str]] = {}
    if not tables and not applied:
        return {app: [] for app in sorted(local_apps)}
    full_state = loader.project_state()
    for app in sorted(local_apps):
        nodes = [key for key in applied if key[0] == app and key in graph.nodes]
        leaves = [key for key in nodes
                  if not any(child in nodes for child in graph.node_map[key].children)]
        applied_state = graph.make_state(nodes=leaves, at_end=True) if leaves else None
        expected = _expected_tables(applied_state, app) if applied_state else {}
        everything = _expected_tables(full_state, app)
        problems = [
            f"{app}.{parent[1]} is not recorded as applied, though {app}.{child[1]}, which "
            "depends on it, is"
            for child in sorted(nodes) for parent in sorted(graph.node_map[child].parents)
            if parent[0] == app and parent not in applied
        ]
        for table, columns in sorted(expected.items()):
            actual = {c.name: c for c in tables.get(table, [])}
            if table not in tables:
                problems.append(f"table {table} is missing, though an applied migration creates it")
                continue
            for name, null in columns.items():
                if name not in actual:
                    problems.append(f"column {table}.{name} is missing, though the applied "
                                    "migrations add it")
                elif actual[name].null != null:
                    problems.append(f"column {table}.{name} "
                                    f"{'allows NULL' if actual[name].null else 'is NOT NULL'}, "
                                    "though the applied migrations say "
                                    f"{'NULL' if null else 'NOT NULL'}")
            for name in actual:
                if name not in columns:
                    problems.append(f"column {table}.{name} is in the database, though no "
                                    "applied migration adds it")
        for table in sorted(everything):
            if table in tables and table not in expected:
                problems.append(f"table {table} is in the database, though no applied "
                                "migration creates it")
        drift[app] = problems
    return drift


def _expected_tables(project_state, app: str) -> dict[str, dict[str, bool]]:
    """Table name -> {column name: allows NULL} for the app's models in a project state."""
    tables: dict[str, dict[str, bool]] = {}
    for model in project_state.apps.get_app_config(app).get_models() \
            if app in {c.label for c in project_state.apps.get_app_configs()} else []:
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = {
                field.column: field.null for field in model._meta.local_fields if field.column
            }
    return tables


def _pending_changes(loader, local_apps: set[str]) -> dict[str, list[str]]:
    """What `makemigrations` would write now, per app, as Django describes each operation."""
    from django.apps import apps
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
    from django.db.migrations.state import ProjectState

    autodetector = MigrationAutodetector(
        loader.project_state(),
        ProjectState.from_apps(apps),
        NonInteractiveMigrationQuestioner(specified_apps=local_apps, dry_run=True),
    )
    changes = autodetector.changes(graph=loader.graph)
    pending = {app: [] for app in sorted(local_apps)}
    for app, new_migrations in changes.items():
        pending.setdefault(app, [])
        for migration in new_migrations:
            pending[app].extend(operation.describe() for operation in migration.operations)
    return pending


def _all_labels(apps) -> set[str]:
    return {config.label for config in apps.get_app_configs()}


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _explain_failure(error: BaseException, sandbox: Path) -> StateUnreadable:
    """Turn whatever stopped Django from loading into a learner-sized explanation."""
    from django.db.migrations.exceptions import (
        BadMigrationError,
        InconsistentMigrationHistory,
        NodeNotFoundError,
    )

    file, line = _sandbox_location(error, sandbox)
    if isinstance(error, ModelRejected) and error.file and _is_inside(Path(error.file), sandbox):
        file = str(Path(error.file).resolve().relative_to(sandbox.resolve()))
        line = error.line
    where = f" ({file}, line {line})" if file else ""
    if isinstance(error, ModelRejected):
        return StateUnreadable(
            f"Django rejects the models{where}: " + "; ".join(error.messages) + ".",
            file=file, line=line,
            advice="Fix the model in your editor (`migrate` and `makemigrations` refuse to run "
                   "until then), or run `tutor reset` to start the lesson over.",
        )
    if isinstance(error, SyntaxError):
        return StateUnreadable(
            f"Python cannot read {file or 'a sandbox file'}: {error.msg}{where}.",
            file=file, line=line,
            advice="Fix that line in your editor, or run `tutor reset` to start the lesson over.",
        )
    if isinstance(error, NodeNotFoundError):
        app, name = error.node
        return StateUnreadable(
            f"Migration {error.origin} depends on {app}.{name}, whose file is missing. Django "
            "cannot build the migration graph, so every `manage.py migrate` fails the same way.",
            file=file, line=line,
            advice=f"Restore {app}/migrations/{name}.py, or change that dependency in "
                   f"{_migration_file(error.origin)} to a migration that exists (`tutor reset` "
                   "rebuilds the lesson).",
        )
    if isinstance(error, (BadMigrationError, InconsistentMigrationHistory)):
        return StateUnreadable(str(error), file=file, line=line,
                               advice="Run `tutor reset` to start the lesson over.")
    return StateUnreadable(
        f"Django could not load the sandbox: {type(error).__name__}: {error}{where}.",
        file=file, line=line,
        advice="Fix the file named above, or run `tutor reset` to start the lesson over.",
    )


def _migration_file(migration) -> str:
    app, name = getattr(migration, "app_label", ""), getattr(migration, "name", "")
    return f"{app}/migrations/{name}.py" if app and name else f"the file of {migration}"


def _sandbox_location(error: BaseException, sandbox: Path) -> tuple[str | None, int | None]:
    """The innermost place inside the sandbox where the error arose, relative to it."""
    if isinstance(error, SyntaxError) and error.filename:
        path = Path(error.filename)
        if _is_inside(path, sandbox):
            return str(path.resolve().relative_to(sandbox.resolve())), error.lineno
    import traceback

    location = (None, None)
    for frame, line in traceback.walk_tb(error.__traceback__):
        path = Path(frame.f_code.co_filename)
        if path.is_absolute() and _is_inside(path, sandbox):
            location = (str(path.resolve().relative_to(sandbox.resolve())), line)
    return location


def _probe(sandbox: Path) -> dict:
    """The state of the sandbox, or why it cannot be read, as JSON-ready data."""
    try:
        return {"ok": True, "state": _collect(sandbox).to_json()}
    except Exception as error:  # noqa: BLE001 - every failure becomes an explanation
        return {"ok": False, "error": _explain_failure(error, sandbox).to_json()}


def _serve() -> int:
    """The warm reader: import Django once, then fork a fresh child for every request."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.dont_write_bytecode = True
    _import_django_without_setting_it_up()
    for request in sys.stdin:
        sandbox = Path(request.strip()).resolve()
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read_end)
            os.dup2(2, 1)  # whatever the learner's code prints stays out of the answer
            try:
                os.chdir(sandbox)
                sys.path.insert(0, str(sandbox))
                answer = json.dumps(_probe(sandbox))
            except BaseException as error:  # noqa: BLE001
                answer = json.dumps({"ok": False, "error": StateUnreadable(
                    f"The sandbox could not be read: {error}").to_json()})
            with os.fdopen(write_end, "w", encoding="utf-8") as pipe:
                pipe.write(answer)
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end, encoding="utf-8") as pipe:
            answer = pipe.read()
        os.waitpid(child, 0)
        sys.stdout.write((answer or json.dumps({"ok": False, "error": StateUnreadable(
            "The state reader stopped without an answer.").to_json()})) + "\n")
        sys.stdout.flush()
    return 0


def _import_django_without_setting_it_up() -> None:
    """What every read needs and nothing of the sandbox's own: settings, models and
    migrations are imported only in the forked child, so they are always fresh."""
    import importlib

    for module in (
        "django", "django.apps", "django.conf", "django.db", "django.db.models",
        "django.db.migrations", "django.db.migrations.loader",
        "django.db.migrations.recorder", "django.db.migrations.autodetector",
        "django.db.migrations.questioner", "django.db.migrations.state",
        "django.db.migrations.graph", "django.db.migrations.exceptions",
        "django.db.backends.sqlite3.base", "django.db.backends.sqlite3.introspection",
        "django.db.backends.sqlite3.schema", "django.db.backends.sqlite3.operations",
        "django.db.backends.sqlite3.features", "django.db.backends.sqlite3.creation",
        "django.db.backends.sqlite3.client", "django.core.checks", "django.urls",
        "django.utils.log", "logging.config", "traceback", "inspect",
    ):
        try:
            importlib.import_module(module)
        except ImportError:
            pass


def _main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        return _serve()
    sandbox = Path(argv[0]).resolve()
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(sandbox))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    print(json.dumps(_probe(sandbox)))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
