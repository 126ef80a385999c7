"""Runs inside Django, set up for one sandbox: reads its migration files, `django_migrations`
rows, schema and rows, and (when asked) applies the migration files to an empty database.

This is the only module that talks to Django's migration machinery. It runs in a process of
its own (see `reader.py`): `python -m tutor.probe SANDBOX [--fresh-build]` prints one JSON
answer; the warm helper (`helper.py`) runs it in a forked child for every request.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from .exceptions import UNDO_WORDS
from .state import (
    DEFAULT_DATABASE,
    DETACHED,
    DJANGO_TABLES,
    SETTINGS_MODULE,
    Column,
    FreshBuild,
    Migration,
    SandboxState,
    StateUnreadable,
)

# Lessons look at a handful of rows; a learner's experiment with thousands stays cheap to read.
ROWS_READ_PER_TABLE = 100


def _collect(sandbox: Path) -> SandboxState:
    import django
    from django.conf import settings

    # A read waits a second for a database another program is writing, not SQLite's five.
    for database in settings.DATABASES.values():
        if "sqlite" in database.get("ENGINE", ""):
            database.setdefault("OPTIONS", {}).setdefault("timeout", 1)
    django.setup()
    _raise_model_errors()
    local_apps = _local_apps(sandbox)
    main = _read_database(sandbox, DEFAULT_DATABASE, local_apps, None)
    # The lesson's other databases: the same files, each with its own records, schema, rows.
    main.databases = {alias: _read_database(sandbox, alias, local_apps, main)
                      for alias in settings.DATABASES if alias != DEFAULT_DATABASE}
    return main


def _read_database(sandbox: Path, alias: str, local_apps: set[str],
                   files_read: SandboxState | None) -> SandboxState:
    """The state as one database sees it. What only the files decide (pending changes, the
    models they describe, conflicts, the branch) is read once, with the first database, and
    shared by the others as `files_read`."""
    import django
    from django.apps import apps
    from django.conf import settings
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    connection = connections[alias]
    database = Path(str(settings.DATABASES[alias]["NAME"]))
    database_exists = _exists(connection, database)
    # An SQLite connection would create a missing database file: read without one instead.
    loader = MigrationLoader(connection if database_exists else None,
                             ignore_no_migrations=True)
    applied = set(loader.applied_migrations or {}) if database_exists else set()
    recorded = _recorded(connection) if database_exists else set()
    on_disk = set(loader.disk_migrations)
    keys = {key for key in on_disk | applied if key[0] in local_apps}
    # Rows for apps the sandbox no longer has are orphans too; keep them visible.
    keys |= {key for key in applied if key[0] not in _all_labels(apps)}
    migrations = [
        _migration(loader, key, on_disk=key in on_disk, applied=key in applied,
                   recorded=key in recorded)
        for key in sorted(keys)
    ]
    tables: dict[str, list[Column]] = {}
    row_counts: dict[str, int] = {}
    rows: dict[str, list[dict]] = {}
    mark = None
    if database_exists:
        tables = _read_tables(connection)
        with connection.cursor() as cursor:
            for table in tables:
                if table not in DJANGO_TABLES:
                    row_counts[table], rows[table] = _read_rows(cursor, connection, table)
        mark = _database_mark(connection)
    full_state = loader.project_state()
    if files_read is None:
        conflicts = {app: sorted(names) for app, names in loader.detect_conflicts().items()
                     if app in local_apps}
        models_state = _models_state()
        models = _file_models(models_state, local_apps)  # read before the autodetector runs
        pending = _pending_changes(loader, models_state, local_apps)
        file_models = _file_models(full_state, local_apps)
        notes = _notes(sandbox, local_apps, database, database_exists, conflicts,
                       connection.vendor)
        branch, head = _git_position(sandbox)
    else:
        conflicts, pending = files_read.conflicts, files_read.pending_changes
        file_models, branch, notes = files_read.file_models, files_read.git_branch, []
        head, models = files_read.git_head, files_read.models
    return SandboxState(
        migrations=migrations,
        tables=tables,
        row_counts=row_counts,
        rows=rows,
        schema_drift=_schema_drift(loader, full_state, local_apps, applied, tables),
        pending_changes=pending,
        database_exists=database_exists,
        django_version=django.get_version(),
        conflicts=conflicts,
        notes=notes,
        git_branch=branch,
        git_head=head,
        file_models=file_models,
        models=models,
        database_mark=mark,
        database=alias,
        database_file=database.name,
        database_vendor=connection.vendor,
    )


def _exists(connection, database: Path) -> bool:
    """Whether the database is there to read. An SQLite file is looked for (a connection
    would create it); a server's database is connected to."""
    if connection.vendor == "sqlite":
        return database.exists()
    from django.db import OperationalError

    try:
        connection.ensure_connection()
    except OperationalError as error:
        # PostgreSQL's `database "..." does not exist`, MariaDB's (1049, "Unknown database")
        if "does not exist" in str(error) or "Unknown database" in str(error):
            return False
        raise
    return True


def _local_apps(sandbox: Path) -> set[str]:
    """The apps whose code is inside the sandbox: the learner's, not Django's own."""
    from django.apps import apps

    return {config.label for config in apps.get_app_configs()
            if _is_inside(Path(config.path), sandbox)}


def _read_tables(connection) -> dict[str, list[Column]]:
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            description = connection.introspection.get_table_description(cursor, table)
            types = _server_types(cursor, connection, table)
            tables[table] = [Column(name=c.name, type=types.get(c.name, str(c.type_code)),
                                    null=bool(c.null_ok),
                                    default=_has_default(connection, c))
                             for c in description]
    return tables


def _has_default(connection, column) -> bool:
    """Whether the database fills the column in itself: a DEFAULT in its definition (MariaDB
    names a nullable column's missing default "NULL"; a serial key's is its sequence)."""
    default = getattr(column, "default", None)
    if default is None:
        return False
    text = str(default).strip()
    return bool(text) and text.upper() != "NULL" and not text.startswith("nextval(")


def _server_types(cursor, connection, table: str) -> dict[str, str]:
    """The columns' SQL types as the server names them (`integer`, `numeric(6,2)`): Django's
    introspection gives the drivers' type numbers (SQLite's description already has names)."""
    if connection.vendor == "mysql":
        cursor.execute("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
                       "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s", [table])
        return dict(cursor.fetchall())
    if connection.vendor != "postgresql":
        return {}
    cursor.execute("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
                   "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c "
                   "ON a.attrelid = c.oid WHERE c.relname = %s AND a.attnum > 0 "
                   "AND NOT a.attisdropped AND pg_catalog.pg_table_is_visible(c.oid)", [table])
    return dict(cursor.fetchall())


# SQLite keeps a 32-bit number of the application's in every database file's header; nothing
# Django, dumpdata or loaddata does touches it, and a new file starts with 0.
MARK_PRAGMA = "application_id"


# On a server, the comment the tutor wrote on the database it is connected to.
MARK_QUERIES = {
    "postgresql": "SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM "
                  "pg_catalog.pg_database WHERE datname = current_database()",
    "mysql": "SELECT SCHEMA_COMMENT FROM information_schema.SCHEMATA "
             "WHERE SCHEMA_NAME = DATABASE()",
}


def _database_mark(connection) -> int | None:
    if connection.vendor in MARK_QUERIES:  # the tutor's comment on its own database
        from .server_databases import mark_number

        with connection.cursor() as cursor:
            cursor.execute(MARK_QUERIES[connection.vendor])
            row = cursor.fetchone()
            return mark_number(row[0] if row else None)
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {MARK_PRAGMA}")
        value = cursor.fetchone()[0]
    return value or None


def _recorded(connection) -> set[tuple[str, str]]:
    """The rows of django_migrations as they are (the loader counts a squash as applied once
    every migration it replaces is, row or none)."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    return set(recorder.applied_migrations()) if recorder.has_table() else set()


def _migration(loader, key: tuple[str, str], *, on_disk: bool, applied: bool,
               recorded: bool = False) -> Migration:
    """One migration as the state tells it: its file (what it does) and its record."""
    app, name = key
    found = loader.disk_migrations.get(key) if on_disk else None
    operations = list(getattr(found, "operations", []) or [])
    return Migration(
        app=app, name=name, on_disk=on_disk, applied=applied, recorded=recorded,
        depends_on=_dependencies(loader, key),
        operations=tuple(_describe(operation) for operation in operations),
        operation_digests=tuple(_digest(operation) for operation in operations),
        replaces=tuple(f"{a}.{n}" for a, n in getattr(found, "replaces", None) or []),
        initial=bool(getattr(found, "initial", False)),
    )


def _describe(operation) -> str:
    try:
        return str(operation.describe())
    except Exception:  # noqa: BLE001 - a learner's own operation class may not describe itself
        return type(operation).__name__


def _digest(operation) -> str:
    """A fingerprint of everything an operation is made of (fields, SQL, the source of its
    functions), the same in every process: a changed `WHERE` clause changes it."""
    import hashlib

    return hashlib.sha1(_stable_repr(operation).encode("utf-8", "replace")).hexdigest()[:12]


def _stable_repr(value, depth: int = 0) -> str:
    import inspect

    if depth > 12:
        return "..."
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_stable_repr(v, depth + 1) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "{" + ",".join(sorted(_stable_repr(v, depth + 1) for v in value)) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_stable_repr(v, depth + 1)}"
                              for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if not isinstance(value, type) and callable(getattr(value, "deconstruct", None)):
        try:
            return type(value).__name__ + _stable_repr(value.deconstruct(), depth + 1)
        except Exception:  # noqa: BLE001
            pass
    if callable(value):
        try:
            source = inspect.getsource(value)
        except (OSError, TypeError):
            source = ""
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}:{source}"
    return repr(value)


def _file_models(project_state, local_apps: set[str]) -> dict[str, dict]:
    """The models the migration files describe, with each field's column, type, NULL and
    default: what a lesson means by "the model state after the migrations"."""
    from django.db.models import NOT_PROVIDED

    models = {}
    rendered = project_state.apps
    labels = {config.label for config in rendered.get_app_configs()}
    for app in sorted(local_apps & labels):
        for model in rendered.get_app_config(app).get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            fields = {}
            for field in model._meta.local_fields:
                described = {"column": field.column, "type": field.get_internal_type(),
                             "null": bool(field.null)}
                if field.default is not NOT_PROVIDED:
                    default = field.default
                    described["default"] = (f"{getattr(default, '__qualname__', default)}()"
                                            if callable(default) else _json_value(default))
                db_default = getattr(field, "db_default", NOT_PROVIDED)
                if db_default is not NOT_PROVIDED:  # a DEFAULT the database itself holds
                    described["db_default"] = _json_value(getattr(db_default, "value",
                                                                  db_default))
                fields[field.name] = described
            models[model._meta.label_lower] = {"table": model._meta.db_table, "fields": fields}
    return models


def _models_state():
    """The models as the apps' models.py files define them, as Django builds their state."""
    from django.apps import apps
    from django.db.migrations.state import ProjectState

    return ProjectState.from_apps(apps)


def _dependencies(loader, key: tuple[str, str]) -> tuple[str, ...]:
    node = loader.graph.node_map.get(key)
    if node is None:
        return ()
    return tuple(sorted(f"{app}.{name}" for app, name in node.parents))


def _git_folder(sandbox: Path) -> Path | None:
    """The sandbox's own .git folder: not one a link leads to elsewhere (nothing outside the
    sandbox is read), nor a worktree's .git file."""
    git = sandbox / ".git"
    return git if git.is_dir() and not git.is_symlink() else None


def _git_position(sandbox: Path) -> tuple[str, str]:
    """The branch checked out (DETACHED where HEAD is no branch) and the commit HEAD is at,
    read from .git/HEAD once (no git process needed); ("", "") where there is no repository."""
    git = _git_folder(sandbox)
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip() if git else ""
    except (OSError, UnicodeDecodeError):
        return "", ""
    prefix = "ref: refs/heads/"
    branch = head[len(prefix):] if head.startswith(prefix) else DETACHED if head else ""
    return branch, _git_head(git, head) if head else ""


def _git_head(git: Path, head: str) -> str:
    """The commit HEAD (its text `head`) is at, "abc1234 Its subject", read from .git's
    files: the ref, a loose ref or packed-refs, and the commit's own object where it is loose
    (a new commit is); without it, the short hash alone. "" where there is no commit."""
    try:
        if head.startswith("ref: "):
            ref = head[5:]
            if not ref.startswith("refs/") or ".." in ref.split("/"):
                return ""  # no ref git would write: nothing outside .git is read
            try:
                head = (git / ref).read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                packed = (git / "packed-refs").read_text(encoding="utf-8").splitlines()
                head = next((line.split()[0] for line in packed
                             if line.endswith(f" {ref}") and not line.startswith("#")), "")
    except (OSError, UnicodeDecodeError):
        return ""
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", head):
        return ""
    return f"{head[:7]} {_commit_subject(git, head)}".rstrip()


def _commit_subject(git: Path, sha: str) -> str:
    import zlib

    try:
        raw = zlib.decompress((git / "objects" / sha[:2] / sha[2:]).read_bytes())
    except (OSError, zlib.error):
        return ""  # packed, or unreadable: the hash says enough
    _, _, body = raw.partition(b"\n\n")
    return body.split(b"\n", 1)[0].decode("utf-8", "replace")[:100]


def _notes(sandbox: Path, local_apps: set[str], database: Path, exists: bool,
           conflicts: dict[str, list[str]], vendor: str) -> list[str]:
    notes = [
        f"Conflicting migrations in {app}: {', '.join(names)} are both leaves of the graph, so "
        f"`migrate` refuses to run. `python manage.py makemigrations --merge` joins them."
        for app, names in conflicts.items()
    ]
    if not exists and vendor == "sqlite":
        notes.append(f"There is no database file ({database.name}): nothing is applied, and the "
                     "next `migrate` creates an empty database.")
    elif not exists:  # Django connects to a server's database, and never creates one
        notes.append(f"There is no database {database.name} on the server: nothing is "
                     "applied, and `migrate` cannot run until the database is created again "
                     "(`tutor reset` makes the lesson's start again).")
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
    from django.db import OperationalError

    try:
        messages = checks.run_checks(tags=[checks.Tags.models])
    except OperationalError:
        # A backend's own field checks connect (MariaDB's, on Django 6), and the server's
        # database is gone: checked without it, the state then says that it is missing.
        messages = checks.run_checks(tags=[checks.Tags.models], databases=[])
    errors = [m for m in messages if m.is_serious()]
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


def _schema_drift(loader, full_state, local_apps: set[str], applied: set,
                  tables: dict) -> dict[str, list[str]]:
    """Compare each app's tables with the schema its *applied* migrations describe.

    A learner can make the record and the schema disagree: `migrate --fake`, deleting an
    applied migration's file, editing `django_migrations` by hand. Migrations recorded as
    applied whose file is gone cannot be replayed, so what they changed shows up as drift.
    """
    graph = loader.graph
    drift: dict[str, list[str]] = {}
    if not tables and not applied:
        return {app: [] for app in sorted(local_apps)}
    for app in sorted(local_apps):
        nodes = [key for key in applied if key[0] == app and key in graph.nodes]
        leaves = [key for key in nodes
                  if not any(child in nodes for child in graph.node_map[key].children)]
        applied_state = graph.make_state(nodes=leaves, at_end=True) if leaves else None
        unresolved = []
        try:
            expected = _expected_tables(applied_state, app) if applied_state else {}
        except ValueError as error:  # a relation to a model no migration it depends on makes
            expected = {}
            unresolved = [f"the applied {app} migrations describe a relation Django cannot "
                          f"resolve from what they depend on ({error}): a new database "
                          "cannot apply them"]
        everything = _expected_tables(full_state, app)
        problems = unresolved + [
            f"{app}.{parent[1]} is not recorded as applied, though {app}.{child[1]}, which "
            "depends on it, is"
            for child in sorted(nodes) for parent in sorted(graph.node_map[child].parents)
            if parent[0] == app and parent not in applied
        ]
        if unresolved:  # what they describe is not known: nothing to compare the tables with
            drift[app] = problems
            continue
        for table, columns in sorted(expected.items()):
            actual = {c.name: c for c in tables.get(table, [])}
            if table not in tables:
                problems.append(f"table {table} is missing, though an applied migration creates it")
                continue
            for name, (null, db_default) in columns.items():
                if name not in actual:
                    problems.append(f"column {table}.{name} is missing, though the applied "
                                    "migrations add it")
                elif actual[name].null != null:
                    problems.append(f"column {table}.{name} "
                                    f"{'allows NULL' if actual[name].null else 'is NOT NULL'}, "
                                    "though the applied migrations say "
                                    f"{'NULL' if null else 'NOT NULL'}")
                elif db_default is not None and actual[name].default != db_default:
                    problems.append(
                        f"column {table}.{name} has no DEFAULT in the database, though the "
                        "applied migrations give it one (`db_default`)" if db_default else
                        f"column {table}.{name} has a DEFAULT in the database, though no applied "
                        "migration gives it one")
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


def _expected_tables(project_state, app: str) -> dict[str, dict[str, tuple]]:
    """Table name -> {column name: (allows NULL, has a database default or None where that is
    not compared: a primary key)} for the app's models in a project state."""
    from django.db.models import NOT_PROVIDED

    tables: dict[str, dict[str, tuple]] = {}
    for model in project_state.apps.get_app_config(app).get_models() \
            if app in {c.label for c in project_state.apps.get_app_configs()} else []:
        if model._meta.managed and not model._meta.proxy:
            tables[model._meta.db_table] = {
                field.column: (field.null, None if field.primary_key else
                               getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED)
                for field in model._meta.local_fields if field.column
            }
    return tables


def _pending_changes(loader, models_state, local_apps: set[str]) -> dict[str, list[str]]:
    """What `makemigrations` would write now, per app, as Django describes each operation
    (`models_state`: the models.py files' state, as `_models_state` builds it)."""
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner

    class Unasked(NonInteractiveMigrationQuestioner):
        """makemigrations --noinput's answers, without its exit (status 3) where it would need
        a one-off default: the change is still one makemigrations has to write."""

        def ask_not_null_addition(self, field_name, model_name):
            return None

        def ask_auto_now_add_addition(self, field_name, model_name):
            return None

    autodetector = MigrationAutodetector(
        loader.project_state(),
        models_state,
        Unasked(specified_apps=local_apps, dry_run=True, log=lambda *args, **kwargs: None),
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

    from django.db import OperationalError

    if isinstance(error, OperationalError) and "database is locked" in str(error):
        return StateUnreadable(
            "The database is busy: another program is writing to db.sqlite3 (a `migrate` "
            "running in another terminal, an open `dbshell` in the middle of a transaction).",
            advice="Try again in a moment, once it has finished; nothing is wrong with the "
                   "sandbox.")
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
        # In a git repository, a branch that lacks the file is the likelier cause than a file
        # deleted (and re-pointing a dependency would be the wrong mend there).
        branch = (f"The branch checked out may lack it: `git checkout` the branch that has "
                  f"it (`git log --all --oneline -- {app}/migrations` tells which). "
                  if (sandbox / ".git").exists() else "")
        return StateUnreadable(
            f"Migration {error.origin} depends on {app}.{name}, whose file is missing. Django "
            "cannot build the migration graph, so every `manage.py migrate` fails the same way.",
            file=file, line=line,
            advice=f"{branch}Restore {app}/migrations/{name}.py, or change that dependency in "
                   f"{_migration_file(error.origin)} to a migration that exists (`tutor undo` "
                   "takes the sandbox back to the last point the tutor saw; `tutor reset` "
                   "rebuilds the lesson).",
        )
    if isinstance(error, (BadMigrationError, InconsistentMigrationHistory)):
        return StateUnreadable(str(error), file=file, line=line,
                               advice="Run `tutor reset` to start the lesson over.")
    back = f"`tutor undo` {UNDO_WORDS}; `tutor reset` starts the lesson over."
    if isinstance(error, ValueError) and "lazy reference" in str(error):
        # The migration files' own models, rendered: a relation to a model that no migration
        # the relation's migration depends on creates (Django's own `migrate` on a new
        # database stops there too: "Related model ... cannot be resolved").
        return StateUnreadable(
            f"The migration files describe a relation Django cannot resolve: {error}{where}. "
            "A migration with a foreign key must depend on the migration that creates the "
            "model it points to, or every `migrate` on a new database fails.",
            file=file, line=line,
            advice="Give that migration the dependency back; or " + back)
    return StateUnreadable(
        f"Django could not load the sandbox: {type(error).__name__}: {error}{where}.",
        file=file, line=line,
        advice=("Fix the file named above; or " if file else "") + back,
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


def probe(sandbox: Path, fresh_build: bool = False) -> dict:
    """The state of the sandbox, or why it cannot be read, as JSON-ready data. With
    `fresh_build`, the migration files are also applied to an empty database, in a process
    of their own that runs while this one reads the state."""
    building = _start_fresh_build(sandbox) if fresh_build else None
    try:
        state = _collect(sandbox)
    except Exception as error:  # noqa: BLE001 - every failure becomes an explanation
        if building is not None:
            building.result()
        return {"ok": False, "error": _explain_failure(error, sandbox).to_json()}
    if building is not None:
        state.fresh_build = building.result()
    return {"ok": True, "state": state.to_json()}


# --- The fresh build: the learner's migration files, run once more on an empty database. ---


class _FreshBuildProcess:
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
                    answer = json.dumps(_fresh_build(sandbox).to_json())
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


def _start_fresh_build(sandbox: Path) -> _FreshBuildProcess:
    return _FreshBuildProcess(sandbox)


def _silence_output() -> None:
    """A learner's migration may print: nothing of it may reach the tutor's output."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


FRESH_ALIAS, LEARNER_ALIAS = "default", "tutor_learner"


def _fresh_build(sandbox: Path) -> FreshBuild:
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
        from .server_databases import OwnedDatabases

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

    local_apps = _local_apps(sandbox)
    recorded = set()
    if _exists(connections[LEARNER_ALIAS], Path(str(learner["NAME"]))):
        recorder = MigrationRecorder(connections[LEARNER_ALIAS])
        if recorder.has_table():
            recorded = {key for key in recorder.applied_migrations() if key[0] in local_apps}
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
    tables = {name: columns for name, columns in _read_tables(connection).items()
              if name not in DJANGO_TABLES}
    rows = MigrationRecorder(connection).applied_migrations() \
        if MigrationRecorder(connection).has_table() else {}
    round_trips = {} if error else _round_trips(executor, connections[LEARNER_ALIAS],
                                                set(rows), local_apps)
    return FreshBuild(ok=not error, error=error, failed_migration=failed, tables=tables,
                      recorded=tuple(sorted(f"{a}.{n}" for a, n in rows if a in local_apps)),
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
        return {table: _read_rows(cursor, connection, table)[1]
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


def _main(argv: list[str]) -> int:
    fresh_only = argv[:1] == ["--fresh-build-only"]
    arguments = [a for a in argv if not a.startswith("--")]
    sandbox = Path(arguments[0]).resolve()
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(sandbox))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    if fresh_only:
        print(json.dumps(_fresh_build(sandbox).to_json()))
        return 0
    print(json.dumps(probe(sandbox, "--fresh-build" in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
