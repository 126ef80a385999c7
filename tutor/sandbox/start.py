"""Makes a lesson's start in a folder copied from the template project, with Django's own
commands (`makemigrations`, `migrate`), so that the migration files are exactly what the
installed Django writes: the lesson's apps and migrations, its files, its other databases,
its git repository and its start commands."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..exceptions import CommandFailed, DiskFull
from ..lessons import EXTRA_APPS_FOLDER, Lesson, StartApp, StartDatabase, is_within
from ..paths import resource_dir
from .disk import DISK_FULL_SIGNS, UNCHANGED
from .identity import SANDBOX_MARKER
from .run import perform, run_git

if TYPE_CHECKING:
    import subprocess

    Manage = Callable[[Path, list[str]], subprocess.CompletedProcess]

APP = "store"
TEMPLATE = "sandbox_project"


def make_start(lesson: Lesson, folder: Path, home: Path, manage: Manage) -> None:
    """Make the lesson's migrations with real makemigrations (or copy the ones the lesson
    ships), app by app, write its files, migrate each app to its applied migration, commit
    the start if the sandbox is a git repository, and run the lesson's start commands.
    `manage` runs `python manage.py ARGS` in a folder (`run.manage`); a full disk is said
    for the disk of `home`."""
    def manage_or_fail(args: list[str]) -> None:
        _manage_or_fail(manage, folder, args, home)

    start = lesson.start
    if start.databases:
        _declare_databases(folder, start.databases)
    for app in start.apps:
        if app.name != APP:
            _add_app(folder, app.name)
        _make_migrations(lesson, app, folder, manage_or_fail)
    for extra in start.files:
        path = folder / extra.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not is_within(path.parent, folder) or path.is_symlink():
            raise CommandFailed(f"Building the sandbox: {extra.path} leads out of the "
                                "sandbox.", "The tutor writes only inside the sandbox.")
        path.write_text(lesson.resource(extra.source), encoding="utf-8")
    for app in start.apps:
        if app.applied != "zero":
            manage_or_fail(["migrate", app.name, app.applied, "--noinput"])
    for database in start.databases:
        # Every app's tables exist there only as far as its own history goes, as on a
        # teammate's laptop or a server: migrated app by app, in the start's app order.
        for app in start.apps:
            target = database.applied.get(app.name, "zero")
            if target != "zero":
                manage_or_fail(["migrate", app.name, target, "--noinput", "--database",
                                database.name])
    if start.git:
        _start_repository(folder)
    for action in start.commands:
        status, output = perform(action, folder, manage)
        if status != 0 and not action.fails:
            raise CommandFailed(f"Building the sandbox: `{action.describe()}` failed.",
                                output[-3000:])


def _make_migrations(lesson: Lesson, app: StartApp, folder: Path,
                     manage_or_fail: Callable[[list[str]], None]) -> None:
    models = folder / app.name / "models.py"
    for migration in app.migrations:
        target = folder / app.name / "migrations" / f"{migration.name}.py"
        if migration.source:
            target.write_text(lesson.resource(migration.source), encoding="utf-8")
            continue
        models.write_text(lesson.models_source(migration.models, app), encoding="utf-8")
        number, _, suffix = migration.name.partition("_")
        args = ["makemigrations", app.name, "--noinput"]
        if migration.name != "0001_initial":
            args += ["--name", suffix]
        manage_or_fail(args)
        if not target.is_file():
            raise CommandFailed(
                f"Building the sandbox: makemigrations did not write "
                f"{app.name}/migrations/{migration.name}.py.",
                f"Check {lesson.file}: its migrations must follow the models.",
            )
    models.write_text(lesson.models_source(app.models, app), encoding="utf-8")


def _manage_or_fail(manage: Manage, folder: Path, args: list[str], home: Path) -> None:
    completed = manage(folder, args)
    if completed.returncode != 0 and any(sign in completed.stdout + completed.stderr
                                         for sign in DISK_FULL_SIGNS):
        raise DiskFull("the sandbox's rebuild", home, UNCHANGED)
    if completed.returncode != 0:
        raise CommandFailed(
            f"Building the sandbox: `python manage.py {' '.join(args)}` failed.",
            completed.stdout[-1500:] + completed.stderr[-1500:],
        )


def copy_template(folder: Path) -> None:
    """The template project, into `folder` (which exists), editable by the learner."""
    shutil.copytree(resource_dir(TEMPLATE), folder, ignore=not_template, dirs_exist_ok=True)
    _make_writable(folder)


def _start_repository(folder: Path) -> None:
    """Make the sandbox a git repository whose `main` branch holds the lesson's start. The
    database and the tutor's files stay out of it: switching branches changes the migration
    files and models, never the database, just as in a real project."""
    (folder / ".gitignore").write_text(
        # Every database stays out of the shared code: each machine keeps its own.
        "db.sqlite3\n*.sqlite3\n__pycache__/\n*.pyc\n" + SANDBOX_MARKER + "\n",
        encoding="utf-8")
    for args in (["init", "-q"], ["symbolic-ref", "HEAD", "refs/heads/main"],
                 ["config", "user.name", "Migration Tutor"],
                 ["config", "user.email", "tutor@sandbox.invalid"],
                 ["config", "commit.gpgsign", "false"],
                 ["add", "-A"], ["commit", "-q", "-m", "The lesson's start"]):
        completed = run_git(folder, args)
        if completed.returncode != 0:
            raise CommandFailed(f"Building the sandbox: `git {' '.join(args)}` failed.",
                                completed.stdout[-1500:] + completed.stderr[-1500:])


def _add_app(folder: Path, app: str) -> None:
    """Copy an app from the template's extra_apps/ into the sandbox and install it."""
    shutil.copytree(resource_dir(TEMPLATE) / EXTRA_APPS_FOLDER / app, folder / app,
                    ignore=not_template)
    _make_writable(folder / app)
    settings = folder / "shop" / "settings.py"
    text = settings.read_text(encoding="utf-8")
    last = f'    "{APP}",\n]'
    if last not in text:
        raise CommandFailed(f"Building the sandbox: cannot add {app} to INSTALLED_APPS.",
                            f"{settings} no longer ends INSTALLED_APPS with {APP!r}.")
    settings.write_text(text.replace(last, f'    "{APP}",\n    "{app}",\n]'), encoding="utf-8")


def not_template(folder: str, names: list[str]) -> set[str]:
    """What is never copied from the template: bytecode, a stray database, and the apps a
    lesson adds only when it asks for them."""
    return {n for n in names if n == "__pycache__" or n.endswith(".pyc") or n == "db.sqlite3"
            or (n == EXTRA_APPS_FOLDER and Path(folder).name == TEMPLATE)}


def _declare_databases(folder: Path, databases: list[StartDatabase]) -> None:
    """Add the lesson's other databases to the sandbox's settings, where the learner reads
    them: `DATABASES["teammate"] = ...`, an SQLite file beside db.sqlite3."""
    settings = folder / "shop" / "settings.py"
    lines = ["", "# This lesson's other databases, beside your own (`default`): each is an SQLite",
             "# file here, used with `--database NAME` (`python manage.py showmigrations "
             f"--database {databases[0].name}`)."]
    lines += [f'DATABASES["{d.name}"] = {{"ENGINE": "django.db.backends.sqlite3", '
              f'"NAME": BASE_DIR / "{d.file}"}}' for d in databases]
    with settings.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def new_mark() -> int:
    """A random mark for a start's database: a check tells the database the lesson began
    with from one made again by it."""
    return int.from_bytes(os.urandom(4), "big") & 0x7FFFFFFF or 1


def mark_database(database: Path) -> None:
    """Write a random mark into the start's database file (SQLite's `application_id`, which
    no Django command, dump or load touches), so that a check can tell the database the
    lesson began with from one made again: a lesson that says "keep the database" means it."""
    if not database.is_file():
        return
    import sqlite3
    from contextlib import closing

    mark = new_mark()
    with closing(sqlite3.connect(database)) as connection:
        connection.execute(f"PRAGMA application_id = {mark}")
        connection.commit()


def _make_writable(folder: Path) -> None:
    """Files copied from a read-only install must be editable by the learner."""
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))
