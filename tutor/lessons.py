"""The course as data: a typed loader for `lessons/*.toml` and the course order.

A lesson file declares where its sandbox starts, and for each step a goal, hints, a reference
solution and the expectations a check proves against the real state. This loader only reads
and validates; `checks.py` gives expectations their meaning and `sandbox.py` builds the start.
Every problem in a file is reported with the file's name and the field at fault.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .backends import VENDOR_NAMES
from .exceptions import CourseFileError, LessonFileError, LessonUnavailable, UnknownLesson
from .files import fingerprint, write_atomically
from .markup import listed, printable
from .paths import resource_dir

FORMAT_VERSION = 1
COURSE_FILE = "course.toml"
MODELS_FOLDER = "models"

# Each expectation is a table with exactly one of these keys, which names its kind, plus the
# optional fields listed for that kind (and `explain`, said when it is not met, and `when`, a
# condition for saying it). `checks.py` gives each kind its meaning; lessons/README.md says it
# in words.
SCALAR = (str, int, float, bool)  # a value a lesson names: `default = 0.00`
# Django's alias for the learner's own database; a lesson may add others beside it. (The
# same as state.DEFAULT_DATABASE, not imported from there: `tutor lessons` reads no state.)
DEFAULT_DATABASE = "default"
# Expectations about the files, which every database of the sandbox shares: they name none.
FILE_KINDS = frozenset({"field", "models_match_migrations", "files_build_database", "reverses",
                        "no_file_contains", "file", "branch", "only_migrations",
                        "databases_agree"})  # (this one is about all of them at once)
# Judged from the fresh build (the migration files run on a new database), which costs a
# migrate: a state is read with it only once everything else of the step holds.
FRESH_KINDS = frozenset({"files_build_database", "reverses"})
# About a release of the shop's code, which names the database it runs against itself.
RELEASE_KINDS = frozenset({"release_works", "release_never_broke"})
# Conditions of what the tutor saw while the learner was on a step, not of a state: only a
# `when` may name them (an explanation true only if no check saw the release broken).
SEEN_KINDS = frozenset({"release_never_broke"})

EXPECTATION_FIELDS: dict[str, dict[str, type | tuple]] = {
    "migration": {"applied": bool, "on_disk": bool, "recorded": bool, "unchanged": bool},
    "column": {"exists": bool, "null": bool, "default": bool},
    "table": {"exists": bool},
    "field": {"exists": bool, "type": str, "null": bool, "default": SCALAR, "db_default": bool,
              "source": str},
    "no_orphans": {},
    "models_match_migrations": {},
    "schema_matches_record": {},
    "files_build_database": {},
    "reverses": {},
    "database_kept": {},
    "only_migrations": {"app": str},
    "no_file_contains": {"under": str},
    "file": {"exists": bool, "contains": str},
    "backup": {"tables": list, "of": str},
    "rows": {"count": int, "same_as": str, "columns": list},
    "values": {"equal": list},
    "branch": {},
    "databases_agree": {"databases": list},
    "release_works": {"knows": list, "has_files": bool},
    "release_never_broke": {},
}
KIND_TYPES: dict[str, type | tuple] = {
    "migration": (str, dict), "column": str, "table": str, "field": str, "no_orphans": str,
    "models_match_migrations": str, "schema_matches_record": str,
    "files_build_database": bool, "reverses": str, "database_kept": bool,
    "only_migrations": list,
    "no_file_contains": str, "file": str, "backup": str, "rows": str, "values": str,
    "branch": str,
    "databases_agree": str, "release_works": (bool, str), "release_never_broke": (bool, str),
}
# Where a `field` expectation looks: the migration files' model state, or the models.py files.
FIELD_SOURCES = ("migrations", "models")
# The rows a backup must hold: as they were when the step began, or at the lesson's start.
BACKUP_OF = ("step", "start")
# A migration named by what it does rather than by its name (see MigrationSelector).
SELECTOR_FIELDS: dict[str, type] = {
    "app": str, "name": str, "after": str, "operations": list, "replaces": list,
    "depends_on": list, "initial": bool,
}
# Each question asks for something the live state answers; see `questions.py`.
QUESTION_KINDS = {"applied_migrations", "unapplied_migrations", "orphan_migrations",
                  "would_unapply", "columns", "row_count"}
# Which state a question is about: the live one, the one the step began in, or the one in
# which the step's expectations hold (an answer before that state is reached is not taken).
QUESTION_ABOUT = ("now", "step_start", "goal")


@dataclass(frozen=True)
class MigrationSelector:
    """A migration identified by what it does: its app, and any of its name, the migration it
    comes right after, its operations (as Django describes them), the migrations a squash
    replaces, the migrations it depends on, or being an app's initial migration. A lesson
    whose point is not the name uses this, so that `0002_product_price` passes where
    `0002_add_price_to_product` would."""

    app: str = "store"
    name: str = ""
    after: str = ""                          # a name in the same app
    operations: tuple[str, ...] | None = None  # exactly these, in order; () is "none at all"
    replaces: tuple[str, ...] | None = None  # names in the same app; () is "none at all"
    depends_on: tuple[str, ...] = ()         # app.name, among its dependencies
    initial: bool | None = None

    def words(self) -> str:
        """The selector as a learner would say it."""
        if self.name and not self.identifies_by_deed:
            return f"{self.app}.{self.name}"
        parts = [f"the {self.app} migration {self.name}" if self.name
                 else f"a {self.app} migration"]
        if self.initial:
            parts.append("that is the app's initial migration")
        if self.after:
            parts.append(f"right after {self.after}")
        if self.replaces is not None:
            parts.append(("that replaces " + listed(self.replaces)) if self.replaces
                         else "that replaces no migration")
        if self.depends_on:
            parts.append("that depends on " + listed(self.depends_on))
        if self.operations is not None:
            parts.append(("that does " + "; ".join(self.operations)) if self.operations
                         else "with no operations")
        return " ".join(parts)

    @property
    def identifies_by_deed(self) -> bool:
        return bool(self.after or self.replaces is not None or self.depends_on
                    or self.initial is not None
                    or self.operations is not None)


@dataclass(frozen=True)
class Expectation:
    kind: str
    subject: Any   # a MigrationSelector for `migration`; a list of names and selectors for
    options: dict[str, Any]  # `only_migrations`; else what the TOML gives
    explain: str = ""
    # The explain is said only when these conditions are all observed in the state: a cause
    # is named only where it is seen.
    when: tuple["Expectation", ...] = ()
    # For a condition: whether it must hold (true) or not hold (false) to be observed.
    holds: bool = True
    # Which of the sandbox's databases it is about: `default` (the learner's own) or one the
    # lesson's start declares (`[[start.databases]]`).
    database: str = DEFAULT_DATABASE
    # The backends it is checked on (empty: every one): where a lesson's story differs.
    backends: tuple[str, ...] = ()

    def checked_on(self, backend: str) -> bool:
        return not self.backends or backend in self.backends


# What a step may change that the protections every step holds would otherwise refuse (see
# `protections.py`): `[[steps.allow]]` tables, each with exactly one of these keys (its
# subject), and the options listed for it.
ALLOWANCE_FIELDS: dict[str, dict[str, type | tuple]] = {
    "rows": {"columns": list, "ids": list},  # a table: its rows may change (or go)
    "drift": {},                              # an app: its schema may differ from its record
    "orphans": {},                            # an app: applied migrations may lack a file
    "conflicts": {},                          # an app: its graph may have two leaves
    "new_database": {},                       # true: the database may be deleted or replaced
    "broken_release": {},                     # a release: it may be broken at the step's end
}
ALLOWANCE_TYPES: dict[str, type | tuple] = {
    "rows": str, "drift": str, "orphans": str, "conflicts": str, "new_database": bool,
    "broken_release": str,
}


@dataclass(frozen=True)
class Allowance:
    """An exception a step declares to the protections: what its goal says may change, as
    narrowly as the goal says it ("prices of store_product change", "discount may go on
    teammate"). `lint-lessons --solve` reports one that the reference solution never needs."""

    kind: str                      # one of ALLOWANCE_FIELDS
    subject: Any                   # a table, an app, a release's name; True for new_database
    database: str = DEFAULT_DATABASE
    columns: tuple[str, ...] = ()  # rows: only these columns' values (the rows stay)
    ids: tuple[Any, ...] = ()      # rows: only the rows with these primary keys
    backends: tuple[str, ...] = ()  # where it applies (empty: every backend)
    where: str = field(default="", compare=False)  # its place in the file: "steps[1].allow[0]"
    # Why it is there although the reference solution does not need it: the right road, by
    # another name or another order, that does ("" : the reference solution needs it).
    why: str = field(default="", compare=False)

    def checked_on(self, backend: str) -> bool:
        return not self.backends or backend in self.backends

    def words(self) -> str:
        """The allowance as the lesson means it: "rows of store_product may change"."""
        on = "" if self.database == DEFAULT_DATABASE else f" on {self.database}"
        if self.kind == "rows":
            which = f"the rows with id {listed([str(i) for i in self.ids])} of " if self.ids \
                else "rows of "
            what = (f"{listed(list(self.columns))} in " if self.columns else "") + which
            return f"{what}{self.subject} may {'change' if self.columns else 'change or go'}{on}"
        if self.kind == "drift":
            return f"{self.subject}'s schema may differ from its record{on}"
        if self.kind == "orphans":
            return f"applied {self.subject} migrations may lack their file{on}"
        if self.kind == "conflicts":
            return f"{self.subject}'s migration graph may have more than one leaf"
        if self.kind == "new_database":
            return f"the database may be replaced{on}"
        return f"release {self.subject} may be broken"


@dataclass(frozen=True)
class AcceptedMutant:
    """A mutant of the step's reference solution that passes the step and is right all the
    same (see `mutants.py`), named as the mutation lint names it ("drop 2", "swap 1 2"), with
    the reason it is right: what the goal allows."""

    mutant: str
    why: str


@dataclass(frozen=True)
class Explanation:
    """Text shown when a step passes; with `when`, only if those conditions are observed in
    the state that passed it (another path to the goal gets words that fit it)."""

    text: str
    when: tuple[Expectation, ...] = ()


@dataclass(frozen=True)
class Invariant:
    """An expectation of the whole lesson: it must hold at each step it applies to (every
    step, or the 1-based `steps`), also when steps are done several at once."""

    expectation: Expectation
    steps: tuple[int, ...] = ()  # empty: every step

    def applies_to(self, index: int) -> bool:
        return not self.steps or index + 1 in self.steps


# The programs a lesson's commands may run: Django's own, and git for lessons about branches.
MANAGE_PREFIX = "python manage.py "
GIT_PREFIX = "git "
# Apps a lesson's start can add beside `store`: folders of sandbox_project/extra_apps/.
EXTRA_APPS_FOLDER = "extra_apps"


@dataclass(frozen=True)
class SolutionAction:
    """One step of a reference solution (or of a lesson's start): a command, deleting a file,
    or editing one."""

    run: str = ""
    fails: bool = False  # the command is meant to fail: the lesson shows Django's error
    delete: str = ""
    edit: str = ""
    replace: str = ""
    with_text: str = ""

    @property
    def is_git(self) -> bool:
        return self.run.startswith(GIT_PREFIX)

    def describe(self) -> str:
        """The action as a learner would type or do it."""
        if self.run:
            return self.run
        if self.delete:
            return f"rm {self.delete}"
        return f"edit {self.edit}: replace {self.replace!r} with {self.with_text!r}"


@dataclass(frozen=True)
class Question:
    """A question about the sandbox whose right answer is read from the live state."""

    ask: str
    kind: str                     # one of QUESTION_KINDS
    app: str = "store"
    table: str = "store_product"
    target: str = ""              # for would_unapply: the migration given to `migrate`
    choices: list[str] = field(default_factory=list)  # offered answers, where not derived
    about: str = "now"            # one of QUESTION_ABOUT
    database: str = DEFAULT_DATABASE  # the database it asks about (see Expectation.database)


@dataclass(frozen=True)
class Step:
    title: str
    goal: str
    hints: list[str]
    solution: list[SolutionAction]
    expectations: list[Expectation]
    explanations: tuple[Explanation, ...] = ()
    question: Question | None = None
    # The release deployed as this step begins (a `Release.name`): it runs from here on.
    release: str = ""
    # What the step may change that the protections would otherwise refuse.
    allowances: tuple[Allowance, ...] = ()
    # Mutants of its solution that pass it rightly (`lint-lessons --mutants`).
    accepted_mutants: tuple[AcceptedMutant, ...] = ()
    # A later step undoes what this one leaves, and a road that never did this step is no
    # wrong road: a check that finds the later step's goal holding passes this one too. (By
    # default a step is passed only where its own goal shows.)
    passes_with_a_later_step: bool = False
    # The step as told on another backend (`[steps.on.postgresql]`): its fields there.
    variants: dict[str, "Step"] = field(default_factory=dict, compare=False, repr=False)

    def told_on(self, backend: str) -> "Step":
        """The step on `backend`: its variant there, if any, with only the expectations
        checked there."""
        import dataclasses

        step = self.variants.get(backend, self)
        return dataclasses.replace(
            step, variants={}, expectations=[e for e in step.expectations
                                             if e.checked_on(backend)],
            allowances=tuple(a for a in step.allowances if a.checked_on(backend)))


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


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    intro: str
    start: Start
    steps: list[Step]
    file: Path = field(compare=False)
    invariants: list[Invariant] = field(default_factory=list)
    # Where resources not beside the lesson are found: the shipped lessons folder, so that an
    # instructor's own lesson can use the shipped models versions (None: the shipped one).
    shared: Path | None = field(default=None, compare=False)
    # The database backends the lesson's story holds on (empty: every one the tutor has).
    backends: tuple[str, ...] = ()
    # The releases of the shop's code that run during the lesson: the first from the start,
    # each other from the step that names it (`Step.release`).
    releases: list[Release] = field(default_factory=list)
    # The backend this telling of the lesson is for ("": any, the lesson tells no variant),
    # and the lesson as told on each backend (`on`, `[steps.on.X]`, an expectation's
    # `backends`), one telling shared by all of them.
    told: str = ""
    tellings: dict[str, "Lesson"] = field(default_factory=dict, compare=False, repr=False)
    # Whether the lesson is one of the tutor's own: decided once, from the path its text was
    # read from (links followed), never from the path again (a link swapped in later is not
    # the text that was read).
    shipped: bool = field(default=False, compare=False)
    # The bytes its text was parsed from (b"": not known), and the bytes of its files as they
    # were when its course was trusted (`pin`): what runs is what was trusted.
    source: bytes = field(default=b"", compare=False, repr=False)
    pinned: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    def on(self, backend: str) -> "Lesson":
        """The lesson as told where the sandbox's database is `backend`."""
        return self.tellings.get(backend, self)

    def unavailable_on(self, backend: str) -> str:
        """Why the lesson cannot be taken on this backend ("" when it can)."""
        if not self.backends or backend in self.backends:
            return ""
        return (f"it teaches what {self.backends_named()} does, and the sandbox's database is "
                f"on {VENDOR_NAMES.get(backend, backend)}")

    def backends_named(self) -> str:
        """The backends the lesson's story holds on, by name: "SQLite"."""
        return " and ".join(VENDOR_NAMES[b] for b in self.backends)

    def require_backend(self, backend: str) -> None:
        reason = self.unavailable_on(backend)
        if reason:
            raise LessonUnavailable(self.id, reason, self.where_to_take())

    def where_to_take(self) -> str:
        """How to take the lesson where its story holds: on SQLite if it can be, else on a
        server of its first backend."""
        if not self.backends or "sqlite" in self.backends:
            return f"`tutor reset {self.id} --database sqlite` takes it on SQLite."
        backend = self.backends[0]
        return (f"`tutor reset {self.id} --database {backend}://USER@HOST/` takes it on a "
                f"{VENDOR_NAMES[backend]} server (the README's \"--database\" says what the "
                "server needs).")

    def release(self, name: str) -> Release | None:
        return next((release for release in self.releases if release.name == name), None)

    def running_release(self, index: int) -> Release | None:
        """The release running while step `index` (from 0) is the learner's: the last one
        deployed at or before it, else the first."""
        return self.release(_running_at(self.steps, self.releases, index))

    def database_file(self, name: str) -> str:
        """The SQLite file of one of the lesson's databases, in the sandbox folder."""
        for database in self.start.databases:
            if database.name == name:
                return database.file
        return "db.sqlite3"

    def invariants_at(self, index: int) -> list[Expectation]:
        """The lesson's invariants that step `index` (from 0) must also meet."""
        return [inv.expectation for inv in self.invariants if inv.applies_to(index)]

    def models_source(self, version: str, app: StartApp | None = None) -> str:
        return self.resource((app or self.start.store).models_file(version))

    def imported_resources(self) -> list[str]:
        """The files beside the lesson that Django imports, whatever their names: each app's
        models versions and the migration files the start copies."""
        names = []
        for app in self.start.apps:
            names.extend(m.source or app.models_file(m.models) for m in app.migrations)
            names.append(app.models_file(app.models))
        return names

    def start_resources(self) -> list[str]:
        """Every file beside the lesson that its start state is built from, and the models its
        releases run with."""
        names = self.imported_resources()
        names.extend(extra.source for extra in self.start.files)
        names.extend(models_file("store", release.models) for release in self.releases
                     if release.models)
        return sorted(set(names))

    def tools_needed(self) -> list[str]:
        """Programs the lesson needs besides Python and Django."""
        return ["git"] if self.start.git else []

    def tools_missing(self) -> list[str]:
        """Needed programs this machine does not have: the lesson is skipped, not failed."""
        import shutil

        return [tool for tool in self.tools_needed() if shutil.which(tool) is None]

    def resource(self, relative: str) -> str:
        """A file shipped beside the lesson (a models version, a migration, a fixture), or
        else in the shipped lessons folder."""
        return self.resource_bytes(relative).decode("utf-8")

    def resource_bytes(self, relative: str) -> bytes:
        """The file's bytes: as they were pinned when the course was trusted, if they were."""
        pinned = self.pinned.get(relative)
        return pinned if pinned is not None else self.resource_path(relative).read_bytes()

    def pin(self, relative: str, content: bytes) -> None:
        """Keep `content` as the file's bytes for every later use (every telling of the
        lesson shares one `pinned`)."""
        self.pinned[relative] = content

    def resource_path(self, relative: str) -> Path:
        # Beside the file the lesson really is (links followed), the path that also decides
        # whether it is shipped: a link to a shipped lesson is the shipped lesson, files and
        # all, never the shipped text with the Python that lies beside the link.
        beside = self.file.resolve().parent
        folders = _resource_folders(beside, self.shared)
        return _find_resource(folders, relative) or beside / relative


def is_shipped_lesson(file: Path) -> bool:
    """Whether a lesson file is one of the tutor's own: directly in the shipped lessons (links
    followed: `Lesson.resource_path` finds its files on the same path)."""
    return file.resolve().parent == resource_dir("lessons").resolve()


def _resource_folders(beside: Path, shared: Path | None) -> list[Path]:
    """Where a lesson's resources are looked up: beside it first, then the shared folder."""
    shared = shared or resource_dir("lessons")
    return [beside] if shared == beside else [beside, shared]


def _find_resource(folders: list[Path], relative: str) -> Path | None:
    """The first folder's file of that name, if it is a file inside that folder (a symlink
    that leads out of it does not count: a lesson's sources are its own)."""
    for folder in folders:
        candidate = folder / relative
        if candidate.is_file() and is_within(candidate, folder):
            return candidate
    return None


def is_within(path: Path, folder: Path) -> bool:
    """Whether `path`, symlinks followed, is `folder` or inside it."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def inside_path(value: str, file: str, field_name: str, within: str = "the sandbox",
                *, itself: bool = False) -> str:
    """A path a lesson names: relative, and inside `within` (no absolute path, no drive, no
    `..`): a course handed to a room may not write, delete or read anywhere else. Only where
    `itself` may it name `within` itself (`.`)."""
    from pathlib import PurePosixPath, PureWindowsPath

    if not value.strip() or "\x00" in value:
        raise LessonFileError(file, field_name, "must name a file")
    windows = PureWindowsPath(value)
    if PurePosixPath(value).is_absolute() or windows.is_absolute() or windows.drive \
            or value.startswith(("/", "\\", "~")):
        raise LessonFileError(file, field_name, f"{value!r} is an absolute path: a lesson "
                                                f"names paths inside {within}")
    if ".." in value.replace("\\", "/").split("/"):
        raise LessonFileError(file, field_name, f"{value!r} leads out of {within} with `..`")
    import posixpath

    if not itself and posixpath.normpath(value.replace("\\", "/")) == ".":
        raise LessonFileError(file, field_name, f"{value!r} is {within} itself, not a file "
                                                f"in it")
    return value


class Course:
    """The lessons in course order. Each lesson file is read when first needed, so a command
    about one lesson never pays for parsing (or is stopped by) the others.

    A lesson is looked up in each of `folders` in turn (an instructor's own lessons first,
    then the shipped ones)."""

    def __init__(self, folders: Path | list[Path], order: list[str],
                 parsed: ParsedFiles | None = None, *, title: str = "",
                 file: Path | None = None):
        self.folders = [folders] if isinstance(folders, Path) else list(folders)
        self.order = list(order)
        self.parsed = parsed
        self.title = title
        self.file = file  # the course file read, if any
        self._loaded: dict[str, Lesson | LessonFileError] = {}
        # The backend each lesson is told for (see `Lesson.on`); set by the workspace, which
        # knows where the sandbox's database is (None: as on SQLite).
        self.backend_of: Callable[[str], str] | None = None

    def lesson_file(self, lesson_id: str) -> Path:
        """The file that holds the lesson: the first folder that has one wins."""
        candidates = [folder / f"{lesson_id}.toml" for folder in self.folders]
        return next((path for path in candidates if path.is_file()), candidates[0])

    def _load(self, lesson_id: str) -> Lesson | LessonFileError:
        if lesson_id not in self._loaded:
            try:
                self._loaded[lesson_id] = load_lesson(self.lesson_file(lesson_id), self.parsed)
            except LessonFileError as problem:
                self._loaded[lesson_id] = problem
        loaded = self._loaded[lesson_id]
        if isinstance(loaded, Lesson) and loaded.tellings and self.backend_of is not None:
            return loaded.on(self.backend_of(lesson_id))
        return loaded

    def get(self, lesson_id: str) -> Lesson:
        if lesson_id not in self.order:
            raise UnknownLesson(lesson_id, self.order)
        loaded = self._load(lesson_id)
        if isinstance(loaded, LessonFileError):
            raise loaded
        return loaded

    @property
    def lessons(self) -> list[Lesson]:
        """Every lesson that loads, in course order."""
        return [x for x in map(self._load, self.order) if isinstance(x, Lesson)]

    @property
    def problems(self) -> list[LessonFileError]:
        """Lesson files that could not be loaded; the rest of the course works without them."""
        return [x for x in map(self._load, self.order) if isinstance(x, LessonFileError)]

    @property
    def ids(self) -> list[str]:
        return [lesson.id for lesson in self.lessons]

    def first(self) -> Lesson | None:
        for lesson_id in self.order:
            loaded = self._load(lesson_id)
            if isinstance(loaded, Lesson):
                return loaded
        return None

    def next_after(self, lesson_id: str) -> Lesson | None:
        for following in self.order[self.order.index(lesson_id) + 1:]:
            loaded = self._load(following)
            if isinstance(loaded, Lesson):
                return loaded
        return None

    def number(self, lesson_id: str) -> int:
        """The lesson's place in the course, counting from 1."""
        return self.order.index(lesson_id) + 1


def load_course(course_file: Path | None = None, cache: Path | None = None) -> Course:
    """Read a course file: the shipped `lessons/course.toml` by default, an instructor's own
    file, or a folder's `course.toml`. Lessons are read as they are needed (parsed ones from
    `cache`, a JSON file, while they are unchanged).

    A course file has `format`, `order` (lesson ids), and optionally `title` and `lessons_dir`
    (relative to the course file; default: the course file's own folder). Lessons are looked
    up in lessons_dir first, then among the shipped ones.
    """
    parsed = ParsedFiles(cache)
    shipped = resource_dir("lessons")
    if course_file is None:
        course_file, name = shipped / COURSE_FILE, COURSE_FILE
    else:
        if course_file.is_dir():
            course_file = course_file / COURSE_FILE
        name = printable(str(course_file))  # a newline in it cannot fake a line
    if not course_file.is_file():
        raise CourseFileError(name, "", "the file does not exist")
    try:
        data = parsed.read(course_file)
    except LessonFileError as problem:
        raise CourseFileError(name, problem.field, problem.problem) from None
    reader = _Fields(data, name, error=CourseFileError)
    reader.require_format()
    title = reader.get("title", str, default="")
    lessons_dir = reader.get("lessons_dir", str, default="")
    order = reader.get("order", list)
    reader.finish()
    own = course_file.parent / lessons_dir
    if not own.is_dir():
        raise CourseFileError(name, "lessons_dir", f"there is no folder {own}")
    folders = _resource_folders(own, shipped)
    _check_order(order, folders, shipped, name)
    return Course(folders, order, parsed, title=title, file=course_file)


def _check_order(order: list, folders: list[Path], shipped: Path, name: str) -> None:
    """Every id names a lesson file in one of the folders, once: a typo in a workshop's course
    file is caught when the tutor starts, not when the class reaches that lesson."""
    if not order:
        raise CourseFileError(name, "order", "must list at least one lesson")
    seen: set[str] = set()
    for i, lesson_id in enumerate(order):
        if not isinstance(lesson_id, str):
            raise CourseFileError(name, f"order[{i}]", "must be a lesson id (a string)")
        if not LESSON_ID.fullmatch(lesson_id) or ".." in lesson_id:
            raise CourseFileError(name, f"order[{i}]", f"{lesson_id!r} is not a lesson id: "
                                                       "letters, digits, `-`, `_` and `.` (no "
                                                       "`..` and no `/`), the name of a file "
                                                       "in the lessons folder")
        if lesson_id in seen:
            raise CourseFileError(name, f"order[{i}]", f"{lesson_id!r} is listed twice")
        seen.add(lesson_id)
        if not any((folder / f"{lesson_id}.toml").is_file() for folder in folders):
            import difflib

            known = sorted({path.stem for folder in folders for path in folder.glob("*.toml")}
                           - {Path(COURSE_FILE).stem})
            close = difflib.get_close_matches(lesson_id, known, n=3, cutoff=0.4)
            where = " nor ".join("among the shipped lessons" if folder == shipped
                                 else f"in {folder}" for folder in folders)
            raise CourseFileError(
                name, f"order[{i}]",
                f"there is no lesson {lesson_id!r} ({lesson_id}.toml) {where}"
                + (f"; did you mean {', '.join(close)}?" if close else ""))


def load_lesson(path: Path, parsed: ParsedFiles | None = None,
                shared: Path | None = None) -> Lesson:
    """Read and validate a lesson file; the first problem found is raised. Resources not
    beside the lesson are looked up in `shared` (default: the shipped lessons folder)."""
    lesson = _read_lesson(path, parsed, shared, problems=None)
    assert lesson is not None
    return lesson


def lesson_problems(path: Path, parsed: ParsedFiles | None = None,
                    shared: Path | None = None) -> list[LessonFileError]:
    """Every problem in a lesson file, for `tutor lint-lessons`: the first of each part of it
    (each top-level field, the start, each step), where `load_lesson` stops at the first."""
    problems: list[LessonFileError] = []
    _read_lesson(path, parsed, shared, problems)
    return problems


def _read_lesson(path: Path, parsed: ParsedFiles | None, shared: Path | None,
                 problems: list[LessonFileError] | None) -> Lesson | None:
    def part(read, *args):
        """Read one part of the file; when collecting, a problem is noted and reading goes on
        with the next part."""
        if problems is None:
            return read(*args)
        try:
            return read(*args)
        except LessonFileError as problem:
            problems.append(problem)
            return None

    # One resolution of the path: its text is read from there, it is shipped or not by
    # there, and its files are found beside it.
    real = path.resolve()
    parsed = parsed or ParsedFiles()
    data = part(parsed.read, real)
    if data is None:
        return None
    shipped = is_shipped_lesson(real)
    name = path.name
    reader = _Fields(data, name)
    part(reader.require_format)
    lesson_id = part(reader.get, "id", str)
    if lesson_id is not None and lesson_id != path.stem:
        part(_fail, name, "id", f"is {lesson_id!r} but the file is named {path.stem}")
    title = part(reader.get, "title", str)
    summary = part(reader.get, "summary", str)
    intro = part(reader.get, "intro", str)
    start_data = part(reader.get, "start", dict)
    folders = _resource_folders(real.parent, shared)  # as Lesson.resource_path
    start = part(_load_start, start_data, name, folders) if start_data is not None else None
    steps_data = part(reader.get, "steps", list)
    invariants_data = part(reader.get, "invariants", list, [])
    releases_data = part(reader.get, "releases", list, [])
    backends = part(reader.get, "backends", list, []) or []
    if any(b not in VENDOR_NAMES for b in backends):
        part(_fail, name, "backends", f"may list {', '.join(VENDOR_NAMES)}")
    texts_on = part(_load_lesson_variants, part(reader.get, "on", dict, {}) or {}, name) or {}
    part(reader.finish)
    if steps_data is not None and not steps_data:
        part(_fail, name, "steps", "a lesson needs at least one step")
    steps = [part(_load_step, step, f"steps[{i}]", name)
             for i, step in enumerate(steps_data or [])]
    invariants = [part(_load_invariant, entry, f"invariants[{i}]", name, len(steps))
                  for i, entry in enumerate(invariants_data or [])]
    if start is not None and not start.git:
        part(_require_no_git, start, steps, name)
    releases = [part(_load_release, entry, f"releases[{i}]", name, folders)
                for i, entry in enumerate(releases_data or [])]
    if start is not None:
        part(_require_known_databases, start, steps, invariants, name)
        part(_require_known_releases, start, releases, steps, invariants, name)
    if problems:
        return None
    told_differently = bool(texts_on) or any(
        step.variants or any(e.backends for e in step.expectations) for step in steps) or any(
        i.expectation.backends for i in invariants)
    tellings: dict[str, Lesson] = {}
    pinned: dict[str, bytes] = {}  # one for every telling: one lesson's files
    for backend in (VENDOR_NAMES if told_differently else [""]):
        told = part(_told_on, backend, start, steps, invariants, releases, name)
        if told is None:  # a problem of a variant's, noted
            return None
        tellings[backend] = Lesson(
            id=lesson_id, **{"title": title, "summary": summary, "intro": intro,
                             **texts_on.get(backend, {})},
            start=start, steps=told[0], file=path, shared=shared, invariants=told[1],
            releases=releases, backends=tuple(backends), told=backend, tellings=tellings,
            shipped=shipped, source=parsed.raw.get(str(real), b""), pinned=pinned)
    # Where nothing names the backend, the lesson is told as on SQLite (it was written so).
    lesson = tellings.pop("", None) or tellings["sqlite"]
    return lesson


def _told_on(backend: str, start: Start, steps: list[Step], invariants: list[Invariant],
             releases: list[Release], file: str) -> tuple[list[Step], list[Invariant]]:
    """The steps and invariants as told on `backend` ("": a lesson told alike everywhere),
    each variant checked as the lesson's own steps are (its commands, its names)."""
    told_steps = [step.told_on(backend) for step in steps]
    told_invariants = [i for i in invariants if i.expectation.checked_on(backend)]
    if backend and any(step.variants for step in steps):
        if not start.git:
            _require_no_git(start, told_steps, file)
        _require_known_databases(start, told_steps, told_invariants, file)
        _require_known_releases(start, releases, told_steps, told_invariants, file)
    return _name_running_releases(told_steps, releases), told_invariants


LESSON_TEXTS = ("title", "summary", "intro")


def _load_lesson_variants(data: dict, file: str) -> dict[str, dict[str, str]]:
    """`[on.postgresql]`: the lesson's texts as told on another backend."""
    variants = {}
    for backend, texts, where in _backend_tables(data, "on", file, ", ".join(LESSON_TEXTS)):
        reader = _Fields(texts, file, where)
        variants[backend] = {key: reader.get(key, str) for key in LESSON_TEXTS if key in texts}
        reader.finish()
    return variants


def _backend_tables(data: Any, where: str, file: str, what: str):
    """`on`: a table for each backend, each a table of `what`: (backend, table, its place)."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table of backends")
    for backend, table in data.items():
        there = f"{where}.{backend}"
        if backend not in VENDOR_NAMES:
            raise LessonFileError(file, there, f"is not a backend: one of "
                                               f"{', '.join(VENDOR_NAMES)}")
        if not isinstance(table, dict):
            raise LessonFileError(file, there, f"must be a table of {what}")
        yield backend, table, there


def _load_invariant(data: Any, where: str, file: str, steps: int) -> Invariant:
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    numbers = data.get("steps", [])
    if not isinstance(numbers, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= steps for n in numbers):
        raise LessonFileError(file, f"{where}.steps",
                              f"must list step numbers from 1 to {steps}")
    expectation = _load_expectation({k: v for k, v in data.items() if k != "steps"}, where,
                                    file)
    return Invariant(expectation, tuple(numbers))


FIELD_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# A migration's name is a Python module's, in the app's migrations folder.
MIGRATION_NAME = re.compile(r"[A-Za-z0-9_]{1,100}")
# A lesson's id is its file's name, in the course's lessons folder.
LESSON_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
GIT_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,99}")
DATABASE_NAME = re.compile(r"[a-z][a-z0-9_]{0,30}")


def _in_sandbox(value: str, file: str, field_name: str) -> None:
    inside_path(value, file, field_name)


# What a lesson may not write, edit or delete in the sandbox: the tutor's own record of the
# build (without it the sandbox is no longer the tutor's to reset), and git's own folder
# (its config and hooks run programs: a file there is code no listing shows).
_NOT_WRITTEN = (".tutor-sandbox", ".git")


def _sandbox_target(value: str, file: str, field_name: str) -> None:
    """A file the tutor writes, edits or deletes: inside the sandbox, a file's name (not a
    folder's), no part longer than a file system takes, and none of the tutor's or git's."""
    inside_path(value, file, field_name)
    parts = [part for part in value.replace("\\", "/").split("/") if part not in ("", ".")]
    if value.endswith(("/", "\\")):
        raise LessonFileError(file, field_name, f"{value!r} names a folder: name a file")
    if any(len(part.encode("utf-8")) > 255 for part in parts):
        raise LessonFileError(file, field_name, f"{value[:60]!r}... has a part longer than "
                                                "255 bytes, more than a file system takes")
    if parts and parts[0] in _NOT_WRITTEN:
        raise LessonFileError(file, field_name, f"{value!r} is in {parts[0]}, which is the "
                                                "tutor's own or git's: a lesson does not write "
                                                "there")


def _sandbox_folder(value: str, file: str, field_name: str) -> None:
    inside_path(value, file, field_name, itself=True)


def _in_lesson_folder(value: str, file: str, field_name: str) -> None:
    inside_path(value, file, field_name, "the lesson's folder")


def _module_name(value: str, file: str, field_name: str) -> None:
    if not MIGRATION_NAME.fullmatch(value):
        raise LessonFileError(file, field_name, f"{value!r} is not a migration's name (letters, "
                                                "digits and _, as makemigrations names them)")


def _database_name(value: str, file: str, field_name: str) -> None:
    if not DATABASE_NAME.fullmatch(value) or value == DEFAULT_DATABASE:
        raise LessonFileError(file, field_name,
                              f"{value!r} must be a lower-case name (letters, digits, _) other "
                              "than 'default', the learner's own database")


# Every field of the lesson format whose value becomes a path (a file the tutor writes, reads,
# deletes or imports), by where it stands (`field_pattern`), and the rule that keeps it in its
# place. `_Fields.get` applies the rule to every field read at such a place: a field declared
# here cannot be read unchecked (tests/test_lesson_files.py plants `..` and absolute paths in
# each, and builds a lesson whose every other text leads out, to prove nothing else is a path).
PATH_FIELDS: dict[str, Callable[[str, str, str], None]] = {
    # Written into the sandbox, from files beside the lesson.
    "start.files[].path": _sandbox_target,
    "start.files[].source": _in_lesson_folder,
    # A migration of the start: a module in the app's migrations folder, made from a models
    # version (a file beside the lesson) or copied from a file beside it.
    "start.migrations[].name": _module_name,
    "start.migrations[].models": _in_lesson_folder,
    "start.migrations[].source": _in_lesson_folder,
    "start.models": _in_lesson_folder,
    "start.apps[].migrations[].name": _module_name,
    "start.apps[].migrations[].models": _in_lesson_folder,
    "start.apps[].migrations[].source": _in_lesson_folder,
    "start.apps[].models": _in_lesson_folder,
    # A database of the start: its SQLite file in the sandbox is named after it.
    "start.databases[].name": _database_name,
    "releases[].models": _in_lesson_folder,
    # What the start's and a solution's actions delete or edit.
    "start.commands[].delete": _sandbox_target,
    "start.commands[].edit": _sandbox_target,
    "steps[].solution[].delete": _sandbox_target,
    "steps[].solution[].edit": _sandbox_target,
    # What a check reads.
    "expect.file": _in_sandbox,
    "expect.backup": _in_sandbox,
    "expect.under": _sandbox_folder,
    "expect.same_as": _in_sandbox,
}


def field_pattern(where: str) -> str:
    """Where a field stands, as PATH_FIELDS names it: list indexes as `[]`, a backend's
    telling of a step (`steps[2].on.mysql.`) as the step, and every expectation (a step's, an
    invariant, a condition of either or of an explanation) as `expect`."""
    where = re.sub(r"\[\d+\]", "[]", where)
    where = re.sub(r"^steps\[\]\.on\.[a-z]+\.", "steps[].", where)
    return re.sub(r"^(?:steps\[\]\.expect\[\]|invariants\[\]|steps\[\]\.explanation\[\]"
                  r"\.when(?:\[\])?)(?:\.when(?:\[\])?)?\.", "expect.", where)


def _load_release(data: Any, where: str, file: str, folders: list[Path]) -> Release:
    """`{ name = "1.4", database = "production", models = "...", reads = [...], inserts =
    [{ name = "Scarf", price = "12.00" }] }`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table with name, database and models")
    reader = _Fields(data, file, where)
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
        if not _find_resource(folders, made_from):
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


def _require_known_releases(start: Start, releases: list[Release | None],
                            steps: list[Step | None], invariants: list[Invariant | None],
                            file: str) -> None:
    """Releases have names of their own and run against a database of the lesson; a step
    deploys one of them, and an expectation names one that exists."""
    known = {DEFAULT_DATABASE, *(database.name for database in start.databases)}
    names = [release.name for release in releases if release is not None]
    if len(set(names)) != len(names):
        raise LessonFileError(file, "releases", "names a release twice")
    for i, release in enumerate(releases):
        if release is not None and release.ref and not start.git:
            raise LessonFileError(file, f"releases[{i}].ref",
                                  "needs a git repository: set git = true in [start]")
        if release is not None and release.database not in known:
            raise LessonFileError(file, f"releases[{i}].database",
                                  f"{release.database!r} is not a database of this lesson "
                                  f"(one of {', '.join(sorted(known))})")
    named = []
    for i, step in enumerate(steps):
        if step is None:
            continue
        if step.release and step.release not in names:
            named.append((f"steps[{i}].release", step.release))
        for j, expectation in enumerate(step.expectations):
            for where, e in ((f"steps[{i}].expect[{j}]", expectation),
                             *((f"steps[{i}].expect[{j}].when", c) for c in expectation.when)):
                if e.kind in RELEASE_KINDS:
                    named.append((f"{where}.release_works", e.subject))
        named += [(f"steps[{i}].allow[{j}].broken_release", a.subject)
                  for j, a in enumerate(step.allowances) if a.kind == "broken_release"]
        named += [(f"steps[{i}].explanation[{j}].when.{c.kind}", c.subject)
                  for j, part in enumerate(step.explanations) for c in part.when
                  if c.kind in RELEASE_KINDS]
    for i, invariant in enumerate(invariants):
        if invariant is not None and invariant.expectation.kind in RELEASE_KINDS:
            if invariant.expectation.subject is True:
                raise LessonFileError(file, f"invariants[{i}].release_works",
                                      "must name a release: an invariant spans steps that may "
                                      "run different ones")
            named.append((f"invariants[{i}].release_works", invariant.expectation.subject))
    for where, name in named:
        if name is True and not names:
            raise LessonFileError(file, where, "needs a release: the lesson declares none "
                                               "([[releases]])")
        if name is not True and name not in names:
            raise LessonFileError(file, where, f"{name!r} is not a release of this lesson (one "
                                               f"of {', '.join(names) or 'none'})")


def _running_at(steps: list[Step], releases: list[Release], index: int) -> str:
    """The name of the release running while step `index` (from 0) is the learner's: the
    last one deployed at or before it, else the first ("": the lesson has none)."""
    for step in reversed(steps[:index + 1]):
        if step.release:
            return step.release
    return releases[0].name if releases else ""


def _name_running_releases(steps: list[Step], releases: list[Release]) -> list[Step]:
    """`release_works = true` is about the release running at its step: name it."""
    import dataclasses

    def named(e: Expectation, running: str) -> Expectation:
        e = dataclasses.replace(e, when=tuple(named(c, running) for c in e.when))
        if e.kind in RELEASE_KINDS and e.subject is True:
            e = dataclasses.replace(e, subject=running)
        return e

    steps_named = []
    for index, step in enumerate(steps):
        running = _running_at(steps, releases, index)
        steps_named.append(dataclasses.replace(
            step, expectations=[named(e, running) for e in step.expectations],
            explanations=tuple(dataclasses.replace(x, when=tuple(named(c, running)
                                                                 for c in x.when))
                               for x in step.explanations)))
    return steps_named


def _require_no_git(start: Start, steps: list[Step | None], file: str) -> None:
    """A git command or a branch expectation only works in a sandbox that is a repository."""
    actions = [(f"start.commands[{i}]", a) for i, a in enumerate(start.commands)]
    branches = []
    for i, step in enumerate(steps):
        if step is not None:
            actions += [(f"steps[{i}].solution[{j}]", a) for j, a in enumerate(step.solution)]
            branches += [f"steps[{i}].expect[{j}].branch"
                         for j, e in enumerate(step.expectations) if e.kind == "branch"]
    for where, action in actions:
        if action.is_git:
            raise LessonFileError(file, where, "runs git, so [start] needs git = true")
    if branches:
        raise LessonFileError(file, branches[0],
                              "needs a git repository: set git = true in [start]")


def _require_known_databases(start: Start, steps: list[Step | None],
                              invariants: list[Invariant | None], file: str) -> None:
    """An expectation names `default` or a database the start declares: a typo would make a
    step that no state can pass."""
    known = {DEFAULT_DATABASE, *(database.name for database in start.databases)}
    named: list[tuple[str, Expectation | Question]] = []
    for i, step in enumerate(steps):
        if step is None:
            continue
        for j, expectation in enumerate(step.expectations):
            named.append((f"steps[{i}].expect[{j}]", expectation))
            named += [(f"steps[{i}].expect[{j}].when", c) for c in expectation.when]
        for j, explanation in enumerate(step.explanations):
            named += [(f"steps[{i}].explanation[{j}].when", c) for c in explanation.when]
        if step.question is not None:
            named.append((f"steps[{i}].question", step.question))
        named += [(f"steps[{i}].allow[{j}]", allowance)
                  for j, allowance in enumerate(step.allowances)]
    for i, invariant in enumerate(invariants):
        if invariant is not None:
            named.append((f"invariants[{i}]", invariant.expectation))
    for where, expectation in named:
        for other in getattr(expectation, "options", {}).get("databases", []):
            if other not in known:
                raise LessonFileError(file, f"{where}.databases",
                                      f"{other!r} is not a database of this lesson (one of "
                                      f"{', '.join(sorted(known))})")
        if expectation.database not in known:
            raise LessonFileError(file, f"{where}.database",
                                  f"{expectation.database!r} is not a database of this lesson "
                                  f"(one of {', '.join(sorted(known))})")


def _fail(file: str, field_name: str, problem: str):
    raise LessonFileError(file, field_name, problem)


class ParsedFiles:
    """Parsed lesson files, kept as JSON (in the tutor's home) and used again while a file's
    content is unchanged: parsing a dozen TOML files in pure Python would cost `tutor lessons`
    a fifth of its time. Without a cache path, every file is parsed."""

    def __init__(self, path: Path | None = None):
        self.path = path
        self.entries: dict[str, list] = {}
        self.raw: dict[str, bytes] = {}  # file -> the bytes last parsed
        if path is not None:
            try:
                entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):  # a damaged cache only costs time
                entries = {}
            # Only entries of the cache's own shape are kept: anything else (written by
            # something else, or damaged) would be written back at the next save.
            self.entries = {name: entry for name, entry in entries.items()
                            if isinstance(entry, list) and len(entry) == 2
                            and isinstance(entry[0], str) and isinstance(entry[1], dict)
                            } if isinstance(entries, dict) else {}

    def read(self, file: Path) -> dict:
        try:
            raw = file.read_bytes()
        except FileNotFoundError:
            raise LessonFileError(file.name, "", "the file does not exist") from None
        except OSError as error:
            raise LessonFileError(file.name, "", f"cannot be read: {error}") from None
        self.raw[str(file)] = raw
        digest = fingerprint([raw])
        entry = self.entries.get(str(file))
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest:
            return entry[1]  # (also without a cache file: lint reads a file several times)
        data = _parse_toml(raw, file.name)
        self.entries[str(file)] = [digest, data]
        if self.path is not None:
            self._save()
        return data

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, json.dumps(self.entries), durable=False)
        except (OSError, TypeError, ValueError, RecursionError):
            pass  # a cache that cannot be written (or holds what JSON cannot) only costs time



def _parse_toml(raw: bytes, name: str) -> dict:
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise LessonFileError(name, "", f"not valid TOML: {error}") from None
    except RecursionError:
        raise LessonFileError(name, "", "nested too deeply to be read") from None
    except UnicodeDecodeError as error:
        raise LessonFileError(name, "", f"cannot be read: {error}") from None


def _load_start(data: dict, file: str, folders: list[Path]) -> Start:
    reader = _Fields(data, file, "start")
    store = _load_start_app(reader, "store", "start", file, folders)
    apps = [store]
    for i, entry in enumerate(reader.get("apps", list, default=[])):
        where = f"start.apps[{i}]"
        if not isinstance(entry, dict):
            raise LessonFileError(file, where, "must be a table with name, migrations, applied")
        app_reader = _Fields(entry, file, where)
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
        entry_reader = _Fields(entry, file, where)
        files.append(StartFile(entry_reader.get("path", str), entry_reader.get("source", str)))
        entry_reader.finish()
        _require_file(folders, files[-1].source, file, f"{where}.source")
    git = reader.get("git", bool, default=False)
    commands = [_load_action(command, f"start.commands[{i}]", file)
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
    reader = _Fields(data, file, where)
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


def _load_start_app(reader: _Fields, app: str, where: str, file: str,
                    folders: list[Path]) -> StartApp:
    """An app's `migrations`, `applied` and `models`, read from `[start]` (store) or from one
    of `[[start.apps]]`."""
    migrations = []
    for i, entry in enumerate(reader.get("migrations", list)):
        at = f"{where}.migrations[{i}]"
        if isinstance(entry, str):  # a name, made from the models version of that name
            entry = {"name": entry, "models": entry}
        if isinstance(entry, dict):
            entry_reader = _Fields(entry, file, at)
            name = entry_reader.get("name", str)
            source = entry_reader.get("source", str, default="")
            models = entry_reader.get("models", str, default=name if source else _MISSING)
            migration = StartMigration(name, models, source)
            entry_reader.finish()
            if source:
                _require_file(folders, source, file, f"{at}.source")
        else:
            raise LessonFileError(file, at, "must be a migration name or a table")
        made_from = models_file(app, migration.models)
        if not migration.source and not _find_resource(folders, made_from):
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
    if not _find_resource(folders, models_file(app, models)):
        raise LessonFileError(file, f"{where}.models",
                              f"no models version {models_file(app, models)}")
    return StartApp(app, migrations, applied, models)


def _extra_apps() -> set[str]:
    folder = resource_dir("sandbox_project") / EXTRA_APPS_FOLDER
    return {path.name for path in folder.iterdir() if (path / "apps.py").is_file()} \
        if folder.is_dir() else set()


def _require_file(folders: list[Path], relative: str, file: str, field_name: str) -> None:
    if not _find_resource(folders, relative):
        if any((folder / relative).is_file() for folder in folders):
            raise LessonFileError(file, field_name, f"{relative} is a link that leads out of "
                                                    "the lesson's folder")
        raise LessonFileError(file, field_name, f"no file {relative} beside the lesson")


def _load_step(data: Any, where: str, file: str) -> Step:
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    step = _load_step_fields(data, where, file)
    variants = {}
    for backend, fields, there in _backend_tables(data.get("on", {}), f"{where}.on", file,
                                                  "the step's fields"):
        for key in ("on", "release"):
            if key in fields:
                raise LessonFileError(file, f"{there}.{key}",
                                      "is the same on every backend: give it in the step")
        variants[backend] = _load_step_fields(
            {**{k: v for k, v in data.items() if k != "on"}, **fields}, there, file)
    import dataclasses

    return dataclasses.replace(step, variants=variants)


def _load_step_fields(data: dict, where: str, file: str) -> Step:
    reader = _Fields({k: v for k, v in data.items() if k != "on"}, file, where)
    title = reader.get("title", str)
    goal = reader.get("goal", str)
    hints = reader.get("hints", list)
    if not hints or not all(isinstance(h, str) for h in hints):
        raise LessonFileError(file, f"{where}.hints", "needs at least one hint, each a string")
    question_data = reader.get("question", dict, default=None)
    question = _load_question(question_data, f"{where}.question", file) \
        if question_data is not None else None
    # A question step is solved by answering it; its solution and expectations are optional.
    optional = [] if question else _MISSING
    solution = [
        _load_action(action, f"{where}.solution[{i}]", file)
        for i, action in enumerate(reader.get("solution", list, default=optional))
    ]
    if not solution and not question:
        raise LessonFileError(file, f"{where}.solution", "needs at least one action")
    expectations = [
        _load_expectation(entry, f"{where}.expect[{i}]", file)
        for i, entry in enumerate(reader.get("expect", list, default=optional))
    ]
    if not expectations and not question:
        raise LessonFileError(file, f"{where}.expect", "needs at least one expectation")
    explanations = _load_explanations(reader.get("explanation", (str, list), default=""),
                                      f"{where}.explanation", file)
    release = reader.get("release", str, default="")
    allowances = tuple(_load_allowance(entry, f"{where}.allow[{i}]", file)
                       for i, entry in enumerate(reader.get("allow", list, default=[])))
    accepted = tuple(_load_accepted_mutant(entry, f"{where}.accepted_mutants[{i}]", file)
                     for i, entry in enumerate(reader.get("accepted_mutants", list,
                                                          default=[])))
    passes_later = reader.get("passes_with_a_later_step", bool, default=False)
    reader.finish()
    return Step(title=title, goal=goal, hints=hints, solution=solution,
                expectations=expectations, explanations=explanations, question=question,
                release=release, allowances=allowances, accepted_mutants=accepted,
                passes_with_a_later_step=passes_later)


def _load_accepted_mutant(data: Any, where: str, file: str) -> AcceptedMutant:
    """`{ mutant = "drop 2", why = "two migrates instead of one: the goal allows it" }`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table with `mutant` and `why`")
    reader = _Fields(data, file, where)
    mutant = reader.get("mutant", str)
    why = reader.get("why", str)
    if not why.strip():
        raise LessonFileError(file, f"{where}.why", "must say why the mutant is right")
    reader.finish()
    return AcceptedMutant(mutant.strip(), why)


def _load_allowance(data: Any, where: str, file: str) -> Allowance:
    """`{ rows = "store_product", columns = ["price"], database = "production" }`, `{ drift =
    "store" }`, `{ orphans = "store" }`, `{ new_database = true }`, `{ broken_release = "1.4"
    }`: what the step may change, each with an optional `database` and `backends`."""
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    kinds = [key for key in data if key in ALLOWANCE_FIELDS]
    if len(kinds) != 1:
        raise LessonFileError(file, where, f"needs exactly one of {', '.join(ALLOWANCE_FIELDS)} "
                                           f"(found {len(kinds)})")
    kind = kinds[0]
    reader = _Fields(data, file, where)
    subject = reader.get(kind, ALLOWANCE_TYPES[kind])
    if kind == "new_database" and subject is not True:
        raise LessonFileError(file, f"{where}.{kind}", "must be true")
    if isinstance(subject, str) and not subject.strip():
        raise LessonFileError(file, f"{where}.{kind}", "must name what may change")
    columns = reader.get("columns", list, default=[]) if kind == "rows" else []
    ids = reader.get("ids", list, default=[]) if kind == "rows" else []
    if not all(isinstance(c, str) and c for c in columns):
        raise LessonFileError(file, f"{where}.columns", "must list column names")
    if not all(isinstance(i, (str, int)) and not isinstance(i, bool) for i in ids):
        raise LessonFileError(file, f"{where}.ids", "must list primary keys")
    database = DEFAULT_DATABASE
    if kind in ("broken_release", "conflicts"):
        if "database" in data:
            raise LessonFileError(file, f"{where}.database",
                                  f"{kind} is not about one database: leave it out")
    else:
        database = reader.get("database", str, default=DEFAULT_DATABASE)
    backends = _load_backends(reader, data, where, file)
    why = reader.get("why", str, default="")
    if "why" in data and not why.strip():
        raise LessonFileError(file, f"{where}.why", "must name the road that needs it")
    reader.finish()
    return Allowance(kind=kind, subject=subject, database=database, columns=tuple(columns),
                     ids=tuple(ids), backends=backends, where=where, why=why)


def _load_explanations(value: Any, where: str, file: str) -> tuple[Explanation, ...]:
    """A string, or a list of `{ text = ..., when = condition(s) }` tables."""
    if isinstance(value, str):
        return (Explanation(value),) if value else ()
    parts = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise LessonFileError(file, f"{where}[{i}]", "must be a table with `text`")
        reader = _Fields(entry, file, f"{where}[{i}]")
        text = reader.get("text", str)
        when = _load_conditions(reader.get("when", (dict, list), default=None),
                                f"{where}[{i}].when", file)
        reader.finish()
        parts.append(Explanation(text, when))
    return tuple(parts)


def _load_backends(reader: _Fields, data: dict, where: str, file: str) -> tuple[str, ...]:
    """An expectation's or an allowance's `backends`: where it applies (none: everywhere)."""
    backends = reader.get("backends", list, default=[])
    if not backends and "backends" in data or any(b not in VENDOR_NAMES for b in backends):
        raise LessonFileError(file, f"{where}.backends",
                              f"must list some of {', '.join(VENDOR_NAMES)}")
    return tuple(backends)


def _load_conditions(value: Any, where: str, file: str) -> tuple[Expectation, ...]:
    """`when`: one condition (an expectation table, with an optional `holds = false`) or a
    list of them, all of which must be observed."""
    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    return tuple(_load_expectation(entry, f"{where}[{i}]" if isinstance(value, list) else where,
                                   file, condition=True)
                 for i, entry in enumerate(entries))


def _load_question(data: dict, where: str, file: str) -> Question:
    reader = _Fields(data, file, where)
    ask = reader.get("ask", str)
    kind = reader.get("answer", str)
    if kind not in QUESTION_KINDS:
        raise LessonFileError(file, f"{where}.answer",
                              f"{kind!r} is not one of {', '.join(sorted(QUESTION_KINDS))}")
    question = Question(
        ask=ask, kind=kind, app=reader.get("app", str, default="store"),
        table=reader.get("table", str, default="store_product"),
        target=reader.get("target", str, default=""),
        choices=reader.get("choices", list, default=[]),
        about=reader.get("about", str, default="now"),
        database=reader.get("database", str, default=DEFAULT_DATABASE),
    )
    if question.about not in QUESTION_ABOUT:
        raise LessonFileError(file, f"{where}.about",
                              f"{question.about!r} is not one of {', '.join(QUESTION_ABOUT)}")
    if kind == "would_unapply" and not question.target:
        raise LessonFileError(file, f"{where}.target", "is needed by would_unapply")
    if kind == "columns" and not question.choices:
        raise LessonFileError(file, f"{where}.choices", "columns questions need choices")
    reader.finish()
    return question


def _load_action(data: Any, where: str, file: str) -> SolutionAction:
    if isinstance(data, str):
        return SolutionAction(run=_command(data, where, file))
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a command or a table")
    reader = _Fields(data, file, where)
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


def _load_expectation(data: Any, where: str, file: str, condition: bool = False) -> Expectation:
    if not isinstance(data, dict):
        raise LessonFileError(file, where, "must be a table")
    kinds = [key for key in data if key in EXPECTATION_FIELDS]
    if len(kinds) != 1:
        raise LessonFileError(
            file, where,
            f"needs exactly one of {', '.join(EXPECTATION_FIELDS)} (found {len(kinds)})",
        )
    kind = kinds[0]
    reader = _Fields(data, file, where)
    subject = reader.get(kind, KIND_TYPES[kind])
    if kind == "migration":
        subject = _load_selector(subject, f"{where}.{kind}", file)
    elif kind == "only_migrations":
        app = data.get("app", "store")
        subject = [name if isinstance(name, str)
                   else _load_selector({"app": app, **name} if isinstance(name, dict) else name,
                                       f"{where}.{kind}[{i}]", file)
                   for i, name in enumerate(subject)]
    elif kind == "reverses" and subject.count(".") != 1:
        raise LessonFileError(file, f"{where}.{kind}", f"{subject!r} must look like 'app.name'")
    elif kind in ("column", "values") and subject.count(".") != 1:
        raise LessonFileError(file, f"{where}.{kind}",
                              f"{subject!r} must look like 'table.column'")
    elif kind == "field" and subject.count(".") != 2:
        raise LessonFileError(file, f"{where}.{kind}",
                              f"{subject!r} must look like 'app.model.field'")
    elif kind in ("files_build_database", "database_kept") and subject is not True:
        raise LessonFileError(file, f"{where}.{kind}", "must be true")
    elif kind in RELEASE_KINDS and subject is False:
        raise LessonFileError(file, f"{where}.{kind}",
                              "must be true (the running release) or a release's name")
    if kind in SEEN_KINDS and not condition:
        raise LessonFileError(file, f"{where}.{kind}",
                              "is about what the tutor saw during the step, not about the "
                              "state: use it as a condition (`when`) of an explanation")
    options = {}
    for option, option_type in EXPECTATION_FIELDS[kind].items():
        if option in data:
            options[option] = reader.get(option, option_type)
    if kind == "backup" and (not options.get("tables") or not all(
            isinstance(t, str) and t for t in options["tables"])):
        raise LessonFileError(file, f"{where}.tables",
                              "names the tables whose every row the backup must hold")
    if options.get("source", "migrations") not in FIELD_SOURCES:
        raise LessonFileError(file, f"{where}.source", f"is one of {', '.join(FIELD_SOURCES)}")
    if options.get("of", "step") not in BACKUP_OF:
        raise LessonFileError(file, f"{where}.of", f"is one of {', '.join(BACKUP_OF)}")
    if kind == "rows" and not ({"count", "same_as"} & set(options)):
        raise LessonFileError(file, where, "rows needs `count` or `same_as`")
    database = reader.get("database", str, default=DEFAULT_DATABASE)
    if database != DEFAULT_DATABASE and kind in FILE_KINDS:
        raise LessonFileError(file, f"{where}.database",
                              f"{kind} is about the files, which every database shares: "
                              "leave `database` out")
    if "database" in data and kind in RELEASE_KINDS:
        raise LessonFileError(file, f"{where}.database",
                              f"{kind} runs against the release's own database (its "
                              "`database` in [[releases]]): leave `database` out")
    if condition:
        holds = reader.get("holds", bool, default=True)
        reader.finish()
        return Expectation(kind=kind, subject=subject, options=options, holds=holds,
                           database=database)
    explain = reader.get("explain", str, default="")
    backends = _load_backends(reader, data, where, file)
    when = _load_conditions(reader.get("when", (dict, list), default=None), f"{where}.when",
                            file)
    if when and not explain:
        raise LessonFileError(file, f"{where}.when", "is a condition for `explain`, which is "
                                                     "missing")
    reader.finish()
    return Expectation(kind=kind, subject=subject, options=options, explain=explain,
                       when=when, database=database, backends=backends)


def _load_selector(value: Any, where: str, file: str) -> MigrationSelector:
    """`"app.name"`, or a table of SELECTOR_FIELDS naming a migration by what it does."""
    if isinstance(value, str):
        if value.count(".") != 1:
            raise LessonFileError(file, where, f"{value!r} must look like 'app.name'")
        app, name = value.split(".")
        return MigrationSelector(app=app, name=name)
    if not isinstance(value, dict):
        raise LessonFileError(file, where, "must be a migration name or a table")
    reader = _Fields(value, file, where)
    fields = {key: reader.get(key, kind, default=None) for key, kind in SELECTOR_FIELDS.items()}
    reader.finish()
    for key in ("operations", "replaces", "depends_on"):
        if fields[key] is not None and not all(isinstance(v, str) for v in fields[key]):
            raise LessonFileError(file, f"{where}.{key}", "must be a list of strings")
    if fields["depends_on"] and not all(v.count(".") == 1 for v in fields["depends_on"]):
        raise LessonFileError(file, f"{where}.depends_on", "names migrations as 'app.name'")
    selector = MigrationSelector(
        app=fields["app"] or "store", name=fields["name"] or "", after=fields["after"] or "",
        operations=tuple(fields["operations"]) if fields["operations"] is not None else None,
        replaces=tuple(fields["replaces"]) if fields["replaces"] is not None else None,
        depends_on=tuple(fields["depends_on"] or ()),
        initial=fields["initial"])
    if not selector.name and not selector.identifies_by_deed:
        raise LessonFileError(file, where, "names no migration: give `name`, or what it does "
                                           "(`after`, `operations`, `replaces`, `depends_on`, "
                                           "`initial`)")
    return selector


_MISSING = object()


class _Fields:
    """Reads fields of one TOML table, each checked for presence and type; `finish()` rejects
    any field that was never read, so a misspelt field name cannot pass silently."""

    def __init__(self, data: dict, file: str, where: str = "",
                 error: type[LessonFileError] = LessonFileError):
        self.data = data
        self.file = file
        self.where = where
        self.error = error  # a course file's problems are told as such
        self.seen: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, kind: type, default: Any = _MISSING) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise self.error(self.file, self._name(key), "is missing")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.error(self.file, self._name(key),
                             f"must be {_TYPE_WORDS[kind]}, not {type(value).__name__}")
        rule = PATH_FIELDS.get(field_pattern(self._name(key)))
        if rule is not None and isinstance(value, str):
            rule(value, self.file, self._name(key))
        return value

    def require_format(self) -> None:
        version = self.get("format", int)
        if version != FORMAT_VERSION:
            raise self.error(self.file, "format",
                             f"is {version}; this tutor reads format {FORMAT_VERSION}")

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.error(self.file, self._name(unknown[0]), "is not a known field")


_TYPE_WORDS = {str: "a string", list: "a list", dict: "a table", bool: "true or false",
               int: "a whole number", SCALAR: "a number, a string or true/false",
               (str, dict): "a migration name or a table", (str, list): "a string or a list",
               (dict, list): "a table or a list of tables"}
