"""Where a lesson's sandbox starts, as typed data: each app's migrations and how far they are
applied, the files and databases it holds, and the releases of the shop's code that run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import SolutionAction

MODELS_FOLDER = "models"
# Apps a lesson's start can add beside `store`: folders of sandbox_project/extra_apps/.
EXTRA_APPS_FOLDER = "extra_apps"


@dataclass(frozen=True)
class StartMigration:
    name: str
    models: str  # the models version (a file in lessons/models/) that makemigrations sees
    source: str = ""  # or a migration file shipped with the lesson, copied as it is


@dataclass(frozen=True)
class StartFile:
    path: str    # where in the sandbox
    source: str  # a file in the lessons folder


@dataclass(frozen=True)
class StartApp:
    """One app's part of a lesson's start: the migrations made, and how far they are applied."""

    name: str
    migrations: list[StartMigration]
    applied: str  # the last applied migration, or "zero"
    models: str   # the models version left in <app>/models.py

    def models_file(self, version: str) -> str:
        return models_file(self.name, version)


def models_file(app: str, version: str) -> str:
    """Where a models version of an app is kept: store's directly in models/, another app's
    in models/<app>/."""
    folder = MODELS_FOLDER if app == "store" else f"{MODELS_FOLDER}/{app}"
    return f"{folder}/{version}.py"


@dataclass(frozen=True)
class StartDatabase:
    """A database beside the learner's own (a teammate's, staging, production): an SQLite file
    `<name>.sqlite3` in the sandbox, in settings.DATABASES under `name`, migrated as far as
    `applied` says for each app (an app it does not name stays unmigrated there)."""

    name: str
    applied: dict[str, str]  # app -> its last applied migration there

    @property
    def file(self) -> str:
        return f"{self.name}.sqlite3"


@dataclass(frozen=True)
class Release:
    """A release of the shop's code, running against one of the lesson's databases, as data:
    the models version it was built with, and what it does with them. The tutor runs it
    after every command and in every check (see `release.py`)."""

    name: str
    database: str     # `default` or one of the start's databases
    models: str = ""  # a models version of store (a file in lessons/models/), or else
    ref: str = ""     # a git branch or tag of the sandbox: the code deployed is what it holds
    model: str = "Product"
    reads: tuple[str, ...] = ()         # fields it reads, in one query
    reads_all: bool = False             # or every field its model has (`reads = "all"`)
    inserts: tuple[dict, ...] = ()      # rows it inserts (each rolled back once it went in)


@dataclass(frozen=True)
class Start:
    """Where a lesson's sandbox starts: which migrations exist in each app, which are applied,
    the files and rows it holds, and (for a lesson about branches) its git history."""

    apps: list[StartApp]  # store first, then the apps the lesson adds
    files: list[StartFile] = field(default_factory=list)  # written before migrating
    # Run last, in order: manage.py and git commands, file edits (a branch, a fake record...).
    commands: list[SolutionAction] = field(default_factory=list)
    git: bool = False  # the sandbox is a git repository, its start committed on `main`
    databases: list[StartDatabase] = field(default_factory=list)  # besides `default`

    @property
    def store(self) -> StartApp:
        return self.apps[0]

    @property
    def migrations(self) -> list[StartMigration]:
        return self.store.migrations

    @property
    def applied(self) -> str:
        return self.store.applied

    @property
    def models(self) -> str:
        return self.store.models
