"""The vocabulary of the lesson format, declared once, as data: each expectation kind (its
subject, options and their defaults, what it is about, and its words for the reference),
what a step may allow, a migration named by what it does, and a question's answers.

Everything else asks this table: the loader (which keys a table may hold, of which type),
`lint_rules.py` (the claims a kind makes by default, a verdict a text decides), the judging
layer (`checks/`, which maps each kind to its judge by name) and `tests/test_docs.py`
(lessons/README.md documents each kind's options and defaults). It imports nothing of Django
and no judge: `tutor lessons` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCALAR = (str, int, float, bool)  # a value a lesson names: `default = 0.00`
# Django's alias for the learner's own database; a lesson may add others beside it. (The
# same as state.DEFAULT_DATABASE, not imported from there: `tutor lessons` reads no state.)
DEFAULT_DATABASE = "default"

# What an expectation is about, which decides whether it may name a `database`:
FILES = "files"            # the files, which every database of the sandbox shares: none
DATABASE = "database"      # one database: the learner's own, or the one it names
DATABASES = "databases"    # several databases at once (it names them in its options): none
RELEASE = "release"        # a release, which names its own database: none
SCOPES = (FILES, DATABASE, DATABASES, RELEASE)

# What a kind's subject must look like, beyond its TOML type (see `expectations.py`).
SELECTOR = "a migration's name or a table naming it by what it does"
SELECTORS = "a list of names and such tables"
APP_NAME = "'app.name'"
TABLE_COLUMN = "'table.column'"
APP_MODEL_FIELD = "'app.model.field'"
TRUE = "true"
TRUE_OR_NAME = "true or a release's name"


@dataclass(frozen=True)
class Option:
    """One option of a kind: its TOML type, and the value the judge takes when the lesson
    leaves it out (None: the option is then simply not asked)."""

    type: type | tuple
    default: Any = None
    # The default in the reference's words, where it is no value a lesson could write
    # ("all the sandbox's"); else the reference shows the value itself.
    default_words: str = ""
    choices: tuple[str, ...] = ()  # the values it may take (empty: any of its type)
    # For a list of names that must not be empty: what to say when it is ("": optional).
    needed: str = ""
    # Given, it makes a piece of a file's text decide the verdict (`lint-lessons` says so).
    searches_text: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not None or bool(self.default_words)


@dataclass(frozen=True)
class ExpectationKind:
    """One kind of expectation, as the lesson format declares it: the key that names it in an
    `[[steps.expect]]` table (whose value is its subject), the options it takes, what it is
    about, and how the reference says what it holds. Its judge lives in `checks/`."""

    name: str
    subject: type | tuple              # the TOML type of the subject
    options: dict[str, Option] = field(default_factory=dict)
    scope: str = DATABASE              # one of SCOPES
    shape: str = ""                    # what the subject must look like ("": any of its type)
    words: str = ""                    # what it holds, as the reference's table begins it
    # Judged from the fresh build (the migration files run on a new database), which costs a
    # migrate: a state is read with it only once everything else of the step holds.
    fresh: bool = False
    # About what the tutor saw while the learner was on a step, not about a state: only a
    # `when` may name it.
    seen: bool = False
    # A protection every step holds says the same (see `protections.py`): where the step says
    # it in its own words and the learner broke it on the way, the way back is named.
    guarded: bool = False
    # Options of which it needs at least one (none: any or none of them).
    needs_one_of: tuple[str, ...] = ()
    # A piece of a file's text decides its verdict (`lint-lessons` says so).
    searches_text: bool = False
    # It needs the sandbox to be a git repository (`git = true` in [start]).
    needs_git: bool = False

    @property
    def takes_database(self) -> bool:
        return self.scope == DATABASE

    def searches_text_with(self, options: dict[str, Any]) -> bool:
        """Whether, with these options given, a piece of a file's text decides its verdict."""
        return self.searches_text or any(self.options[name].searches_text for name in options)

    def defaults(self) -> dict[str, Any]:
        """The values it takes for the options a lesson leaves out."""
        return {name: option.default for name, option in self.options.items()
                if option.default is not None}


_YES_NO = Option(bool)
_EXISTS = Option(bool, default=True)  # an expectation that something is there, by default

EXPECTATION_KINDS: dict[str, ExpectationKind] = {kind.name: kind for kind in (
    ExpectationKind(
        "migration", (str, dict), shape=SELECTOR,
        options={"applied": _YES_NO, "on_disk": _YES_NO, "recorded": _YES_NO,
                 "unchanged": _YES_NO},
        words="the migration's record / file is as given"),
    ExpectationKind(
        "column", str, shape=TABLE_COLUMN,
        options={"exists": _EXISTS, "null": _YES_NO, "default": _YES_NO},
        words="the column is in the database"),
    ExpectationKind(
        "table", str, options={"exists": _EXISTS}, words="the table is in the database"),
    ExpectationKind(
        "field", str, scope=FILES, shape=APP_MODEL_FIELD,
        options={"exists": _EXISTS, "type": Option(str), "null": _YES_NO,
                 "default": Option(SCALAR), "db_default": _YES_NO,
                 "source": Option(str, default="migrations", choices=("migrations", "models"))},
        words="the migration files describe the field so"),
    ExpectationKind(
        "no_orphans", str, guarded=True,
        words="every applied migration of the app still has its file"),
    ExpectationKind(
        "models_match_migrations", str, scope=FILES,
        words="`makemigrations` would write nothing"),
    ExpectationKind(
        "schema_matches_record", str, guarded=True,
        words="the app's tables are what its applied migrations describe"),
    ExpectationKind(
        "files_build_database", bool, scope=FILES, shape=TRUE, fresh=True,
        words="the migration files, applied to a new, empty database"),
    ExpectationKind(
        "reverses", str, scope=FILES, shape=APP_NAME, fresh=True,
        words="the migration's way back undoes its way there"),
    ExpectationKind(
        "database_kept", bool, shape=TRUE, guarded=True,
        words="is the database the lesson started with"),
    ExpectationKind(
        "only_migrations", list, scope=FILES, shape=SELECTORS,
        options={"app": Option(str, default="store")},
        words="the app's migrations folder holds exactly these"),
    ExpectationKind(
        "no_file_contains", str, scope=FILES, searches_text=True,
        options={"under": Option(str, default=".", default_words="the whole sandbox")},
        words="no `.py` file there contains the text"),
    ExpectationKind(
        "file", str, scope=FILES,
        options={"exists": _EXISTS, "contains": Option(str, searches_text=True)},
        words="the sandbox file exists"),
    ExpectationKind(
        "backup", str,
        options={"tables": Option(list, needed="names the tables whose every row the backup "
                                                "must hold"),
                 "of": Option(str, default="step", choices=("step", "start"))},
        words="the sandbox file is a backup `dumpdata` writes"),
    ExpectationKind(
        "rows", str, guarded=True, needs_one_of=("count", "same_as"),
        options={"count": Option(int), "same_as": Option(str), "columns": Option(list)},
        words="the table has that many rows"),
    ExpectationKind(
        "values", str, shape=TABLE_COLUMN, options={"equal": Option(list)},
        words="the column holds these values, in row order"),
    ExpectationKind(
        "branch", str, scope=FILES, needs_git=True,
        words="the sandbox's git repository has this branch checked out"),
    ExpectationKind(
        "databases_agree", str, scope=DATABASES,
        options={"databases": Option(list, default_words="all the sandbox's")},
        words="the app's migrations are applied alike on each of those databases"),
    ExpectationKind(
        "release_works", (bool, str), scope=RELEASE, shape=TRUE_OR_NAME, guarded=True,
        options={"knows": Option(list), "has_files": _YES_NO},
        words="the release (the one running at the step, or the one named; see Releases) "
              "ran against its database without an error"),
    ExpectationKind(
        "release_never_broke", (bool, str), scope=RELEASE, shape=TRUE_OR_NAME, seen=True,
        words="only as a condition (`when`) of an explanation"),
)}


def kinds_about(scope: str) -> list[str]:
    """The names of the kinds about `scope` (one of SCOPES), in the table's order."""
    return [kind.name for kind in EXPECTATION_KINDS.values() if kind.scope == scope]


# A migration named by what it does rather than by its name (see MigrationSelector).
SELECTOR_FIELDS: dict[str, type] = {
    "app": str, "name": str, "after": str, "operations": list, "replaces": list,
    "depends_on": list, "initial": bool,
}

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

# Each question asks for something the live state answers; see `questions.py`.
QUESTION_KINDS = {"applied_migrations", "unapplied_migrations", "orphan_migrations",
                  "would_unapply", "columns", "row_count"}
# Which state a question is about: the live one, the one the step began in, or the one in
# which the step's expectations hold (an answer before that state is reached is not taken).
QUESTION_ABOUT = ("now", "step_start", "goal")
