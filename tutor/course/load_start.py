"""Reads a lesson's `[start]` (each app's migrations, its files, commands and databases),
its `[[releases]]`, and the actions of a start or a solution: every file it names must lie
beside the lesson, every command be Django's or git's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..exceptions import LessonFileError
from ..paths import resource_dir
from .fields import FIELD_NAME, GIT_REF, MISSING, Fields
from .kinds import DEFAULT_DATABASE, SCALAR
from .model import GIT_PREFIX, MANAGE_PREFIX, SolutionAction
from .resources import find_resource
from .start import (EXTRA_APPS_FOLDER, Release, Start, StartApp, StartDatabase, StartFile,
                    StartMigration, models_file)


def load_release(data: Any, where: str, file: str, folders: list[Path]) -> Release:
    """`{ name = "1.4", database = "production", models = "...", reads = [...], inserts =
    [{ name = "Scarf", price = "12.00" }] }`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table with name, database and models")
    reader = Fields(data, file, where)
    name = reader.get("name", str)
    if not name.strip() or not name.isprintable():
        raise LessonFileError(file, f"{where}.name", "must be a printable, non-empty name")
    database = reader.get("database", str, default=DEFAULT_DATABASE)
    models = reader.get("models", str, default="")
    ref = reader.get("ref", str, default="")
    if bool(models) == bool(ref):
        raise LessonFileError(file, where, "needs one of `models` (a models version) and `ref` "
                                           "(a git branch or tag of the sandbox)")
    if ref and not GIT_REF.fullmatch(ref):
        raise LessonFileError(file, f"{where}.ref", f"{ref!r} is not a branch or tag name")
    if models:
        made_from = models_file("store", models)
        if not find_resource(folders, made_from):
            raise LessonFileError(file, f"{where}.models", f"no models version {made_from}")
    model = reader.get("model", str, default="Product")
    if not model.isidentifier():
        raise LessonFileError(file, f"{where}.model", f"{model!r} is not a model's class name")
    reads = reader.get("reads", (list, str), default=[])
    reads_all = reads == "all"
    if reads_all:
        reads = []
    elif isinstance(reads, str) or not all(isinstance(f, str) and FIELD_NAME.fullmatch(f)
                                           for f in reads):
        raise LessonFileError(file, f"{where}.reads", 'must list field names, or be "all"')
    inserts = reader.get("inserts", list, default=[])
    for i, row in enumerate(inserts):
        if not isinstance(row, dict) or not all(
                FIELD_NAME.fullmatch(key) and isinstance(value, SCALAR)
                for key, value in row.items()):
            raise LessonFileError(file, f"{where}.inserts[{i}]",
                                  "must be a table of field names and plain values")
    if not reads and not reads_all and not inserts:
        raise LessonFileError(file, where, "needs `reads` or `inserts`: what the release does")
    reader.finish()
    return Release(name=name, database=database, models=models, ref=ref, model=model,
                   reads=tuple(reads), reads_all=reads_all,
                   inserts=tuple(dict(row) for row in inserts))


def load_start(data: dict, file: str, folders: list[Path]) -> Start:
    reader = Fields(data, file, "start")
    store = _load_start_app(reader, "store", "start", file, folders)
    apps = [store]
    for i, entry in enumerate(reader.get("apps", list, default=[])):
        where = f"start.apps[{i}]"
        if not isinstance(entry, dict):
            raise LessonFileError(file, where, "must be a table with name, migrations, applied")
        app_reader = Fields(entry, file, where)
        name = app_reader.get("name", str)
        if name not in _extra_apps() or name in [app.name for app in apps]:
            raise LessonFileError(file, f"{where}.name",
                                  f"{name!r} is not an app a lesson can add (one of "
                                  f"{', '.join(sorted(_extra_apps())) or 'none'}), or is "
                                  "listed twice")
        apps.append(_load_start_app(app_reader, name, where, file, folders))
        app_reader.finish()
    files = []
    for i, entry in enumerate(reader.get("files", list, default=[])):
        where = f"start.files[{i}]"
        if not isinstance(entry, dict):
            raise LessonFileError(file, where, "must be a table with path and source")
        entry_reader = Fields(entry, file, where)
        files.append(StartFile(entry_reader.get("path", str), entry_reader.get("source", str)))
        entry_reader.finish()
        _require_file(folders, files[-1].source, file, f"{where}.source")
    git = reader.get("git", bool, default=False)
    commands = [load_action(command, f"start.commands[{i}]", file)
                for i, command in enumerate(reader.get("commands", list, default=[]))]
    databases = [_load_start_database(entry, f"start.databases[{i}]", file, apps)
                 for i, entry in enumerate(reader.get("databases", list, default=[]))]
    names = [database.name for database in databases]
    if len(set(names)) != len(names):
        raise LessonFileError(file, "start.databases", "names a database twice")
    reader.finish()
    return Start(apps=apps, files=files, commands=commands, git=git, databases=databases)


def _load_start_database(data: Any, where: str, file: str,
                         apps: list[StartApp]) -> StartDatabase:
    """`{ name = "teammate", applied = "0004_add_discount_field" }` (store's last applied
    migration there), or `applied = { store = "...", orders = "..." }`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table with name and applied")
    reader = Fields(data, file, where)
    name = reader.get("name", str)
    applied = reader.get("applied", (str, dict), default="zero")
    if isinstance(applied, str):
        applied = {"store": applied}
    known = {app.name: app for app in apps}
    for app, migration in applied.items():
        if app not in known:
            raise LessonFileError(file, f"{where}.applied.{app}",
                                  f"{app!r} is not an app of this lesson's start")
        names = [m.name for m in known[app].migrations]
        if not isinstance(migration, str) or (migration != "zero" and migration not in names):
            raise LessonFileError(file, f"{where}.applied.{app}",
                                  f"{migration!r} is not one of that app's start migrations "
                                  "nor 'zero'")
    reader.finish()
    return StartDatabase(name, dict(applied))


def _load_start_app(reader: Fields, app: str, where: str, file: str,
                    folders: list[Path]) -> StartApp:
    """An app's `migrations`, `applied` and `models`, read from `[start]` (store) or from one
    of `[[start.apps]]`."""
    migrations = []
    for i, entry in enumerate(reader.get("migrations", list)):
        at = f"{where}.migrations[{i}]"
        if isinstance(entry, str):  # a name, made from the models version of that name
            entry = {"name": entry, "models": entry}
        if isinstance(entry, dict):
            entry_reader = Fields(entry, file, at)
            name = entry_reader.get("name", str)
            source = entry_reader.get("source", str, default="")
            models = entry_reader.get("models", str, default=name if source else MISSING)
            migration = StartMigration(name, models, source)
            entry_reader.finish()
            if source:
                _require_file(folders, source, file, f"{at}.source")
        else:
            raise LessonFileError(file, at, "must be a migration name or a table")
        made_from = models_file(app, migration.models)
        if not migration.source and not find_resource(folders, made_from):
            raise LessonFileError(file, at, f"no models version {made_from}")
        migrations.append(migration)
    names = [m.name for m in migrations]
    applied = reader.get("applied", str, default="zero")
    if applied != "zero" and applied not in names:
        raise LessonFileError(file, f"{where}.applied",
                              f"{applied!r} is not one of {where}.migrations nor 'zero'")
    made = [m.models for m in migrations if not m.source]
    default_models = made[-1] if made else "0001_initial"
    models = reader.get("models", str, default=default_models)
    if not find_resource(folders, models_file(app, models)):
        raise LessonFileError(file, f"{where}.models",
                              f"no models version {models_file(app, models)}")
    return StartApp(app, migrations, applied, models)


def _extra_apps() -> set[str]:
    folder = resource_dir("sandbox_project") / EXTRA_APPS_FOLDER
    return {path.name for path in folder.iterdir() if (path / "apps.py").is_file()} \
        if folder.is_dir() else set()


def _require_file(folders: list[Path], relative: str, file: str, field_name: str) -> None:
    if not find_resource(folders, relative):
        if any((folder / relative).is_file() for folder in folders):
            raise LessonFileError(file, field_name, f"{relative} is a link that leads out of "
                                                    "the lesson's folder")
        raise LessonFileError(file, field_name, f"no file {relative} beside the lesson")


def load_action(data: Any, where: str, file: str) -> SolutionAction:
    if isinstance(data, str):
        return SolutionAction(run=_command(data, where, file))
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a command or a table")
    reader = Fields(data, file, where)
    if "run" in data:
        command = _command(reader.get("run", str), f"{where}.run", file)
        action = SolutionAction(run=command, fails=reader.get("fails", bool, default=False))
    elif "delete" in data:
        action = SolutionAction(delete=reader.get("delete", str))
    elif "edit" in data:
        action = SolutionAction(edit=reader.get("edit", str),
                                replace=reader.get("replace", str),
                                with_text=reader.get("with", str))
    else:
        raise LessonFileError(file, where, "must have 'run', 'delete' or 'edit'")
    reader.finish()
    return action


def _command(command: str, where: str, file: str) -> str:
    if not command.startswith((MANAGE_PREFIX, GIT_PREFIX)):
        raise LessonFileError(file, where,
                              f"a command must start with {MANAGE_PREFIX.strip()!r} or "
                              f"{GIT_PREFIX.strip()!r}")
    return command
