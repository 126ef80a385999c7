"""What the migration files say, read through Django's loader: each migration as the state
tells it (its file's operations and their fingerprints, its dependencies, its record), the
models the files describe, and what `makemigrations` would write now. It only reads."""

from __future__ import annotations

from ..state import Migration
from .schema import json_value


def read_migrations(loader, connection, local_apps: set[str], applied: set,
                    database_exists: bool) -> list[Migration]:
    """The sandbox's migrations, files and records together, in order. Rows for apps the
    sandbox no longer has are orphans too: they are kept visible."""
    from django.apps import apps

    recorded = _recorded(connection) if database_exists else set()
    on_disk = set(loader.disk_migrations)
    keys = {key for key in on_disk | applied if key[0] in local_apps}
    labels = {config.label for config in apps.get_app_configs()}
    keys |= {key for key in applied if key[0] not in labels}
    return [_migration(loader, key, on_disk=key in on_disk, applied=key in applied,
                       recorded=key in recorded)
            for key in sorted(keys)]


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


def file_models(project_state, local_apps: set[str]) -> dict[str, dict]:
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
                                            if callable(default) else json_value(default))
                db_default = getattr(field, "db_default", NOT_PROVIDED)
                if db_default is not NOT_PROVIDED:  # a DEFAULT the database itself holds
                    described["db_default"] = json_value(getattr(db_default, "value",
                                                                 db_default))
                fields[field.name] = described
            models[model._meta.label_lower] = {"table": model._meta.db_table, "fields": fields}
    return models


def read_models_state():
    """The models as the apps' models.py files define them, as Django builds their state."""
    from django.apps import apps
    from django.db.migrations.state import ProjectState

    return ProjectState.from_apps(apps)


def _dependencies(loader, key: tuple[str, str]) -> tuple[str, ...]:
    node = loader.graph.node_map.get(key)
    if node is None:
        return ()
    return tuple(sorted(f"{app}.{name}" for app, name in node.parents))


def pending_changes(loader, models_state, local_apps: set[str]) -> dict[str, list[str]]:
    """What `makemigrations` would write now, per app, as Django describes each operation
    (`models_state`: the models.py files' state, as `read_models_state` builds it)."""
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


