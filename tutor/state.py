"""What is true of a sandbox at one moment: migration files, `django_migrations` rows, schema,
rows, and what the migration files build on an empty database.

This module only holds the model and its JSON form. The state is read by `probe/`, the
only package that talks to Django's migration machinery, in a process that `reader.py` starts;
everything else in the tutor asks for a `SandboxState` and never guesses state from the
commands a learner typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SETTINGS_MODULE = "shop.settings"
DATABASE_FILE = "db.sqlite3"
DEFAULT_DATABASE = "default"  # Django's alias for the learner's own database
# The tutor's own bookkeeping tables are Django's; lessons care about the learner's tables.
DJANGO_TABLES = {"django_migrations", "sqlite_sequence"}


@dataclass(frozen=True)
class Migration:
    app: str
    name: str
    on_disk: bool
    applied: bool
    # The migrations (app.name) this one's file depends on, in any app; empty without a file.
    depends_on: tuple[str, ...] = ()
    # What the file does, as Django describes each operation ("Add field price to product"),
    # and a fingerprint of each operation's whole definition (its SQL, its code, its field),
    # so that an edit that keeps the description is still seen.
    operations: tuple[str, ...] = ()
    operation_digests: tuple[str, ...] = ()
    # A squash names the migrations it replaces (app.name).
    replaces: tuple[str, ...] = ()
    initial: bool = False
    # django_migrations has a row of its own for it. (`applied` is Django's view: a squash
    # counts as applied once every migration it replaces is, before `migrate` records it.)
    recorded: bool = False

    @property
    def key(self) -> str:
        return f"{self.app}.{self.name}"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    null: bool
    # The database itself fills the column in when an insert leaves it out (a `DEFAULT` in
    # its definition: what `db_default` makes; Django's `default=` stays in Python).
    default: bool = False


@dataclass(frozen=True)
class FreshBuild:
    """The learner's migration files applied to a new, empty database, up to the migrations
    the learner's database records: did every migration run, and what did they leave?"""

    ok: bool
    error: str = ""              # why a migration failed, in Django's words
    failed_migration: str = ""   # app.name of the migration that failed
    tables: dict[str, list[Column]] = field(default_factory=dict)
    recorded: tuple[str, ...] = ()  # the django_migrations rows it wrote (app.name)
    # Each migration next in line (unapplied, all it depends on applied), applied and
    # unapplied again on it with a copy of the learner's rows: app.name -> {"error": why it
    # could not, "changes": how applying it changed the rows, "differences": how the rows
    # came back otherwise}.
    round_trips: dict[str, dict] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"ok": self.ok, "error": self.error, "failed_migration": self.failed_migration,
                "tables": _tables_json(self.tables), "recorded": list(self.recorded),
                "round_trips": self.round_trips}

    @classmethod
    def from_json(cls, data: dict) -> "FreshBuild":
        return cls(ok=data["ok"], error=data["error"], failed_migration=data["failed_migration"],
                   tables=_tables_from_json(data["tables"]), recorded=tuple(data["recorded"]),
                   round_trips=dict(data.get("round_trips", {})))


@dataclass(frozen=True)
class ReleaseRun:
    """What a release of the shop's code did when the tutor ran it against one of the
    sandbox's databases, with that release's own models, in a process of its own (see
    `release.py`): each thing it does, and Django's error for each that failed."""

    name: str
    database: str
    does: tuple[str, ...] = ()  # in words: "reads name, price and discount", "inserts a product"
    failures: tuple[tuple[str, str], ...] = ()  # (what it did, Django's error)
    ref: str = ""  # the git branch or tag whose code it is ("": code the lesson ships)
    fields: tuple[str, ...] = ()  # the fields its model has (empty: its models did not load)
    # For code from git: migrations its database has applied that it has no file of (its next
    # `migrate` would find them orphaned; the running code itself never migrates).
    missing_files: tuple[str, ...] = ()

    @property
    def works(self) -> bool:
        return not self.failures

    def to_json(self) -> dict:
        return {"name": self.name, "database": self.database, "does": list(self.does),
                "works": self.works, "ref": self.ref, "fields": list(self.fields),
                "missing_files": list(self.missing_files),
                "failures": [{"action": action, "error": error}
                             for action, error in self.failures]}

    @classmethod
    def from_json(cls, data: dict) -> "ReleaseRun":
        return cls(name=data["name"], database=data["database"], does=tuple(data["does"]),
                   failures=tuple((f["action"], f["error"]) for f in data["failures"]),
                   ref=data.get("ref", ""), fields=tuple(data.get("fields", ())),
                   missing_files=tuple(data.get("missing_files", ())))


# What `git_branch` holds when HEAD is no branch.
DETACHED = "(detached HEAD)"


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
    # The checked-out branch when the sandbox is a git repository ("" when it is not), and
    # the commit it is at: "abc1234 its subject" (the subject where git left the commit
    # unpacked, as it does a new one).
    git_branch: str = ""
    git_head: str = ""
    # The models as the migration files describe them (all of them, applied or not):
    # "app.model" -> {"table": db table, "fields": {field: {"column", "type", "null",
    # "default" (only when the field has one)}}}.
    file_models: dict[str, dict] = field(default_factory=dict)
    # The same, of the models as the apps' models.py files define them now.
    models: dict[str, dict] = field(default_factory=dict)
    # The mark the tutor wrote into the database file when it built the lesson (None: no
    # database, or one without a mark): a database made again has another one, or none.
    database_mark: int | None = None
    # Read only when asked for (it runs every migration once more, on an empty database).
    fresh_build: FreshBuild | None = None
    # Which database this is (Django's alias), and the sandbox's other databases (a
    # teammate's, staging, production), each a state of its own: the same files, its own
    # records, tables and rows.
    database: str = DEFAULT_DATABASE
    databases: dict[str, "SandboxState"] = field(default_factory=dict)
    database_file: str = DATABASE_FILE  # its SQLite file, in the sandbox folder; on a server, its name
    database_vendor: str = "sqlite"  # Django's name for its backend: sqlite, postgresql, mysql
    # The lesson's releases of the shop's code, each run against its database as this state
    # was read (name -> what it did); only a lesson that declares releases has any.
    releases: dict[str, ReleaseRun] = field(default_factory=dict)

    def no_database(self) -> str:
        """That the database is missing, as true of its backend: a file, or a server's."""
        if self.database_vendor == "sqlite":
            return f"there is no database file ({self.database_file})"
        return f"there is no database {self.database_file} on the server"

    @property
    def removed(self) -> str:
        """How the database went, when it did: an SQLite file is deleted, a server's database
        dropped."""
        return "deleted" if self.database_vendor == "sqlite" else "dropped"

    def applied_keys(self) -> set[str]:
        """Every applied migration, on every database: `app.name` on this one,
        `database:app.name` on the others."""
        keys = {m.key for m in self.migrations if m.applied}
        for name, other in self.databases.items():
            keys |= {f"{name}:{key}" for key in other.applied_keys()}
        return keys

    def on(self, database: str) -> "SandboxState | None":
        """The state as seen on one of the sandbox's databases (None: it has no such one)."""
        if database == self.database:
            return self
        return self.databases.get(database)

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

    def model_of_table(self, table: str) -> tuple[str, dict] | None:
        """The model ("app.model") the migration files keep in `table`, and its description."""
        for label, model in self.file_models.items():
            if model["table"] == table:
                return label, model
        return None

    def to_json(self) -> dict:
        return {
            "database": self.database,
            "database_file": self.database_file,
            "database_vendor": self.database_vendor,
            "django_version": self.django_version,
            "database_exists": self.database_exists,
            "migrations": [
                {"database": self.database,
                 "app": m.app, "name": m.name, "on_disk": m.on_disk, "applied": m.applied,
                 "depends_on": list(m.depends_on), "operations": list(m.operations),
                 "operation_digests": list(m.operation_digests), "replaces": list(m.replaces),
                 "initial": m.initial, "recorded": m.recorded}
                for m in self.migrations
            ],
            "orphans": [m.key for m in self.orphans()],
            "tables": _tables_json(self.tables),
            "row_counts": dict(self.row_counts),
            "rows": {table: list(rows) for table, rows in self.rows.items()},
            "pending_changes": {app: list(ops) for app, ops in self.pending_changes.items()},
            "schema_drift": {app: list(lines) for app, lines in self.schema_drift.items()},
            "conflicts": {app: list(names) for app, names in self.conflicts.items()},
            "notes": list(self.notes),
            "git_branch": self.git_branch,
            "git_head": self.git_head,
            "file_models": self.file_models,
            "models": self.models,
            "database_mark": self.database_mark,
            "fresh_build": self.fresh_build.to_json() if self.fresh_build else None,
            "databases": {name: state.to_json() for name, state in self.databases.items()},
            "releases": {name: run.to_json() for name, run in self.releases.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "SandboxState":
        tuples = ("depends_on", "operations", "operation_digests", "replaces")
        return cls(
            migrations=[Migration(**{**{k: v for k, v in m.items() if k != "database"},
                                     **{key: tuple(m.get(key, ())) for key in tuples}})
                        for m in data["migrations"]],
            tables=_tables_from_json(data["tables"]),
            row_counts=dict(data["row_counts"]),
            rows={table: list(rows) for table, rows in data["rows"].items()},
            pending_changes={app: list(ops) for app, ops in data["pending_changes"].items()},
            schema_drift={app: list(lines) for app, lines in data["schema_drift"].items()},
            database_exists=data["database_exists"],
            django_version=data["django_version"],
            conflicts={app: list(names) for app, names in data["conflicts"].items()},
            notes=list(data["notes"]),
            git_branch=data["git_branch"],
            git_head=data.get("git_head", ""),
            file_models=data.get("file_models", {}),
            models=data.get("models", {}),
            database_mark=data.get("database_mark"),
            fresh_build=FreshBuild.from_json(data["fresh_build"])
            if data.get("fresh_build") else None,
            database=data.get("database", DEFAULT_DATABASE),
            database_file=data.get("database_file", DATABASE_FILE),
            database_vendor=data.get("database_vendor", "sqlite"),
            databases={name: cls.from_json(state)
                       for name, state in data.get("databases", {}).items()},
            releases={name: ReleaseRun.from_json(run)
                      for name, run in data.get("releases", {}).items()},
        )


def _tables_json(tables: dict[str, list[Column]]) -> dict:
    return {table: [{"name": c.name, "type": c.type, "null": c.null, "default": c.default}
                    for c in columns]
            for table, columns in tables.items()}


def _tables_from_json(data: dict) -> dict[str, list[Column]]:
    return {table: [Column(**c) for c in columns] for table, columns in data.items()}


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

    @classmethod
    def from_json(cls, data: dict) -> "StateUnreadable":
        return cls(data["message"], file=data["file"], line=data["line"],
                   advice=data["advice"])
