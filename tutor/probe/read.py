"""Reads the state of one sandbox, inside Django set up for it: for each of its databases,
the migrations (files and records), the schema and rows, the drift between them, and what
only the files decide (pending changes, the models they describe, conflicts, the branch).

Reading never writes: a missing SQLite file is looked for, not connected to (a connection
would create it). Why a sandbox cannot be read is `explain.py`'s to say.
"""

from __future__ import annotations

from pathlib import Path

from ..state import DEFAULT_DATABASE, SandboxState
from .drift import schema_drift
from .git_position import git_position
from .migrations import file_models, pending_changes, read_migrations, read_models_state
from .schema import read_contents


# The fields of the state that only the files decide: read with the first database, shared.
FILES_DECIDE = ("conflicts", "models", "pending_changes", "file_models", "git_branch", "git_head")


def collect(sandbox: Path) -> SandboxState:
    """The sandbox's state: its default database's, with the lesson's other databases'."""
    import django
    from django.conf import settings

    # A read waits a second for a database another program is writing, not SQLite's five.
    for database in settings.DATABASES.values():
        if "sqlite" in database.get("ENGINE", ""):
            database.setdefault("OPTIONS", {}).setdefault("timeout", 1)
    django.setup()
    raise_model_errors()
    apps = local_apps(sandbox)
    main = _read_database(sandbox, DEFAULT_DATABASE, apps, None)
    # The lesson's other databases: the same files, each with its own records, schema, rows.
    main.databases = {alias: _read_database(sandbox, alias, apps, main)
                      for alias in settings.DATABASES if alias != DEFAULT_DATABASE}
    return main


def _read_database(sandbox: Path, alias: str, local_apps: set[str],
                   files_read: SandboxState | None) -> SandboxState:
    """The state as one database sees it. What only the files decide is read once, with the
    first database, and shared by the others as `files_read`."""
    import django
    from django.conf import settings
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader

    connection = connections[alias]
    database = Path(str(settings.DATABASES[alias]["NAME"]))
    database_exists = database_found(connection, database)
    # An SQLite connection would create a missing database file: read without one instead.
    loader = MigrationLoader(connection if database_exists else None,
                             ignore_no_migrations=True)
    applied = set(loader.applied_migrations or {}) if database_exists else set()
    migrations = read_migrations(loader, connection, local_apps, applied, database_exists)
    tables, row_counts, rows, mark = (read_contents(connection) if database_exists
                                      else ({}, {}, {}, None))
    full_state = loader.project_state()
    if files_read is None:
        files = _read_files(sandbox, loader, full_state, local_apps)
        files["notes"] = _notes(sandbox, local_apps, database, database_exists,
                                files["conflicts"], connection.vendor)
    else:
        files = {name: getattr(files_read, name) for name in FILES_DECIDE} | {"notes": []}
    return SandboxState(
        migrations=migrations,
        tables=tables,
        row_counts=row_counts,
        rows=rows,
        schema_drift=schema_drift(loader, full_state, local_apps, applied, tables),
        database_exists=database_exists,
        django_version=django.get_version(),
        database_mark=mark,
        database=alias,
        database_file=database.name,
        database_vendor=connection.vendor,
        **files,
    )


def _read_files(sandbox: Path, loader, full_state, local_apps: set[str]) -> dict:
    """What only the files decide, as SandboxState's fields: the conflicts, the models
    (models.py's, and the migration files'), the pending changes, the branch and commit."""
    conflicts = {app: sorted(names) for app, names in loader.detect_conflicts().items()
                 if app in local_apps}
    models_state = read_models_state()
    models = file_models(models_state, local_apps)  # read before the autodetector runs
    pending = pending_changes(loader, models_state, local_apps)
    described = file_models(full_state, local_apps)
    branch, head = git_position(sandbox)
    return {"conflicts": conflicts, "models": models, "pending_changes": pending,
            "file_models": described, "git_branch": branch, "git_head": head}


def database_found(connection, database: Path) -> bool:
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


def local_apps(sandbox: Path) -> set[str]:
    """The apps whose code is inside the sandbox: the learner's, not Django's own."""
    from django.apps import apps

    return {config.label for config in apps.get_app_configs()
            if is_inside(Path(config.path), sandbox)}


def is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


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


def raise_model_errors() -> None:
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
